"""``shared/compare/`` is laid out by the flow it runs, and its imports go forward only.

Bottom to top: ``configs/`` (grouping, provenance, samples, pairing) beside ``results/`` (the
typed result objects), then ``inference/`` (options, the test registry and runners, choosing
and running tests), then ``decision/`` (verdict, decision, advice, wording), then the API
modules in ``shared/compare/`` itself. A module may import from its own layer or below, never
from above: the walk from runs to a decision then reads forward. Imports are read with
``ast``, inside functions too (a lazy import is still a dependency) and under
``if TYPE_CHECKING:`` (a type from above is a dependency in the wrong direction as well).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "shared.compare"

#: Layer of each subpackage of shared/compare, bottom (0) to top.
LAYERS: dict[str, int] = {"configs": 0, "results": 0, "inference": 1, "decision": 2}
#: The modules on top, in shared/compare/ itself: the two pipelines and their one assembly.
API = {"__init__", "_api", "_examples_api", "_findings"}
TOP = max(LAYERS.values()) + 1
ORDER = "configs, results < inference < decision < the API modules (_api, _examples_api, _findings)"


def _module(base: Path, path: Path) -> str:
    parts = list(path.relative_to(base.parent.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    """The layer of a module of ``shared.compare`` (``None``: in no layer)."""
    rest = module.split(".")[2:]
    if not rest:
        return TOP  # the package itself: its __init__ re-exports the API
    if rest[0] in LAYERS:
        return LAYERS[rest[0]]
    return TOP if len(rest) == 1 and rest[0] in API else None


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> list[str]:
    """The ``shared.compare`` modules an import statement names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def wrong_way_imports(base: Path) -> list[str]:
    """Every import in ``base`` (the shared/compare folder) that goes to a higher layer, and
    every module in no layer, one line each."""
    paths = {_module(base, p): p for p in sorted(base.rglob("*.py"))}
    problems = []
    for module, path in paths.items():
        mine = layer_of(module)
        rel = path.relative_to(base.parent.parent)
        if mine is None:
            problems.append(f"{rel}: in no layer; move it into configs/, results/, inference/ or"
                            f" decision/, or add it to API in tests/test_layers.py ({ORDER})")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in dict.fromkeys(
                    _imported(node, module, path.name == "__init__.py", set(paths))):
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                theirs = layer_of(target)
                if theirs is not None and theirs > mine:
                    problems.append(f"{rel}:{node.lineno} imports {target} (layer {theirs}) from"
                                    f" layer {mine}; import only from your layer or below"
                                    f" ({ORDER})")
    return problems


def test_shared_compare_imports_go_forward_only() -> None:
    base = ROOT / "shared" / "compare"
    assert {p.name for p in base.iterdir() if p.is_dir() and p.name in LAYERS} == set(LAYERS)
    problems = wrong_way_imports(base)
    assert not problems, "\n".join(problems)


def test_a_wrong_way_import_is_named(tmp_path: Path) -> None:
    # the check is real: a configs module importing the decision is reported with its line
    base = tmp_path / "shared" / "compare"
    for pkg in ("", *LAYERS):
        (base / pkg).mkdir(parents=True, exist_ok=True)
        (base / pkg / "__init__.py").write_text('"""x."""\n')
    (base / "decision" / "_verdict.py").write_text("X = 1\n")
    (base / "configs" / "_grouping.py").write_text(
        "def f():\n    from shared.compare.decision._verdict import X\n    return X\n")
    (base / "inference" / "_pair_tests.py").write_text("from ..configs import _grouping\n")
    (base / "_stray.py").write_text("Y = 2\n")
    problems = wrong_way_imports(base)
    assert len(problems) == 2, problems
    assert problems[0].startswith("shared/compare/_stray.py: in no layer")
    assert problems[1].startswith(
        "shared/compare/configs/_grouping.py:2 imports shared.compare.decision._verdict"
        " (layer 2) from layer 0")


def test_the_result_types_know_each_tests_reported_numbers_without_the_registry() -> None:
    # results/ sits below inference/: the registry hands each record's ``reported`` down on
    # register and takes it back on unregister
    import dataclasses

    from shared.compare.inference._registry import REGISTRY, registered
    from shared.compare.results._comparison import REPORTED_BY_TEST, PairResult

    assert {name: s.reported for name, s in REGISTRY.items()} == REPORTED_BY_TEST
    extra = dataclasses.replace(REGISTRY["welch"], name="welch-reporting",
                                reported=("robust_sd",))
    with registered(extra):
        pair = PairResult("A", "B", "welch-reporting", False, 6, 0.1, (0.0, 0.2), None, None,
                          0.04, 0.04, True, "", 3, 3)
        assert pair.to_dict()["robust_sd"] is None
    assert "welch-reporting" not in REPORTED_BY_TEST
