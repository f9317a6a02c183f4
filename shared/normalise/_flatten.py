"""Flatten nested configs into dot keys, the way both trackers' params look."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["flatten_config"]

# Keys W&B adds for its own bookkeeping; they are not hyperparameters.
_INTERNAL_KEYS = frozenset({"_wandb"})


def _unwrap(value: Any) -> Any:
    """The W&B API returns config entries as ``{"value": x, "desc": ...}``: keep ``x``."""
    if isinstance(value, Mapping) and "value" in value and set(value) <= {"value", "desc"}:
        return value["value"]
    return value


def flatten_config(config: Mapping[str, Any], *, sep: str = ".") -> dict[str, Any]:
    """Flatten a nested config into ``{"optimizer.lr": 0.001}`` form.

    Unwraps the W&B API's ``{"value": ...}`` wrappers at every level, drops ``_wandb``
    internals, and keeps lists as values (a list of layer sizes is one hyperparameter).

    Args:
        config: the nested mapping (W&B ``run.config``, a YAML sweep config's parameters...).
        sep: the separator for nested keys.

    Example:
        >>> flatten_config({"optimizer": {"value": {"lr": 0.001, "name": "adam"}},
        ...                 "layers": [64, 64], "_wandb": {"cli_version": "0.31"}})
        {'optimizer.lr': 0.001, 'optimizer.name': 'adam', 'layers': [64, 64]}
    """
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        node = _unwrap(node)
        if isinstance(node, Mapping) and node:
            for key, child in node.items():
                key = str(key)
                if not prefix and key in _INTERNAL_KEYS:
                    continue
                walk(f"{prefix}{sep}{key}" if prefix else key, child)
        elif prefix:
            flat[prefix] = node if not isinstance(node, tuple) else list(node)

    walk("", config)
    return flat
