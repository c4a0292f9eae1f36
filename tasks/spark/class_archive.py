"""A class-data-sharing (CDS) archive of the classes a Delta job loads, so each flow-run JVM maps them
instead of loading and verifying ~20,000 classes again (about 3 s of every cold start on 2 cores).

`python -m tasks.spark.warmup` (run by `make jars`) writes it once per environment; a JVM whose classes
or Java differ from the archive's ignores it (`-Xshare:auto`, the JVM's own check) and starts as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

OPTION = "spark.driver.extraJavaOptions"
# the JVM reports an archive it cannot use (another Java, other jars) as a warning on every start
QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"


def archive_path() -> Path:
    """Where this environment's archive lives: beside the installed packages, named for their versions."""
    from importlib.metadata import version

    name = f"spark-{version('pyspark')}-delta-{version('delta-spark')}.jsa"
    return Path(sys.prefix) / "share" / "youtube-lakehouse" / name


def with_options(conf: dict[str, str], options: str) -> dict[str, str]:
    """`conf` with `options` put before any driver Java options it already has (the user's win)."""
    existing = conf.get(OPTION, "").strip()
    return {**conf, OPTION: f"{options} {existing}".strip()}


def use_archive(conf: dict[str, str], archive: Path | None = None) -> dict[str, str]:
    """`conf` with the archive in the driver's Java options when it exists; `conf` unchanged otherwise."""
    archive = archive or archive_path()
    if not archive.is_file() or "ArchiveClassesAtExit" in conf.get(OPTION, ""):
        return conf
    return with_options(conf, f"-XX:SharedArchiveFile={archive} {QUIET}")


def dump_options(target: Path) -> str:
    """Java options that write the classes the JVM loaded to `target` when it exits."""
    return f"-XX:ArchiveClassesAtExit={target} {QUIET}"
