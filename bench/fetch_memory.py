"""Fetch a recording's Analytics history through google-api-python-client in this process (no Spark,
no Prefect) and print the pages landed, the time and this process's peak memory.

    python -m bench.fetch_memory --recording bench/.work/medium/recording        # its longest window
    python -m bench.fetch_memory --recording bench/.work/medium/recording --window 2026-09-30..2026-10-29

What an ingest's Python side holds while it asks a year of a 2,000-video channel (~736,000 requests):
the flow's process also runs the Bronze load, so its own figure mixes both. Pages land in a temporary
folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fetch_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recording", type=Path, required=True, help="a recording folder (e.g. made by make bench)")
    parser.add_argument(
        "--window", default=None, help="START..END, one of the recording's Analytics windows (default: the longest)"
    )
    parser.add_argument("--workers", type=int, default=4, help="requests in flight (the source block's default)")
    args = parser.parse_args(argv)
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.clients import build_analytics_api, build_data_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics, fetch_data_api_snapshot
    from tasks.youtube.replay import Recording, ReplayHttp

    recording = Recording.load(args.recording)
    manifest = recording.manifest
    windows = [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in manifest.get("analytics_windows", [])]
    if args.window:
        wanted = tuple(date.fromisoformat(d) for d in args.window.split(".."))
        if wanted not in windows:
            raise SystemExit(f"--window {args.window}: the recording answers only {[f'{s}..{e}' for s, e in windows]}")
        start, end = wanted
    elif windows:
        start, end = max(windows, key=lambda w: w[1] - w[0])
    else:
        start, end = date.fromisoformat(manifest["analytics_start"]), date.fromisoformat(manifest["analytics_end"])
    day = end
    folder = Path(tempfile.mkdtemp(prefix="fetch-memory-"))
    try:
        lander = Lander(LocalLanding(root=str(folder)), run_id="bench", source="replay")
        snapshot = fetch_data_api_snapshot(
            build_data_api(http=ReplayHttp(recording, as_of=day.isoformat(), keep_served=False)),
            lander,
            day,
            list(manifest.get("regions", ["US"]))[:1],
            list(manifest.get("channels", [])),
        )
        started = time.monotonic()
        outcome = fetch_analytics(
            build_analytics_api(http=ReplayHttp(recording, keep_served=False)),
            lander,
            day,
            snapshot.channels,
            start,
            end,
            ApiExecutor(),
            workers=args.workers,
            client_factory=lambda: build_analytics_api(http=ReplayHttp(recording, keep_served=False)),
        )
        seconds = time.monotonic() - started
        print(
            json.dumps(
                {
                    "window": [start.isoformat(), end.isoformat()],
                    "workers": args.workers,
                    "channels": {c: len(v["video_ids"]) for c, v in snapshot.channels.items()},
                    "pages_landed": sum(outcome.pages.values()),
                    "failures": len(outcome.failures),
                    "seconds": round(seconds, 1),
                    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                },
                indent=1,
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
