"""The comparison run's description (``mlflow.note.content``) keeps run data as text.

MLflow shows the description as markdown. The runs are logged with the real client into a
sqlite store, ``mlflow compare --log-report`` writes the note, and GitHub's cmark-gfm renders
it with raw HTML allowed: only our escaping can keep links, images and HTML out.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from click.testing import CliRunner
from cmarkgfm.cmark import Options

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)

WINNER = "![x](http://tracker.invalid/p.png)[go](javascript:alert(1))<i>w</i>"
LOSER = "plain"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_note_content_neutralises_links_images_and_html(tmp_path: Path) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("hostile")
    for opt, base in ((WINNER, 0.9), (LOSER, 0.6)):
        for seed in range(6):
            run_id = client.create_run(experiment).info.run_id
            client.log_param(run_id, "opt", opt)
            client.log_param(run_id, "seed", str(seed))
            client.log_metric(run_id, "acc", base + 0.002 * seed)
            client.set_terminated(run_id)
    result = CliRunner().invoke(
        compare,
        ["--tracking-uri", uri, "--experiment-name", "hostile", "-m", "acc", "--seed-key",
         "seed", "--log-report", "--report-experiment", "comparisons"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = client.get_experiment_by_name("comparisons")
    (run,) = client.search_runs([report.experiment_id], run_view_type=ViewType.ALL)
    note = run.data.tags["mlflow.note.content"]
    assert "opt=" in note  # the winner is named in the note
    page = cmarkgfm.github_flavored_markdown_to_html(note, options=Options.CMARK_OPT_UNSAFE)
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert not parser.tags & {"a", "img", "i", "script"}, page
    assert WINNER in "".join(parser.text)  # read as it was logged
