"""Every user-supplied string that reaches HTML is escaped; the page fetches nothing."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from shared.render import render

PAYLOADS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]

# Every tag the report itself writes; a payload that became markup would add another.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
    "section", "div", "table", "thead", "tbody", "tr", "th", "td", "figure", "img",
    "figcaption", "ul", "li", "footer", "details", "summary",
}  # fmt: skip


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def _parse(page: str) -> _Collect:
    p = _Collect()
    p.feed(page)
    p.close()
    return p


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_escapes_every_user_string(sample, payload):
    d = sample.sample_evil(payload)
    page = render(d, "html")
    assert payload not in page
    assert html.escape(payload) in page
    parsed = _parse(page)
    tags = {t for t, _ in parsed.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert "script" not in tags
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if tag == "img" and name == "src":
                assert value.startswith("data:image/png;base64,")
    text = "".join(parsed.text)
    # shown as text: the run names, config names, params, metric, rationale, warnings
    assert text.count(payload) >= 10
    assert f"tag {payload} says so" in text  # the rationale quoting a tag
    assert f"run tag mlflow.note={payload}" in text
    assert f"{payload} #3 wins" in text
    assert f"tracker-compare: {payload}" in text  # metric name in the title


@pytest.mark.parametrize("payload", PAYLOADS)
def test_run_name_alone_is_escaped(sample, payload):
    d = sample.sample_two(run_names=[payload] * 5)
    page = render(d, "html")
    assert payload not in page
    runs = page[page.index('id="runs"') :]
    assert runs.count(f'<td class="name">{html.escape(payload)}</td>') == 5
    assert "".join(_parse(page).text).count(payload) == 5


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_shows_markup_as_text(sample, payload):
    md = render(sample.sample_evil(payload), "markdown")
    assert payload not in md
    assert payload.replace("<", "&lt;").replace(">", "&gt;") in md


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_references_nothing_on_the_network(sample, payload):
    page = render(sample.sample_evil(payload), "html")
    assert not re.search(r"https?:", page, re.IGNORECASE)
    assert "//" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert "url(" not in page and "@import" not in page
    parsed = _parse(page)
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            if name in {"src", "href", "srcset", "action", "poster", "data"}:
                assert tag == "img" and name == "src" and value.startswith("data:"), (tag, name)
    csp = [dict(a) for t, a in parsed.tags if t == "meta" and dict(a).get("http-equiv")]
    assert csp and csp[0]["content"].startswith("default-src 'none'")


def test_cost_and_pareto_strings_escaped(sample):
    payload = PAYLOADS[0]
    page = render(sample.sample_evil(payload), "html")
    costs = page[
        page.index("<h2>Costs</h2>") : page.index("</section>", page.index("<h2>Costs</h2>"))
    ]
    assert f"Pareto front: metric against {html.escape(payload)}" in costs
    assert payload not in costs
