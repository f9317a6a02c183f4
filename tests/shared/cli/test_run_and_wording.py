"""The one compare -> publish -> emit -> gate path, and core messages worded for the CLI."""

from __future__ import annotations

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

from shared import Run, compare_runs
from shared.cli import check_comparison_options, comparison_options, handle_errors, run_comparison
from shared.errors import InputError
from shared.model import History


def _runs() -> list[Run]:
    """alpha=0.2 is better by 0.1 than alpha=0.1 on every one of 6 seeds."""
    out = []
    rng = np.random.default_rng(3)
    for alpha, base in ((0.1, 0.5), (0.2, 0.6)):
        for seed in range(6):
            final = base + float(rng.normal(0, 0.005))
            out.append(
                Run(
                    "test",
                    f"a{alpha}-s{seed}",
                    params={"alpha": alpha, "seed": seed},
                    metrics={"acc": final},
                    histories={"acc": History([0, 10, 20], [0.1, final / 2, final])},
                )
            )
    return out


def _command(published: list) -> click.Command:
    @click.command()
    @comparison_options
    @handle_errors
    def command(**options):
        check_comparison_options(options)
        run_comparison(_runs(), options, publish=published.append)

    return command


def test_run_comparison_publishes_prints_and_gates() -> None:
    published: list = []
    runner = CliRunner()
    result = runner.invoke(
        _command(published), ["-m", "acc", "--seed-key", "seed", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"]["winner"] == "alpha=0.2"
    assert [c.decision.winner for c in published] == ["alpha=0.2"]  # published once, first
    gated = runner.invoke(
        _command([]),
        ["-m", "acc", "--seed-key", "seed", "--baseline", "alpha=0.2", "--fail-if-worse"],
    )
    assert gated.exit_code == 1 and "worse than baseline 'alpha=0.2'" in gated.stderr
    assert "alpha=0.1" in gated.stdout  # the answer is printed before the gate fails


def test_fail_if_worse_without_baseline_stops_before_any_run_is_read() -> None:
    published: list = []
    result = CliRunner().invoke(_command(published), ["-m", "acc", "--fail-if-worse"])
    assert result.exit_code == 2 and published == []
    assert result.stderr.strip() == "error: --fail-if-worse needs --baseline CONFIG"


def test_core_errors_name_parameters_and_the_cli_names_options() -> None:
    with pytest.raises(InputError) as raised:
        compare_runs(_runs(), metric="acc", seed_key="seed", reduce="at-budget")
    assert str(raised.value) == "reduce='at-budget' needs a budget: budget= (e.g. budget=1e9)"
    result = CliRunner().invoke(
        _command([]), ["-m", "acc", "--seed-key", "seed", "--reduce", "at-budget"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --reduce 'at-budget' needs a budget: --budget (e.g. --budget 1e9)"
    )


def test_quoted_user_text_is_not_taken_for_an_option() -> None:
    # `alpha` is both a user's parameter here and one of our options (--alpha).
    with pytest.raises(InputError, match=r"^baseline='alpha=9' is not a configuration"):
        compare_runs(_runs(), metric="acc", seed_key="seed", baseline="alpha=9")
    result = CliRunner().invoke(
        _command([]), ["-m", "acc", "--seed-key", "seed", "--baseline", "alpha=9"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --baseline 'alpha=9' is not a configuration; configurations are: "
        "'alpha=0.1', 'alpha=0.2'"
    )


def test_core_errors_carry_their_parameters() -> None:
    with pytest.raises(InputError) as raised:
        compare_runs(_runs(), metric="acc", seed_key="seed", reduce="at-budget")
    assert raised.value.params == ("reduce", "budget")
    with pytest.raises(InputError) as raised:
        compare_runs(_runs(), metric="acc", seed_key="seed", min_effect=-1)
    assert raised.value.params == ("min_effect",)


def test_no_core_error_spells_a_parameter_in_its_text() -> None:
    """Every parameter a core error names is a ``Param`` part: the CLI renders it as its option
    and never rewrites text, so text like ``budget=`` in a raised message would reach a
    command-line user as is."""
    import ast
    import re
    from pathlib import Path

    from shared.cli._options import COMPARISON_OPTION_NAMES

    spelled = re.compile(r"\b(" + "|".join(COMPARISON_OPTION_NAMES) + r")=")
    core = Path(__file__).resolve().parents[3] / "shared"
    found = []
    for path in core.rglob("*.py"):
        if path.parent.name == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            texts = [n.value for n in ast.walk(node.exc) if isinstance(n, ast.Constant)
                     and isinstance(n.value, str)]  # fmt: skip
            found += [f"{path.name}:{node.lineno}" for text in texts if spelled.search(text)]
    assert found == []
