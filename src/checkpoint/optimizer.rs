//! The optimiser checkpoint (`rnnwf-optimizer`): a training driver's settings, step counter
//! and Adam state. The format is described in the module docs of `checkpoint`.

use super::container::{
    f64_to_le_bytes, finite_f64s, float_text, read_file, to_bytes, write_atomically, Container,
    TensorBytes,
};
use crate::error::{Error, Result};
use crate::optim::{AdamState, Optimizer, Preconditioner};
use crate::vmc::{Vmc, VmcConfig};
use std::collections::BTreeMap;
use std::path::Path;

/// The `format` metadata value of an optimiser checkpoint.
pub const OPTIMIZER_FORMAT: &str = "rnnwf-optimizer";
/// The `format_version` this build writes and reads.
pub const OPTIMIZER_FORMAT_VERSION: u32 = 1;

const ADAM_M: &str = "adam.m";
const ADAM_V: &str = "adam.v";
const ADAM_T: &str = "adam_t";
/// The shape of the model Adam's state belongs to (`vmc::model_shape`); present with Adam
/// state once the driver knows the model, absent in files written before it was recorded
/// (whose state is then matched by parameter count only).
const ADAM_MODEL: &str = "adam_model";

/// Most steps (and Adam updates) a file may record: 2^53, beyond any run (285 000 years
/// at a step per millisecond) and the last count an f64 holds exactly. A larger count is
/// damage or forgery that would wrap or poison every later step.
pub const MAX_STEPS: u64 = 1 << 53;

/// Present only with the SR preconditioner, so that files without it keep their bytes and
/// files written before the setting existed load with none.
const PRECONDITIONER: &str = "preconditioner";
const PRECONDITIONERS: [(&str, Preconditioner); 2] =
    [("none", Preconditioner::None), ("sr", Preconditioner::Sr)];

const OPTIMIZERS: [(&str, Optimizer); 3] = [
    ("sgd", Optimizer::Sgd),
    ("adam", Optimizer::Adam),
    ("minsr", Optimizer::MinSr),
];

