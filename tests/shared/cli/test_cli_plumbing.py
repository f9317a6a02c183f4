"""Contract D: shared CLI plumbing, exercised through a real click command."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from shared.cli import (
    check_output,
    comparison_options,
    handle_errors,
    histories_needed,
    is_connection_problem,
    metric_names_needed,
    one_line,
    parse_metric_spec,
)
from shared.cli._emit import _write_atomically
from shared.errors import GateFailed, InputError, TrackerUnreachable


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("acc", ("acc", "maximize")),
        ("acc:min", ("acc", "minimize")),
        ("val_loss", ("val_loss", "minimize")),
        ("val/loss:max", ("val/loss", "maximize")),
        ("eval:acc", ("eval:acc", "maximize")),
        ("error_rate", ("error_rate", "minimize")),
        ("power", ("power", "maximize")),
        ("train.err", ("train.err", "minimize")),
        ("  f1:MAX ", ("f1", "maximize")),
    ],
)
def test_parse_metric_spec(spec: str, expected: tuple[str, str]) -> None:
    assert parse_metric_spec(spec) == expected


def test_parse_metric_spec_rejects_empty_name() -> None:
    with pytest.raises(InputError, match="empty"):
        parse_metric_spec(":min")


def _command(action):
    @click.command()
    @comparison_options
    @handle_errors
    def command(**options):
        action(options)

    return command


def test_options_reach_the_callback_with_defaults() -> None:
    seen = {}
    result = CliRunner().invoke(_command(seen.update), ["--metric", "acc", "-m", "loss:min"])
    assert result.exit_code == 0, result.output
    assert seen["metric"] == ("acc", "loss:min")
    assert seen["reduce"] == "last" and seen["x_axis"] == "step" and seen["test"] == "auto"
    assert seen["alpha"] == 0.05 and seen["correction"] == "holm" and seen["fmt"] == "table"
    assert seen["output"] == "-" and seen["fail_if_worse"] is False and seen["group_by"] == ()


@pytest.mark.parametrize(
    "args",
    [
        ["--alpha", "1.5"],
        ["--reduce", "median"],
        ["--format", "xml"],
        ["--correction", "sidak"],
        ["--min-effect", "-1"],
    ],
)
def test_bad_option_values_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(_command(lambda o: None), ["--metric", "acc", *args])
    assert result.exit_code == 2


def test_reduce_accepts_mean_last_n() -> None:
    seen = {}
    result = CliRunner().invoke(_command(seen.update), ["-m", "acc", "--reduce", "mean-last-5"])
    assert result.exit_code == 0 and seen["reduce"] == "mean-last-5"


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        (InputError("bad\ninput"), 2, "error: bad input"),
        (GateFailed("worse"), 1, "error: worse"),
        (TrackerUnreachable("down"), 3, "error: down"),
        (ConnectionRefusedError(111, "Connection refused"), 3, "error: cannot reach the tracker"),
        (RuntimeError("Max retries exceeded with url: /api"), 3, "error: cannot reach the tracker"),
        (PermissionError(13, "Permission\n  denied"), 2, "error: PermissionError: [Errno 13]"),
    ],
)
def test_handle_errors_one_line_and_exit_code(error: Exception, code: int, text: str) -> None:
    def fail(options):
        raise error

    result = CliRunner().invoke(_command(fail), ["--metric", "acc"])
    assert result.exit_code == code
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(text), result.output


def test_a_bug_of_ours_is_exit_4_with_the_traceback_in_a_file() -> None:
    """Issue 13 item 8: an unexpected exception is not "bad input"."""

    def fail(options):
        return {}["no such key"]  # a real bug: KeyError from our own code

    result = CliRunner().invoke(_command(fail), ["--metric", "acc"])
    assert result.exit_code == 4
    lines = result.output.strip().splitlines()
    assert lines[0] == "error: internal error: KeyError: 'no such key'", result.output
    assert len(lines) == 3 and "Traceback" not in result.output
    assert "bug" in lines[2] and "report" in lines[2]
    path = Path(lines[1].removeprefix("the traceback is in "))
    try:
        saved = path.read_text()
        assert "Traceback (most recent call last)" in saved
        assert 'return {}["no such key"]' in saved and "KeyError" in saved
    finally:
        path.unlink()


def test_errors_from_the_trackers_own_code_stay_bad_input() -> None:
    """An exception type of a tracker's library is the tracker refusing, shown as exit 2."""
    import yaml

    def fail(options):
        yaml.safe_load("a: [unclosed")

    result = CliRunner().invoke(_command(fail), ["--metric", "acc"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ParserError: "), result.output


def test_handle_errors_lets_click_usage_errors_through() -> None:
    def fail(options):
        raise click.UsageError("usage problem")

    result = CliRunner().invoke(_command(fail), ["--metric", "acc"])
    assert result.exit_code == 2 and "usage problem" in result.output


def test_is_connection_problem_follows_causes() -> None:
    try:
        try:
            socket.create_connection(("127.0.0.1", _closed_port()), timeout=2)
        except OSError as inner:
            raise RuntimeError("request failed") from inner
    except RuntimeError as outer:
        assert is_connection_problem(outer)
    assert not is_connection_problem(KeyError("x"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_line_truncates() -> None:
    assert one_line("a\n" * 1000, limit=20).endswith("...")
    assert len(one_line("x" * 1000, limit=20)) == 20


def test_check_output(tmp_path) -> None:
    assert check_output(None) is None and check_output("-") is None
    assert check_output(tmp_path / "out.json") == (tmp_path / "out.json").resolve()
    with pytest.raises(InputError, match="folder"):
        check_output(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        check_output(tmp_path / "nope" / "out.json")


def test_check_output_parent_is_a_file(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError):
        check_output(blocker / "out.json")


def test_atomic_write_failure_is_an_input_error() -> None:
    # /proc refuses new files even for root, so this fails on every machine.
    with pytest.raises(InputError, match="cannot write"):
        _write_atomically(__import__("pathlib").Path("/proc/out.json"), "x")


def test_atomic_write_replaces_whole_file(tmp_path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    _write_atomically(target, "new content\n")
    assert target.read_text() == "new content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left behind


def test_history_needs() -> None:
    assert not histories_needed(reduce="last", fmt="json")
    assert histories_needed(reduce="last", fmt="html")
    assert histories_needed(reduce="last", log_report=True)
    assert histories_needed(reduce="auc")
    # each --metric as its parsed MetricSpec (a (name, goal) pair), the x-axis metric by name
    both = [("acc", "maximize"), ("loss", "minimize")]
    assert metric_names_needed(metric=("acc", "loss:min"), x_axis="step") == both
    assert metric_names_needed(metric=("acc",), x_axis="tokens") == [("acc", "maximize"), "tokens"]
