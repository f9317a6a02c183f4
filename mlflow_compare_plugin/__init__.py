"""tracker-compare's MLflow adapter (``mlflow compare``, ``confirm``, the Optuna callback).

Nothing is imported here: the start-up hook loads this package with every ``mlflow`` command.
``confirm`` loads on first use.
"""


def __getattr__(name: str):  # noqa: ANN202 (PEP 562 lazy attribute)
    if name in ("confirm", "ConfirmResult"):
        from mlflow_compare_plugin import _confirm as _module

        return getattr(_module, name)
    raise AttributeError(f"module 'mlflow_compare_plugin' has no attribute {name!r}")
