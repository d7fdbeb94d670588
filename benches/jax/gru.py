"""The GRU chain of rnnwf (1 layer, one-hot input of the previous value, amplitude head
softmax(h U + c), psi = sqrt(P)) in JAX, as NetKet and jVMC write such models: a lax.scan
over sites. Shared by the peers in this folder (gru_sampling.py, vmc_step.py); not part of
the test suite, see their headers for how to run them.

Parameters are a dict of rnnwf's blocks (src/model/layout.rs, src/model/cell/gru.rs) with
gate columns [r | z | g]: wx = layer0.input_weight [d x 3h], wh = layer0.hidden_weight
[h x 3h], b = layer0.bias [3h], bhg = layer0.candidate_bias [h], u = amplitude.weight
[h x d], c = amplitude.bias [d]; `from_rnnwf` reads them from rnnwf's flat vector.
"""
import jax
import jax.numpy as jnp

# rnnwf's block order in the flat parameter vector, with each block's shape.
BLOCKS = ("wx", "wh", "b", "bhg", "u", "c")


def shapes(hidden, d=2):
    return {"wx": (d, 3 * hidden), "wh": (hidden, 3 * hidden), "b": (3 * hidden,),
            "bhg": (hidden,), "u": (hidden, d), "c": (d,)}


def init_params(key, hidden, dtype, d=2):
    """Random weights of rnnwf's scale (0.1 normal), zero biases."""
    keys = jax.random.split(key, 3)
    sh = shapes(hidden, d)
    p = {name: jnp.zeros(sh[name], dtype) for name in ("b", "bhg", "c")}
    for k, name in zip(keys, ("wx", "wh", "u")):
        p[name] = (0.1 * jax.random.normal(k, sh[name])).astype(dtype)
    return p


def from_rnnwf(flat, hidden, dtype, d=2):
    """The blocks of rnnwf's flat parameter vector (rnnwf_model_get_params), in its order."""
    p, at = {}, 0
    for name in BLOCKS:
        shape = shapes(hidden, d)[name]
        size = 1
        for n in shape:
            size *= n
        p[name] = jnp.asarray(flat[at:at + size], dtype).reshape(shape)
        at += size
    assert at == len(flat), f"{len(flat)} parameters, the GRU chain has {at}"
    return p


def cell(p, h, x):
    """One GRU update of the rows of h ([batch x hidden]) reading the one-hot rows x."""
    hidden = h.shape[1]
    px = x @ p["wx"] + p["b"]
    ph = h @ p["wh"]
    r = jax.nn.sigmoid(px[:, :hidden] + ph[:, :hidden])
    z = jax.nn.sigmoid(px[:, hidden:2 * hidden] + ph[:, hidden:2 * hidden])
    g = jnp.tanh(px[:, 2 * hidden:] + r * (ph[:, 2 * hidden:] + p["bhg"]))
    return (1 - z) * g + z * h


def _start(p, batch):
    hidden, d = p["u"].shape
    dtype = p["u"].dtype
    return jnp.zeros((batch, hidden), dtype), jnp.zeros((batch, d), dtype)


def sample(p, key, batch, n_sites):
    """`batch` exact samples ([batch x n_sites] int32) and their ln psi = 0.5 ln P."""
    d = p["u"].shape[1]

    def site(carry, key):
        h, x, logp = carry
        h = cell(p, h, x)
        logits = h @ p["u"] + p["c"]
        s = jax.random.categorical(key, logits)
        logp = logp + jnp.take_along_axis(jax.nn.log_softmax(logits), s[:, None], 1)[:, 0]
        return (h, jax.nn.one_hot(s, d, dtype=h.dtype), logp), s

    h, x = _start(p, batch)
    init = (h, x, jnp.zeros(batch, h.dtype))
    (_, _, logp), s = jax.lax.scan(site, init, jax.random.split(key, n_sites))
    return s.T, 0.5 * logp


def log_psi(p, s):
    """ln psi = 0.5 ln P of the configurations s ([batch x n_sites], values 0..d-1)."""
    d = p["u"].shape[1]

    def site(carry, s_n):
        h, x, logp = carry
        h = cell(p, h, x)
        logits = h @ p["u"] + p["c"]
        logp = logp + jnp.take_along_axis(jax.nn.log_softmax(logits), s_n[:, None], 1)[:, 0]
        return (h, jax.nn.one_hot(s_n, d, dtype=h.dtype), logp), None

    h, x = _start(p, s.shape[0])
    (_, _, logp), _ = jax.lax.scan(site, (h, x, jnp.zeros(s.shape[0], h.dtype)), s.T)
    return 0.5 * logp
