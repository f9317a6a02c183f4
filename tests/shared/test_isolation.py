"""``import shared`` must not drag in a tracker, optuna, an adapter or heavy libraries.

Nothing here is a hand list: the adapters are the product's other packages (found in the
checkout), and the trackers are what the adapters import that the core never does, so a new
adapter and its tracker are guarded the day they are added.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
CORE = "shared"
# Never banned from the core: the kit's guard module names them, and the core uses them.
_SHARED_WITH_CORE = {"numpy", "click", "scipy", "pandas", "matplotlib"}


def product_packages() -> list[str]:
    """The checkout's top-level packages other than the core and the tests."""
    return sorted(
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name not in (CORE, "tests", "benchmarks")
    )


def _imported(package: Path) -> set[str]:
    """Top-level modules imported anywhere in ``package`` (lazy imports included)."""
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def banned_in_core() -> list[str]:
    """The adapters, and the third-party modules they import that the core never imports
    (the trackers, Optuna and what comes with them)."""
    adapters = product_packages()
    third_party = set().union(*(_imported(ROOT / name) for name in adapters))
    third_party -= set(sys.stdlib_module_names) | _imported(ROOT / CORE) | _SHARED_WITH_CORE
    third_party -= {CORE, *adapters}
    return sorted({*adapters, *third_party})


BANNED = banned_in_core()

CHECK = f"""
import sys
# The installed start-up hooks (.pth) may already have loaded the adapters' tiny hook modules:
# only what importing shared adds counts.
before = set(sys.modules)
import shared, shared.normalise, shared.model, shared.errors
added = set(sys.modules) - before
banned = {tuple(BANNED)!r}
loaded = sorted(m for m in added if m.split(".")[0] in banned)
heavy = sorted(m for m in added if m.split(".")[0] in ("scipy", "pandas", "matplotlib"))
print(repr((loaded, heavy)))
"""


def test_the_adapters_and_their_trackers_are_found():
    # what the discovery must at least find today (a floor, not the list itself)
    assert {"mlflow_compare_plugin", "wandb_compare_ext", "tracker_compare_kit"} <= set(BANNED)
    assert {"mlflow", "wandb", "optuna"} <= set(BANNED)
    assert not {"numpy", "json", CORE} & set(BANNED)


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
                if mod in BANNED:
                    offenders.append(f"{path.relative_to(ROOT)}: {s}")
    assert offenders == []


def test_every_source_runs_the_conformance_suite():
    """A package defining a ``shared.source.Source`` has a test module running the suite."""
    missing = []
    for name in product_packages():
        defines = [
            path.relative_to(ROOT)
            for path in (ROOT / name).rglob("*.py")
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ClassDef)
            and any(getattr(base, "id", getattr(base, "attr", None)) == "Source" for base in node.bases)
        ]
        suite = TESTS / name / "test_source_conformance.py"
        if defines and not (suite.is_file() and "globals().update(TESTS)" in suite.read_text()):
            missing.append(f"{name} ({', '.join(map(str, defines))})")
    assert missing == []


def test_every_product_package_has_its_docstring_examples_collected():
    """pytest walks ``testpaths``: each product package must be there (conftest.py collects
    the examples of the packages it finds; a package outside testpaths would be left out)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert {CORE, *product_packages()} <= set(config["testpaths"])
