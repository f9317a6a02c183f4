"""tracker-compare's W&B adapter (``wandb compare``, ``confirm``, sweeps, the Optuna callback).

Nothing is imported here: the start-up hook loads this package with every ``wandb`` command.
``confirm`` loads on first use.
"""


def __getattr__(name: str):  # noqa: ANN202 (PEP 562 lazy attribute)
    if name in ("confirm", "ConfirmResult"):
        from wandb_compare_ext import _confirm as _module

        return getattr(_module, name)
    raise AttributeError(f"module 'wandb_compare_ext' has no attribute {name!r}")
