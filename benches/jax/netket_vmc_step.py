"""NetKet peer of benches/peer_calls.rs and vmc_step.py: the same calls through NetKet's own
objects, on the open transverse-field Ising chain H = -sum Z_i Z_i+1 - sum X_i
(nk.operator.IsingJax, J = -1, h = 1). Not part of the test suite; NetKet is not a
dependency of rnnwf.

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]" netket
    /tmp/jaxenv/bin/python benches/jax/netket_vmc_step.py --sites 20 --hidden 32

The model is NetKet's GRU chain closest to rnnwf's, nkx.models.FastGRUNet1D (the variant
that caches each site's state for sampling), with layers=2, features=hidden: NetKet's RNN
makes its last layer's width the local dimension and takes the log-softmax of its output, so
the rnnwf model's dense amplitude head [hidden x 2] becomes a second GRU layer of width 2,
and NetKet's GRU applies the reset gate before the hidden product (two products a site,
[x, h] W_rz and [x, r h] W_n, instead of one). The parameter counts differ a little for it;
the dominant product has the same size. The samples are NetKet's ARDirectSampler's, 1024
per step, in one chain. Each call runs once untimed (it compiles), then `--repeats` times;
it prints the median CPU seconds of the process (all its threads) and wall seconds of one
call, as vmc_step.py:
- `sample`: vstate.reset(); vstate.sample();
- `adam`: one step of nk.driver.VMC with optax.adam(1e-3) (driver.run(n_iter=1));
- `minsr`: one step of nk.driver.VMC_SR with optax.sgd(1e-3), diag_shift 1e-3 and
  use_ntk=True (the sample-space, minSR form, solved by Cholesky).
For one thread: `taskset -c 0` and
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".
"""
import jax
import jax.numpy as jnp
import netket as nk
import netket.experimental as nkx
import optax

import peer

jax.config.update("jax_enable_x64", True)

LEARNING_RATE = 1e-3
SR_DIAG_SHIFT = 1e-3


def make_calls(opts):
    dtype = jnp.dtype(opts.dtype)
    hilbert = nk.hilbert.Spin(0.5, opts.sites)
    ham = nk.operator.IsingJax(hilbert, nk.graph.Chain(opts.sites, pbc=False), h=1.0, J=-1.0,
                               dtype=dtype)
    model = nkx.models.FastGRUNet1D(hilbert=hilbert, layers=2, features=opts.hidden,
                                    param_dtype=dtype)

    def state():
        sampler = nk.sampler.ARDirectSampler(hilbert, dtype=jnp.int8)
        return nk.vqs.MCState(sampler, model, n_samples=opts.samples, seed=0, sampler_seed=1)

    sampled = state()

    def sample():
        sampled.reset()
        return sampled.sample()

    adam = nk.driver.VMC(ham, optax.adam(LEARNING_RATE), variational_state=state())
    minsr = nk.driver.VMC_SR(ham, optax.sgd(LEARNING_RATE), diag_shift=SR_DIAG_SHIFT,
                             variational_state=state(), use_ntk=True, on_the_fly=False)
    print(f"# netket {nk.__version__} jax {jax.__version__} {opts.dtype} N={opts.sites} "
          f"hidden={opts.hidden} samples={opts.samples} repeats={opts.repeats} "
          f"params={sampled.n_parameters}")
    return {
        "sample": sample,
        "adam": lambda: step(adam),
        "minsr": lambda: step(minsr),
    }


def step(driver):
    """One step of `driver`, without its progress bar, and the parameters it leaves."""
    driver.run(n_iter=1, show_progress=False)
    return driver.state.parameters


def run(call, repeats):
    """Median CPU and wall seconds of `repeats` calls after one that compiles."""
    jax.block_until_ready(call())
    return peer.median_seconds(call for _ in range(repeats))


def main():
    opts = peer.parser(__doc__).parse_args()
    calls = make_calls(opts)
    for name in opts.calls.split(","):
        cpu, wall = run(calls[name], opts.repeats)
        print(f"{name} cpu {cpu:.6f} wall {wall:.6f}", flush=True)


if __name__ == "__main__":
    main()
