//! The raw layers of the Julia and Fortran bindings and the Python package's constants are
//! generated from include/rnnwf.h by Python scripts and committed; these tests regenerate them and fail on any drift.
//! `RNNWF_BLESS=1 cargo test --test generated_bindings` rewrites the committed files.

mod foreign;
use foreign::*;
use std::path::Path;

/// Regenerates `committed` with `generator` into a scratch file and compares.
fn check_generated(generator: &str, committed: &str) {
    let generator = crate_root().join(generator);
    let committed = crate_root().join(committed);
    if std::env::var_os("RNNWF_BLESS").is_some() {
        run_python(&generator, &[]);
        return;
    }
    let fresh = scratch_dir(&format!(
        "generated-{}",
        committed.file_name().unwrap().to_string_lossy()
    ))
    .join("fresh");
    if run_python(&generator, &["-o".as_ref(), fresh.as_os_str()]).is_none() {
        return;
    }
    let generated = std::fs::read_to_string(&fresh).unwrap();
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    if generated != current {
        let line = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(current.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "{} is out of date with include/rnnwf.h (first difference at line {line}).\n\
             Regenerate it with: python3 {}",
            committed.display(),
            generator.display()
        );
    }
}

#[test]
fn julia_api_matches_the_header() {
    check_generated(
        "bindings/julia/gen/generate.py",
        "bindings/julia/Rnnwf/src/gen/api.jl",
    );
}

#[test]
fn fortran_capi_matches_the_header() {
    check_generated(
        "bindings/fortran/gen/generate.py",
        "bindings/fortran/rnnwf_capi.f90",
    );
}

#[test]
fn python_constants_match_the_header() {
    check_generated(
        "bindings/python/gen/generate.py",
        "bindings/python/python/rnnwf/_constants.py",
    );
}

/// Every function of the header has a raw binding in each generated layer.
#[test]
fn generated_layers_cover_every_header_function() {
    let header = std::fs::read_to_string(crate_root().join("include/rnnwf.h")).unwrap();
    let julia = read("bindings/julia/Rnnwf/src/gen/api.jl");
    // Fortran continues long lines with `&`: join them before searching.
    let fortran = read("bindings/fortran/rnnwf_capi.f90")
        .split("&\n")
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("");
    let mut count = 0;
    for line in header.lines().filter(|l| !l.starts_with("//")) {
        let Some(open) = line.find('(') else { continue };
        let Some(name) = line[..open].split_whitespace().last() else {
            continue;
        };
        let name = name.trim_start_matches('*');
        if !name.starts_with("rnnwf_") {
            continue;
        }
        count += 1;
        assert!(
            julia.contains(&format!("ccall(libsym(:{name}),")),
            "{name} missing from api.jl"
        );
        assert!(
            fortran.contains(&format!("bind(C, name=\"{name}\")")),
            "{name} missing from rnnwf_capi.f90"
        );
    }
    assert!(count >= 18, "found only {count} functions in the header");
}

/// The parser refuses what it does not understand instead of dropping it silently.
#[test]
fn generator_rejects_an_unknown_declaration() {
    let dir = scratch_dir("generator-rejects");
    let header = dir.join("bad.h");
    std::fs::write(
        &header,
        "#define RNNWF_OK 0\nunion rnnwf_thing { int a; };\nint32_t rnnwf_f(void);\n",
    )
    .unwrap();
    let Some(python) = tool("python3") else {
        return;
    };
    let out = std::process::Command::new(python)
        .arg(crate_root().join("bindings/julia/gen/generate.py"))
        .arg("--header")
        .arg(&header)
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown declaration was accepted");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HeaderError"), "{stderr}");
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(crate_root()).join(path)).unwrap()
}

/// The rest of the planned C API (Hamiltonians, estimators, VMC: function-pointer
/// typedefs, nested structs), written as cbindgen writes it in a fixture, goes through both
/// generators: the Fortran compiles under -std=f2008 -Werror and the Julia lints clean. When
/// those functions land in the real header, their raw bindings appear by regeneration alone.
#[test]
fn generators_handle_the_full_contract() {
    let fixture = crate_root().join("bindings/gen/testdata/full_contract.h");
    let dir = scratch_dir("full-contract");
    let fortran = dir.join("rnnwf_capi.f90");
    let julia = dir.join("api.jl");
    for (generator, out) in [
        ("bindings/fortran/gen/generate.py", &fortran),
        ("bindings/julia/gen/generate.py", &julia),
    ] {
        let args = [
            "--header".as_ref(),
            fixture.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        if run_python(&crate_root().join(generator), &args).is_none() {
            return;
        }
    }
    let fortran_text = std::fs::read_to_string(&fortran).unwrap();
    for needle in [
        "type(c_funptr), value :: f",
        "type(rnnwf_estimate) :: energy",
        "bind(C, name=\"rnnwf_vmc_step\")",
        "integer(c_int32_t), parameter :: RNNWF_OPT_SR = 2",
    ] {
        assert!(
            fortran_text.contains(needle),
            "{needle} not in {fortran_text}"
        );
    }
    if let Some(gfortran) = tool("gfortran") {
        let out = std::process::Command::new(gfortran)
            .args(FORTRAN_FLAGS)
            .arg("-c")
            .arg(&fortran)
            .arg("-J")
            .arg(&dir)
            .arg("-o")
            .arg(dir.join("rnnwf_capi.o"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gfortran rejects the generated module:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let julia_text = std::fs::read_to_string(&julia).unwrap();
    assert!(julia_text.contains("(Ptr{rnnwf_vmc}, Ptr{Cvoid}, Ptr{Cvoid}), v, f, user_data)"));
    assert!(julia_text.contains("    energy::rnnwf_estimate\n"));
    if let Some(fatou) = fatou() {
        let out = std::process::Command::new(fatou)
            .args(["lint", "--no-config", "--color", "never"])
            .arg(&julia)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
