"""A NaN or infinite metric from train is a failed attempt, retried like an exception.

Real confirm on a real sqlite MLflow store. One seed diverges once (NaN on its first attempt):
the confirm retries it and finishes, the failed attempt's run says what was returned. A seed
that always returns inf stops the confirm after ``max_attempts`` with a message naming the
value (it said "never returned or logged ... (returned: ['val_acc'])" and stopped at once).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from mlflow_compare_plugin import confirm
from shared.confirm import ConfirmFailed

pytestmark = pytest.mark.timeout(300)

CONFIGS = [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.01}]


def test_one_nan_attempt_is_retried(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    calls: dict[tuple[float, int], int] = {}

    def train(lr: float, seed: int) -> dict[str, float]:
        calls[(lr, seed)] = calls.get((lr, seed), 0) + 1
        if (lr, seed) == (0.01, 1) and calls[(lr, seed)] == 1:
            return {"val_acc": float("nan")}
        return {"val_acc": 0.8 - lr + 0.01 * seed}

    result = confirm(CONFIGS, train, metric="val_acc", seeds=3, max_seeds=3,
                     tracking_uri=uri, experiment_name="nan")  # fmt: skip
    assert result.seeds_used == {"a": 3, "b": 3}
    assert calls[(0.01, 1)] == 2
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("nan").experiment_id
    failed = client.search_runs([exp], "attributes.status = 'FAILED'",
                                run_view_type=ViewType.ALL)  # fmt: skip
    assert len(failed) == 1
    assert "returned val_acc=nan" in failed[0].data.tags["confirm.error"]


def test_always_inf_stops_after_max_attempts_saying_what_was_returned(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    calls: list[int] = []

    def train(lr: float, seed: int) -> dict[str, float]:
        if lr == 0.01 and seed == 0:
            calls.append(seed)
            return {"val_acc": float("inf")}
        return {"val_acc": 0.8}

    with pytest.raises(ConfirmFailed, match=r"returned val_acc=inf") as stopped:
        confirm(CONFIGS, train, metric="val_acc", seeds=3, max_seeds=3, max_attempts=2,
                tracking_uri=uri, experiment_name="inf")  # fmt: skip
    assert len(calls) == 2  # retried up to max_attempts, then stopped
    assert "never returned" not in str(stopped.value)


def test_train_calling_sys_exit_is_a_failed_attempt(tmp_path: Path) -> None:
    """``sys.exit(3)`` inside train made confirm exit 3 ("unreachable") with no message."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    calls: list[int] = []

    def train(lr: float, seed: int) -> dict[str, float]:
        if (lr, seed) == (0.1, 2) and not calls:
            calls.append(seed)
            raise SystemExit(3)
        return {"val_acc": 0.8 - lr + 0.01 * seed}

    result = confirm(CONFIGS, train, metric="val_acc", seeds=3, max_seeds=3,
                     tracking_uri=uri, experiment_name="exit")  # fmt: skip
    assert result.seeds_used == {"a": 3, "b": 3} and calls == [2]
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("exit").experiment_id
    failed = client.search_runs([exp], "attributes.status = 'FAILED'",
                                run_view_type=ViewType.ALL)  # fmt: skip
    assert len(failed) == 1
    assert failed[0].data.tags["confirm.error"] == "train called sys.exit(3)"
