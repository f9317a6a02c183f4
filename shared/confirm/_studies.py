"""The top K configurations of a finished Optuna study or local W&B sweep, as confirm's input.

Optuna is passed in (the core never imports it). A sweep run by ``wandb-compare sweep`` is an
Optuna study too (its storage and name); its trials carry the sweep's params.
"""

from __future__ import annotations

import json
from typing import Any

from shared.errors import InputError

__all__ = ["top_configs"]


def top_configs(optuna: Any, storage: str, study_name: str, k: int, *,
                what: str = "--from-study") -> tuple[list[dict[str, Any]], str]:
    """The params of the ``k`` best distinct COMPLETE trials, and the study's goal.

    Raises:
        InputError: no such study, a multi-objective study, or no finished trial.
        TrackerUnreachable: the storage cannot be reached.
    """
    from shared.store_setup import sqlite_file, storage_error

    path = sqlite_file(storage) if isinstance(storage, str) else None
    if path is not None and not path.is_file():
        # Opening it would create an empty database where the user expected their study.
        raise InputError(f"{what}: no sqlite file {str(path)!r} (storage {storage!r})")
    try:
        summaries = optuna.study.get_all_study_summaries(storage=storage, include_best_trial=False)
    except Exception as error:  # noqa: BLE001 (SQLAlchemy's errors: the storage is unusable)
        raise storage_error(storage, error, what) from None
    names = [s.study_name for s in summaries]
    if study_name not in names:
        raise InputError(f"{what}: no study {study_name!r} in {storage} "
                         f"(it has: {', '.join(names) or 'none'})")
    study = optuna.load_study(study_name=study_name, storage=storage)
    if len(study.directions) != 1:
        raise InputError(f"{what}: study {study_name!r} has {len(study.directions)} objectives; "
                         "confirm compares one metric")
    goal = "minimize" if study.direction == optuna.study.StudyDirection.MINIMIZE else "maximize"
    done = [t for t in study.get_trials(deepcopy=False)
            if t.state == optuna.trial.TrialState.COMPLETE and t.value is not None]
    if not done:
        raise InputError(f"{what}: study {study_name!r} has no finished trial")
    done.sort(key=lambda t: t.value, reverse=goal == "maximize")
    configs, seen = [], set()
    for trial in done:
        params = {k: v for k, v in trial.params.items() if k != "seed"}
        key = json.dumps(params, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        configs.append(params)
        if len(configs) == k:
            break
    if len(configs) < 2:
        raise InputError(f"{what}: study {study_name!r} has fewer than 2 distinct configurations")
    return configs, goal
