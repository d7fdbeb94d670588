//! Optimiser checkpoints (`rnnwf-optimizer`): a run resumed from a model file and an
//! optimiser file continues bit for bit; damaged, truncated, foreign and missing files are
//! refused and leave the driver as it was.

mod common;

use common::scratch_dir;
use rnnwf::checkpoint::{OPTIMIZER_FORMAT, OPTIMIZER_FORMAT_VERSION};
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{Vmc, VmcConfig, VmcStats};
use rnnwf::{CellKind, ErrorKind, Hamiltonian, Model, ModelConfig};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

type Metadata = HashMap<String, String>;
type OwnedTensor = (String, Vec<usize>, Vec<u8>);

fn chain_model(sites: u32, hidden: u32, seed: u64) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(sites)
            .with_hidden(hidden)
            .with_seed(seed),
    )
    .unwrap()
}

fn config(optimizer: Optimizer) -> VmcConfig {
    VmcConfig::default()
        .with_optimizer(optimizer)
        .with_n_samples(if optimizer == Optimizer::MinSr {
            64
        } else {
            128
        })
        .with_learning_rate(if optimizer == Optimizer::Adam {
            0.01
        } else {
            0.05
        })
        .with_sr_diag_shift(1e-3)
        .with_grad_clip(5.0)
        .with_seed(77)
}

/// What a step reports that must repeat exactly (not the timings).
fn key(s: &VmcStats) -> (u64, [f64; 5], u64) {
    let e = &s.energy;
    (
        s.step,
        [e.mean.re, e.mean.im, e.error, e.variance, s.grad_norm],
        e.n,
    )
}

fn resumes_bit_identically(optimizer: Optimizer, temperature: f64) {
    let dir = scratch_dir(&format!("resume-{optimizer:?}-{temperature}"));
    let (model_path, opt_path) = (dir.join("model.safetensors"), dir.join("opt.safetensors"));
    let h = Hamiltonian::tfim(6, 1, false, 1.0, 1.0).unwrap();
    let (k, m) = (3, 3);

    let mut model = chain_model(6, 8, 5);
    let mut vmc = Vmc::new(config(optimizer).with_temperature(temperature)).unwrap();
    for _ in 0..k {
        vmc.step(&mut model, &h).unwrap();
    }
    // Host-side schedules change the settings between steps: the saved ones are current.
    vmc.set_learning_rate(vmc.config().learning_rate * 0.5)
        .unwrap();
    vmc.set_temperature(temperature * 0.5).unwrap();
    model.save(&model_path).unwrap();
    vmc.save(&opt_path).unwrap();
    let saved_config = vmc.config().clone();
    let uninterrupted: Vec<_> = (0..m)
        .map(|_| key(&vmc.step(&mut model, &h).unwrap()))
        .collect();

    let mut resumed_model = Model::load(&model_path).unwrap();
    // A driver with other settings: load replaces them all.
    let mut resumed = Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::Sgd)
            .with_seed(1)
            .with_n_samples(10),
    )
    .unwrap();
    resumed.load(&opt_path).unwrap();
    assert_eq!(resumed.config(), &saved_config);
    assert_eq!(resumed.steps(), k);
    assert_eq!(
        resumed.adam_state().is_some(),
        optimizer == Optimizer::Adam,
        "{optimizer:?}"
    );
    let continued: Vec<_> = (0..m)
        .map(|_| key(&resumed.step(&mut resumed_model, &h).unwrap()))
        .collect();
    assert_eq!(continued, uninterrupted, "{optimizer:?}");
    assert_eq!(resumed_model.params(), model.params(), "{optimizer:?}");
    assert_eq!(resumed.adam_state(), vmc.adam_state());
    assert_eq!(resumed.steps(), vmc.steps());
    // The energies moved: the comparison above compared real training, not a constant.
    assert_ne!(uninterrupted[0].1[0], uninterrupted[m - 1].1[0]);
}

#[test]
fn adam_run_resumes_bit_identically() {
    resumes_bit_identically(Optimizer::Adam, 0.0);
}

#[test]
fn annealed_adam_run_resumes_bit_identically() {
    resumes_bit_identically(Optimizer::Adam, 0.3);
}

