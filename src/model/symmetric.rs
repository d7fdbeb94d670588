//! ln psi_S of given configurations for a symmetrised model: each chunk of configurations
//! is expanded into its |G| images g s, which one pass evaluates together, and each
//! configuration's |G| amplitudes are combined as `symmetry::combine` says.

use super::evaluate::{check_log_psi, ReadValues};
use super::forward::Pass;
use super::symmetry::SymmetryGroup;
use super::Model;
use super::Precision;
use crate::buffer::{try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::kernels::Real;
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;

/// A pass over the images of a chunk of configurations, with their buffers.
pub(crate) struct ImagePass<F: Real> {
    pub pass: Pass<F>,
    /// `[configurations][|G|][n_sites]`.
    pub images: Vec<u8>,
    /// ln psi of each image without the sign rule, `[configurations][|G|]`.
    pub log_psi: Vec<Complex64>,
}

impl<F: Real> ImagePass<F> {
    /// Room for `configs` configurations' images; refuses (naming the bytes) what no memory
    /// holds.
    pub fn new(model: &Model, group: &SymmetryGroup, configs: usize) -> Result<Self> {
        let rows = configs * group.len();
        let what = "the symmetrised pass workspace";
        Ok(ImagePass {
            pass: Pass::new(model, rows)?,
            images: try_zeroed(&[rows, model.num_sites()], what)?,
            log_psi: try_zeroed_vec(rows, what)?,
        })
    }

    /// Evaluates the RNN on every image of `configs` (`[n][n_sites]`), leaving the
    /// unsigned ln psi of image g of configuration i at `log_psi[i * |G| + g]`.
    pub fn run(&mut self, model: &Model, group: &SymmetryGroup, configs: &[u8]) {
        let sites = model.num_sites();
        let rows = configs.len() / sites * group.len();
        let images = &mut self.images[..rows * sites];
        for (config, out) in configs
            .chunks_exact(sites)
            .zip(images.chunks_exact_mut(group.len() * sites))
        {
            group.expand(config, out);
        }
        self.pass.reset(rows);
        let mut reader = ReadValues {
            configs: images,
            order: model.order(),
        };
        self.pass.run_from(model, rows, 0, &mut reader);
        model.finish_log_psi_unsigned(&self.pass, &mut self.log_psi[..rows]);
    }
}

/// Configurations per chunk whose images fill at most a chunk of rows (at least one).
fn configs_per_chunk(group: &SymmetryGroup) -> usize {
    (CHUNK_ROWS / group.len()).max(1)
}

impl Model {
    /// ln psi_S = group.combine(ln psi(g s)) + i sign(s), for configurations already checked.
    pub(crate) fn log_psi_symmetric(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        out: &mut [Complex64],
    ) -> Result<()> {
        match self.precision() {
            Precision::F64 => self.log_psi_symmetric_in::<f64>(group, configs, out),
            Precision::F32 => self.log_psi_symmetric_in::<f32>(group, configs, out),
        }
    }

    /// [`Model::log_psi_symmetric`] in passes over `F`.
    fn log_psi_symmetric_in<F: Real>(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        out: &mut [Complex64],
    ) -> Result<()> {
        let (sites, n) = (self.num_sites(), out.len());
        let per_chunk = configs_per_chunk(group);
        let tasks = configs
            .chunks(per_chunk * sites)
            .zip(out.chunks_mut(per_chunk));
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(per_chunk.min(n), |r| ImagePass::<F>::new(self, group, r))
            },
            |ws, (configs, out)| {
                ws.run(self, group, configs);
                for ((o, l), config) in out
                    .iter_mut()
                    .zip(ws.log_psi.chunks_exact(group.len()))
                    .zip(configs.chunks_exact(sites))
                {
                    *o = group.combine(l) + Complex64::new(0.0, self.sign_phase(config));
                }
                check_log_psi(out)
            },
        )
    }
}
