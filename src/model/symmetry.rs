//! The symmetry group of the lattice as site permutations (with a spin-flip flag and, for
//! an anti-unitary element, a conjugation flag), and how the group's amplitudes combine into
//! the symmetrised wave function (docs/method.md, "Lattice symmetries"):
//!
//! |psi_S(s)|^2 = (1/|G|) sum_g |psi(g s)|^2,   arg psi_S(s) = arg sum_g psi_g(s) + sign(s),
//!
//! where psi is the RNN without its sign rule, psi_g(s) = psi(g s) for a plain element and
//! conj psi(g s) for a conjugated one, and sign(s) is the sign rule of s itself.

use super::config::{ModelConfig, Symmetry};
use super::evaluate::overflowed;
use super::symmetry_maps::{LatticeMap, SymmetryMap};
use num_complex::Complex64;

/// One group element: `(g s)[i] = f(s[source[i]])`, with f the spin flip
/// `v -> local_dim - 1 - v` when `flip` is set and the identity otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupElement {
    pub source: Vec<u32>,
    /// `target[source[i]] = i`: where site j of s lands in g s.
    pub target: Vec<u32>,
    pub flip: bool,
    /// The element's name (its map and flip).
    pub name: SymmetryMap,
}

/// The group's elements, the identity first, without repeats.
#[derive(Clone, Debug)]
pub(crate) struct SymmetryGroup {
    pub elements: Vec<GroupElement>,
    /// The largest site value, local_dim - 1, which a flip maps to 0.
    top: u8,
}

impl SymmetryGroup {
    /// The group `cfg.symmetry` selects, cut to `cfg.symmetry_maps` when given; `None` for
    /// [`Symmetry::None`].
    pub fn new(cfg: &ModelConfig) -> Option<SymmetryGroup> {
        let mut group = SymmetryGroup::whole(cfg)?;
        if let Some(kept) = &cfg.symmetry_maps {
            // Each kept name is a plain element of the whole group, perhaps conjugated
            // (`check_maps` saw to it), listed in the group's order.
            group.elements = kept
                .iter()
                .filter_map(|&name| {
                    let e = group.elements.iter().find(|e| e.name == name.plain())?;
                    Some(GroupElement { name, ..e.clone() })
                })
                .collect();
        }
        Some(group)
    }

    /// The whole group `cfg.symmetry` selects, whatever `cfg.symmetry_maps`.
    pub fn whole(cfg: &ModelConfig) -> Option<SymmetryGroup> {
        if cfg.symmetry == Symmetry::None {
            return None;
        }
        let (lx, ly) = (cfg.lx as usize, cfg.ly as usize);
        let mut maps: Vec<(LatticeMap, Vec<u32>)> = Vec::new();
        for map in LatticeMap::ALL {
            if !map.exists_on(cfg.lx, cfg.ly) {
                continue;
            }
            let target: Vec<u32> = (0..lx * ly)
                .map(|j| {
                    let (x, y) = map.moves_to(j % lx, j / lx, lx, ly);
                    (x + lx * y) as u32
                })
                .collect();
            // A chain's y-reflection, or a 1-wide grid's x-reflection, is the identity again.
            if !maps.iter().any(|(_, t)| *t == target) {
                maps.push((map, target));
            }
        }
        let flips: &[bool] = match cfg.symmetry {
            Symmetry::LatticeSpinFlip => &[false, true],
            _ => &[false],
        };
        let mut elements = Vec::new();
        for &flip in flips {
            for (map, target) in &maps {
                let mut source = vec![0u32; target.len()];
                for (j, &i) in target.iter().enumerate() {
                    source[i as usize] = j as u32;
                }
                elements.push(GroupElement {
                    source,
                    target: target.clone(),
                    flip,
                    name: SymmetryMap {
                        flip,
                        map: *map,
                        conjugate: false,
                    },
                });
            }
        }
        Some(SymmetryGroup {
            elements,
            // local_dim is at most 256: its top value fits a u8 where local_dim may not.
            top: (cfg.local_dim - 1) as u8,
        })
    }

    /// The elements' names, in order.
    pub fn names(&self) -> Vec<SymmetryMap> {
        self.elements.iter().map(|e| e.name).collect()
    }

    /// |G|.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Writes g s into `out`.
    pub fn apply(&self, g: usize, config: &[u8], out: &mut [u8]) {
        let element = &self.elements[g];
        let top = self.top;
        for (o, &j) in out.iter_mut().zip(&element.source) {
            let v = config[j as usize];
            *o = if element.flip { top - v } else { v };
        }
    }

    /// The value a site holding `v` shows in the image under g.
    pub fn image_value(&self, g: usize, v: u8) -> u8 {
        if self.elements[g].flip {
            self.top - v
        } else {
            v
        }
    }

