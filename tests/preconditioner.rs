//! The step pipeline's preconditioner (none, SR) paired with either update rule, against a
//! dense parameter-space solve; SR + SGD against minSR; the refusals decided once in the
//! engine, seen alike from Rust and from C; the driver can move between threads.

mod common;
use common::sr_problem::{centred, hamiltonian, model, Centred, SITES};
use rnnwf::capi::*;
use rnnwf::optim::{Optimizer, Preconditioner, SrSolve};
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{Complex64, ErrorKind, Hamiltonian, Model};
use std::ffi::CStr;
use std::ptr::null_mut;

fn samples(model: &Model, n: usize, seed: u64) -> Vec<u8> {
    let mut configs = vec![0u8; n * SITES as usize];
    model.sample(seed, n, &mut configs, None).unwrap();
    configs
}

/// SR's direction d = (S + shift I)^{-1} f in parameter space, dense: O from
/// `Model::log_psi_grad`, S = Re <dO^* dO>, f = Re <dO^* dE> over the samples.
fn dense_sr_direction(model: &Model, h: &Hamiltonian, configs: &[u8], shift: f64) -> Vec<f64> {
    let Centred { n, np, o, e } = centred(model, h, configs);
    let mut s = nalgebra::DMatrix::<f64>::zeros(np, np);
    let mut f = nalgebra::DVector::<f64>::zeros(np);
    for (d, ei) in o.chunks_exact(np).zip(&e) {
        for k in 0..np {
            f[k] += (d[k].conj() * ei).re / n as f64;
            for l in 0..np {
                s[(k, l)] += (d[k].conj() * d[l]).re / n as f64;
            }
        }
    }
    for k in 0..np {
        s[(k, k)] += shift;
    }
    let d = s
        .cholesky()
        .expect("S + shift I is positive definite")
        .solve(&f);
    d.iter().copied().collect()
}

/// Adam with bias correction, written out for the test.
struct ReferenceAdam {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl ReferenceAdam {
    fn step(&mut self, params: &mut [f64], d: &[f64], c: &VmcConfig) {
        self.t += 1;
        for i in 0..params.len() {
            self.m[i] = c.adam_beta1 * self.m[i] + (1.0 - c.adam_beta1) * d[i];
            self.v[i] = c.adam_beta2 * self.v[i] + (1.0 - c.adam_beta2) * d[i] * d[i];
            let m_hat = self.m[i] / (1.0 - c.adam_beta1.powi(self.t));
            let v_hat = self.v[i] / (1.0 - c.adam_beta2.powi(self.t));
            params[i] -= c.learning_rate * m_hat / (v_hat.sqrt() + c.adam_eps);
        }
    }
}

/// Two SR + Adam steps equal Adam applied to the dense SR direction. A large adam_eps makes
/// the step depend on the direction's size, not only its sign; the sample-space and
/// parameter-space solves agree to round-off (cond(S + shift) is modest with shift 1e-2).
#[test]
fn sr_then_adam_is_adam_on_the_dense_sr_direction() {
    let h = hamiltonian();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::Adam)
        .with_preconditioner(Preconditioner::Sr)
        .with_learning_rate(0.02)
        .with_adam_eps(0.05)
        .with_sr_diag_shift(1e-2);
    let mut model = model();
    let mut vmc = Vmc::new(config.clone()).unwrap();
    let mut expected = model.params().to_vec();
    let np = expected.len();
    let mut adam = ReferenceAdam {
        m: vec![0.0; np],
        v: vec![0.0; np],
        t: 0,
    };
    for k in 0..2 {
        let configs = samples(&model, 64, 40 + k);
        let mut reference = model.clone();
        reference.set_params(&expected).unwrap();
        let d = dense_sr_direction(&reference, &h, &configs, config.sr_diag_shift);
        adam.step(&mut expected, &d, &config);

        let mut log_psi = vec![Complex64::new(0.0, 0.0); 64];
        model.log_psi(&configs, &mut log_psi).unwrap();
        vmc.step_on_samples(&mut model, &h, &configs, &log_psi)
            .unwrap();
        let scale = expected.iter().map(|x| x.abs()).fold(0.0, f64::max);
        for (i, (got, want)) in model.params().iter().zip(&expected).enumerate() {
            assert!(
                (got - want).abs() <= 1e-10 * scale,
                "step {k}, parameter {i}: {got} vs {want}"
            );
        }
        // The parameters moved: the test is not vacuous.
        assert!(model.params() != reference.params());
    }
    assert_eq!(vmc.adam_state().unwrap().t, 2);
}

