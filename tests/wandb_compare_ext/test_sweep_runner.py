"""The local sweep runner with the real W&B SDK (offline) and real Optuna storage.

Every trial is a real offline W&B run; studies live in SQLite (or, for the test with two runner
processes, a fresh PostgreSQL database on 127.0.0.1:5432, ``TRACKER_COMPARE_PG_URL`` to
override). Runs are kept few and short: the SDK takes about half a second per run.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import optuna
import pytest
import wandb

from wandb_compare_ext.sweep import SweepCallback, current_callback, run_sweep
from wandb_compare_ext.sweep._keys import ATTR_CONFIG, ATTR_ERROR, ATTR_RUN_ID

REPO = Path(__file__).resolve().parents[2]
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


# the SDK offline, isolated (the shared fixture in conftest.py)
pytestmark = pytest.mark.usefixtures("offline_wandb")


def run_dirs(root: Path) -> dict[str, Path]:
    """Offline run folders by run id (the ones with a .wandb log)."""
    out = {}
    for folder in (root / "wandb").glob("offline-run-*"):
        if list(folder.glob("run-*.wandb")):
            out[folder.name.rsplit("-", 1)[1]] = folder
    return out


def states(study_name: str, storage: str) -> list[str]:
    study = optuna.load_study(study_name=study_name, storage=storage)
    return [t.state.name for t in study.get_trials()]


FACTOR = {"sgd": 2.0, "adam": 1.0, "rms": 3.0}


@pytest.mark.timeout(120)
def test_grid_covers_the_product_once_with_config_as_wandb_config(tmp_path):
    config = {
        "name": "grid-demo",
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {
            "lr": {"values": [0.1, 0.2]},
            "opt": {"parameters": {"name": {"values": ["sgd", "adam", "rms"]}}},
            "epochs": {"value": 2},
        },
    }
    seen = []

    def train():  # W&B agent style: no argument, its own wandb.init(), reads wandb.config
        run = wandb.init(config={"lr": 999.0, "extra": 7})  # defaults, as training code has
        c = wandb.config
        seen.append(
            {
                "lr": c["lr"],
                "opt": dict(c["opt"]),
                "epochs": c["epochs"],
                "extra": c["extra"],
                "group": run.group,
                "id": run.id,
            }
        )
        for epoch in range(c["epochs"]):
            wandb.log({"loss": c["lr"] * FACTOR[c["opt"]["name"]] + epoch})
        wandb.finish()  # as W&B's examples for wandb.agent do

    storage = f"sqlite:///{tmp_path}/grid.db"
    result = run_sweep(config, train, storage=storage)
    assert result.stop_reason == "grid_complete"
    assert len(result.trials) == 6 and all(t.state == "COMPLETE" for t in result.trials)
    product = {(lr, name) for lr, name in itertools.product([0.1, 0.2], ["sgd", "adam", "rms"])}
    assert sorted((s["lr"], s["opt"]["name"]) for s in seen) == sorted(product)
    # the sweep's values override the function's defaults; its other defaults stay
    assert all(s["epochs"] == 2 and s["extra"] == 7 and s["group"] == "grid-demo" for s in seen)
    assert sorted(s["id"] for s in seen) == sorted(t.run_id for t in result.trials)
    # each trial's value is the run's summary (last logged) value of the metric
    for t in result.trials:
        lr, name = t.config["lr"], t.config["opt"]["name"]
        assert t.value == pytest.approx(lr * FACTOR[name] + 1)
    assert result.best["config"] == {"lr": 0.1, "opt": {"name": "adam"}, "epochs": 2}
    # every trial is a real offline W&B run, and the study is in the storage
    assert {t.run_id for t in result.trials} <= set(run_dirs(tmp_path))
    assert states("grid-demo", storage) == ["COMPLETE"] * 6
    # running it again resumes the same study: nothing left to run
    again = run_sweep(config, train, storage=storage)
    assert again.trials == () and again.stop_reason == "grid_complete"
    assert len(seen) == 6


@pytest.mark.timeout(120)
def test_run_cap_and_resume_continue_the_same_study(tmp_path):
    config = {
        "method": "random",
        "metric": {"name": "score", "goal": "maximize"},
        "run_cap": 3,
        "parameters": {"x": {"distribution": "uniform", "min": 0.0, "max": 1.0}},
    }

    def train(sweep):
        assert current_callback() is sweep
        sweep.log({"score": sweep.config["x"]})

    storage = f"sqlite:///{tmp_path}/cap.db"
    first = run_sweep(config, train, count=2, storage=storage, seed=1)
    assert first.stop_reason == "count" and [t.number for t in first.trials] == [0, 1]
    second = run_sweep(config, train, count=5, storage=storage, seed=2)
    assert second.study_name == first.study_name
    assert second.stop_reason == "run_cap" and [t.number for t in second.trials] == [2]
    third = run_sweep(config, train, storage=storage)
    assert third.trials == () and third.stop_reason == "run_cap"
    study = optuna.load_study(study_name=first.study_name, storage=storage)
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert all(t.value == pytest.approx(t.user_attrs[ATTR_CONFIG]["x"]) for t in study.trials)
    assert study.best_value == max(t.value for t in study.trials)
    # a different config cannot take over the study
    with pytest.raises(Exception, match="created by another sweep config"):
        run_sweep({**config, "run_cap": 4}, train, storage=storage, study_name=first.study_name)


@pytest.mark.timeout(120)
def test_target_ends_the_sweep(tmp_path):
    config = {
        "method": "grid",
        "metric": {"name": "loss", "target": 1.5},
        "parameters": {"k": {"values": [3, 1, 2, 0, 4]}},
    }
    ran = []

    def train(sweep):
        ran.append(sweep.config["k"])
        sweep.log({"loss": float(sweep.config["k"])})

    result = run_sweep(config, train, seed=0)
    assert result.stop_reason == "target"
    # the sweep stops starting runs right after the first run at or below 1.5
    assert ran[-1] <= 1.5 and all(k > 1.5 for k in ran[:-1])


@pytest.mark.timeout(120)
def test_metric_never_reported_fails_the_trial_and_loses_nothing(tmp_path, caplog):
    config = {
        "method": "grid",
        "metric": {"name": "val_loss"},
        "parameters": {"mode": {"values": ["silent", "crash", "ok"]}},
    }

    def train(sweep):
        mode = sweep.config["mode"]
        if mode == "crash":
            raise RuntimeError("out of memory")
        sweep.log({"accuracy": 0.5, **({"val_loss": 0.25} if mode == "ok" else {})})

    storage = f"sqlite:///{tmp_path}/fail.db"
    result = run_sweep(config, train, storage=storage, study_name="fail")
    by_mode = {t.config["mode"]: t for t in result.trials}
    assert by_mode["ok"].state == "COMPLETE" and by_mode["ok"].value == 0.25
    silent = by_mode["silent"]
    assert silent.state == "FAIL"
    assert "'val_loss' was never reported" in silent.message
    assert "accuracy" in silent.message and "\n" not in silent.message
    assert by_mode["crash"].state == "FAIL"
    assert "RuntimeError: out of memory" in by_mode["crash"].message
    assert len(result.warnings) == 2
    assert any("never reported" in r.getMessage() for r in caplog.records)
    study = optuna.load_study(study_name="fail", storage=storage)
    assert len(study.trials) == 3  # nothing lost: every trial recorded, failures as FAIL
    fails = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert len(fails) == 2 and all(ATTR_ERROR in t.user_attrs for t in fails)
    assert {t.user_attrs[ATTR_RUN_ID] for t in study.trials} <= set(run_dirs(tmp_path)), list(
        (tmp_path / "wandb").iterdir()
    )


def replay_strict_hyperband(
    histories: list[list[float]], eta: float, bands: list[int]
) -> list[bool]:
    """Independent restatement of W&B's strict rule for runs executed one after another."""
    done: list[list[float]] = []
    stopped = []
    for h in histories:
        mine: list[float] = []
        stop = False
        for value in h:
            mine.append(value)
            reached = [b for b in bands if b <= len(mine)]
            if reached:
                b = reached[-1]
                vals = sorted([d[b - 1] for d in done if len(d) >= b] + [mine[b - 1]])
                if mine[b - 1] > vals[int((1.0 / eta) * len(vals))]:
                    stop = True
                    break
        done.append(mine)
        stopped.append(stop)
    return stopped