#[test]
fn sgd_run_resumes_bit_identically() {
    resumes_bit_identically(Optimizer::Sgd, 0.0);
}

#[test]
fn minsr_run_resumes_bit_identically() {
    resumes_bit_identically(Optimizer::MinSr, 0.0);
}

#[test]
fn fit_steps_resume_bit_identically() {
    let dir = scratch_dir("resume-fit");
    let target = chain_model(5, 4, 11);
    let mut data = vec![0u8; 200 * 5];
    target.sample(3, 200, &mut data, None).unwrap();
    let mut model = chain_model(5, 6, 12);
    let mut vmc = Vmc::new(config(Optimizer::Adam)).unwrap();
    vmc.fit_step(&mut model, &data).unwrap();
    model.save(&dir.join("m")).unwrap();
    vmc.save(&dir.join("o")).unwrap();
    let a: Vec<f64> = (0..3)
        .map(|_| vmc.fit_step(&mut model, &data).unwrap())
        .collect();
    let mut model2 = Model::load(&dir.join("m")).unwrap();
    let mut vmc2 = Vmc::new(VmcConfig::default()).unwrap();
    vmc2.load(&dir.join("o")).unwrap();
    let b: Vec<f64> = (0..3)
        .map(|_| vmc2.fit_step(&mut model2, &data).unwrap())
        .collect();
    assert_eq!(a, b);
    assert!(a[2] < a[0], "the likelihood did not improve: {a:?}");
    assert_eq!(model.params(), model2.params());
}

/// A driver with Adam state on a small model (16 parameters), and the model.
fn small_adam_state() -> (Vmc, Model) {
    let mut model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Vanilla)
            .with_lx(3)
            .with_hidden(2)
            .with_seed(4),
    )
    .unwrap();
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 0.7).unwrap();
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_n_samples(32)
            .with_learning_rate(1e-3)
            .with_adam_eps(1e-9)
            .with_temperature(0.125),
    )
    .unwrap();
    vmc.step(&mut model, &h).unwrap();
    vmc.step(&mut model, &h).unwrap();
    (vmc, model)
}

fn documented_crc(meta: &Metadata, tensors: &[OwnedTensor]) -> String {
    let mut keys: Vec<_> = meta.keys().filter(|k| *k != "crc32").collect();
    keys.sort();
    let mut s = Vec::new();
    for k in keys {
        s.extend(format!("{k}={}\n", meta[k]).as_bytes());
    }
    for (name, shape, data) in tensors {
        let dims: Vec<_> = shape.iter().map(|d| d.to_string()).collect();
        s.extend(format!("{name}[{}]\n", dims.join(",")).as_bytes());
        s.extend(data);
    }
    format!("{:08x}", crc32fast::hash(&s))
}

fn read(bytes: &[u8]) -> (Metadata, Vec<OwnedTensor>) {
    let file = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    let tensors = ["adam.m", "adam.v", "spring.previous"]
        .iter()
        .filter_map(|name| {
            let t = file.tensor(name).ok()?;
            Some((name.to_string(), t.shape().to_vec(), t.data().to_vec()))
        })
        .collect();
    (meta, tensors)
}

/// The file after `edit`, with a correct checksum: damage only the other checks can find.
fn reseal(bytes: &[u8], edit: impl FnOnce(&mut Metadata, &mut Vec<OwnedTensor>)) -> Vec<u8> {
    let (mut meta, mut tensors) = read(bytes);
    edit(&mut meta, &mut tensors);
    let crc = documented_crc(&meta, &tensors);
    meta.insert("crc32".into(), crc);
    let views = tensors.iter().map(|(n, s, d)| {
        (
            n.clone(),
            TensorView::new(Dtype::F64, s.clone(), d).unwrap(),
        )
    });
    safetensors::serialize(views, Some(meta)).unwrap()
}

