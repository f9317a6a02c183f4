"""``confirm_with``: the one place the adapters' ``confirm`` options and defaults live.

The adapters add only where their runs go; the design options are declared once
(``ConfirmOptions``) and run by the core. The tracker is made only once the input is accepted.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import optuna
import pytest

from mlflow_compare_plugin import confirm as mlflow_confirm
from shared.confirm._start import ConfirmOptions, confirm_with
from shared.errors import InputError
from wandb_compare_ext import confirm as wandb_confirm

optuna.logging.set_verbosity(optuna.logging.WARNING)


class Counting:
    """A tracker that records its calls and how often it was made (no tracker behind it)."""

    name = "sim"

    def __init__(self) -> None:
        self.items: list[tuple[str, int]] = []

    def open_parent(self, study: str, plan: Any) -> str:
        return "parent-1"

    def start_item(self, parent: str, config: str, params: Any, seed: int, attempt: int) -> Any:
        self.items.append((config, seed))
        return type("Handle", (), {"run_id": f"{config}/{seed}/{attempt}"})()

    def call(self, handle: Any, train: Any) -> Any:
        return train()

    def logged(self, handle: Any, metric: str) -> None:
        return None

    def end_item(self, handle: Any, metrics: Any, error: Any) -> None:
        return None

    def abandon(self, run_ids: Any) -> None:
        return None

    def publish(self, parent: str, comparison: Any, result: Any) -> None:
        return None

    def fail_parent(self, parent: str, message: str) -> None:
        return None


def test_bad_input_is_refused_before_a_tracker_is_made() -> None:
    made: list[Counting] = []

    def tracker() -> Counting:
        made.append(Counting())
        return made[-1]

    configs = [{"lr": 0.1}, {"lr": 0.2}]
    with pytest.raises(InputError, match="max_seeds"):
        confirm_with(
            configs, lambda lr, seed: lr, tracker, optuna=optuna, metric="acc", seeds=5, max_seeds=3
        )
    with pytest.raises(InputError, match="metric"):
        confirm_with(configs, lambda lr, seed: lr, tracker, optuna=optuna, metric=":max")
    assert made == []


def test_the_defaults_run_the_design_and_make_one_tracker() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, 64)
    made: list[Counting] = []

    def tracker() -> Counting:
        made.append(Counting())
        return made[-1]

    def train(lr: float, seed: int) -> float:
        return (1.0 if lr == 0.1 else 0.0) + noise[seed]

    result = confirm_with([{"lr": 0.1}, {"lr": 0.2}], train, tracker, optuna=optuna, metric="acc")
    assert result is not None
    assert len(made) == 1
    assert (result.winner, result.stopped_because) == ("lr=0.1", "decided")
    # the defaults: 3 seeds first, then rounds of 3, never past 20
    assert sorted(made[0].items[:6]) == [(c, s) for c in ("lr=0.1", "lr=0.2") for s in range(3)]
    for config, used in result.seeds_used.items():
        assert used <= 20 and (used - 3) % 3 == 0, (config, used)
        assert sorted(s for c, s in made[0].items if c == config) == list(range(used))


@pytest.mark.parametrize("adapter", [mlflow_confirm, wandb_confirm], ids=["mlflow", "wandb"])
def test_the_adapters_pass_the_options_on_instead_of_repeating_them(adapter: Any) -> None:
    params = inspect.signature(adapter).parameters
    core = inspect.signature(confirm_with).parameters
    assert set(ConfirmOptions.__annotations__) == set(core) - {
        "configs",
        "train",
        "tracker",
        "optuna",
        "metric",
    }
    assert not set(ConfirmOptions.__annotations__) & set(params)
    assert [p.kind for p in params.values()][-1] is inspect.Parameter.VAR_KEYWORD