@pytest.mark.timeout(120)
def test_hyperband_stops_runs_by_reports_in_function_sweeps(tmp_path):
    config = {
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"x": {"values": [0, 1, 2, 3]}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    # The k-th run's curve is 5k + 1/(t+1): each run is worse than the ones before it, so the
    # outcome does not depend on the grid's order. Bands are 1, 3, 9 (min_iter 1, eta 3).
    curves: list[list[float]] = []
    reports: list[int] = []

    def train(sweep):
        k = len(curves)
        curves.append([5.0 * k + 1.0 / (t + 1) for t in range(4)])
        reports.append(0)
        for t, value in enumerate(curves[k]):
            # _step jumps by 10 and other keys are logged: bands still count reports
            sweep.log({"loss": value, "lr": 0.1}, step=10 * t)
            reports[k] += 1
            if sweep.should_stop():
                break

    result = run_sweep(config, train, seed=0)
    expected = replay_strict_hyperband(curves, eta=3, bands=[1, 3, 9])
    # run 0 alone is its own threshold; run 1 at band 1: values 1 and 6, threshold
    # sorted[int(2 / 3)] = 1 < 6: stop; run 2: 1, 6, 11 -> sorted[1] = 6 < 11: stop; run 3 too.
    assert expected == [False, True, True, True]
    assert [t.state == "PRUNED" for t in result.trials] == expected
    assert reports == [4, 1, 1, 1]
    assert all("band 1" in t.message for t in result.trials[1:])
    assert result.trials[0].state == "COMPLETE" and result.trials[0].value == pytest.approx(0.25)


PROGRAM = textwrap.dedent(
    """
    import json, os, sys
    import wandb
    from wandb_compare_ext.sweep import SweepCallback

    args = sys.argv[1:]
    run = wandb.init()
    out = {"argv": args, "config": dict(run.config), "group": run.group, "id": run.id}
    with open(os.path.join(os.environ["OUT_DIR"], run.id + ".json"), "w") as f:
        json.dump(out, f)
    sweep = SweepCallback.from_env()
    if run.config["lr"] == 0.1:
        for epoch in range(3):
            sweep.log({"loss": run.config["lr"] * 10 + epoch})
    elif run.config["lr"] == 0.2:  # plain wandb.log: the runner reads W&B's own log
        for epoch in range(3):
            wandb.log({"loss": run.config["lr"] * 10 + epoch})
    else:
        wandb.log({"accuracy": 1.0})  # never reports the metric
    sweep.finish()
    run.finish()
    """
)


@pytest.mark.timeout(180)
def test_program_sweep_gets_key_value_args_and_reports_back(tmp_path):
    program = tmp_path / "train.py"
    program.write_text(PROGRAM)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    config = {
        "method": "grid",
        "program": str(program),
        "metric": {"name": "loss"},
        "parameters": {
            "lr": {"values": [0.1, 0.2, 0.5]},
            "opt": {"parameters": {"name": {"value": "sgd"}}},
        },
    }
    storage = f"sqlite:///{tmp_path}/prog.db"
    result = run_sweep(
        config,
        storage=storage,
        study_name="prog",
        program_env={"OUT_DIR": str(out_dir), "PYTHONPATH": str(REPO)},
    )
    assert result.stop_reason == "grid_complete"
    by_lr = {t.config["lr"]: t for t in result.trials}
    records = {p.stem: json.loads(p.read_text()) for p in out_dir.glob("*.json")}
    assert set(records) == {t.run_id for t in result.trials}
    for lr, t in by_lr.items():
        rec = records[t.run_id]
        # W&B agent's default command: ${env} ${interpreter} ${program} ${args}
        assert rec["argv"] == [f"--lr={lr}", "--opt={'name': 'sgd'}"]
        assert rec["config"] == {"lr": lr, "opt": {"name": "sgd"}}
        assert rec["group"] == "prog"
    ok = by_lr[0.1]
    assert ok.state == "COMPLETE" and ok.value == pytest.approx(3.0)  # last report: 1 + 2
    plain = by_lr[0.2]
    assert plain.state == "COMPLETE" and plain.value == pytest.approx(4.0)  # summary: 2 + 2
    bad = by_lr[0.5]
    assert bad.state == "FAIL" and "'loss' was never reported" in bad.message
    study = optuna.load_study(study_name="prog", storage=storage)
    assert len(study.trials) == 3
    reported = {
        t.user_attrs[ATTR_CONFIG]["lr"]: t.intermediate_values
        for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE
    }
    # reports through the callback, and reports read back from W&B's log, numbered 1, 2, 3
    assert reported[0.1] == pytest.approx({1: 1.0, 2: 2.0, 3: 3.0})
    assert reported[0.2] == pytest.approx({1: 2.0, 2: 3.0, 3: 4.0})


@pytest.fixture
def pg_url():
    import psycopg2
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ.get("TRACKER_COMPARE_PG_URL", PG_DEFAULT))
    name = f"tc_sweep_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def admin():
        conn = psycopg2.connect(
            host=admin_url.host,
            port=admin_url.port or 5432,
            user=admin_url.username,
            password=admin_url.password,
            dbname=admin_url.database or "postgres",
        )
        conn.autocommit = True
        return conn

    conn = admin()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    yield admin_url.set(database=name, drivername="postgresql+psycopg2").render_as_string(
        hide_password=False
    )
    conn = admin()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