#[test]
fn file_is_plain_safetensors_with_documented_metadata_and_checksum() {
    let (vmc, model) = small_adam_state();
    let bytes = vmc.to_checkpoint_bytes();
    assert_eq!(bytes, vmc.to_checkpoint_bytes(), "bytes are reproducible");
    let (meta, tensors) = read(&bytes);
    let expected: HashMap<&str, String> = [
        ("format", OPTIMIZER_FORMAT.to_string()),
        ("format_version", OPTIMIZER_FORMAT_VERSION.to_string()),
        ("optimizer", "adam".into()),
        ("n_samples", "32".into()),
        ("learning_rate", "0.001".into()),
        ("adam_beta1", "0.9".into()),
        ("adam_beta2", "0.999".into()),
        ("adam_eps", "1e-9".into()),
        ("sr_diag_shift", "0.0001".into()),
        ("grad_clip", "0.0".into()),
        ("temperature", "0.125".into()),
        ("seed", "0".into()),
        ("steps", "2".into()),
        ("adam_t", "2".into()),
        (
            "adam_model",
            "cell=vanilla,lx=3,ly=1,local_dim=2,hidden=2,layers=1,phase=none".into(),
        ),
    ]
    .into_iter()
    .collect();
    for (k, v) in &expected {
        assert_eq!(meta.get(*k), Some(v), "metadata {k}");
    }
    assert_eq!(meta.len(), expected.len() + 1, "{meta:?}");
    assert_eq!(meta["crc32"], documented_crc(&meta, &tensors));
    let adam = vmc.adam_state().unwrap();
    let np = model.num_params();
    assert_eq!(np, 16);
    for ((name, shape, data), values) in tensors.iter().zip([&adam.m, &adam.v]) {
        assert_eq!(shape, &vec![np], "{name}");
        let decoded: Vec<f64> = data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(&decoded, values, "{name}");
    }
    assert_eq!(tensors.len(), 2);
    // Round trip: the same state, the same bytes.
    let back = Vmc::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(back.config(), vmc.config());
    assert_eq!(back.steps(), 2);
    assert_eq!(back.adam_state(), vmc.adam_state());
    assert_eq!(back.to_checkpoint_bytes(), bytes);
}

#[test]
fn a_state_without_adam_has_no_tensors() {
    for optimizer in [Optimizer::Sgd, Optimizer::Adam, Optimizer::MinSr] {
        let vmc = Vmc::new(config(optimizer)).unwrap();
        let bytes = vmc.to_checkpoint_bytes();
        let (meta, tensors) = read(&bytes);
        assert!(tensors.is_empty());
        assert!(!meta.contains_key("adam_t"));
        assert_eq!(meta["steps"], "0");
        let back = Vmc::from_checkpoint_bytes(&bytes).unwrap();
        assert_eq!(back.config(), vmc.config());
        assert!(back.adam_state().is_none());
        assert_eq!(back.to_checkpoint_bytes(), bytes);
    }
}

#[test]
fn every_single_bit_flip_is_refused_as_format() {
    let (vmc, _) = small_adam_state();
    for bytes in [
        vmc.to_checkpoint_bytes(),
        Vmc::new(config(Optimizer::MinSr))
            .unwrap()
            .to_checkpoint_bytes(),
    ] {
        let mut damaged = bytes.clone();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                damaged[i] ^= 1 << bit;
                let err = Vmc::from_checkpoint_bytes(&damaged).err();
                assert_eq!(
                    err.as_ref().map(|e| e.kind),
                    Some(ErrorKind::Format),
                    "flipping bit {bit} of byte {i} (of {}) was not refused as Format: {err:?}",
                    bytes.len()
                );
                damaged[i] ^= 1 << bit;
            }
        }
    }
}

