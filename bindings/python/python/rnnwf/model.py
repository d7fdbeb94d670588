"""rnnwf.Model: an RNN wave function (``rnnwf_model``)."""

from __future__ import annotations

import os
from typing import Any, Sequence, Union

import numpy as np
import numpy.typing as npt

from ._arrays import complex_out, configs_in, count, float64_in, int32, offsets_in, ptr, uint32_in
from ._constants import ERR_BUFFER_SIZE
from ._config import config_dict, make_config, sized
from ._constants import MAPS, WITH_CONJUGATE, WITH_FLIP
from ._errors import invalid
from ._handle import Handle, c_string, call, long_call, new_handle
from ._native import ffi, lib
from .estimate import Estimate
from ._sector import u1_from_total_sz, warn_surprising
from .hamiltonian import Hamiltonian

PathLike = Union[str, "os.PathLike[str]"]

# Python keyword -> C field, where the short name differs from the field.
MODEL_ALIASES = {"sign": "sign_rule"}


class Model(Handle):
    """An RNN wave function.

    Keywords are the fields of ``rnnwf_model_config`` (``sign`` is ``sign_rule``, the name
    ``config`` shows; either is accepted); the ones left out keep the library's defaults (GRU, lx 10, ly 1, local_dim 2, hidden 32,
    layers 1, no phase, no sign rule, no U(1) sector, seed 0). Enumerations take names or
    the C codes: ``cell`` "vanilla" | "gru" | "vanilla_elu" | "tensor_gru" | "linear_gated",
    ``phase`` "none" | "softsign", ``sign`` "none" | "marshall", and the keyword-only fields
    ``symmetry`` "none" | "lattice" | "lattice_spin_flip", ``precision`` "f64" | "f32",
    ``boundary`` "open" | "periodic" (the periodic 2D RNN, grids only), and ``dilation``
    0 | 1 (layer l reads 2^l sites back, chains only; a periodic chain or a dilated grid:
    Error ERR_UNSUPPORTED).

    The U(1) sector (fixed magnetisation; every sample in it), one of:

    - ``total_sz``: the sum of s_z over the sites, s_z = +-1/2 (NetKet's ``total_sz``);
      0 is zero magnetisation, a half-integer on an odd number of sites.
    - ``u1_total``: the sum of the site values, the C field: for spin-1/2 (0 = up, 1 = down)
      the number of down spins, so N/2 is zero magnetisation and 0 all spins up (warned:
      one configuration). -1 or None: no sector.

    An impossible sector (u1_total above N, total_sz = 0 on an odd chain) raises ValueError.

    >>> with rnnwf.Model(lx=10, cell="gru", hidden=16, seed=1) as m:
    ...     configs, log_psi = m.sample(100, seed=7)
    """

    def __init__(
        self,
        lx: int | None = None,
        ly: int | None = None,
        cell: str | int | None = None,
        hidden: int | None = None,
        layers: int | None = None,
        phase: str | int | None = None,
        sign: str | int | None = None,
        u1_total: int | None = None,
        seed: int | None = None,
        total_sz: float | None = None,
        **fields: Any,
    ) -> None:
        if total_sz is not None and u1_total is not None:
            invalid("Model: give total_sz or u1_total, not both (total_sz = N/2 - u1_total for spin-1/2)")
        settings = dict(
            lx=lx, ly=ly, cell=cell, hidden=hidden, layers=layers, phase=phase,
            sign=sign, u1_total=u1_total, seed=seed,
        )
        settings.update(fields)
        cfg = make_config("rnnwf_model_config", lib.rnnwf_model_config_init, settings, MODEL_ALIASES)
        n_sites = cfg.lx * cfg.ly
        if total_sz is not None:
            cfg.u1_total = u1_from_total_sz(total_sz, n_sites, cfg.local_dim)
        else:
            warn_surprising(cfg.u1_total, n_sites, cfg.local_dim)
        super().__init__(new_handle("rnnwf_model", "rnnwf_model_new", cfg), lib.rnnwf_model_free)

    @classmethod
    def _own(cls, handle: Any) -> "Model":
        m = cls.__new__(cls)
        Handle.__init__(m, handle, lib.rnnwf_model_free)
        return m

    @classmethod
    def load(cls, path: PathLike) -> "Model":
        """A model from a checkpoint written by save()."""
        return cls._own(new_handle("rnnwf_model", "rnnwf_model_load", c_string(path, "load: path", path=True)))

    def save(self, path: PathLike) -> None:
        """Writes a checkpoint atomically (never half-written)."""
        call("rnnwf_model_save", self, c_string(path, "save: path", path=True))

    def __copy__(self) -> "Model":
        return self.clone()

    def __deepcopy__(self, memo: dict) -> "Model":
        return self.clone()

    def clone(self) -> "Model":
        """An independent deep copy."""
        return Model._own(new_handle("rnnwf_model", "rnnwf_model_clone", self))

    def resize(self, lx: int, ly: int = 1, u1_total: int = -1, total_sz: float | None = None) -> "Model":
        """A new model on the lx x ly lattice with the same weights and settings (iterative
        retraining: weights learned on a small lattice start a larger one). The new
        lattice's U(1) sector is ``total_sz`` (sum of s_z) or ``u1_total`` (sum of site
        values, -1 for none), as in Model(). A chain cannot become a grid or back."""
        lx, ly, u1_total = count(lx, "lx", 32), count(ly, "ly", 32), int32(u1_total, "u1_total")
        if total_sz is not None:
            if u1_total != -1:
                invalid("resize: give total_sz or u1_total, not both")
            u1_total = u1_from_total_sz(total_sz, lx * ly, self.config["local_dim"])
        return Model._own(
            new_handle("rnnwf_model", "rnnwf_model_resize", self, lx, ly, u1_total)
        )

    def widen(self, hidden: int) -> "Model":
        """A new model with ``hidden`` units per layer (at least this model's) that computes
        the same psi: a trained model given room to improve. Every other setting is kept;
        the new units' input weights are drawn as a fresh model of that width draws them,
        their weights into the old units and the heads are zero. Training it needs a new
        Vmc (the parameter vector is longer)."""
        return Model._own(
            new_handle("rnnwf_model", "rnnwf_model_widen", self, count(hidden, "hidden", 32))
        )

    @property
    def config(self) -> dict[str, Any]:
        """The model's config fields, enumerations by name."""
        out = sized("rnnwf_model_config")
        call("rnnwf_model_get_config", self, out)
        return config_dict(out)

    def _size(self, get: Any) -> int:
        out = ffi.new("size_t *")
        call(get, self, out)
        return int(out[0])

    @property
    def num_sites(self) -> int:
        """lx * ly: the row length of a configuration."""
        return self._size("rnnwf_model_num_sites")

    @property
    def num_params(self) -> int:
        """The number of real parameters."""
        return self._size("rnnwf_model_num_params")

    def get_params(self) -> np.ndarray:
        """The parameters, float64 of shape (num_params,), written by the library straight
        into the new array."""
        out = np.empty(self.num_params, dtype=np.float64)
        call("rnnwf_model_get_params", self, ptr("double *", out), out.size)
        return out

    def set_params(self, params: npt.ArrayLike) -> None:
        """Replaces every parameter (length num_params; NaN or Inf is RNNWF_ERR_NUMERICAL).
        A C-contiguous float64 array is read in place."""
        a = float64_in(params, "params")
        call("rnnwf_model_set_params", self, ptr("double *", a), a.size, write=(self,))

    def sample(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` exact samples of |psi|^2: configurations uint8 (n, num_sites) and their
        ln psi, complex128 (n,). Depends only on the parameters, ``seed`` and ``n``."""
        n, seed = count(n, "n"), count(seed, "seed")
        configs = np.empty((n, self.num_sites), dtype=np.uint8)
        log_psi = complex_out(n)
        call("rnnwf_sample", self, seed, n, ptr("uint8_t *", configs),
             ptr("rnnwf_complex *", log_psi), interruptible=long_call(n * configs.shape[1]))
        return configs, log_psi

    def log_psi(self, configs: npt.ArrayLike) -> np.ndarray:
        """ln psi of each row of ``configs`` (n, num_sites): complex128 (n,); re = -inf
        outside the U(1) subspace."""
        c = configs_in(configs, self.num_sites)
        out = complex_out(c.shape[0])
        call("rnnwf_log_psi", self, ptr("uint8_t *", c), c.shape[0], ptr("rnnwf_complex *", out),
             interruptible=long_call(c.size))
        return out

    def log_psi_grad(self, configs: npt.ArrayLike) -> np.ndarray:
        """d ln psi / d theta of each row of ``configs``: complex128 (n, num_params),
        parameters in the order of get_params()."""
        c = configs_in(configs, self.num_sites)
        out = complex_out((c.shape[0], self.num_params))
        call("rnnwf_log_psi_grad", self, ptr("uint8_t *", c), c.shape[0],
             ptr("rnnwf_complex *", out), interruptible=long_call(c.size))
        return out

    def local_energies(self, h: Hamiltonian, configs: npt.ArrayLike) -> np.ndarray:
        """E_loc(s) = sum_s' <s|h|s'> psi(s')/psi(s) of each row: complex128 (n,)."""
        c = configs_in(configs, self.num_sites)
        out = complex_out(c.shape[0])
        call("rnnwf_local_energies", self, h, ptr("uint8_t *", c), c.shape[0],
             ptr("rnnwf_complex *", out), interruptible=long_call(c.size))
        return out

    def log_psi_connected(self, config: npt.ArrayLike, offsets: npt.ArrayLike,
                          sites: npt.ArrayLike, values: npt.ArrayLike) -> np.ndarray:
        """ln psi of the configurations equal to ``config`` (num_sites,) except that
        connection c sets ``sites[offsets[c]:offsets[c+1]]`` to the matching ``values``
        (``offsets``: n_conn + 1 entries from 0): complex128 (n_conn,), with the prefix
        reuse of the local energies; re = -inf outside the U(1) subspace."""
        c = configs_in(np.reshape(config, (1, -1)), self.num_sites, "config")
        o = offsets_in(offsets, "offsets")
        if o.size == 0:
            raise invalid("offsets needs n_conn + 1 entries")
        s = uint32_in(sites, "sites")
        v = configs_in(np.reshape(values, (1, -1)), np.size(values), "values").ravel()
        # The C call reads offsets[-1] entries of sites and values: check they are there.
        if s.size != o[-1] or v.size != o[-1]:
            invalid(f"offsets ends at {o[-1]}, but sites has {s.size} entries and values "
                    f"{v.size}", ERR_BUFFER_SIZE)
        out = complex_out(o.size - 1)
        call("rnnwf_log_psi_connected", self, ptr("uint8_t *", c), o.size - 1,
             ptr("size_t *", o), ptr("uint32_t *", s), ptr("uint8_t *", v),
             ptr("rnnwf_complex *", out))
        return out

    def expectation(self, h: Hamiltonian, n_samples: int, seed: int) -> Estimate:
        """<h> from ``n_samples`` exact samples drawn with ``seed``."""
        n_samples, seed = count(n_samples, "n_samples"), count(seed, "seed")
        out = ffi.new("rnnwf_estimate *")
        call("rnnwf_expectation", self, h, seed, n_samples, out, interruptible=long_call(n_samples * self.num_sites))
        return Estimate._from_c(out)

    def renyi2(self, region: Sequence[int] | npt.ArrayLike, n_samples: int, seed: int) -> Estimate:
        """Second Renyi entropy S2 of the sites ``region`` (swap trick, ``n_samples`` pairs
        of exact samples): ``mean_re`` is S2, ``error`` its standard error."""
        r = uint32_in(region, "region")
        n_samples, seed = count(n_samples, "n_samples"), count(seed, "seed")
        out = ffi.new("rnnwf_estimate *")
        call("rnnwf_renyi2", self, ptr("uint32_t *", r), r.size, seed, n_samples, out, interruptible=long_call(n_samples * self.num_sites))
        return Estimate._from_c(out)

    def exact_expectation(self, h: Hamiltonian) -> complex:
        """<psi|h|psi>/<psi|psi> by the full sum over all 2^N configurations (N <= 24)."""
        out = ffi.new("rnnwf_complex *")
        call("rnnwf_exact_expectation", self, h, out, interruptible=True)
        return complex(out.re, out.im)

    def sign_free(self, h: Hamiltonian) -> bool:
        """Whether every off-diagonal element of ``h``, times this model's sign rule on both
        sides, is <= 0, so that a positive amplitude (no phase head) can be exact."""
        out = ffi.new("uint32_t *")
        call("rnnwf_sign_free", self, h, out)
        return out[0] == 1

    def restrict_symmetry(self, h: Hamiltonian) -> "Model":
        """A new model with the same weights and settings, averaged over the elements of its
        lattice group (``symmetry``) that leave ``h`` invariant: on the triangular lattice the
        identity, the half turn and the two diagonal reflections. For an ``h`` that is not
        real, a map that turns it into its complex conjugate is kept with the conjugation
        ("half_turn+conj" after the 120-degree rotation). The kept elements are saved with the
        model and kept by resize(). A model without a symmetry raises Error."""
        return Model._own(new_handle("rnnwf_model", "rnnwf_model_restrict_symmetry", self, h))

    @property
    def symmetry_size(self) -> int:
        """The number of group elements the amplitude is averaged over (1 without a symmetry)."""
        return self._size("rnnwf_model_symmetry_size")

    @property
    def symmetry_maps(self) -> list[str]:
        """The names of the group elements the amplitude is averaged over, the identity first:
        "identity", "reflect_x", "reflect_y", "half_turn", "quarter_turn",
        "three_quarter_turn", "diagonal", "antidiagonal", with "+flip" for the elements that
        also flip every site value and "+conj" for those that conjugate the amplitude (kept
        by restrict_symmetry for an operator that is not real: "half_turn+conj")."""
        n = self.symmetry_size
        out = np.empty(n, dtype=np.uint32)
        call("rnnwf_model_symmetry_maps", self, ptr("uint32_t *", out), n)
        names = {code: name for name, code in MAPS.items()}
        return [
            names[int(c) % WITH_FLIP]
            + ("+flip" if int(c) & WITH_FLIP else "")
            + ("+conj" if int(c) & WITH_CONJUGATE else "")
            for c in out
        ]

    def symmetry_invariant(self, h: Hamiltonian) -> bool:
        """Whether every element of this model's lattice group leaves ``h`` invariant (True
        without a symmetry); when not, restrict_symmetry(h) gives the model that does."""
        out = ffi.new("uint32_t *")
        call("rnnwf_symmetry_invariant", self, h, out)
        return out[0] == 1

    def __repr__(self) -> str:
        if self.closed:
            return "rnnwf.Model(<closed>)"
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"rnnwf.Model({args})"
