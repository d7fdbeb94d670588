//! The model handle: config, creation, parameters, checkpoints.

use super::args::{borrow, borrow_mut, c_path, slice, slice_mut, OutSlot};
use super::boundary::{ffi_call, ffi_value, Failure};
use super::handles::{free_handle, into_handle};
use super::status::rnnwf_status;
use super::versioned::{read_versioned, Versioned, VersionedOut};
use crate::enum_table::EnumTable;
use crate::error::ErrorKind;
use crate::model::codes::{BOUNDARIES, CELLS, PHASES, PRECISIONS, SIGN_RULES, SYMMETRIES};
use crate::model::{Model, ModelConfig};
use std::ffi::c_char;

// The codes are literals for cbindgen; src/capi/codes.rs tests each against its table.

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
/// A grid site's cells read its left and upper neighbours (the default).
pub const RNNWF_BOUNDARY_OPEN: u32 = 0;
/// On grids, the cells also read the wrapped neighbours sampled before the site, each
/// through its own weights (the periodic 2D RNN, docs/method.md). On a chain, or with the
/// linear gated cell, rnnwf_model_new refuses it with RNNWF_ERR_UNSUPPORTED.
pub const RNNWF_BOUNDARY_PERIODIC: u32 = 1;

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
    /// RNNWF_BOUNDARY_OPEN (0, the default) or RNNWF_BOUNDARY_PERIODIC: on a grid, also the
    /// wrapped neighbours visited before each site, through their own weights (the periodic
    /// 2D RNN; on a chain, or with the linear gated cell: RNNWF_ERR_UNSUPPORTED).
    pub boundary: u32,
    /// 0 (the default): every layer reads the previous site in sampling order; 1: layer l
    /// (from 0) reads the site 2^l positions back (the dilated RNN, chains only; on a grid,
    /// or with the linear gated cell: RNNWF_ERR_UNSUPPORTED). Other values:
    /// RNNWF_ERR_INVALID_ARGUMENT.
    pub dilation: u32,
}

const CONFIG_SIZE: u32 = size_of::<rnnwf_model_config>() as u32;

// SAFETY: repr(C), struct_size (u32) first, integers only.
unsafe impl Versioned for rnnwf_model_config {
    const NAME: &'static str = "rnnwf_model_config";
    // ABI 0.3's size: replace by that literal (64) when a field is appended.
    const MIN_SIZE: usize = size_of::<rnnwf_model_config>();
    fn defaults() -> Self {
        rnnwf_model_config::from_rust(&ModelConfig::default())
    }
    fn copy_fields(dst: &mut Self, src: Self) {
        *dst = src; // no padding: every byte is a field
    }
}
const _: () = assert!(size_of::<rnnwf_model_config>() == 64, "no padding to copy");

/// The variant of a field's C code, refused naming the field and the accepted codes.
pub(super) fn variant<T: Copy + PartialEq>(table: &EnumTable<T>, code: u32) -> Result<T, Failure> {
    table.of_code(code).ok_or_else(|| {
        Failure::new(
            ErrorKind::InvalidArgument,
            format!(
                "cfg->{} = {code} is not a {}* value: use {}",
                table.field,
                table.c_prefix,
                table.c_choices()
            ),
        )
    })
}

impl rnnwf_model_config {
    fn from_rust(cfg: &ModelConfig) -> Self {
        rnnwf_model_config {
            struct_size: CONFIG_SIZE,
            cell: CELLS.code(cfg.cell),
            lx: cfg.lx,
            ly: cfg.ly,
            local_dim: cfg.local_dim,
            hidden: cfg.hidden,
            layers: cfg.layers,
            phase: PHASES.code(cfg.phase),
            sign_rule: SIGN_RULES.code(cfg.sign_rule),
            // A valid config's total is at most (local_dim - 1) * sites < 2^28.
            u1_total: cfg
                .u1_total
                .map_or(-1, |t| i32::try_from(t).unwrap_or(i32::MAX)),
            seed: cfg.seed,
            symmetry: SYMMETRIES.code(cfg.symmetry),
            precision: PRECISIONS.code(cfg.precision),
            boundary: BOUNDARIES.code(cfg.boundary),
            dilation: cfg.dilation,
        }
    }

