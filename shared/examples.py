"""Per-example tables from files, for runs whose scores live outside a tracker.

Example:
    >>> import os, tempfile
    >>> from shared import Run
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "a.csv"), "w").write("id,correct\\nq1,1\\nq2,0\\n")
    >>> runs = attach_example_files([Run("frame", "a")], {"a": os.path.join(folder, "a.csv")},
    ...                             name="eval")
    >>> runs[0].examples["eval"].column("correct").tolist()
    [1, 0]
"""

from shared._example_files import attach_example_files, read_table_file, table_from_bytes

__all__ = ["attach_example_files", "read_table_file", "table_from_bytes"]
