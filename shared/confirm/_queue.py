"""The confirm's work items on an Optuna storage: one study per confirm, one trial per task.

A task is a (configuration, seed) to train, or a look (the comparison after a round). Tasks
are enqueued once as WAITING trials; a worker claims one with Optuna's own atomic
WAITING -> RUNNING transition (``storage.set_trial_state_values`` returns False to every
other claimant; on PostgreSQL it locks the row), records heartbeats while it works and
finishes it COMPLETE or FAIL. A worker killed mid-task stops beating: any other worker's
``optuna.storages.fail_stale_trials`` fails the trial once (the storage lets exactly one
process make that transition) and the storage's ``heartbeat_stale_trial_callback`` enqueues the retry,
which carries the killed attempt's tracker run id so it can be marked as abandoned.

The core never imports Optuna: the adapter passes the ``optuna`` module in, and only its
documented storage API is used (``create_new_study``, ``create_new_trial``,
``get_all_trials``, ``set_trial_state_values``, ``set_trial_user_attr``, ``record_heartbeat``,
``set_study_user_attr``, ``get_heartbeat_interval``, ``fail_stale_trials``).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.errors import InputError

__all__ = ["Task", "WorkQueue"]

PREFIX = "confirm."
HEARTBEAT_SECONDS = 2
GRACE_SECONDS = 8
POLL_SECONDS = 0.3


@dataclass(frozen=True)
class Task:
    """One claimed task: ``kind`` is ``"item"`` (train ``config`` with ``seed``) or ``"look"``.

    ``previous_runs`` are the tracker runs of earlier attempts that never finished (killed
    workers); ``trial_id`` is its Optuna trial.
    """

    trial_id: int
    kind: str
    round: int
    attempt: int
    config: str | None = None
    seed: int | None = None
    previous_runs: tuple[str, ...] = field(default=())

    @property
    def key(self) -> tuple[str, Any, Any]:
        return (self.kind, self.config if self.kind == "item" else self.round, self.seed)


def _attrs(task: Task) -> dict[str, Any]:
    return {
        PREFIX + "kind": task.kind,
        PREFIX + "round": task.round,
        PREFIX + "attempt": task.attempt,
        PREFIX + "config": task.config,
        PREFIX + "seed": task.seed,
        PREFIX + "previous_runs": list(task.previous_runs),
    }


def _task(frozen: Any) -> Task:
    a = frozen.user_attrs
    return Task(
        trial_id=frozen._trial_id,
        kind=a[PREFIX + "kind"],
        round=int(a[PREFIX + "round"]),
        attempt=int(a[PREFIX + "attempt"]),
        config=a.get(PREFIX + "config"),
        seed=a.get(PREFIX + "seed"),
        previous_runs=tuple(a.get(PREFIX + "previous_runs") or ()),
    )


class WorkQueue:
    """A confirm's tasks in an Optuna storage (``url``; None keeps them in memory).

    Args:
        url: an Optuna RDB URL (``sqlite:///confirm.db``, ``postgresql://...``) or None.
        optuna: the ``optuna`` module (the core does not import it).
        study_name: the confirm's study.
        max_attempts: tries per task before the confirm stops.
    """

    def __init__(self, url: str | None, optuna: Any, study_name: str, *, max_attempts: int = 3,
                 heartbeat: int = HEARTBEAT_SECONDS, grace: int = GRACE_SECONDS) -> None:
        self.url = url
        self._optuna = optuna
        self._state = optuna.trial.TrialState
        self.study_name = study_name
        self.max_attempts = max_attempts
        self.grace = grace
        self._owner = ""
        if url is None:
            self.storage = optuna.storages.InMemoryStorage()
        else:
            try:
                from shared.store_setup import set_up_store, storage_error

                # Workers started together on a fresh storage: one creates the schema.
                with self._quiet():
                    self.storage = set_up_store(url, lambda: optuna.storages.RDBStorage(
                        url, heartbeat_interval=heartbeat, grace_period=grace,
                        heartbeat_stale_trial_callback=self._retry_stale))
            except Exception as error:  # noqa: BLE001 (SQLAlchemy's errors: storage_error)
                raise storage_error(url, error) from None
        # In memory there is one worker: no heartbeats (only RDB storages have them).
        self._beats = url is not None and bool(self.storage.get_heartbeat_interval())
        self._study: Any = None
        self.study_id: int | None = None

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Heartbeats are 'experimental' in Optuna since 2.9: one warning per call is noise."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self._optuna.exceptions.ExperimentalWarning)
            yield

    # -- the study ---------------------------------------------------------------------------
    def open(self, plan: dict[str, Any]) -> bool:
        """Create the confirm's study or join it; True: this worker must set it up.

        The set-up (plan, parent, first round) is held by a lease (``setup``: owner and time,
        renewed while it runs): a joiner waits while the lease is fresh, and takes the set-up
        over when its holder let go of it (Ctrl-C) or stopped renewing it (killed), so an
        interrupted set-up is resumed under its name. A different plan is refused at once.
        """
        directions = [self._optuna.study.StudyDirection.MAXIMIZE]
        try:
            self.study_id = self.storage.create_new_study(directions, self.study_name)
            self._take_setup(settle=False)  # the study's creator: nobody else competes
            self.set_attr("plan", plan)
            created = True
        except self._optuna.exceptions.DuplicatedStudyError:
            self.study_id = self.storage.get_study_id_from_name(self.study_name)
            created = self._join(plan)
        self._study = self._optuna.load_study(study_name=self.study_name, storage=self.storage)
        return created

    def _join(self, plan: dict[str, Any]) -> bool:
        """Wait for the set-up of an existing confirm; True when this worker takes it over."""
        started = time.monotonic()
        while True:
            attrs = self.storage.get_study_user_attrs(self.study_id)
            stored = attrs.get(PREFIX + "plan")
            if stored is not None and stored != plan:
                raise InputError(
                    f"the storage already holds confirm {self.study_name!r} with another plan "
                    "(configurations, metric or seeds): give it another name") from None
            if attrs.get(PREFIX + "ready"):
                return False
            lease = attrs.get(PREFIX + "setup")
            if lease is None:
                # no lease: a creator of an older version, or one that stopped right after
                # creating the study (given the grace period to write its lease)
                abandoned = stored is not None or time.monotonic() - started > self.grace
            else:
                abandoned = (lease.get("owner") is None
                             or time.time() - float(lease.get("at", 0)) > self.grace)
            if abandoned and self._take_setup():
                if stored is None:
                    self.set_attr("plan", plan)
                return True
            time.sleep(POLL_SECONDS)

    def _take_setup(self, settle: bool = True) -> bool:
        """Write this worker's set-up lease; True when it still holds it a moment later (two
        workers taking over at once: the last write wins, the other one keeps waiting)."""
        self._owner = uuid.uuid4().hex
        self.set_attr("setup", {"owner": self._owner, "at": time.time()})
        if not settle:
            return True
        time.sleep(2 * POLL_SECONDS)
        return (self.attr("setup") or {}).get("owner") == self._owner

    @contextlib.contextmanager
    def setting_up(self) -> Iterator[None]:
        """Hold the set-up lease while the block runs: renewed, and let go on an interrupt
        (a rerun then takes over at once; a killed worker's lease goes stale after grace)."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(max(1.0, self.grace / 4)):
                with contextlib.suppress(Exception):  # a missed renewal is retried next time
                    self.set_attr("setup", {"owner": self._owner, "at": time.time()})

        thread = threading.Thread(target=renew, name="confirm-setup-lease", daemon=True)
        thread.start()
        try:
            yield
        except BaseException:
            stop.set()
            thread.join()
            from shared.cli._signals import ignoring_signals

            with ignoring_signals(), contextlib.suppress(Exception):
                self.set_attr("setup", {"owner": None, "at": 0})
            raise
        stop.set()
        thread.join()

    def attr(self, name: str) -> Any:
        return self.storage.get_study_user_attrs(self.study_id).get(PREFIX + name)

    def set_attr(self, name: str, value: Any) -> None:
        self.storage.set_study_user_attr(self.study_id, PREFIX + name, value)

    # -- tasks -------------------------------------------------------------------------------
    def _trials(self, states: Any = None) -> list[Any]:
        return self.storage.get_all_trials(self.study_id, deepcopy=False, states=states)

    def enqueue(self, task: Task) -> None:
        template = self._optuna.trial.create_trial(state=self._state.WAITING,
                                                    user_attrs=_attrs(task))
        self.storage.create_new_trial(self.study_id, template_trial=template)

    def enqueue_round(self, round_: int, seeds: dict[str, list[int]]) -> int:
        """Enqueue the items of a round that are not in the storage yet, then its look."""
        have = {_task(t).key for t in self._trials()}
        added = 0
        for config, config_seeds in seeds.items():
            for seed in config_seeds:
                task = Task(-1, "item", round_, 1, config, seed)
                if task.key not in have:
                    self.enqueue(task)
                    added += 1
        look = Task(-1, "look", round_, 1)
        if look.key not in have:
            self.enqueue(look)
        return added

    def completed(self) -> list[tuple[Task, Any]]:
        """Every finished item with its trial (values and user attrs)."""
        return [(_task(t), t) for t in self._trials((self._state.COMPLETE,))
                if t.user_attrs.get(PREFIX + "kind") == "item"]

    def round_progress(self, round_: int) -> tuple[int, int]:
        """(finished, planned) items of ``round_``, each (configuration, seed) counted once
        however many attempts it took (a progress count shared by every worker).

        Example:
            >>> import optuna
            >>> queue = WorkQueue(None, optuna, "demo")
            >>> queue.open({"demo": 1})
            True
            >>> queue.enqueue_round(0, {"a": [0, 1], "b": [0, 1]})
            4
            >>> queue.round_progress(0)
            (0, 4)
        """
        planned, done = set(), set()
        for trial in self._trials():
            task = _task(trial)
            if task.kind == "item" and task.round == round_:
                planned.add(task.key)
                if trial.state == self._state.COMPLETE:
                    done.add(task.key)
        return len(done), len(planned)

    def claim(self) -> Task | None:
        """Claim a task another worker does not hold: items first, a look when its round is done."""
        trials = self._trials()
        done = {_task(t).key for t in trials if t.state == self._state.COMPLETE}
        pending = [_task(t) for t in trials
                   if t.state != self._state.COMPLETE and _task(t).key not in done]
        pending_rounds = [t.round for t in pending if t.kind == "item"]
        # looks in order: a retried look k runs before look k + 1 (which its first attempt
        # may have enqueued before it died)
        pending_looks = [t.round for t in pending if t.kind == "look"]
        waiting = sorted((_task(t) for t in trials if t.state == self._state.WAITING),
                         key=lambda x: (x.kind != "item", x.round, x.trial_id))
        for task in waiting:
            if task.kind == "look" and (any(r <= task.round for r in pending_rounds)
                                        or any(r < task.round for r in pending_looks)):
                continue
            try:
                if task.key in done:  # a duplicate enqueue: never run twice to completion
                    self.storage.set_trial_state_values(task.trial_id, self._state.FAIL)
                    continue
                if self.storage.set_trial_state_values(task.trial_id, self._state.RUNNING):
                    self._beat(task.trial_id)
                    return task
            except self._optuna.exceptions.UpdateFinishedTrialError:
                continue  # claimed and finished by another worker since the snapshot
        return None

    def idle(self) -> None:
        """Nothing to claim: fail the tasks of dead workers (their retries get enqueued)."""
        if self._beats:
            with self._quiet():
                self._optuna.storages.fail_stale_trials(self._study)
        time.sleep(POLL_SECONDS)

    def _beat(self, trial_id: int) -> None:
        if self._beats:
            self.storage.record_heartbeat(trial_id)

    @contextlib.contextmanager
    def heartbeat(self, task: Task) -> Iterator[None]:
        """Beat for ``task`` while the block runs (so other workers know this one is alive)."""
        if not self._beats:
            yield
            return
        stop = threading.Event()
        interval = self.storage.get_heartbeat_interval() or HEARTBEAT_SECONDS

        def beat() -> None:
            while not stop.wait(interval):
                with contextlib.suppress(Exception):  # a missed beat is retried next time
                    self.storage.record_heartbeat(task.trial_id)

        thread = threading.Thread(target=beat, name="confirm-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def set_task_attr(self, task: Task, name: str, value: Any) -> None:
        self.storage.set_trial_user_attr(task.trial_id, PREFIX + name, value)

    def complete(self, task: Task, value: float) -> bool:
        """Finish ``task``; False when it was failed meanwhile (a retry then owns the item)."""
        try:
            self.storage.set_trial_state_values(task.trial_id, self._state.COMPLETE, [value])
        except self._optuna.exceptions.UpdateFinishedTrialError:
            return False
        return True

    def fail(self, task: Task, error: str, run_id: str | None) -> str | None:
        """Fail ``task`` after an error; enqueue its retry. Returns the message when no try is
        left (then the confirm stops)."""
        with contextlib.suppress(Exception):
            self.set_task_attr(task, "error", error[:2000])
        try:
            self.storage.set_trial_state_values(task.trial_id, self._state.FAIL)
        except self._optuna.exceptions.UpdateFinishedTrialError:
            return None  # failed as stale meanwhile: that path enqueued the retry
        return self._retry(task, error, run_id)

    def _retry_stale(self, study: Any, frozen: Any) -> None:
        """The storage's ``heartbeat_stale_trial_callback``: once per trial of a dead worker."""
        if PREFIX + "kind" not in frozen.user_attrs:
            return
        task = _task(frozen)
        self._retry(task, "its worker stopped (no heartbeat)", frozen.user_attrs.get(PREFIX + "run_id"))

    def _retry(self, task: Task, error: str, run_id: str | None) -> str | None:
        previous = task.previous_runs + ((run_id,) if run_id else ())
        if task.attempt >= self.max_attempts:
            what = (f"configuration {task.config!r} seed {task.seed}" if task.kind == "item"
                    else f"the look after round {task.round}")
            message = f"{what} failed {task.attempt} times; last error: {error}"
            self.set_attr("dead", {"message": message, "previous_runs": list(previous)})
            return message
        self.enqueue(Task(-1, task.kind, task.round, task.attempt + 1, task.config, task.seed,
                          previous))
        return None
