"""tracker-compare's MLflow adapter (``mlflow compare``, ``confirm``, the Optuna callback).

Nothing but the kit's tiny lazy-attribute helper is imported here: the start-up hook loads this package with every ``mlflow`` command.
``confirm`` loads on first use.
"""

from tracker_compare_kit._lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, "_confirm", ("confirm", "ConfirmResult"))
