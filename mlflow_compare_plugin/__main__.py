"""``python -m mlflow_compare_plugin``: the same command as ``mlflow compare``."""

from mlflow_compare_plugin.cli import main

if __name__ == "__main__":
    main(prog_name="python -m mlflow_compare_plugin")
