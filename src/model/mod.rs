//! The RNN wave function: configuration, parameters, and the batched pass that evaluates it.

pub(crate) mod cell;
pub(crate) mod codes;
mod config;
mod diagnostics;
pub(crate) mod evaluate;
pub(crate) mod forward;
mod init;
mod layout;
mod resize;
mod restrict;
mod sign;
pub(crate) mod snapshot;
pub(crate) mod symmetric;
pub(crate) mod symmetry;
mod symmetry_maps;
mod topology;
pub(crate) mod widen;

pub(crate) use cell::Cell;
pub use config::{
    Boundary, CellKind, ModelConfig, PhaseKind, Precision, SignRule, Symmetry, MAX_HIDDEN,
    MAX_LAYERS, MAX_LOCAL_DIM, MAX_SITES,
};
pub(crate) use evaluate::ReadValues;
pub use layout::ParamBlock;
pub(crate) use layout::ParamLayout;
pub(crate) use symmetry::SymmetryGroup;
pub use symmetry_maps::{symmetry_map_names, LatticeMap, SymmetryMap};
pub(crate) use topology::{Step, Topology};

use crate::error::{check_len, Error, Result};
use crate::kernels::Real;
use crate::parallel::WorkspaceCache;

/// An RNN wave function psi(s) = sqrt(P(s)) exp(i phi(s)) with an exactly normalised,
/// autoregressive P. Sites are numbered i = x + lx*y; values are 0..local_dim.
#[derive(Clone, Debug)]
pub struct Model {
    config: ModelConfig,
    layout: ParamLayout,
    params: Vec<f64>,
    /// With `Precision::F32`, `params` rounded to f32 once whenever they change, what the
    /// passes read; empty otherwise.
    params_f32: Vec<f32>,
    topology: Topology,
    cell: Cell,
    /// Sampling position -> site index: the identity on a chain, the snake on a grid.
    order: Vec<usize>,
    /// The group psi is averaged over, when the config asks for one.
    symmetry: Option<SymmetryGroup>,
    /// Workspaces kept between calls; a clone starts without any.
    workspaces: WorkspaceCache,
}

impl Model {
    /// A model with Glorot-uniform weights and zero biases drawn from `config.seed`.
    pub fn new(config: ModelConfig) -> Result<Model> {
        config.validate()?;
        let layout = ParamLayout::new(&config);
        let params = init::glorot_uniform(&layout, config.seed)?;
        Model::assemble(config, layout, params)
    }

    /// A model with the given parameters (checked like [`Model::set_params`]).
    pub fn with_params(config: ModelConfig, params: &[f64]) -> Result<Model> {
        let mut owned = Vec::new();
        crate::buffer::try_reserve(&mut owned, params.len(), "the model's parameters")?;
        owned.extend_from_slice(params);
        Model::from_param_vec(config, owned)
    }

    /// A model that takes `params` as its parameter storage (checked like
    /// [`Model::set_params`]): no second copy and no random initialisation, so that loading
    /// a checkpoint holds only the file and the parameters.
    pub(crate) fn from_param_vec(config: ModelConfig, params: Vec<f64>) -> Result<Model> {
        config.validate()?;
        let layout = ParamLayout::new(&config);
        check_len("params", params.len(), layout.total)?;
        let model = Model::assemble(config, layout, params)?;
        model.check_finite(&model.params)?;
        Ok(model)
    }

    /// A deep copy, allocated fallibly: parameters no memory can hold twice are
    /// `OutOfMemory` naming the bytes, not an abort (`clone` aborts like any `Vec`).
    pub fn try_clone(&self) -> Result<Model> {
        Model::with_params(self.config.clone(), &self.params)
    }

