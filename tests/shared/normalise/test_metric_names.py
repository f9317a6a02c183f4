"""One name per metric across trackers, and a clear error when spellings collide."""

import pytest

from shared import AmbiguousMetricError, History, Run, UnknownMetricError, resolve_metric


def _run(rid, *names, tracker="mlflow"):
    return Run(tracker, rid, metrics={n: 1.0 for n in names})


def test_spellings_match_across_trackers():
    runs = [_run("a", "val_loss"), _run("b", "val/loss", tracker="wandb"), _run("c", "val.loss")]
    assert resolve_metric(runs, "val_loss") == {
        "mlflow:a": "val_loss", "wandb:b": "val/loss", "mlflow:c": "val.loss"}


def test_history_only_metrics_are_found():
    r = Run("wandb", "h", histories={"train/acc": History(values=[0.1])})
    assert resolve_metric([r], "train_acc") == {"wandb:h": "train/acc"}


def test_exact_spelling_wins_when_a_run_has_two():
    runs = [_run("a", "val_loss", "val/loss")]
    assert resolve_metric(runs, "val/loss") == {"mlflow:a": "val/loss"}


def test_two_spellings_in_one_run_without_an_exact_match_is_ambiguous():
    runs = [_run("a", "val_loss", "val/loss")]
    with pytest.raises(AmbiguousMetricError) as err:
        resolve_metric(runs, "val.loss")
    msg = str(err.value)
    assert "'val/loss'" in msg and "'val_loss'" in msg and "\n" not in msg


def test_metric_present_in_some_runs_only_is_resolved_for_those():
    runs = [_run("a", "acc"), _run("b", "loss")]
    assert resolve_metric(runs, "acc") == {"mlflow:a": "acc"}


def test_unknown_metric_lists_what_exists():
    with pytest.raises(UnknownMetricError) as err:
        resolve_metric([_run("a", "acc", "loss")], "f1")
    assert str(err.value) == "unknown metric 'f1'; the runs logged: acc, loss"
    assert err.value.exit_code == 2
