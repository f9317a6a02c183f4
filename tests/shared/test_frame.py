"""The MLflow search_runs DataFrame convention, both ways."""

import math

import pandas as pd
import pytest

from shared import History, InputError, Run, runs_from_frame, runs_to_frame


def test_round_trip_keeps_identity_params_metrics_tags():
    runs = [
        Run("wandb", "w1", name="alpha", experiment="ent/proj", status="FINISHED",
            start_time=1_700_000_000.0, end_time=1_700_000_060.0,
            params={"optimizer.lr": 0.001, "bs": 32, "layers": [64, 64]},
            tags={"team": "a"}, metrics={"val/loss": 0.5},
            histories={"val/loss": History(values=[1.0, 0.5])}),
        Run("mlflow", "m1", params={"optimizer.lr": 0.01}, metrics={"acc": 0.9}),
    ]
    df = runs_to_frame(runs)
    assert list(df.columns[:8]) == ["run_id", "experiment_id", "status", "start_time",
                                    "end_time", "tracker", "run_key", "run_name"]
    assert {"params.optimizer.lr", "params.bs", "metrics.val/loss", "tags.team"} <= set(df.columns)
    back = runs_from_frame(df)
    assert back[0].key == "wandb:w1" and back[1].key == "mlflow:m1"
    assert back[0].params == {"optimizer.lr": 0.001, "bs": 32, "layers": [64, 64]}
    assert back[0].start_time == pytest.approx(1_700_000_000.0)
    assert back[0].name == "alpha" and back[0].tags == {"team": "a"}
    assert back[1].params == {"optimizer.lr": 0.01}  # NaN cells mean "not logged"
    assert back[1].metrics == {"acc": 0.9}


def test_mlflow_shaped_frame_with_string_params():
    df = pd.DataFrame({
        "run_id": ["r1", "r2"],
        "experiment_id": ["0", "0"],
        "artifact_uri": ["file:///a", "file:///b"],
        "start_time": pd.to_datetime([1_700_000_000_000, None], unit="ms", utc=True),
        "params.lr": ["1e-4", "0.001"],
        "params.use_bn": ["True", "false"],
        "params.dropout": ["None", None],
        "metrics.acc": [0.8, math.nan],
        "tags.mlflow.runName": ["first", None],
    })
    runs = runs_from_frame(df)
    assert runs[0].tracker == "mlflow"
    assert runs[0].params == {"lr": 1e-4, "use_bn": True, "dropout": None}
    assert runs[1].params == {"lr": 0.001, "use_bn": False}
    assert runs[0].name == "first" and runs[1].name is None
    assert runs[1].metrics == {}
    assert runs[0].start_time == pytest.approx(1_700_000_000.0)
    assert runs[1].start_time is None


def test_hand_made_frame_without_run_id_uses_the_index():
    runs = runs_from_frame(pd.DataFrame({"params.x": [1, 2], "metrics.y": [0.1, 0.2]}))
    assert [r.id for r in runs] == ["0", "1"] and runs[0].tracker == "frame"


def test_frame_without_params_or_metrics_is_rejected():
    with pytest.raises(InputError, match="no 'params"):
        runs_from_frame(pd.DataFrame({"a": [1]}))


def test_duplicate_run_ids_are_rejected():
    with pytest.raises(InputError, match="appears twice"):
        runs_from_frame(pd.DataFrame({"run_id": ["a", "a"], "metrics.y": [1.0, 2.0]}))


def test_non_numeric_metric_is_a_clear_error():
    with pytest.raises(InputError, match="not a number"):
        runs_from_frame(pd.DataFrame({"run_id": ["a"], "metrics.y": ["high"]}))


def test_empty_run_list_gives_the_fixed_columns():
    assert list(runs_to_frame([]).columns)[:2] == ["run_id", "experiment_id"]


def test_whole_number_params_made_float_by_a_missing_cell_are_ints_again(tmp_path):
    # pd.read_csv turns a column of seeds with one empty cell into floats (3 -> 3.0)
    import pandas as pd

    (tmp_path / "runs.csv").write_text("run_id,params.seed,params.lr,metrics.acc\na,3,1.0,0.5\nb,,2.0,0.6\n")
    frame = pd.read_csv(tmp_path / "runs.csv")
    assert frame["params.seed"].dtype.kind == "f"
    runs = runs_from_frame(frame)
    assert runs[0].params == {"seed": 3, "lr": 1.0} and type(runs[0].params["seed"]) is int
    assert type(runs[0].params["lr"]) is float  # a float column with no gap stays float
    assert runs[1].params == {"lr": 2.0}
