//! Measurements of a model's inner workings, for studying how it behaves (e.g. how its
//! hidden states grow along the sampling order on larger lattices than it was trained on).

use super::evaluate::ReadValues;
use super::forward::Pass;
use super::Model;
use crate::error::Result;
use crate::parallel::CHUNK_ROWS;

impl Model {
    /// The root mean square over `configs` (row-major `[n][n_sites]`) of the Euclidean norm
    /// of each layer's new hidden state at each sampling position: `[layers][n_sites]`, in
    /// sampling order. A diagnostic, computed on the calling thread only.
    #[doc(hidden)]
    pub fn state_norms(&self, configs: &[u8]) -> Result<Vec<Vec<f64>>> {
        let sites = self.num_sites();
        let n = configs.len() / sites.max(1);
        self.check_configs(configs, n)?;
        let cfg = self.config();
        let (layers, dh) = (cfg.layers as usize, cfg.hidden as usize);
        let mut sums = vec![vec![0.0; sites]; layers];
        // In f64 whatever the model's precision: a diagnostic, not a result.
        let mut pass = Pass::<f64>::new(self, CHUNK_ROWS.min(n.max(1)))?;
        for chunk in configs.chunks(CHUNK_ROWS * sites) {
            let rows = chunk.len() / sites;
            pass.reset(rows);
            let mut reader = ReadValues {
                configs: chunk,
                order: self.order(),
            };
            for pos in 0..sites {
                pass.step(self, rows, pos, &mut reader);
                for (l, sum) in sums.iter_mut().enumerate() {
                    let start = self.topology().layer_step(l, pos).slot * pass.capacity * dh;
                    let states = &pass.hidden[l][start..start + rows * dh];
                    sum[pos] += states.iter().map(|h| h * h).sum::<f64>();
                }
            }
        }
        for sum in &mut sums {
            for s in sum.iter_mut() {
                *s = (*s / n.max(1) as f64).sqrt();
            }
        }
        Ok(sums)
    }
}
