//! The layers of docs/architecture.md point one way: a module of `src/` uses only modules of
//! its own layer or of layers below it (and the optimiser none of the model's). This test reads every source file, collects the
//! `crate::` paths its code (not its comments or `#[cfg(test)]` module) names, and fails on
//! each one that points up, naming the file and the path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first, as docs/architecture.md lists them. A top-level module of
/// `src/` (a file or a directory) is in exactly one.
const LAYERS: &[&[&str]] = &[
    // Foundations every layer may use: the error type, fallible buffers, settings setters,
    // the enum tables' type, the fingerprint of settings and vectors.
    &["error", "buffer", "settings", "enum_table", "fingerprint"],
    // 1. Kernels, with the thread pool, the random streams and cancellation beside them.
    &["kernels", "parallel", "random", "cancel"],
    // 2. The model.
    &["model"],
    // 3. What is computed on a model, and the operators it is computed with.
    &[
        "sampler",
        "hamiltonian",
        "local_energy",
        "grad",
        "estimators",
        "exact",
        "sign_free",
        "invariance",
    ],
    // 4. The optimiser.
    &["optim"],
    // 5. The VMC driver.
    &["vmc"],
    // 6. Checkpoints of models and driver states.
    &["checkpoint"],
    // 7. The C ABI.
    &["capi"],
];

/// Layers below a module that it must not use all the same (indices into [`LAYERS`]): "the
/// optimiser knows nothing about models or operators: it sees vectors and matrices".
const KNOWS_NOTHING_OF: &[(&str, &[usize])] = &[("optim", &[2, 3])];

/// Arrows against the layers tolerated while work on a branch removes them (file, module);
/// none today. An entry whose arrow no longer exists fails the test, so none outlives its fix.
const ALLOWED: &[(&str, &str)] = &[];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file: without its test module (by convention last, from `#[cfg(test)]`)
/// and without comment lines.
fn code_of(text: &str) -> String {
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's `crate::` paths name; a name `lib.rs` re-exports (e.g.
/// `crate::Model`) counts as the module it comes from.
fn used_modules(code: &str, reexports: &BTreeMap<String, String>) -> Vec<String> {
    let mut used = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::X, B}`: each item's first segment.
            let group = &group[..group.find('}').expect("closed group")];
            group.split(',').map(str::trim).collect()
        } else {
            vec![rest]
        };
        for name in names {
            let first: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if first.is_empty() {
                continue;
            }
            let module = reexports.get(&first).cloned().unwrap_or(first);
            used.push(module);
        }
    }
    used
}

/// Names `lib.rs` re-exports, with the module each comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = &item[..item.find(';').unwrap()];
        let Some((module, names)) = item.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            map.insert(name.to_string(), module.trim().to_string());
        }
    }
    map
}

#[test]
fn no_module_uses_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut allowed_seen = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if relative == "lib.rs" {
            continue;
        }
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let own = layer_of(&module)
            .unwrap_or_else(|| panic!("src/{relative}: module `{module}` is in no layer"));
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for used in used_modules(&code, &reexports) {
            let Some(layer) = layer_of(&used) else {
                violations.push(format!("src/{relative}: crate::{used} is in no layer"));
                continue;
            };
            let hidden = KNOWS_NOTHING_OF
                .iter()
                .any(|(m, unknown)| *m == module && unknown.contains(&layer));
            if layer <= own && !hidden {
                continue;
            }
            if ALLOWED.contains(&(relative.as_str(), used.as_str())) {
                allowed_seen.push((relative.clone(), used));
                continue;
            }
            violations.push(if hidden {
                format!("src/{relative} (`{module}`) uses crate::{used}, which it must not know")
            } else {
                format!(
                    "src/{relative} (layer {own}, `{module}`) uses crate::{used} (layer {layer})"
                )
            });
        }
    }
    violations.sort();
    violations.dedup();
    assert!(
        violations.is_empty(),
        "arrows against the layers of docs/architecture.md:\n{}",
        violations.join("\n")
    );
    // An allowed arrow that no longer exists is an entry to delete.
    for (file, module) in ALLOWED {
        assert!(
            allowed_seen.iter().any(|(f, m)| f == file && m == module),
            "src/{file} no longer uses crate::{module}: delete its ALLOWED entry"
        );
    }
}

#[test]
fn the_checker_sees_an_upward_arrow() {
    let reexports = reexports("pub use model::{Model, ModelConfig};\npub use vmc::Vmc;");
    let code = code_of(
        "// use crate::vmc::Vmc;\nuse crate::{error::Error, Model};\nuse crate::checkpoint::x;\n\
         #[cfg(test)]\nmod tests { use crate::capi::y; }",
    );
    let used = used_modules(&code, &reexports);
    let mut sorted = used;
    sorted.sort();
    assert_eq!(sorted, ["checkpoint", "error", "model"]);
    assert!(layer_of("checkpoint") > layer_of("model"));
    assert_eq!((layer_of("model"), layer_of("grad")), (Some(2), Some(3)));
    assert!(layer_of("kernels") < layer_of("model"));
}