RUNNER = textwrap.dedent(
    """
    import json, sys
    from wandb_compare_ext.sweep import run_sweep

    config, storage, name = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]

    def train(sweep):
        sweep.log({"loss": sum(v for v in sweep.config.values() if isinstance(v, (int, float)))})

    result = run_sweep(config, train, storage=storage, study_name=name)
    print(json.dumps({"stop": result.stop_reason, "n": len(result.trials)}))
    """
)


def run_two_runners(config: dict, storage: str, name: str, cwd: Path) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, json.dumps(config), storage, name],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=150)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


@pytest.mark.timeout(240)
def test_two_runner_processes_share_one_study_on_postgresql(tmp_path, pg_url):
    grid = {
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": [10, 20]}},
    }
    outs = run_two_runners(grid, pg_url, "shared-grid", tmp_path)
    assert sum(o["n"] for o in outs) == 6
    study = optuna.load_study(study_name="shared-grid", storage=pg_url)
    ran = [t for t in study.trials if ATTR_CONFIG in t.user_attrs]
    points = sorted((t.user_attrs[ATTR_CONFIG]["a"], t.user_attrs[ATTR_CONFIG]["b"]) for t in ran)
    assert points == sorted(itertools.product([1, 2, 3], [10, 20]))  # each point exactly once
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in ran)

    capped = {
        "method": "random",
        "metric": {"name": "loss"},
        "run_cap": 5,
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
    }
    outs = run_two_runners(capped, pg_url, "shared-cap", tmp_path)
    assert all(o["stop"] == "run_cap" for o in outs)
    assert sum(o["n"] for o in outs) == 5
    study = optuna.load_study(study_name="shared-cap", storage=pg_url)
    ran = [t for t in study.trials if ATTR_CONFIG in t.user_attrs]
    assert len(ran) == 5 and all(t.state == optuna.trial.TrialState.COMPLETE for t in ran)
    run_ids = [t.user_attrs[ATTR_RUN_ID] for t in ran]
    assert len(set(run_ids)) == 5 and set(run_ids) <= set(run_dirs(tmp_path))


