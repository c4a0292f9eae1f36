"""`make bench`: the pipeline at a chosen size, then the daily run after short and long histories.

    python -m bench.run --size medium          # writes bench/RESULTS.md
    python -m bench.run --size small --results /tmp/results.md

Steps (every number printed is measured here, nothing is asserted):
1. generate the recording for the size (the synthetic world answered through
   google-api-python-client), with the Analytics windows the phases below ask for;
2. start a Prefect server on 127.0.0.1 for the benchmark's flow runs;
3. lake A: history of 30 days, then one more day; lake B: the size's whole history (365 days at
   medium), then the same one more day. Each phase is one `youtube_lakehouse` flow run in its own
   process (`bench.phase`) with the local delta-spark backend; its process tree's memory is
   sampled from here;
4. per phase and subflow: wall time, rows written (from the Delta commit logs), rows/s, peak RSS,
   API requests and units; the incremental ratio (after the long history over after 30 days).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.spark.standalone import free_port

if TYPE_CHECKING:
    from tasks.spark.kept_driver_server import KeptDriverProcess

REPO_ROOT = Path(__file__).resolve().parent.parent
SHORT_HISTORY_DAYS = 30
INCREMENTAL_LOOKBACK_DAYS = 7
SUBFLOWS = ("ingest", "bronze_to_silver", "gold")
LAYER_OF = {"ingest": "bronze", "bronze_to_silver": "silver", "gold": "gold"}
SIZES: dict[str, dict[str, Any]] = {
    "small": {"regions": ("US", "GB", "JP"), "videos_per_channel": (200,), "snapshot_days": 30, "analytics_days": 90},
}


def bench_config(size: str) -> Any:
    """The world of `size`, one day longer than its history: that day is the incremental run."""
    from youtube_sim.generate import SIZES as GENERATOR_SIZES
    from youtube_sim.synth import WorldConfig

    options = dict(SIZES.get(size) or GENERATOR_SIZES[size])
    options["chartless_regions"] = ()
    config = WorldConfig(**options)
    return replace(config, snapshot_days=config.snapshot_days + 1, analytics_days=config.analytics_days + 1)


def phase_windows(config: Any) -> dict[str, tuple[date, date]]:
    last = config.analytics_end  # the incremental day
    history_end = last - timedelta(days=1)
    long_days = config.analytics_days - 1
    return {
        "history-short": (history_end - timedelta(days=SHORT_HISTORY_DAYS - 1), history_end),
        "history-long": (history_end - timedelta(days=long_days - 1), history_end),
        "incremental": (last - timedelta(days=INCREMENTAL_LOOKBACK_DAYS - 1), last),
    }


class PrefectServer:
    """`prefect server start` on loopback with its own PREFECT_HOME, stopped on exit."""

    def __init__(self, home: Path, log: Path):
        self.home, self.log, self.port = home, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }

    def __enter__(self) -> PrefectServer:
        import httpx

        self.home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in self.env().items() if k != "PREFECT_API_URL"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prefect server exited ({self.process.returncode}); see {self.log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.__exit__()
        raise RuntimeError(f"prefect server did not answer within 180 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def run_phase(
    name: str,
    lake: Path,
    work: Path,
    recording: Path,
    window: tuple[date, date],
    server: PrefectServer,
    spark_master: str | None = None,
    kept_driver: KeptDriverProcess | None = None,
) -> dict[str, Any]:
    """One flow run in a child process; its figures with peak memory and rows written added."""
    from bench.delta_rows import rows_written_since
    from bench.rss import TreeSampler

    result, log = work / f"{name}.json", work / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "bench.phase",
        "--name",
        name,
        "--lake",
        str(lake),
        "--landing",
        str(work / "landing"),
        "--recording",
        str(recording),
        "--start",
        window[0].isoformat(),
        "--end",
        window[1].isoformat(),
        "--result",
        str(result),
    ]
    if name.startswith("incremental"):
        command.append("--daily")
    if spark_master:
        command += ["--spark-master", spark_master]
    if kept_driver:
        command += ["--kept-driver", str(kept_driver.info)]
    env = {**server.env(), "PYTHONPATH": str(REPO_ROOT)}
    print(f"  {name}: window {window[0]}..{window[1]} (log {log})", flush=True)
    started = time.time()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
        with TreeSampler(process.pid, also=(kept_driver.pid,) if kept_driver else ()) as sampler:
            code = process.wait()
    if code != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:])
        raise SystemExit(f"phase {name} failed ({code}); end of {log}:\n{tail}")
    figures = json.loads(result.read_text())
    if kept_driver and not figures["kept_driver"]:
        raise SystemExit(f"phase {name} did not attach to the kept driver; see {log}")
    figures["process_s"] = time.time() - started
    figures["peak_rss"] = sampler.peak()
    figures["rows"] = rows_written_since(lake, figures["started"])
    figures["subflow_peak_rss"] = {n: sampler.peak(*span) for n, span in figures["subflows"].items()}
    figures["peak_rss_by_kind"] = sampler.peak_by_kind()
    figures["subflow_peak_rss_by_kind"] = {n: sampler.peak_by_kind(*span) for n, span in figures["subflows"].items()}
    print(f"  {name}: {figures['wall_s']:.1f} s, peak RSS {figures['peak_rss'] / 2**20:.0f} MiB", flush=True)
    return figures


def _kept_driver_phases(
    lake: Path, work: Path, recording: Path, window: tuple[date, date], server: PrefectServer
) -> dict[str, dict[str, Any]]:
    """The one more day on copies of `lake`, each a fresh flow process attached to one kept driver: the first
    copy stands for yesterday's run that warmed it, the second is the figure."""
    from tasks.spark.kept_driver_server import KeptDriverProcess

    out = {}
    with KeptDriverProcess(work / "kept-driver.json", env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}) as driver:
        for name in ("incremental-kept-driver-first", "incremental-kept-driver"):
            shutil.copytree(lake, work / f"lake-{name}")
            out[name] = run_phase(name, work / f"lake-{name}", work, recording, window, server, kept_driver=driver)
    return out