    /// Writes g s for every g, one after another, into `out` (`[|G|][n_sites]`).
    pub fn expand(&self, config: &[u8], out: &mut [u8]) {
        for (g, row) in out.chunks_exact_mut(config.len()).enumerate() {
            self.apply(g, config, row);
        }
    }

    /// Whether element g conjugates the amplitude.
    pub fn conjugates(&self, g: usize) -> bool {
        self.elements[g].name.conjugate
    }

    /// ln psi_S without the sign rule from `l[g] = ln psi(g s)` ([`combine`]).
    pub fn combine(&self, l: &[Complex64]) -> Complex64 {
        combine(l, |g| self.conjugates(g))
    }

    /// The derivative weights of [`SymmetryGroup::combine`] ([`combine_weights`]).
    pub fn combine_weights(&self, l: &[Complex64], w: &mut [f64], c: &mut [Complex64]) {
        combine_weights(l, |g| self.conjugates(g), w, c)
    }
}

/// ln psi_S without the sign rule from `l[g] = ln psi(g s)` without it (0.5 ln P + i phase),
/// the amplitude of image g conjugated where `conjugated(g)`, computed relative to the
/// largest |psi(g s)| so that nothing overflows. Real part -inf
/// when every P(g s) is 0. An image whose pass overflowed (NaN, +inf, a non-finite phase)
/// makes the result NaN, for `evaluate::check_log_psi` to refuse: taking the largest of the others
/// would hide it (f64::max drops NaN) and report psi = 0 or a wrong amplitude.
fn combine(l: &[Complex64], conjugated: impl Fn(usize) -> bool) -> Complex64 {
    if l.iter().any(overflowed) {
        return Complex64::new(f64::NAN, f64::NAN);
    }
    let top = l.iter().map(|x| x.re).fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return Complex64::new(f64::NEG_INFINITY, 0.0);
    }
    let mut probability = 0.0;
    let mut amplitude = Complex64::new(0.0, 0.0);
    for (g, x) in l.iter().enumerate() {
        let a = (x - top).exp();
        probability += a.norm_sqr();
        amplitude += if conjugated(g) { a.conj() } else { a };
    }
    Complex64::new(
        top + 0.5 * (probability / l.len() as f64).ln(),
        amplitude.arg(),
    )
}

