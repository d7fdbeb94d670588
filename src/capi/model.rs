//! The model handle: config, creation, parameters, checkpoints.

use super::args::{borrow, borrow_mut, c_path, slice, slice_mut, OutSlot};
use super::boundary::{ffi_call, ffi_value, Failure};
use super::handles::{free_handle, into_handle};
use super::status::rnnwf_status;
use crate::error::ErrorKind;
use crate::model::{CellKind, Model, ModelConfig, PhaseKind, Precision, SignRule, Symmetry};
use std::ffi::c_char;

/// h' = tanh(W h + V x + b)
pub const RNNWF_CELL_VANILLA: u32 = 0;
/// Gated recurrent unit (on a grid: gates over both neighbours, see src/model/layout.rs).
pub const RNNWF_CELL_GRU: u32 = 1;
/// The vanilla cell with ELU instead of tanh (elu(a) = a for a > 0, e^a - 1 otherwise), as
/// the paper's 2D RNN; accepted on chains too. Same parameters as RNNWF_CELL_VANILLA.
pub const RNNWF_CELL_VANILLA_ELU: u32 = 2;
/// The tensorized gated cell of the 2D RNN papers: gates and candidate from each neighbour's
/// state times a weight block chosen by the neighbours' values, and a bounded update
/// (|h| <= 1) that carries weights to larger lattices (see docs/method.md).
pub const RNNWF_CELL_TENSOR_GRU: u32 = 3;
/// A gated linear recurrence (minGRU-like): gates read the input only and the state is linear
/// in the neighbour states, with tanh before the heads; local energies propagate a flip's
/// change elementwise instead of re-running the cell (docs/method.md).
pub const RNNWF_CELL_LINEAR_GATED: u32 = 4;
/// psi = sqrt(P)
pub const RNNWF_PHASE_NONE: u32 = 0;
/// `psi = sqrt(P) exp(i sum_n pi softsign(U' h_n + c')[s_n])`
pub const RNNWF_PHASE_SOFTSIGN: u32 = 1;
pub const RNNWF_SIGN_NONE: u32 = 0;
/// psi *= (-1)^(down spins on sublattice A: x+y even)
pub const RNNWF_SIGN_MARSHALL: u32 = 1;
/// The bare RNN.
pub const RNNWF_SYMMETRY_NONE: u32 = 0;
/// psi averaged over the lattice's point group: reflection on a chain; on a grid D4 when
/// lx == ly, else D2 (|psi|^2 averaged, phase of the averaged amplitude; docs/method.md).
pub const RNNWF_SYMMETRY_LATTICE: u32 = 1;
/// The point group times the global spin flip s -> local_dim - 1 - s; refused with a
/// u1_total the flip does not map to itself.
pub const RNNWF_SYMMETRY_LATTICE_SPIN_FLIP: u32 = 2;
/// Passes in double precision.
pub const RNNWF_PRECISION_F64: u32 = 0;
/// Passes (sampling, ln psi, local energies) in single precision, on the parameters rounded
/// to float; ln P summed over sites, energies, gradient sums and solves stay double.
pub const RNNWF_PRECISION_F32: u32 = 1;

/// An RNN wave function. Opaque: made by rnnwf_model_new, rnnwf_model_clone or
/// rnnwf_model_load, destroyed by rnnwf_model_free.
pub struct rnnwf_model {
    model: Model,
}

/// Everything that fixes a model's shape and initial parameters. Fill it with
/// rnnwf_model_config_init first, then change the fields you need.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub struct rnnwf_model_config {
    /// sizeof(rnnwf_model_config), set by rnnwf_model_config_init.
    pub struct_size: u32,
    /// RNNWF_CELL_VANILLA, RNNWF_CELL_GRU, RNNWF_CELL_VANILLA_ELU, RNNWF_CELL_TENSOR_GRU or
    /// RNNWF_CELL_LINEAR_GATED.
    pub cell: u32,
    /// Sites along x; a chain has lx sites.
    pub lx: u32,
    /// 1: 1D RNN; >1: 2D RNN on the lx*ly grid. Its cells read the previous site in the same
    /// row and the site above; sites are visited row by row in snake order (row 0 left to
    /// right, row 1 right to left, ...), while configurations stay in site order x + lx*y.
    pub ly: u32,
    /// Values per site; 2 for spin-1/2.
    pub local_dim: u32,
    /// Hidden units per layer.
    pub hidden: u32,
    /// Stacked RNN layers.
    pub layers: u32,
    /// RNNWF_PHASE_NONE or RNNWF_PHASE_SOFTSIGN.
    pub phase: u32,
    /// RNNWF_SIGN_NONE or RNNWF_SIGN_MARSHALL.
    pub sign_rule: u32,
    /// -1: none; else every sample has sum of site values == u1_total (spin-1/2: number of
    /// down spins; lx*ly/2 = zero magnetisation).
    pub u1_total: i32,
    /// Seed of the parameter initialisation.
    pub seed: u64,
    /// RNNWF_SYMMETRY_NONE, RNNWF_SYMMETRY_LATTICE or RNNWF_SYMMETRY_LATTICE_SPIN_FLIP.
    pub symmetry: u32,
    /// RNNWF_PRECISION_F64 or RNNWF_PRECISION_F32.
    pub precision: u32,
}

