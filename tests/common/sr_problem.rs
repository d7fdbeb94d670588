//! The small training problem of the preconditioner tests (tests/preconditioner.rs, SR;
//! tests/spring.rs, SPRING), and its pieces written out densely for their references.

use rnnwf::{CellKind, Complex64, Hamiltonian, Model, ModelConfig, PhaseKind};

pub const SITES: u32 = 5;

/// A GRU with a phase head, so that SR's imaginary rows take part.
pub fn model() -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(SITES)
            .with_hidden(4)
            .with_phase(PhaseKind::Softsign)
            .with_seed(9),
    )
    .unwrap()
}

pub fn hamiltonian() -> Hamiltonian {
    Hamiltonian::tfim(SITES, 1, false, 1.0, 0.8).unwrap()
}

/// The log-derivatives `o` (`[n][np]`, from `Model::log_psi_grad`) and the local energies
/// `e` of a batch, each less its mean over the batch: the rows and right-hand side of SR.
pub struct Centred {
    pub n: usize,
    pub np: usize,
    pub o: Vec<Complex64>,
    pub e: Vec<Complex64>,
}

pub fn centred(model: &Model, h: &Hamiltonian, configs: &[u8]) -> Centred {
    let (n, np) = (configs.len() / SITES as usize, model.num_params());
    let mut o = vec![Complex64::new(0.0, 0.0); n * np];
    model.log_psi_grad(configs, &mut o).unwrap();
    let mut e = vec![Complex64::new(0.0, 0.0); n];
    rnnwf::local_energies(model, h, configs, &mut e).unwrap();
    let e_mean = e.iter().sum::<Complex64>() / n as f64;
    let mut o_mean = vec![Complex64::new(0.0, 0.0); np];
    for row in o.chunks_exact(np) {
        for (m, x) in o_mean.iter_mut().zip(row) {
            *m += x / n as f64;
        }
    }
    for row in o.chunks_exact_mut(np) {
        for (x, m) in row.iter_mut().zip(&o_mean) {
            *x -= m;
        }
    }
    for x in &mut e {
        *x -= e_mean;
    }
    Centred { n, np, o, e }
}