/// SGD after the SR preconditioner is minSR bit for bit, whatever minSR's own
/// preconditioner setting; only SGD and Adam differ where they should.
#[test]
fn sr_then_sgd_is_minsr_exactly() {
    let h = hamiltonian();
    let run = |optimizer, preconditioner| {
        let mut model = model();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(optimizer)
                .with_preconditioner(preconditioner)
                .with_n_samples(64)
                .with_learning_rate(0.03)
                .with_sr_diag_shift(1e-2)
                .with_grad_clip(0.5)
                .with_seed(4),
        )
        .unwrap();
        let stats: Vec<_> = (0..3).map(|_| vmc.step(&mut model, &h).unwrap()).collect();
        let sr = optimizer == Optimizer::MinSr || preconditioner == Preconditioner::Sr;
        let expected_solve = if sr {
            SrSolve::Cholesky
        } else {
            SrSolve::NotUsed
        };
        assert!(stats.iter().all(|s| s.sr_solve == expected_solve));
        // An identity reduction hook: the same system, solved by conjugate gradient.
        let mut hooked = Vmc::new(vmc.config().clone()).unwrap();
        hooked.set_allreduce(Some(Box::new(|_: &mut [f64]| Ok(()))));
        let hooked_solve = hooked.step(&mut model.clone(), &h).unwrap().sr_solve;
        assert_eq!(
            matches!(hooked_solve, SrSolve::ConjugateGradient { iterations } if iterations > 0),
            sr
        );
        let bits: Vec<u64> = model.params().iter().map(|x| x.to_bits()).collect();
        let energies: Vec<u64> = stats.iter().map(|s| s.energy.mean.re.to_bits()).collect();
        (bits, energies, vmc.adam_state().is_some())
    };
    let minsr = run(Optimizer::MinSr, Preconditioner::None);
    assert_eq!(run(Optimizer::Sgd, Preconditioner::Sr), minsr);
    assert_eq!(run(Optimizer::MinSr, Preconditioner::Sr), minsr);
    assert!(!minsr.2, "SGD keeps no Adam state");
    assert_ne!(run(Optimizer::Adam, Preconditioner::Sr).0, minsr.0);
    assert_ne!(run(Optimizer::Sgd, Preconditioner::None).0, minsr.0);
}

/// The setting reads back as given (minSR with either preconditioner, SR with either rule).
#[test]
fn the_config_keeps_what_was_set() {
    for optimizer in [Optimizer::Sgd, Optimizer::Adam, Optimizer::MinSr] {
        for preconditioner in [Preconditioner::None, Preconditioner::Sr] {
            let config = VmcConfig::default()
                .with_optimizer(optimizer)
                .with_preconditioner(preconditioner);
            let vmc = Vmc::new(config.clone()).unwrap();
            assert_eq!(vmc.config(), &config);
            let sr = optimizer == Optimizer::MinSr || preconditioner == Preconditioner::Sr;
            assert_eq!(
                vmc.config().preconditioner_in_effect() == Preconditioner::Sr,
                sr
            );
            let loaded = Vmc::from_checkpoint_bytes(&vmc.to_checkpoint_bytes()).unwrap();
            assert_eq!(loaded.config(), &config, "checkpoint round trip");
        }
    }
    assert_eq!(VmcConfig::default().preconditioner, Preconditioner::None);
}

#[test]
fn fit_step_refuses_sr() {
    let mut model = model();
    let data = samples(&model, 8, 1);
    for (optimizer, preconditioner) in [
        (Optimizer::Adam, Preconditioner::Sr),
        (Optimizer::Sgd, Preconditioner::Sr),
        (Optimizer::MinSr, Preconditioner::None),
    ] {
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(optimizer)
                .with_preconditioner(preconditioner),
        )
        .unwrap();
        let before = model.params().to_vec();
        let err = vmc.fit_step(&mut model, &data).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
        assert!(err.message.contains("SR"), "{}", err.message);
        assert_eq!(model.params(), &before[..]);
    }
}

