"""Fetch MLflow runs as ``shared.Run``: search with paging, then histories only when needed.

* Runs: ``MlflowClient.search_runs`` page by page (no 1,000-run cap), over one or more
  experiments, with an MLflow filter string; or given run ids.
* Last values come from each run's latest metrics (no history needed for ``--reduce last``).
* Histories, only for the metrics asked for, by the fastest complete route for the store:
  SQL stores: set-based queries on MLflow's own engine (``_fetch_sql``); tracking servers:
  the bulk history endpoint, completed by paged history (``_fetch_rest``); anything else
  (file stores, plugins): the public client, concurrently.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlflow_compare_plugin._tracker_errors import (
    _probe_database,
    http_retries,
    tracker_errors,
)
from shared import (
    History,
    InputError,
    Run,
    UnknownMetricError,
    coerce_params,
    resolve_metric,
)
from shared._progress import progress_bar, status
from shared.cli import is_connection_problem, one_line
from shared.model._own_runs import without_parents
from shared.source import OWN_RUN_TAG, register_hints

__all__ = ["MlflowSource", "fetch_runs", "http_retries", "without_parents", "COMPARISON_TAG"]

#: Tag on the comparison runs ``--log-report`` creates; such runs are never compared.
COMPARISON_TAG = OWN_RUN_TAG
#: MLflow's tag naming a nested run's parent; becomes ``Run.source["parent_run"]``.
PARENT_TAG = "mlflow.parentRunId"
#: The option of ``mlflow compare`` that keeps one parent run, for the core's warnings about
#: mixed sources; registered here, where every MLflow fetch passes.
OPTION_HINTS = {"parent_run": "--parent-run-id ID (MLflow)"}
register_hints("mlflow", OPTION_HINTS)
# 500 runs a page costs no more than one page of 10,000 on sqlite (measured: 1.0 vs 1.1 s for
# 2,000 runs) and lets the progress count move.
_SEARCH_PAGE_SQL = 500
_SEARCH_PAGE_REST = 2000


class MlflowSource:
    """One MLflow tracking store: the client, its store, and how to read histories fast.

    Args:
        tracking_uri: ``sqlite:///...``, ``postgresql://...``, ``http(s)://...``, a folder,
            or ``None`` for MLflow's default (``MLFLOW_TRACKING_URI``).
        retries: retries per HTTP request against a server (with exponential backoff).

    Example:
        >>> # source = MlflowSource("sqlite:///mlruns.db"); runs = source.runs(["1"], "")
    """

    def __init__(self, tracking_uri: str | None = None, *, retries: int = 3) -> None:
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        from mlflow_compare_plugin._store_check import check_store_exists, redacted

        self.retries = retries
        self.tracking_uri = tracking_uri or mlflow.get_tracking_uri()
        # Reading never creates a store (MLflow would make a missing sqlite file or tables).
        check_store_exists(self.tracking_uri, given=bool(tracking_uri))
        if self.tracking_uri.split(":", 1)[0].split("+")[0] in ("postgresql", "mysql", "mssql"):
            _probe_database(self.tracking_uri, retries)
        where = f"cannot open tracking store {redacted(self.tracking_uri)!r}"
        with tracker_errors(where):
            try:
                self.client = MlflowClient(self.tracking_uri)
                self.store = self.client._tracking_client.store
            except MlflowException as error:
                if is_connection_problem(error):
                    raise
                # e.g. MLflow's hint for folder stores: the user must change the URI; shown whole.
                raise InputError(f"{where}: {' '.join(error.message.split())}") from error

    @property
    def kind(self) -> str:
        """``"sql"``, ``"rest"`` or ``"other"``: which history route is used."""
        from mlflow_compare_plugin._fetch_sql import is_sql_store

        if is_sql_store(self.store):
            return "sql"
        if hasattr(self.store, "get_host_creds") and self.tracking_uri.startswith("http"):
            return "rest"
        return "other"

    # experiments ---------------------------------------------------------------------------
    def experiment_ids(self, ids: Sequence[str] = (), names: Sequence[str] = ()) -> list[str]:
        """Check the experiments exist; return their ids (names first, then ids, no repeats)."""
        found: list[str] = []
        with tracker_errors("cannot read experiments"):
            for name in names:
                experiment = self.client.get_experiment_by_name(name)
                if experiment is None:
                    raise InputError(
                        f"unknown experiment {name!r}; existing: {self._experiment_names()}"
                    )
                found.append(str(experiment.experiment_id))
            for experiment_id in ids:
                try:
                    self.client.get_experiment(str(experiment_id))
                except Exception as error:
                    if is_connection_problem(error):
                        raise
                    raise InputError(
                        f"unknown experiment id {experiment_id!r}; existing: "
                        f"{self._experiment_names()}"
                    ) from error
                found.append(str(experiment_id))
        return list(dict.fromkeys(found))

    def _experiment_names(self, limit: int = 10) -> str:
        experiments = self.client.search_experiments(max_results=limit + 1)
        shown = [f"{e.name} (id {e.experiment_id})" for e in experiments[:limit]]
        return ", ".join(shown) + (", ..." if len(experiments) > limit else "") or "none"

    # runs ----------------------------------------------------------------------------------
    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        on_page: Callable[[int], None] | None = None,
        page_size: int | None = None,
    ) -> list[Any]:
        """All active runs matching the filter, following page tokens (no 1,000-run cap)."""
        page = page_size or (_SEARCH_PAGE_REST if self.kind == "rest" else _SEARCH_PAGE_SQL)
        runs: list[Any] = []
        token: str | None = None
        with tracker_errors("cannot search runs"):
            try:
                while True:
                    batch = self.client.search_runs(
                        list(experiment_ids),
                        filter_string=filter_string or "",
                        max_results=page,
                        page_token=token,
                    )
                    runs.extend(batch)
                    if on_page is not None:
                        on_page(len(batch))
                    token = batch.token
                    if not token:
                        break
            except Exception as error:
                from mlflow.exceptions import MlflowException

                if (
                    isinstance(error, MlflowException)
                    and not is_connection_problem(error)
                    and filter_string
                    and error.error_code in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST")
                ):
                    raise InputError(
                        f"bad --filter {filter_string!r}: {one_line(error.message, 300)}"
                    ) from error
                raise
        return runs

    def get_runs(self, run_ids: Sequence[str]) -> list[Any]:
        """The given runs (in order); unknown ids are an ``InputError``."""

        def get(run_id: str) -> Any:
            try:
                return self.client.get_run(run_id)
            except Exception as error:
                if is_connection_problem(error):
                    raise
                raise InputError(f"unknown run id {run_id!r}") from error

        with tracker_errors("cannot read runs"), ThreadPoolExecutor(8) as pool:
            return list(pool.map(get, list(dict.fromkeys(run_ids))))

    # histories -----------------------------------------------------------------------------
    def histories(
        self,
        wanted: Sequence[tuple[str, str]],
        on_progress: Callable[[int], None] | None = None,
        *,
        timestamps: bool = True,
    ) -> dict[tuple[str, str], History]:
        """Every point of each ``(run_id, metric_key)``, by the fastest complete route.

        ``timestamps=False`` lets a SQL store skip the wall-clock column (not needed unless the
        x-axis is seconds or time); the other routes get it anyway.
        """
        with tracker_errors("cannot read metric histories"):
            if self.kind == "sql":
                from mlflow_compare_plugin._fetch_sql import fetch_histories_sql

                return fetch_histories_sql(
                    self.store, wanted, timestamps=timestamps, on_progress=on_progress
                )
            if self.kind == "rest":
                from mlflow_compare_plugin._fetch_rest import fetch_histories_rest

                return fetch_histories_rest(
                    self.store.get_host_creds(),
                    wanted,
                    retries=self.retries,
                    on_progress=on_progress,
                )
            return self._histories_client(wanted, on_progress)

    def _histories_client(
        self,
        wanted: Sequence[tuple[str, str]],
        on_progress: Callable[[int], None] | None = None,
    ) -> dict[tuple[str, str], History]:
        def one(pair: tuple[str, str]) -> tuple[tuple[str, str], History]:
            metrics = self.client.get_metric_history(*pair)
            return pair, History(
                steps=[m.step for m in metrics],
                values=[m.value for m in metrics],
                timestamps=[m.timestamp / 1000.0 for m in metrics],
            )

        out: dict[tuple[str, str], History] = {}
        with ThreadPoolExecutor(8) as pool:
            for pair, h in pool.map(one, wanted):
                if len(h):
                    out[pair] = h
                if on_progress is not None:
                    on_progress(1)
        return out


def _stored_float(value: Any) -> float:
    """A metric value as logged: MLflow's SQL store cannot hold infinities and keeps them as
    the largest float (1.797e308), which must not reach a test as a number.

    Example:
        >>> _stored_float(sys.float_info.max), _stored_float("0.5")
        (inf, 0.5)
    """
    number = float(value)
    if number >= sys.float_info.max:
        return math.inf
    if number <= -sys.float_info.max:
        return -math.inf
    return number


def to_run(mlflow_run: Any) -> Run:
    """One MLflow run as a ``shared.Run`` (params typed, times in seconds).

    Example:
        >>> # to_run(MlflowClient().get_run(run_id)).params["lr"]  -> 0.001 (a float)
    """
    info, data = mlflow_run.info, mlflow_run.data
    tags = dict(data.tags)
    parent = tags.get(PARENT_TAG)
    return Run(
        tracker="mlflow",
        id=info.run_id,
        name=info.run_name or tags.get("mlflow.runName"),
        experiment=str(info.experiment_id),
        status=info.status,
        start_time=info.start_time / 1000.0 if info.start_time else None,
        end_time=info.end_time / 1000.0 if info.end_time else None,
        params=coerce_params(dict(data.params)),
        tags=tags,
        metrics={k: _stored_float(v) for k, v in data.metrics.items()},
        # Provenance, tracker-neutral: the parent run (Optuna study, sweep driver) if any.
        source={"parent_run": parent} if parent else {},
    )


def _history_pairs(runs: Sequence[Run], names: Sequence[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for i, name in enumerate(names):
        try:
            spelling = resolve_metric(runs, name)
        except UnknownMetricError:
            if i == 0:
                raise  # the deciding metric must exist; an x-axis metric may be absent
            continue
        by_key = {run.key: run for run in runs}
        pairs.extend((by_key[key].id, key_name) for key, key_name in spelling.items())
    return list(dict.fromkeys(pairs))


def fetch_runs(
    tracking_uri: str | None = None,
    *,
    experiment_ids: Sequence[str] = (),
    experiment_names: Sequence[str] = (),
    filter_string: str = "",
    run_ids: Sequence[str] = (),
    history_metrics: Sequence[str] = (),
    timestamps: bool = True,
    retries: int = 3,
    source: MlflowSource | None = None,
    show_progress: bool = True,
) -> list[Run]:
    """MLflow runs as ``shared.Run``, with histories of ``history_metrics`` when asked.

    Args:
        tracking_uri: the tracking store (``None``: MLflow's default).
        experiment_ids, experiment_names: experiments to search (any number, mixed).
        filter_string: an MLflow search filter (``params.lr = '0.01' and metrics.acc > 0.5``).
        run_ids: compare exactly these runs (within the experiments, if any are given).
        history_metrics: metric names (any spelling) whose full histories are needed; the
            first must exist, later ones (an x-axis metric) may be absent.
        timestamps: whether histories need each point's wall-clock time (x-axis seconds/time).
        retries: retries per HTTP request against a tracking server.
        source: an open ``MlflowSource`` to reuse.
        show_progress: draw a progress bar when stderr is a terminal.

    Returns:
        The runs, without comparison runs made by ``--log-report``.

    Raises:
        InputError: unknown experiment or run, bad filter, no runs match.
        TrackerUnreachable: the store or server cannot be reached or keeps failing.

    Example:
        >>> # runs = fetch_runs("sqlite:///mlruns.db", experiment_names=["lora"],
        >>> #                   history_metrics=["val_loss"])
    """
    with http_retries(retries):
        return _fetch_runs(
            source or MlflowSource(tracking_uri, retries=retries),
            experiment_ids=experiment_ids,
            experiment_names=experiment_names,
            filter_string=filter_string,
            run_ids=run_ids,
            history_metrics=history_metrics,
            timestamps=timestamps,
            show_progress=show_progress,
        )


def _fetch_runs(
    source: MlflowSource,
    *,
    experiment_ids: Sequence[str],
    experiment_names: Sequence[str],
    filter_string: str,
    run_ids: Sequence[str],
    history_metrics: Sequence[str],
    show_progress: bool,
    timestamps: bool = True,
    keep_own: bool = False,
) -> list[Run]:
    if not (experiment_ids or experiment_names or run_ids):
        raise InputError("give --experiment-name, --experiment-id or --run-ids")
    ids = source.experiment_ids(experiment_ids, experiment_names)
    if ids and not filter_string and not run_ids and source.kind == "sql":
        # whole experiments from a SQL store: set-based queries, not an ORM object per row
        from mlflow_compare_plugin._fetch_sql_runs import search_runs_sql

        with (
            tracker_errors("cannot read runs"),
            status("fetching runs", unit="runs", show=show_progress) as bar,
        ):
            runs = search_runs_sql(source.store, ids, on_runs=bar.update)
        raw = None
    elif ids:
        # the total is unknown until the last page: the count moves page by page, the clock
        # between pages (a server's page of 2,000 runs takes seconds)
        with status("fetching runs", unit="runs", show=show_progress) as bar:
            raw = source.search(ids, filter_string, on_page=bar.update)
        if run_ids:
            wanted_ids = set(run_ids)
            raw = [r for r in raw if r.info.run_id in wanted_ids]
            missing = wanted_ids - {r.info.run_id for r in raw}
            if missing:
                raise InputError(
                    f"run ids not found in the given experiments (or filtered out): "
                    f"{', '.join(sorted(missing)[:5])}"
                )
    else:
        raw = source.get_runs(run_ids)
        if filter_string:
            raise InputError("--filter needs --experiment-name or --experiment-id")
    if raw is not None:
        runs = [to_run(r) for r in raw]
    if not keep_own:
        runs = [r for r in runs if r.tags.get(COMPARISON_TAG) != "true"]
    if not runs:
        where = f" matching filter {filter_string!r}" if filter_string else ""
        raise InputError(f"no runs{where} in experiments {', '.join(ids) or '-'}")
    if history_metrics:
        pairs = _history_pairs(runs, history_metrics)
        with progress_bar(
            "fetching histories", len(pairs), unit="histories", show=show_progress
        ) as bar:
            histories = source.histories(pairs, on_progress=bar.update, timestamps=timestamps)
        by_id = {run.id: run for run in runs}
        for (run_id, key), history in histories.items():
            by_id[run_id].histories[key] = history
    return runs

