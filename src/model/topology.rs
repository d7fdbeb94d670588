//! Which earlier positions feed each sampling position's cell, the one description that the
//! forward pass, the backward sweep, the gradient accumulation and the local energies'
//! restarts all follow. A chain is the grid with one row.
//!
//! # Chain (`ly = 1`)
//!
//! Sites are visited in order; position p reads one neighbour, the previous position p - 1
//! (none at p = 0), through `hidden_weight`, its one-hot value at input row offset 0. A pass
//! keeps one state slot per layer: each cell reads the slot and overwrites it.
//!
//! # Dilated chain (`dilation = 1`, Chang et al. 2017)
//!
//! Layer l reads the state d = 2^l positions back instead of 1 (d capped at the chain's
//! length, where it reads nothing), through the same `hidden_weight` block; layer 0 is the
//! plain chain's, so the values read are always the previous site's. Layer l keeps a ring of
//! d slots, position p writing slot p mod d: the slot still holds position p - d's state
//! when p reads it, so as on a plain chain each cell reads and overwrites its own slot. Every
//! layer is given as many slots as the top one (`2^(layers-1)`, at most the sites), which
//! keeps the states' layout uniform; a restart from position k loads every slot, hence the
//! last d states of each layer. Grids are not dilated (refused by `ModelConfig::validate`).
//!
//! # Grid (`ly > 1`, the 2D RNN, docs/method.md)
//!
//! Sites are visited in a snake: row y = 0 left to right, row 1 right to left, and so on.
//! Sites keep their numbering i = x + lx*y; only the order of visits changes. At position p,
//! with k = p mod lx its place within its row:
//! * the horizontal neighbour is position p - 1 when k > 0 (none at a row's first site),
//!   through `horizontal_weight` (the same parameter range as a chain's `hidden_weight`), its
//!   one-hot value at input row offset 0;
//! * the vertical neighbour, the site directly above in row y - 1, is position p - 1 - 2k
//!   (none in row 0): the snake turns round, so the row above is walked in reverse. It reads
//!   through `vertical_weight`, its one-hot value at input row offset local_dim.
//!
//! Because no row has yet visited column x when it reaches (x, y), the latest state of
//! column x is always the state of (x, y - 1): a pass keeps one state slot per column,
//! reads the vertical neighbour from its own column's slot and the horizontal one from the
//! neighbouring column's slot, and writes its own column's slot.
//!
//! # Periodic grid (`boundary = PERIODIC`, the periodic 2D RNN)
//!
//! Each site also reads the neighbours across the boundary that were visited before it,
//! each through its own weight block:
//! * a row's last site reads the row's first (the other end of the row, position p - k),
//!   through `horizontal_wrap_weight`, its value at input offset 2 local_dim, when lx >= 3;
//! * each site of the last row y = ly - 1 reads the site below it across the boundary,
//!   (x, 0), through `vertical_wrap_weight`, its value at input offset 3 local_dim, when
//!   ly >= 3.
//!
//! With a side of 2 the wrapped neighbour is the open one, already read, so nothing is added.
//! Row 0's states must outlive the pass up to the last row: row 0 writes slots lx..2 lx
//! (column x's in lx + x), which nothing else writes; the other rows write the column slots
//! as on the open grid. The row's first site's state is still in its column's slot when the
//! row's last site reads it, since no other site of the row has that column.
//!
//! In all, a neighbour that reads a position's own slot reads the state the position then
//! overwrites: going backwards, that slot's adjoint passes to that neighbour; any other slot
//! read collects its adjoint on top of what later positions sent it.

use super::config::{Boundary, ModelConfig};
use std::ops::Range;

/// The weight block that applies to a neighbour's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NeighbourWeight {
    /// The previous position's (2^l back on a dilated chain's layer l): a chain's
    /// `hidden_weight`, a grid's `horizontal_weight`.
    Hidden,
    /// A grid's `vertical_weight`: the site above.
    Vertical,
    /// A periodic grid's `horizontal_wrap_weight`: the row's other end.
    HorizontalWrap,
    /// A periodic grid's `vertical_wrap_weight`: the site in row 0 below the last row.
    VerticalWrap,
}

impl NeighbourWeight {
    /// Its place among the topology's neighbour weights ([`Topology::weights`]): its weight
    /// block's among a layer's, its state's in the tensorized cell's c, its value's block of
    /// layer 0's input (times local_dim).
    pub fn index(self) -> usize {
        match self {
            NeighbourWeight::Hidden => 0,
            NeighbourWeight::Vertical => 1,
            NeighbourWeight::HorizontalWrap => 2,
            NeighbourWeight::VerticalWrap => 3,
        }
    }

