"""JAX peer of benches/peer_calls.rs: one VMC step of the GRU chain (gru.py: 1 layer,
local_dim 2) on the open transverse-field Ising chain H = -sum Z_i Z_i+1 - sum X_i, written
the way NetKet and jVMC write it. Not part of the test suite; JAX is not a dependency of
rnnwf.

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]"
    /tmp/jaxenv/bin/python benches/jax/vmc_step.py --sites 20 --hidden 32
    /tmp/jaxenv/bin/python benches/jax/vmc_step.py --sites 8 --hidden 16 --check target/release/librnnwf.so

Each call is jit-compiled ahead of time, then timed `--repeats` times; it prints the median CPU
seconds of the process (all its threads) and wall seconds of one call:
- `sample`: 1024 exact samples by lax.scan, with their ln psi;
- `adam`: sampling, ln psi and its jax.vjp at the samples, local energies by evaluating
  ln psi of every connected configuration (the N single flips of each sample, one batch of
  1024 N rows), the energy gradient 2 Re<(O - <O>)^* (E_loc - <E_loc>)> through the vjp,
  and an Adam update (lr 1e-3, beta 0.9, 0.999);
- `minsr`: the same sampling and local energies, per-sample log-derivatives O by
  jax.vmap(jax.grad), and the minSR update theta -= lr A^T (A A^T + 1e-3 I)^-1 b
  (A = (O - <O>)/sqrt(n), b = (E_loc - <E_loc>)/sqrt(n)) by Cholesky on the [n x n] Gram
  matrix (jax.scipy.linalg.cho_factor), as rnnwf's minSR step.
For one thread: `taskset -c 0` and
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".

`--check LIB` (rnnwf's shared library, loaded with ctypes) instead checks that the peer
computes what rnnwf computes, with rnnwf's initial weights (model seed 1): ln psi and local
energies of rnnwf's samples agree to 1e-9, the energies sampled by both agree within their
error bars, and, at up to 14 sites, the local energies equal (H psi)(s) / psi(s) from the
dense Hamiltonian and the sampled energy agrees with the exact <psi|H|psi>.
"""
import ctypes

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

import gru
import peer

jax.config.update("jax_enable_x64", True)

LEARNING_RATE = 1e-3
SR_DIAG_SHIFT = 1e-3


def local_energies(p, s, lp):
    """E_loc of the open Ising chain at J = h = 1: the diagonal -sum z_i z_i+1 plus
    -sum_i psi(s with site i flipped) / psi(s), each flip evaluated by ln psi."""
    batch, n = s.shape
    z = 1 - 2 * s.astype(lp.dtype)
    diagonal = -jnp.sum(z[:, :-1] * z[:, 1:], axis=1)
    flips = s[:, None, :] ^ jnp.eye(n, dtype=s.dtype)[None]
    lp_flipped = gru.log_psi(p, flips.reshape(batch * n, n)).reshape(batch, n)
    return diagonal - jnp.sum(jnp.exp(lp_flipped - lp[:, None]), axis=1)


def make_calls(n_sites, batch):
    def sample(p, key):
        return gru.sample(p, key, batch, n_sites)

    def adam(state, key):
        p, m, v, t = state
        s, _ = gru.sample(p, key, batch, n_sites)
        lp, vjp = jax.vjp(lambda q: gru.log_psi(q, s), p)
        e_loc = local_energies(p, s, lp)
        energy = jnp.mean(e_loc)
        (grad,) = vjp(2 * (e_loc - energy) / batch)
        t = t + 1
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, m, grad)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grad)
        p = jax.tree.map(
            lambda p, m, v: p - LEARNING_RATE * (m / (1 - 0.9**t))
            / (jnp.sqrt(v / (1 - 0.999**t)) + 1e-8), p, m, v)
        return (p, m, v, t), energy

    def minsr(p, key):
        s, _ = gru.sample(p, key, batch, n_sites)
        flat, unravel = ravel_pytree(p)
        one = lambda f, x: gru.log_psi(unravel(f), x[None])[0]
        o = jax.vmap(jax.grad(one), in_axes=(None, 0))(flat, s)
        lp = gru.log_psi(p, s)
        e_loc = local_energies(p, s, lp)
        energy = jnp.mean(e_loc)
        a = (o - jnp.mean(o, axis=0)) / jnp.sqrt(batch)
        b = (e_loc - energy) / jnp.sqrt(batch)
        gram = a @ a.T + SR_DIAG_SHIFT * jnp.eye(batch, dtype=a.dtype)
        y = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(gram), b)
        return unravel(flat - LEARNING_RATE * (a.T @ y)), energy

    return {"sample": jax.jit(sample), "adam": jax.jit(adam), "minsr": jax.jit(minsr)}


