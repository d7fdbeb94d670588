//! The Julia package bindings/julia/Rnnwf, checked without Julia (which cannot be installed
//! here; its own tests run with `Pkg.test()` where Julia exists, see its README): every
//! source file parses and lints clean with fatou, a broken file is caught, and the package
//! hangs together (files included, exports defined, fixed UUID).

mod foreign;
use foreign::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "bindings/julia/Rnnwf";
const UUID: &str = "e2a738e2-1333-4b86-9482-d5c9d7bd257e";

fn julia_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(julia_files(&path));
        } else if path.extension().is_some_and(|e| e == "jl") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Runs `fatou lint` over `paths`: its exit status and its report.
fn lint(fatou: &Path, paths: &[&Path]) -> (bool, String) {
    let out = Command::new(fatou)
        .args([
            "lint",
            "--no-config",
            "--color",
            "never",
            "--output",
            "concise",
        ])
        .args(paths)
        .output()
        .expect("run fatou");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

#[test]
fn julia_sources_parse_and_lint_clean() {
    let Some(fatou) = fatou() else { return };
    let package = crate_root().join(PACKAGE);
    let examples = crate_root().join("examples/julia");
    let expected = julia_files(&package).len() + julia_files(&examples).len();
    assert!(expected >= 9, "only {expected} Julia files");
    let (ok, report) = lint(&fatou, &[&package, &examples]);
    assert!(ok, "fatou lint failed:\n{report}");
    assert!(
        report.contains(&format!("checked {expected} file(s): clean")),
        "fatou did not check every file:\n{report}"
    );
}

/// The check above would catch a syntax error: break a copy of the package and see.
#[test]
fn julia_check_fails_on_a_syntax_error() {
    let Some(fatou) = fatou() else { return };
    let copy = scratch_dir("julia-broken").join("Rnnwf");
    for file in julia_files(&crate_root().join(PACKAGE)) {
        let relative = file.strip_prefix(crate_root().join(PACKAGE)).unwrap();
        let target = copy.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    std::fs::copy(
        crate_root().join(PACKAGE).join("Project.toml"),
        copy.join("Project.toml"),
    )
    .unwrap();
    let (ok, report) = lint(&fatou, &[&copy]);
    assert!(ok, "the unbroken copy should pass:\n{report}");

    // A function that never ends.
    let model = copy.join("src/model.jl");
    let text = std::fs::read_to_string(&model).unwrap();
    let broken = text.replacen("    return out\nend", "    return out\n", 1);
    assert_ne!(broken, text);
    std::fs::write(&model, broken).unwrap();
    let (ok, report) = lint(&fatou, &[&copy]);
    assert!(!ok, "a missing `end` went unnoticed:\n{report}");
    assert!(report.contains("parse-error"), "{report}");
    assert!(report.contains("model.jl"), "{report}");
}

#[test]
fn julia_package_hangs_together() {
    let root = crate_root().join(PACKAGE);
    let project = std::fs::read_to_string(root.join("Project.toml")).unwrap();
    assert!(project.contains("name = \"Rnnwf\""), "{project}");
    assert!(
        project.contains(&format!("uuid = \"{UUID}\"")),
        "the package UUID must never change:\n{project}"
    );
    let version = format!("version = \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        project.contains(&version),
        "Project.toml should say {version}"
    );

    // Every file under src/ is included by the module file.
    let main = std::fs::read_to_string(root.join("src/Rnnwf.jl")).unwrap();
    for file in julia_files(&root.join("src")) {
        let relative = file.strip_prefix(root.join("src")).unwrap();
        if relative == Path::new("Rnnwf.jl") {
            continue;
        }
        let include = format!("include(\"{}\")", relative.display());
        assert!(main.contains(&include), "src/Rnnwf.jl lacks {include}");
    }

    // Every exported name is defined somewhere in src/.
    let sources: String = julia_files(&root.join("src"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let exported: Vec<&str> = main
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .collect();
    assert!(exported.len() >= 15, "{exported:?}");
    for name in exported {
        let defined = [
            format!("\n{name}("),
            format!("\nfunction {name}("),
            format!("struct {name}\n"),
            format!("struct {name} "),
            format!("const {name} ="),
        ]
        .iter()
        .any(|d| sources.contains(d.as_str()));
        assert!(defined, "exported {name} is not defined in src/");
    }

    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for needle in [
        "RNNWF_LIB",
        "Pkg.test()",
        "cannot be installed",
        "generate.py",
    ] {
        assert!(readme.contains(needle), "README.md should mention {needle}");
    }
}
