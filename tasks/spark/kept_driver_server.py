"""The kept Spark driver's own process: start a driver, warm it, publish its connection file, keep it until
stopped (`tasks.spark.kept_driver` is how flow runs attach to it).

    python -m tasks.spark.kept_driver_server --info ~/.youtube-lakehouse/driver.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.processes import this_process
from tasks.spark.kept_driver import DriverInfo, DriverUnavailable, take_turn

if TYPE_CHECKING:
    import subprocess

log = logging.getLogger(__name__)


def serve(
    info_path: Path,
    master: str = "local[*]",
    conf: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    drain_s: float = 120,
) -> None:
    """Start the driver, warm it, publish `info_path`, and keep it until `stop` is set (or SIGTERM/SIGINT).

    On stop the file goes first (no new run attaches), then an attached run gets `drain_s` to finish."""
    import tempfile
    import time

    from tasks.spark.evaluation import interpreted
    from tasks.spark.exercise import exercise
    from tasks.spark.session import _settings, get_spark, stop_spark

    stop = stop or threading.Event()
    spark = get_spark(master=master, conf=conf or {})
    if threading.current_thread() is threading.main_thread():  # after the SparkContext set its own SIGINT
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    try:
        with tempfile.TemporaryDirectory(prefix="yt-lakehouse-warmup-") as folder, interpreted(spark):
            exercise(spark, folder)
        root = spark._jsparkSession
        sessions = spark._jvm.org.apache.spark.sql.SparkSession
        gateway = spark.sparkContext._gateway
        params = gateway.java_parameters if hasattr(gateway, "java_parameters") else gateway.gateway_parameters
        DriverInfo(
            port=params.port,
            secret=params.auth_token,
            process=this_process(),
            master=master,
            settings=_settings(master, conf or {}),
        ).write(info_path)
        log.info("kept driver ready: %s (master %s)", info_path, master)
        while not stop.wait(5):
            if not sessions.getDefaultSession().isDefined():  # a run's SparkSession.stop() cleared it
                sessions.setDefaultSession(root)
    finally:
        if info_path.exists() and _owned_by_me(info_path):
            info_path.unlink()
        deadline = time.monotonic() + drain_s
        while True:
            try:
                turn = take_turn(info_path)
            except DriverUnavailable:
                if time.monotonic() < deadline:
                    time.sleep(1)
                    continue
                log.warning("stopping the kept driver while a run is still attached (waited %.0f s)", drain_s)
                turn = None
            break
        stop_spark(stop_jvm=True)
        if turn is not None:
            turn.close()


def _owned_by_me(path: Path) -> bool:
    try:
        return json.loads(path.read_text())["process"]["pid"] == os.getpid()
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return False


class KeptDriverProcess:
    """`python -m tasks.spark.kept_driver_server` as a child process, ready on entry, stopped on exit."""

    def __init__(
        self,
        info: Path,
        master: str = "local[*]",
        conf: Mapping[str, str] | None = None,
        log: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout_s: float = 300,
    ):
        self.info, self.master, self.conf = info, master, dict(conf or {})
        self.log = log or info.with_suffix(".log")
        self.env, self.timeout_s = env, timeout_s
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> KeptDriverProcess:
        import subprocess
        import sys
        import time

        command = [
            sys.executable,
            "-m",
            "tasks.spark.kept_driver_server",
            "--info",
            str(self.info),
            "--master",
            self.master,
        ]
        for key, value in self.conf.items():
            command += ["--conf", f"{key}={value}"]
        self.info.unlink(missing_ok=True)
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=dict(self.env) if self.env is not None else None
            )
        deadline = time.monotonic() + self.timeout_s
        while not self.info.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the kept driver did not start (log {self.log}):\n{tail}")
            time.sleep(0.25)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        import subprocess

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=300)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tasks.spark.kept_driver_server",
        description="Keep a warm Spark driver that flow runs attach to.",
    )
    parser.add_argument(
        "--info",
        required=True,
        type=Path,
        help="connection file to write (0600); set it as the LocalDeltaSpark block's kept_driver",
    )
    parser.add_argument("--master", default="local[*]", help="Spark master (default: %(default)s)")
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark setting, as in the block's spark_conf (repeatable)",
    )
    args = parser.parse_args(argv)
    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--conf {item!r}: expected KEY=VALUE")
        conf[key] = value
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    serve(args.info.expanduser().resolve(), args.master, conf)


if __name__ == "__main__":
    main()
