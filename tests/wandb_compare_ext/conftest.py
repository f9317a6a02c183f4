"""Real W&B pieces for the adapter's tests (reusable by the sweep and optuna tests).

* ``wandb_dir``: the real SDK in this process, offline into a temporary folder (torn down
  afterwards); test modules of in-process offline runs use it for every test.
* ``offline_wandb``: the same, isolated further (config, caches, working directory), and
  checking that no test leaves a run active; the sweep runner's test modules use it.
* ``wandb_env``: environment for subprocesses that run the real ``wandb`` SDK offline
  (``WANDB_MODE=offline``, ``WANDB_DIR`` and config/cache dirs in a temporary folder,
  ``WANDB_SILENT=true``), so nothing touches the user's ``~/.config/wandb`` or the network.
* ``offline_study``: the study of ``_study.py`` (3 learning rates x 4 seeds, 30 steps) logged
  once per session by the real SDK in a subprocess; the folder holding ``wandb/``.
* ``wandb_server``: a started :class:`LoopbackWandbServer` (real HTTP on 127.0.0.1 answering
  the GraphQL operations the real client sends) holding the same study in
  ``loopback-team/study``; a fresh one per test.
* ``loopback_server_class``: the class itself, for tests that want their own.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    # The helpers are plain modules beside this file (the suite uses --import-mode=importlib).
    sys.path.insert(0, str(HERE))

from _loopback_server import LoopbackWandbServer  # noqa: E402
from _study import LRS, SEEDS, offline_env, values  # noqa: E402
from _wandb_teardown import teardown_wandb  # noqa: E402

STUDY_PROJECT = "study"


@pytest.fixture(scope="session")
def wandb_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME for in-process wandb use (the API client writes settings and caches there)."""
    return tmp_path_factory.mktemp("wandb_home")


@pytest.fixture
def wandb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The real SDK in this process, offline into ``tmp_path`` (documented W&B settings in the
    environment, not patches); every run finished and the SDK torn down afterwards."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")  # no internet: nothing to send to
    yield tmp_path
    import wandb

    wandb.finish()
    teardown_wandb()


@pytest.fixture
def offline_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The real SDK offline and isolated in ``tmp_path`` (its folder, config, caches and the
    working directory; nothing in the user's ~/.config/wandb), for the sweep runner's tests:
    each test starts afresh and must leave no run active."""
    import wandb
    from _wandb_offline import isolate_offline_wandb

    isolate_offline_wandb(monkeypatch, tmp_path)
    # W&B's settings singleton keeps the WANDB_DIR it first saw: start each test afresh.
    teardown_wandb()
    yield
    assert wandb.run is None, "a test left a W&B run active"
    teardown_wandb()


@pytest.fixture
def wandb_env(tmp_path: Path) -> dict[str, str]:
    return offline_env(tmp_path)


@pytest.fixture(scope="session")
def offline_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The study logged by the real SDK, once per session (the SDK is slow)."""
    base = tmp_path_factory.mktemp("wandb_offline_study")
    long_dir = base / "long"
    long_dir.mkdir()
    result = subprocess.run(
        [sys.executable, str(HERE / "_study.py"), STUDY_PROJECT, str(long_dir)],
        env=offline_env(base),
        cwd=base,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    runs = sorted((base / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == len(LRS) * len(SEEDS), runs
    assert len(list(long_dir.glob("wandb/offline-run-*/run-*.wandb"))) == 1
    return base


@pytest.fixture(scope="session")
def long_run_file(offline_study: Path) -> Path:
    """The long run's .wandb file (600 steps, a 70 kB config value, NaN and inf logged)."""
    (file,) = (offline_study / "long").glob("wandb/offline-run-*/run-*.wandb")
    return file


def fill_study(server: LoopbackWandbServer, project: str = STUDY_PROJECT) -> None:
    """Store the study in the server, as W&B would hold it after `wandb sync`."""
    for i, lr in enumerate(LRS):
        for seed in SEEDS:
            rows = values(lr, seed)
            history = [
                {**row, "_step": step, "_runtime": 0.5 * step, "_timestamp": 1.7e9 + step}
                for step, row in enumerate(rows)
            ]
            summary = {
                **rows[-1],
                "_step": len(rows) - 1,
                "best_val_acc": max(r["val/acc"] for r in rows),
            }
            server.add_run(
                project,
                f"lr{i}s{seed}",
                display_name=f"lr{lr}-s{seed}",
                config={"optimizer": {"lr": lr, "name": "adam"}, "seed": seed},
                summary=summary,
                history=history,
                tags=["study", f"seed{seed}"],
                group=f"lr={lr}",
                sweep="sweep1" if lr != 0.1 else None,
                created_at=f"2026-01-01T00:{i:02d}:{seed:02d}",
            )


@pytest.fixture
def wandb_server(
    monkeypatch: pytest.MonkeyPatch, wandb_home: Path
) -> Iterator[LoopbackWandbServer]:
    """A loopback W&B server with the study, and this process's env pointing at it."""
    server = LoopbackWandbServer()
    fill_study(server)
    server.start()
    # Our environment, not wandb's internals: where the real client looks for its settings.
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", server.api_key)
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")  # no internet: nothing to send to
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(wandb_home / ".config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(wandb_home / ".cache"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(wandb_home / ".data"))
    try:
        yield server
    finally:
        # wandb keeps one process-wide setup (settings read from the environment when it
        # was made, and its wandb-core service): end it, as wandb's own public teardown does,
        # so later tests in this process do not talk to this server. First, while the server
        # still answers, so no request of the service's fails for want of it. Bounded
        # (_wandb_teardown.py): wandb.teardown() waits for the service to exit with no time
        # limit, and after a history-reading test it waited past pytest-timeout's limit in
        # CI under load; past the bound the service is stopped and a warning says where
        # teardown was waiting.
        try:
            teardown_wandb()
        finally:
            server.stop()


@pytest.fixture
def loopback_server_class() -> type[LoopbackWandbServer]:
    return LoopbackWandbServer
