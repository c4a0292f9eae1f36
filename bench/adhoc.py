"""Ad-hoc runs as a user starts them, each a fresh process with Prefect's temporary server: the
floor (`bench.floor`) and the bundled sample's whole pipeline (what `make demo` runs), timed from
process start to exit.

    python -m bench.adhoc --work /tmp/adhoc          # prints the floor and the sample's figures
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ("local-delta-spark/bench-sample", "local-landing/bench-sample")
SAVE_BLOCKS = """
import sys
from blocks import LocalDeltaSpark, LocalLanding
LocalDeltaSpark(lake_root=sys.argv[1]).save("bench-sample", overwrite=True)
LocalLanding(root=sys.argv[2]).save("bench-sample", overwrite=True)
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return {
        **env,
        "PREFECT_HOME": str(home),
        "PYTHONPATH": str(REPO_ROOT),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }


def _timed(command: list[str], env: dict[str, str], log: Path, cwd: Path, also: tuple[int, ...] = ()) -> float:
    from bench.rss import TreeSampler

    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        with TreeSampler(process.pid, also=also) as sampler:
            code = process.wait()
    seconds = time.monotonic() - started
    if code != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-30:])
        raise SystemExit(f"{' '.join(command[1:4])} failed ({code}); end of {log}:\n{tail}")
    _timed.peak = sampler.peak()  # type: ignore[attr-defined]
    return seconds


def measure(work: Path, kept_driver_runs: int = 3) -> dict[str, Any]:
    """The floor (twice: the first warms the server's database and the page cache), then the sample on a
    fresh lake and again on the same lake (a re-run); then `kept_driver_runs` times on a fresh lake with a
    kept Spark driver (`tasks.spark.kept_driver`) that each run's fresh process attaches to."""
    home = work / "prefect-home"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = _env(home)
    out: dict[str, Any] = {}
    for attempt in ("warm-up", "floor"):
        out[attempt] = _timed(
            [sys.executable, "-m", "bench.floor", "--lake", str(work / "floor-lake")],
            env,
            work / f"{attempt}.log",
            work,
        )
        print(f"  {attempt}: {out[attempt]:.1f} s", flush=True)
    subprocess.run(
        [sys.executable, "-c", SAVE_BLOCKS, str(work / "lake"), str(work / "landing")],
        env=env,
        check=True,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    command = [sys.executable, "-m", "flows.youtube_lakehouse", "--backend", BLOCKS[0], "--landing", BLOCKS[1]]
    for attempt in ("sample", "sample-rerun"):
        out[attempt] = _timed(command, env, work / f"{attempt}.log", work)
        out[f"{attempt}-peak-rss"] = _timed.peak  # type: ignore[attr-defined]
        print(f"  {attempt}: {out[attempt]:.1f} s, peak RSS {out[f'{attempt}-peak-rss'] / 2**20:,.0f} MiB", flush=True)
    if kept_driver_runs:
        out["kept-driver"] = _kept_driver_samples(work, env, command, kept_driver_runs)
    return out


def _kept_driver_samples(work: Path, env: dict[str, str], command: list[str], runs: int) -> list[dict[str, float]]:
    """The sample on a fresh lake `runs` times, each a fresh process attached to one kept driver (started
    first, not timed); each run's wall time and the peak RSS of its tree and the driver's together."""
    from tasks.spark.kept_driver_server import KeptDriverProcess

    figures = []
    with KeptDriverProcess(work / "kept-driver.json", env=env) as driver:
        attached = {**env, "YOUTUBE_LAKEHOUSE_KEPT_DRIVER": str(driver.info)}
        for run in range(1, runs + 1):
            shutil.rmtree(work / "lake", ignore_errors=True)
            log = work / f"sample-kept-driver-{run}.log"
            seconds = _timed(command, attached, log, work, also=(driver.pid,))
            if "attached to the kept Spark driver" not in log.read_text(errors="replace"):
                raise SystemExit(f"the sample did not attach to the kept driver; see {log}")
            figures.append({"wall_s": seconds, "peak_rss": _timed.peak})  # type: ignore[attr-defined]
            print(
                f"  sample on a kept driver, run {run}: {seconds:.1f} s, peak RSS "
                f"{_timed.peak / 2**20:,.0f} MiB (with the driver)",
                flush=True,
            )  # type: ignore[attr-defined]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.adhoc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / ".work" / "adhoc")
    parser.add_argument(
        "--kept-driver-runs",
        type=int,
        default=3,
        help="sample runs attached to a kept Spark driver (default: %(default)s; 0: none)",
    )
    args = parser.parse_args(argv)
    figures = measure(args.work.resolve(), args.kept_driver_runs)
    floor = figures["floor"]
    for name in ("sample", "sample-rerun"):
        print(f"{name}: {figures[name]:.1f} s = {figures[name] / floor:.1f} x the floor ({floor:.1f} s)")
    for run, kept in enumerate(figures.get("kept-driver", []), 1):
        print(f"sample on a kept driver, run {run}: {kept['wall_s']:.1f} s = {kept['wall_s'] / floor:.1f} x the floor")


if __name__ == "__main__":
    main()
