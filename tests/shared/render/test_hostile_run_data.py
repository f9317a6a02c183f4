"""Run data that tries to be markup or hides itself (issue 13 item 9).

A real comparison from ``shared.compare_runs`` on runs whose param values, names and metric
names carry a ``javascript:`` link, a remote image, raw HTML, NUL, U+202E and a 10,000-character
name. Markdown is rendered by GitHub's own cmark-gfm (raw HTML allowed, so that only our
escaping stops it); HTML is parsed; CSV is read back with the csv module.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import cmarkgfm
import numpy as np
import pytest
from cmarkgfm.cmark import Options

from shared.compare import compare_runs
from shared.model import Run
from shared.render import render

LINK = "[click](javascript:alert(1))"
IMAGE = "![](http://tracker.invalid/pixel.png)"
RAW = "<b onclick=alert(1)>bold</b>"
HIDDEN = "evil\u202egnp.exe\x00end"
LONG = "x" * 10_000


@pytest.fixture(scope="module")
def comparison() -> dict:
    rng = np.random.default_rng(3)
    values = {LINK: 0.70, IMAGE: 0.90, RAW: 0.80}
    runs = []
    for config, (mean) in values.items():
        for seed in range(6):
            runs.append(
                Run(
                    "mlflow",
                    f"{len(runs)}",
                    name=HIDDEN if seed == 0 else (LONG if seed == 1 else f"run{seed}"),
                    params={"opt": config, "seed": seed},
                    metrics={"acc": mean + float(rng.normal(0, 0.005))},
                )
            )
    return compare_runs(runs, metric="acc", seed_key="seed").to_dict()


def _gfm(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_markdown_renders_run_data_as_text(comparison: dict) -> None:
    markdown = render(comparison, "markdown")
    page = _gfm(markdown)
    tags = {tag for tag, _ in _parse(page).tags}
    assert not tags & {"a", "img", "b", "script", "iframe"}, tags
    text = "".join(_parse(page).text)
    # what was typed is what is read
    assert "[click](javascript:alert(1))" in text
    assert "![](http://tracker.invalid/pixel.png)" in text
    assert "<b onclick=alert(1)>bold</b>" in text
    assert "\x00" not in markdown and "\u202e" not in markdown


def test_markdown_keeps_plain_brackets_of_intervals(comparison: dict) -> None:
    text = "".join(_parse(_gfm(render(comparison, "markdown"))).text)
    assert "\\[" not in text and "\\]" not in text


def test_html_shows_invisible_characters_and_shortens_long_names(comparison: dict) -> None:
    page = render(comparison, "html")
    assert "\x00" not in page and "\u202e" not in page
    parsed = _parse(page)
    assert "evil\\u202egnp.exe\\x00end" in "".join(parsed.text)
    assert LONG not in "".join(parsed.text)  # shortened on the page...
    titles = [attrs.get("title") for tag, attrs in parsed.tags if tag == "span"]
    assert LONG in titles  # ...and whole in the tooltip
    cells = [t for t in parsed.text if "xxxx" in t]
    assert cells and all(len(t) <= 80 for t in cells)


def test_csv_has_no_invisible_characters(comparison: dict) -> None:
    text = render(comparison, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not any("\x00" in c or "\u202e" in c for c in cells)
    assert any(c == "opt=[click](javascript:alert(1))" or LINK in c for c in cells)
