//! The same weights on another lattice: RNN weights do not depend on the lattice size, so a
//! model trained on a small lattice starts a larger one (iterative retraining).

use super::Model;
use crate::error::{Error, Result};

impl Model {
    /// A new model on the `lx x ly` lattice with this model's parameters and every other
    /// setting (cell, hidden units, layers, phase head, sign rule, symmetry, seed, boundary,
    /// dilation);
    /// `u1_total` is the new lattice's U(1) total (`None`: unconstrained). `self` is not
    /// changed.
    ///
    /// Nothing learned depends on the size: the cells' weights are shared by every site, the
    /// heads by every position, and the Marshall sign is a rule on coordinates (x + y even),
    /// so it applies unchanged. What the size fixes is outside the parameters: the number of
    /// positions, the snake order (row y runs left to right when y is even), which sites
    /// lack a neighbour (the first row and each row's first site) and the U(1) total, given
    /// anew. A model averaged over a subgroup of its lattice group keeps the kept maps that
    /// exist on the new lattice: resizing to lx != ly drops the quarter turns and the
    /// diagonal reflections, which do not map a rectangle onto itself. Refused: a chain
    /// (`ly = 1`) into a grid or back, since a grid cell reads two neighbours and its weights have other shapes; and every size or total that
    /// [`ModelConfig::validate`](super::ModelConfig::validate) refuses.
    pub fn resize(&self, lx: u32, ly: u32, u1_total: Option<u32>) -> Result<Model> {
        let old = self.config();
        let mut config = old.clone();
        config.lx = lx;
        config.ly = ly;
        config.u1_total = u1_total;
        config.symmetry_maps = None;
        if config.is_grid() != old.is_grid() {
            let shape = |grid: bool| {
                if grid {
                    "a grid (ly > 1)"
                } else {
                    "a chain (ly = 1)"
                }
            };
            return Err(Error::invalid(format!(
                "cannot resize {} x {} to {lx} x {ly}: the model is {} and the new lattice {}, \
                 whose cells read a different number of neighbours through weights of other \
                 shapes",
                old.lx,
                old.ly,
                shape(old.is_grid()),
                shape(config.is_grid())
            )));
        }
        config.validate()?;
        // Only on a lattice validate accepts: the maps are site permutations of it.
        config.symmetry_maps = super::restrict::resized_maps(old, &config);
        let resized = Model::with_params(config, self.params())?;
        debug_assert_eq!(resized.num_params(), self.num_params());
        Ok(resized)
    }
}