def test_callback_outside_a_sweep():
    assert current_callback() is None
    assert SweepCallback.from_env() is None


def final_run_tags(path: Path) -> list[str]:
    """The tags of the last Run record W&B wrote to an offline run's .wandb log."""
    from wandb.proto import wandb_internal_pb2 as pb

    from wandb_compare_ext._offline import read_wandb_log

    tags: list[str] = []
    for payload in read_wandb_log(path).other:
        rec = pb.Record()
        rec.ParseFromString(payload)
        if rec.WhichOneof("record_type") == "run":
            tags = list(rec.run.tags)
    return tags


@pytest.mark.timeout(120)
def test_seeds_aggregated_best_run_tagged_and_comparison_updated(tmp_path):
    import statistics

    config = {
        "name": "seeds",
        "method": "grid",
        "metric": {"name": "acc", "goal": "maximize"},
        "parameters": {"lr": {"values": [0.1, 0.2]}, "seed": {"values": [0, 1, 2]}},
    }
    noise = {0: 0.0, 1: 0.004, 2: -0.003}

    def acc(lr: float, seed: int) -> float:
        return (0.9 if lr == 0.1 else 0.8) + 0.01 * seed + noise[seed] * (1 if lr == 0.1 else -1)

    def train(sweep):
        c = sweep.config
        for epoch in range(3):
            sweep.log({"acc": acc(c["lr"], c["seed"]) - 0.01 * (2 - epoch)})

    storage = f"sqlite:///{tmp_path}/seeds.db"
    result = run_sweep(config, train, storage=storage)
    assert len(result.trials) == 6
    best, other = result.configurations
    assert dict(best.config) == {"lr": 0.1} and dict(other.config) == {"lr": 0.2}
    for agg, lr in ((best, 0.1), (other, 0.2)):
        values = [acc(lr, s) for s in (0, 1, 2)]
        assert sorted(agg.values) == pytest.approx(sorted(values))
        assert agg.mean == pytest.approx(statistics.mean(values))
        assert agg.std == pytest.approx(statistics.stdev(values))
    study = optuna.load_study(study_name="seeds", storage=storage)
    assert study.user_attrs["wandb_sweep:best_configuration"] == best.to_dict()

    # the comparison of configurations, recomputed by shared.compare_runs after each trial
    comparison = result.comparison
    assert comparison == study.user_attrs["wandb_sweep:comparison"]
    assert comparison["metric"]["name"] == "acc" and comparison["seed_key"] == "seed"
    by_name = {c["name"]: c for c in comparison["configs"]}
    assert set(by_name) == {"lr=0.1", "lr=0.2"}
    assert sorted(by_name["lr=0.1"]["runs"]) == sorted(best.run_ids)
    assert comparison["decision"]["winner"] == "lr=0.1"

    # the run of the best configuration so far is tagged when it ends (W&B's own log says so)
    logs = {p.parent.name.rsplit("-", 1)[1]: p for p in (tmp_path / "wandb").glob("*/run-*.wandb")}
    done: list[tuple[float, int, float]] = []
    for t in result.trials:
        done.append((t.config["lr"], t.number, t.value))
        means = {
            lr: statistics.mean(v for x, _, v in done if x == lr) for lr in {x for x, _, _ in done}
        }
        leader = max(means, key=means.get)
        tagged = "sweep-best" in final_run_tags(logs[t.run_id])
        assert tagged == (t.config["lr"] == leader), (t, means)


