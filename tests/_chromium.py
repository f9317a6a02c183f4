"""Headless Chromium for tests: a minimal W3C WebDriver client over chromedriver's HTTP API.

Shared by every test that looks at a report in a real browser (the render tests, and the MLflow
tests that open the report.html logged as an artifact). Loaded by path from ``tests/conftest.py``
(``tests`` is not importable as a package here: baycomp installs a top-level ``tests``).

Chromium is driven with urllib only (no selenium), plus chromedriver's CDP bridge
(``goog/cdp/execute``) for full-page screenshots and a hook that records ``alert()`` and friends.
Every request a page makes is read from the DevTools Network events in the performance log.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (/usr/bin/chromium,
/usr/bin/chromedriver), which ``.ci/setup`` installs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

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

    def __init__(self, profile_dir: str, *, loopback: bool = False) -> None:
        """Start chromedriver and one headless Chromium session.

        Args:
            profile_dir: Chromium's profile folder (also holds chromedriver's log).
            loopback: let pages reach 127.0.0.1 (a real MLflow server started by a test);
                every other host still resolves to nothing.
        """
        self.session: str | None = None
        resolver = "MAP * ~NOTFOUND" + (", EXCLUDE 127.0.0.1" if loopback else "")
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
                        f"--host-resolver-rules={resolver}",
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


def requests_of(events: list[dict]) -> list[str]:
    return [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]


def network(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]


def inspect(browser: ChromeDriver, page: Path) -> tuple[dict, list[str]]:
    browser.open(page.as_uri())
    deadline = time.monotonic() + 20
    info = browser.run(_INSPECT)
    while info["ready"] != "complete" and time.monotonic() < deadline:
        time.sleep(0.1)
        info = browser.run(_INSPECT)
    return info, requests_of(browser.performance_log())


# MLflow's artifact viewer (mlflow/server/js, ShowArtifactHtmlView) shows an HTML artifact as
# <iframe src="blob:..." sandbox="allow-scripts">: the same here, the host page making the blob.
_MLFLOW_LIKE_HOST = """<!DOCTYPE html><html><body style="margin:0">
<div style="width:1100px;height:1500px"><iframe id="viewer" sandbox="allow-scripts"
 width="100%" height="100%" style="border:0"></iframe></div>
<script>
const html = HTML_JSON;
document.getElementById("viewer").src = URL.createObjectURL(new Blob([html], {type: "text/html"}));
</script></body></html>"""


def in_mlflow_like_iframe(browser: ChromeDriver, page_html: str, tmp_path: Path) -> tuple:
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
    return info, requests_of(browser.performance_log()), browser.console_log()
