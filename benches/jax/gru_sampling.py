"""Reference point for benches/sampling.rs: batched autoregressive sampling of the same GRU
(1 layer, local_dim 2) written the way JAX codes (NetKet, jVMC) write it, a jit-compiled
lax.scan over sites. Not part of the test suite.

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]"
    /tmp/jaxenv/bin/python benches/jax/gru_sampling.py

Prints samples per second for hidden 32 and 64, N = 20 and 100, batch 1024, in float64 (as
rnnwf computes) and float32, with XLA's default threading (all cores). With arguments
HIDDEN N DTYPE CALLS (DTYPE float64 or float32) it prints instead the process's CPU seconds
per call of that one shape, the figure `cargo bench --bench cpu_time` gives for rnnwf:

    /tmp/jaxenv/bin/python benches/jax/gru_sampling.py 32 20 float64 10
"""
import sys
import statistics
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def make_sampler(n_sites, hidden, batch, dtype, d=2):
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    wx = (0.1 * jax.random.normal(keys[0], (d, 3 * hidden))).astype(dtype)
    wh = (0.1 * jax.random.normal(keys[1], (hidden, 3 * hidden))).astype(dtype)
    u = (0.1 * jax.random.normal(keys[2], (hidden, d))).astype(dtype)
    b = jnp.zeros(3 * hidden, dtype)
    bhg = jnp.zeros(hidden, dtype)
    c = jnp.zeros(d, dtype)

    def step(carry, key):
        h, x, logp = carry
        px = x @ wx + b
        ph = h @ wh
        r = jax.nn.sigmoid(px[:, :hidden] + ph[:, :hidden])
        z = jax.nn.sigmoid(px[:, hidden : 2 * hidden] + ph[:, hidden : 2 * hidden])
        g = jnp.tanh(px[:, 2 * hidden :] + r * (ph[:, 2 * hidden :] + bhg))
        h = (1 - z) * g + z * h
        logits = h @ u + c
        s = jax.random.categorical(key, logits)
        logp = logp + jnp.take_along_axis(jax.nn.log_softmax(logits), s[:, None], 1)[:, 0]
        return (h, jax.nn.one_hot(s, d, dtype=dtype), logp), s

    @jax.jit
    def sample(key):
        init = (jnp.zeros((batch, hidden), dtype), jnp.zeros((batch, d), dtype),
                jnp.zeros(batch, dtype))
        (_, _, logp), s = jax.lax.scan(step, init, jax.random.split(key, n_sites))
        return s.T, logp

    return sample


def main():
    batch = 1024
    print(f"jax {jax.__version__}, devices {jax.devices()}")
    print(f"{'hidden':>6} {'N':>4} {'dtype':>8} {'samples/s':>12}")
    for hidden in (32, 64):
        for n_sites in (20, 100):
            for dtype in (jnp.float64, jnp.float32):
                sample = make_sampler(n_sites, hidden, batch, dtype)
                jax.block_until_ready(sample(jax.random.PRNGKey(1)))  # compile
                times = []
                for i in range(7):
                    t = time.perf_counter()
                    jax.block_until_ready(sample(jax.random.PRNGKey(2 + i)))
                    times.append(time.perf_counter() - t)
                rate = batch / statistics.median(times)
                print(f"{hidden:>6} {n_sites:>4} {jnp.dtype(dtype).name:>8} {rate:>12.0f}")


def cpu_time(hidden, n_sites, dtype, calls):
    sample = make_sampler(n_sites, hidden, 1024, jnp.dtype(dtype))
    jax.block_until_ready(sample(jax.random.PRNGKey(1)))  # compile
    start = time.process_time()
    for i in range(calls):
        jax.block_until_ready(sample(jax.random.PRNGKey(2 + i)))
    print(f"{(time.process_time() - start) / calls:.6f}")


if __name__ == "__main__":
    if len(sys.argv) == 5:
        cpu_time(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        main()
