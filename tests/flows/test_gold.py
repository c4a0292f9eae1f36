"""Gold after the parent flow on the sample: DESIGN columns, grains, values from the recording, dbt tests."""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter, defaultdict

import pytest

from tests.flows.conftest import GOLD_COLUMNS, GOLD_GRAINS, assert_country_cells, read_delta

pytestmark = [pytest.mark.spark, pytest.mark.prefect_server]
METRICS = (
    "views",
    "likes",
    "comments",
    "estimated_minutes_watched",
    "average_view_duration_seconds",
    "subscribers_gained",
    "subscribers_lost",
    "videos",
)


def gold(run, table):
    return read_delta(run["lake"] / "gold" / table)


def test_every_gold_table_has_exactly_its_design_columns_and_grain(sample_run):
    for table, columns in GOLD_COLUMNS.items():
        data = gold(sample_run, table)
        assert data.column_names == columns, table
        rows = data.to_pylist()
        assert rows, table
        keys = Counter(tuple(r[k] for k in GOLD_GRAINS[table]) for r in rows)
        assert max(keys.values()) == 1, table
        for metric in METRICS:
            if metric in columns:
                assert all(r[metric] is None or r[metric] >= 0 for r in rows), (table, metric)


def test_net_subscribers(sample_run):
    rows = gold(sample_run, "gold_channel_daily_summary").to_pylist()
    assert len(rows) == 60
    assert all(r["net_subscribers"] == r["subscribers_gained"] - r["subscribers_lost"] for r in rows)


def test_the_sample_has_reach_beside_its_views(sample_run):
    """The sample's reach reports (no reports.query has them): each day's
    clicks from impressions stay within the day's views, and the combined report adds up to the basic one."""
    mine = sample_run["mine_channel_id"]
    channel = [r for r in gold(sample_run, "gold_channel_reach_daily").to_pylist() if r["channel_id"] == mine]
    assert len(channel) >= 14
    for r in channel:
        assert 0 < r["impressions_ctr"] < 1 and r["views"] is not None
        assert r["impressions"] * r["impressions_ctr"] <= r["views"] + 1, r
    basic = defaultdict(int)
    for r in read_delta(sample_run["lake"] / "silver" / "silver_report_reach_basic").to_pylist():
        basic[(r["video_id"], r["date"])] += r["video_thumbnail_impressions"]
    combined = defaultdict(int)
    for r in gold(sample_run, "gold_video_reach_daily").to_pylist():
        combined[(r["video_id"], r["date"])] += r["impressions"]
    assert basic and combined == basic


def test_content_types_add_up_to_each_channel_day_and_follow_the_api(sample_run):
    """Views (and engaged views) summed over content types equal the channel's day; every video-level Gold
    table labels a video with the type the API gave it (the synthetic world's), each channel a mix."""
    from youtube_sim.synth import World, WorldConfig

    channel = {(r["channel_id"], r["date"]): r for r in gold(sample_run, "gold_channel_daily_summary").to_pylist()}
    split = defaultdict(lambda: [0, 0])
    types = defaultdict(set)
    for r in gold(sample_run, "gold_channel_content_type_daily").to_pylist():
        split[(r["channel_id"], r["date"])][0] += r["views"]
        split[(r["channel_id"], r["date"])][1] += r["engaged_views"]
        types[r["channel_id"]].add(r["content_type"])
    assert split.keys() == channel.keys()
    for key, (views, engaged) in split.items():
        assert (views, engaged) == (channel[key]["views"], channel[key]["engaged_views"]), key
    assert all({"SHORTS", "VIDEO_ON_DEMAND"} <= t for t in types.values()) and len(types) == 2
    world = World(WorldConfig())
    for table in ("gold_video_daily_summary", "gold_video_traffic_source_daily_summary", "gold_video_reach_daily"):
        labels = {(r["video_id"], r["content_type"]) for r in gold(sample_run, table).to_pylist()}
        assert labels and all(world.videos[v].content_type == t for v, t in labels), table


def test_retention_curves_of_each_channels_most_viewed_videos(sample_run):
    """Ten curves for the channel with more than ten videos, one per video of the small one; 100 points each,
    ordered by the elapsed ratio, Shorts rewatched above 1 at the start; the top by the window's views."""
    curves = defaultdict(list)
    for r in gold(sample_run, "gold_video_retention").to_pylist():
        curves[(r["channel_id"], r["video_id"])].append(r)
    per_channel = Counter(channel for channel, _ in curves)
    assert sorted(per_channel.values()) == [4, 10]
    views = defaultdict(int)
    for r in gold(sample_run, "gold_video_daily_summary").to_pylist():
        views[(r["channel_id"], r["video_id"])] += r["views"]
    for channel in per_channel:
        ranked = sorted((k for k in views if k[0] == channel and views[k] > 0), key=lambda k: -views[k])
        assert {k for k in curves if k[0] == channel} == set(ranked[:10])
    for points in curves.values():
        assert [p["elapsed_video_time_ratio"] for p in sorted(points, key=lambda p: p["elapsed_video_time_ratio"])] == [
            round(i / 100, 2) for i in range(1, 101)
        ]
        assert all(0 <= p["relative_retention_performance"] <= 1 for p in points)
        first = min(points, key=lambda p: p["elapsed_video_time_ratio"])
        assert (first["audience_watch_ratio"] > 1) == (first["content_type"] == "SHORTS")


