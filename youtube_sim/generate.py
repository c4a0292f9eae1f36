"""Generate a recording of any size from the synthetic YouTube world.

    python -m youtube_sim.generate --out /tmp/rec --size sample
    python -m youtube_sim.generate --out /tmp/big --regions US,GB,IN,BR,DE,JP,KR,FR,MX,CA \
        --videos-per-channel 2000 --snapshot-days 90 --analytics-days 365

The generator drives the pipeline's own fetch code against `SynthHttp` through
google-api-python-client and keeps every response with `RecordingHttp`, so a recording holds
exactly the requests the pipeline makes. Same options, same bytes.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from youtube_sim.synth import WorldConfig

SIZES: dict[str, dict[str, Any]] = {
    "sample": {},
    "medium": {
        "regions": ("US", "GB", "IN", "BR", "DE", "JP", "KR", "FR", "MX", "CA"),
        "videos_per_channel": (2000,),
        "snapshot_days": 90,
        "analytics_days": 365,
    },
    "large": {
        "regions": (
            "US",
            "GB",
            "IN",
            "BR",
            "DE",
            "JP",
            "KR",
            "FR",
            "MX",
            "CA",
            "AU",
            "ES",
            "IT",
            "NL",
            "SE",
            "PL",
            "TR",
            "ID",
            "PH",
            "VN",
        ),
        "videos_per_channel": (5000, 1000),
        "snapshot_days": 180,
        "analytics_days": 730,
    },
}


RECORDED_REPORT_TYPES = (
    "channel_basic_a3",
    "channel_traffic_source_a3",
    "channel_device_os_a3",
    "channel_playback_location_a3",
    "channel_demographics_a1",
    "channel_sharing_service_a1",
    "channel_reach_basic_a1",
    "channel_reach_combined_a1",
)
RECORDED_RETENTION_VIDEOS = 10  # the source block's default `retention_top_videos`


def generate(out: str | Path, config: WorldConfig, windows: list[tuple[date, date]] | None = None) -> Path:
    """Write the recording of `config` to `out`; return the folder.

    `windows` are the Analytics windows recorded (default: the whole Analytics range), each asked
    for the channel's videos as of the last snapshot day in it, exactly as an ingest run over that
    window asks. Requests shared by windows (country reports are one day each) are kept once.
    """
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.analytics_sources import plan_sources
    from tasks.youtube.clients import build_analytics_api, build_data_api, build_reporting_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics, fetch_data_api_snapshot, fetch_insights, fetch_reporting
    from tasks.youtube.replay import RecordingHttp, write_recording
    from youtube_sim.synth import SynthHttp, World

    world = World(config)
    windows = windows or [(config.analytics_start, config.analytics_end)]
    regions = list(config.regions) + list(config.chartless_regions)
    channel_refs = ["mine"] + [c.id for c in world.channels[1:]]
    kept: dict[tuple[str | None, str], Any] = {}
    executor = ApiExecutor(max_retries=0, sleep=lambda s: None)
    with tempfile.TemporaryDirectory() as scratch:
        lander = Lander(LocalLanding(root=scratch), run_id="generate", source="synth")
        channels_on: dict[date, dict[str, dict[str, Any]]] = {}
        for day in config.snapshot_dates:
            http = RecordingHttp(SynthHttp(world, day), as_of=day.isoformat())
            outcome = fetch_data_api_snapshot(build_data_api(http=http), lander, day, regions, channel_refs, executor)
            channels_on[day] = outcome.channels
            kept.update(((r.as_of, r.key), r) for r in http.kept)
        for start, end in windows:
            as_of = max((d for d in config.snapshot_dates if start <= d <= end), default=config.snapshot_dates[-1])
            http = RecordingHttp(SynthHttp(world, as_of))
            client = build_analytics_api(http=http)
            fetch_analytics(client, lander, as_of, channels_on[as_of], start, end, executor)
            fetch_insights(client, lander, as_of, channels_on[as_of], start, end, RECORDED_RETENTION_VIDEOS, executor)
            kept.update(((r.as_of, r.key), r) for r in http.kept)
            if config.reporting_history_days:  # the bulk reports, and what `auto` asks reports.query for
                http = RecordingHttp(SynthHttp(world, as_of))
                reports = functools.partial(
                    fetch_reporting,
                    build_reporting_api(http=http),
                    lander.storage,
                    "generate",
                    "synth",
                    list(RECORDED_REPORT_TYPES),
                    False,
                    None,
                    start,
                    end,
                    executor,
                    chunk_bytes=1 << 30,
                )
                fetched = reports()
                reports(watermarks=fetched.report_watermarks)  # a re-run asks too: reports created since
                mine = {cid: info for cid, info in channels_on[as_of].items() if info["ref"] == "mine"}
                plan = plan_sources({cid: "auto" for cid in mine}, set(mine), fetched.report_days, start, end)
                for first, last, ids in plan.query_calls():
                    fetch_analytics(
                        build_analytics_api(http=http), lander, as_of, {c: mine[c] for c in ids}, first, last, executor
                    )
                kept.update(((r.as_of, r.key), r) for r in http.kept)
    manifest = {
        "format_version": 1,
        "generator": {
            k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, date) else v)
            for k, v in asdict(config).items()
        },
        "regions": regions,
        "channels": channel_refs,
        "snapshot_dates": [d.isoformat() for d in config.snapshot_dates],
        "analytics_start": config.analytics_start.isoformat(),
        "analytics_end": config.analytics_end.isoformat(),
        "responses": len(kept),
        "notes": {
            "changed_videos": world.changed_video_ids,
            "unknown_traffic_source_video": world.unknown_source_video_id,
        },
        "reporting": (
            {
                "report_types": list(RECORDED_REPORT_TYPES),
                "channel": world.channels[0].id,
                "restated_day": (config.analytics_end - timedelta(days=config.restated_day_offset)).isoformat(),
                "first_day": (config.analytics_end - timedelta(days=config.reporting_history_days + 1)).isoformat(),
                "last_day": (config.analytics_end - timedelta(days=2)).isoformat(),
            }
            if config.reporting_history_days
            else None
        ),
    }
    if windows != [(config.analytics_start, config.analytics_end)]:
        manifest["analytics_windows"] = [[s.isoformat(), e.isoformat()] for s, e in windows]
    return write_recording(out, manifest, kept.values())


def parse_args(argv: list[str] | None = None) -> tuple[Path, WorldConfig]:
    parser = argparse.ArgumentParser(prog="python -m youtube_sim.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="recording folder to write")
    parser.add_argument("--size", choices=sorted(SIZES), default="sample", help="preset; other options override it")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--regions", help="comma-separated regions with a chart")
    parser.add_argument("--videos-per-channel", help="comma-separated video counts, one per channel")
    parser.add_argument("--snapshot-days", type=int)
    parser.add_argument("--analytics-days", type=int)
    parser.add_argument("--reporting-days", type=int, help="days of bulk reports the channel's jobs have (0: none)")
    parser.add_argument("--end-date", type=date.fromisoformat, help="last snapshot and Analytics day")
    args = parser.parse_args(argv)
    options = dict(SIZES[args.size])
    if args.seed is not None:
        options["seed"] = args.seed
    if args.regions:
        options["regions"] = tuple(r.strip().upper() for r in args.regions.split(",") if r.strip())
    if args.videos_per_channel:
        options["videos_per_channel"] = tuple(int(n) for n in args.videos_per_channel.split(","))
    if args.snapshot_days:
        options["snapshot_days"] = args.snapshot_days
    if args.analytics_days:
        options["analytics_days"] = args.analytics_days
    if args.reporting_days is not None:
        options["reporting_history_days"] = args.reporting_days
    if args.end_date:
        options["snapshot_end"] = args.end_date
    return args.out, WorldConfig(**options)


def main(argv: list[str] | None = None) -> None:
    out, config = parse_args(argv)
    folder = generate(out, config)
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
