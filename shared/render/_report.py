"""``write_report``: every output of a comparison in one folder, all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shared.errors import InputError, TrackerCompareError
from shared.render._read import read_comparison

__all__ = ["REPORT_FILES", "write_report"]

# Every name write_report may create; a folder holding only these is an old report we may replace.
REPORT_FILES = frozenset(
    {
        "report.html",
        "report.md",
        "comparison.json",
        "table.csv",
        "curves.png",
        "distribution.png",
        "cd_diagram.png",
        "param_importance.png",
    }
)


def _check_target(folder: Path) -> bool:
    """Whether ``folder`` exists (as an empty dir or an old report). Raises if it is in use."""
    if not folder.exists() and not folder.is_symlink():
        return False
    if not folder.is_dir() or folder.is_symlink():
        raise InputError(f"cannot write the report to {folder}: it exists and is not a folder")
    others = sorted(p.name for p in folder.iterdir() if p.name not in REPORT_FILES)
    if others:
        raise InputError(
            f"cannot write the report to {folder}: the folder holds other files "
            f"({', '.join(others[:3])}{'...' if len(others) > 3 else ''}); choose a new folder"
        )
    return True


def write_report(comparison: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """Write report.html, report.md, comparison.json, table.csv and the PNG plots into ``folder``.

    Everything is rendered into a temporary sibling folder first, which is then renamed into
    place: if anything fails (a plot, a full disk) ``folder`` is left as it was (absent, or the
    previous report) and the temporary folder is removed. An existing ``folder`` may be empty
    or hold an older report (replaced); anything else is refused rather than overwritten.

    Args:
        comparison: a ``Comparison``, its ``to_dict()``, or a ``Path`` to a comparison.json
            (any schema version).
        folder: where the report goes (created, with its parents).

    Returns:
        The paths written, report.html first.

    Raises:
        InputError: bad comparison data, or a folder that cannot be written.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> comparison = compare_runs(runs, metric="acc")
        >>> paths = write_report(comparison, "report")
        >>> [p.name for p in paths][:2]
        ['report.html', 'report.md']
    """
    from shared.render._csv import render_csv
    from shared.render._html import render_html
    from shared.render._json import render_json
    from shared.render._markdown import render_markdown
    from shared.render._plots import make_plots

    d = read_comparison(comparison)
    folder = Path(folder).absolute()
    exists = _check_target(folder)
    tmp: Path | None = None
    backup: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        images = make_plots(d)
        texts = {
            "report.html": render_html(d, images),
            "report.md": render_markdown(d),
            "comparison.json": render_json(d),
            "table.csv": render_csv(d),
        }
        names = list(texts) + list(images)
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="")
        for name, png in images.items():
            (tmp / name).write_bytes(png)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a report folder should be readable
        if exists:
            # Move the old report aside, put the new one in place, then drop the old one:
            # ``folder`` is absent only between two renames, and never half-written.
            backup = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
            os.rmdir(backup)
            os.rename(folder, backup)
        try:
            os.rename(tmp, folder)
        except OSError:
            if backup is not None:
                os.rename(backup, folder)
                backup = None
            raise
        tmp = None
    except TrackerCompareError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    return [folder / n for n in names]