def run(call, args, repeats):
    """Median CPU and wall seconds of `repeats` calls, compiled first (without running).
    `args(i)` gives the i-th call's arguments; the calls' results feed nothing."""
    call = call.lower(*args(0)).compile()
    return peer.median_seconds(
        (lambda i=i: call(*args(i))) for i in range(1, repeats + 1))


def bench(opts):
    dtype = jnp.dtype(opts.dtype)
    p = gru.init_params(jax.random.PRNGKey(0), opts.hidden, dtype)
    calls = make_calls(opts.sites, opts.samples)
    zeros = jax.tree.map(jnp.zeros_like, p)
    arguments = {
        "sample": lambda i: (p, jax.random.PRNGKey(i)),
        "adam": lambda i: ((p, zeros, zeros, 0), jax.random.PRNGKey(i)),
        "minsr": lambda i: (p, jax.random.PRNGKey(i)),
    }
    print(f"# jax {jax.__version__} {opts.dtype} N={opts.sites} hidden={opts.hidden} "
          f"samples={opts.samples} repeats={opts.repeats}")
    for name in opts.calls.split(","):
        cpu, wall = run(calls[name], arguments[name], opts.repeats)
        print(f"{name} cpu {cpu:.6f} wall {wall:.6f}", flush=True)


class Rnnwf:
    """The few calls of rnnwf's C API that the check needs (include/rnnwf.h)."""

    class Config(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in (
            "struct_size", "cell", "lx", "ly", "local_dim", "hidden", "layers", "phase",
            "sign_rule")] + [("u1_total", ctypes.c_int32), ("seed", ctypes.c_uint64)] + [
            (name, ctypes.c_uint32) for name in ("symmetry", "precision", "boundary",
                                                 "dilation")]

    def __init__(self, path, n_sites, hidden):
        self.lib = ctypes.CDLL(path)
        cfg = self.Config()
        self.ok(self.lib.rnnwf_model_config_init(ctypes.byref(cfg)))
        assert cfg.struct_size == ctypes.sizeof(cfg), "rnnwf_model_config changed shape"
        cfg.cell, cfg.lx, cfg.ly, cfg.hidden, cfg.layers, cfg.seed = 1, n_sites, 1, hidden, 1, 1
        self.n_sites = n_sites
        self.model, self.ham = ctypes.c_void_p(), ctypes.c_void_p()
        self.ok(self.lib.rnnwf_model_new(ctypes.byref(cfg), ctypes.byref(self.model)))
        self.ok(self.lib.rnnwf_hamiltonian_tfim(
            n_sites, 1, 0, ctypes.c_double(1.0), ctypes.c_double(1.0), ctypes.byref(self.ham)))

    def ok(self, status):
        if status != 0:
            buf = ctypes.create_string_buffer(1024)
            self.lib.rnnwf_last_error(buf, ctypes.c_size_t(len(buf)))
            raise RuntimeError(f"rnnwf status {status}: {buf.value.decode()}")

    def params(self):
        n = ctypes.c_size_t()
        self.ok(self.lib.rnnwf_model_num_params(self.model, ctypes.byref(n)))
        out = np.zeros(n.value)
        self.ok(self.lib.rnnwf_model_get_params(
            self.model, out.ctypes.data_as(ctypes.c_void_p), ctypes.c_size_t(n.value)))
        return out

    def sample(self, seed, n):
        configs = np.zeros((n, self.n_sites), np.uint8)
        self.ok(self.lib.rnnwf_sample(self.model, ctypes.c_uint64(seed), ctypes.c_size_t(n),
                                      configs.ctypes.data_as(ctypes.c_void_p), None))
        return configs

    def _complex_call(self, fn, *handles, configs):
        out = np.zeros((len(configs), 2))
        configs = np.ascontiguousarray(configs, np.uint8)
        self.ok(fn(*handles, configs.ctypes.data_as(ctypes.c_void_p),
                   ctypes.c_size_t(len(configs)), out.ctypes.data_as(ctypes.c_void_p)))
        return out[:, 0] + 1j * out[:, 1]

    def log_psi(self, configs):
        return self._complex_call(self.lib.rnnwf_log_psi, self.model, configs=configs)

    def local_energies(self, configs):
        return self._complex_call(self.lib.rnnwf_local_energies, self.model, self.ham,
                                  configs=configs)