    /// Whether its neighbour is always the position just before (or the dilated one), whose
    /// state a recorded pass keeps in sequence anyway; another neighbour's state is recorded
    /// as it is read.
    pub fn reads_previous_position(self) -> bool {
        self == NeighbourWeight::Hidden
    }

    /// Where a recorded pass keeps the state read through it among the gathered ones: its
    /// index less the previous position's.
    pub fn gathered_index(self) -> usize {
        self.index() - 1
    }
}

/// An earlier position that feeds a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Neighbour {
    /// The position it reads.
    pub position: usize,
    /// The state slot its state (and value) lives in when it is read.
    pub slot: usize,
    /// The weight its state goes through.
    pub weight: NeighbourWeight,
    /// The first row of layer 0's input weight for its one-hot value.
    pub input_offset: usize,
}

/// One sampling position: the slot it writes and the neighbours it reads, in the order their
/// contributions are added (previous/horizontal, vertical, then the wrapped ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub slot: usize,
    neighbours: [Option<Neighbour>; 4],
}

impl Step {
    pub fn neighbours(&self) -> impl Iterator<Item = Neighbour> + '_ {
        self.neighbours.iter().flatten().copied()
    }
}

/// Positions whose neighbour through one weight enter its gradient as one matrix product:
/// the cells' adjoints at `positions`, and the neighbours' states at `states` (indices into
/// the recorded outputs, where index i is position i - 1's state, for the previous position;
/// into the gathered states, by position, for the others).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub positions: Range<usize>,
    pub states: Range<usize>,
}

/// The visiting order and neighbours of a model's sites: plain arithmetic, so no table that
/// grows with the lattice is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    lx: usize,
    ly: usize,
    sites: usize,
    grid: bool,
    periodic: bool,
    dilated: bool,
    layers: usize,
    local_dim: usize,
}

impl Topology {
    pub fn new(cfg: &ModelConfig) -> Self {
        Topology {
            lx: cfg.lx as usize,
            ly: cfg.ly as usize,
            sites: cfg.num_sites(),
            grid: cfg.is_grid(),
            periodic: cfg.is_grid() && cfg.boundary == Boundary::Periodic,
            dilated: !cfg.is_grid() && cfg.dilation == 1,
            layers: cfg.layers as usize,
            local_dim: cfg.local_dim as usize,
        }
    }

    /// States a pass keeps per row and layer: one on a chain, one per column on a grid (two
    /// on a periodic one), the top layer's ring on a dilated chain.
    pub fn slots(&self) -> usize {
        match (self.grid, self.periodic) {
            (false, _) => self.dilation(self.layers - 1),
            (true, false) => self.lx,
            (true, true) => 2 * self.lx,
        }
    }

    /// How many positions back layer `l` reads: 2^l on a dilated chain (at most the sites),
    /// else 1.
    pub fn dilation(&self, l: usize) -> usize {
        if self.dilated {
            1usize
                .checked_shl(l as u32)
                .map_or(self.sites, |d| d.min(self.sites))
        } else {
            1
        }
    }

    /// Sampling position -> site index: the identity on a chain, the snake on a grid.
    pub fn order(&self) -> Vec<usize> {
        (0..self.sites)
            .map(|p| self.column_of(p) + self.lx * (p / self.lx))
            .collect()
    }

