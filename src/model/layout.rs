//! The flat parameter vector: which block sits where.
//!
//! Order (every matrix row-major, shaped `[inputs x outputs]` because rows of a batch multiply
//! from the left, `pre = x W`):
//!
//! # Chain (`ly = 1`, the 1D RNN)
//!
//! for each layer l = 0..layers (input size `in` = local_dim for l = 0, hidden otherwise;
//! `G` = 1 for the vanilla cells, 3 for the GRU with gate columns ordered `[r | z | g]`):
//!   `layer{l}.input_weight`   `[in x G*hidden]`     (vanilla: V; GRU: W_r W_z W_g)
//!   `layer{l}.hidden_weight`  `[hidden x G*hidden]` (vanilla: W; GRU: U_r U_z U_g)
//!   `layer{l}.bias`           `[G*hidden]`          (vanilla: b; GRU: b_r b_z b_g)
//!   `layer{l}.candidate_bias` `[hidden]`            (GRU only: b_hg, inside r * (U_g h + b_hg))
//!
//! # Grid (`ly > 1`, the 2D RNN; sites visited in snake order, `model/topology.rs`)
//!
//! A cell reads the horizontal neighbour (h_h, x_h: the site visited just before in the same
//! row) and the vertical one (h_v, x_v: the site directly above); a missing neighbour (first
//! site of a row, row 0) contributes zeros, state and one-hot alike. Layer 0's input is
//! x = [x_h ; x_v], the two one-hot vectors stacked (`in` = 2 local_dim); layer l > 0 reads
//! x = the state of layer l - 1 at the same site (`in` = hidden) and its own layer's
//! neighbour states. With `H` = 1 (vanilla) or 4 (GRU, columns `[r | z | g | merge]`):
//!
//! for each layer l = 0..layers:
//!   `layer{l}.input_weight`      `[in x G*hidden]`     (rows: x_h's values, then x_v's)
//!   `layer{l}.horizontal_weight` `[hidden x H*hidden]` (applied to h_h)
//!   `layer{l}.vertical_weight`   `[hidden x H*hidden]` (applied to h_v)
//!   `layer{l}.bias`              `[G*hidden]`
//!   `layer{l}.candidate_bias`    `[hidden]`            (GRU only)
//!
//! Vanilla: h' = f(x V + h_h W_h + h_v W_v + b), f = tanh, or ELU for `VanillaElu`.
//! GRU (columns of V, W_h, W_v named by gate, M the merge columns of W_h and W_v):
//!   r = sigmoid(x V_r + h_h W_h,r + h_v W_v,r + b_r)
//!   z = sigmoid(x V_z + h_h W_h,z + h_v W_v,z + b_z)
//!   g = tanh(x V_g + b_g + r * (h_h W_h,g + h_v W_v,g + b_hg))
//!   m = h_h M_h + h_v M_v                        (a learned merge of the two states)
//!   h' = (1 - z) * g + z * m
//! On a chain the GRU interpolates towards the previous state h; on a grid towards m.
//!
//! # The tensorized cell (both; `TensorGru`)
//!
//! c = the neighbour states side by side and a constant 1, `[h_h ; h_v ; 1]` on a grid
//! (`nc = 2 hidden + 1`), `[h ; 1]` on a chain (`nc = hidden + 1`); a missing neighbour's
//! part is zero. The 1 lets a neighbour's value enter even where the states are zero (the
//! first sites, with the zero initial biases), as the other cells' `x V` does. Layer 0's
//! tensorised input T has `nn * local_dim` blocks of `nc` (nn = 2 neighbours on a grid, 1 on a
//! chain): block `offset + value` of each neighbour present holds c (the neighbour's one-hot
//! offset as for the other cells: x_h's values first, then x_v's), the rest are zero, i.e.
//! T = c (x) [x_h ; x_v]. A layer l > 0 reads T = `[c ; x]`, x the layer below's new state.
//!
//! for each layer l = 0..layers (`K` = `nn local_dim nc` for l = 0, `nc + hidden` above):
//!   `layer{l}.tensor_weight` `[K x 2 hidden]` (columns `[u | g]`)
//!   `layer{l}.merge_weight`  `[nc x hidden]`
//!   `layer{l}.bias`          `[2 hidden]`
//!
//!   u = sigmoid(T W_u + b_u),  g = tanh(T W_g + b_g),  m = tanh(c M)
//!   h' = u * g + (1 - u) * m
//!
//! # The linear gated cell (both)
//!
//! Its gates read the input x only, so it has no `hidden_weight`, `horizontal_weight` or
//! `vertical_weight`: per layer only `layer{l}.input_weight` `[in x G*hidden]` and
//! `layer{l}.bias` `[G*hidden]`, with G = 2 on a chain (columns `[a | c]`) and G = 3 on a grid
//! (`[a | b | c]`):
//!   a = sigmoid(x V_a + b_a), c = x V_c + b_c,
//!   chain: h' = a * h + (1 - a) * c
//!   grid:  b = sigmoid(x V_b + b_b), h' = a * (b * h_h + (1 - b) * h_v) + (1 - a) * c
//! The heads and the next layer read tanh(h'), not h' (for layer l > 0, x = tanh of layer
//! l - 1's state at the same site).
//!
//! # Heads (both)
//!
//! `amplitude.weight` `[hidden x local_dim]`, `amplitude.bias` `[local_dim]` (U, c)
//! `phase.weight` `[hidden x local_dim]`, `phase.bias` `[local_dim]` (U', c'; phase head only)
//!
//! Block names are also the tensor names of a checkpoint: a grid's `horizontal_weight` and
//! `vertical_weight` never occur in a chain's checkpoint, nor its `hidden_weight` in a grid's.

