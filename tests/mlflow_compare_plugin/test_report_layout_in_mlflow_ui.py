"""report.html as users read it: inside the real MLflow UI's artifact pane, in headless Chromium.

The runs are logged to a real ``mlflow server``, the report by the real ``mlflow compare
--log-report``; Chromium then walks MLflow's own UI from where it lands (``_mlflow_ui``) to the
comparison run's report.html, shown in an iframe beside MLflow's file tree and, at MLflow 3.17's
default, beside the Assistant panel. At 1000, 1400 and 1920 px, panel open and closed, the
verdict of every pair and the decision must be in view without scrolling sideways (measured in
the DOM inside that iframe, against the part of it MLflow lets the user see), and a screenshot
of each is kept (``TRACKER_COMPARE_SCREENSHOTS=folder`` copies them out to be looked at).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

MLFLOW_BIN = str(Path(sys.executable).parent / "mlflow")
WIDTHS = (1000, 1400, 1920)
# Long, realistic values: configuration names like "lr=0.01, optimizer=sgd_nesterov_momentum".
OPTIMIZER = {0.1: "adamw_torch_fused", 0.01: "sgd_nesterov_momentum", 0.001: "adafactor"}

def _log_runs(url: str) -> str:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(url)
    exp = client.create_experiment(f"layout-{time.time_ns()}")
    rng = np.random.default_rng(3)
    for lr, shift in ((0.1, 0.0), (0.01, 0.05), (0.001, 0.02)):
        for seed in range(4):
            run = client.create_run(exp, run_name=f"lr{lr}-s{seed}")
            curve = 0.5 + shift + 0.4 * (1 - np.exp(-np.arange(15) / 5)) + rng.normal(0, 0.01, 15)
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("acc", float(v), 1_700_000_000_000 + i, i) for i, v in enumerate(curve)],
                params=[Param("lr", str(lr)), Param("seed", str(seed)),
                        Param("optimizer", OPTIMIZER[lr])],
            )  # fmt: skip
            client.set_terminated(run.info.run_id)
    return exp


# Inside the report's iframe: is the verdict of every pair (significant, p_adj) and the decision
# in view without scrolling sideways, and how many lines does a pair's name take?
_VERDICT = r"""
const rows = Array.from(document.querySelectorAll("#pairs tbody tr"));
if (document.readyState !== "complete" || !rows.length) return null;
const width = document.documentElement.clientWidth;
const seen = Math.min(width, arguments[0]);  // what MLflow's pane lets the user see
const inView = (el) => { const r = el.getBoundingClientRect();
  return r.width > 0 && r.left >= -1 && r.right <= seen + 1; };
const box = document.getElementById("pairs").closest(".scroll");
const verdict = rows.map((tr) => Array.from(tr.cells).filter(
  (td) => ["significant", "p_adj"].includes(td.dataset.label))
  .map((td) => [td.dataset.label, inView(td)]));
const first = rows[0].cells[0];
const lineHeight = parseFloat(getComputedStyle(first).lineHeight);
const lines = rows.map((tr) => Math.round(tr.cells[0].getBoundingClientRect().height / lineHeight));
const order = Array.from(document.querySelectorAll("#pairs thead th")).map((th) => th.innerText);
// the verdict's words themselves (its paragraph box is as wide as the decision box)
const range = document.createRange();
range.selectNodeContents(document.querySelector("#decision .verdict"));
const words = range.getBoundingClientRect();
return {width, seen, verdict, lines, order, decision: words.right <= seen + 1 && words.left >= 0,
        boxScroll: [box.scrollWidth, box.clientWidth],
        pageScroll: document.documentElement.scrollWidth};
"""


def _measure(browser, script: str, seen: float, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            browser.frame(0)
            found = browser.s("POST", "/execute/sync", {"script": script, "args": [seen]})
        except Exception:  # noqa: BLE001 - the UI has not made the iframe yet: try again
            found = None
        finally:
            browser.frame(None)
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("MLflow's UI did not show report.html in an iframe")


def _shoot(browser, path: Path) -> None:
    browser.frame(0)
    # (scrollIntoView would scroll MLflow's page too; only the report scrolls)
    browser.run('window.scrollTo(0, document.getElementById("pairs").offsetTop - 300)')
    browser.frame(None)
    time.sleep(0.3)
    png = base64.b64decode(browser.cdp("Page.captureScreenshot", {"format": "png"})["data"])
    path.write_bytes(png)
    shots = os.environ.get("TRACKER_COMPARE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(shots) / path.name)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        colours = im.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert colours is not None and len(colours) > 20  # not a blank page


@pytest.mark.timeout(900)
def test_verdict_in_view_where_mlflow_lands_panel_open_and_closed(mlflow_server, chromium,
                                                                  tmp_path):
    """Issue 19 items 5-6: from MLflow's landing page (GenAI home, Assistant panel open) a user
    switches to Model training, opens the experiment, the comparison run (found by the question
    its name starts with), Artifacts, report.html. At 1000, 1400 and 1920 px, with the panel
    open and closed, every pair's verdict (significant, p_adj) and the decision are
    in view with no sideways scroll, and a pair's name takes at most 3 lines."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _mlflow_ui as ui
    from mlflow import MlflowClient

    exp = _log_runs(mlflow_server)
    env = {**os.environ, "MLFLOW_TRACKING_URI": ""}
    proc = subprocess.run(
        [MLFLOW_BIN, "compare", "--tracking-uri", mlflow_server, "--experiment-id", exp,
         "--metric", "acc:max", "--seed-key", "seed", "--log-report"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    client = MlflowClient(mlflow_server)
    (report,) = client.search_runs([exp], "tags.`tracker_compare.comparison` = 'true'")
    experiment_name = client.get_experiment(exp).name
    assert report.info.run_name.startswith("acc max: ")

    with tempfile.TemporaryDirectory(prefix="tc-chromium-") as profile:
        browser = chromium.ChromeDriver(profile, loopback=True)
        try:
            for width in WIDTHS:
                browser.s("POST", "/window/rect", {"width": width, "height": 1000})
                browser.open(f"{mlflow_server}/")
                browser.run("localStorage.clear(); sessionStorage.clear();")
                browser.open(f"{mlflow_server}/")  # where MLflow lands, as it first opens
                ui.click(browser, "Model training")
                ui.click(browser, experiment_name, "a")
                ui.click(browser, report.info.run_name[:12], "a")
                ui.click(browser, "Artifacts")
                ui.click(browser, "report.html", "*")
                for panel in ("open", "closed"):
                    if panel == "closed":
                        ui.close_assistant(browser)
                        time.sleep(1)
                    assert ui.assistant_open(browser) == (panel == "open"), (width, panel)
                    time.sleep(1)
                    found = _measure(browser, _VERDICT, ui.visible_frame_width(browser))
                    where = (width, panel, found["width"], found["seen"])
                    assert found["order"][:4] == ["pair", "significant", "p_adj",
                                                  "estimate [95% CI]"], where
                    assert found["decision"], where
                    assert all(seen for row in found["verdict"] for _, seen in row), (where, found)
                    assert all(len(row) == 2 for row in found["verdict"]), found
                    scroll, client_width = found["boxScroll"]
                    assert scroll <= client_width + 1, (where, found["boxScroll"])
                    assert found["pageScroll"] <= found["width"] + 1, where
                    assert max(found["lines"]) <= 3, (where, found["lines"])
                    _shoot(browser, tmp_path / f"mlflow-ui-{width}-panel-{panel}.png")
        finally:
            browser.close()
