"""tracker-compare's W&B adapter (``wandb compare``, ``confirm``, sweeps, the Optuna callback).

Nothing but the kit's tiny lazy-attribute helper is imported here: the start-up hook loads this package with every ``wandb`` command.
``confirm`` loads on first use.
"""

from tracker_compare_kit._lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, "_confirm", ("confirm", "ConfirmResult"))
