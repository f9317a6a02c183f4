"""Public W&B Reports API: build, write as JSON, publish (see ``_report``).

Example:
    >>> from wandb_compare_ext.report import build_report, write_report_spec
    >>> # write_report_spec(build_report(comparison, runs, project="team/lora"), "report.json")
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from wandb_compare_ext._report import (
    build_report,
    report_spec,
    save_report,
    write_report_spec,
    x_axis_key,
)

__all__ = ["build_report", "report_spec", "save_report", "write_report_spec", "x_axis_key"]
