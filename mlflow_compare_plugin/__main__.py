"""``python -m mlflow_compare_plugin``: the same command as ``mlflow compare``."""

from tracker_compare_kit._main import run

if __name__ == "__main__":
    run("mlflow_compare_plugin.cli", prog_name="python -m mlflow_compare_plugin")
