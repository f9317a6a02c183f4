"""``confirm``: configurations x seeds into MLflow, seeds added only where the answer is open.

Example:
    >>> import math
    >>> from mlflow_compare_plugin import confirm
    >>> def train(lr, hidden, seed):  # a stand-in for training: lr 0.01 is clearly better
    ...     return 0.9 - 5 * abs(lr - 0.01) + 0.01 * math.sin(1000 * lr + 7 * seed)
    >>> result = confirm([{"lr": 1e-3, "hidden": 32}, {"lr": 1e-2, "hidden": 32}], train,
    ...                  metric="val_accuracy", tracking_uri="sqlite:///mlflow.db",
    ...                  experiment_name="confirm")
    >>> result.winner, result.stopped_because
    ('lr=0.01', 'decided')
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shared.confirm import ConfirmResult
from shared.confirm._start import ConfirmOptions, confirm_with, split_metric

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ConfirmResult", "confirm", "split_metric"]


def confirm(
    configs: Sequence[Mapping[str, Any]] | str | os.PathLike[str],
    train: Callable[..., Any],
    *,
    metric: str,
    tracking_uri: str | None = None,
    experiment_name: str = "confirm",
    **options: Unpack[ConfirmOptions],
) -> ConfirmResult | None:
    """Train every configuration over seeds, logged to MLflow, until the decision is reached.

    Runs ``seeds`` seeds per configuration, then adds ``step`` seeds per round only to the
    configurations that could still be the best, until one wins, the contenders are shown
    equivalent within ``min_effect``, or ``max_seeds`` is spent. Each look compares at a
    level computed from the looks' joint distribution (``shared.confirm._plan``), so the
    false-winner rate over all looks stays at ``alpha``. With ``storage`` (an Optuna RDB URL) any number of workers, on any machines,
    share the work: run the same call on each.

    The options beside ``metric``, ``tracking_uri`` and ``experiment_name`` are those of every
    adapter's ``confirm``, with their defaults in one place (``shared.confirm._start``:
    ``confirm_with``): seeds 3, max_seeds 20, adaptive, min_effect 0, alpha 0.05, step 3,
    max_attempts 3, heartbeat_interval 2, grace_period 8.

    Args:
        configs: a list of dicts of params (a ``name`` key optional) or a YAML/JSON file.
        train: ``train(**params, seed=seed)`` returns the metric, a dict of metrics, or logs
            them to the active MLflow run itself.
        metric: the compared metric (``val_loss:min`` style suffixes are accepted).
        goal: ``"maximize"`` or ``"minimize"`` (default: from the suffix, else maximize).
        seeds, max_seeds, adaptive, min_effect, alpha: the design (see above; ``adaptive``
            False runs exactly ``seeds`` seeds and compares once).
        storage: Optuna RDB URL for the work items (None: this process only, in memory).
        tracking_uri, experiment_name: where the runs go (default $MLFLOW_TRACKING_URI).
        name: the confirm's name (study and parent run); default derived from the plan, so
            running the same call again resumes (or returns) the same confirm.
        step: seeds added per round; max_attempts: tries per (configuration, seed).
        max_tasks: stop this worker after that many tasks (returns None unless decided).
        item_timeout: seconds one train call may take (None: no limit); a longer call fails
            its attempt, which is retried like any failure. The call then runs in a thread
            the worker stops waiting for: a function cannot be killed (it runs on, its result
            ignored); ``--program`` is killed.
        heartbeat_interval, grace_period: seconds between a worker's heartbeats, and without
            one before its task is retried elsewhere (RDB storages only).

    Returns:
        The ``ConfirmResult`` (``winner``, ``seeds_used``, ``stopped_because``, ``parent``:
        the parent run id, ``comparison``).

    Raises:
        InputError: bad configurations or options; ``ConfirmFailed`` (an ``InputError``)
            when a (configuration, seed) fails every attempt or never gives the metric.
        TrackerUnreachable: the storage cannot be reached.
    """
    import mlflow
    import optuna
    from mlflow import MlflowClient

    from mlflow_compare_plugin._confirm_tracker import MlflowConfirmTracker

    def tracker() -> MlflowConfirmTracker:
        from mlflow_compare_plugin._store_check import redacted
        from mlflow_compare_plugin._tracker_errors import _probe_database, tracker_errors
        from shared.store_setup import set_up_store

        uri = tracking_uri or mlflow.get_tracking_uri()
        if uri.split(":", 1)[0].split("+")[0] in ("postgresql", "mysql", "mssql"):
            # a database server down or refusing us is said at once, as `mlflow compare` says
            # it, not after MLflow's ~100 s of retries with a warning each
            _probe_database(uri, 2, need_store=False)
        with tracker_errors(f"cannot open tracking store {redacted(uri)!r}"):
            # The client opens the store (a fresh database gets its schema): serialised, retried.
            client = set_up_store(uri, lambda: MlflowClient(uri))
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is not None:
            experiment_id = experiment.experiment_id
        else:
            try:
                experiment_id = client.create_experiment(experiment_name)
            except mlflow.exceptions.MlflowException:  # another worker created it meanwhile
                experiment_id = client.get_experiment_by_name(experiment_name).experiment_id
        return MlflowConfirmTracker(client, experiment_id, uri)

    return confirm_with(configs, train, tracker, optuna=optuna, metric=metric, **options)