/// The derivative weights of [`combine`]: d Re ln psi_S = sum_g w[g] d Re l[g] and
/// d Im ln psi_S = sum_g (Im c[g] d Re l[g] + Re c[g] d Im l[g]), with
/// w[g] = P(g s) / sum P and c[g] = psi_g(s) / sum_g psi_g(s), whose real part is negated
/// for a conjugated image (there Im ln psi_g = -Im l[g]).
fn combine_weights(
    l: &[Complex64],
    conjugated: impl Fn(usize) -> bool,
    w: &mut [f64],
    c: &mut [Complex64],
) {
    let top = l.iter().map(|x| x.re).fold(f64::NEG_INFINITY, f64::max);
    let mut probability = 0.0;
    let mut amplitude = Complex64::new(0.0, 0.0);
    for (g, (x, c)) in l.iter().zip(c.iter_mut()).enumerate() {
        let a = (x - top).exp();
        *c = if conjugated(g) { a.conj() } else { a };
        probability += c.norm_sqr();
        amplitude += *c;
    }
    for (g, (w, c)) in w.iter_mut().zip(c.iter_mut()).enumerate() {
        *w = c.norm_sqr() / probability;
        // Where the amplitudes cancel the phase has no derivative; leave it alone.
        *c = if amplitude.norm_sqr() > 0.0 {
            *c / amplitude
        } else {
            Complex64::new(0.0, 0.0)
        };
        if conjugated(g) {
            c.re = -c.re;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(lx: u32, ly: u32, symmetry: Symmetry) -> SymmetryGroup {
        let cfg = ModelConfig::default()
            .with_lx(lx)
            .with_ly(ly)
            .with_symmetry(symmetry);
        SymmetryGroup::new(&cfg).unwrap()
    }

    /// Composes two elements' site maps: (a b) s = a (b s).
    fn compose(a: &GroupElement, b: &GroupElement) -> (Vec<u32>, bool) {
        let source = a.source.iter().map(|&i| b.source[i as usize]).collect();
        (source, a.flip ^ b.flip)
    }

    #[test]
    fn groups_have_the_point_group_orders_and_are_closed() {
        for (lx, ly, symmetry, order) in [
            (1, 1, Symmetry::Lattice, 1),
            (6, 1, Symmetry::Lattice, 2),
            (6, 1, Symmetry::LatticeSpinFlip, 4),
            (1, 4, Symmetry::Lattice, 2),
            (3, 3, Symmetry::Lattice, 8),
            (4, 4, Symmetry::LatticeSpinFlip, 16),
            (4, 3, Symmetry::Lattice, 4),
            (2, 5, Symmetry::LatticeSpinFlip, 8),
        ] {
            let g = group(lx, ly, symmetry);
            assert_eq!(g.len(), order, "{lx}x{ly} {symmetry:?}");
            assert!(g.elements[0]
                .source
                .iter()
                .enumerate()
                .all(|(i, &j)| i == j as usize));
            let keys: Vec<(Vec<u32>, bool)> = g
                .elements
                .iter()
                .map(|e| (e.source.clone(), e.flip))
                .collect();
            for a in &g.elements {
                let mut sorted = a.source.clone();
                sorted.sort_unstable();
                assert!(sorted.iter().enumerate().all(|(i, &j)| i == j as usize));
                for b in &g.elements {
                    assert!(keys.contains(&compose(a, b)), "{lx}x{ly}: not closed");
                }
            }
        }
    }

    #[test]
    fn a_grid_quarter_turn_moves_a_corner_to_the_next_corner() {
        let g = group(3, 3, Symmetry::Lattice);
        // Values at corner (0,0) only; each rotation or reflection moves it to a corner.
        let mut s = vec![0u8; 9];
        s[0] = 1;
        let mut corners = std::collections::BTreeSet::new();
        let mut out = vec![0u8; 9];
        for e in 0..g.len() {
            g.apply(e, &s, &mut out);
            let at: Vec<usize> = (0..9).filter(|&i| out[i] == 1).collect();
            assert_eq!(at.len(), 1);
            corners.insert(at[0]);
        }
        assert_eq!(corners.into_iter().collect::<Vec<_>>(), vec![0, 2, 6, 8]);
    }

    /// Why restricting the group needs no check of the sign rule (src/invariance.rs): for
    /// every element, the Marshall sign's ratio sign(g s) / sign(s) is the same for all
    /// configurations of one U(1) total, on chains, squares and rectangles of either parity,
    /// with and without the flip, on any local dimension.
    #[test]
    fn the_marshall_ratio_is_constant_on_each_u1_sector() {
        for (lx, ly, d) in [
            (6, 1, 2),
            (5, 1, 2),
            (3, 3, 2),
            (4, 4, 2),
            (4, 3, 2),
            (3, 2, 3),
        ] {
            let cfg = ModelConfig::default()
                .with_lx(lx)
                .with_ly(ly)
                .with_local_dim(d)
                .with_symmetry(Symmetry::LatticeSpinFlip);
            let g = SymmetryGroup::new(&cfg).unwrap();
            let n = (lx * ly) as usize;
            let marshall = |s: &[u8]| {
                let a: u32 = (0..n)
                    .filter(|i| (i % lx as usize + i / lx as usize).is_multiple_of(2))
                    .map(|i| s[i] as u32)
                    .sum();
                if a % 2 == 1 {
                    -1
                } else {
                    1
                }
            };
            let states = (d as usize).pow(n as u32);
            for e in 0..g.len() {
                // The ratio seen first in each sector, by total.
                let mut seen: std::collections::HashMap<u32, i32> = Default::default();
                let mut s = vec![0u8; n];
                let mut out = vec![0u8; n];
                for k in 0..states {
                    let mut rest = k;
                    for v in s.iter_mut() {
                        *v = (rest % d as usize) as u8;
                        rest /= d as usize;
                    }
                    g.apply(e, &s, &mut out);
                    let ratio = marshall(&out) * marshall(&s);
                    let total = s.iter().map(|&v| v as u32).sum();
                    assert_eq!(
                        *seen.entry(total).or_insert(ratio),
                        ratio,
                        "{lx}x{ly} d {d}: element {} at total {total}",
                        g.elements[e].name
                    );
                }
            }
        }
    }

    #[test]
    fn combine_averages_probabilities_and_amplitudes() {
        let l = [
            Complex64::new(0.5 * 0.2f64.ln(), 0.3),
            Complex64::new(0.5 * 0.05f64.ln(), -1.1),
        ];
        let out = combine(&l, |_| false);
        assert!((out.re - 0.5 * 0.125f64.ln()).abs() < 1e-14);
        let sum = l[0].exp() + l[1].exp();
        assert!((out.im - sum.arg()).abs() < 1e-14);
        // Shifting every amplitude by the same huge factor does not overflow.
        let shifted: Vec<Complex64> = l.iter().map(|x| x + 800.0).collect();
        assert!((combine(&shifted, |_| false).re - out.re - 800.0).abs() < 1e-10);
        // A conjugated image enters the amplitude as conj psi, its probability unchanged.
        let conjugated = combine(&l, |g| g == 1);
        assert!((conjugated.re - out.re).abs() < 1e-14);
        let sum = l[0].exp() + l[1].exp().conj();
        assert!((conjugated.im - sum.arg()).abs() < 1e-14);
    }
}
