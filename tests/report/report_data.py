"""A small report dataset in the shape of `tasks.jobs.report_data.run`'s result (no Spark needed)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def sample_data(days: int = 5, empty: tuple[str, ...] = ()) -> dict[str, Any]:
    end = date(2026, 10, 30)
    dates = [(end - timedelta(days=i)).isoformat() for i in reversed(range(days))]
    categories = [
        {"region": region, "snapshot_date": d, "category": c, "videos": v, "views": v * 1000 + i}
        for region in ("US", "GB")
        for i, d in enumerate(dates)
        for c, v in (("Music", 12), ("Gaming", 8), ("Other", 5))
    ]
    top = [
        {
            "region": "US",
            "snapshot_date": dates[-1],
            "rank": r,
            "previous_rank": {1: 2, 2: 1, 3: None}[r],
            "has_previous_day": True,
            "video_id": f"v{r}",
            "title": f"Video {r} </script><b>bold</b>",
            "channel_title": "Chan",
            "category_title": "Music",
            "views": 1_234_567 // r,
        }
        for r in (1, 2, 3)
    ]
    daily = [
        {
            "channel_id": "UC1",
            "channel": "Channel One",
            "date": d,
            "views": 1000 + i,
            "minutes": 5000 + i,
            "net_subscribers": i - 2,
        }
        for i, d in enumerate(dates)
    ]

    def ranked(label, names):
        return [{label: n, "views": 1000 * (k + 1), "minutes": 600 * (k + 1)} for k, n in enumerate(names)]

    data = {
        "window_start": dates[0],
        "window_end": dates[-1],
        "trending": {
            "categories_by_day": categories,
            "top_videos": top,
            "region_category": [
                {"region": "US", "snapshot_date": dates[-1], "category": "Music", "videos": 12, "views": 12_000}
            ],
        },
        "channels": {
            "daily": daily,
            "top_videos": [{"video_id": "v1", "title": "Video 1", "views": 5000, "minutes": 900}],
            "traffic_sources": ranked("source_name", ["YouTube search", "Suggested videos"]),
            "devices": ranked("device_name", ["Mobile", "Desktop"]),
            "countries": ranked("country_name", ["United States", "Germany"]),
            "demographics": [
                {"age_group": "AGE_18_24", "gender": "FEMALE", "views": 300},
                {"age_group": "AGE_18_24", "gender": "MALE", "views": 200},
            ],
            "playback_locations": ranked("playback_location", ["WATCH", "EMBEDDED"]),
        },
        "health": {
            "table_counts": {"bronze": {"videos_raw": 10}, "silver": {"silver_videos": 5}, "gold": {"g": 3}},
            "quarantine": [
                {"stage": "silver", "target_table": "videos_raw", "reason": "missing id", "rows": 2, "this_run": 1}
            ],
            "runs": [
                {
                    "run_id": "1234567890",
                    "flow_name": "youtube_lakehouse",
                    "status": "COMPLETED",
                    "started_at_utc": "2026-10-30 05:00:00",
                    "api_units": 120,
                }
            ],
            "freshness": [{"table": "gold_channel_daily_summary", "newest": dates[-1], "lag_days": 0}],
        },
    }
    for section in empty:
        group, key = section.split(".")
        data[group][key] = []
    return data
