"""report.html in a real headless Chromium: visible, self-contained, and a hostile run name is text.

Chromium is driven through chromedriver's W3C WebDriver HTTP API with urllib (no selenium),
plus chromedriver's CDP bridge (``goog/cdp/execute``) for a full-page screenshot and for a hook
that records ``alert()``/``confirm()``/``prompt()`` calls. Every request the page makes is taken
from the DevTools Network events in chromedriver's performance log.

Two control pages prove the detectors are not blind: one that fetches from the network and one
that runs an unescaped ``<img onerror=alert(1)>``; both must be caught.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (/usr/bin/chromium,
/usr/bin/chromedriver), which CI installs.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.render import write_report

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
# Leaves a mark if it ever runs: for frames where alert() cannot be hooked (MLflow's sandboxed
# iframe has no allow-modals, so alert() is silently ignored there).
TRACER = '<img src=x onerror="document.documentElement.dataset.ran=1">'

# Runs before any page script: records dialogs instead of opening them.
_DIALOG_HOOK = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function (msg) { window.__dialogs.push(name + ":" + String(msg)); };
}
"""

_INSPECT = """
const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return {w: r.width, h: r.height, visible: s.display !== "none" && s.visibility !== "hidden"}; };
const table = document.getElementById("configs");
return {
  ready: document.readyState,
  title: document.title,
  decision: box(document.getElementById("decision")),
  decisionText: (document.getElementById("decision") || {}).innerText || "",
  table: box(table),
  tableRows: table ? table.querySelectorAll("tbody tr").length : 0,
  pairs: box(document.getElementById("pairs")),
  images: Array.from(document.images).map((i) => ({
    natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight],
    complete: i.complete, scheme: i.src.split(":")[0]})),
  scripts: document.scripts.length,
  text: document.body.innerText,
  dialogs: window.__dialogs || null,
  ran: document.documentElement.dataset.ran || null,
  resources: performance.getEntriesByType("resource").map((e) => e.name.slice(0, 100)),
};
"""


class WebDriverError(RuntimeError):
    pass


class ChromeDriver:
    """A minimal W3C WebDriver client for one chromedriver process and one Chromium session."""

    def __init__(self, profile_dir: str) -> None:
        self.session: str | None = None
        # chromedriver's output goes to a file, not a pipe: a pipe nobody reads could fill up
        # and stall it.
        self.log_path = Path(profile_dir) / "chromedriver.log"
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [CHROMEDRIVER, "--port=0"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can end chromium too
        )
        try:
            self.port = self._read_port(timeout=30)
            self.base = f"http://127.0.0.1:{self.port}"
            caps = {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "unhandledPromptBehavior": "ignore",
                "timeouts": {"pageLoad": 30000, "script": 30000},
                "goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"},
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-dev-shm-usage",
                        "--disable-extensions",
                        f"--user-data-dir={profile_dir}",
                        # Nothing may leave this machine even if a page tried: every host name
                        # resolves to nothing (the Network events still show the attempt).
                        "--host-resolver-rules=MAP * ~NOTFOUND",
                        "--window-size=1280,1600",
                    ],
                    "perfLoggingPrefs": {"enableNetwork": True, "enablePage": True},
                },
            }
            value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}}, 60)
            self.session = value["sessionId"]
            self.cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                {"source": _DIALOG_HOOK},
            )
        except BaseException:
            self.close()  # never leave chromedriver or chromium running
            raise

    def _read_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            m = re.search(r"started successfully on port (\d+)", text)
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise WebDriverError(f"chromedriver did not start: {text[-500:]}")

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as exc:
            payload = json.loads(exc.read() or b"{}").get("value") or {}
            err = WebDriverError(f"{payload.get('error')}: {payload.get('message', '')[:300]}")
            err.code = payload.get("error")  # type: ignore[attr-defined]
            raise err from None

    def s(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body, timeout)

    def cdp(self, cmd: str, params: dict | None = None) -> Any:
        return self.s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def open(self, url: str) -> None:
        self.performance_log()  # drop events and messages of earlier pages
        self.console_log()
        self.s("POST", "/url", {"url": url}, timeout=60)

    def frame(self, index: int | None) -> None:
        self.s("POST", "/frame", {"id": index})

    def run(self, script: str) -> Any:
        return self.s("POST", "/execute/sync", {"script": script, "args": []})

    def console_log(self) -> list[str]:
        return [e["message"] for e in self.s("POST", "/se/log", {"type": "browser"})]

    def performance_log(self) -> list[dict]:
        entries = self.s("POST", "/se/log", {"type": "performance"})
        return [json.loads(e["message"])["message"] for e in entries]

    def open_dialog(self) -> str | None:
        try:
            return self.s("GET", "/alert/text")
        except WebDriverError as exc:
            if getattr(exc, "code", None) == "no such alert":
                return None
            raise

    def close(self) -> None:
        try:
            if self.session:
                self.s("DELETE", "", timeout=15)
        except Exception:  # noqa: BLE001 - teardown must go on and end the process
            pass
        finally:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    self.proc.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            self._log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[ChromeDriver]:
    assert os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK), (
        "headless Chromium is needed: apt-get install chromium chromium-driver"
    )
    with tempfile.TemporaryDirectory(prefix="tc-chromium-") as profile:
        driver = ChromeDriver(profile)
        try:
            yield driver
        finally:
            driver.close()


