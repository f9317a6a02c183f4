"""MLflow as a ``shared.source.Source``: the selection of one ``mlflow compare`` command.

Runs come from ``_fetch`` (paged search, set-based SQL reads) and histories from
``MlflowSource.histories`` (SQL, REST bulk endpoint or the client); this module says what the
core asks of every source. The comparison runs ``--log-report`` makes carry the core's
``OWN_RUN_TAG``, so the default ``is_own`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlflow_compare_plugin._fetch import OPTION_HINTS, MlflowSource, _fetch_runs
from mlflow_compare_plugin._tracker_errors import http_retries
from shared._progress import progress_bar
from shared.model import History, Run
from shared.source import Source

__all__ = ["MlflowRuns"]


class MlflowRuns(Source):
    """The runs of MLflow experiments (filtered) or given run ids, in one tracking store.

    Args:
        tracking_uri: the store (``sqlite:///...``, ``postgresql://...``, ``http://...``).
        experiment_ids, experiment_names, filter_string, run_ids: the selection, as for
            ``mlflow compare``.
        retries: retries per HTTP request against a server.
        store: an open ``MlflowSource`` to reuse (``tracking_uri`` is then ignored).
        show_progress: progress bars on a terminal.

    Example:
        >>> # found = shared.source.read_runs(MlflowRuns("sqlite:///m.db", experiment_names=["lora"]),
        >>> #                                 metrics=["val_loss"])
    """

    tracker = "mlflow"
    option_hints = OPTION_HINTS

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        experiment_ids: Sequence[str] = (),
        experiment_names: Sequence[str] = (),
        filter_string: str = "",
        run_ids: Sequence[str] = (),
        retries: int = 3,
        store: MlflowSource | None = None,
        show_progress: bool = True,
    ) -> None:
        self.store = store or MlflowSource(tracking_uri, retries=retries)
        self.experiment_ids = list(experiment_ids)
        self.experiment_names = list(experiment_names)
        self.filter_string = filter_string
        self.run_ids = list(run_ids)
        self.retries = retries
        self.show_progress = show_progress

    def runs(self) -> list[Run]:
        with http_retries(self.retries):
            return _fetch_runs(
                self.store,
                experiment_ids=self.experiment_ids,
                experiment_names=self.experiment_names,
                filter_string=self.filter_string,
                run_ids=self.run_ids,
                history_metrics=(),
                show_progress=self.show_progress,
                keep_own=True,
            )

    def histories(
        self, wanted: Sequence[tuple[Run, str]], *, timestamps: bool = True
    ) -> dict[tuple[str, str], History]:
        pairs = [(run.id, key) for run, key in wanted]
        with (
            http_retries(self.retries),
            progress_bar(
                "fetching histories", len(pairs), unit="histories", show=self.show_progress
            ) as bar,
        ):
            return self.store.histories(pairs, on_progress=bar.update, timestamps=timestamps)
