"""Setting up a local sweep's Optuna study, and the questions the loop asks it.

Which sampler a W&B ``method`` becomes, creating or resuming the study (refusing one made by
another config), the storage (with heartbeats so a dead runner's trial is failed), drawing a
trial's config, and whether the sweep is over (``run_cap``, ``metric.target``, a covered grid).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import InputError
from wandb_compare_ext.sweep._config import SweepConfig
from wandb_compare_ext.sweep._distributions import grid_size
from wandb_compare_ext.sweep._keys import ATTR_SKIPPED, STUDY_FINGERPRINT, STUDY_SWEEP_CONFIG

__all__ = [
    "Heartbeat",
    "SweepContext",
    "default_seed_key",
    "live_trials",
    "make_storage",
    "new_run_id",
    "open_study",
    "sampler",
    "suggest",
    "sweep_done",
]


@dataclass
class SweepContext:
    """What every trial of one :func:`run_sweep` call needs: the config, the study, where runs go."""

    cfg: SweepConfig
    study: Any
    storage: Any
    storage_url: str | None
    study_name: str
    project: str | None
    entity: str | None
    mode: str | None
    wandb_dir: str | None
    interpreter: str | None
    program_env: Mapping[str, str]
    seed_key: str | None
    compare: bool
    warnings: list[str]


def _grid_sampler_class() -> type:
    import optuna

    class GridSampler(optuna.samplers.GridSampler):
        """Optuna's GridSampler, minus its ``study.stop()`` once the grid is covered.

        ``study.stop()`` only works inside ``optimize``; the runner drives ask/tell and ends the
        sweep itself when every grid point has a run (as W&B counts them).
        """

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return GridSampler


def _GridSampler(space: Mapping[str, Sequence[Any]], seed: int) -> Any:  # noqa: N802
    return _grid_sampler_class()(space, seed=seed)


def sampler(cfg: SweepConfig, seed: int | None) -> Any:
    """The Optuna sampler of the config's ``method`` (grid, random, bayes = TPE)."""
    import optuna

    if cfg.method == "grid":
        space = {p.name: p.grid_choices() for p in cfg.parameters if p.distribution != "constant"}
        if space:
            # A fixed seed: every runner process must order the grid the same way.
            return _GridSampler(space, seed=seed or 0)
        return optuna.samplers.RandomSampler(seed=seed)
    if cfg.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_study(cfg: SweepConfig, study_name: str, storage: Any, seed: int | None) -> Any:
    """Create or resume the study; refuse one made by another sweep config."""
    import optuna

    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        sampler=sampler(cfg, seed),
        direction=cfg.metric.goal,
        load_if_exists=True,
    )
    attrs = study.user_attrs
    if STUDY_FINGERPRINT not in attrs:
        study.set_user_attr(STUDY_FINGERPRINT, cfg.fingerprint())
        study.set_user_attr(STUDY_SWEEP_CONFIG, cfg.to_dict())
    elif attrs[STUDY_FINGERPRINT] != cfg.fingerprint():
        raise InputError(
            f"study {study_name!r} was created by another sweep config; give a new study name "
            f"or the config it was started with"
        )
    if study.direction.name.lower() != cfg.metric.goal:
        raise InputError(
            f"metric.goal: study {study_name!r} {study.direction.name.lower()}s, "
            f"the config says {cfg.metric.goal}"
        )
    return study


def live_trials(study: Any) -> list[Any]:
    """The study's trials that are runs (not the ones asked and skipped)."""
    return [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(ATTR_SKIPPED)]


def sweep_done(cfg: SweepConfig, study: Any) -> str | None:
    """Why the sweep is over (``run_cap``, ``target``, ``grid_complete``), or None."""
    import optuna

    trials = live_trials(study)
    if cfg.run_cap is not None and len(trials) >= cfg.run_cap:
        return "run_cap"
    if cfg.metric.target is not None:
        for t in trials:
            if t.state == optuna.trial.TrialState.COMPLETE and cfg.metric.reached(t.value):
                return "target"
    if cfg.method == "grid":
        names = [p.name for p in cfg.parameters if p.distribution != "constant"]
        seen = {
            json.dumps([t.params.get(n) for n in names], default=str)
            for t in trials
            if all(n in t.params for n in names)
        }
        if len(seen) >= grid_size(cfg.parameters):
            return "grid_complete"
    return None


def suggest(cfg: SweepConfig, trial: Any) -> dict[str, Any]:
    """The trial's flat config, drawn as the config's method and distributions say."""
    flat: dict[str, Any] = {}
    for spec in cfg.parameters:
        flat[spec.name] = spec.suggest_grid(trial) if cfg.method == "grid" else spec.suggest(trial)
    return flat


class Heartbeat:
    """Records an RDB storage heartbeat for a running trial, so a dead runner's trial is failed."""

    def __init__(self, storage: Any, trial_id: int) -> None:
        self._storage = storage
        self._trial_id = trial_id
        self._stop = threading.Event()
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self._thread = None
        if interval:
            self._interval = float(interval)
            self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while True:
            # A missed beat is not fatal: the next one retries.
            with contextlib.suppress(Exception):
                self._storage.record_heartbeat(self._trial_id)
            if self._stop.wait(self._interval):
                return

    def __enter__(self) -> Heartbeat:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def make_storage(storage: Any, heartbeat_interval: int | None) -> Any:
    """An Optuna storage for a URL (with heartbeats), an object, or None (in memory)."""
    import optuna

    if isinstance(storage, str):
        import sqlalchemy.exc

        from shared.store_setup import storage_error

        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(
                    storage,
                    heartbeat_interval=heartbeat_interval,
                    grace_period=None if heartbeat_interval is None else 2 * heartbeat_interval,
                )
            except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError) as error:
                # Runners started together on a fresh database race to create Optuna's
                # tables; the loser finds them made by the winner on the next try.
                if attempt == 4:
                    raise storage_error(storage, error) from None
                time.sleep(0.2 * (attempt + 1))
            except Exception as error:  # noqa: BLE001 (SQLAlchemy's: a path, a missing database)
                raise storage_error(storage, error) from None
    if storage is None:
        return optuna.storages.InMemoryStorage()
    return storage


def default_seed_key(cfg: SweepConfig) -> str | None:
    """The swept parameter that only changes the seed (``seed``/``random_seed``), if any."""
    for name in ("seed", "random_seed"):
        if any(p.name == name for p in cfg.parameters):
            return name
    return None


def new_run_id() -> str:
    """A fresh W&B run id."""
    import secrets
    import string

    # W&B run ids: 8 characters of lowercase letters and digits, like wandb's own.
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))
