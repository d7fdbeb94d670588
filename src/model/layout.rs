//! The flat parameter vector: which block sits where.
//!
//! Order (every matrix row-major, shaped `[inputs x outputs]` because rows of a batch multiply
//! from the left, `pre = x W`):
//!
//! for each layer l = 0..layers (input size `in` = local_dim for l = 0, hidden otherwise;
//! `G` = 1 for the vanilla cell, 3 for the GRU with gate columns ordered `[r | z | g]`):
//!   `layer{l}.input_weight`   `[in x G*hidden]`     (vanilla: V; GRU: W_r W_z W_g)
//!   `layer{l}.hidden_weight`  `[hidden x G*hidden]` (vanilla: W; GRU: U_r U_z U_g)
//!   `layer{l}.bias`           `[G*hidden]`          (vanilla: b; GRU: b_r b_z b_g)
//!   `layer{l}.candidate_bias` `[hidden]`            (GRU only: b_hg, inside r * (U_g h + b_hg))
//! `amplitude.weight` `[hidden x local_dim]`, `amplitude.bias` `[local_dim]` (U, c)
//! `phase.weight` `[hidden x local_dim]`, `phase.bias` `[local_dim]` (U', c'; phase head only)
//!
//! Block names are also the tensor names of a checkpoint.

use super::config::{CellKind, ModelConfig, PhaseKind};
use std::ops::Range;

/// One named block of the parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamBlock {
    pub name: String,
    /// `[rows, cols]` for a matrix, `[len]` for a vector.
    pub shape: Vec<usize>,
    pub range: Range<usize>,
}

/// Where one layer's blocks are.
#[derive(Clone, Debug)]
pub(crate) struct LayerLayout {
    pub input_weight: Range<usize>,
    pub hidden_weight: Range<usize>,
    pub bias: Range<usize>,
    pub candidate_bias: Option<Range<usize>>,
}

#[derive(Clone, Debug)]
pub(crate) struct ParamLayout {
    pub layers: Vec<LayerLayout>,
    pub amplitude_weight: Range<usize>,
    pub amplitude_bias: Range<usize>,
    pub phase_weight: Option<Range<usize>>,
    pub phase_bias: Option<Range<usize>>,
    pub blocks: Vec<ParamBlock>,
    pub total: usize,
}

/// Gate blocks per cell: columns of the weight matrices are `gates * hidden` wide.
pub(crate) fn gates(cell: CellKind) -> usize {
    match cell {
        CellKind::Vanilla => 1,
        CellKind::Gru => 3,
    }
}

impl ParamLayout {
    pub fn new(cfg: &ModelConfig) -> Self {
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let g = gates(cfg.cell);
        let mut blocks = Vec::new();
        let mut next = 0usize;
        let mut push = |name: String, shape: Vec<usize>| -> Range<usize> {
            let len: usize = shape.iter().product();
            let range = next..next + len;
            next += len;
            blocks.push(ParamBlock {
                name,
                shape,
                range: range.clone(),
            });
            range
        };
        let mut layers = Vec::new();
        for l in 0..cfg.layers as usize {
            let input_dim = if l == 0 { d } else { dh };
            let input_weight = push(format!("layer{l}.input_weight"), vec![input_dim, g * dh]);
            let hidden_weight = push(format!("layer{l}.hidden_weight"), vec![dh, g * dh]);
            let bias = push(format!("layer{l}.bias"), vec![g * dh]);
            let candidate_bias = match cfg.cell {
                CellKind::Gru => Some(push(format!("layer{l}.candidate_bias"), vec![dh])),
                CellKind::Vanilla => None,
            };
            layers.push(LayerLayout {
                input_weight,
                hidden_weight,
                bias,
                candidate_bias,
            });
        }
        let amplitude_weight = push("amplitude.weight".into(), vec![dh, d]);
        let amplitude_bias = push("amplitude.bias".into(), vec![d]);
        let (phase_weight, phase_bias) = match cfg.phase {
            PhaseKind::Softsign => (
                Some(push("phase.weight".into(), vec![dh, d])),
                Some(push("phase.bias".into(), vec![d])),
            ),
            PhaseKind::None => (None, None),
        };
        ParamLayout {
            layers,
            amplitude_weight,
            amplitude_bias,
            phase_weight,
            phase_bias,
            blocks,
            total: next,
        }
    }
}