    /// The Rust config; refuses an unknown code, naming the field (struct_size is checked
    /// by `read_versioned`). The ranges of the numbers are Model::new's to check.
    fn to_rust(self) -> Result<ModelConfig, Failure> {
        let u1_total = match self.u1_total {
            -1 => None,
            t => Some(u32::try_from(t).map_err(|_| {
                Failure::new(
                    ErrorKind::InvalidArgument,
                    format!("cfg->u1_total = {t}: use -1 for none or a total >= 0"),
                )
            })?),
        };
        Ok(ModelConfig {
            cell: variant(&CELLS, self.cell)?,
            lx: self.lx,
            ly: self.ly,
            local_dim: self.local_dim,
            hidden: self.hidden,
            layers: self.layers,
            phase: variant(&PHASES, self.phase)?,
            sign_rule: variant(&SIGN_RULES, self.sign_rule)?,
            u1_total,
            seed: self.seed,
            symmetry: variant(&SYMMETRIES, self.symmetry)?,
            // The C config has no such field: a subgroup comes from
            // rnnwf_model_restrict_symmetry (or a checkpoint).
            symmetry_maps: None,
            precision: variant(&PRECISIONS, self.precision)?,
            boundary: variant(&BOUNDARIES, self.boundary)?,
            dilation: self.dilation,
        })
    }
}

/// Fills `cfg` with the defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32, layers 1, no
/// phase, no sign rule, u1_total -1, seed 0, no symmetry, double precision, open boundary,
/// no dilation) and sets struct_size to sizeof(rnnwf_model_config).
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
/// (hidden = 0, local_dim < 2, an infeasible u1_total, an unknown code, dilation > 1, a
/// struct_size below this struct's ABI 0.3 size or above the library's; see docs/c-abi.md)
/// give RNNWF_ERR_INVALID_ARGUMENT; RNNWF_BOUNDARY_PERIODIC on a chain, dilation 1 on a
/// grid, and either with the linear gated cell give RNNWF_ERR_UNSUPPORTED; parameters no memory can hold give
/// RNNWF_ERR_OUT_OF_MEMORY (naming the bytes).
/// Memory: 8 bytes per parameter (rnnwf_model_num_params; about 8 x G x hidden x (hidden +
/// local_dim + 1) x layers bytes on a chain, G = 3 for the GRU, 1 otherwise), plus the
/// workspaces its calls keep (see rnnwf_sample, rnnwf_local_energies, rnnwf_log_psi_grad).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_new(
    cfg: *const rnnwf_model_config,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_new", || {
        // SAFETY: the caller gives a config readable for its struct_size (checked for NULL).
        let cfg = unsafe { read_versioned(cfg, "cfg")? };
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
        let copy = m.model.try_clone()?;
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

/// A new model with `hidden` units per layer that computes the same psi as `m` (a trained
/// model given room to improve): every other setting is kept, every parameter keeps its unit
/// and position, the new units' inputs are drawn as rnnwf_model_new draws a model of that
/// width (the config's seed), and their weights into the old units and the heads are zero.
/// psi is the same up to rounding. `hidden` below m's (which would change psi), or one
/// rnnwf_model_new refuses: RNNWF_ERR_INVALID_ARGUMENT; parameters no memory can hold:
/// RNNWF_ERR_OUT_OF_MEMORY. `m` is unchanged.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_widen(
    m: *const rnnwf_model,
    hidden: u32,
    out: *mut *mut rnnwf_model,
) -> rnnwf_status {
    ffi_call("rnnwf_model_widen", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        let out = OutSlot::new(out, "out")?;
        let model = m.model.widen(hidden)?;
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

/// The model's config. The caller sets out->struct_size (to sizeof(rnnwf_model_config)) and
/// gets that many bytes written; a struct_size outside the accepted range (0 included) is
/// RNNWF_ERR_INVALID_ARGUMENT naming both sizes, with nothing written.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_model_get_config(
    m: *const rnnwf_model,
    out: *mut rnnwf_model_config,
) -> rnnwf_status {
    ffi_call("rnnwf_model_get_config", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? };
        // SAFETY: the caller gives a config whose struct_size is readable (checked for NULL).
        let out = unsafe { VersionedOut::new(out, "out")? };
        // SAFETY: writable for its struct_size, as promised.
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
    pub(super) fn from_model(model: Model) -> rnnwf_model {
        rnnwf_model { model }
    }

    pub(crate) fn model(&self) -> &Model {
        &self.model
    }

    pub(crate) fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}
