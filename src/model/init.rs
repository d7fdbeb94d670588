//! Deterministic Glorot-uniform initialisation from the config's seed.

use super::layout::ParamLayout;
use crate::buffer::try_zeroed_vec;
use crate::error::Result;
use crate::random::{stream, uniform};

/// Weights uniform in +-sqrt(6 / (fan_in + fan_out)), biases zero: the TensorFlow default the
/// paper's scripts used. The same seed gives the same parameters on every machine. Refuses
/// (naming the bytes) parameters no memory can hold.
pub(crate) fn glorot_uniform(layout: &ParamLayout, seed: u64) -> Result<Vec<f64>> {
    let mut params = try_zeroed_vec(layout.total, "the model's parameters")?;
    let mut rng = stream(seed, u64::MAX);
    for block in &layout.blocks {
        if block.shape.len() != 2 {
            continue;
        }
        let limit = (6.0 / (block.shape[0] + block.shape[1]) as f64).sqrt();
        for p in &mut params[block.range.clone()] {
            *p = limit * (2.0 * uniform(&mut rng) - 1.0);
        }
    }
    Ok(params)
}
