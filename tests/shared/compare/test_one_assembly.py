"""One ``Comparison`` assembly (issue 21): both pipelines (run level and per-example scores)
end in ``Findings.comparison``; nothing else in the product builds a ``Comparison`` from
stage results (``from_dict`` reads one back)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ("shared", "mlflow_compare_plugin", "wandb_compare_ext")


def _builds_comparison(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "Comparison"


def test_comparison_is_assembled_in_one_place() -> None:
    places = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _builds_comparison(node)
    )
    assert [p.split(":")[0] for p in places] == ["shared/compare/_findings.py"], places
