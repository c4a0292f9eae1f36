"""One task run on the stand-in's all-purpose cluster (tests/support/standin_cluster.py): attach to the cluster's
driver, as the Python process of a Databricks task run finds its Spark session ready, then run the task's file
as `__main__` with its parameters.

    python cluster_task.py <python_file> [parameters ...]     (STANDIN_CLUSTER_INFO: the driver's file)

The attaching borrows the product's kept-driver client (turns, a driver left busy by a killed run, releasing the
JVM objects at exit); its modules are then forgotten, so the file imports its own package as on a cluster.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path


def main() -> None:
    file, *parameters = sys.argv[1:]
    repo = str(Path(__file__).resolve().parents[2])
    sys.path.insert(0, repo)
    from tasks.spark.kept_driver import DriverInfo, attach

    info_path = Path(os.environ["STANDIN_CLUSTER_INFO"])
    info = DriverInfo.read(info_path)
    session, turn = attach(info_path, info.master, info.settings)  # noqa: F841 - the turn is held until exit
    sys.path.remove(repo)
    for name in [m for m in sys.modules if m == "tasks" or m.startswith("tasks.")]:
        del sys.modules[name]
    sys.argv = [file, *parameters]
    runpy.run_path(file, run_name="__main__")


if __name__ == "__main__":
    main()