def dense_tfim(n):
    """The open Ising chain's matrix in the basis index = sum_i s_i 2^i."""
    states = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    z = 1 - 2 * states
    ham = np.diag(-np.sum(z[:, :-1] * z[:, 1:], axis=1).astype(float))
    for i in range(n):
        ham[np.arange(2**n), np.arange(2**n) ^ (1 << i)] -= 1.0
    return states, ham


def check(opts):
    """Compares the peer with rnnwf on rnnwf's initial weights; raises on a disagreement."""
    n, batch = opts.sites, opts.samples
    lib = Rnnwf(opts.check, n, opts.hidden)
    p = gru.from_rnnwf(lib.params(), opts.hidden, jnp.float64)
    configs = lib.sample(7, batch)
    s = jnp.asarray(configs, jnp.int32)
    lp = gru.log_psi(p, s)
    e_jax = np.asarray(local_energies(p, s, lp))
    lp_rnnwf, e_rnnwf = lib.log_psi(configs), lib.local_energies(configs)
    lp_diff = np.max(np.abs(np.asarray(lp) - lp_rnnwf.real))
    e_diff = np.max(np.abs(e_jax - e_rnnwf.real)) / np.max(np.abs(e_rnnwf))
    print(f"ln psi of rnnwf's {batch} samples: largest |jax - rnnwf| = {lp_diff:.2e}")
    print(f"E_loc of the same: largest |jax - rnnwf| / max |E_loc| = {e_diff:.2e}")
    assert lp_diff < 1e-9 and e_diff < 1e-9 and np.all(lp_rnnwf.imag == 0)

    s_jax, lp_sampled = jax.jit(gru.sample, static_argnums=(2, 3))(
        p, jax.random.PRNGKey(11), batch, n)
    assert np.allclose(lp_sampled, gru.log_psi(p, s_jax), atol=1e-12)
    e_own = np.asarray(local_energies(p, s_jax, lp_sampled))
    mean_jax, err_jax = e_own.mean(), e_own.std() / np.sqrt(batch)
    mean_rnnwf, err_rnnwf = e_rnnwf.real.mean(), e_rnnwf.real.std() / np.sqrt(batch)
    gap = abs(mean_jax - mean_rnnwf) / np.hypot(err_jax, err_rnnwf)
    print(f"energy at rnnwf's initial weights: jax {mean_jax:.5f} +- {err_jax:.5f}, "
          f"rnnwf {mean_rnnwf:.5f} +- {err_rnnwf:.5f} ({gap:.2f} sigma apart)")
    assert gap < 4

    if n <= 14:
        states, ham = dense_tfim(n)
        psi = np.exp(np.asarray(gru.log_psi(p, jnp.asarray(states, jnp.int32))))
        exact = psi @ ham @ psi
        hpsi_over_psi = (ham @ psi) / psi
        e_dense = np.asarray(local_energies(p, jnp.asarray(states, jnp.int32),
                                            jnp.log(jnp.asarray(psi))))
        dense_diff = np.max(np.abs(e_dense - hpsi_over_psi)) / np.max(np.abs(hpsi_over_psi))
        print(f"all {2**n} configurations: sum P = {psi @ psi:.15f}, E_loc against "
              f"(H psi)/psi {dense_diff:.2e}; exact <H> = {exact:.5f}, jax sampled "
              f"{(mean_jax - exact) / err_jax:+.2f} sigma from it")
        assert abs(psi @ psi - 1) < 1e-12 and dense_diff < 1e-12
        assert abs(mean_jax - exact) < 4 * err_jax
    print("check passed")


def main():
    parser = peer.parser(__doc__)
    parser.add_argument("--check", metavar="LIB", help="compare with rnnwf's library instead")
    opts = parser.parse_args()
    check(opts) if opts.check else bench(opts)


if __name__ == "__main__":
    main()
