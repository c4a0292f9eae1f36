"""The stand-in workspace's all-purpose cluster (`existing_cluster_id`): one driver JVM that every task run on it
shares, as on Databricks, where the runs on an all-purpose cluster each get a Python process and a Spark session of
their own on the cluster's one driver (a job cluster, `new_cluster`, starts a driver per run).

The driver is the product's kept driver (`tasks.spark.kept_driver_server`), started on the first run that needs it
and kept until the stand-in stops; a task run is `python cluster_task.py <file> <parameters>`, which attaches to it
and runs the file as `__main__`. Starting it takes the time a cluster takes to start: runs wait PENDING meanwhile.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

TASK_BOOTSTRAP = Path(__file__).with_name("cluster_task.py")
INFO_ENV = "STANDIN_CLUSTER_INFO"


class StandInCluster:
    def __init__(self, folder: Path, master: str, conf: Mapping[str, str]):
        self.folder, self.master, self.conf = folder, master, dict(conf)
        self.info = folder / "driver.json"
        self.error: str | None = None
        self._driver = None
        self._ready = threading.Event()
        self._starting: threading.Thread | None = None
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """Whether runs can start on it; the first call starts the driver (in the background)."""
        with self._lock:
            if self._starting is None:
                self._starting = threading.Thread(target=self._start, name="standin-cluster", daemon=True)
                self._starting.start()
        return self._ready.is_set()

    def _start(self) -> None:
        from tasks.spark.kept_driver_server import KeptDriverProcess

        self.folder.mkdir(parents=True, exist_ok=True)
        driver = KeptDriverProcess(self.info, self.master, self.conf, log=self.folder / "driver.log")
        try:
            driver.__enter__()
        except Exception as exc:  # noqa: BLE001 - the runs waiting for it end INTERNAL_ERROR with this
            self.error = str(exc).splitlines()[0]
        else:
            self._driver = driver
        self._ready.set()

    def task_command(self, file: Path, parameters: list[str]) -> tuple[list[str], dict[str, str]]:
        """The command and environment of one task run on the cluster."""
        env = {**os.environ, INFO_ENV: str(self.info), "SPARK_LOCAL_IP": "127.0.0.1"}
        env.pop("PYTHONPATH", None)  # the entry file must find its own package, as on a cluster
        return [sys.executable, str(TASK_BOOTSTRAP), str(file), *parameters], env

    def stop(self) -> None:
        with self._lock:
            starting, self._starting = self._starting, None
        if starting is not None:
            starting.join(timeout=600)
        if self._driver is not None:
            self._driver.__exit__()
            self._driver = None
        self._ready.clear()
