"""Runs that are not replicates: tracker-compare's own runs, unfinished confirm attempts, and
parents of compared runs.

Every entry point leaves them out with one warning each (``mlflow compare``, ``wandb compare``,
``compare_runs`` after ``fetch_runs``, ``compare_frame`` after ``mlflow.search_runs``): compared
beside the training runs, a comparison run or a confirm parent would be a configuration of its
own (``confirm.metric=val_acc, confirm.seeds=3, ...``) and every name would carry its params.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.model._run import Run

__all__ = ["OWN_RUN_TAGS", "is_failed_attempt", "is_own_run", "leave_out_not_replicates",
           "without_parents"]

#: Tags our own runs carry, tag -> the value that marks them (None: any value). A comparison run
#: of ``--log-report``, the parent run of an MLflow confirm, the decision run of a W&B confirm.
OWN_RUN_TAGS: dict[str, str | None] = {
    "tracker_compare.comparison": "true",
    "confirm.study": None,
    "wandb.job_type": "confirm-decision",
}


def is_own_run(run: Run) -> bool:
    """Whether tracker-compare made this run to hold an answer (not a training run).

    Example:
        >>> is_own_run(Run("mlflow", "c", tags={"tracker_compare.comparison": "true"}))
        True
        >>> is_own_run(Run("mlflow", "t", tags={"mlflow.runName": "train"}))
        False
    """
    for tag, value in OWN_RUN_TAGS.items():
        got = run.tags.get(tag)
        if got is not None and got == (value if value is not None else got):
            return True
    return False


def is_failed_attempt(run: Run) -> bool:
    """Whether ``run`` is a confirm item's attempt that never finished (interrupted, failed,
    abandoned): it holds no result, and a later comparison of the same runs leaves it out
    (the confirm retrains that (configuration, seed) in a run of its own).

    A confirm marks its item runs (MLflow: tag ``confirm.config``; W&B: job type ``confirm``)
    and ends an attempt that failed FAILED (W&B: exit code 1); a killed worker's run stays
    RUNNING. Only the status of such a run is read: a user's own failed run stays compared
    (its missing metric is then the user's to filter out).

    Example:
        >>> is_failed_attempt(Run("wandb", "i", status="FAILED",
        ...                       tags={"wandb.job_type": "confirm"}))
        True
        >>> is_failed_attempt(Run("mlflow", "i", status="FINISHED", tags={"confirm.config": "a"}))
        False
    """
    if run.tags.get("confirm.abandoned") == "true":
        return True
    item = "confirm.config" in run.tags or run.tags.get("wandb.job_type") == "confirm"
    return item and run.status is not None and str(run.status).upper() != "FINISHED"


def without_parents(runs: Sequence[Run], keep: Sequence[str] = ()) -> tuple[list[Run], str | None]:
    """The runs without those that are the parent of another selected run, and a note.

    A parent run (an Optuna study, a sweep driver) holds no replicate of its own: compared
    beside its children it would be a configuration of its own with the params it lacks. Runs
    named in ``keep`` (``--run-ids``) stay.

    Example:
        >>> kids = [Run("mlflow", f"c{i}", source={"parent_run": "p"}) for i in range(2)]
        >>> runs, note = without_parents([Run("mlflow", "p"), *kids])
        >>> [r.id for r in runs], note
        (['c0', 'c1'], '1 parent run left out (its children are compared): p')
    """
    parents = {r.source.get("parent_run") for r in runs} - {None} - set(keep)
    dropped = [r for r in runs if r.id in parents]
    if not dropped:
        return list(runs), None
    shown = ", ".join(r.label for r in dropped[:5]) + (" ..." if len(dropped) > 5 else "")
    return (
        [r for r in runs if r.id not in parents],
        f"{len(dropped)} parent run{'s' if len(dropped) != 1 else ''} left out (its children "
        f"are compared): {shown}",
    )


def leave_out_not_replicates(
    runs: Sequence[Run], keep: Sequence[str] = ()
) -> tuple[list[Run], list[str]]:
    """The runs without our own runs and without parents of other runs, and a note for each kind.

    Args:
        runs: the runs to compare.
        keep: run ids to keep whatever they are (runs the user named one by one).

    Example:
        >>> own = Run("mlflow", "cmp", tags={"tracker_compare.comparison": "true"})
        >>> kids = [Run("mlflow", f"c{i}", source={"parent_run": "p"}) for i in range(2)]
        >>> runs, notes = leave_out_not_replicates([own, Run("mlflow", "p"), *kids])
        >>> [r.id for r in runs], notes[0]
        (['c0', 'c1'], '1 tracker-compare run left out (a comparison or decision, not training): cmp')
    """
    kept = set(keep)
    notes: list[str] = []
    for test, what in ((is_own_run, "tracker-compare run{s} left out (a comparison or "
                                     "decision, not training)"),
                       (is_failed_attempt, "unfinished confirm attempt{s} left out "
                                           "(interrupted or failed, no result)")):
        out = [r for r in runs if r.id not in kept and test(r)]
        if out:
            shown = ", ".join(r.label for r in out[:5]) + (" ..." if len(out) > 5 else "")
            notes.append(f"{len(out)} {what.format(s='s' if len(out) != 1 else '')}: {shown}")
            out_ids = {id(r) for r in out}
            runs = [r for r in runs if id(r) not in out_ids]
    runs, note = without_parents(runs, keep)
    if note:
        notes.append(note)
    return runs, notes
