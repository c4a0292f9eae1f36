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
        "creators": {
            "reach_daily": [
                {"channel_id": "UC1", "date": d, "impressions": 20_000 + 100 * i, "ctr": 0.04 + i / 1000}
                for i, d in enumerate(dates)
            ],
            "reach_top_videos": [
                {"video_id": "v1", "title": "Video 1", "impressions": 9000, "ctr": 0.061},
                {"video_id": "v2", "title": "Video 2", "impressions": 4000, "ctr": 0.023},
            ],
            "content_types": [
                {
                    "content_type": "SHORTS",
                    "views": 3000,
                    "engaged_views": 1200,
                    "minutes": 900,
                    "subscribers_gained": 4,
                },
                {
                    "content_type": "VIDEO_ON_DEMAND",
                    "views": 2000,
                    "engaged_views": 1900,
                    "minutes": 9000,
                    "subscribers_gained": 9,
                },
            ],
            "content_type_daily": [
                {"date": d, "content_type": t, "views": v + i}
                for i, d in enumerate(dates)
                for t, v in (("SHORTS", 600), ("VIDEO_ON_DEMAND", 400))
            ],
            "retention": [
                {
                    "video_id": vid,
                    "title": title,
                    "content_type": kind,
                    "elapsed": k / 100,
                    "watching": start * (1 - k / 250),
                    "relative": 0.5,
                }
                for vid, title, kind, start in (
                    ("v1", "Video 1", "SHORTS", 1.3),
                    ("v2", "Video 2", "VIDEO_ON_DEMAND", 0.9),
                )
                for k in range(1, 101)
            ],
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
