//! Every width a cell's rows take: the gate columns of the input and neighbour weights, the
//! backprop tape and the adjoints. The one place that knows the GRU has three gates (and a
//! merge on a grid) and what the tape keeps of them (equations in `model/layout.rs`).

use super::config::{CellKind, ModelConfig};

/// What a GRU's new state blends towards: h' = (1 - z) g + z m.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blend {
    /// Chain: m is the previous state, updated in place.
    Previous,
    /// Grid: m is the learned merge of the neighbour states, the merge columns of `pre_h`.
    Merge,
}

/// The widths of one cell's rows for `dh` hidden units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GateLayout {
    /// Hidden units.
    pub dh: usize,
    /// Gate blocks of `pre_x = x V + b`: 1 (vanilla) or 3 (GRU, `[r | z | g]`).
    input_gates: usize,
    /// Column blocks of the weights applied to neighbour states: the gates, plus on a grid
    /// the GRU's merge.
    hidden_gates: usize,
    /// GRU only: what the state blends towards.
    blend: Option<Blend>,
    /// Blocks of `dh` in a tape row.
    tape_blocks: usize,
    /// The linear gated cell (its own kernels; no neighbour weights).
    linear: bool,
}

impl GateLayout {
    pub fn new(cell: CellKind, grid: bool, dh: usize) -> Self {
        let (input_gates, hidden_gates, blend, tape_blocks) = match (cell, grid) {
            (CellKind::Vanilla | CellKind::VanillaElu, _) => (1, 1, None, 0),
            (CellKind::Gru, false) => (3, 3, Some(Blend::Previous), 4),
            (CellKind::Gru, true) => (3, 4, Some(Blend::Merge), 5),
            // `[a | c]`, tape `[a | c | m]` (m the previous state).
            (CellKind::LinearGated, false) => (2, 0, None, 3),
            // `[a | b | c]`, tape `[a | b | c | h_h | h_v]`.
            (CellKind::LinearGated, true) => (3, 0, None, 5),
        };
        GateLayout {
            dh,
            input_gates,
            hidden_gates,
            blend,
            tape_blocks,
            linear: cell == CellKind::LinearGated,
        }
    }

    pub fn of(cfg: &ModelConfig) -> Self {
        GateLayout::new(cfg.cell, cfg.is_grid(), cfg.hidden as usize)
    }

    /// Gate blocks of the input weight and bias (G).
    pub fn input_gates(&self) -> usize {
        self.input_gates
    }

    /// Column blocks of the neighbour weights (H).
    pub fn hidden_gates(&self) -> usize {
        self.hidden_gates
    }

    /// Columns of `pre_x` per row: G dh.
    pub fn input_width(&self) -> usize {
        self.input_gates * self.dh
    }

    /// Columns of `pre_h` per row (the neighbour states times their weights): H dh.
    pub fn hidden_width(&self) -> usize {
        self.hidden_gates * self.dh
    }

    /// GRU only: the first column of the candidate gate `g` in `pre_x`, `pre_h` and their
    /// adjoints (where the candidate bias's gradient is read).
    pub fn candidate_column(&self) -> usize {
        2 * self.dh
    }

    /// GRU only: what the state blends towards.
    pub fn blend(&self) -> Option<Blend> {
        self.blend
    }

    /// Whether this is the linear gated cell.
    pub fn is_linear(&self) -> bool {
        self.linear
    }

    /// Linear gated cell only: whether it mixes two neighbours (a grid), with the gate
    /// columns `[a | b | c]` rather than `[a | c]`.
    pub fn mixes_neighbours(&self) -> bool {
        self.linear && self.input_gates == 3
    }

    /// The GRU's tape per row: `[r | z | g | a]` (a = the candidate's `pre_h_g + b_hg`), and on
    /// a grid also `[m]`, the merge (on a chain m is the previous state, taped anyway);
    /// nothing for the vanilla cells, whose backward reads the new state. The linear gated
    /// cell's: `[a | c | m]` on a chain (m the previous state), `[a | b | c | h_h | h_v]` on a
    /// grid (the neighbour states it read, zeros where missing).
    pub fn tape_width(&self) -> usize {
        self.tape_blocks * self.dh
    }

    /// The GRU's adjoint of `pre_h` per row, `[r | z | a]` and on a grid `[m]`: H dh. The
    /// vanilla cells have none (their `pre_h` adds into `pre_x`, whose adjoint serves).
    pub fn adj_h_pre_width(&self) -> usize {
        match self.blend {
            None => 0,
            Some(_) => self.hidden_width(),
        }
    }
}
