//! The flat parameter vector: which block sits where.
//!
//! Order (every matrix row-major, shaped `[inputs x outputs]` because rows of a batch multiply
//! from the left, `pre = x W`): for each layer l = 0..layers, that layer's blocks as its cell
//! lays them out (`model/cell/`, one file per cell, with its equations), then the heads.
//!
//! A cell reads the neighbours the topology gives it (`model/topology.rs`): on a chain the
//! previous site (h, x), on a grid the horizontal neighbour (h_h, x_h: the site visited just
//! before in the same row) and the vertical one (h_v, x_v: the site directly above); a missing
//! neighbour (the first site, the first site of a row, row 0) contributes zeros, state and
//! one-hot alike. Layer 0's input x stacks the neighbours' one-hot vectors (`[x_h ; x_v]` on
//! a grid); layer l > 0 reads the output of layer l - 1 at the same site and its own layer's
//! neighbour states. Each neighbour weight has its own block, named by the topology: a
//! chain's (dilated or not) `hidden_weight`, a grid's `horizontal_weight` and
//! `vertical_weight`, and on a periodic grid also `horizontal_wrap_weight` and
//! `vertical_wrap_weight` (whose one-hots follow in x: `[x_h ; x_v ; x_hw ; x_vw]`).
//!
//! # Heads
//!
//! `amplitude.weight` `[hidden x local_dim]`, `amplitude.bias` `[local_dim]` (U, c)
//! `phase.weight` `[hidden x local_dim]`, `phase.bias` `[local_dim]` (U', c'; phase head only)
//!
//! Block names are also the tensor names of a checkpoint: a grid's `horizontal_weight` and
//! `vertical_weight` never occur in a chain's checkpoint, nor its `hidden_weight` in a grid's.

use super::cell::{Cell, LayerBlocks};
use super::config::{ModelConfig, PhaseKind};
use super::topology::Topology;
use super::widen::Axis;
use std::ops::Range;

/// One named block of the parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamBlock {
    pub name: String,
    /// `[rows, cols]` for a matrix, `[len]` for a vector.
    pub shape: Vec<usize>,
    pub range: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct ParamLayout {
    pub layers: Vec<LayerBlocks>,
    pub amplitude_weight: Range<usize>,
    pub amplitude_bias: Range<usize>,
    pub phase_weight: Option<Range<usize>>,
    pub phase_bias: Option<Range<usize>>,
    pub blocks: Vec<ParamBlock>,
    /// What each axis of each block indexes, by block (`model/widen.rs`).
    pub axes: Vec<Vec<Axis>>,
    pub total: usize,
}

impl ParamLayout {
    pub fn new(cfg: &ModelConfig) -> Self {
        let topology = Topology::new(cfg);
        let cell = Cell::new(cfg, &topology);
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let mut blocks = Vec::new();
        let mut all_axes = Vec::new();
        let mut next = 0usize;
        let mut push = |name: String, axes: Vec<Axis>| -> Range<usize> {
            let shape: Vec<usize> = axes.iter().map(|a| a.len(dh)).collect();
            let len: usize = shape.iter().product();
            let range = next..next + len;
            next += len;
            blocks.push(ParamBlock {
                name,
                shape,
                range: range.clone(),
            });
            all_axes.push(axes);
            range
        };
        let names = topology.weight_names();
        let layers = (0..cfg.layers as usize)
            .map(|l| cell.layer_blocks(l, names, &mut push))
            .collect();
        let head = || vec![Axis::units(1), Axis::other(d)];
        let amplitude_weight = push("amplitude.weight".into(), head());
        let amplitude_bias = push("amplitude.bias".into(), vec![Axis::other(d)]);
        let (phase_weight, phase_bias) = match cfg.phase {
            PhaseKind::Softsign => (
                Some(push("phase.weight".into(), head())),
                Some(push("phase.bias".into(), vec![Axis::other(d)])),
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
            axes: all_axes,
            total: next,
        }
    }
}
