//! The C API called from Rust: what is awkward to check from the C program.

use rnnwf::capi::*;
use std::ffi::{c_void, CStr, CString};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

fn last_error() -> String {
    // SAFETY: NULL with length 0 asks for the length only.
    let len = unsafe { rnnwf_last_error(null_mut(), 0) };
    let mut buf = vec![0u8; len + 1];
    // SAFETY: buf has room for buf.len() bytes.
    unsafe { rnnwf_last_error(buf.as_mut_ptr().cast(), buf.len()) };
    CStr::from_bytes_until_nul(&buf)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn new_model(edit: impl FnOnce(&mut rnnwf_model_config)) -> *mut rnnwf_model {
    let mut cfg = std::mem::MaybeUninit::<rnnwf_model_config>::uninit();
    // SAFETY: init writes the whole struct.
    let mut cfg = unsafe {
        assert_eq!(rnnwf_model_config_init(cfg.as_mut_ptr()), RNNWF_OK);
        cfg.assume_init()
    };
    edit(&mut cfg);
    let mut m = null_mut();
    // SAFETY: valid pointers to a config and a handle slot.
    assert_eq!(
        unsafe { rnnwf_model_new(&cfg, &mut m) },
        RNNWF_OK,
        "{}",
        last_error()
    );
    m
}

#[test]
fn config_struct_has_the_documented_layout() {
    assert_eq!(size_of::<rnnwf_model_config>(), 64);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, u1_total), 36);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, seed), 40);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, symmetry), 48);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, precision), 52);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, boundary), 56);
    assert_eq!(std::mem::offset_of!(rnnwf_model_config, dilation), 60);
    assert_eq!(std::mem::offset_of!(rnnwf_vmc_stats, struct_size), 0);
    assert_eq!(size_of::<rnnwf_complex>(), 16);
}

#[test]
fn const_handle_calls_run_concurrently_and_agree() {
    let m = new_model(|c| {
        c.lx = 8;
        c.hidden = 6;
        c.phase = RNNWF_PHASE_SOFTSIGN;
    });
    let n = 600;
    let mut configs = vec![0u8; n * 8];
    let mut reference = vec![rnnwf_complex { re: 0.0, im: 0.0 }; n];
    // SAFETY: buffers of n * n_sites and n elements.
    let status = unsafe { rnnwf_sample(m, 7, n, configs.as_mut_ptr(), reference.as_mut_ptr()) };
    assert_eq!(status, RNNWF_OK);
    // Raw pointers are not Send; the address is, and the header allows concurrent const use.
    let address = m as usize;
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (configs, reference) = (&configs, &reference);
            scope.spawn(move || {
                let m = address as *const rnnwf_model;
                let mut out = vec![rnnwf_complex { re: 0.0, im: 0.0 }; n];
                // SAFETY: a live const handle; buffers of the right lengths.
                let status = unsafe { rnnwf_log_psi(m, configs.as_ptr(), n, out.as_mut_ptr()) };
                assert_eq!(status, RNNWF_OK);
                assert_eq!(&out, reference);
            });
        }
    });
    // SAFETY: a live handle, freed once; then NULL, a no-op.
    unsafe {
        rnnwf_model_free(m);
        rnnwf_model_free(null_mut());
    }
}