#[test]
fn every_truncation_is_refused_as_format() {
    let (vmc, _) = small_adam_state();
    let bytes = vmc.to_checkpoint_bytes();
    for len in 0..bytes.len() {
        let err = Vmc::from_checkpoint_bytes(&bytes[..len]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Format, "truncated to {len}: {err:?}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Vmc::from_checkpoint_bytes(&longer).unwrap_err().kind,
        ErrorKind::Format
    );
}

#[test]
fn intact_but_wrong_content_is_refused_as_format_with_a_named_problem() {
    let (vmc, _) = small_adam_state();
    let bytes = vmc.to_checkpoint_bytes();
    let check = |edit: &dyn Fn(&mut Metadata, &mut Vec<OwnedTensor>), needle: &str| {
        let damaged = reseal(&bytes, edit);
        let err = Vmc::from_checkpoint_bytes(&damaged).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
        assert!(
            err.message.contains(needle),
            "{:?} does not mention {needle:?}",
            err.message
        );
    };
    // The resealing itself is sound: an unedited file loads.
    assert!(Vmc::from_checkpoint_bytes(&reseal(&bytes, |_, _| ())).is_ok());
    let set = |key: &'static str, value: &'static str| {
        move |m: &mut Metadata, _: &mut Vec<OwnedTensor>| drop(m.insert(key.into(), value.into()))
    };
    check(&set("format", "rnnwf-model"), "rnnwf-model");
    check(&set("format_version", "2"), "format_version");
    check(&set("optimizer", "lbfgs"), "optimizer");
    check(&set("optimizer", "Adam"), "optimizer");
    check(&set("n_samples", "0"), "n_samples");
    check(&set("n_samples", "032"), "n_samples");
    check(&set("learning_rate", "-0.001"), "learning_rate");
    check(&set("learning_rate", "0.0010"), "learning_rate");
    check(&set("learning_rate", "1e-3"), "learning_rate");
    check(&set("learning_rate", "NaN"), "learning_rate");
    check(&set("adam_beta1", "1.0"), "adam_beta1");
    check(&set("adam_eps", "0.0"), "adam_eps");
    check(&set("temperature", "inf"), "temperature");
    check(&set("steps", "-1"), "steps");
    check(&set("adam_t", "two"), "adam_t");
    check(&|m, _| drop(m.remove("seed")), "seed");
    check(&|m, _| drop(m.remove("adam_t")), "no `adam_t`");
    check(&|_, t| t.truncate(1), "adam.v");
    check(&|_, t| drop(t.remove(0)), "adam.m");
    check(
        &|_, t| {
            t[1].1 = vec![8];
            t[1].2.truncate(64);
        },
        "adam.v",
    );
    check(
        &|_, t| {
            t[0].1 = vec![4, 4];
            t[1].1 = vec![4, 4];
        },
        "one dimension",
    );
    check(
        &|_, t| t.push(("extra".into(), vec![1], vec![0; 8])),
        "unexpected tensor extra",
    );
    check(
        &|_, t| t[1].2[8..16].copy_from_slice(&f64::NAN.to_le_bytes()),
        "non-finite",
    );
    // Second moments are means of squares: a negative one would make every update NaN.
    check(
        &|_, t| t[1].2[8..16].copy_from_slice(&(-1.0f64).to_le_bytes()),
        "`adam.v`[1] = -1 is negative",
    );
    // A state without Adam but with its tensors.
    let plain = Vmc::new(config(Optimizer::Sgd))
        .unwrap()
        .to_checkpoint_bytes();
    let with_tensors = reseal(&plain, |_, t| {
        t.push(("adam.m".into(), vec![1], vec![0; 8]));
        t.push(("adam.v".into(), vec![1], vec![0; 8]));
    });
    let err = Vmc::from_checkpoint_bytes(&with_tensors).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format);
    assert!(err.message.contains("adam_t"), "{}", err.message);
    // A model checkpoint is not an optimiser checkpoint, and the other way round.
    let model_bytes = chain_model(3, 2, 1).to_checkpoint_bytes();
    let err = Vmc::from_checkpoint_bytes(&model_bytes).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format);
    assert!(err.message.contains("optimizer"), "{}", err.message);
    let err = Model::from_checkpoint_bytes(&bytes).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format);
    assert!(err.message.contains("rnnwf-optimizer"), "{}", err.message);
}