def subflow_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Per subflow and for the whole run: wall s, rows, rows/s, peak RSS, API requests and units."""
    rows = figures["rows"]
    usage = figures["api_usage"]
    requests = sum(u["requests"] for u in usage.values())
    units = sum(u["units"] for u in usage.values())
    out = []
    for name in SUBFLOWS:
        span = figures["subflows"].get(name)
        wall = (span[1] - span[0]) if span else figures["seconds"].get(name, 0.0)
        written = sum(
            n for t, n in rows.items() if t.startswith(LAYER_OF[name] + ".") and t not in ("bronze.run_context_log",)
        )
        out.append(
            {
                "step": name,
                "wall_s": wall,
                "rows": written,
                "rows_per_s": written / wall if wall else 0.0,
                "peak_rss": figures["subflow_peak_rss"].get(name, 0),
                "requests": requests if name == "ingest" else 0,
                "units": units if name == "ingest" else 0,
            }
        )
    total = sum(rows.values())
    out.append(
        {
            "step": "whole run",
            "wall_s": figures["wall_s"],
            "rows": total,
            "rows_per_s": total / figures["wall_s"],
            "peak_rss": figures["peak_rss"],
            "requests": requests,
            "units": units,
        }
    )
    return out


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    import pyspark

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 2**20:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "java": java[0] if java else "unknown",
        "spark": pyspark.__version__,
    }


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| step | wall s | rows written | rows/s | peak RSS MiB | API requests | API units |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['step']} | {r['wall_s']:.1f} | {r['rows']:,} | {r['rows_per_s']:,.0f} | "
            f"{r['peak_rss'] / 2**20:,.0f} | {r['requests']:,} | {r['units']:,} |"
        )
    return lines


def report(
    size: str,
    config: Any,
    generation: dict[str, Any],
    phases: dict[str, dict[str, Any]],
    windows: dict[str, tuple[date, date]],
    adhoc: dict[str, Any] | None = None,
) -> tuple[str, float]:
    short, long_ = phases["incremental-after-short"], phases["incremental-after-long"]
    ratio = long_["wall_s"] / short["wall_s"]
    facts = machine()
    long_days = (windows["history-long"][1] - windows["history-long"][0]).days + 1
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` (`python -m bench.run --size {size}`), "
        f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in facts.items()],
        "",
        "## Size",
        "",
        f"- size `{size}`: {len(config.regions)} trending regions x {config.snapshot_days - 1} days; channels with "
        f"{', '.join(map(str, config.videos_per_channel))} videos; "
        f"{config.analytics_days - 1} days of every Analytics report",
        f"- recording: {generation['responses']:,} responses, {generation['bytes'] / 2**20:,.1f} MiB gzipped, "
        f"generated in {generation['seconds']:.0f} s",
        "- windows: " + ", ".join(f"{k} {s}..{e}" for k, (s, e) in windows.items()),
        "",
    ]
    floor = (adhoc or {}).get("floor")
    if adhoc:
        lines += [
            "## Floor and the bundled sample",
            "",
            "Each a fresh process as a user starts it (Prefect's temporary server included), timed from start "
            "to exit. The floor: a flow that starts a SparkSession with Delta and writes one small Delta "
            "table (`bench/floor.py`).",
            "",
            "| run | wall s | x floor | peak RSS MiB |",
            "|---|---:|---:|---:|",
            f"| floor | {floor:.1f} | 1.0 | |",
            *[
                f"| {name} (`python -m flows.youtube_lakehouse`{', same lake again' if 'rerun' in name else ''}) | "
                f"{adhoc[name]:.1f} | {adhoc[name] / floor:.1f} | {adhoc[name + '-peak-rss'] / 2**20:,.0f} |"
                for name in ("sample", "sample-rerun")
            ],
            *[
                f"| sample on a kept driver, run {run} (a fresh process attached to `tasks.spark.kept_driver`; "
                f"RSS with the driver's) | {kept['wall_s']:.1f} | {kept['wall_s'] / floor:.1f} | "
                f"{kept['peak_rss'] / 2**20:,.0f} |"
                for run, kept in enumerate(adhoc.get("kept-driver", []), 1)
            ],
            "",
        ]
    for name, figures in phases.items():
        lines += [f"## {name}", "", *_table(subflow_rows(figures)), ""]
        if floor:
            lines += [f"Whole run: {figures['wall_s'] / floor:.1f} x the floor.", ""]
        if name == "incremental-on-cluster":
            lines += [
                "The one-more-day run after 30 days on a Spark standalone cluster on this machine (a master and "
                "2 workers of 1 core and 3 GiB, `tasks/spark/standalone.py`; the driver in the flow process). Its peak "
                "RSS is the flow process tree's only: the master, workers and executors are not in it.",
                "",
            ]
        if name.startswith("incremental-kept-driver"):
            lines += [
                ("The first" if name.endswith("-first") else "The second") + " one-more-day run after 30 days "
                "(on a copy of that lake) in a fresh flow process attached to a kept Spark driver "
                "(`tasks/spark/kept_driver.py`) that bench started after the 30-day history"
                + (
                    ": the JVM's first pipeline run, standing for yesterday's."
                    if name.endswith("-first")
                    else ", after the run above: the daily run of a deployment whose worker keeps a driver."
                )
                + " Peak RSS includes the kept driver's process tree.",
                "",
            ]
        held = figures.get("subflow_peak_rss_by_kind") or {}
        if held:
            lines += [
                "At each subflow's peak, resident per kind of process (MiB): "
                + "; ".join(
                    f"{sub}: "
                    + ", ".join(
                        f"{kind} {rss / 2**20:,.0f}"
                        for kind, rss in sorted(kinds.items(), key=lambda kv: -kv[1])
                        if rss >= 2**20
                    )
                    for sub, kinds in held.items()
                ),
                "",
            ]
        page = figures.get("report") or {}
        if page.get("bytes"):
            lines += [
                f"The run's HTML report (part of gold): built in {page['seconds']:.1f} s, page "
                f"{page['bytes'] / 2**20:,.2f} MiB.",
                "",
            ]
        steps = figures.get("silver_step_seconds") or {}
        if steps:
            lines += ["Silver build steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()), ""]
        reads = figures.get("silver_reads") or {}
        if reads:
            lines += ["Bronze read by Silver: " + ", ".join(f"{t} {m}" for t, m in sorted(reads.items())), ""]
        sizing = figures.get("silver_sizing") or {}
        if sizing.get("bronze_bytes_read") is not None:
            lines += [
                f"Silver sized the run by {sizing['bronze_bytes_read'] / 2**20:,.1f} MiB of Bronze to read: "
                f"{sizing['parallel_steps']} step(s) at once, "
                f"{'interpreted' if sizing.get('interpreted') else 'compiled'} evaluation.",
                "",
            ]
    lines += [
        "## Incremental: one more day",
        "",
        "| | after 30 days | after " + f"{long_days} days | ratio |",
        "|---|---:|---:|---:|",
        *[
            f"| {a['step']} | {a['wall_s']:.1f} s | {b['wall_s']:.1f} s | {b['wall_s'] / a['wall_s']:.2f} |"
            for a, b in zip(subflow_rows(short), subflow_rows(long_), strict=True)
            if a["wall_s"]
        ],
        "",
        f"incremental ratio: {ratio:.2f}",
        "",
    ]
    return "\n".join(lines), ratio


def _recording(folder: Path, config: Any, windows: list[tuple[date, date]]) -> dict[str, Any]:
    """Generate the recording, or reuse the one in `folder` made from the same config and windows."""
    from youtube_sim.generate import generate

    stats_file = folder / "bench-generation.json"
    wanted = {"config": repr(config), "windows": [[s.isoformat(), e.isoformat()] for s, e in windows]}
    if stats_file.is_file():
        stats = json.loads(stats_file.read_text())
        if stats.get("made_from") == wanted:
            print(f"bench: reusing the recording in {folder} (generated in {stats['seconds']:.0f} s)", flush=True)
            return stats
    print(f"bench: generating the recording in {folder}", flush=True)
    started = time.monotonic()
    generate(folder, config, windows=windows)
    stats = {
        "seconds": time.monotonic() - started,
        "made_from": wanted,
        "responses": json.loads((folder / "manifest.json").read_text())["responses"],
        "bytes": (folder / "responses.jsonl.gz").stat().st_size,
    }
    stats_file.write_text(json.dumps(stats, indent=2))
    print(f"  {stats['responses']:,} responses in {stats['seconds']:.0f} s", flush=True)
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument(
        "--work",
        type=Path,
        default=REPO_ROOT / "bench" / ".work",
        help="scratch folder (recording, lakes, logs); emptied first except the recording",
    )
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-cluster", action="store_true", help="skip the standalone-cluster phase")
    parser.add_argument("--no-kept-driver", action="store_true", help="skip the kept-driver phases")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    config = bench_config(args.size)
    windows = phase_windows(config)
    work = args.work.resolve() / args.size
    recording = work / "recording"
    for stale in work.glob("*") if work.exists() else []:
        if stale != recording:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    work.mkdir(parents=True, exist_ok=True)
    generation = _recording(recording, config, sorted(set(windows.values())))
    from bench.adhoc import measure
    from tasks.spark.standalone import StandaloneCluster

    print("bench: the floor and the bundled sample, ad hoc (temporary Prefect server)", flush=True)
    adhoc = measure(work / "adhoc")
    phases: dict[str, dict[str, Any]] = {}
    with PrefectServer(work / "prefect-home", work / "prefect-server.log") as server:
        for history in ("short", "long"):
            lake = work / f"lake-{history}"
            phases[f"history-{history}"] = run_phase(
                f"history-{history}", lake, work, recording, windows[f"history-{history}"], server
            )
            if history == "short" and not args.no_cluster:  # the same day on a standalone cluster
                shutil.copytree(lake, work / "lake-cluster")
                with StandaloneCluster(workers=2, cores=1, memory="3g", work_dir=work / "cluster") as cluster:
                    phases["incremental-on-cluster"] = run_phase(
                        "incremental-on-cluster",
                        work / "lake-cluster",
                        work,
                        recording,
                        windows["incremental"],
                        server,
                        spark_master=cluster.url,
                    )
            if history == "short" and not args.no_kept_driver:
                phases.update(_kept_driver_phases(lake, work, recording, windows["incremental"], server))
            phases[f"incremental-after-{history}"] = run_phase(
                f"incremental-after-{history}", lake, work, recording, windows["incremental"], server
            )
    text, ratio = report(args.size, config, generation, phases, windows, adhoc)
    print("\n" + text)
    args.results.write_text(text)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
