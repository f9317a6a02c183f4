"""``import shared`` must not drag in a tracker, optuna, an adapter or heavy libraries."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
# The installed start-up hooks (.pth) may already have loaded the adapters' tiny hook modules:
# only what importing shared adds counts.
before = set(sys.modules)
import shared, shared.normalise, shared.model, shared.errors
added = set(sys.modules) - before
banned = ("mlflow", "wandb", "optuna", "optuna_integration", "mlflow_compare_plugin",
          "wandb_compare_ext", "wandb_workspaces")
loaded = sorted(m for m in added if m.split(".")[0] in banned)
heavy = sorted(m for m in added if m.split(".")[0] in ("scipy", "pandas", "matplotlib"))
print(repr((loaded, heavy)))
"""


def _modules_after(code: str) -> tuple[list[str], list[str]]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return eval(out.stdout.strip())


def test_import_shared_loads_no_tracker_and_no_heavy_module():
    loaded, heavy = _modules_after(CHECK)
    assert loaded == []
    assert heavy == []


def test_comparison_and_rendering_load_no_tracker():
    code = CHECK.replace("import shared, shared.normalise, shared.model, shared.errors",
                         "import shared, shared.compare, shared.stats, shared.render")
    loaded, _ = _modules_after(code)
    assert loaded == []


def test_no_module_in_shared_imports_a_tracker_textually():
    # Catches lazy imports inside functions too, which sys.modules cannot see.
    offenders = []
    for path in (ROOT / "shared").rglob("*.py"):
        for line in path.read_text().splitlines():
            s = line.strip()
            if s.startswith(("import ", "from ")):
                mod = s.split()[1].split(".")[0]
                if mod in ("mlflow", "wandb", "optuna", "optuna_integration", "wandb_workspaces",
                           "mlflow_compare_plugin", "wandb_compare_ext", "tracker_compare_kit"):
                    offenders.append(f"{path.relative_to(ROOT)}: {s}")
    assert offenders == []