impl Vmc {
    /// Writes the settings, the step counter and the optimiser state to `path` atomically
    /// (temporary file, fsync, rename); errors are `Io` with the path in the message.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_checkpoint_bytes())
    }

    /// Replaces the settings, the step counter and the optimiser state with those saved in
    /// `path` by [`Vmc::save`], keeping the reduction hook. On any error (`Io`, `Format`; see
    /// the module docs of `checkpoint`) the driver is unchanged.
    pub fn load(&mut self, path: &Path) -> Result<()> {
        let saved = read_file(path, Vmc::from_checkpoint_bytes)?;
        self.restore(saved);
        Ok(())
    }

    /// The checkpoint file's bytes; the same state always gives the same bytes.
    pub fn to_checkpoint_bytes(&self) -> Vec<u8> {
        let c = self.config();
        let name = OPTIMIZERS
            .iter()
            .find(|(_, o)| *o == c.optimizer)
            .map(|(n, _)| *n)
            .expect("every optimiser has a name");
        let mut metadata: BTreeMap<String, String> = [
            ("format", OPTIMIZER_FORMAT.to_string()),
            ("format_version", OPTIMIZER_FORMAT_VERSION.to_string()),
            ("optimizer", name.to_string()),
            ("n_samples", c.n_samples.to_string()),
            ("learning_rate", float_text(c.learning_rate)),
            ("adam_beta1", float_text(c.adam_beta1)),
            ("adam_beta2", float_text(c.adam_beta2)),
            ("adam_eps", float_text(c.adam_eps)),
            ("sr_diag_shift", float_text(c.sr_diag_shift)),
            ("grad_clip", float_text(c.grad_clip)),
            ("temperature", float_text(c.temperature)),
            ("seed", c.seed.to_string()),
            ("steps", self.steps().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if c.preconditioner == Preconditioner::Sr {
            metadata.insert(PRECONDITIONER.into(), "sr".into());
        }
        match self.adam_state() {
            None => to_bytes(metadata, &[]),
            Some(adam) => {
                metadata.insert(ADAM_T.into(), adam.t.to_string());
                if let Some(shape) = self.adam_model() {
                    metadata.insert(ADAM_MODEL.into(), shape.to_string());
                }
                let shape = [adam.m.len()];
                let (m, v) = (f64_to_le_bytes(&adam.m), f64_to_le_bytes(&adam.v));
                to_bytes(metadata, &[(ADAM_M, &shape, &m), (ADAM_V, &shape, &v)])
            }
        }
    }

    /// A driver (without reduction hook) in the state saved in `bytes`; see the module docs
    /// of `checkpoint` for what is refused. Never panics, whatever the bytes, and allocates
    /// no more than a small multiple of their length.
    pub fn from_checkpoint_bytes(bytes: &[u8]) -> Result<Vmc> {
        let file = Container::parse(bytes)?;
        file.check_format(OPTIMIZER_FORMAT, "optimizer", OPTIMIZER_FORMAT_VERSION)?;
        let has_adam = file.has(ADAM_T);
        let tensors = adam_tensors(&file, has_adam)?;
        file.verify_checksum(&tensors)?;

        let config = VmcConfig {
            optimizer: file.parse_name("optimizer", &OPTIMIZERS)?,
            preconditioner: if file.has(PRECONDITIONER) {
                file.parse_name(PRECONDITIONER, &PRECONDITIONERS)?
            } else {
                Preconditioner::None
            },
            n_samples: file.parse_canonical("n_samples")?,
            learning_rate: file.parse_float("learning_rate")?,
            adam_beta1: file.parse_float("adam_beta1")?,
            adam_beta2: file.parse_float("adam_beta2")?,
            adam_eps: file.parse_float("adam_eps")?,
            sr_diag_shift: file.parse_float("sr_diag_shift")?,
            grad_clip: file.parse_float("grad_clip")?,
            temperature: file.parse_float("temperature")?,
            seed: file.parse_canonical("seed")?,
        };
        config
            .validate()
            .map_err(|e| Error::format(format!("checkpoint settings invalid: {e}")))?;
        let steps = parse_count(&file, "steps")?;
        if file.has(ADAM_MODEL) && !has_adam {
            return Err(Error::format(format!(
                "`{ADAM_MODEL}` without `{ADAM_T}`: a model shape with no Adam state"
            )));
        }
        let adam_model = if file.has(ADAM_MODEL) {
            let shape = file.required(ADAM_MODEL)?;
            if shape.is_empty() || !shape.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::format(format!(
                    "checkpoint metadata `{ADAM_MODEL}` = {shape:?} is not a model shape"
                )));
            }
            Some(shape.to_string())
        } else {
            None
        };
        let adam = if has_adam {
            let t = parse_count(&file, ADAM_T)?;
            let (mut m, mut v) = (Vec::new(), Vec::new());
            finite_f64s(ADAM_M, tensors[0].2, &mut m)?;
            finite_f64s(ADAM_V, tensors[1].2, &mut v)?;
            Some(AdamState { m, v, t })
        } else {
            None
        };
        Vmc::from_state(config, steps, adam, adam_model).map_err(|e| Error::format(e.message))
    }
}

/// A step count at most [`MAX_STEPS`].
fn parse_count(file: &Container, key: &str) -> Result<u64> {
    let count: u64 = file.parse_canonical(key)?;
    if count > MAX_STEPS {
        return Err(Error::format(format!(
            "checkpoint metadata `{key}` = {count} is above the most a run can take, 2^53 = {MAX_STEPS}"
        )));
    }
    Ok(count)
}

/// `adam.m` and `adam.v` when the file has Adam state, each one-dimensional and of the same
/// shape, and no other tensor; none at all otherwise.
fn adam_tensors<'f>(file: &'f Container<'_>, has_adam: bool) -> Result<Vec<TensorBytes<'f>>> {
    if !has_adam {
        file.check_no_extra_tensors(&[], "the file has no `adam_t`, so no Adam state")?;
        return Ok(Vec::new());
    }
    let shape = match file.tensor_shape(ADAM_M) {
        Some(shape) if shape.len() == 1 => shape,
        Some(other) => {
            return Err(Error::format(format!(
                "tensor {ADAM_M} has shape {other:?}, expected one dimension"
            )))
        }
        None => return Err(Error::format(format!("missing tensor {ADAM_M}"))),
    };
    let m = file.tensor(ADAM_M, shape)?;
    let v = file.tensor(ADAM_V, shape)?;
    file.check_no_extra_tensors(&[ADAM_M, ADAM_V], "an optimiser file holds only Adam state")?;
    Ok(vec![(ADAM_M, shape, m), (ADAM_V, shape, v)])
}