/// The header lets a handle be freed on any thread, so the driver and its hook are Send.
#[test]
fn the_driver_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Vmc>();
    assert_send::<rnnwf::vmc::AllReduce>();
    // And it does move: a step on another thread.
    let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(16)).unwrap();
    vmc.set_allreduce(Some(Box::new(|_: &mut [f64]| Ok(()))));
    let mut model = model();
    let h = hamiltonian();
    let vmc = std::thread::spawn(move || {
        vmc.step(&mut model, &h).unwrap();
        vmc
    })
    .join()
    .unwrap();
    assert_eq!(vmc.steps(), 1);
}

fn last_error() -> String {
    let mut buf = vec![0u8; 1024];
    // SAFETY: buf has room for buf.len() bytes.
    unsafe { rnnwf_last_error(buf.as_mut_ptr().cast(), buf.len()) };
    CStr::from_bytes_until_nul(&buf)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn c_config(edit: impl FnOnce(&mut rnnwf_vmc_config)) -> rnnwf_vmc_config {
    let mut cfg = std::mem::MaybeUninit::<rnnwf_vmc_config>::uninit();
    // SAFETY: init writes the whole struct.
    let mut cfg = unsafe {
        assert_eq!(rnnwf_vmc_config_init(cfg.as_mut_ptr()), RNNWF_OK);
        cfg.assume_init()
    };
    edit(&mut cfg);
    cfg
}

/// The field is appended at the end of rnnwf_vmc_config (the C contract), and each code maps
/// to its setting and back.
#[test]
fn c_preconditioner_codes() {
    assert_eq!(std::mem::offset_of!(rnnwf_vmc_config, seed), 72);
    assert_eq!(std::mem::offset_of!(rnnwf_vmc_config, preconditioner), 80);
    assert_eq!(std::mem::offset_of!(rnnwf_vmc_config, sr_momentum), 88);
    assert_eq!(
        (
            RNNWF_PRECONDITIONER_NONE,
            RNNWF_PRECONDITIONER_SR,
            RNNWF_PRECONDITIONER_SPRING
        ),
        (0, 1, 2)
    );
    assert_eq!(c_config(|_| ()).preconditioner, RNNWF_PRECONDITIONER_NONE);
    assert_eq!(c_config(|_| ()).sr_momentum, 0.0);
    for code in [0u32, 1, 2] {
        for optimizer in [RNNWF_OPT_SGD, RNNWF_OPT_ADAM, RNNWF_OPT_SR] {
            let cfg = c_config(|c| {
                c.preconditioner = code;
                c.optimizer = optimizer;
            });
            let mut v = null_mut();
            // SAFETY: valid config and handle slot.
            assert_eq!(unsafe { rnnwf_vmc_new(&cfg, &mut v) }, RNNWF_OK);
            let mut got = c_config(|_| ());
            // SAFETY: a live handle and a writable config.
            assert_eq!(unsafe { rnnwf_vmc_get_config(v, &mut got) }, RNNWF_OK);
            assert_eq!(got, cfg);
            // SAFETY: a handle from rnnwf_vmc_new.
            unsafe { rnnwf_vmc_free(v) };
        }
    }
    for bad in [3u32, 7, u32::MAX] {
        let cfg = c_config(|c| c.preconditioner = bad);
        let mut v = null_mut();
        // SAFETY: valid config and handle slot.
        let status = unsafe { rnnwf_vmc_new(&cfg, &mut v) };
        assert_eq!(status, RNNWF_ERR_INVALID_ARGUMENT);
        assert!(v.is_null());
        let message = last_error();
        assert!(
            message.contains(&format!("preconditioner = {bad}")),
            "{message}"
        );
        assert!(
            message.contains("RNNWF_PRECONDITIONER_NONE (0)"),
            "{message}"
        );
        assert!(message.contains("RNNWF_PRECONDITIONER_SR (1)"), "{message}");
        assert!(
            message.contains("RNNWF_PRECONDITIONER_SPRING (2)"),
            "{message}"
        );
    }
}

/// The status the C API returns for a Rust error kind.
fn status_of(kind: ErrorKind) -> rnnwf_status {
    match kind {
        ErrorKind::InvalidArgument => RNNWF_ERR_INVALID_ARGUMENT,
        ErrorKind::BufferSize => RNNWF_ERR_BUFFER_SIZE,
        ErrorKind::Unsupported => RNNWF_ERR_UNSUPPORTED,
        other => panic!("unexpected kind {other:?}"),
    }
}

/// fit_step: n = 0 is a value out of range (INVALID_ARGUMENT), as is a site value out of
/// range; SR is UNSUPPORTED; from Rust and from C alike. A length that is not a whole number
/// of configurations (BUFFER_SIZE) can only be given from Rust.
#[test]
fn fit_step_refusals_agree_between_rust_and_c() {
    let mut bad_value = vec![0u8; 2 * SITES as usize];
    bad_value[SITES as usize + 3] = 2;
    /// Data, n, the optimiser in Rust and in C, the refusal and a word of its message.
    type Case = (Vec<u8>, usize, Optimizer, u32, ErrorKind, &'static str);
    let cases: [Case; 3] = [
        (
            Vec::new(),
            0,
            Optimizer::Adam,
            RNNWF_OPT_ADAM,
            ErrorKind::InvalidArgument,
            "n = 0",
        ),
        (
            bad_value,
            2,
            Optimizer::Adam,
            RNNWF_OPT_ADAM,
            ErrorKind::InvalidArgument,
            "[1][3] = 2",
        ),
        (
            vec![0u8; SITES as usize],
            1,
            Optimizer::MinSr,
            RNNWF_OPT_SR,
            ErrorKind::Unsupported,
            "SR",
        ),
    ];
    for (data, n, optimizer, code, kind, needle) in cases {
        let mut model = model();
        let mut vmc = Vmc::new(VmcConfig::default().with_optimizer(optimizer)).unwrap();
        let err = vmc.fit_step(&mut model, &data).unwrap_err();
        assert_eq!(err.kind, kind, "{}", err.message);
        assert!(err.message.contains(needle), "{}", err.message);

        let c_model = rnnwf_model_from(&model);
        let cfg = c_config(|c| c.optimizer = code);
        let mut v = null_mut();
        let mut nll = 0.0;
        // SAFETY: valid pointers; `data` holds n * SITES bytes.
        let status = unsafe {
            assert_eq!(rnnwf_vmc_new(&cfg, &mut v), RNNWF_OK);
            rnnwf_fit_step(v, c_model, data.as_ptr(), n, &mut nll)
        };
        assert_eq!(status, status_of(kind), "{}", last_error());
        assert!(last_error().contains(needle), "{}", last_error());
        // SAFETY: handles made above.
        unsafe {
            rnnwf_vmc_free(v);
            rnnwf_model_free(c_model);
        }
    }
    let mut model = model();
    let mut vmc = Vmc::new(VmcConfig::default()).unwrap();
    let err = vmc.fit_step(&mut model, &[0u8; 7]).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BufferSize, "{}", err.message);
}

/// The C model with the same configuration as `model` (the same seed gives the same
/// parameters).
fn rnnwf_model_from(model: &Model) -> *mut rnnwf_model {
    let c = model.config();
    let mut cfg = std::mem::MaybeUninit::<rnnwf_model_config>::uninit();
    // SAFETY: init writes the whole struct.
    let mut cfg = unsafe {
        assert_eq!(rnnwf_model_config_init(cfg.as_mut_ptr()), RNNWF_OK);
        cfg.assume_init()
    };
    cfg.cell = RNNWF_CELL_GRU;
    cfg.lx = c.lx;
    cfg.hidden = c.hidden;
    cfg.phase = RNNWF_PHASE_SOFTSIGN;
    cfg.seed = c.seed;
    let mut m = null_mut();
    // SAFETY: valid config and handle slot.
    assert_eq!(
        unsafe { rnnwf_model_new(&cfg, &mut m) },
        RNNWF_OK,
        "{}",
        last_error()
    );
    m
}

/// add_term: a letter that is not X, Y or Z is INVALID_ARGUMENT; letters and sites of
/// different counts are BUFFER_SIZE (two arrays that disagree in length); from Rust and C.
#[test]
fn add_term_refusals_agree_between_rust_and_c() {
    let cases: [(&[u8], &[u32], ErrorKind, &str); 4] = [
        (
            b"XQ",
            &[0, 1],
            ErrorKind::InvalidArgument,
            "paulis[1] = 'Q'",
        ),
        (b"X\t", &[0, 1], ErrorKind::InvalidArgument, "byte 0x09"),
        (
            b"XZ",
            &[0, 1, 2],
            ErrorKind::BufferSize,
            "2 letters but 3 sites",
        ),
        (b"", &[0], ErrorKind::BufferSize, "0 letters but 1 sites"),
    ];
    for (letters, sites, kind, needle) in cases {
        let mut h = Hamiltonian::new(SITES).unwrap();
        let text = std::str::from_utf8(letters).unwrap();
        let err = h.add_term(1.0, text, sites).unwrap_err();
        assert_eq!(err.kind, kind, "{}", err.message);
        assert!(err.message.contains(needle), "{}", err.message);

        let mut c_letters = letters.to_vec();
        c_letters.push(0);
        let mut ch = null_mut();
        // SAFETY: valid pointers; `sites` holds sites.len() values, the letters end in NUL.
        let status = unsafe {
            assert_eq!(rnnwf_hamiltonian_new(SITES, &mut ch), RNNWF_OK);
            rnnwf_hamiltonian_add_term(
                ch,
                1.0,
                c_letters.as_ptr().cast(),
                sites.as_ptr(),
                sites.len(),
            )
        };
        assert_eq!(status, status_of(kind), "{}", last_error());
        assert!(last_error().contains(needle), "{}", last_error());
        // SAFETY: a handle made above.
        unsafe { rnnwf_hamiltonian_free(ch) };
    }
}

/// step_on_samples with no samples: INVALID_ARGUMENT (a count out of range).
#[test]
fn a_step_on_no_samples_is_an_invalid_argument() {
    let mut model = model();
    let mut vmc = Vmc::new(VmcConfig::default()).unwrap();
    let err = vmc
        .step_on_samples(&mut model, &hamiltonian(), &[], &[])
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
}

/// A sample count no memory holds is refused with a status naming the size, not an abort;
/// under a hook this process still joins the step's first reduction, with non-finite sums,
/// so that the other processes fail the step with it instead of waiting.
#[test]
fn an_impossible_sample_count_is_refused_naming_the_size() {
    let mut model = model();
    let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(1 << 40)).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    vmc.set_allreduce(Some(Box::new(move |buf: &mut [f64]| {
        record.lock().unwrap().push(buf.to_vec());
        Ok(())
    })));
    let before = model.params().to_vec();
    let err = vmc.step(&mut model, &hamiltonian()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::OutOfMemory, "{}", err.message);
    assert!(
        err.message.contains("cannot be allocated"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains(&(5u64 << 40).to_string()),
        "{}",
        err.message
    );
    assert_eq!(model.params(), &before[..]);
    assert_eq!(vmc.steps(), 0);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "one reduction: {seen:?}");
    // The fingerprint (7) and the energy sums (3), the sample count last.
    assert_eq!(seen[0].len(), 10);
    assert!(seen[0][0].is_nan() && seen[0][9] == (1u64 << 40) as f64);
}

