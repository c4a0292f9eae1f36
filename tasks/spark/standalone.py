"""A Spark standalone cluster on this machine: a master and workers started from the pyspark
package's own `spark-class`, on 127.0.0.1, stopped on exit. For users who outgrow `local[*]`
without Databricks, and for the test and bench that run the pipeline's jobs on a real cluster.

    python -m tasks.spark.standalone --workers 2 --cores 1 --memory 2g     # prints the master URL; Ctrl-C stops

Then `LocalDeltaSpark(spark_master="spark://127.0.0.1:7077")`. The driver ships the `tasks`
package to the executors (tasks/spark/session.py), so nothing is needed on the workers but this
Python and the lake's folder (the same paths: one machine, or a shared filesystem).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandaloneCluster:
    """`with StandaloneCluster(workers=2) as cluster:` ... `cluster.url` ... (stopped on exit)."""

    def __init__(
        self,
        workers: int = 2,
        cores: int = 1,
        memory: str = "1g",
        port: int | None = None,
        work_dir: Path | None = None,
        start_timeout_s: float = 120.0,
    ):
        if workers < 1 or cores < 1:
            raise ValueError("a cluster needs at least one worker with at least one core")
        self.workers, self.cores, self.memory = workers, cores, memory
        self.port = port or free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="spark-standalone-"))
        self.start_timeout_s = start_timeout_s
        self.processes: list[subprocess.Popen] = []
        self._logs: list[IO[bytes]] = []

    def _env(self) -> dict[str, str]:
        home = str(spark_home())
        return {
            **os.environ,
            "SPARK_HOME": home,
            "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOG_DIR": str(self.work_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_WORKER_DIR": str(self.work_dir / "work"),
        }

    def _start(self, name: str, args: list[str]) -> Path:
        log = self.work_dir / f"{name}.log"
        out = log.open("wb")
        self._logs.append(out)
        command = [str(spark_home() / "bin" / "spark-class"), *args]
        self.processes.append(
            subprocess.Popen(command, env=self._env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        )
        return log

    def _wait_for(self, log: Path, pattern: str, what: str) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, log.read_text(errors="replace")):
                return
            dead = [p for p in self.processes if p.poll() is not None]
            if dead:
                break
            time.sleep(0.25)
        self.stop()
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"Spark standalone {what} did not start within {self.start_timeout_s:.0f} s; {log}:\n{tail}")

    def start(self) -> StandaloneCluster:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        master = self._start(
            "master", [MASTER, "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", str(free_port())]
        )
        self._wait_for(master, r"I have been elected leader", "master")
        for i in range(self.workers):
            log = self._start(
                f"worker-{i}",
                [
                    WORKER,
                    self.url,
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    str(self.cores),
                    "--memory",
                    self.memory,
                    "--webui-port",
                    str(free_port()),
                    "--work-dir",
                    str(self.work_dir / f"work-{i}"),
                ],
            )
            self._wait_for(log, r"Successfully registered with master", f"worker {i}")
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        self.processes.clear()
        for out in self._logs:
            out.close()
        self._logs.clear()

    def __enter__(self) -> StandaloneCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tasks.spark.standalone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1, help="cores per worker")
    parser.add_argument("--memory", default="1g", help="memory per worker, e.g. 2g")
    parser.add_argument("--port", type=int, default=7077)
    args = parser.parse_args(argv)
    with StandaloneCluster(args.workers, args.cores, args.memory, args.port) as cluster:
        print(
            f"master {cluster.url} with {args.workers} worker(s); logs in {cluster.work_dir}; Ctrl-C stops it",
            flush=True,
        )
        try:
            while all(p.poll() is None for p in cluster.processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
