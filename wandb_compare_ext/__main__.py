"""``python -m wandb_compare_ext``: the same commands as ``wandb-compare``."""

import sys

try:
    from tracker_compare_kit import _guard  # noqa: F401
except ImportError as error:  # a user's own `shared` folder shadows our core: one line, exit 2
    sys.stderr.write(f"error: {error}\n")
    raise SystemExit(2) from None

from wandb_compare_ext.cli import main  # noqa: E402

if __name__ == "__main__":
    main(prog_name="python -m wandb_compare_ext")
