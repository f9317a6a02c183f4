"""``MLflowCallback``: the successor of ``optuna_integration.mlflow.MLflowCallback``.

Given the same arguments it produces the same runs (one per trial, run name = trial number,
the objective values as metrics, the params, the ``*_distribution``, ``state``, ``direction``,
``number``, ``datetime_*`` and user-attr tags, truncated tags, the same ``ValueError`` for
mismatched multi-objective names) and keeps what the deprecated one loses:

* nested trials stay under the right parent from every worker thread and process;
* intermediate values become the metric's history (with their steps);
* PRUNED and FAIL trials end as KILLED and FAILED runs;
* everything is logged through ``MlflowClient`` with explicit run ids, chunked to MLflow's batch
  limits, with retries; a tracker failure warns once and never stops the study;
* the callback's own requests to a tracking server are bounded (``request_timeout``,
  ``request_retries``; see ``_optuna_client``), whatever MLflow's process-wide HTTP settings
  are, so a server that is gone costs a study seconds, not minutes;
* ``track_in_mlflow`` holds no lock around the objective, so ``n_jobs > 1`` runs in parallel;
* a trial's run is found again (trial system attr checked against the trial id, then a tag
  lookup) instead of being created twice.

Why this module is over 500 lines: it is one class whose methods share one piece of state
(the trial -> run bookkeeping under per-study locks); the parent-run protocol
(``_optuna_parent``), the bounded client (``_optuna_client``), the seed runs
(``_optuna_child_runs``) and the trial run's names (``_optuna_trial_run``) are already their
own modules, and splitting the rest would spread that locking across files.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._optuna_child_runs import ChildRuns
from mlflow_compare_plugin._optuna_client import bounded_client
from mlflow_compare_plugin._optuna_parent import (
    PARENT_ATTR_PREFIX,
    STUDY_RUN_TAG,
    STUDY_TAG,
    claim_parent,
    shared_study_run_id,
    visible_active_run_id,
)
from mlflow_compare_plugin._optuna_trial_run import (
    RUN_ATTRIBUTE_KEY,
    RUN_ID_ATTRIBUTE_KEY,
    TRIAL_ID_TAG,
    TRIAL_NUMBER_TAG,
    pop_fluent,
    push_fluent,
)
from shared.objectives import check_metric_name, metric_names_for
from shared.retry import LoggingGuard

if TYPE_CHECKING:
    import optuna
    from mlflow.tracking import MlflowClient

__all__ = [
    "MLflowCallback",
    "RUN_ID_ATTRIBUTE_KEY",
    "RUN_ATTRIBUTE_KEY",
    "TRIAL_ID_TAG",
    "TRIAL_NUMBER_TAG",
    "PARENT_ATTR_PREFIX",
    "metric_names_for",
]

_STATUS = {"COMPLETE": "FINISHED", "PRUNED": "KILLED", "FAIL": "FAILED"}


def _ms(moment: Any) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _truncate(value: Any, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class MLflowCallback(ChildRuns):
    """Log each Optuna trial as an MLflow run (drop-in for optuna-integration's callback).

    Args:
        tracking_uri: MLflow tracking URI; ``None`` uses the current one. Like the deprecated
            callback, a given URI is also set as MLflow's global tracking URI.
        metric_name: name of the objective's metric, or one name per objective.
        create_experiment: log into an experiment named after the study (created if needed);
            when ``False`` use ``mlflow_kwargs["experiment_id"]`` or the active experiment.
        mlflow_kwargs: ``run_name``, ``experiment_id``, ``nested`` and ``tags`` as in
            ``mlflow.start_run``. With ``nested=True`` each trial's run is a child of the run
            active when ``optimize`` began (from every thread), or of one study run shared by
            every worker through the study's storage when no run was active.
        tag_study_user_attrs: add the study's user attrs as tags.
        tag_trial_user_attrs: add the trial's user attrs as tags.
        log_intermediate_values: log ``trial.report`` values as the metric's history.
        retries: extra attempts for each tracker call before giving up (then warn once).
        retry_wait: seconds before the first retry (doubling).
        retry_cooldown: once the tracker is found unreachable, seconds during which logging
            is skipped rather than waiting on timeouts trial after trial. Use
            :meth:`backfill` to log what was skipped once the tracker is back.
        request_timeout: seconds each of the callback's HTTP requests may take (a tracking
            server URI only). MLflow's process-wide ``MLFLOW_HTTP_REQUEST_TIMEOUT`` (120 s)
            and ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` (7, with backoff) are left to the user's
            own calls: with them, one trial waited 743 s on a server that was gone.
        request_retries: MLflow-level retries of each of those requests (backoff 0.5 s);
            ``retries`` then repeats the whole logging step.

    Example:
        >>> import mlflow, optuna
        >>> from mlflow_compare_plugin.optuna import MLflowCallback
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> cb = MLflowCallback(tracking_uri="sqlite:///mlflow.db", metric_name="loss")
        >>> study = optuna.create_study(study_name="tune")
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1) - 0.3) ** 2, n_trials=3,
        ...                n_jobs=2, callbacks=[cb])
        >>> runs = mlflow.search_runs(experiment_names=["tune"])  # one run per trial
        >>> len(runs), sorted(runs["status"].unique()), "metrics.loss" in runs
        (3, ['FINISHED'], True)
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        metric_name: str | Sequence[str] = "value",
        create_experiment: bool = True,
        mlflow_kwargs: dict[str, Any] | None = None,
        tag_study_user_attrs: bool = False,
        tag_trial_user_attrs: bool = True,
        *,
        log_intermediate_values: bool = True,
        retries: int = 2,
        retry_wait: float = 0.5,
        retry_cooldown: float = 30.0,
        request_timeout: float = 10.0,
        request_retries: int = 1,
    ) -> None:
        self._tracking_uri = tracking_uri
        self._metric_name = check_metric_name(metric_name)
        self._create_experiment = create_experiment
        self._mlflow_kwargs = dict(mlflow_kwargs or {})
        self._tag_study_user_attrs = tag_study_user_attrs
        self._tag_trial_user_attrs = tag_trial_user_attrs
        self._log_intermediate_values = log_intermediate_values
        self._request_timeout = float(request_timeout)
        self._request_retries = max(0, int(request_retries))
        self._guard = LoggingGuard(
            "MLflow", retries=retries, wait=retry_wait, cooldown=retry_cooldown
        )
        # Guards our caches only: never held while the objective runs.
        self._lock = threading.Lock()
        self._experiment_lock = threading.Lock()
        self._study_locks: dict[tuple[int, str], threading.Lock] = {}
        self._client: MlflowClient | None = None
        self._context_tags: dict[str, str] | None = None
        self._experiments: dict[str, str] = {}
        self._study_runs: dict[tuple[int, str, str], str] = {}
        self._shared: dict[tuple[int, str, str], str] = {}
        self._trial_runs: set[str] = set()

    # ------------------------------------------------------------------ public API

    @property
    def logging_failures(self) -> list[str]:
        """What could not be logged (the tracker was unreachable), one line each."""
        return list(self._guard.failures)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self._log(study, trial, lookup=False)

    def log_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> str | None:
        """Log a finished trial explicitly (ask-and-tell studies); idempotent.

        Args:
            study: the study the trial belongs to.
            trial: the ``FrozenTrial`` (``study.tell`` returns it).

        Returns:
            The MLflow run id, or ``None`` when the tracker could not be reached.

        Example:
            >>> import optuna
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> callback = MLflowCallback(tracking_uri="sqlite:///mlflow.db")
            >>> study = optuna.create_study(study_name="ask-tell")
            >>> trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
            >>> frozen = study.tell(trial, 1.0)
            >>> len(callback.log_trial(study, frozen))  # the MLflow run id
            32
        """
        return self._log(study, trial, lookup=True)

    def track_in_mlflow(self) -> Callable:
        """Decorator running the objective inside the trial's MLflow run.

        The run is created when the trial starts, so a fluent ``mlflow.log_metric`` in the
        objective lands in it, from any thread. No lock is held while the objective runs.

        Example:
            >>> import mlflow, optuna
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> callback = MLflowCallback(tracking_uri="sqlite:///mlflow.db")
            >>> @callback.track_in_mlflow()
            ... def objective(trial):
            ...     mlflow.log_metric("extra", 1.0)  # lands in the trial's run
            ...     return trial.suggest_float("x", 0, 1)
            >>> study = optuna.create_study(study_name="tracked")
            >>> study.optimize(objective, n_trials=2, n_jobs=2, callbacks=[callback])
            >>> mlflow.search_runs(experiment_names=["tracked"])["metrics.extra"].tolist()
            [1.0, 1.0]
        """

        def decorator(func: Callable) -> Callable:
            @functools.wraps(func)
            def wrapper(trial: optuna.trial.Trial) -> Any:
                run = self._guard.call_with_attempt(
                    f"trial {trial.number}", lambda attempt: self._start_trial_run(trial, attempt)
                )
                if run is None:
                    return func(trial)
                try:
                    pushed = push_fluent(run)
                except Exception as error:
                    self._guard.give_up(f"trial {trial.number}", error)
                    return func(trial)
                try:
                    return func(trial)
                finally:
                    try:
                        pop_fluent(pushed)
                    except Exception as error:
                        self._guard.give_up(f"trial {trial.number}", error)

            return wrapper

        return decorator

    def backfill(self, study: optuna.Study) -> int:
        """Log the finished trials of ``study`` that have no finished run (the tracker was
        down when they ended); returns how many were logged. Safe to call again.

        Example:
            >>> import optuna
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> study = optuna.create_study(study_name="offline-first")
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)  # not logged
            >>> callback = MLflowCallback(tracking_uri="sqlite:///mlflow.db")
            >>> callback.backfill(study), callback.backfill(study)  # the second finds none
            (4, 0)
        """
        from optuna.trial import TrialState

        self._guard.reset_cooldown()  # an explicit call tries now
        client = self._get_client()
        experiment_id = self._experiment_id(study)
        name = study.study_name.replace("'", "\\'")
        done: set[str] = set()
        token = None
        while True:
            page = client.search_runs(
                [experiment_id],
                filter_string=f"tags.`{STUDY_TAG}` = '{name}'",
                max_results=1000,
                page_token=token,
            )
            done.update(
                r.data.tags[TRIAL_ID_TAG]
                for r in page
                if TRIAL_ID_TAG in r.data.tags and r.info.status != "RUNNING"
            )
            token = page.token
            if not token:
                break
        logged = 0
        finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
        for trial in study.get_trials(deepcopy=False, states=finished):
            if str(trial._trial_id) in done:
                continue
            if self._log(study, trial, lookup=True) is not None:
                logged += 1
        return logged

    def failed_trial_callback(
        self, then: Callable[[optuna.Study, optuna.trial.FrozenTrial], None] | None = None
    ) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
        """A ``failed_trial_callback`` for ``RDBStorage`` that logs stale trials, then ``then``.

        Trials failed by the heartbeat (their worker died) never reach ``optimize``'s
        callbacks; this ends their run as FAILED (creating it if needed) and then calls ``then``
        (e.g. ``RetryFailedTrialCallback(max_retry=2)``).

        Example:
            >>> import optuna
            >>> from optuna.storages import RetryFailedTrialCallback
            >>> cb = MLflowCallback(tracking_uri="sqlite:///mlflow.db")
            >>> storage = optuna.storages.RDBStorage(
            ...     "sqlite:///optuna.db", heartbeat_interval=1, grace_period=3,
            ...     failed_trial_callback=cb.failed_trial_callback(RetryFailedTrialCallback()))
        """

        def _callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            try:
                self._log(study, trial, lookup=True)
            finally:
                if then is not None:
                    then(study, trial)

        return _callback

    def finish(self, study: optuna.Study, status: str = "FINISHED") -> str | None:
        """End the study run the callback created for ``study`` (if any); returns its id.

        Example:
            >>> import mlflow, optuna
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> cb = MLflowCallback(tracking_uri="sqlite:///mlflow.db",
            ...                     mlflow_kwargs={"nested": True})  # trials under a study run
            >>> study = optuna.create_study(study_name="nested")
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[cb])
            >>> parent = cb.finish(study)  # the shared study run is now FINISHED
            >>> mlflow.get_run(parent).info.status
            'FINISHED'
        """
        client = self._get_client()
        experiment_id = self._guard.call("study", lambda: self._experiment_id(study))
        if experiment_id is None:
            return None
        run_id = study._storage.get_study_system_attrs(study._study_id).get(
            f"{PARENT_ATTR_PREFIX}:{experiment_id}"
        )
        if not isinstance(run_id, str):
            return None

        def end() -> str | None:
            # Only a study run we created; a user's run shared with other workers is theirs.
            if client.get_run(run_id).data.tags.get(STUDY_RUN_TAG) != "true":
                return None
            client.set_terminated(run_id, status)
            return run_id

        return self._guard.call("study run", end)

    def parent_run_id(self, study: optuna.Study) -> str | None:
        """The run trials of ``study`` nest under now (``None`` unless ``nested``)."""
        if not self._mlflow_kwargs.get("nested"):
            return None
        return self._parent_run_id(study, self._experiment_id(study))

    # ------------------------------------------------------------------ internals

    def _get_client(self) -> MlflowClient:
        with self._lock:
            if self._client is None:
                import mlflow

                if self._tracking_uri is not None:
                    # The deprecated callback sets it globally; the fluent API inside the
                    # objective (track_in_mlflow) depends on that.
                    mlflow.set_tracking_uri(self._tracking_uri)
                self._client = bounded_client(
                    self._tracking_uri or mlflow.get_tracking_uri(),
                    timeout=self._request_timeout,
                    retries=self._request_retries,
                )
            return self._client

    def _study_lock(self, study: optuna.Study) -> threading.Lock:
        key = (id(study._storage), str(study._study_id))
        with self._lock:
            return self._study_locks.setdefault(key, threading.Lock())

    def _experiment_id(self, study: optuna.Study) -> str:

        client = self._get_client()
        if not self._create_experiment:
            given = self._mlflow_kwargs.get("experiment_id")
            if given is not None:
                return str(given)
            from mlflow.tracking.fluent import _get_experiment_id

            return str(_get_experiment_id())
        name = study.study_name
        with self._lock:
            cached = self._experiments.get(name)
        if cached is not None:
            return cached
        # One thread creates it (some stores, e.g. file stores, do not refuse a duplicate
        # name); the others wait for the answer on this cold path only.
        with self._experiment_lock:
            with self._lock:
                cached = self._experiments.get(name)
            if cached is not None:
                return cached
            return self._get_or_create_experiment(client, name)

    def _get_or_create_experiment(self, client: MlflowClient, name: str) -> str:
        import mlflow
        from mlflow.exceptions import MlflowException

        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            try:
                experiment_id = client.create_experiment(name)
            except MlflowException:
                # Another thread or worker created it first.
                experiment = client.get_experiment_by_name(name)
                if experiment is None:
                    raise
                experiment_id = experiment.experiment_id
        else:
            if experiment.lifecycle_stage == "deleted":
                client.restore_experiment(experiment.experiment_id)
            experiment_id = experiment.experiment_id
        # Like the deprecated callback (mlflow.set_experiment): fluent calls made inside the
        # objective then resolve to the same experiment.
        mlflow.set_experiment(experiment_id=experiment_id)
        with self._lock:
            self._experiments[name] = experiment_id
        return experiment_id

    def _parent_run_id(self, study: optuna.Study, experiment_id: str) -> str:
        with self._lock:
            exclude = set(self._trial_runs)
        active = visible_active_run_id(exclude)
        key = (id(study._storage), str(study._study_id), experiment_id)
        if active is not None:
            self._share_parent(study, experiment_id, active, key)
            return active
        with self._study_lock(study):
            cached = self._study_runs.get(key)
            if cached is None:
                cached = shared_study_run_id(self._get_client(), study, experiment_id)
                self._study_runs[key] = cached
        return cached

    def _share_parent(
        self, study: optuna.Study, experiment_id: str, run_id: str, key: tuple[int, str, str]
    ) -> None:
        """Let workers in other processes (no active run there) nest under this process's run.

        Stored only if no parent is stored yet (atomically, see ``claim_parent``): a stored
        study run stays the parent of the processes that use it.
        """
        with self._lock:
            if self._shared.get(key) == run_id:
                return
            self._shared[key] = run_id
        claim_parent(study, experiment_id, lambda: run_id)

    def _base_tags(self, study: optuna.Study, trial: Any, parent: str | None) -> dict[str, str]:
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME

        with self._lock:
            if self._context_tags is None:
                from mlflow.tracking.context.registry import resolve_tags

                # user, source, git commit: what fluent start_run would add (computed once).
                self._context_tags = {k: str(v) for k, v in resolve_tags({}).items()}
            tags = dict(self._context_tags)
        tags.update({str(k): str(v) for k, v in (self._mlflow_kwargs.get("tags") or {}).items()})
        tags[MLFLOW_RUN_NAME] = self._run_name(trial)
        tags[STUDY_TAG] = study.study_name
        tags[TRIAL_ID_TAG] = str(trial._trial_id)
        tags[TRIAL_NUMBER_TAG] = str(trial.number)
        if parent is not None:
            tags[MLFLOW_PARENT_RUN_ID] = parent
        return tags

    def _run_name(self, trial: Any) -> str:
        return str(self._mlflow_kwargs.get("run_name", str(trial.number)))

    def _create_run(self, study: optuna.Study, trial: Any, experiment_id: str, attempt: int) -> Any:
        client = self._get_client()
        if attempt > 0:
            # The previous attempt may have created the run before failing.
            found = self._lookup_run(study, trial, experiment_id)
            if found is not None:
                return self._get_client().get_run(found)
        parent = (
            self._parent_run_id(study, experiment_id) if self._mlflow_kwargs.get("nested") else None
        )
        run = client.create_run(
            experiment_id,
            start_time=_ms(trial.datetime_start),
            tags=self._base_tags(study, trial, parent),
            run_name=self._run_name(trial),
        )
        return run

    def _lookup_run(self, study: optuna.Study, trial: Any, experiment_id: str) -> str | None:
        name = study.study_name.replace("'", "\\'")
        runs = self._get_client().search_runs(
            [experiment_id],
            filter_string=(
                f"tags.`{TRIAL_ID_TAG}` = '{trial._trial_id}' and tags.`{STUDY_TAG}` = '{name}'"
            ),
            max_results=5,
        )
        return runs[0].info.run_id if runs else None

    def _start_trial_run(self, trial: optuna.trial.Trial, attempt: int) -> Any:
        study = trial.study
        experiment_id = self._experiment_id(study)
        run = self._create_run(study, trial, experiment_id, attempt)
        run_id = run.info.run_id
        with self._lock:
            self._trial_runs.add(run_id)
        storage, trial_id = trial.storage, trial._trial_id
        storage.set_trial_system_attr(
            trial_id, RUN_ATTRIBUTE_KEY, {"trial_id": trial_id, "run_id": run_id}
        )
        storage.set_trial_system_attr(trial_id, RUN_ID_ATTRIBUTE_KEY, run_id)
        return run

    @staticmethod
    def _known_run(trial: optuna.trial.FrozenTrial) -> str | None:
        record = trial.system_attrs.get(RUN_ATTRIBUTE_KEY)
        if isinstance(record, dict) and record.get("trial_id") == trial._trial_id:
            return str(record["run_id"])
        return None

    def _log(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial, *, lookup: bool
    ) -> str | None:
        # Bad input (names that do not match the values) is the user's to fix: raise like the
        # deprecated callback, after ending a run the decorator opened.
        try:
            names = metric_names_for(self._metric_name, len(trial.values)) if trial.values else []
        except ValueError:
            known = self._known_run(trial)
            if known is not None:
                self._guard.call(
                    f"trial {trial.number}",
                    lambda: self._get_client().set_terminated(known, "FAILED"),
                )
            raise
        return self._guard.call_with_attempt(
            f"trial {trial.number}",
            lambda attempt: self._log_io(study, trial, names, lookup, attempt),
        )

    def _log_io(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        names: list[str],
        lookup: bool,
        attempt: int,
    ) -> str:
        from mlflow.entities import Metric, Param, RunTag

        client = self._get_client()
        experiment_id = self._experiment_id(study)
        run_id = self._known_run(trial)
        if run_id is None and lookup:
            run_id = self._lookup_run(study, trial, experiment_id)
        if run_id is None:
            run_id = self._create_run(study, trial, experiment_id, attempt).info.run_id

        now = int(time.time() * 1000)
        metrics: list[Metric] = []
        last_step = 0
        if self._log_intermediate_values and names and trial.intermediate_values:
            for step, value in sorted(trial.intermediate_values.items()):
                metrics.append(Metric(names[0], float(value), now, int(step)))
            last_step = int(max(trial.intermediate_values))
        # The final value comes last (same step, later timestamp), so MLflow's "latest value"
        # of the metric is the trial's value.
        for name, value in zip(names, trial.values or (), strict=True):
            metrics.append(Metric(name, float(value), now + 1, last_step))
        params = [
            Param(str(k), _truncate(v, _limits().MAX_PARAM_VAL_LENGTH))
            for k, v in trial.params.items()
        ]
        tags = [RunTag(k, v) for k, v in self._trial_tags(study, trial).items()]
        for batch in _batches(metrics, params, tags):
            client.log_batch(run_id, metrics=batch[0], params=batch[1], tags=batch[2])
        status = _STATUS.get(trial.state.name)
        if status is not None:
            client.set_terminated(run_id, status, end_time=_ms(trial.datetime_complete))
        return run_id

    def _trial_tags(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> dict[str, str]:
        # Same keys, order and precedence as optuna-integration's _set_tags.
        tags: dict[str, Any] = {
            "number": str(trial.number),
            "datetime_start": str(trial.datetime_start),
            "datetime_complete": str(trial.datetime_complete),
        }
        if trial.state.is_finished():
            tags["state"] = trial.state.name
        directions = [d.name for d in study.directions]
        tags["direction"] = directions if len(directions) != 1 else directions[0]
        tags.update({f"{k}_distribution": str(v) for k, v in trial.distributions.items()})
        if self._tag_trial_user_attrs:
            tags.update(trial.user_attrs)
        if self._tag_study_user_attrs:
            tags.update(study.user_attrs)
        limit = _limits().MAX_TAG_VAL_LENGTH
        return {str(k): _truncate(v, limit) for k, v in tags.items()}


def _limits() -> Any:
    from mlflow.utils import validation

    return validation


def _batches(metrics: list, params: list, tags: list) -> list[tuple[list, list, list]]:
    """Split into ``log_batch`` requests within MLflow's per-request limits."""
    lim = _limits()
    max_metrics = lim.MAX_METRICS_PER_BATCH
    max_pt = lim.MAX_PARAMS_TAGS_PER_BATCH
    max_total = lim.MAX_ENTITIES_PER_BATCH
    out: list[tuple[list, list, list]] = []
    m, p, t = list(metrics), list(params), list(tags)
    while m or p or t:
        bp, p = p[:max_pt], p[max_pt:]
        bt, t = t[:max_pt], t[max_pt:]
        room = max(0, min(max_metrics, max_total - len(bp) - len(bt)))
        bm, m = m[:room], m[room:]
        out.append((bm, bp, bt))
    return out
