//! Every width a cell's rows take: the gate columns of the input and neighbour weights, the
//! backprop tape and the adjoints. The one place that knows the GRU has three gates (and a
//! merge on a grid), the tensorized cell two and a tensorised input, the linear gated cell
//! its input-only gates, and what the tape keeps
//! of them (equations in `model/layout.rs`).

use super::config::{CellKind, ModelConfig};
use crate::kernels::{GruRows, LinearRows, TensorGruRows};

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
    /// Tensorized cell only: its neighbour slots (1 on a chain, 2 on a grid), values per
    /// site and layers; `None` for the other cells.
    tensor: Option<(usize, usize, usize)>,
    /// Blocks of `dh` in a tape row (all cells but the tensorized one).
    tape_blocks: usize,
    /// The linear gated cell (its own kernels; no neighbour weights).
    linear: bool,
}

impl GateLayout {
    /// `local_dim` and `layers` matter to the tensorized cell only.
    pub fn new(cell: CellKind, grid: bool, dh: usize, local_dim: usize, layers: usize) -> Self {
        let (input_gates, hidden_gates, blend, tape_blocks) = match (cell, grid) {
            (CellKind::Vanilla | CellKind::VanillaElu, _) => (1, 1, None, 0),
            (CellKind::Gru, false) => (3, 3, Some(Blend::Previous), 4),
            (CellKind::Gru, true) => (3, 4, Some(Blend::Merge), 5),
            // [u | g] from the tensorised input; the merge's pre-activation q = c M. Its tape
            // width is its own (see tape_width).
            (CellKind::TensorGru, _) => (2, 1, None, 0),
            // `[a | c]`, tape `[a | c | m]` (m the previous state).
            (CellKind::LinearGated, false) => (2, 0, None, 3),
            // `[a | b | c]`, tape `[a | b | c | h_h | h_v]`.
            (CellKind::LinearGated, true) => (3, 0, None, 5),
        };
        let neighbours = if grid { 2 } else { 1 };
        GateLayout {
            dh,
            input_gates,
            hidden_gates,
            blend,
            tensor: (cell == CellKind::TensorGru).then_some((neighbours, local_dim, layers)),
            tape_blocks,
            linear: cell == CellKind::LinearGated,
        }
    }

    pub fn of(cfg: &ModelConfig) -> Self {
        GateLayout::new(
            cfg.cell,
            cfg.is_grid(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
            cfg.layers as usize,
        )
    }

    /// The GRU kernels' rows.
    pub fn gru(&self) -> GruRows {
        GruRows {
            dh: self.dh,
            merge: self.blend == Some(Blend::Merge),
        }
    }

    /// The tensorized cell kernels' rows.
    pub fn tensor(&self) -> TensorGruRows {
        TensorGruRows {
            dh: self.dh,
            concat: self.concat_width(),
            tensor: self.max_tensor_width(),
        }
    }

    /// The linear gated cell kernels' rows.
    pub fn linear(&self) -> LinearRows {
        LinearRows {
            dh: self.dh,
            mix: self.mixes_neighbours(),
        }
    }

    /// Whether this is the tensorized cell.
    pub fn is_tensor(&self) -> bool {
        self.tensor.is_some()
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

    /// Tensorized cell: the width of c, the neighbour states side by side and a constant 1
    /// (`[h_h ; h_v ; 1]` on a grid, `[h ; 1]` on a chain; a missing neighbour's part is
    /// zero). 0 for the other cells.
    pub fn concat_width(&self) -> usize {
        self.tensor.map_or(0, |(n, _, _)| n * self.dh + 1)
    }

    /// Tensorized cell: the width of layer `layer`'s tensorised input T. Layer 0:
    /// `neighbours * local_dim` blocks of c, block `offset + value` of each neighbour
    /// holding c (the tensor product of c with the neighbours' stacked one-hot values);
    /// above: `[c ; x]`, x the layer below's new state. 0 for the other cells.
    pub fn tensor_width(&self, layer: usize) -> usize {
        match self.tensor {
            None => 0,
            Some((n, d, _)) if layer == 0 => n * d * self.concat_width(),
            Some(_) => self.concat_width() + self.dh,
        }
    }

    /// Tensorized cell: the widest of the layers' tensorised inputs.
    pub fn max_tensor_width(&self) -> usize {
        match self.tensor {
            None => 0,
            Some((_, _, layers)) => (0..layers.min(2))
                .map(|l| self.tensor_width(l))
                .max()
                .unwrap_or(0),
        }
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

    /// The GRU's tape per row: `[r | z | g | a]` (a = the candidate's `pre_h_g + b_hg`), and on
    /// a grid also `[m]`, the merge (on a chain m is the previous state, taped anyway);
    /// nothing for the vanilla cells, whose backward reads the new state.
    /// The tensorized cell's tape is `[u | g | m | c | T]` (T padded to the widest layer's).
    /// The linear gated cell's: `[a | c | m]` on a chain (m the previous state),
    /// `[a | b | c | h_h | h_v]` on a grid (the neighbour states it read, zeros where missing).
    pub fn tape_width(&self) -> usize {
        if self.is_tensor() {
            return 3 * self.dh + self.concat_width() + self.max_tensor_width();
        }
        self.tape_blocks * self.dh
    }

    /// The GRU's adjoint of `pre_h` per row, `[r | z | a]` and on a grid `[m]`: H dh. The
    /// vanilla cells have none (their `pre_h` adds into `pre_x`, whose adjoint serves). The
    /// tensorized cell's is the adjoint of its merge's pre-activation q: dh.
    pub fn adj_h_pre_width(&self) -> usize {
        if self.is_tensor() {
            return self.dh;
        }
        match self.blend {
            None => 0,
            Some(_) => self.hidden_width(),
        }
    }
}
