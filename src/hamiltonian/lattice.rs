//! Bonds of chains and square grids. Sites are numbered i = x + lx*y.
//!
//! A bond set holds distinct site pairs, each once. With periodic boundaries a direction
//! wraps whatever its length, but a wrapped bond that joins a site to itself or repeats a
//! bond already present is skipped: a periodic chain of 2 sites has the single bond (0, 1),
//! and a periodic chain of 4 sites has the next-nearest pairs (0, 2) and (1, 3) once each.
//! A next-nearest pair that is also a nearest pair (periodic chain of 3 sites, or a grid
//! one site wide) counts as nearest only.

use std::collections::HashSet;

pub(super) type Bond = (u32, u32);

/// Nearest neighbours: (x, y)-(x+1, y) and, on a grid (ly > 1), (x, y)-(x, y+1).
pub(super) fn nearest_neighbours(lx: u32, ly: u32, periodic: bool) -> Vec<Bond> {
    let steps: &[(i64, i64)] = if ly == 1 {
        &[(1, 0)]
    } else {
        &[(1, 0), (0, 1)]
    };
    bonds(lx, ly, periodic, steps, &HashSet::new())
}

/// Next-nearest neighbours: (i, i+2) on a chain; the two diagonals on a grid.
pub(super) fn next_nearest_neighbours(lx: u32, ly: u32, periodic: bool) -> Vec<Bond> {
    let steps: &[(i64, i64)] = if ly == 1 {
        &[(2, 0)]
    } else {
        &[(1, 1), (-1, 1)]
    };
    let nearest: HashSet<Bond> = nearest_neighbours(lx, ly, periodic).into_iter().collect();
    bonds(lx, ly, periodic, steps, &nearest)
}

/// Triangular lattice: (x, y)-(x+1, y), (x, y)-(x, y+1) and (x, y)-(x+1, y+1). On a chain
/// (ly = 1) only the first survives when open; periodic, the others wrap onto it and count
/// once.
pub(super) fn triangular_bonds(lx: u32, ly: u32, periodic: bool) -> Vec<Bond> {
    bonds(lx, ly, periodic, &[(1, 0), (0, 1), (1, 1)], &HashSet::new())
}

/// Every distinct pair (site, site + step), in site order, leaving out `exclude`.
fn bonds(
    lx: u32,
    ly: u32,
    periodic: bool,
    steps: &[(i64, i64)],
    exclude: &HashSet<Bond>,
) -> Vec<Bond> {
    let (w, h) = (lx as i64, ly as i64);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            for &(dx, dy) in steps {
                let (mut tx, mut ty) = (x + dx, y + dy);
                let inside = (0..w).contains(&tx) && (0..h).contains(&ty);
                if !inside {
                    if !periodic {
                        continue;
                    }
                    tx = tx.rem_euclid(w);
                    ty = ty.rem_euclid(h);
                }
                let (a, b) = ((x + w * y) as u32, (tx + w * ty) as u32);
                let bond = (a.min(b), a.max(b));
                if a != b && !exclude.contains(&bond) && seen.insert(bond) {
                    out.push(bond);
                }
            }
        }
    }
    out
}
