//! The minimum Rust version the crate declares (Cargo.toml `rust-version`, and the READMEs
//! that state it) is at least every locked dependency's own: otherwise an older toolchain,
//! common as an HPC module, accepts the crate and then fails on a dependency.

mod foreign;
use std::process::Command;

/// A version such as "1.87" or "1.87.0" as (major, minor, patch).
fn parse(v: &str) -> (u32, u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap());
    let major = parts.next().unwrap();
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Every (manifest path, rust_version) that `cargo metadata` reports for the locked graph.
fn locked_rust_versions() -> Vec<(String, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(foreign::crate_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = String::from_utf8(out.stdout).unwrap();
    // A package object ends its fields with "rust_version", after its "manifest_path" (its
    // targets have src_path, its dependency entries neither), so the manifest path before a
    // rust_version names the package that declared it.
    let mut found = Vec::new();
    let key = "\"rust_version\":\"";
    let mut rest = json.as_str();
    let mut before = 0;
    while let Some(i) = rest.find(key) {
        let start = i + key.len();
        let len = rest[start..].find('"').unwrap();
        let version = rest[start..start + len].to_string();
        let seen = &json[..before + i];
        let path = seen
            .rfind("\"manifest_path\":\"")
            .map(|m| {
                let p = &seen[m + 17..];
                p[..p.find('"').unwrap()].to_string()
            })
            .unwrap_or_default();
        found.push((path, version));
        before += start + len;
        rest = &rest[start + len..];
    }
    found
}

fn declared() -> String {
    let manifest = std::fs::read_to_string(foreign::crate_root().join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("rust-version in Cargo.toml")
        .trim_matches('"')
        .to_string()
}

#[test]
fn declared_rust_version_covers_every_locked_dependency() {
    let ours = declared();
    let versions = locked_rust_versions();
    assert!(
        versions.len() > 10,
        "cargo metadata reported only {versions:?}"
    );
    let too_new: Vec<_> = versions
        .iter()
        .filter(|(_, v)| parse(v) > parse(&ours))
        .collect();
    assert!(
        too_new.is_empty(),
        "Cargo.toml declares rust-version {ours}, but these locked packages need newer: {too_new:?}"
    );
}

/// Every "1.NN or newer" in `text` (Rust versions; Python's are 3.x).
fn stated_rust_versions(text: &str) -> Vec<String> {
    text.match_indices(" or newer")
        .filter_map(|(i, _)| {
            let before = &text[..i];
            let start = before
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(0, |j| j + 1);
            let v = &before[start..];
            v.starts_with("1.").then(|| v.to_string())
        })
        .collect()
}

#[test]
fn readmes_state_the_declared_rust_version() {
    let ours = declared();
    for doc in ["README.md", "bindings/python/README.md"] {
        let text = std::fs::read_to_string(foreign::crate_root().join(doc)).unwrap();
        let stated = stated_rust_versions(&text);
        assert!(!stated.is_empty(), "{doc} states no minimum Rust version");
        assert!(
            stated.iter().all(|v| *v == ours),
            "{doc} states Rust {stated:?}, Cargo.toml declares {ours}"
        );
    }
}
