"""One Delta-enabled SparkSession per process, created on first use."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tasks.spark import evaluation

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_lock = threading.Lock()
_session: SparkSession | None = None
_current_root: str | None = None
_built_with: tuple[str, dict[str, str]] | None = None  # the master and settings the session was asked for
_speculative = False  # started by `prewarm`, not yet claimed by a caller
_turn = None  # the kept driver's turn lock while this process is attached to it (`kept_driver`)

DEFAULT_CONF: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.databricks.delta.snapshotPartitions": "2",
    # Delta's VACUUM lists files with this many tasks (default 10000): 20-35 s a table locally.
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
    # Bronze rows hold whole API pages (~30 KB each): the default 4,096-row reader batch asked the 2 GiB heap
    # for 129 MB at once per column and exhausted it reading a 365-day history on 3 threads.
    "spark.sql.parquet.columnarReaderBatchSize": "1024",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # Auto compaction computes the table's state with a Spark job after every commit to decide (70 of a sample
    # run's 116 state computations, ~12 s of it). A daily MERGE rewrites the files it touches, so a partition
    # keeps one live file; appends and removed files are the weekly `lake_maintenance` flow's (OPTIMIZE where
    # files warrant it, VACUUM).
    "spark.databricks.delta.autoCompact.enabled": "false",
}


def get_spark(
    master: str = "local[*]",
    conf: Mapping[str, str] | None = None,
    lake_root: str | None = None,
    kept_driver: str | None = None,
) -> SparkSession:
    """Return the process's SparkSession, creating it (with Delta) on first call.

    When `lake_root` is given and differs from the last one, the session catalog is pointed at it:
    every Delta table under it is registered as `<layer>.<table>`, so a fresh process sees the lake
    (and a process that moves between lakes, like the test suite, never writes to the old one).
    With `kept_driver` (a `tasks.spark.kept_driver` connection file), the first call attaches to that warm
    driver when it can take the run, and otherwise builds the process's own session, logging why.
    """
    global _session, _current_root, _built_with, _speculative
    wanted = (master, _settings(master, conf or {}))
    with _lock:
        if _session is not None and _speculative and (_built_with != wanted or _driver_free(kept_driver, *wanted)):
            _discard()  # started early with other settings, or a kept driver can take the run
        if _session is None and kept_driver:
            attached = _attach(kept_driver, *wanted)
            if attached is not None:
                _session, _built_with = attached, wanted
        if _session is None:
            _session, _built_with = _build(master, wanted[1]), wanted
        _speculative = False
        if lake_root is not None and lake_root != _current_root:
            from tasks.spark.lake import use_lake

            use_lake(_session, lake_root)
            _current_root = lake_root
        return _session


def _driver_free(info_path: str | None, master: str, settings: Mapping[str, str]) -> bool:
    if not info_path:
        return False
    from pathlib import Path

    from tasks.spark.kept_driver import unavailable

    return unavailable(Path(info_path).expanduser(), master, settings) is None


def _attach(info_path: str, master: str, settings: Mapping[str, str]) -> SparkSession | None:
    global _turn
    import logging
    from pathlib import Path

    from prefect import get_run_logger
    from prefect.context import FlowRunContext, TaskRunContext

    from tasks.spark.kept_driver import DriverUnavailable, attach

    # in a flow or task run, its log says which driver the run got
    in_run = FlowRunContext.get() is not None or TaskRunContext.get() is not None
    log = get_run_logger() if in_run else logging.getLogger(__name__)
    try:
        session, _turn = attach(Path(info_path).expanduser(), master, settings)
    except DriverUnavailable as why:
        log.warning("%s; this run starts its own Spark driver", why)
        return None
    log.info("attached to the kept Spark driver of %s", info_path)
    return session


def attached_to_kept_driver() -> bool:
    """Whether this process's session is a kept driver's (`tasks.spark.kept_driver`), not its own JVM."""
    return _turn is not None


def own_session() -> SparkSession | None:
    """The session this module built in this process, if any (the local backend's)."""
    return _session


evaluation.is_own_session = lambda spark: spark is _session


def cluster_conf(master: str) -> dict[str, str]:
    """Settings for a cluster master (spark://...): executors run this Python; on loopback the driver
    is reachable at 127.0.0.1."""
    import sys

    if not master.startswith("spark://"):
        return {}
    conf = {"spark.pyspark.python": sys.executable, "spark.executor.memory": "1g"}
    if master.split("//", 1)[1].split(":")[0] in ("127.0.0.1", "localhost"):
        conf.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    return conf


def ship_code(session: SparkSession) -> str:
    """Zip the `tasks` package (the code Python closures on executors import) and add it to the session."""
    import tempfile
    import zipfile
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent
    target = Path(tempfile.mkdtemp(prefix="yt-lakehouse-code-")) / "tasks.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and "recordings" not in path.parts:
                zf.write(path, str(path.relative_to(package.parent)))
    session.sparkContext.addPyFile(str(target))
    return str(target)


def prewarm(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> threading.Thread:
    """Start the session (and warm the JVM with a small Delta job in a temporary folder) on a thread,
    while the caller does something else, e.g. wait for Prefect's temporary server.

    A later `get_spark` with the same master and settings gets this session; with others, it stops
    this one (and its JVM) and builds its own, so guessing wrong costs time, never settings.
    """

    def start() -> None:
        global _session, _built_with, _speculative
        import tempfile

        from tasks.spark.evaluation import interpreted
        from tasks.spark.exercise import exercise

        wanted = (master, _settings(master, conf or {}))
        with _lock:
            if _session is not None:
                return
            try:
                session = _build(master, wanted[1])
            except Exception:  # noqa: BLE001  (the caller's own get_spark raises it where it is seen)
                _discard()
                return
            _session, _built_with, _speculative = session, wanted, True
            try:  # interpreted, as the small jobs a prewarmed (ad-hoc) run starts with evaluate
                with tempfile.TemporaryDirectory(prefix="yt-lakehouse-warmup-") as folder, interpreted(session):
                    exercise(session, folder)
            except Exception:  # noqa: BLE001  (a warm-up that fails leaves a working session)
                pass

    thread = threading.Thread(target=start, name="spark-prewarm", daemon=True)
    thread.start()
    return thread


def _settings(master: str, conf: Mapping[str, str]) -> dict[str, str]:
    return {**DEFAULT_CONF, **cluster_conf(master), **conf}


def _discard() -> None:
    """Stop the session and the JVM behind it: the next session starts a JVM with its own options."""
    global _session, _current_root, _built_with, _speculative
    if _turn is not None:
        _detach()
    else:
        if _session is not None:
            _session.stop()
        _stop_jvm()
    _session, _current_root, _built_with, _speculative = None, None, None, False


def _detach() -> None:
    """Let go of the kept driver (it keeps running) and of its turn, so the next run can attach."""
    global _turn
    from tasks.spark.kept_driver import detach
    from tasks.spark.lake import forget_registrations

    if _session is not None:
        detach(_session)
    forget_registrations()
    if _turn is not None:
        _turn.close()
    _turn = None


def _stop_jvm() -> int | None:
    """Shut the py4j gateway and its JVM down (a JVM writing a class archive writes it now); its exit code."""
    from pyspark import SparkContext

    from tasks.spark.lake import forget_registrations

    gateway, code = SparkContext._gateway, None
    if gateway is not None:
        gateway.shutdown()
        process = getattr(gateway, "proc", None)
        if process is not None:
            process.stdin.close()  # the gateway JVM exits when its stdin closes
            code = process.wait(timeout=300)
    SparkContext._gateway = None
    SparkContext._jvm = None
    forget_registrations()
    return code


def _build(master: str, settings: Mapping[str, str]) -> SparkSession:
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    from tasks.spark.class_archive import use_archive

    builder = SparkSession.builder.master(master).appName("youtube-lakehouse")
    for key, value in use_archive(dict(settings)).items():
        builder = builder.config(key, value)
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if not master.startswith("local"):
        ship_code(session)
    return session


def stop_spark(stop_jvm: bool = False) -> int | None:
    """Stop the process's session (tests and CLI tools only; flows keep it for dbt); with `stop_jvm`, its JVM
    too, returning the JVM's exit code."""
    global _session, _current_root, _built_with, _speculative
    with _lock:
        if _turn is not None:  # a kept driver's session: detach, never stop the driver
            _detach()
            code = None
        else:
            if _session is not None:
                _session.stop()
            code = _stop_jvm() if stop_jvm else None
        _session, _current_root, _built_with, _speculative = None, None, None, False
        return code