const CONFIG_SIZE: u32 = size_of::<rnnwf_model_config>() as u32;

impl rnnwf_model_config {
    fn from_rust(cfg: &ModelConfig) -> Self {
        rnnwf_model_config {
            struct_size: CONFIG_SIZE,
            cell: match cfg.cell {
                CellKind::Vanilla => RNNWF_CELL_VANILLA,
                CellKind::Gru => RNNWF_CELL_GRU,
                CellKind::VanillaElu => RNNWF_CELL_VANILLA_ELU,
                CellKind::TensorGru => RNNWF_CELL_TENSOR_GRU,
                CellKind::LinearGated => RNNWF_CELL_LINEAR_GATED,
            },
            lx: cfg.lx,
            ly: cfg.ly,
            local_dim: cfg.local_dim,
            hidden: cfg.hidden,
            layers: cfg.layers,
            phase: match cfg.phase {
                PhaseKind::None => RNNWF_PHASE_NONE,
                PhaseKind::Softsign => RNNWF_PHASE_SOFTSIGN,
            },
            sign_rule: match cfg.sign_rule {
                SignRule::None => RNNWF_SIGN_NONE,
                SignRule::Marshall => RNNWF_SIGN_MARSHALL,
            },
            // A valid config's total is at most (local_dim - 1) * sites < 2^28.
            u1_total: cfg
                .u1_total
                .map_or(-1, |t| i32::try_from(t).unwrap_or(i32::MAX)),
            seed: cfg.seed,
            symmetry: match cfg.symmetry {
                Symmetry::None => RNNWF_SYMMETRY_NONE,
                Symmetry::Lattice => RNNWF_SYMMETRY_LATTICE,
                Symmetry::LatticeSpinFlip => RNNWF_SYMMETRY_LATTICE_SPIN_FLIP,
            },
            precision: match cfg.precision {
                Precision::F64 => RNNWF_PRECISION_F64,
                Precision::F32 => RNNWF_PRECISION_F32,
            },
        }
    }