    /// The names of the weight blocks of [`Topology::weights`], in that order (a layer's
    /// block `layer{l}.<name>`).
    pub fn weight_names(&self) -> &'static [&'static str] {
        match (self.grid, self.periodic) {
            (false, _) => &["hidden_weight"],
            (true, false) => &["horizontal_weight", "vertical_weight"],
            (true, true) => &[
                "horizontal_weight",
                "vertical_weight",
                "horizontal_wrap_weight",
                "vertical_wrap_weight",
            ],
        }
    }

    /// The weight blocks that neighbours read through, in the order [`Step`] lists them.
    pub fn weights(&self) -> &'static [NeighbourWeight] {
        use NeighbourWeight::*;
        match (self.grid, self.periodic) {
            (false, _) => &[Hidden],
            (true, false) => &[Hidden, Vertical],
            (true, true) => &[Hidden, Vertical, HorizontalWrap, VerticalWrap],
        }
    }

    /// How many of [`Topology::weights`] read another neighbour than the previous position,
    /// whose states a recorded pass gathers (`NeighbourWeight::gathered_index`).
    pub fn gathered(&self) -> usize {
        self.weights()
            .iter()
            .filter(|w| !w.reads_previous_position())
            .count()
    }

    /// Position `p`'s slot and neighbours at layer 0, whose values layer 0 reads (and whose
    /// slot holds the position's value).
    #[inline]
    pub fn step(&self, p: usize) -> Step {
        self.layer_step(0, p)
    }

    /// Position `p`'s slot and neighbours at layer `l` (the same at every layer but on a
    /// dilated chain).
    #[inline]
    pub fn layer_step(&self, l: usize, p: usize) -> Step {
        if !self.grid {
            let d = self.dilation(l);
            let slot = p % d;
            let previous = (p >= d).then_some(Neighbour {
                position: p.wrapping_sub(d),
                slot,
                weight: NeighbourWeight::Hidden,
                input_offset: 0,
            });
            return Step {
                slot,
                neighbours: [previous, None, None, None],
            };
        }
        let (y, k) = (p / self.lx, p % self.lx);
        let neighbour = |position: usize, weight: NeighbourWeight| Neighbour {
            position,
            slot: self.slot_of(position),
            weight,
            input_offset: weight.index() * self.local_dim,
        };
        let horizontal = (k > 0).then(|| neighbour(p - 1, NeighbourWeight::Hidden));
        let vertical = (y > 0).then(|| neighbour(p - 1 - 2 * k, NeighbourWeight::Vertical));
        let (horizontal_wrap, vertical_wrap) = if self.periodic {
            (
                (self.lx >= 3 && k == self.lx - 1)
                    .then(|| neighbour(p - k, NeighbourWeight::HorizontalWrap)),
                // Row 0 runs left to right: (x, 0) is position x.
                (self.ly >= 3 && y == self.ly - 1)
                    .then(|| neighbour(self.column_of(p), NeighbourWeight::VerticalWrap)),
            )
        } else {
            (None, None)
        };
        Step {
            slot: self.slot_of(p),
            neighbours: [horizontal, vertical, horizontal_wrap, vertical_wrap],
        }
    }

    /// The runs of positions whose `weight` neighbour at layer `l` enters its gradient, one
    /// matrix product per run. On a grid, each row's positions past its first for the
    /// horizontal neighbour (each reads position p - 1), every position past row 0 for the
    /// vertical one, each row's last position for the horizontal wrap and the last row for
    /// the vertical wrap. On a chain one run covers every position from d - 1 on (d the
    /// layer's dilation): a position p < d reads nothing, but position d - 1 pairs with the
    /// recorded zero initial state, so it adds nothing, and with d = 1 one product over all
    /// positions keeps the product's blocking (hence its rounding) that of a single run.
    pub fn runs(&self, l: usize, weight: NeighbourWeight) -> Vec<Run> {
        let same = |positions: Range<usize>| Run {
            states: positions.clone(),
            positions,
        };
        let rows = self.sites / self.lx;
        match (self.grid, weight) {
            (false, _) => {
                let d = self.dilation(l);
                vec![Run {
                    positions: d - 1..self.sites,
                    states: 0..self.sites + 1 - d,
                }]
            }
            (true, NeighbourWeight::Hidden) => (0..rows)
                .map(|y| y * self.lx + 1..(y + 1) * self.lx)
                .filter(|run| !run.is_empty())
                .map(same)
                .collect(),
            (true, NeighbourWeight::Vertical) => vec![same(self.lx..self.sites)],
            (true, NeighbourWeight::HorizontalWrap) => (0..rows)
                .filter(|_| self.periodic && self.lx >= 3)
                .map(|y| same((y + 1) * self.lx - 1..(y + 1) * self.lx))
                .collect(),
            (true, NeighbourWeight::VerticalWrap) => (self.periodic && self.ly >= 3)
                .then(|| same(self.sites - self.lx..self.sites))
                .into_iter()
                .collect(),
        }
    }

    /// The slot position `p` writes on a grid: its column's, row 0's own on a periodic one.
    #[inline]
    fn slot_of(&self, p: usize) -> usize {
        if self.periodic && p < self.lx {
            self.lx + self.column_of(p)
        } else {
            self.column_of(p)
        }
    }

    /// The column of position `p`: rows with even y run left to right, odd ones right to
    /// left (on a chain, 0).
    #[inline]
    fn column_of(&self, p: usize) -> usize {
        let (y, k) = (p / self.lx, p % self.lx);
        if y.is_multiple_of(2) {
            k
        } else {
            self.lx - 1 - k
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology(lx: u32, ly: u32) -> Topology {
        Topology::new(&ModelConfig {
            lx,
            ly,
            local_dim: 3,
            ..ModelConfig::default()
        })
    }

    #[test]
    fn three_by_three_snake_and_its_neighbours() {
        let t = topology(3, 3);
        let steps: Vec<Step> = (0..9).map(|p| t.step(p)).collect();
        assert_eq!(t.order(), [0, 1, 2, 5, 4, 3, 6, 7, 8]);
        // Position 3 is site 5 = (2, 1): no horizontal neighbour, site 2 (position 2) above.
        let vertical = Neighbour {
            position: 2,
            slot: 2,
            weight: NeighbourWeight::Vertical,
            input_offset: 3,
        };
        assert_eq!(steps[3].neighbours().collect::<Vec<_>>(), [vertical]);
        // Position 5 is site 3 = (0, 1): after site 4 = (1, 1), below site 0.
        let n5: Vec<_> = steps[5].neighbours().collect();
        assert_eq!(
            n5,
            [
                Neighbour {
                    position: 4,
                    slot: 1,
                    weight: NeighbourWeight::Hidden,
                    input_offset: 0
                },
                Neighbour {
                    position: 0,
                    slot: 0,
                    weight: NeighbourWeight::Vertical,
                    input_offset: 3
                }
            ]
        );
        assert_eq!(steps[0].slot, 0);
        assert_eq!(steps[0].neighbours().count(), 0);
        assert_eq!(t.slots(), 3);
    }

    #[test]
    fn a_chain_reads_the_previous_site_from_its_one_slot() {
        let t = topology(5, 1);
        assert_eq!(t.order(), [0, 1, 2, 3, 4]);
        assert_eq!(t.slots(), 1);
        assert_eq!(t.step(0).neighbours().count(), 0);
        for p in 1..5 {
            let step = t.step(p);
            let n: Vec<_> = step.neighbours().collect();
            assert_eq!(step.slot, 0);
            assert_eq!(
                n,
                [Neighbour {
                    position: p - 1,
                    slot: 0,
                    weight: NeighbourWeight::Hidden,
                    input_offset: 0
                }]
            );
        }
        assert_eq!(
            t.runs(0, NeighbourWeight::Hidden),
            vec![Run {
                positions: 0..5,
                states: 0..5
            }]
        );
    }

    /// Every neighbour is the geometric one, found independently from coordinates, lives in
    /// the slot of its column, and the gradient's runs cover exactly the positions that read
    /// each weight.
    #[test]
    fn neighbours_are_left_or_right_and_above_for_any_shape() {
        for (lx, ly) in [(1, 4), (2, 2), (3, 4), (5, 3), (4, 4)] {
            let t = topology(lx as u32, ly as u32);
            let order = t.order();
            let xy = |site: usize| (site % lx, site / lx);
            let mut seen = vec![false; lx * ly];
            let mut reading = [vec![], vec![]];
            for p in 0..lx * ly {
                let step = t.step(p);
                let (x, y) = xy(order[p]);
                seen[order[p]] = true;
                assert_eq!(step.slot, x);
                let mut kinds = vec![];
                for n in step.neighbours() {
                    let (nx, ny) = xy(order[n.position]);
                    assert!(n.position < p);
                    assert_eq!(n.slot, nx, "a state lives in its column's slot");
                    match n.weight {
                        NeighbourWeight::Hidden => {
                            assert_eq!((ny, nx.abs_diff(x), n.position + 1), (y, 1, p));
                            assert_eq!(n.input_offset, 0);
                            reading[0].push(p);
                        }
                        NeighbourWeight::Vertical => {
                            assert_eq!((nx, ny + 1), (x, y));
                            assert_eq!(n.input_offset, 3);
                            reading[1].push(p);
                        }
                        w => panic!("an open grid reads no {w:?}"),
                    }
                    kinds.push(n.weight);
                }
                let expected: Vec<_> = [
                    (p % lx > 0).then_some(NeighbourWeight::Hidden),
                    (y > 0).then_some(NeighbourWeight::Vertical),
                ]
                .into_iter()
                .flatten()
                .collect();
                assert_eq!(kinds, expected, "{lx}x{ly} position {p}");
            }
            assert!(seen.iter().all(|&s| s), "{lx}x{ly}: every site once");
            for (w, reading) in t.weights().iter().zip(reading) {
                assert_eq!(run_positions(&t, *w), reading, "{lx}x{ly} {w:?}");
            }
        }
    }

    /// The positions of layer 0's runs for `w`, in order.
    fn run_positions(t: &Topology, w: NeighbourWeight) -> Vec<usize> {
        t.runs(0, w).into_iter().flat_map(|r| r.positions).collect()
    }

    /// Replays which position last wrote each slot: every neighbour's slot must still hold
    /// that neighbour's state when it is read.
    fn check_slots(steps: impl Iterator<Item = (usize, Step)>, slots: usize) {
        let mut last = vec![None; slots];
        for (p, step) in steps {
            for n in step.neighbours() {
                assert_eq!(last[n.slot], Some(n.position), "position {p} reads {n:?}");
            }
            last[step.slot] = Some(p);
        }
    }

    /// On a periodic grid each site reads exactly its lattice neighbours (with the periodic
    /// wrap, found from coordinates) that were visited before it, through the weight of their
    /// kind, each from a slot that still holds its state; the runs cover the readers.
    #[test]
    fn a_periodic_grid_reads_every_earlier_lattice_neighbour() {
        for (lx, ly) in [(2, 2), (3, 3), (4, 3), (3, 5), (5, 4), (2, 4)] {
            let t = Topology::new(&ModelConfig {
                lx,
                ly,
                local_dim: 3,
                boundary: Boundary::Periodic,
                ..ModelConfig::default()
            });
            let (lx, ly) = (lx as usize, ly as usize);
            assert_eq!(t.slots(), 2 * lx);
            assert_eq!(t.weights().len(), 4);
            let order = t.order();
            let mut when = vec![0; lx * ly];
            for (p, &site) in order.iter().enumerate() {
                when[site] = p;
            }
            let mut reading = vec![vec![]; 4];
            for p in 0..lx * ly {
                let (x, y) = (order[p] % lx, order[p] / lx);
                let mut lattice: Vec<usize> = [
                    ((x + 1) % lx, y),
                    ((x + lx - 1) % lx, y),
                    (x, (y + 1) % ly),
                    (x, (y + ly - 1) % ly),
                ]
                .into_iter()
                .map(|(x, y)| x + lx * y)
                .filter(|&s| s != order[p] && when[s] < p)
                .collect();
                lattice.sort();
                lattice.dedup();
                let step = t.step(p);
                let mut read: Vec<usize> = step.neighbours().map(|n| order[n.position]).collect();
                read.sort();
                assert_eq!(read, lattice, "{lx}x{ly} position {p}");
                for n in step.neighbours() {
                    let (nx, ny) = (order[n.position] % lx, order[n.position] / lx);
                    let kind = if ny == y && nx.abs_diff(x) == 1 {
                        NeighbourWeight::Hidden
                    } else if nx == x && ny + 1 == y {
                        NeighbourWeight::Vertical
                    } else if ny == y {
                        NeighbourWeight::HorizontalWrap
                    } else {
                        NeighbourWeight::VerticalWrap
                    };
                    assert_eq!(n.weight, kind, "{lx}x{ly} position {p}");
                    assert_eq!(n.input_offset, 3 * kind.index());
                    reading[kind.index()].push(p);
                }
            }
            check_slots((0..lx * ly).map(|p| (p, t.step(p))), t.slots());
            for (w, reading) in t.weights().iter().zip(reading) {
                assert_eq!(run_positions(&t, *w), reading, "{lx}x{ly} {w:?}");
                for r in t.runs(0, *w) {
                    assert_eq!(r.positions, r.states);
                }
            }
        }
    }

    /// On a dilated chain layer l reads position p - 2^l (none before), from a slot that
    /// still holds it; its run pairs each position p >= 2^l - 1 with the state of position
    /// p - 2^l (output index p + 1 - 2^l).
    #[test]
    fn a_dilated_chain_reads_two_to_the_layer_back() {
        for (sites, layers) in [(9, 3), (5, 4), (1, 2), (16, 5)] {
            let t = Topology::new(&ModelConfig {
                lx: sites,
                layers,
                dilation: 1,
                ..ModelConfig::default()
            });
            let sites = sites as usize;
            assert_eq!(t.slots(), (1 << (layers - 1)).min(sites));
            for l in 0..layers as usize {
                let d = 1 << l;
                for p in 0..sites {
                    let n: Vec<usize> = t
                        .layer_step(l, p)
                        .neighbours()
                        .map(|n| n.position)
                        .collect();
                    let expected: Vec<usize> = p.checked_sub(d).into_iter().collect();
                    assert_eq!(n, expected, "layer {l} position {p}");
                }
                check_slots((0..sites).map(|p| (p, t.layer_step(l, p))), t.slots());
                let runs = t.runs(l, NeighbourWeight::Hidden);
                assert_eq!(runs.len(), 1);
                let d = d.min(sites);
                assert_eq!(runs[0].positions, d - 1..sites);
                assert_eq!(runs[0].states, 0..sites + 1 - d);
            }
            assert_eq!(t.step(3.min(sites - 1)), t.layer_step(0, 3.min(sites - 1)));
        }
    }
}
