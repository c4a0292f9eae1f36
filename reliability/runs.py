"""Pipeline runs for the probes: each a fresh process (as a deployment or a user starts it) against one
`prefect server start` on loopback, on a lake and landing of its own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Lake:
    """A lake, its landing folder and the blocks that name them on the probe's server."""

    name: str
    root: Path
    source_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def faulty(self) -> bool:
        """Whether its source answers with transient faults (the simulator's block: `youtube_sim.blocks`)."""
        return "fault_rate" in self.source_fields

    def refs(self) -> dict[str, str]:
        source = "youtube-faulty-replay-source" if self.faulty else "youtube-replay-source"
        return {
            "backend": f"local-delta-spark/{self.name}",
            "landing": f"local-landing/{self.name}",
            "source": f"{source}/{self.name}",
        }

    def save(self, api_url: str) -> Lake:
        """Save the lake's blocks (two Spark cores, the bundled sample) on the probe's server."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from blocks import LocalDeltaSpark, LocalLanding, ReplayYouTubeSource
        from youtube_sim.blocks import FaultyReplayYouTubeSource

        source = FaultyReplayYouTubeSource if self.faulty else ReplayYouTubeSource
        with temporary_settings({PREFECT_API_URL: api_url}):
            LocalDeltaSpark(lake_root=str(self.lake), spark_master="local[2]").save(self.name, overwrite=True)
            LocalLanding(root=str(self.landing)).save(self.name, overwrite=True)
            source(recording="sample", **self.source_fields).save(self.name, overwrite=True)
        return self


def start(lake: Lake, env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    """Start `python -m flows.youtube_lakehouse` on the lake in its own process group (`youtube_sim.run_flow`, the
    same with the simulator's block types known, for a faulty source)."""
    refs = lake.refs()
    command = [
        sys.executable,
        "-m",
        "youtube_sim.run_flow" if lake.faulty else "flows.youtube_lakehouse",
        "--backend",
        refs["backend"],
        "--source",
        refs["source"],
        "--landing",
        refs["landing"],
        *extra,
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def finish(process: subprocess.Popen, timeout_s: float = 1200) -> int:
    """Wait for a run; one that overruns is killed with its process group and counts as failed."""
    try:
        return process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(process)
        return -9


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the run's whole process group: the flow process, its Spark JVM and anything else it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(60)


def run(lake: Lake, env: dict[str, str], log: Path, *extra: str) -> tuple[int, float]:
    """One run to its end: (exit code, seconds)."""
    started = time.monotonic()
    code = finish(start(lake, env, log, *extra))
    return code, time.monotonic() - started


def tail(log: Path, lines: int = 15) -> str:
    return "".join(log.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def failure(log: Path, limit: int = 300) -> str:
    """One line for a failed run in a figure: the log's last line naming an exception, else its last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    named = [line for line in lines if re.search(r"\w(Error|Exception)\b", line)]
    return f"{(named or lines or ['(empty log)'])[-1][:limit]} ({log.name})"


def run_log(lake: Path) -> list[dict[str, Any]]:
    """The lake's `bronze.run_context_log` rows, oldest first."""
    from deltalake import DeltaTable

    table = lake / "bronze" / "run_context_log"
    if not (table / "_delta_log").is_dir():
        return []
    return sorted(DeltaTable(str(table)).to_pyarrow_table().to_pylist(), key=lambda r: str(r["started_at_utc"]))


@dataclass
class Bench:
    """Where the probes run: a work folder, the Prefect server's environment, the clean run's tables."""

    work: Path
    env: dict[str, str]
    api_url: str
    reference: dict[str, list[str]] = field(default_factory=dict)
    reference_failed: int = 0  # requests the clean run could not make either (a region without a chart)

    def fresh(self, name: str, **source_fields: Any) -> Lake:
        """A new, empty lake with its blocks saved."""
        import shutil

        root = self.work / name
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        return Lake(name, root, source_fields).save(self.api_url)

    def log(self, name: str) -> Path:
        return self.work / "logs" / f"{name}.log"