def _requests(events: list[dict]) -> list[str]:
    return [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]


def _network(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]


def _inspect(browser: ChromeDriver, page: Path) -> tuple[dict, list[str]]:
    browser.open(page.as_uri())
    deadline = time.monotonic() + 20
    info = browser.run(_INSPECT)
    while info["ready"] != "complete" and time.monotonic() < deadline:
        time.sleep(0.1)
        info = browser.run(_INSPECT)
    return info, _requests(browser.performance_log())


@pytest.mark.timeout(180)
@pytest.mark.parametrize("payload", [XSS_IMG, XSS_SCRIPT])
def test_report_in_chromium(browser, sample, tmp_path, payload):
    d = sample.sample_evil(payload)
    paths = write_report(d, tmp_path / "report")
    page = paths[0]
    assert page.name == "report.html"
    info, urls = _inspect(browser, page)

    # the page loaded, and the only URL it touched is itself (plots are data: URIs)
    assert info["ready"] == "complete"
    assert page.as_uri() in urls
    assert _network(urls) == []
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
def test_detectors_catch_a_fetch_and_a_script(browser, tmp_path):
    # Controls: if the page *did* fetch or run something, the checks above would see it.
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><p>control</p>"
        f"{XSS_IMG}"
        '<img src="http://tracker-compare.invalid/pixel.png">'
        "</body></html>",
        encoding="utf-8",
    )
    info, urls = _inspect(browser, bad)
    assert "http://tracker-compare.invalid/pixel.png" in _network(urls)
    assert info["dialogs"] == ["alert:1"]
    assert XSS_IMG not in info["text"]


# MLflow's artifact viewer (mlflow/server/js, ShowArtifactHtmlView) shows an HTML artifact as
# <iframe src="blob:..." sandbox="allow-scripts">: the same here, the host page making the blob.
_MLFLOW_LIKE_HOST = """<!DOCTYPE html><html><body style="margin:0">
<div style="width:1100px;height:1500px"><iframe id="viewer" sandbox="allow-scripts"
 width="100%" height="100%" style="border:0"></iframe></div>
<script>
const html = HTML_JSON;
document.getElementById("viewer").src = URL.createObjectURL(new Blob([html], {type: "text/html"}));
</script></body></html>"""


def _in_mlflow_like_iframe(browser: ChromeDriver, page_html: str, tmp_path: Path) -> tuple:
    host = tmp_path / "host.html"
    host.write_text(
        _MLFLOW_LIKE_HOST.replace("HTML_JSON", json.dumps(page_html).replace("</", "<\\/")),
        encoding="utf-8",
    )
    browser.open(host.as_uri())
    deadline = time.monotonic() + 20
    info: dict = {}
    try:
        while time.monotonic() < deadline:
            try:
                browser.frame(0)
                info = browser.run(_INSPECT)
            except WebDriverError:  # the frame is not there yet: try again
                info = {}
            browser.frame(None)
            if info.get("ready") == "complete" and all(i["complete"] for i in info["images"]):
                break
            time.sleep(0.1)
    finally:
        browser.frame(None)
    time.sleep(0.2)  # let console messages of the frame arrive
    return info, _requests(browser.performance_log()), browser.console_log()


@pytest.mark.timeout(120)
def test_report_in_an_mlflow_like_sandboxed_iframe(browser, sample, tmp_path):
    d = sample.sample_evil(XSS_IMG)
    d["configs"][0]["run_names"][0] = TRACER
    d["warnings"].append(TRACER)
    report = write_report(d, tmp_path / "report")[0].read_text(encoding="utf-8")
    info, urls, console = _in_mlflow_like_iframe(browser, report, tmp_path)
    assert _network(urls) == []
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
def test_iframe_detector_catches_a_script(browser, tmp_path):
    control = f"<!DOCTYPE html><html><body><p>control</p>{TRACER}</body></html>"
    info, _, _ = _in_mlflow_like_iframe(browser, control, tmp_path)
    assert TRACER not in info["text"]
    assert info["ran"] == "1"
