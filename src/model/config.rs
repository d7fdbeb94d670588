//! The model's hyper-parameters and their validation.

use super::symmetry::SymmetryGroup;
use super::symmetry_maps::{check_maps, SymmetryMap};
use crate::error::{Error, Result};

/// The recurrent cell. On a chain (`ly = 1`) it reads the previous site's state h and value
/// x; on a grid (`ly > 1`, the 2D RNN) it reads two neighbours, the previous site in the same
/// row (h_h, x_h) and the site above (h_v, x_v). Each cell's equations are in its file in
/// `model/cell/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// Chain: h' = tanh(W h + V x + b).
    /// Grid: h' = tanh(W_h h_h + V_h x_h + W_v h_v + V_v x_v + b).
    Vanilla,
    /// Gated recurrent unit (docs/method.md); on a grid the gates read both neighbours and the
    /// state interpolates towards a learned merge of the two neighbour states.
    Gru,
    /// The vanilla cell with ELU instead of tanh: elu(a) = a for a > 0, e^a - 1 otherwise
    /// (the paper's 2D RNN uses it). Same parameters as [`CellKind::Vanilla`].
    VanillaElu,
    /// A gated linear recurrence (minGRU-like, docs/method.md): gates that read the input
    /// only, a state linear in the neighbour states, and tanh between the state and the heads
    /// or the next layer. Chain: a = sigmoid(x V_a + b_a), c = x V_c + b_c,
    /// h' = a h + (1 - a) c. Grid: also b = sigmoid(x V_b + b_b) mixing the two neighbours,
    /// h' = a (b h_h + (1 - b) h_v) + (1 - a) c. No neighbour weights; a flip changes later
    /// states by elementwise products only, which the local energies exploit.
    LinearGated,
    /// The tensorized gated cell of the 2D RNN papers (docs/method.md): the gates and the
    /// candidate read the tensor product of the neighbours' states with their one-hot values
    /// (each state goes through a weight block chosen by each neighbour's value), and the
    /// state is a convex combination of the candidate and a tanh-squashed merge of the
    /// neighbour states, so |h| <= 1 elementwise on every lattice. A chain has one neighbour.
    TensorGru,
}

/// Whether the wave function carries a learned phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseKind {
    /// psi = sqrt(P).
    None,
    /// `psi = sqrt(P) exp(i sum_n pi softsign(U' h_n + c')[s_n])`.
    Softsign,
}

/// A fixed sign structure multiplied onto the amplitude.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignRule {
    None,
    /// (-1)^(sum of site values on sublattice A, the sites with x + y even); for spin-1/2
    /// that is the number of down spins on A.
    Marshall,
}

/// A symmetry group of the lattice the wave function is averaged over (docs/method.md,
/// "Lattice symmetries"): |psi_S(s)|^2 is the mean of |psi(g s)|^2 over the group, and the
/// phase is that of the group-averaged amplitude.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symmetry {
    /// The bare RNN.
    None,
    /// The lattice's point group: identity and reflection on a chain; on a grid D4 when
    /// lx = ly (rotations and reflections), D2 otherwise (the two axis reflections and the
    /// 180 degree rotation).
    Lattice,
    /// The point group times the global spin flip s -> local_dim - 1 - s.
    LatticeSpinFlip,
}

/// The floating-point precision of the passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Every pass in f64.
    F64,
    /// Passes in f32 on the parameters rounded once per change; ln P and the phase are
    /// summed over sites in f64, and energies, gradient sums and solves stay f64.
    F32,
}

/// Which neighbours a grid site's cells read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// The left (previous in the row) and upper neighbours only.
    Open,
    /// Also the neighbours across the periodic boundary sampled before the site (the periodic
    /// 2D RNN, `model/topology.rs`). Grids only, and not with the linear gated cell: refused
    /// as [`ErrorKind::Unsupported`](crate::ErrorKind) otherwise.
    Periodic,
}

/// Everything that fixes a model's shape and initial parameters. Build one from the
/// defaults: `ModelConfig::default().with_lx(6).with_ly(6).with_hidden(32)`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelConfig {
    pub cell: CellKind,
    /// Sites along x; a chain has `lx` sites.
    pub lx: u32,
    /// 1 for a chain (the 1D RNN); more selects the 2D RNN on the lx x ly grid, visiting
    /// the sites in snake order.
    pub ly: u32,
    /// Values per site (2 for spin-1/2).
    pub local_dim: u32,
    /// Hidden units per layer.
    pub hidden: u32,
    /// Stacked recurrent layers.
    pub layers: u32,
    pub phase: PhaseKind,
    pub sign_rule: SignRule,
    /// When set, every configuration has sum of site values equal to this.
    pub u1_total: Option<u32>,
    /// Seed of the parameter initialisation.
    pub seed: u64,
    /// The symmetry group the wave function is averaged over.
    pub symmetry: Symmetry,
    /// The elements of that group kept, when only a subgroup is (the maps that leave an
    /// operator invariant, [`Model::restrict_symmetry`](crate::Model::restrict_symmetry)): a
    /// proper subgroup listed in the group's order, the identity first; an element may be
    /// taken with the conjugation (`+conj`, an anti-unitary symmetry). `None`: the whole
    /// group.
    pub symmetry_maps: Option<Vec<SymmetryMap>>,
    /// The precision of the passes.
    pub precision: Precision,
    /// The neighbours a grid site reads.
    pub boundary: Boundary,
    /// 0: every layer reads the previous position; 1: layer l reads the position 2^l back
    /// (the dilated RNN, `model/topology.rs`). Chains only, and not with the linear gated
    /// cell: refused as unsupported otherwise.
    pub dilation: u32,
}

