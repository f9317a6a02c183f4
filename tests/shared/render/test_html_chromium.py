"""report.html in a real headless Chromium: visible, self-contained, and a hostile run name is text.

Chromium is driven through chromedriver's W3C WebDriver HTTP API with urllib (no selenium),
plus chromedriver's CDP bridge (``goog/cdp/execute``) for a full-page screenshot and for a hook
that records ``alert()``/``confirm()``/``prompt()`` calls. Every request the page makes is taken
from the DevTools Network events in chromedriver's performance log.

Two control pages prove the detectors are not blind: one that fetches from the network and one
that runs an unescaped ``<img onerror=alert(1)>``; both must be caught.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (/usr/bin/chromium,
/usr/bin/chromedriver), which CI installs. The driver itself is ``tests/_chromium.py``.
"""

from __future__ import annotations

import base64
import io

import pytest

from shared.render import write_report

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
# Leaves a mark if it ever runs: for frames where alert() cannot be hooked (MLflow's sandboxed
# iframe has no allow-modals, so alert() is silently ignored there).
TRACER = '<img src=x onerror="document.documentElement.dataset.ran=1">'


@pytest.mark.timeout(180)
@pytest.mark.parametrize("payload", [XSS_IMG, XSS_SCRIPT])
def test_report_in_chromium(browser, chromium, sample, tmp_path, payload):
    d = sample.sample_evil(payload)
    paths = write_report(d, tmp_path / "report")
    page = paths[0]
    assert page.name == "report.html"
    info, urls = chromium.inspect(browser, page)

    # the page loaded, and the only URL it touched is itself (plots are data: URIs)
    assert info["ready"] == "complete"
    assert page.as_uri() in urls
    assert chromium.network(urls) == []
    assert [u for u in urls if u.startswith("file:")] == [page.as_uri()]
    assert info["resources"] == []

    # the decision, the tables and all four plots are there and visible
    for key in ("decision", "table", "pairs"):
        assert info[key]["visible"] and info[key]["w"] > 200 and info[key]["h"] > 20, key
    assert info["tableRows"] == len(d["configs"])
    assert len(info["images"]) == 4  # the plots only: the payload made no <img>
    for img in info["images"]:
        assert img["complete"] and img["scheme"] == "data"
        assert img["natural"][0] > 300 and img["natural"][1] > 100
        assert img["shown"][0] > 300 and img["shown"][1] > 50

    # the hostile run name is text on the page, and nothing ran
    assert info["scripts"] == 0
    assert info["dialogs"] == [] and info["ran"] is None
    assert browser.open_dialog() is None
    assert payload in info["text"]
    assert info["text"].count(payload) >= 10
    assert info["title"] == f"tracker-compare: {payload}"
    assert f"{payload} #3 wins" in info["decisionText"]

    # a full-page screenshot, kept beside the report for a person to look at
    shot = browser.cdp("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    png = base64.b64decode(shot["data"])
    (tmp_path / "screenshot.png").write_bytes(png)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        assert im.width >= 1000 and im.height >= 1500  # the whole page, not just a corner
        colours = im.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert colours is not None and len(colours) > 20  # drawn, not a blank page


@pytest.mark.timeout(120)
def test_detectors_catch_a_fetch_and_a_script(browser, chromium, tmp_path):
    # Controls: if the page *did* fetch or run something, the checks above would see it.
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><p>control</p>"
        f"{XSS_IMG}"
        '<img src="http://tracker-compare.invalid/pixel.png">'
        "</body></html>",
        encoding="utf-8",
    )
    info, urls = chromium.inspect(browser, bad)
    assert "http://tracker-compare.invalid/pixel.png" in chromium.network(urls)
    assert info["dialogs"] == ["alert:1"]
    assert XSS_IMG not in info["text"]


@pytest.mark.timeout(120)
def test_report_in_an_mlflow_like_sandboxed_iframe(browser, chromium, sample, tmp_path):
    d = sample.sample_evil(XSS_IMG)
    d["configs"][0]["run_names"][0] = TRACER
    d["warnings"].append(TRACER)
    report = write_report(d, tmp_path / "report")[0].read_text(encoding="utf-8")
    info, urls, console = chromium.in_mlflow_like_iframe(browser, report, tmp_path)
    assert chromium.network(urls) == []
    assert any(u.startswith("blob:") for u in urls)  # the report really came in as a blob
    assert info["table"]["visible"] and info["table"]["w"] > 200 and info["table"]["h"] > 20
    assert info["tableRows"] == len(d["configs"])
    assert len(info["images"]) == 4
    assert all(i["natural"][0] > 300 and i["shown"][0] > 300 for i in info["images"])
    assert info["scripts"] == 0
    assert info["ran"] is None
    assert XSS_IMG in info["text"] and info["text"].count(TRACER) == 2
    assert console == []  # no CSP violation, no error
    assert browser.open_dialog() is None


@pytest.mark.timeout(120)
def test_iframe_detector_catches_a_script(browser, chromium, tmp_path):
    control = f"<!DOCTYPE html><html><body><p>control</p>{TRACER}</body></html>"
    info, _, _ = chromium.in_mlflow_like_iframe(browser, control, tmp_path)
    assert TRACER not in info["text"]
    assert info["ran"] == "1"