#[test]
fn last_error_is_per_thread_and_truncates_on_character_boundaries() {
    let missing = CString::new("/nonexistent-rnnwf/modèle-ü.safetensors").unwrap();
    let mut out = null_mut();
    // SAFETY: a NUL-terminated path and a handle slot.
    assert_eq!(
        unsafe { rnnwf_model_load(missing.as_ptr(), &mut out) },
        RNNWF_ERR_IO
    );
    assert!(out.is_null());
    let message = last_error();
    assert!(message.starts_with("rnnwf_model_load: "), "{message}");
    assert!(message.contains("modèle-ü.safetensors"), "{message}");
    std::thread::spawn(|| assert_eq!(last_error(), ""))
        .join()
        .unwrap();

    // Cut right inside the two-byte 'è': the copy stops before it.
    let cut = message.find('è').unwrap() + 1;
    let mut buf = vec![0xFFu8; cut + 1];
    // SAFETY: buf has room for buf.len() bytes.
    let full = unsafe { rnnwf_last_error(buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(full, message.len());
    let copied = CStr::from_bytes_until_nul(&buf).unwrap().to_str().unwrap();
    assert_eq!(copied, &message[..cut - 1]);
}

#[test]
fn empty_path_and_null_arguments_are_named() {
    let empty = CString::new("").unwrap();
    let m = new_model(|_| {});
    // SAFETY: a live handle and a NUL-terminated (empty) path.
    assert_eq!(
        unsafe { rnnwf_model_save(m, empty.as_ptr()) },
        RNNWF_ERR_INVALID_ARGUMENT
    );
    assert!(last_error().contains("empty path"), "{}", last_error());
    // SAFETY: NULL path is refused before use.
    assert_eq!(
        unsafe { rnnwf_model_save(m, null()) },
        RNNWF_ERR_NULL_POINTER
    );
    assert_eq!(last_error(), "rnnwf_model_save: argument `path` is NULL");
    // SAFETY: a live handle, freed once.
    unsafe { rnnwf_model_free(m) };
}

/// rnnwf_hamiltonian_rotate_z refuses NULL pointers, a wrong length and a NaN angle by name,
/// leaving the operator as it was (same terms, same ground energy).
#[test]
fn rotate_z_refusals_leave_the_operator_unchanged() {
    let mut h = null_mut();
    // SAFETY: a valid handle slot.
    assert_eq!(
        unsafe { rnnwf_hamiltonian_triangular(3, 2, 0, 1.0, &mut h) },
        RNNWF_OK
    );
    let state = |h: *const rnnwf_hamiltonian| {
        let (mut terms, mut e0) = (0usize, 0.0f64);
        // SAFETY: a live handle and writable outputs.
        unsafe {
            assert_eq!(rnnwf_hamiltonian_num_terms(h, &mut terms), RNNWF_OK);
            assert_eq!(rnnwf_exact_ground_energy(h, &mut e0), RNNWF_OK);
        }
        (terms, e0)
    };
    let before = state(h);
    let mut angles = vec![0.5; 6];
    // SAFETY: each call gets the pointers it names (NULL where refused) and the true lengths.
    unsafe {
        assert_eq!(
            rnnwf_hamiltonian_rotate_z(null_mut(), angles.as_ptr(), 6),
            RNNWF_ERR_NULL_POINTER
        );
        assert!(last_error().contains("h"), "{}", last_error());
        assert_eq!(
            rnnwf_hamiltonian_rotate_z(h, null(), 6),
            RNNWF_ERR_NULL_POINTER
        );
        assert!(last_error().contains("angles"), "{}", last_error());
        assert_eq!(
            rnnwf_hamiltonian_rotate_z(h, angles.as_ptr(), 5),
            RNNWF_ERR_BUFFER_SIZE
        );
        assert!(
            last_error().contains("rnnwf_hamiltonian_rotate_z"),
            "{}",
            last_error()
        );
        angles[3] = f64::NAN;
        assert_eq!(
            rnnwf_hamiltonian_rotate_z(h, angles.as_ptr(), 6),
            RNNWF_ERR_INVALID_ARGUMENT
        );
        assert!(last_error().contains("angles[3]"), "{}", last_error());
        assert_eq!(
            rnnwf_three_sublattice_angles(3, 2, null_mut(), 6),
            RNNWF_ERR_NULL_POINTER
        );
        assert_eq!(
            rnnwf_three_sublattice_angles(3, 2, angles.as_mut_ptr(), 5),
            RNNWF_ERR_BUFFER_SIZE
        );
    }
    assert_eq!(state(h), before);
    // SAFETY: writable angles of the right length; then a live handle.
    unsafe {
        assert_eq!(
            rnnwf_three_sublattice_angles(3, 2, angles.as_mut_ptr(), 6),
            RNNWF_OK
        );
        assert_eq!(rnnwf_hamiltonian_rotate_z(h, angles.as_ptr(), 6), RNNWF_OK);
    }
    let after = state(h);
    assert!((after.1 - before.1).abs() < 1e-9, "{after:?} vs {before:?}");
    // SAFETY: the handle is not used again.
    unsafe { rnnwf_hamiltonian_free(h) };
}

/// A reduction hook for one process that counts its calls (the sums stay as they are).
unsafe extern "C" fn counting_hook(_buf: *mut f64, _len: usize, user_data: *mut c_void) -> i32 {
    // SAFETY: user_data is the test's AtomicUsize, alive while the hook is set.
    let calls = unsafe { &*(user_data as *const AtomicUsize) };
    calls.fetch_add(1, Ordering::SeqCst);
    0
}

/// Arguments the C wrappers refuse before a step starts (NULL pointers, a bad struct size)
/// must still join the step's first reduction, as every other refusal does: under MPI the
/// other ranks are waiting in it. One process with a hook that counts its calls: each
/// refused step calls it once, and changes nothing.
#[test]
fn refused_step_arguments_still_join_the_first_reduction() {
    let sites = 4usize;
    let m = new_model(|c| c.lx = sites as u32);
    let mut h = null_mut();
    // SAFETY: valid arguments and a handle slot.
    assert_eq!(
        unsafe { rnnwf_hamiltonian_tfim(sites as u32, 1, 0, 1.0, 1.0, &mut h) },
        RNNWF_OK
    );
    let mut cfg = std::mem::MaybeUninit::<rnnwf_vmc_config>::uninit();
    // SAFETY: init writes the whole struct.
    let mut cfg = unsafe {
        assert_eq!(rnnwf_vmc_config_init(cfg.as_mut_ptr()), RNNWF_OK);
        cfg.assume_init()
    };
    cfg.n_samples = 8;
    let mut v = null_mut();
    let calls = AtomicUsize::new(0);
    // SAFETY: valid config and slot; the hook's user_data outlives the driver.
    unsafe {
        assert_eq!(rnnwf_vmc_new(&cfg, &mut v), RNNWF_OK);
        let user_data = &calls as *const AtomicUsize as *mut c_void;
        assert_eq!(
            rnnwf_vmc_set_allreduce(v, Some(counting_hook), user_data),
            RNNWF_OK
        );
    }
    // SAFETY: all zeros is a valid rnnwf_vmc_stats (plain numbers).
    let mut stats: rnnwf_vmc_stats = unsafe { std::mem::zeroed() };
    let full = size_of::<rnnwf_vmc_stats>() as u32;
    let configs = vec![0u8; 2 * sites];
    let before = calls.load(Ordering::SeqCst);
    // SAFETY (each call): live handles and valid arrays but for the one argument named.
    let refused = [
        ("NULL h", RNNWF_ERR_NULL_POINTER, unsafe {
            stats.struct_size = full;
            rnnwf_vmc_step(v, m, null(), &mut stats)
        }),
        ("struct_size 0", RNNWF_ERR_INVALID_ARGUMENT, unsafe {
            stats.struct_size = 0;
            rnnwf_vmc_step(v, m, h, &mut stats)
        }),
        ("NULL nll_out", RNNWF_ERR_NULL_POINTER, unsafe {
            rnnwf_fit_step(v, m, configs.as_ptr(), 2, null_mut())
        }),
        ("NULL local_energies", RNNWF_ERR_NULL_POINTER, unsafe {
            stats.struct_size = full;
            rnnwf_vmc_step_on_samples(v, m, configs.as_ptr(), 2, null(), &mut stats)
        }),
    ];
    for (what, expected, status) in refused {
        assert_eq!(status, expected, "{what}: {}", last_error());
    }
    assert_eq!(
        calls.load(Ordering::SeqCst) - before,
        refused.len(),
        "each refused step joins its first reduction once"
    );
    let mut steps = 1;
    // SAFETY: live handles, a writable u64.
    unsafe {
        assert_eq!(rnnwf_vmc_step_count(v, &mut steps), RNNWF_OK);
        rnnwf_vmc_free(v);
        rnnwf_hamiltonian_free(h);
        rnnwf_model_free(m);
    }
    assert_eq!(steps, 0, "no refused step counts");
}
