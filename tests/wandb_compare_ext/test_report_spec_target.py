"""``--report-spec`` problems name ``--report-spec``, not ``--output`` (issue 13 item 10)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from wandb_compare_ext.cli import cli


def test_report_spec_in_a_missing_folder_names_the_option(tmp_path: Path) -> None:
    target = tmp_path / "no" / "spec.json"
    result = CliRunner().invoke(
        cli, ["--offline-dir", str(tmp_path), "-m", "acc", "--report-spec", str(target)]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --report-spec "), result.stderr
    assert "--output" not in lines[0]
    assert not (tmp_path / "no").exists()
