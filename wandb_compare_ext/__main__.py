"""``python -m wandb_compare_ext``: the same commands as ``wandb-compare``."""

from wandb_compare_ext.cli import main

if __name__ == "__main__":
    main(prog_name="python -m wandb_compare_ext")
