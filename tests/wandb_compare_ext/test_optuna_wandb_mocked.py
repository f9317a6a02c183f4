"""A user's test suite that replaces ``wandb`` with a mock (issue 19 item 10).

optuna-integration's own W&B tests patch ``sys.modules["wandb"]`` with a ``MagicMock`` and
count calls; 9 of its 19 failed against ours with ``No module named 'wandb.sdk'`` because the
routing of ``wandb.log`` imported W&B internals at call time. The mock is the user's (their
suite's choice, not a patch of ours): the callback must fall back to W&B's public attributes.
"""

from __future__ import annotations

import sys
from unittest import mock

import optuna


def test_track_in_wandb_with_wandb_mocked_by_the_users_suite() -> None:
    from wandb_compare_ext.optuna import WeightsAndBiasesCallback

    fake = mock.MagicMock()
    fake.sdk.wandb_run.Run = mock.MagicMock  # upstream's suite patches the class check alike
    runs = []

    def init(**kwargs):
        run = mock.MagicMock()
        runs.append((kwargs, run))
        return run

    fake.init.side_effect = init
    with mock.patch.dict(sys.modules, {"wandb": fake}):
        callback = WeightsAndBiasesCallback(
            metric_name="value", as_multirun=True, wandb_kwargs={"project": "p"}
        )

        @callback.track_in_wandb()
        def objective(trial: optuna.Trial) -> float:
            x = trial.suggest_float("x", -1, 1)
            import wandb

            wandb.log({"inner": x})  # routed to this trial's run
            return x**2

        study = optuna.create_study()
        study.optimize(objective, n_trials=3, callbacks=[callback])
    assert len(runs) == 3
    for (kwargs, run), trial in zip(runs, study.trials, strict=True):
        assert kwargs["project"] == "p"
        logged = [c.args[0] for c in run.log.call_args_list]
        assert {"inner": trial.params["x"]} in logged
