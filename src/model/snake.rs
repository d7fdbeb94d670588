//! The 2D RNN's visiting order on an lx x ly grid (docs/method.md, "2D RNN"): row y = 0 left to
//! right, row 1 right to left, and so on (a snake), and which earlier positions feed each
//! site's cell. Sites keep their numbering i = x + lx*y; only the order of visits changes.
//!
//! At position p, with k = p mod lx its place within its row:
//! * the horizontal neighbour is position p - 1 when k > 0 (none at a row's first site);
//! * the vertical neighbour, the site directly above in row y - 1, is position p - 1 - 2k
//!   (none in row 0): the snake turns round, so the row above is walked in reverse.
//!
//! Because no row has yet visited column x when it reaches (x, y), the latest state of
//! column x is always the state of (x, y - 1): a pass keeps one state per column and reads
//! the vertical neighbour from its own column's slot, the horizontal one from the
//! neighbouring column's slot.

/// One position of the snake: where its site is and which earlier positions it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GridStep {
    /// The site's column x: its slot in a pass's per-column state.
    pub column: usize,
    /// The position visited just before in the same row, with its column.
    pub horizontal: Option<Neighbour>,
    /// The position of the site directly above (same column, previous row).
    pub vertical: Option<usize>,
}

/// An earlier position that feeds a cell, and the column its state lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Neighbour {
    pub position: usize,
    pub column: usize,
}

/// The snake on an `lx x ly` grid: position -> site index.
pub(crate) fn snake_order(lx: usize, ly: usize) -> Vec<usize> {
    (0..lx * ly)
        .map(|p| column_of(lx, p) + lx * (p / lx))
        .collect()
}

/// Position `p`'s column and neighbours on a grid `lx` sites wide: plain arithmetic, so no
/// table that grows with the grid is kept.
#[inline]
pub(crate) fn grid_step(lx: usize, p: usize) -> GridStep {
    let (y, k) = (p / lx, p % lx);
    GridStep {
        column: column_of(lx, p),
        horizontal: (k > 0).then(|| Neighbour {
            position: p - 1,
            column: column_of(lx, p - 1),
        }),
        vertical: (y > 0).then(|| p - 1 - 2 * k),
    }
}

/// The column of position `p`: rows with even y run left to right, odd ones right to left.
#[inline]
fn column_of(lx: usize, p: usize) -> usize {
    let (y, k) = (p / lx, p % lx);
    if y % 2 == 0 {
        k
    } else {
        lx - 1 - k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_by_three_snake_and_its_neighbours() {
        let order = snake_order(3, 3);
        let steps: Vec<GridStep> = (0..9).map(|p| grid_step(3, p)).collect();
        assert_eq!(order, [0, 1, 2, 5, 4, 3, 6, 7, 8]);
        // Position 3 is site 5 = (2, 1): no horizontal neighbour, site 2 (position 2) above.
        assert_eq!(steps[3].horizontal, None);
        assert_eq!(steps[3].vertical, Some(2));
        // Position 5 is site 3 = (0, 1): after site 4 = (1, 1), below site 0.
        assert_eq!(
            steps[5].horizontal,
            Some(Neighbour {
                position: 4,
                column: 1
            })
        );
        assert_eq!(steps[5].vertical, Some(0));
        assert_eq!(
            steps[0],
            GridStep {
                column: 0,
                horizontal: None,
                vertical: None
            }
        );
    }

    /// Every neighbour is the geometric one, found independently from coordinates.
    #[test]
    fn neighbours_are_left_or_right_and_above_for_any_shape() {
        for (lx, ly) in [(1, 4), (4, 1), (2, 2), (3, 4), (5, 3), (4, 4)] {
            let order = snake_order(lx, ly);
            let steps: Vec<GridStep> = (0..lx * ly).map(|p| grid_step(lx, p)).collect();
            let xy = |site: usize| (site % lx, site / lx);
            let mut seen = vec![false; lx * ly];
            for (p, step) in steps.iter().enumerate() {
                let (x, y) = xy(order[p]);
                seen[order[p]] = true;
                assert_eq!(step.column, x);
                match step.horizontal {
                    Some(n) => {
                        let (hx, hy) = xy(order[n.position]);
                        assert_eq!((hy, n.column), (y, hx));
                        assert_eq!(hx.abs_diff(x), 1);
                        assert_eq!(n.position + 1, p);
                    }
                    None => assert!(p % lx == 0),
                }
                match step.vertical {
                    Some(q) => {
                        assert!(q < p);
                        assert_eq!(xy(order[q]), (x, y - 1));
                    }
                    None => assert_eq!(y, 0),
                }
            }
            assert!(seen.iter().all(|&s| s), "{lx}x{ly}: every site once");
        }
    }
}