    /// The Rust config; refuses a wrong struct_size or an unknown code, naming the field.
    /// The ranges of the numbers are Model::new's to check.
    fn to_rust(self) -> Result<ModelConfig, Failure> {
        let invalid = |message: String| Failure::new(ErrorKind::InvalidArgument, message);
        if self.struct_size != CONFIG_SIZE {
            return Err(invalid(format!(
                "cfg->struct_size = {} but sizeof(rnnwf_model_config) is {CONFIG_SIZE}: \
                 fill the struct with rnnwf_model_config_init",
                self.struct_size
            )));
        }
        let cell = match self.cell {
            RNNWF_CELL_VANILLA => CellKind::Vanilla,
            RNNWF_CELL_GRU => CellKind::Gru,
            RNNWF_CELL_VANILLA_ELU => CellKind::VanillaElu,
            RNNWF_CELL_TENSOR_GRU => CellKind::TensorGru,
            RNNWF_CELL_LINEAR_GATED => CellKind::LinearGated,
            other => {
                return Err(invalid(format!(
                    "cfg->cell = {other} is not a RNNWF_CELL_* value"
                )))
            }
        };
        let phase = match self.phase {
            RNNWF_PHASE_NONE => PhaseKind::None,
            RNNWF_PHASE_SOFTSIGN => PhaseKind::Softsign,
            other => {
                return Err(invalid(format!(
                    "cfg->phase = {other} is not a RNNWF_PHASE_* value"
                )))
            }
        };
        let sign_rule = match self.sign_rule {
            RNNWF_SIGN_NONE => SignRule::None,
            RNNWF_SIGN_MARSHALL => SignRule::Marshall,
            other => {
                return Err(invalid(format!(
                    "cfg->sign_rule = {other} is not a RNNWF_SIGN_* value"
                )))
            }
        };
        let u1_total = match self.u1_total {
            -1 => None,
            t => Some(u32::try_from(t).map_err(|_| {
                invalid(format!(
                    "cfg->u1_total = {t}: use -1 for none or a total >= 0"
                ))
            })?),
        };
        let symmetry = match self.symmetry {
            RNNWF_SYMMETRY_NONE => Symmetry::None,
            RNNWF_SYMMETRY_LATTICE => Symmetry::Lattice,
            RNNWF_SYMMETRY_LATTICE_SPIN_FLIP => Symmetry::LatticeSpinFlip,
            other => {
                return Err(invalid(format!(
                    "cfg->symmetry = {other} is not a RNNWF_SYMMETRY_* value"
                )))
            }
        };
        let precision = match self.precision {
            RNNWF_PRECISION_F64 => Precision::F64,
            RNNWF_PRECISION_F32 => Precision::F32,
            other => {
                return Err(invalid(format!(
                    "cfg->precision = {other} is not a RNNWF_PRECISION_* value"
                )))
            }
        };
        Ok(ModelConfig {
            cell,
            lx: self.lx,
            ly: self.ly,
            local_dim: self.local_dim,
            hidden: self.hidden,
            layers: self.layers,
            phase,
            sign_rule,
            u1_total,
            seed: self.seed,
            symmetry,
            precision,
        })
    }
}

/// Fills `cfg` with the defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32, layers 1, no
/// phase, no sign rule, u1_total -1, seed 0, no symmetry, double precision) and sets
/// struct_size.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_config_init(cfg: *mut rnnwf_model_config) -> rnnwf_status {
    ffi_call("rnnwf_model_config_init", || {
        let out = OutSlot::new(cfg, "cfg")?;
        // SAFETY: the caller gives a writable rnnwf_model_config.
        unsafe { out.write(rnnwf_model_config::from_rust(&ModelConfig::default())) };
        Ok(())
    })
}

/// Creates a model with Glorot-uniform weights drawn from cfg->seed. Invalid fields
/// (hidden = 0, local_dim < 2, an infeasible u1_total, an unknown code, a wrong struct_size)
/// give RNNWF_ERR_INVALID_ARGUMENT, as do parameters no memory can hold (naming the bytes).
/// Memory: 8 bytes per parameter (rnnwf_model_num_params; about 8 x G x hidden x (hidden +
/// local_dim + 1) x layers bytes on a chain, G = 3 for the GRU, 1 otherwise), plus the
/// workspaces its calls keep (see rnnwf_sample, rnnwf_local_energies, rnnwf_log_psi_grad).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_new(
    cfg: *const rnnwf_model_config,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_new", || {
        // SAFETY: the caller gives a readable config (checked for NULL).
        let cfg = unsafe { borrow(cfg, "cfg")? };
        let out = OutSlot::new(out, "out")?;
        let model = Model::new(cfg.to_rust()?)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(rnnwf_model { model })) };
        Ok(())
    })
}

/// A deep copy of `m`: same config and parameters, independent from then on.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_clone(
    m: *const rnnwf_model,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_clone", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        let copy = m.model.clone();
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(rnnwf_model { model: copy })) };
        Ok(())
    })
}

/// A new model on the lx x ly lattice with the same parameters and other settings as `m`
/// (iterative retraining: weights learned on a small lattice start a larger one). `u1_total`
/// is the new lattice's U(1) total, -1 for none. The weights do not depend on the lattice
/// size, and the Marshall sign is a rule on coordinates; a chain (ly = 1) cannot become a
/// grid or back (its cells' weights have other shapes), and sizes or totals that
/// rnnwf_model_new refuses are refused alike: RNNWF_ERR_INVALID_ARGUMENT. `m` is unchanged.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_resize(
    m: *const rnnwf_model,
    lx: u32,
    ly: u32,
    u1_total: i32,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_resize", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        let u1_total = match u1_total {
            -1 => None,
            t => Some(u32::try_from(t).map_err(|_| {
                Failure::new(
                    ErrorKind::InvalidArgument,
                    format!("u1_total = {t}: use -1 for none or a total >= 0"),
                )
            })?),
        };
        let model = m.model.resize(lx, ly, u1_total)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(rnnwf_model { model })) };
        Ok(())
    })
}