/// Largest accepted values; beyond them a request is almost surely a mistake, and the
/// parameter count stays far from overflow.
pub const MAX_SITES: u64 = 1_048_576; // 2^20, written out for cffi (see MAX_STEPS)
pub const MAX_LOCAL_DIM: u32 = 256;
pub const MAX_HIDDEN: u32 = 4096;
pub const MAX_LAYERS: u32 = 64;

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            cell: CellKind::Gru,
            lx: 10,
            ly: 1,
            local_dim: 2,
            hidden: 32,
            layers: 1,
            phase: PhaseKind::None,
            sign_rule: SignRule::None,
            u1_total: None,
            seed: 0,
            symmetry: Symmetry::None,
            symmetry_maps: None,
            precision: Precision::F64,
            boundary: Boundary::Open,
            dilation: 0,
        }
    }
}

crate::settings::with_setters!(ModelConfig {
    with_cell => cell: CellKind,
    with_lx => lx: u32,
    with_ly => ly: u32,
    with_local_dim => local_dim: u32,
    with_hidden => hidden: u32,
    with_layers => layers: u32,
    with_phase => phase: PhaseKind,
    with_sign_rule => sign_rule: SignRule,
    with_u1_total => u1_total: Option<u32>,
    with_seed => seed: u64,
    with_symmetry => symmetry: Symmetry,
    with_symmetry_maps => symmetry_maps: Option<Vec<SymmetryMap>>,
    with_precision => precision: Precision,
    with_boundary => boundary: Boundary,
    with_dilation => dilation: u32,
});

impl ModelConfig {
    /// Number of sites, lx * ly.
    pub fn num_sites(&self) -> usize {
        self.lx as usize * self.ly as usize
    }

    /// Whether this is the 2D RNN (ly > 1), whose cells read two neighbours.
    pub fn is_grid(&self) -> bool {
        self.ly > 1
    }

    /// Refuses configurations that cannot make a model, naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.lx == 0 || self.ly == 0 {
            return Err(Error::invalid(format!(
                "lx and ly must be at least 1 (got lx = {}, ly = {})",
                self.lx, self.ly
            )));
        }
        let sites = self.lx as u64 * self.ly as u64;
        if sites > MAX_SITES {
            return Err(Error::invalid(format!(
                "lx * ly = {sites} sites exceeds the maximum of {MAX_SITES}"
            )));
        }
        if self.local_dim < 2 || self.local_dim > MAX_LOCAL_DIM {
            return Err(Error::invalid(format!(
                "local_dim must be in 2..={MAX_LOCAL_DIM} (got {})",
                self.local_dim
            )));
        }
        if self.hidden == 0 || self.hidden > MAX_HIDDEN {
            return Err(Error::invalid(format!(
                "hidden must be in 1..={MAX_HIDDEN} (got {})",
                self.hidden
            )));
        }
        if self.layers == 0 || self.layers > MAX_LAYERS {
            return Err(Error::invalid(format!(
                "layers must be in 1..={MAX_LAYERS} (got {})",
                self.layers
            )));
        }
        if let Some(total) = self.u1_total {
            let max_total = (self.local_dim as u64 - 1) * sites;
            if total as u64 > max_total {
                return Err(Error::invalid(format!(
                    "u1_total = {total} is infeasible: {sites} sites with local_dim {} sum to at most {max_total}",
                    self.local_dim
                )));
            }
            if self.symmetry == Symmetry::LatticeSpinFlip {
                // The flip maps total t to (local_dim - 1) * sites - t.
                let flipped = max_total - total as u64;
                if flipped != total as u64 {
                    let fix = if max_total.is_multiple_of(2) {
                        format!("u1_total = {}", max_total / 2)
                    } else {
                        "no U(1) sector of this lattice is".into()
                    };
                    return Err(Error::invalid(format!(
                        "symmetry LATTICE_SPIN_FLIP needs a U(1) sector the spin flip s -> local_dim - 1 - s maps to itself, but it maps u1_total = {total} to {flipped} ({sites} sites, local_dim {}); {fix} invariant: use the symmetry LATTICE or no U(1) constraint otherwise",
                        self.local_dim
                    )));
                }
            }
        }
        if self.dilation > 1 {
            return Err(Error::invalid(format!(
                "dilation must be 0 (none) or 1 (layer l reads 2^l positions back), got {}",
                self.dilation
            )));
        }
        if let Some(maps) = &self.symmetry_maps {
            let own = SymmetryGroup::whole(self).map_or(Vec::new(), |g| g.names());
            check_maps(self, maps, &own)?;
        }
        // Unsupported only after every range is checked (checkpoint loading relies on it).
        if self.boundary == Boundary::Periodic && !self.is_grid() {
            return Err(Error::unsupported(
                "boundary PERIODIC is the periodic 2D RNN, for grids (ly > 1); a periodic chain is not defined in this version: use ly > 1 or boundary OPEN",
            ));
        }
        if self.dilation == 1 && self.is_grid() {
            return Err(Error::unsupported(
                "dilation 1 (the dilated RNN) is defined for chains (ly = 1) only in this version, not for grids",
            ));
        }
        if self.cell == CellKind::LinearGated
            && (self.boundary == Boundary::Periodic || self.dilation == 1)
        {
            return Err(Error::unsupported(
                "the LINEAR_GATED cell mixes at most two neighbour states (the open chain's or the open grid's) and propagates flips along them: it supports neither boundary PERIODIC nor dilation 1 in this version",
            ));
        }
        Ok(())
    }
}