def test_trending_category_videos_add_up_to_silver_trending(sample_run):
    per_day = defaultdict(int)
    for r in gold(sample_run, "gold_trending_category_daily").to_pylist():
        per_day[(r["region"], r["snapshot_date"])] += r["videos"]
    silver = defaultdict(set)
    for r in read_delta(sample_run["lake"] / "silver" / "silver_trending_videos").to_pylist():
        silver[(r["region"], r["snapshot_date"])].add(r["video_id"])
    assert per_day == {k: len(v) for k, v in silver.items()}


def recorded_pages(recording, path_part):
    for (as_of, key), rec in recording.responses.items():
        if path_part in key and rec.status == 200:
            params = dict(urllib.parse.parse_qsl(key.split("?", 1)[1]))
            try:
                yield as_of, params, json.loads(rec.body)
            except ValueError:
                continue  # the sample's HTML page


def test_trending_category_daily_equals_what_the_recording_says(sample_run, sample_recording):
    """Computed here from the raw responses: chart items grouped by the category valid that day."""
    titles = defaultdict(dict)  # (region, day) -> category id -> title
    for as_of, params, doc in recorded_pages(sample_recording, "/videoCategories?"):
        titles[(params["regionCode"], as_of)] = {int(i["id"]): i["snippet"]["title"] for i in doc["items"]}
    days = sorted(sample_recording.manifest["snapshot_dates"])
    expected = defaultdict(lambda: [0, 0])
    for as_of, params, doc in recorded_pages(sample_recording, "chart=mostPopular"):
        region = params["regionCode"]
        valid = next(titles[(region, d)] for d in reversed(days) if d <= as_of and (region, d) in titles)
        for item in doc["items"]:
            category = int(item["snippet"]["categoryId"])
            cell = expected[(region, as_of, category, valid.get(category))]
            cell[0] += 1
            cell[1] += int(item.get("statistics", {}).get("viewCount", 0))
    actual = {
        (r["region"], r["snapshot_date"].isoformat(), r["category_id"], r["category_title"]): [
            r["videos"],
            r["views"] or 0,
        ]
        for r in gold(sample_run, "gold_trending_category_daily").to_pylist()
    }
    assert actual == dict(expected)


def test_gold_country_and_channel_values_equal_the_recording(sample_run, sample_recording):
    expected_country, expected_channel = {}, {}
    for _, params, doc in recorded_pages(sample_recording, "/v2/reports?"):
        names = [h["name"] for h in doc["columnHeaders"]]
        rows = [dict(zip(names, row, strict=True)) for row in doc.get("rows", [])]
        if params["dimensions"] == "country":
            for row in rows:
                expected_country[(params["filters"][7:], params["startDate"], row["country"])] = row["views"]
        elif params["dimensions"] == "day" and "filters" not in params and params["ids"] == "channel==MINE":
            for row in rows:
                expected_channel[row["day"]] = (row["views"], row["subscribersGained"] - row["subscribersLost"])
    country = {
        (r["video_id"], r["date"].isoformat(), r["country_code"]): r["views"]
        for r in gold(sample_run, "gold_video_country_daily_summary").to_pylist()
    }
    mine = sample_run["mine_channel_id"]
    videos = gold(sample_run, "gold_video_daily_summary").to_pylist()
    daily = {(r["video_id"], r["date"].isoformat()): r["views"] for r in videos}
    mine_videos = {r["video_id"] for r in videos if r["channel_id"] == mine}
    assert_country_cells(country, expected_country, daily, mine_videos, sample_recording.manifest)
    channel = {
        r["date"].isoformat(): (r["views"], r["net_subscribers"])
        for r in gold(sample_run, "gold_channel_daily_summary").to_pylist()
        if r["channel_id"] == mine
    }
    assert channel == expected_channel


def test_run_summary_docs_and_gold_event(sample_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.utilities.asyncutils import run_coro_as_sync

    from tasks.gold import target_path

    async def read():
        async with get_client() as client:
            found = {}
            for key in ("run-summary", "gold-dbt-docs"):
                found[key] = await client.read_artifacts(
                    artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
                )
            events = await client._client.post(
                "/events/filter",
                json={
                    "filter": {
                        "event": {"name": ["youtube.gold.updated"]},
                        "occurred": {"since": "2020-01-01T00:00:00Z"},
                    },
                    "limit": 50,
                },
            )
            return found, events.json()["events"]

    import time

    deadline = time.monotonic() + 30  # events reach the server's store asynchronously
    found, events = run_coro_as_sync(read())
    while not any(e["payload"]["run_id"] == sample_run["run_id"] for e in events) and time.monotonic() < deadline:
        time.sleep(1)
        found, events = run_coro_as_sync(read())
    summary = next(a.data for a in found["run-summary"] if sample_run["run_id"] in a.data)
    for section in (
        "## Time per subflow",
        "| gold |",
        "| gold | gold_trending_category_daily |",
        "| youtube.videos.list |",
        "## Quarantined rows this run: 1",
        "IMMERSIVE_FEED",
    ):
        assert section in summary, section
    assert f"{target_path()}/index.html)" in found["gold-dbt-docs"][0].data  # a markdown link
    (event,) = [e for e in events if e["payload"]["run_id"] == sample_run["run_id"]]
    assert "gold_trending_category_daily" in event["payload"]["models"]
