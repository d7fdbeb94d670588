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
//! In both, a neighbour that reads a position's own slot reads the state the position then
//! overwrites: going backwards, that slot's adjoint passes to that neighbour.

use super::config::ModelConfig;
use std::ops::Range;

/// The weight block that applies to a neighbour's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NeighbourWeight {
    /// The previous position's: a chain's `hidden_weight`, a grid's `horizontal_weight`.
    Hidden,
    /// A grid's `vertical_weight`: the site above.
    Vertical,
}

impl NeighbourWeight {
    /// Its place among the topology's neighbour weights ([`Topology::weights`]): its weight
    /// block's among a layer's, its state's in the tensorized cell's c. 0 for the
    /// previous/horizontal neighbour, 1 for the vertical one.
    pub fn index(self) -> usize {
        match self {
            NeighbourWeight::Hidden => 0,
            NeighbourWeight::Vertical => 1,
        }
    }

    /// Whether its neighbour is always the position just before, whose state a recorded
    /// pass keeps in sequence anyway; another neighbour's state is recorded as it is read.
    pub fn reads_previous_position(self) -> bool {
        self == NeighbourWeight::Hidden
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
/// contributions are added (previous/horizontal, then vertical).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub slot: usize,
    neighbours: [Option<Neighbour>; 2],
}

impl Step {
    pub fn neighbours(&self) -> impl Iterator<Item = Neighbour> + '_ {
        self.neighbours.iter().flatten().copied()
    }
}

/// The visiting order and neighbours of a model's sites: plain arithmetic, so no table that
/// grows with the lattice is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    lx: usize,
    sites: usize,
    grid: bool,
    local_dim: usize,
}

impl Topology {
    pub fn new(cfg: &ModelConfig) -> Self {
        Topology {
            lx: cfg.lx as usize,
            sites: cfg.num_sites(),
            grid: cfg.is_grid(),
            local_dim: cfg.local_dim as usize,
        }
    }

    /// States a pass keeps per row and layer: one on a chain, one per column on a grid.
    pub fn slots(&self) -> usize {
        if self.grid {
            self.lx
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
        if self.grid {
            &["horizontal_weight", "vertical_weight"]
        } else {
            &["hidden_weight"]
        }
    }

    /// The weight blocks that neighbours read through, in the order [`Step`] lists them.
    pub fn weights(&self) -> &'static [NeighbourWeight] {
        if self.grid {
            &[NeighbourWeight::Hidden, NeighbourWeight::Vertical]
        } else {
            &[NeighbourWeight::Hidden]
        }
    }

    /// Position `p`'s slot and neighbours.
    #[inline]
    pub fn step(&self, p: usize) -> Step {
        if !self.grid {
            let previous = (p > 0).then_some(Neighbour {
                position: p.wrapping_sub(1),
                slot: 0,
                weight: NeighbourWeight::Hidden,
                input_offset: 0,
            });
            return Step {
                slot: 0,
                neighbours: [previous, None],
            };
        }
        let (y, k) = (p / self.lx, p % self.lx);
        let column = self.column_of(p);
        let horizontal = (k > 0).then(|| Neighbour {
            position: p - 1,
            slot: self.column_of(p - 1),
            weight: NeighbourWeight::Hidden,
            input_offset: 0,
        });
        let vertical = (y > 0).then(|| Neighbour {
            position: p - 1 - 2 * k,
            slot: column,
            weight: NeighbourWeight::Vertical,
            input_offset: self.local_dim,
        });
        Step {
            slot: column,
            neighbours: [horizontal, vertical],
        }
    }

    /// The positions whose `weight` neighbour's states enter its gradient, as runs of
    /// consecutive positions: one matrix product per run. On a grid, each row's positions
    /// past its first for the horizontal neighbour (each reads position p - 1) and every
    /// position past row 0 for the vertical one. On a chain one run covers every position:
    /// position 0 reads nothing, but its recorded previous state is the zero initial state,
    /// so it adds nothing, and one product over all positions keeps the product's blocking
    /// (hence its rounding) that of a single run.
    pub fn runs(&self, weight: NeighbourWeight) -> Vec<Range<usize>> {
        match (self.grid, weight) {
            (false, _) => std::iter::once(0..self.sites).collect(),
            (true, NeighbourWeight::Hidden) => (0..self.sites / self.lx)
                .map(|y| y * self.lx + 1..(y + 1) * self.lx)
                .filter(|run| !run.is_empty())
                .collect(),
            (true, NeighbourWeight::Vertical) => std::iter::once(self.lx..self.sites).collect(),
        }
    }

    /// The column of position `p`: rows with even y run left to right, odd ones right to
    /// left (on a chain, 0).
    #[inline]
    fn column_of(&self, p: usize) -> usize {
        let (y, k) = (p / self.lx, p % self.lx);
        if y % 2 == 0 {
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
        assert_eq!(t.runs(NeighbourWeight::Hidden), vec![(0..5)]);
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
                let runs: Vec<usize> = t.runs(*w).into_iter().flatten().collect();
                assert_eq!(runs, reading, "{lx}x{ly} {w:?}");
            }
        }
    }
}
