"""Public publishing API: log a comparison to MLflow (see ``_publish`` for how).

Example:
    >>> from mlflow_compare_plugin.publish import publish
    >>> # publish(MlflowClient(uri), comparison, log_report=True, default_experiment="1")
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from mlflow_compare_plugin._publish import Published, decision_tags, publish

__all__ = ["Published", "decision_tags", "publish"]
