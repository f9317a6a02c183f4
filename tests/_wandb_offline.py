"""The real ``wandb`` SDK offline and isolated in one folder, for in-process use: shared by the
W&B adapter's fixtures and the docstring examples (the root conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest


def isolate_offline_wandb(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """W&B's documented settings in the environment: offline, runs in ``folder``, its config,
    caches and data there too (nothing in the user's ~/.config/wandb), quiet, no git; the
    working directory ``folder``."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(folder))
    monkeypatch.setenv("WANDB_SILENT", "true")
    # no error reports: this machine has no internet, and a service sending one could wait
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    for name in ("CONFIG", "CACHE", "DATA"):
        monkeypatch.setenv(f"WANDB_{name}_DIR", str(folder / f".wandb-{name.lower()}"))
    monkeypatch.chdir(folder)
