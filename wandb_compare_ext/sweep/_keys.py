"""The names the sweep runner, its trials and the sweep callback agree on.

One module so that a key is spelled once: Optuna user attributes of trials and of the study,
the environment a program sweep's process receives, the tag of the best run, and the W&B
setting that makes W&B write its log often enough for hyperband to read it.
"""

from __future__ import annotations

__all__ = [
    "ATTR_CONFIG",
    "ATTR_ERROR",
    "ATTR_RUN_ID",
    "ATTR_RUN_NAME",
    "ATTR_SKIPPED",
    "ATTR_STOP",
    "ATTR_VALUE",
    "BEST_TAG",
    "ENV_CONFIG",
    "ENV_STORAGE",
    "ENV_STUDY",
    "ENV_TRIAL_ID",
    "FLUSH_ENV",
    "LOG_FLUSH_SECONDS",
    "STUDY_BEST",
    "STUDY_COMPARISON",
    "STUDY_FINGERPRINT",
    "STUDY_SWEEP_CONFIG",
]

# -- user attributes of a trial (one W&B run) ----------------------------------------------
ATTR_CONFIG = "wandb_sweep:config"  # the run's flat config (dot keys)
ATTR_RUN_ID = "wandb_sweep:run_id"
ATTR_RUN_NAME = "wandb_sweep:run_name"
ATTR_ERROR = "wandb_sweep:error"  # why the trial failed, one line
ATTR_STOP = "wandb_sweep:early_terminated"  # the hyperband StopDecision, as a dict
ATTR_VALUE = "wandb_sweep:value"  # the value a program's callback recorded
ATTR_SKIPPED = "wandb_sweep:skipped"  # asked but never run (grid covered, run_cap reached)

# -- user attributes of the study (the sweep) ----------------------------------------------
STUDY_FINGERPRINT = "wandb_sweep:fingerprint"  # which sweep config made the study
# Not "wandb_sweep:config": that is the trials' key, and one string for two things misleads.
STUDY_SWEEP_CONFIG = "wandb_sweep:sweep_config"
STUDY_BEST = "wandb_sweep:best_configuration"
STUDY_COMPARISON = "wandb_sweep:comparison"

# -- the environment a program sweep's process receives (SweepCallback.from_env reads it) ----
ENV_STORAGE = "TRACKER_COMPARE_SWEEP_STORAGE"
ENV_STUDY = "TRACKER_COMPARE_SWEEP_STUDY"
ENV_TRIAL_ID = "TRACKER_COMPARE_SWEEP_TRIAL_ID"
ENV_CONFIG = "TRACKER_COMPARE_SWEEP_CONFIG"

#: The tag of the best configuration's run.
BEST_TAG = "sweep-best"

# Hyperband reads a plain wandb.log loop's reports from W&B's log: W&B is asked to write it
# every LOG_FLUSH_SECONDS rather than every 15 s (its default). FLUSH_ENV is W&B's setting
# x_transaction_log_flush_interval, from the environment.
FLUSH_ENV = "WANDB__TRANSACTION_LOG_FLUSH_INTERVAL"
LOG_FLUSH_SECONDS = 1.0
