"""report.html as users read it: inside the real MLflow UI's artifact pane, in headless Chromium.

The runs are logged to a real ``mlflow server``, the report by the real ``mlflow compare
--log-report``; Chromium then opens MLflow's own UI on the comparison run's artifact view
(``#/experiments/<id>/runs/<run>/artifacts/report.html``), where MLflow shows the report in an
iframe beside its file tree (and, at MLflow 3.17's default, beside the assistant panel). At
1000, 1400 and 1920 px every table column must stay at least 8 characters wide (measured in the
DOM inside that iframe: the Pairs table once collapsed to one character per line there), the
pair names must wrap at spaces, not between letters, and a screenshot of the pane is kept
(``TRACKER_COMPARE_SCREENSHOTS=folder`` copies them out to be looked at).
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

# Runs inside the report's iframe: each table's column content widths (first row: every cell
# of a column has its width), the width of 8 digits in the table's font, and how many lines
# the tallest pair-name cell takes.
_MEASURE = r"""
const first = document.querySelector("#pairs tbody td");
if (document.readyState !== "complete" || !first) return null;
const probe = document.createElement("span");
probe.style.cssText = "position:absolute;visibility:hidden;white-space:pre";
probe.style.font = getComputedStyle(first).font;
probe.textContent = "00000000";
document.body.appendChild(probe);
const eight = probe.getBoundingClientRect().width;
probe.remove();
const content = (cell) => { const s = getComputedStyle(cell);
  return cell.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); };
const tables = {};
for (const t of document.querySelectorAll("table")) {
  tables[t.id] = Array.from(t.rows[0].cells).map((c) => [c.innerText, content(c)]);
}
const lineHeight = parseFloat(getComputedStyle(first).lineHeight);
const nameLines = Array.from(document.querySelectorAll("#pairs tbody tr")).map(
  (r) => Math.round(r.cells[0].getBoundingClientRect().height / lineHeight));
// Each name cell against the longest word it holds: a word is broken only when it is longer
// than the column may grow (32 characters).
probe.textContent = "0";
document.body.appendChild(probe);
const ch = probe.getBoundingClientRect().width;
const words = [];
for (const cell of document.querySelectorAll("#configs td.name, #pairs td.name")) {
  let longest = 0;
  for (const word of cell.innerText.split(/\s+/)) {
    probe.textContent = word;
    longest = Math.max(longest, probe.getBoundingClientRect().width);
  }
  words.push([cell.innerText, content(cell), Math.min(longest, 32 * ch)]);
}
probe.remove();
return {eight, tables, nameLines, words, width: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
        text: document.body.innerText.slice(0, 20000)};
"""


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


def _frame_measure(browser, timeout: float = 90) -> dict:
    """Wait for MLflow's UI to show the report in its iframe; measure inside it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            browser.frame(0)
            found = browser.run(_MEASURE)
        except Exception:  # noqa: BLE001 - the UI has not made the iframe yet: try again
            found = None
        finally:
            browser.frame(None)
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("MLflow's UI did not show report.html in an iframe")


@pytest.mark.timeout(600)
def test_report_reads_well_in_mlflow_artifact_pane(mlflow_server, chromium, tmp_path):
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
    page = f"{mlflow_server}/#/experiments/{exp}/runs/{report.info.run_id}/artifacts/report.html"

    shots = os.environ.get("TRACKER_COMPARE_SCREENSHOTS")
    with tempfile.TemporaryDirectory(prefix="tc-chromium-") as profile:
        # This browser may reach the loopback MLflow server, and nothing else.
        browser = chromium.ChromeDriver(profile, loopback=True)
        try:
            for width in WIDTHS:
                browser.s("POST", "/window/rect", {"width": width, "height": 1100})
                browser.open(page)
                found = _frame_measure(browser)
                eight = found["eight"]
                assert 40 < eight < 120, eight  # 8 digits of a 14 px font
                assert {"configs", "pairs", "runs"} <= set(found["tables"]), found["tables"]
                for table, columns in found["tables"].items():
                    for header, content in columns:
                        assert content >= eight - 0.5, (
                            f"{width} px: column {header!r} of table {table!r} is "
                            f"{content:.0f} px wide, less than 8 characters ({eight:.0f} px)"
                        )
                # Names wrap at their spaces: never a letter a line, no word cut in two.
                assert found["nameLines"] and max(found["nameLines"]) <= 5, (width, found)
                for text, content, longest in found["words"]:
                    assert content >= longest - 1, (width, text, content, longest)
                assert "Why these tests" in found["text"]
                # The page itself never scrolls sideways: a wide table scrolls in its own box.
                # (At 1000 px MLflow 3.17 gives its viewer a 400 px minimum and clips what its
                # pane cannot show; the report cannot change that, but stays within its frame.)
                assert found["scrollWidth"] <= found["width"] + 1, (width, found["scrollWidth"])

                # The pane as the user sees it, scrolled to the Pairs table.
                browser.frame(0)
                # (scrollIntoView would scroll MLflow's page too; only the report scrolls)
                browser.run('window.scrollTo(0, document.getElementById("pairs").offsetTop - 40)')
                browser.frame(None)
                time.sleep(0.3)
                shot = browser.cdp("Page.captureScreenshot", {"format": "png"})
                png = base64.b64decode(shot["data"])
                path = tmp_path / f"mlflow-ui-{width}.png"
                path.write_bytes(png)
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, Path(shots) / path.name)
                from PIL import Image

                with Image.open(io.BytesIO(png)) as im:
                    assert im.width == width
                    colours = im.convert("RGB").resize((64, 64)).getcolors(64 * 64)
                    assert colours is not None and len(colours) > 20  # not a blank page
        finally:
            browser.close()
