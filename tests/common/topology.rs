//! The four topologies every model-level test runs over: the open chain, the open grid, the
//! periodic grid (the periodic 2D RNN) and the dilated chain.

use super::ALL_CELLS;
use rnnwf::{Boundary, CellKind, Model, ModelConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    OpenChain,
    OpenGrid,
    PeriodicGrid,
    DilatedChain,
}

pub const TOPOLOGIES: [Topology; 4] = [
    Topology::OpenChain,
    Topology::OpenGrid,
    Topology::PeriodicGrid,
    Topology::DilatedChain,
];

impl Topology {
    /// A model of `cell` with hidden size 5 on the `lx x ly` grid, or on the chain of
    /// `lx * ly` sites.
    pub fn config(self, cell: CellKind, lx: u32, ly: u32) -> ModelConfig {
        let (x, y) = self.lattice(lx, ly);
        let base = ModelConfig::default()
            .with_cell(cell)
            .with_hidden(5)
            .with_lx(x)
            .with_ly(y);
        match self {
            Topology::OpenChain | Topology::OpenGrid => base,
            Topology::DilatedChain => base.with_dilation(1),
            Topology::PeriodicGrid => base.with_boundary(Boundary::Periodic),
        }
    }

    /// The cells it supports: all but the linear gated cell for the new topologies.
    pub fn cells(self) -> Vec<CellKind> {
        ALL_CELLS
            .into_iter()
            .filter(|&c| c != CellKind::LinearGated || self.has_linear_cell())
            .collect()
    }

    /// Whether the linear gated cell (which mixes at most two neighbour states) is defined.
    pub fn has_linear_cell(self) -> bool {
        matches!(self, Topology::OpenChain | Topology::OpenGrid)
    }

    pub fn is_grid(self) -> bool {
        matches!(self, Topology::OpenGrid | Topology::PeriodicGrid)
    }

    /// `(lx, ly)` of its lattice for the grid `lx x ly`: the grid itself, or the chain of as
    /// many sites.
    pub fn lattice(self, lx: u32, ly: u32) -> (u32, u32) {
        if self.is_grid() {
            (lx, ly)
        } else {
            (lx * ly, 1)
        }
    }
}

/// Whether a parameter block of `cfg` is read at all: a grid one site wide has no horizontal
/// neighbours, and a wrap needs a side of 3 (with a side of 2 the wrapped neighbour is the
/// open one). A block that is not read must have a zero gradient; every other block must
/// take part, or a gradient check on it would test nothing.
pub fn block_is_read(cfg: &ModelConfig, name: &str) -> bool {
    let periodic = cfg.boundary == Boundary::Periodic;
    if name.ends_with("horizontal_wrap_weight") {
        periodic && cfg.lx >= 3
    } else if name.ends_with("vertical_wrap_weight") {
        periodic && cfg.ly >= 3
    } else if name.ends_with("horizontal_weight") {
        cfg.lx > 1
    } else {
        true
    }
}

/// The model of `cfg`, or a panic naming the config.
pub fn build(cfg: ModelConfig) -> Model {
    Model::new(cfg.clone()).unwrap_or_else(|e| panic!("{cfg:?}: {e}"))
}