#[test]
fn failed_loads_leave_the_driver_unchanged_and_report_the_path() {
    let dir = scratch_dir("vmc-load-errors");
    let (mut vmc, _) = small_adam_state();
    let before = vmc.to_checkpoint_bytes();

    let missing = dir.join("no-such-file.safetensors");
    let err = vmc.load(&missing).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io, "{}", err.message);
    assert!(err.message.contains("no-such-file"), "{}", err.message);
    assert_eq!(vmc.to_checkpoint_bytes(), before);

    let damaged = dir.join("damaged.safetensors");
    let mut bytes = before.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 4;
    std::fs::write(&damaged, &bytes).unwrap();
    let err = vmc.load(&damaged).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
    assert!(
        err.message.contains("damaged.safetensors"),
        "{}",
        err.message
    );
    assert!(err.message.contains("checksum mismatch"), "{}", err.message);
    assert_eq!(vmc.to_checkpoint_bytes(), before);

    let err = vmc.save(&dir.join("absent-dir/opt")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.message.contains("absent-dir"), "{}", err.message);

    // Saving replaces an existing file whole, and nothing else is left behind.
    let path = dir.join("opt.safetensors");
    std::fs::write(&path, vec![b'x'; 100_000]).unwrap();
    vmc.save(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn load_keeps_the_reduction_hook() {
    let dir = scratch_dir("vmc-load-hook");
    let (vmc, mut model) = small_adam_state();
    vmc.save(&dir.join("opt")).unwrap();
    // Arc and an atomic: the hook must be Send.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut other = Vmc::new(VmcConfig::default()).unwrap();
    other.set_allreduce(Some(Box::new(move |_: &mut [f64]| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    })));
    other.load(&dir.join("opt")).unwrap();
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 0.7).unwrap();
    other.step(&mut model, &h).unwrap();
    // Energy sums and squares, free-energy sums and squares (T > 0), the gradient.
    assert_eq!(calls.load(Ordering::Relaxed), 5);
}

#[test]
fn adam_state_of_another_model_is_refused_by_the_next_step() {
    let dir = scratch_dir("vmc-other-model");
    let (vmc, _) = small_adam_state();
    vmc.save(&dir.join("opt")).unwrap();
    let mut loaded = Vmc::new(VmcConfig::default()).unwrap();
    loaded.load(&dir.join("opt")).unwrap();
    let mut bigger = chain_model(3, 4, 1);
    let before = bigger.params().to_vec();
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 0.7).unwrap();
    let err = loaded.step(&mut bigger, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert!(err.message.contains("16 parameters"), "{}", err.message);
    let err = loaded
        .fit_step(&mut bigger, &[0, 1, 0, 1, 1, 0])
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert_eq!(bigger.params(), &before[..]);
    assert_eq!(loaded.steps(), 2);
}

/// A CRC-valid file whose step count or Adam count is beyond any run (u64::MAX would wrap
/// at the next step) is refused as Format, naming the key and the limit; 2^53 is taken.
#[test]
fn step_counts_beyond_any_run_are_refused() {
    let (vmc, _) = small_adam_state();
    let bytes = vmc.to_checkpoint_bytes();
    for key in ["steps", "adam_t"] {
        for value in [u64::MAX, (1u64 << 53) + 1] {
            let forged = reseal(&bytes, |meta, _| {
                meta.insert(key.into(), value.to_string());
            });
            let err = Vmc::from_checkpoint_bytes(&forged).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Format, "{key}: {}", err.message);
            assert!(err.message.contains(key), "{}", err.message);
            assert!(err.message.contains("9007199254740992"), "{}", err.message);
        }
        let at_limit = reseal(&bytes, |meta, _| {
            meta.insert(key.into(), (1u64 << 53).to_string());
        });
        Vmc::from_checkpoint_bytes(&at_limit).unwrap();
    }
}

