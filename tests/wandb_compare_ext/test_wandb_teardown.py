"""The fixtures' bounded ``wandb.teardown()`` (``_wandb_teardown.py``): a wandb-core service that
never exits is stopped, a warning says so, and W&B starts afresh afterwards.

The service is made to hang for real: the process is stopped (SIGSTOP), so it never answers the
teardown message nor exits, as a service stuck in some request would; nothing in wandb is
patched."""

from __future__ import annotations

import os
import signal

import pytest
from _wandb_teardown import teardown_wandb, wandb_core_children

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc"), reason="the helper finds this process's wandb-core in /proc"
)


def _log_one_run(value: float) -> None:
    import wandb

    run = wandb.init(project="p")
    run.log({"a": value})
    run.finish()


def test_a_service_that_never_exits_is_stopped_and_wandb_starts_afresh(offline_wandb) -> None:
    _log_one_run(1.0)
    (service,) = wandb_core_children()  # offline_wandb tore down any earlier one
    os.kill(service, signal.SIGSTOP)
    with pytest.warns(RuntimeWarning, match=r"did not return within 2 s") as caught:
        teardown_wandb(limit=2, after_signal=15)
    message = str(caught[0].message)
    # a stopped process keeps SIGTERM pending: SIGKILL ended it, and teardown then returned
    assert f"{service} (SIGTERM)" in message and f"{service} (SIGKILL)" in message, message
    assert "teardown then returned" in message and "waiting at:" in message, message
    assert service not in wandb_core_children()
    # W&B's process-wide setup went with it: the next run gets a service of its own
    _log_one_run(2.0)
    (fresh,) = wandb_core_children()
    assert fresh != service


def test_a_service_that_exits_is_waited_for_without_a_warning(offline_wandb, recwarn) -> None:
    _log_one_run(1.0)
    (service,) = wandb_core_children()
    teardown_wandb()
    assert service not in wandb_core_children()
    assert not [w for w in recwarn if "wandb.teardown()" in str(w.message)]
