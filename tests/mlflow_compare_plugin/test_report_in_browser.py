"""The report `mlflow compare --log-report` logs, opened from MLflow in a real headless Chromium.

End to end: runs logged through the real MlflowClient (one of them named like an XSS attack),
the real `mlflow` executable with `compare --log-report`, the artifact downloaded back through
MLflow, then looked at in Chromium both as a page and the way MLflow's artifact viewer shows it
(a sandboxed iframe that runs scripts): visible tables and plots, no network request, the hostile
name shown as text, nothing run.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

XSS = "<img src=x onerror=alert(1)>"
MLFLOW_BIN = str(Path(sys.executable).parent / "mlflow")


def _log_runs(uri: str) -> str:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(uri)
    exp = client.create_experiment("browser", artifact_location=(Path(uri[10:]).parent / "art").as_uri())
    rng = np.random.default_rng(7)
    for lr, shift in ((0.1, 0.0), (0.01, 0.05), (0.001, 0.02)):
        for seed in range(4):
            name = XSS if (lr, seed) == (0.1, 0) else f"lr{lr}-s{seed}"
            run = client.create_run(exp, run_name=name)
            curve = 0.5 + shift + 0.4 * (1 - np.exp(-np.arange(20) / 5)) + rng.normal(0, 0.01, 20)
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("acc", float(v), 1_700_000_000_000 + i, i) for i, v in enumerate(curve)],
                params=[Param("lr", str(lr)), Param("seed", str(seed)), Param("note", XSS)],
            )
            client.set_terminated(run.info.run_id)
    return exp


@pytest.mark.timeout(300)
def test_logged_report_renders_safely_in_chromium(tmp_path, browser, chromium):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    exp = _log_runs(uri)
    env = {**os.environ, "MLFLOW_TRACKING_URI": ""}
    proc = subprocess.run(
        [MLFLOW_BIN, "compare", "--tracking-uri", uri, "--experiment-name", "browser",
         "--metric", "acc:max", "--seed-key", "seed", "--group-by", "lr", "--log-report"],
        capture_output=True, text=True, env=env, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr

    client = MlflowClient(uri)
    reports = client.search_runs([exp], "tags.`tracker_compare.comparison` = 'true'")
    assert len(reports) == 1
    folder = Path(client.download_artifacts(reports[0].info.run_id, "", str(tmp_path / "dl")))
    page = folder / "report.html"
    assert {"report.html", "report.md", "comparison.json", "table.csv"} <= {p.name for p in folder.iterdir()}

    info, urls = chromium.inspect(browser, page)
    assert info["ready"] == "complete"
    assert chromium.network(urls) == [] and info["resources"] == []
    for key in ("decision", "table", "pairs"):
        assert info[key]["visible"] and info[key]["w"] > 200 and info[key]["h"] > 20, key
    assert info["tableRows"] == 3
    # learning curves, distribution, critical-difference diagram (3 configs)
    assert len(info["images"]) >= 3
    for img in info["images"]:
        assert img["complete"] and img["scheme"] == "data" and img["natural"][0] > 300
    assert info["scripts"] == 0 and info["dialogs"] == [] and info["ran"] is None
    assert browser.open_dialog() is None
    assert XSS in info["text"]

    shot = browser.cdp("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    png = base64.b64decode(shot["data"])
    (tmp_path / "screenshot.png").write_bytes(png)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        colours = im.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert im.height >= 1000 and colours is not None and len(colours) > 20

    # As MLflow's artifact viewer shows it: a blob in <iframe sandbox="allow-scripts">.
    framed, urls, console = chromium.in_mlflow_like_iframe(
        browser, page.read_text(encoding="utf-8"), tmp_path)
    assert chromium.network(urls) == []
    assert framed["tableRows"] == 3 and framed["scripts"] == 0 and framed["ran"] is None
    assert XSS in framed["text"] and console == []