/// The optimiser file records the shape of the model its Adam state belongs to: a model of
/// another shape with the same parameter count (a longer chain) is refused by the next
/// step; a file without the record (written before it existed) falls back to the count.
#[test]
fn adam_state_is_matched_to_the_model_shape_it_records() {
    let (vmc, _) = small_adam_state();
    let bytes = vmc.to_checkpoint_bytes();
    let longer = || {
        Model::new(
            ModelConfig::default()
                .with_cell(CellKind::Vanilla)
                .with_lx(5)
                .with_hidden(2)
                .with_seed(4),
        )
        .unwrap()
    };
    let h = Hamiltonian::tfim(5, 1, false, 1.0, 0.7).unwrap();
    let mut model = longer();
    assert_eq!(
        model.num_params(),
        16,
        "the same count as the state's model"
    );
    let before = model.params().to_vec();
    let mut loaded = Vmc::from_checkpoint_bytes(&bytes).unwrap();
    let err = loaded.step(&mut model, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert!(err.message.contains("lx=3"), "{}", err.message);
    assert!(err.message.contains("lx=5"), "{}", err.message);
    let err = loaded.fit_step(&mut model, &[0, 1, 0, 1, 1]).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert_eq!(model.params(), &before[..]);

    // Without the record: matched by count, so the longer chain is taken.
    let old_style = reseal(&bytes, |meta, _| {
        meta.remove("adam_model");
    });
    let mut old = Vmc::from_checkpoint_bytes(&old_style).unwrap();
    old.step(&mut model, &h).unwrap();
    // The state now belongs to the longer chain, and says so when saved.
    let (meta, _) = read(&old.to_checkpoint_bytes());
    assert!(meta["adam_model"].contains("lx=5"), "{meta:?}");
    // A record without Adam state is damage.
    let (sgd, _) = {
        let mut v = Vmc::new(VmcConfig::default().with_optimizer(Optimizer::Sgd)).unwrap();
        let mut m = longer();
        v.step(&mut m, &h).unwrap();
        (v, m)
    };
    let forged = reseal(&sgd.to_checkpoint_bytes(), |meta, _| {
        meta.insert("adam_model".into(), "cell=gru".into());
    });
    let err = Vmc::from_checkpoint_bytes(&forged).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
}

/// SPRING's previous update is saved beside Adam's moments as `spring.previous`, with the
/// shape of its model (`spring_model`) and the momentum; inconsistent files are refused as
/// Format naming the problem, and the state of another model is refused by the next step.
#[test]
fn spring_state_is_saved_checked_and_matched_to_its_model() {
    let mut model = chain_model(3, 2, 4);
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 0.7).unwrap();
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_preconditioner(Preconditioner::Spring)
            .with_sr_momentum(0.5)
            .with_n_samples(32),
    )
    .unwrap();
    vmc.step(&mut model, &h).unwrap();
    vmc.step(&mut model, &h).unwrap();
    let np = model.num_params();
    let bytes = vmc.to_checkpoint_bytes();
    let (meta, tensors) = read(&bytes);
    assert_eq!(meta["preconditioner"], "spring");
    assert_eq!(meta["sr_momentum"], "0.5");
    assert_eq!(meta["spring_model"], meta["adam_model"]);
    let names: Vec<&str> = tensors.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, ["adam.m", "adam.v", "spring.previous"]);
    let previous: Vec<f64> = tensors[2]
        .2
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(tensors[2].1, vec![np]);
    assert_eq!(Some(&previous[..]), vmc.previous_update());
    assert_eq!(meta["crc32"], documented_crc(&meta, &tensors));

    let check = |edit: &dyn Fn(&mut Metadata, &mut Vec<OwnedTensor>), needle: &str| {
        let err = Vmc::from_checkpoint_bytes(&reseal(&bytes, edit)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
        assert!(
            err.message.contains(needle),
            "{:?} lacks {needle:?}",
            err.message
        );
    };
    check(
        &|m, _| drop(m.remove("spring_model")),
        "unexpected tensor spring.previous",
    );
    check(&|_, t| drop(t.remove(2)), "missing tensor spring.previous");
    check(
        &|m, _| drop(m.insert("spring_model".into(), "cell=gru".into())),
        "two models",
    );
    check(
        &|m, _| drop(m.insert("sr_momentum".into(), "1.0".into())),
        "sr_momentum",
    );
    check(
        &|_, t| {
            t[2].1 = vec![np - 1];
            t[2].2.truncate(8 * (np - 1));
        },
        "SPRING's previous update has",
    );
    check(
        &|_, t| t[2].2[..8].copy_from_slice(&f64::INFINITY.to_le_bytes()),
        "non-finite",
    );

    let mut loaded = Vmc::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(loaded.previous_update(), vmc.previous_update());
    let mut bigger = chain_model(3, 4, 1);
    let err = loaded.step(&mut bigger, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert_eq!(loaded.previous_update(), vmc.previous_update());
}
