"""A Spark driver that outlives flow runs: one warm JVM that run processes attach to over py4j.

A fresh process pays for a cold JVM on every run: starting it, loading the Delta classes, and JIT-compiling the
query planner on hundreds of small queries. A kept driver pays that once. Start it beside the Prefect worker (or
`prefect deploy`'s serve process) that runs the deployments, with the settings of the `LocalDeltaSpark` block:

    python -m tasks.spark.kept_driver_server --info ~/.youtube-lakehouse/driver.json [--master M] [--conf k=v ...]

and set the block's `kept_driver` to that file. A run whose block names the file attaches to the driver when the
file is there, the driver is alive, has the block's master and settings, and no other run is attached; otherwise
it starts its own JVM, as without a kept driver, and logs why. Each attached run gets a new Spark session of its
own (its SQL settings and temporary views are not the next run's); the SparkContext, the Delta log cache and the
JIT's work are shared. Runs take turns: one attached run at a time, because the session catalog is the JVM's (a run
points it at its own lake). The file holds the py4j secret (full control of the JVM): it is written 0600 and never
logged.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tasks.processes import process_alive

if TYPE_CHECKING:
    from py4j.clientserver import ClientServer
    from py4j.java_gateway import JavaGateway
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


class DriverUnavailable(Exception):
    """The kept driver cannot take this run; the message says why (the run starts its own JVM)."""


@dataclass(frozen=True)
class DriverInfo:
    """What a run needs to attach: the py4j port and secret, and what the driver was started with."""

    port: int
    secret: str = field(repr=False)
    process: dict[str, Any]  # the driver's process, as `tasks.run_recovery.this_process` describes it
    master: str
    settings: dict[str, str]

    def write(self, path: Path) -> None:
        """Write the file readable by this user only, atomically (a reader never sees half of it)."""
        import tempfile

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=path.name, suffix=".partial", dir=path.parent)  # mode 0600
        with os.fdopen(fd, "w") as out:
            json.dump(
                {
                    "port": self.port,
                    "secret": self.secret,
                    "process": self.process,
                    "master": self.master,
                    "settings": self.settings,
                },
                out,
            )
        os.replace(partial, path)

    @classmethod
    def read(cls, path: Path) -> DriverInfo:
        try:
            raw = json.loads(path.read_text())
            info = cls(
                port=int(raw["port"]),
                secret=str(raw["secret"]),
                process=dict(raw["process"]),
                master=str(raw["master"]),
                settings={str(k): str(v) for k, v in raw["settings"].items()},
            )
        except FileNotFoundError:
            raise DriverUnavailable(f"no kept driver: {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DriverUnavailable(f"kept driver file {path} is unreadable ({type(exc).__name__})") from None
        if process_alive(info.process) is not True:  # gone, another host's, or its pid reused since
            raise DriverUnavailable(f"kept driver of {path} (pid {info.process.get('pid')}) is not running here")
        return info


def _differences(info: DriverInfo, master: str, settings: Mapping[str, str]) -> list[str]:
    found = [f"master {info.master!r} (run asks {master!r})"] if info.master != master else []
    for key in sorted(set(info.settings) | set(settings)):
        if info.settings.get(key) != settings.get(key):
            found.append(f"{key}={info.settings.get(key)!r} (run asks {settings.get(key)!r})")
    return found


def take_turn(path: Path) -> IO[str]:
    """Hold the driver's turn lock for as long as the returned file stays open (the process's life, unless closed)."""
    handle = open(path.with_name(path.name + ".lock"), "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DriverUnavailable(f"the kept driver of {path} is serving another run") from None
    return handle


def _matching(path: Path, master: str, settings: Mapping[str, str]) -> DriverInfo:
    """The driver of `path` if it runs here with `master` and `settings`; else `DriverUnavailable`."""
    info = DriverInfo.read(path)
    differences = _differences(info, master, settings)
    if differences:
        raise DriverUnavailable(f"the kept driver of {path} was started with other settings: " + "; ".join(differences))
    return info


def unavailable(path: Path, master: str, settings: Mapping[str, str]) -> str | None:
    """Why the kept driver of `path` could not take a run right now, or None if it could (a look, not a claim)."""
    try:
        _matching(path, master, settings)
        take_turn(path).close()
    except DriverUnavailable as why:
        return str(why)
    return None


def attach(path: Path, master: str, settings: Mapping[str, str]) -> tuple[SparkSession, IO[str]]:
    """A new session on the kept driver described by `path`, and the turn lock to keep open while it is used.

    Raises `DriverUnavailable` when the driver cannot take this run.
    """
    info = _matching(path, master, settings)
    turn = take_turn(path)
    try:
        return _connect(info), turn
    except DriverUnavailable:
        turn.close()
        raise
    except Exception as exc:  # noqa: BLE001 - py4j raises several kinds for a dead or foreign port
        turn.close()
        raise DriverUnavailable(f"cannot reach the kept driver of {path} ({type(exc).__name__}: {exc})") from None


def _connect(info: DriverInfo) -> SparkSession:
    from pyspark import SparkConf
    from pyspark.java_gateway import launch_gateway

    from tasks.environment import temporary_environ

    with temporary_environ({"PYSPARK_GATEWAY_PORT": str(info.port), "PYSPARK_GATEWAY_SECRET": info.secret}):
        gateway = launch_gateway()  # connects to the running JVM instead of starting one
    try:
        jvm = gateway.jvm
        default = jvm.org.apache.spark.sql.SparkSession.getDefaultSession()
        if not default.isDefined() or default.get().sparkContext().isStopped():
            raise DriverUnavailable("the kept driver's JVM has no running Spark session")
        parent = default.get()
        jsc = jvm.org.apache.spark.api.java.JavaSparkContext(parent.sparkContext())
        _quiesce(jsc, parent)
        context_class, session_class = _attached_classes()
        context = context_class(gateway=gateway, jsc=jsc, conf=SparkConf(_jconf=jsc.getConf()))
        context.kept_parent = parent
        atexit.register(release_objects, gateway)
        return session_class(context, jsparkSession=parent.newSession())
    except BaseException:
        _forget_driver(gateway)
        raise


def _quiesce(jsc: Any, parent: Any, timeout_s: float = 120) -> None:
    """Make the driver idle before a run starts on it: a run whose process died (killed, crashed) leaves its jobs
    running and its cached DataFrames held in the JVM; this run holds the turn, so whatever still runs is that.
    (Delta's own cached table states stay: they are what a warm driver is for.)"""
    import time

    tracker = jsc.statusTracker()
    deadline = time.monotonic() + timeout_s
    while tracker.getActiveJobIds():
        if time.monotonic() > deadline:
            raise DriverUnavailable(f"the kept driver still runs a departed run's jobs after {timeout_s:.0f} s")
        jsc.cancelAllJobs()
        time.sleep(0.2)
    parent.catalog().clearCache()


def _forget_driver(gateway: Any) -> None:
    """Reset pyspark's process-wide state that points at the kept driver, and close this process's connection."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if gateway is None or getattr(gateway, "kept_driver_closed", False):
        return
    gateway.kept_driver_closed = True
    atexit.unregister(release_objects)
    release_objects(gateway)
    gateway.close()  # not shutdown(): that would stop the driver's py4j server
    if SparkContext._gateway is not gateway:
        return  # the process's SparkContext is another (its own JVM): leave it be
    context = SparkContext._active_spark_context
    server = getattr(context, "_accumulatorServer", None) if context is not None else None
    if server is not None:
        server.shutdown()
    SparkContext._active_spark_context = None
    SparkContext._gateway = None
    SparkContext._jvm = None
    SparkSession._instantiatedSession = None
    SparkSession._activeSession = None


@functools.cache
def _attached_classes() -> tuple[type, type]:
    """SparkContext and SparkSession classes for a kept driver, whose `stop()` lets go of the driver instead of
    stopping the SparkContext every run shares (pyspark stops a context that fails to start; a stray
    `spark.stop()` would stop it, and clear the JVM's default session the next run starts from)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    class AttachedContext(SparkContext):
        kept_parent: Any = None

        def stop(self) -> None:
            gateway = SparkContext._gateway
            if gateway is not None and self.kept_parent is not None:
                try:  # the session this run was made from is the JVM's default again, not this run's
                    gateway.jvm.org.apache.spark.sql.SparkSession.setDefaultSession(self.kept_parent)
                except Exception:  # noqa: BLE001 - the driver is gone
                    pass
            _forget_driver(gateway)
            self._jsc = None  # type: ignore[assignment]

    class AttachedSession(SparkSession):
        def stop(self) -> None:
            self._sc.stop()

    return AttachedContext, AttachedSession


def release_objects(gateway: ClientServer | JavaGateway) -> int:
    """Let the JVM drop every object this process still holds a py4j reference to; how many.

    py4j frees a JVM object when its Python proxy is garbage collected; a process that exits leaves the rest
    referenced in the driver for good, with their query plans and the broadcast relations those hold (measured:
    ~200 MiB of driver heap per sample run). So an attached process releases them all as it detaches or exits.
    """
    import gc

    from py4j.finalizer import ThreadSafeFinalizer
    from py4j.protocol import smart_decode

    gc.collect()
    client = gateway._gateway_client
    prefix = smart_decode(client.address) + smart_decode(client.port)
    targets = [key[len(prefix) :] for key in list(ThreadSafeFinalizer.finalizers) if key.startswith(prefix)]
    queue = getattr(client, "finalizer_deque", None)  # ClientServer sends frees from a daemon thread's queue
    while queue:
        try:
            item = queue.pop()
        except IndexError:
            break
        if isinstance(item, tuple) and item[0] is client:
            targets.append(item[1])
    for target in targets:
        ThreadSafeFinalizer.remove_finalizer(prefix + target)
        try:
            if queue is not None:
                client.garbage_collect_object(target, enqueue=False)  # now: this process is about to go
            else:
                client.garbage_collect_object(target)
        except Exception:  # noqa: BLE001 - the driver is gone: nothing left to free
            break
    return len(targets)


def detach(session: SparkSession) -> None:
    """Let go of the kept driver without stopping it (see `AttachedContext.stop`)."""
    session.sparkContext.stop()
