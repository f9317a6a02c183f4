"""Sweep configs: what is accepted, and one clear line naming the field for what is not."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shared.errors import InputError
from wandb_compare_ext.sweep import build_command, load_sweep_config, sweep_command

GOOD = {
    "name": "demo",
    "method": "bayes",
    "metric": {"name": "val_loss", "goal": "minimize", "target": 0.1},
    "run_cap": 5,
    "program": "train.py",
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "batch": {"values": [16, 32]},
        "optimizer": {"parameters": {"momentum": {"min": 0.0, "max": 0.99}}},
    },
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}


def test_good_config_is_parsed_with_wandb_defaults():
    cfg = load_sweep_config(GOOD)
    assert cfg.method == "bayes" and cfg.run_cap == 5 and cfg.program == "train.py"
    assert cfg.metric.name == "val_loss" and cfg.metric.target == 0.1
    assert [p.name for p in cfg.parameters] == ["lr", "batch", "optimizer.momentum"]
    assert cfg.parameters[2].distribution == "uniform"  # float min/max -> uniform
    assert cfg.early_terminate.bands[:3] == (2, 4, 8)
    assert cfg.command_template == ("${env}", "${interpreter}", "${program}", "${args}")
    assert load_sweep_config({**GOOD, "metric": {"name": "m"}}).metric.goal == "minimize"
    assert cfg.default_study_name() == "demo"


def test_yaml_file(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "method: grid\nmetric:\n  name: acc\n  goal: maximize\nparameters:\n"
        "  depth:\n    min: 1\n    max: 3\n  width:\n    distribution: q_uniform\n"
        "    min: 0\n    max: 1\n    q: 0.25\n"
    )
    cfg = load_sweep_config(path)
    assert cfg.metric.goal == "maximize"
    assert cfg.parameters[0].distribution == "int_uniform"
    assert cfg.parameters[0].grid_values() == [1, 2, 3]
    # W&B's grid takes numpy.arange(min, max, q) for q_uniform: max itself is left out
    assert cfg.parameters[1].grid_values() == [0.0, 0.25, 0.5, 0.75]


BAD = [
    ({**GOOD, "method": "anneal"}, "method"),
    ({**GOOD, "method": "custom"}, "method"),
    ({k: v for k, v in GOOD.items() if k != "method"}, "method"),
    ({k: v for k, v in GOOD.items() if k != "metric"}, "metric"),
    ({**GOOD, "metric": {"goal": "minimize"}}, "metric.name"),
    ({**GOOD, "metric": {"name": "loss", "goal": "max"}}, "metric.goal"),
    ({**GOOD, "metric": {"name": "loss", "target": "low"}}, "metric.target"),
    ({**GOOD, "metric": {"name": "loss", "impute": "best"}}, "metric.impute"),
    ({**GOOD, "run_cap": 0}, "run_cap"),
    ({**GOOD, "paramters": {}}, "paramters"),
    ({**GOOD, "job": "entity/project/job:v0"}, "job"),
    ({k: v for k, v in GOOD.items() if k != "parameters"}, "parameters"),
    ({**GOOD, "parameters": {}}, "parameters"),
    ({**GOOD, "parameters": {"lr": {"min": 0.1, "max": 0.01}}}, "parameters.lr.min"),
    ({**GOOD, "method": "grid"}, "parameters.lr"),  # log_uniform_values cannot be a grid
    ({**GOOD, "command": ["${env}", "${python}", "${program}"]}, "command[1]"),
    ({**GOOD, "command": "python train.py"}, "command"),
    ({k: v for k, v in {**GOOD, "command": ["${program}"]}.items() if k != "program"}, "program"),
    ({**GOOD, "early_terminate": {"type": "hyperband", "eta": 3}}, "early_terminate.min_iter"),
]


@pytest.mark.parametrize(("config", "field"), BAD)
def test_bad_config_names_the_field(config, field):
    with pytest.raises(InputError) as info:
        load_sweep_config(config)
    message = str(info.value)
    assert message.startswith(field + ":") or message.startswith(field + "."), message
    assert "\n" not in message and len(message) < 400


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="no such sweep config file"):
        load_sweep_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: grid\nparameters: [unclosed\n")
    with pytest.raises(InputError, match=r"not valid YAML \(line"):
        load_sweep_config(bad)
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="must be a mapping"):
        load_sweep_config(tmp_path / "list.yaml")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("method: anneal\nmetric: {name: loss}\nparameters: {x: {values: [1]}}\n", "method"),
        ("method: grid\nparameters: {x: {values: [1]}}\n", "metric"),
        (
            "method: random\nmetric: {name: l}\nparameters: {x: {min: 2, max: 1}}\n",
            "parameters.x.min",
        ),
    ],
)
def test_cli_bad_config_exits_2_with_one_line(tmp_path, text, field):
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    result = CliRunner().invoke(sweep_command, [str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {field}:"), lines[0]
    assert "Traceback" not in result.output


def test_cli_bad_function_exits_2(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("method: grid\nmetric: {name: l}\nparameters: {x: {values: [1]}}\n")
    result = CliRunner().invoke(sweep_command, [str(path), "--function", "no_such_module_xyz:f"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: --function:")
    result = CliRunner().invoke(sweep_command, [str(path)])  # neither function nor program
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: program:")


def test_build_command_macros_as_wandb_agent():
    config = {"lr": 0.001, "layers": [64, 64], "amp": False, "opt": {"name": "sgd"}}
    cmd = build_command(
        ["${env}", "${interpreter}", "${program}", "${args}"],
        config,
        program="train.py",
        interpreter="python3",
    )
    assert cmd == [
        "/usr/bin/env",
        "python3",
        "train.py",
        "--lr=0.001",
        "--layers=[64, 64]",
        "--amp=False",
        "--opt={'name': 'sgd'}",
    ]
    cmd = build_command(
        [
            "${envvar:MY_TOOL}",
            "${args_no_boolean_flags}",
            "${args_no_hyphens}",
            "${args_json}",
            "x${envvar:MY_TOOL}y",
        ],
        {"a": 1, "flag": True, "off": False},
        program=None,
        environ={"MY_TOOL": "tool"},
    )
    assert cmd == [
        "tool",
        "--a=1",
        "--flag",
        "a=1",
        "flag=True",
        "off=False",
        '{"a": 1, "flag": true, "off": false}',
        "xtooly",
    ]
