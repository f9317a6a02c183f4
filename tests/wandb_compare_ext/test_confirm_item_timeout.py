"""``wandb_compare_ext.confirm(item_timeout=...)`` with the real W&B SDK offline and a real
sqlite Optuna storage: an in-process train that hangs is abandoned after the limit, its
attempt fails (the trial FAIL, the run finished with the error) and the item is retried."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import optuna
import pytest

from wandb_compare_ext import confirm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _study import offline_env  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def test_function_that_hangs_is_abandoned_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in offline_env(tmp_path).items():
        if key.startswith("WANDB_"):
            monkeypatch.setenv(key, value)
    import wandb

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    release = threading.Event()
    calls: list[tuple[float, int]] = []

    def train(lr: float, seed: int) -> None:
        calls.append((lr, seed))
        if (lr, seed) == (0.2, 1) and calls.count((lr, seed)) == 1:
            release.wait(600)  # hangs on its first attempt; abandoned by item_timeout
            return
        wandb.log({"acc": lr + 0.001 * seed})

    try:
        result = confirm(
            [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.2}],
            train,
            metric="acc",
            adaptive=False,
            storage=storage,
            name="hangs",
            mode="offline",
            dir=tmp_path,
            item_timeout=10,
        )
    finally:
        release.set()
    assert result is not None and result.seeds_used == {"a": 3, "b": 3}
    assert calls.count((0.2, 1)) == 2
    study = optuna.load_study(study_name="hangs", storage=storage)
    timed_out = [
        t
        for t in study.get_trials(deepcopy=False)
        if "item_timeout" in str(t.user_attrs.get("confirm.error", ""))
    ]
    assert [
        (t.state, t.user_attrs["confirm.config"], t.user_attrs["confirm.seed"]) for t in timed_out
    ] == [(optuna.trial.TrialState.FAIL, "b", 1)]