@pytest.mark.timeout(120)
def test_agent_style_function_with_plain_wandb_log_gets_hyperband_from_wandbs_log(tmp_path):
    """A loop written for wandb.agent (wandb.log only) asks current_callback().should_stop():
    the reports come from W&B's own log of the run, as soon as W&B has written them."""
    import time

    config = {
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"x": {"values": [0, 1]}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    seen: list[tuple[int, bool]] = []

    def train():
        k = len(seen)
        wandb.init()
        for t in range(3):
            wandb.log({"loss": 10.0 * k + 1.0 / (t + 1)})
        sweep = current_callback()
        deadline = time.monotonic() + 20
        stop = sweep.should_stop()
        while not stop and len(sweep.history) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)  # W&B writes its log on its own schedule
            stop = sweep.should_stop()
        seen.append((len(sweep.history), stop))

    result = run_sweep(config, train, storage=f"sqlite:///{tmp_path}/agent.db", study_name="a")
    # run 0 alone never stops; run 1 is judged at band 3 (its 3rd report, 10.33) against
    # sorted([1/3, 10.33])[int(2/3)] = 1/3: it stops.
    assert seen == [(3, False), (3, True)]
    assert [t.state for t in result.trials] == ["COMPLETE", "PRUNED"]
    study = optuna.load_study(study_name="a", storage=f"sqlite:///{tmp_path}/agent.db")
    assert study.trials[0].intermediate_values == pytest.approx({1: 1.0, 2: 0.5, 3: 1 / 3})
    assert study.trials[1].intermediate_values == pytest.approx({1: 11.0, 2: 10.5, 3: 10 + 1 / 3})


@pytest.mark.timeout(60)
def test_agent_style_function_that_never_starts_a_run_fails_clearly(tmp_path):
    calls = []

    def train():  # forgot wandb.init()
        calls.append(1)

    config = {"method": "grid", "metric": {"name": "loss"}, "parameters": {"x": {"value": 1}}}
    result = run_sweep(config, train, storage=f"sqlite:///{tmp_path}/n.db", study_name="n")
    (trial,) = result.trials
    assert calls == [1] and trial.state == "FAIL"
    assert "never started a W&B run" in trial.message and "wandb.init()" in trial.message
    assert states("n", f"sqlite:///{tmp_path}/n.db") == ["FAIL"]