/// The optimiser checkpoint records SR as `preconditioner = sr` and nothing without it, so
/// files of settings without SR keep their bytes and files written before the setting
/// existed (no key) load with none.
#[test]
fn checkpoints_record_the_preconditioner_only_when_set() {
    let metadata = |vmc: &Vmc| {
        let bytes = vmc.to_checkpoint_bytes();
        let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        header.metadata().clone().unwrap()
    };
    let plain = Vmc::new(VmcConfig::default()).unwrap();
    assert!(!metadata(&plain).contains_key("preconditioner"));
    let loaded = Vmc::from_checkpoint_bytes(&plain.to_checkpoint_bytes()).unwrap();
    assert_eq!(loaded.config().preconditioner, Preconditioner::None);
    let sr = Vmc::new(VmcConfig::default().with_preconditioner(Preconditioner::Sr)).unwrap();
    let meta = metadata(&sr);
    assert_eq!(meta.get("preconditioner").map(String::as_str), Some("sr"));
    // The same settings otherwise: the files differ only there (and in the checksum).
    let plain_meta = metadata(&plain);
    let mut differing: Vec<&String> = meta
        .keys()
        .filter(|k| plain_meta.get(*k) != meta.get(*k))
        .collect();
    differing.sort();
    assert_eq!(differing, ["crc32", "preconditioner"]);
}
