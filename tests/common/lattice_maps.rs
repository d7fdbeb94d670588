//! The eight maps of the square grid written out independently of the library (which names
//! them in `model/symmetry_maps.rs`), to check what it keeps and how its amplitudes move.

/// The maps' names, in the library's group order.
pub const SQUARE: [&str; 8] = [
    "identity",
    "reflect_x",
    "reflect_y",
    "half_turn",
    "quarter_turn",
    "three_quarter_turn",
    "diagonal",
    "antidiagonal",
];

/// Where the documented map `name` moves the site (x, y) of an lx x ly grid (the last four
/// on squares only).
pub fn moves(name: &str, x: usize, y: usize, lx: usize, ly: usize) -> (usize, usize) {
    match name {
        "identity" => (x, y),
        "reflect_x" => (lx - 1 - x, y),
        "reflect_y" => (x, ly - 1 - y),
        "half_turn" => (lx - 1 - x, ly - 1 - y),
        "quarter_turn" => (y, lx - 1 - x),
        "three_quarter_turn" => (lx - 1 - y, x),
        "diagonal" => (y, x),
        "antidiagonal" => (lx - 1 - y, lx - 1 - x),
        _ => panic!("unknown map {name}"),
    }
}

/// The configuration `s` (site x + lx y) with each value moved where `name` sends its site.
pub fn image(name: &str, s: &[u8], lx: usize, ly: usize) -> Vec<u8> {
    let mut out = vec![0u8; s.len()];
    for (j, &v) in s.iter().enumerate() {
        let (x, y) = moves(name, j % lx, j / lx, lx, ly);
        out[x + lx * y] = v;
    }
    out
}

/// Every configuration of `n` sites with `total` down spins (value 1), row-major.
pub fn sector(n: usize, total: usize) -> Vec<u8> {
    (0u32..1 << n)
        .filter(|c| c.count_ones() as usize == total)
        .flat_map(|c| (0..n).map(move |i| ((c >> i) & 1) as u8))
        .collect()
}
