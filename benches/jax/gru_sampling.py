"""Reference point for benches/sampling.rs: batched autoregressive sampling of the same GRU
(1 layer, local_dim 2) written the way JAX codes (NetKet, jVMC) write it, a jit-compiled
lax.scan over sites (the model is in gru.py beside this file). Not part of the test suite.

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]"
    /tmp/jaxenv/bin/python benches/jax/gru_sampling.py

Prints samples per second for hidden 32 and 64, N = 20 and 100, batch 1024, in float64 (as
rnnwf computes) and float32, with XLA's default threading (all cores). With arguments
HIDDEN N DTYPE CALLS (DTYPE float64 or float32) it prints instead the process's CPU seconds
per call of that one shape, the figure `cargo bench --bench cpu_time` gives for rnnwf:

    /tmp/jaxenv/bin/python benches/jax/gru_sampling.py 32 20 float64 10
"""
import sys
import functools
import statistics
import time

import jax
import jax.numpy as jnp

import gru

jax.config.update("jax_enable_x64", True)


def make_sampler(n_sites, hidden, batch, dtype):
    params = gru.init_params(jax.random.PRNGKey(0), hidden, dtype)
    return jax.jit(functools.partial(gru.sample, params, batch=batch, n_sites=n_sites))


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