/// Destroys a model; NULL is a no-op. May run on any thread.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_free(m: *mut rnnwf_model) {
    // SAFETY: a handle from rnnwf_model_new/clone/load that the caller no longer uses.
    ffi_value((), || unsafe { free_handle(m) })
}

/// The model's config, with struct_size set.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_get_config(
    m: *const rnnwf_model,
    out: *mut rnnwf_model_config,
) -> rnnwf_status {
    ffi_call("rnnwf_model_get_config", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable config (checked for NULL).
        unsafe { out.write(rnnwf_model_config::from_rust(m.model.config())) };
        Ok(())
    })
}

/// The number of sites, lx * ly: the row length of a configuration.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_num_sites(
    m: *const rnnwf_model,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_num_sites", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(m.model.num_sites()) };
        Ok(())
    })
}

/// The number of real parameters, the length of the get/set_params arrays.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_num_params(
    m: *const rnnwf_model,
    out: *mut usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_num_params", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable size_t (checked for NULL).
        unsafe { out.write(m.model.num_params()) };
        Ok(())
    })
}

/// Copies the parameters into `out`; `len` must equal rnnwf_model_num_params
/// (else RNNWF_ERR_BUFFER_SIZE).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_get_params(
    m: *const rnnwf_model,
    out: *mut f64,
    len: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_get_params", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        crate::error::check_len("out", len, m.model.num_params())?;
        // SAFETY: the caller gives `len` writable doubles (NULL refused unless len == 0).
        let out = unsafe { slice_mut(out, len, "out")? };
        out.copy_from_slice(m.model.params());
        Ok(())
    })
}

/// Replaces every parameter. `len` must equal rnnwf_model_num_params (else
/// RNNWF_ERR_BUFFER_SIZE); a NaN or Inf gives RNNWF_ERR_NUMERICAL. On any error the model is
/// unchanged.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_set_params(
    m: *mut rnnwf_model,
    params: *const f64,
    len: usize,
) -> rnnwf_status {
    ffi_call("rnnwf_model_set_params", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let m = unsafe { borrow_mut(m, "m")? };
        // SAFETY: the caller gives `len` readable doubles (NULL refused unless len == 0).
        let params = unsafe { slice(params, len, "params")? };
        m.model.set_params(params)?;
        Ok(())
    })
}

/// Writes a checkpoint (safetensors; the format is described in src/checkpoint/mod.rs) to `path`:
/// to a temporary file that is renamed over `path` once complete, so `path` is never
/// half-written, and that keeps the permissions of the file it replaces. The temporary is
/// `.<name>.tmp-<pid>-<n>` beside `path` (shortened with a hash for names too long for
/// that); the next save of `path` removes those a killed save left (docs/checkpoint-format.md).
/// RNNWF_ERR_IO on failure; an empty path is RNNWF_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_save(
    m: *const rnnwf_model,
    path: *const c_char,
) -> rnnwf_status {
    ffi_call("rnnwf_model_save", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        // SAFETY: a NUL-terminated string (checked for NULL).
        let path = unsafe { c_path(path, "path")? };
        m.model.save(path)?;
        Ok(())
    })
}

/// Reads a checkpoint written by rnnwf_model_save. RNNWF_ERR_IO when the file cannot be read;
/// RNNWF_ERR_FORMAT when it is not an intact rnnwf checkpoint (truncated, corrupted, foreign);
/// RNNWF_ERR_UNSUPPORTED for an intact file whose config this version cannot build; an empty
/// path is RNNWF_ERR_INVALID_ARGUMENT. Only a regular file is read (a FIFO, a device or a
/// directory is RNNWF_ERR_IO), bounded by its size. Memory: the file's size plus the
/// model's parameters, about twice the file.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_load(
    path: *const c_char,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_load", || {
        // SAFETY: a NUL-terminated string (checked for NULL).
        let path = unsafe { c_path(path, "path")? };
        let out = OutSlot::new(out, "out")?;
        let model = Model::load(path)?;
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(rnnwf_model { model })) };
        Ok(())
    })
}

impl rnnwf_model {
    pub(crate) fn model(&self) -> &Model {
        &self.model
    }

    pub(crate) fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}