use super::config::{CellKind, ModelConfig, PhaseKind};
use super::gate_layout::GateLayout;
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
    /// The tensorized cell's `tensor_weight`.
    pub input_weight: Range<usize>,
    /// The weight of the state read along the visiting order: the previous site's on a
    /// chain, the horizontal neighbour's on a grid; the tensorized cell's `merge_weight`; empty
    /// for the linear gated cell.
    pub hidden_weight: Range<usize>,
    /// Grid only: the weight of the vertical neighbour's state.
    pub vertical_weight: Option<Range<usize>>,
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

impl ParamLayout {
    pub fn new(cfg: &ModelConfig) -> Self {
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let gate_layout = GateLayout::of(cfg);
        let (g, hg) = (gate_layout.input_gates(), gate_layout.hidden_gates());
        let grid = cfg.is_grid();
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
            if cfg.cell == CellKind::TensorGru {
                let (k, nc) = (gate_layout.tensor_width(l), gate_layout.concat_width());
                let input_weight = push(format!("layer{l}.tensor_weight"), vec![k, g * dh]);
                let hidden_weight = push(format!("layer{l}.merge_weight"), vec![nc, dh]);
                let bias = push(format!("layer{l}.bias"), vec![g * dh]);
                layers.push(LayerLayout {
                    input_weight,
                    hidden_weight,
                    vertical_weight: None,
                    bias,
                    candidate_bias: None,
                });
                continue;
            }
            let input_dim = match (l, grid) {
                (0, false) => d,
                (0, true) => 2 * d,
                _ => dh,
            };
            let input_weight = push(format!("layer{l}.input_weight"), vec![input_dim, g * dh]);
            let (hidden_weight, vertical_weight) = if cfg.cell == CellKind::LinearGated {
                // No neighbour weights: an empty range, and no block.
                (input_weight.end..input_weight.end, None)
            } else if grid {
                let h = push(format!("layer{l}.horizontal_weight"), vec![dh, hg * dh]);
                let v = push(format!("layer{l}.vertical_weight"), vec![dh, hg * dh]);
                (h, Some(v))
            } else {
                (
                    push(format!("layer{l}.hidden_weight"), vec![dh, g * dh]),
                    None,
                )
            };
            let bias = push(format!("layer{l}.bias"), vec![g * dh]);
            let candidate_bias = match cfg.cell {
                CellKind::Gru => Some(push(format!("layer{l}.candidate_bias"), vec![dh])),
                CellKind::Vanilla
                | CellKind::VanillaElu
                | CellKind::TensorGru
                | CellKind::LinearGated => None,
            };
            layers.push(LayerLayout {
                input_weight,
                hidden_weight,
                vertical_weight,
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
