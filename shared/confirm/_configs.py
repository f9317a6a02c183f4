"""Configurations for confirm: a list of dicts, or a YAML/JSON file holding one."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shared.confirm._plan import config_names
from shared.errors import InputError

__all__ = ["load_configs"]


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read configurations from {str(path)!r}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset "
            f"{error.start}); save the configurations as UTF-8") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None
    try:
        import yaml
    except ImportError:  # pragma: no cover (pyyaml ships with the wandb/dev extras)
        raise InputError(f"{path}: reading YAML needs pyyaml (pip install pyyaml)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not YAML ({str(error).splitlines()[0]})") from None


def load_configs(configs: Sequence[Mapping[str, Any]] | str | os.PathLike[str]
                 ) -> dict[str, dict[str, Any]]:
    """``{name: params}`` from a list of dicts or a YAML/JSON file holding one.

    A file may also hold ``{"configs": [...]}``. Names: each dict's ``name``, else the params
    that vary between the configurations (``lr=0.1, hidden=32``).

    Example:
        >>> load_configs([{"name": "small", "hidden": 32}, {"name": "big", "hidden": 128}])
        {'small': {'hidden': 32}, 'big': {'hidden': 128}}
    """
    data: Any = configs
    if isinstance(configs, (str, os.PathLike)):
        data = _read(Path(configs))
        if isinstance(data, Mapping) and "configs" in data:
            data = data["configs"]
    if isinstance(data, Mapping) or not isinstance(data, Sequence) or isinstance(data, str):
        raise InputError("configurations must be a list of dicts of params")
    return config_names(list(data))
