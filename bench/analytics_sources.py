"""Channel analytics of one daily run: `reports.query` against the Reporting API's bulk reports.

    python -m bench.analytics_sources --size medium      # or: make bench-sources

The medium world of `bench.run` (one channel of 2,000 videos), the daily run's analytics window
(the 7-day lookback ending on the incremental day). For each analytics source the pipeline's own
fetch code runs through google-api-python-client against a recording of the synthetic world
(made in memory first, so the timed part is the client, retries, parsing and landing, not the
synthetic world computing answers), landing to a scratch folder:

- `query`: every reports.query request of the window, 4 workers (the source block's default);
- `reporting`: jobs.list, reports.list, and the media downloads of the window's reports;
- `auto`: the reports, plus reports.query for the days no report covers yet (about 48 h late).

Every mode also fetches the two reach reports (impressions and CTR, which no reports.query gives), as the
ingest flow does for the authorised channel, and what only reports.query gives: the channel's views by
content type, each video's content type (asked once per video: a daily run asks the videos no earlier run
typed, here those published in the window), the top videos and their retention curves (10). The row
`insights, first run` is that last part for a lake whose first run types every video.

Prints requests per endpoint, wall time, bytes landed and the days each source covers; nothing is
asserted. The whole-pipeline figures stay in `bench.run`.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORT_TYPES = (
    "channel_basic_a3",
    "channel_traffic_source_a3",
    "channel_device_os_a3",
    "channel_playback_location_a3",
    "channel_demographics_a1",
)
# fetched by every daily run for the authorised channel, whatever its analytics source (flows/ingest.py)
REACH_TYPES = ("channel_reach_basic_a1", "channel_reach_combined_a1")
RETENTION_VIDEOS = 10  # the source block's default


def _channels(world: Any, as_of: date, scratch: Path) -> dict[str, dict[str, Any]]:
    """The OAuth user's channel and its videos as of `as_of`, as the ingest flow finds them."""
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.clients import build_data_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_data_api_snapshot
    from youtube_sim.synth import SynthHttp

    lander = Lander(LocalLanding(root=str(scratch / "snapshot")), run_id="bench", source="synth")
    outcome = fetch_data_api_snapshot(
        build_data_api(http=SynthHttp(world, as_of)),
        lander,
        as_of,
        [],
        ["mine"],
        ApiExecutor(max_retries=0, sleep=lambda s: None),
    )
    return outcome.channels


def record(world: Any, as_of: date, channels: dict[str, dict[str, Any]], start: date, end: date, scratch: Path) -> Any:
    """An in-memory recording of every request the three sources make for [start, end]."""
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.analytics_sources import plan_sources
    from tasks.youtube.clients import build_analytics_api, build_reporting_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics, fetch_insights, fetch_reporting
    from tasks.youtube.replay import Recording, RecordingHttp
    from youtube_sim.synth import SynthHttp

    executor = ApiExecutor(max_retries=0, sleep=lambda s: None)
    landing = LocalLanding(root=str(scratch / "recording"))
    http = RecordingHttp(SynthHttp(world, as_of))
    fetch_analytics(
        build_analytics_api(http=http), Lander(landing, "rec", "synth"), as_of, channels, start, end, executor
    )
    fetch_insights(
        build_analytics_api(http=http),
        Lander(landing, "rec", "synth"),
        as_of,
        channels,
        start,
        end,
        RETENTION_VIDEOS,
        executor,
    )
    fetched = fetch_reporting(
        build_reporting_api(http=http),
        landing,
        "rec",
        "synth",
        list(REPORT_TYPES + REACH_TYPES),
        False,
        None,
        start,
        end,
        executor,
        chunk_bytes=1 << 30,
    )
    plan = plan_sources({cid: "auto" for cid in channels}, set(channels), fetched.report_days, start, end)
    for first, last, ids in plan.query_calls():
        fetch_analytics(
            build_analytics_api(http=http),
            Lander(landing, "rec", "synth"),
            as_of,
            {c: channels[c] for c in ids},
            first,
            last,
            executor,
        )
    return Recording(Path("<memory>"), {}, {(r.as_of, r.key): r for r in http.kept})


