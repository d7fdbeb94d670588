//! include/rnnwf.h is generated from src/capi (only) by cbindgen and committed; this test fails
//! when the two drift apart. `RNNWF_BLESS=1 cargo test --test header` rewrites the header.

use std::path::Path;

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_src(root.join("src/capi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rnnwf.h");
    let generated = generate();
    if std::env::var_os("RNNWF_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/rnnwf.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "include/rnnwf.h is out of date with src/capi (first difference at line {}).\n\
             Regenerate it with: RNNWF_BLESS=1 cargo test --test header",
            first_difference + 1
        );
    }
}

#[test]
fn header_declares_only_prefixed_names() {
    let header = generate();
    let mut names = Vec::new();
    let code = header
        .lines()
        .filter(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with("/*"))
        .filter(|l| !l.trim_start().starts_with('*'));
    for line in code {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["#define", name, ..] if *name != "RNNWF_H" => names.push(name.to_string()),
            ["typedef", .., tag, "{"] => names.push(tag.to_string()),
            // A function-pointer type: typedef int32_t (*name)(...);
            ["typedef", ..] if line.contains("(*") => {
                let after = &line[line.find("(*").unwrap() + 2..];
                names.push(after[..after.find(')').unwrap()].to_string());
            }
            ["typedef", .., last] => names.push(last.trim_end_matches(';').to_string()),
            ["}", name] => names.push(name.trim_end_matches(';').to_string()),
            _ if line.contains('(') && !line.starts_with(' ') && !line.starts_with('#') => {
                // A function declaration: the word before the first '('.
                let before = &line[..line.find('(').unwrap()];
                if let Some(name) = before.split_whitespace().last() {
                    names.push(name.trim_start_matches('*').to_string());
                }
            }
            _ => {}
        }
    }
    assert!(names.len() > 30, "parsed too few names: {names:?}");
    for name in &names {
        assert!(
            name.starts_with("rnnwf_") || name.starts_with("RNNWF_"),
            "{name} lacks the rnnwf_/RNNWF_ prefix"
        );
    }
}