    fn assemble(config: ModelConfig, layout: ParamLayout, params: Vec<f64>) -> Result<Model> {
        let topology = Topology::new(&config);
        Model {
            cell: Cell::new(&config, &topology),
            order: topology.order(),
            symmetry: SymmetryGroup::new(&config),
            topology,
            config,
            layout,
            params_f32: Vec::new(),
            params,
            workspaces: WorkspaceCache::default(),
        }
        .with_rounded_params()
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub fn num_sites(&self) -> usize {
        self.order.len()
    }

    pub fn num_params(&self) -> usize {
        self.layout.total
    }

    /// The flat parameter vector, in the order documented in `model/layout.rs`.
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// The named blocks of the parameter vector, in order.
    pub fn param_blocks(&self) -> &[ParamBlock] {
        &self.layout.blocks
    }

    /// Replaces every parameter; refuses a wrong length or a non-finite value and then
    /// leaves the model unchanged.
    pub fn set_params(&mut self, params: &[f64]) -> Result<()> {
        check_len("params", params.len(), self.num_params())?;
        self.check_finite(params)?;
        self.params.copy_from_slice(params);
        // The f32 copy has its length already: rounding allocates nothing and cannot fail.
        self.round_params()?;
        Ok(())
    }

    fn check_finite(&self, params: &[f64]) -> Result<()> {
        match params.iter().position(|p| !p.is_finite()) {
            None => Ok(()),
            Some(i) => Err(Error::numerical(format!(
                "params[{i}] = {} is not finite ({})",
                params[i],
                self.block_of(i)
            ))),
        }
    }

    /// `self` with its f32 copy of the parameters made (see [`Model::round_params`]).
    fn with_rounded_params(mut self) -> Result<Model> {
        self.round_params()?;
        Ok(self)
    }

    /// Refreshes the f32 copy of the parameters that an F32 model's passes read, allocated
    /// fallibly where its length changes (a new model).
    fn round_params(&mut self) -> Result<()> {
        if self.config.precision == Precision::F32 {
            let what = "the float32 copy of the model's parameters";
            crate::buffer::reuse(&mut self.params_f32, self.params.len(), what)?;
            for (rounded, &p) in self.params_f32.iter_mut().zip(&self.params) {
                *rounded = p as f32;
            }
        }
        Ok(())
    }

    /// The parameters a pass in `F` reads: `params` in f64, their rounded copy in f32 (an
    /// F32 model only).
    #[inline]
    pub(crate) fn params_in<F: Real>(&self) -> &[F] {
        F::select(&self.params, &self.params_f32)
    }

    /// The float type of this model's passes.
    pub(crate) fn precision(&self) -> Precision {
        self.config.precision
    }

    /// Sampling position -> site index.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The group psi is averaged over; `None` for the bare RNN.
    #[inline]
    pub(crate) fn symmetry_group(&self) -> Option<&SymmetryGroup> {
        self.symmetry.as_ref()
    }

    /// The workspaces this model's calls lease and give back.
    pub(crate) fn workspaces(&self) -> &WorkspaceCache {
        &self.workspaces
    }

    pub(crate) fn layout(&self) -> &ParamLayout {
        &self.layout
    }

    /// Which earlier positions feed each position's cell, and the state slots a pass keeps.
    #[inline]
    pub(crate) fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The cell every layer runs.
    #[inline]
    pub(crate) fn cell(&self) -> &Cell {
        &self.cell
    }

    fn block_of(&self, index: usize) -> String {
        self.layout
            .blocks
            .iter()
            .find(|b| b.range.contains(&index))
            .map(|b| format!("in block {} at offset {}", b.name, index - b.range.start))
            .unwrap_or_default()
    }

    /// Checks `configs` holds `n` configurations of valid site values.
    pub(crate) fn check_configs(&self, configs: &[u8], n: usize) -> Result<()> {
        let sites = self.num_sites();
        check_len("configs", configs.len(), n * sites)?;
        let d = self.config.local_dim;
        if let Some(i) = configs.iter().position(|&v| v as u32 >= d) {
            return Err(Error::invalid(format!(
                "configs[{}][{}] = {} is not a site value (local_dim = {d}: values 0..={})",
                i / sites,
                i % sites,
                configs[i],
                d - 1
            )));
        }
        Ok(())
    }

    /// Refuses the first configuration (row of `configs`) outside the U(1) subspace, where
    /// P = 0: ln psi, its derivatives and local energies are undefined there.
    pub(crate) fn check_inside_u1(&self, configs: &[u8]) -> Result<()> {
        let Some(total) = self.config.u1_total else {
            return Ok(());
        };
        let sums = configs
            .chunks_exact(self.num_sites())
            .map(|c| c.iter().map(|&v| v as u32).sum::<u32>());
        match sums.enumerate().find(|&(_, sum)| sum != total) {
            Some((row, sum)) => Err(Error::invalid(format!(
                "configs[{row}] has probability 0, outside the model's U(1) subspace: its total {sum} is not u1_total = {total}"
            ))),
            None => Ok(()),
        }
    }
}
