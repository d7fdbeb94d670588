"""Human names of the enumerations, for printed output and plot titles ("minSR", "GRU"),
and the spellings accepted besides the C tables' names (``optimizer="minsr"``)."""

from __future__ import annotations

from typing import Any

# Accepted spelling -> the C table's name, per config field. minSR is the one name of SR
# solved in sample space; "sr" stays accepted (RNNWF_OPT_SR).
ALIASES: dict[str, dict[str, str]] = {
    "optimizer": {"minsr": "sr"},
    "preconditioner": {"minsr": "sr"},
}

# The name config dicts show, where it differs from the C table's.
SHOWN: dict[str, dict[str, str]] = {
    "optimizer": {"sr": "minsr"},
}

HUMAN: dict[str, dict[str, str]] = {
    "cell": {"vanilla": "vanilla RNN", "gru": "GRU", "vanilla_elu": "ELU RNN",
             "tensor_gru": "tensorized GRU", "linear_gated": "gated linear RNN"},
    "optimizer": {"sgd": "SGD", "adam": "Adam", "minsr": "minSR", "sr": "minSR"},
    "preconditioner": {"none": "none", "sr": "SR", "spring": "SPRING"},
}


def human(field: str, name: Any) -> str:
    """The printed name of a config value, e.g. human("optimizer", "minsr") == "minSR"."""
    return HUMAN.get(field, {}).get(name, str(name))


def human_config(config: dict[str, Any]) -> dict[str, str]:
    """A config dict (Model.config, Vmc.config) with every value as printed."""
    return {k: human(k, v) for k, v in config.items()}