def run_source(
    mode: str,
    recording: Any,
    as_of: date,
    channels: dict[str, dict[str, Any]],
    start: date,
    end: date,
    landing_root: Path,
    workers: int,
    typed_videos: set[str],
) -> dict[str, Any]:
    """One source's fetch of the window, timed; its requests per endpoint and what it landed. Mode
    `insights-first` fetches only the content types (every video) and retention."""
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.analytics_sources import plan_sources
    from tasks.youtube.clients import build_analytics_api, build_reporting_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics, fetch_insights, fetch_reporting
    from tasks.youtube.replay import ReplayHttp

    executor = ApiExecutor(max_retries=0, sleep=lambda s: None)
    landing = LocalLanding(root=str(landing_root / mode))
    analytics = lambda: build_analytics_api(http=ReplayHttp(recording))  # noqa: E731 - one client per worker
    lander = Lander(landing, f"bench-{mode}", "replay")
    started = time.perf_counter()
    query_ranges: list[tuple[date, date]] = []
    insights = lambda typed: fetch_insights(  # noqa: E731
        analytics(), lander, as_of, channels, start, end, RETENTION_VIDEOS, executor, workers, analytics, typed
    )
    if mode == "insights-first":
        insights(set())
        return _result(mode, started, landing_root, executor, {}, [])
    # the reach reports in every mode; the analytics report types under reporting and auto
    fetched = fetch_reporting(
        build_reporting_api(http=ReplayHttp(recording)),
        landing,
        f"bench-{mode}",
        "replay",
        list((REPORT_TYPES if mode in ("reporting", "auto") else ()) + REACH_TYPES),
        False,
        None,
        start,
        end,
        executor,
    )
    report_days = fetched.report_days
    if mode == "query":
        query_ranges = [(start, end)]
    elif mode == "auto":
        plan = plan_sources({cid: "auto" for cid in channels}, set(channels), report_days, start, end)
        query_ranges = [(first, last) for first, last, _ in plan.query_calls()]
    for first, last in query_ranges:
        fetch_analytics(
            analytics(), lander, as_of, channels, first, last, executor, workers=workers, client_factory=analytics
        )
    insights(typed_videos)
    return _result(mode, started, landing_root, executor, report_days, query_ranges)


def _result(
    mode: str,
    started: float,
    landing_root: Path,
    executor: Any,
    report_days: dict[str, list[str]],
    query_ranges: list[tuple[date, date]],
) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    files = [p for p in (landing_root / mode).rglob("*") if p.is_file()]
    usage = {row["endpoint"]: row for row in executor.usage_rows()}
    failed = sum(row["failed"] for row in usage.values())
    if failed:
        raise SystemExit(f"{mode}: {failed} requests failed: {executor.failures[:3]}")
    return {
        "mode": mode,
        "seconds": seconds,
        "usage": usage,
        "requests": sum(row["requests"] for row in usage.values()),
        "units": sum(row["units"] for row in usage.values()),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "report_days": sorted({d for kind, days in report_days.items() if kind in REPORT_TYPES for d in days}),
        "query_ranges": [(a.isoformat(), b.isoformat()) for a, b in query_ranges],
    }


LATENCY_S = 0.2  # an assumed round trip per API request to Google, for the estimate only
DOWNLOAD_BYTES_PER_S = 20 * 2**20


def live_estimate(result: dict[str, Any], workers: int) -> float:
    """Not measured: seconds against the live APIs if each request took LATENCY_S (reports.query spread
    over `workers`) and downloads ran at DOWNLOAD_BYTES_PER_S, plus the replay's own time."""
    usage = result["usage"]
    query = usage.get("youtubeAnalytics.reports.query", {}).get("requests", 0)
    other = sum(row["requests"] for name, row in usage.items() if name != "youtubeAnalytics.reports.query")
    return result["seconds"] + (query / workers + other) * LATENCY_S + result["bytes"] / DOWNLOAD_BYTES_PER_S


