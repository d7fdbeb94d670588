//! The optimiser sees arrays only (docs/architecture.md, layer 4): no file of `src/optim`
//! names a module above the kernels. The step computes what needs the model (the
//! per-sample log-derivatives or the weighted gradient) and hands the arrays over.

#[test]
fn the_optimiser_uses_nothing_above_the_kernels() {
    let above = [
        "crate::model",
        "crate::grad",
        "crate::sampler",
        "crate::local_energy",
        "crate::hamiltonian",
        "crate::estimators",
        "crate::vmc",
        "crate::checkpoint",
        "crate::capi",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/optim");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        files += 1;
        for name in above {
            assert!(
                !text.contains(name),
                "{} uses {name}: the optimiser must see arrays only",
                path.display()
            );
        }
    }
    assert!(files >= 5, "read {files} files of {}", dir.display());
}
