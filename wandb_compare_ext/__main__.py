"""``python -m wandb_compare_ext``: the same commands as ``wandb-compare``."""

from tracker_compare_kit._main import run

if __name__ == "__main__":
    run("wandb_compare_ext.cli", prog_name="python -m wandb_compare_ext")