def _days_text(days: list[str]) -> str:
    return f"{days[0]}..{days[-1]} ({len(days)} days)" if days else "none"


def report(size: str, window: tuple[date, date], videos: int, results: list[dict[str, Any]], workers: int) -> str:
    lines = [
        "# Channel analytics of one daily run: query vs bulk reports",
        "",
        f"`python -m bench.analytics_sources --size {size}`, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"One channel of {videos:,} videos; the daily run's window {window[0]}..{window[1]} (7-day lookback). "
        f"Replayed through google-api-python-client, landing to local files; reports.query with {workers} workers.",
        "",
        "| source | requests | units | wall s (replay) | est. live s | landed MiB | files | days from reports | "
        "reports.query ranges |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        ranges = ", ".join(f"{a}..{b}" if a != b else a for a, b in r["query_ranges"]) or "none"
        lines.append(
            f"| {r['mode']} | {r['requests']:,} | {r['units']:,} | {r['seconds']:.1f} | "
            f"{live_estimate(r, workers):,.0f} | "
            f"{r['bytes'] / 2**20:.1f} | {r['files']:,} | {_days_text(r['report_days'])} | {ranges} |"
        )
    lines += ["", "Requests per endpoint:", ""]
    for r in results:
        per = ", ".join(f"{name} {row['requests']:,}" for name, row in sorted(r["usage"].items()))
        lines.append(f"- {r['mode']}: {per}")
    by_mode = {r["mode"]: r for r in results}
    if "query" in by_mode and "reporting" in by_mode:
        q, rep = by_mode["query"], by_mode["reporting"]
        lines += [
            "",
            f"query / reporting: {q['requests'] / max(rep['requests'], 1):,.0f}x the requests, "
            f"{q['seconds'] / max(rep['seconds'], 1e-9):.1f}x the wall time.",
        ]
    lines += [
        "",
        f"`est. live s` is not measured: the replay's wall time plus {LATENCY_S * 1000:.0f} ms per request "
        f"(reports.query over {workers} workers, the others one at a time) and downloads at "
        f"{DOWNLOAD_BYTES_PER_S / 2**20:.0f} MiB/s; the replay has no network, so its wall time is the "
        "client, parsing and landing alone.",
    ]
    lines += [
        "",
        f"Peak RSS of the bench process (recording in memory included): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_sources", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "bench" / "RESULTS-analytics-sources.md")
    parser.add_argument("--workers", type=int, default=4, help="reports.query requests in flight (block default 4)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from bench.run import bench_config, phase_windows
    from youtube_sim.synth import World

    config = bench_config(args.size)
    start, end = phase_windows(config)["incremental"]
    world = World(config)
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as tmp:
        scratch = Path(tmp)
        channels = _channels(world, end, scratch)
        videos = sum(len(c["video_ids"]) for c in channels.values())
        print(
            f"bench: recording the {args.size} channel's analytics for {start}..{end} ({videos:,} videos)", flush=True
        )
        began = time.monotonic()
        recording = record(world, end, channels, start, end, scratch)
        print(f"  {len(recording.responses):,} responses in {time.monotonic() - began:.0f} s", flush=True)
        results = []
        # what earlier daily runs typed: every video published before the window
        typed = {v for c in channels.values() for v in c["video_ids"] if world.videos[v].published.date() < start}
        for mode in ("query", "reporting", "auto", "insights-first"):
            results.append(
                run_source(mode, recording, end, channels, start, end, scratch / "landing", args.workers, typed)
            )
            r = results[-1]
            print(f"  {mode}: {r['requests']:,} requests, {r['seconds']:.1f} s", flush=True)
    text = report(args.size, (start, end), videos, results, args.workers)
    print("\n" + text)
    args.results.write_text(text)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
