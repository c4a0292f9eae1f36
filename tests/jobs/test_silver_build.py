"""The Silver job on crafted pages: bad-record kinds, restatement, the country-day rule, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from blocks.compute import LocalDeltaSpark
from blocks.landing import LocalLanding
from tasks.jobs.silver_build import SILVER_INPUTS
from tasks.landing import Lander, run_prefix

pytestmark = pytest.mark.spark
DAY = date(2026, 10, 20)
CH = "UCcraftedchannel0000000a"


def video(vid, views="100", likes="5", published="2026-10-01T10:00:00Z", **extra):
    item = {
        "kind": "youtube#video",
        "id": vid,
        "snippet": {
            "publishedAt": published,
            "channelId": CH,
            "title": f"Title {vid}",
            "categoryId": "24",
            "tags": ["a"],
            "channelTitle": "Crafted",
        },
        "contentDetails": {"duration": "PT1H2M3S", "definition": "hd"},
        "status": {"privacyStatus": "public"},
        "statistics": {"viewCount": views, "likeCount": likes, "commentCount": "1"},
    }
    item.update(extra)
    return item


def report(headers, rows):
    return {
        "kind": "youtubeAnalytics#resultTable",
        "rows": rows,
        "columnHeaders": [{"name": h, "columnType": "METRIC", "dataType": "INTEGER"} for h in headers],
    }


class Lake:
    def __init__(self, root):
        self.backend = LocalDeltaSpark(lake_root=str(root / "lake"))
        self.landing = LocalLanding(root=str(root / "landing"))

    def land(self, run_id, pages, hour=1, month=10, day=21):
        lander = Lander(
            self.landing, run_id=run_id, source="crafted", clock=lambda: datetime(2026, month, day, hour, tzinfo=UTC)
        )
        for table, endpoint, params, payload, extra in pages:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            lander.land(table, endpoint, params, body, DAY, **extra)
        lander.flush()
        self.backend.run_job("bronze_load", {"landing_location": self.landing.location(run_prefix(run_id))})
        return self.backend.run_job("silver_build", {})

    def rows(self, spark, table):
        return sorted(
            spark.read.format("delta").load(f"{self.backend.lake_location()}/silver/{table}").collect(), key=repr
        )

    def quarantine(self, spark, run_id):
        return {
            (r.target_table, r.reason)
            for r in spark.read.format("delta")
            .load(f"{self.backend.lake_location()}/bronze/quarantine")
            .filter(f"run_id = '{run_id}'")
            .collect()
        }


DAILY = ("views", "likes", "comments", "estimatedMinutesWatched", "averageViewDuration")


def daily(vid, start, end, rows, metrics=DAILY):
    params = {
        "ids": "channel==MINE",
        "startDate": start,
        "endDate": end,
        "dimensions": "day",
        "filters": f"video=={vid}",
        "metrics": ",".join(metrics),
    }
    return (
        "analytics_video_daily_raw",
        "youtubeAnalytics.reports.query",
        params,
        report(["day", *metrics], rows),
        {"channel_id": CH},
    )


def country(vid, start, end, rows):
    params = {
        "ids": "channel==MINE",
        "startDate": start,
        "endDate": end,
        "dimensions": "country",
        "filters": f"video=={vid}",
        "metrics": "views,estimatedMinutesWatched",
    }
    return (
        "analytics_video_country_daily_raw",
        "youtubeAnalytics.reports.query",
        params,
        report(["country", "views", "estimatedMinutesWatched"], rows),
        {"channel_id": CH},
    )


def analytics_page(table, dimensions, metrics, rows, filters=None, start="2026-10-01", end="2026-10-03"):
    params = {"ids": "channel==MINE", "startDate": start, "endDate": end, "dimensions": dimensions}
    params |= {"metrics": ",".join(metrics)} | ({"filters": filters} if filters else {})
    body = report([*dimensions.split(","), *metrics], rows)
    return (table, "youtubeAnalytics.reports.query", params, body, {"channel_id": CH})


CONTENT_TYPES = analytics_page(  # the API's names, camelCase as some answers have them, a type added later
    "analytics_channel_content_type_daily_raw",
    "day,creatorContentType",
    ("views", "engagedViews", "estimatedMinutesWatched", "subscribersGained"),
    [
        ["2026-10-01", "SHORTS", 100, 80, 50, 2],
        ["2026-10-01", "videoOnDemand", 200, 150, 400, 5],
        ["2026-10-01", "HOLOGRAM", 3, 3, 1, 0],
        ["2026-10-02", "liveStream", -1, 0, 0, 0],
    ],
)
RETENTION = "analytics_video_audience_retention_raw", "elapsedVideoTimeRatio"
CURVE = ("audienceWatchRatio", "relativeRetentionPerformance")


@pytest.fixture(scope="module")
def crafted(spark, tmp_path_factory):
    lake = Lake(tmp_path_factory.mktemp("silver"))
    videos = {
        "kind": "youtube#videoListResponse",
        "items": [
            video("good0000001"),
            video("", views="7"),  # missing id
            video("badviews001", views="lots"),  # non-numeric
            video("neglikes001", likes="-3"),  # negative
            video("baddate0001", published="yesterday"),  # unparseable date
            video("newfield001", brandNewField={"x": 1}),  # a new field changes nothing
            {"kind": "youtube#video", "id": "nostats0001", "snippet": {"channelId": CH, "title": "No stats"}},
        ],
    }
    first = lake.land(
        "r1",
        [
            ("videos_raw", "youtube.videos.list", {"part": "snippet", "id": "x"}, videos, {"channel_id": CH}),
            ("videos_raw", "youtube.videos.list", {"part": "snippet", "id": "y"}, {"kind": "x", "items": "oops"}, {}),
            daily(
                "good0000001",
                "2026-10-01",
                "2026-10-03",
                [
                    ["2026-10-01", 10, 1, 0, 20, 120],
                    ["2026-10-02", 20, 2, 0, 40, 120],
                    ["2026-10-03", 30, 3, 1, 60, 120],
                    ["2026-10-0X", 5, 0, 0, 1, 10],
                    ["2026-10-04", "many", 0, 0, 1, 10],
                    ["2026-10-05", -4, 0, 0, 1, 10],
                    ["2026-10-06", 1],
                ],
            ),
            daily(  # asked with engagedViews: 0 is a value, not a missing one
                "engaged0001",
                "2026-10-01",
                "2026-10-02",
                [["2026-10-01", 50, 1, 0, 100, 120, 0], ["2026-10-02", 60, 1, 0, 100, 120, 41]],
                (*DAILY, "engagedViews"),
            ),
            country("good0000001", "2026-10-02", "2026-10-02", [["US", 12, 24], ["DE", 8, 16]]),
            country("good0000001", "2026-10-01", "2026-10-03", [["US", 99, 99]]),
            (
                "analytics_video_device_daily_raw",
                "youtubeAnalytics.reports.query",
                {
                    "ids": "channel==MINE",
                    "startDate": "2026-10-01",
                    "endDate": "2026-10-01",
                    "dimensions": "deviceType,day",
                    "filters": "video==good0000001",
                    "metrics": "views",
                },
                {"error": "not a report"},
                {"channel_id": CH},
            ),
            CONTENT_TYPES,
            analytics_page(
                *RETENTION,
                CURVE,
                [
                    [0.01, 1.2, 0.5],
                    [0.02, 0.9, 0.45],
                    [1.5, 0.5, 0.5],
                    [0.03, -0.1, 0.5],
                    [0.04, 0.8, 1.7],
                    [0.05, "x", 0.5],
                ],
                filters="video==good0000001",
            ),
            analytics_page(*RETENTION, CURVE, [[0.01, 1.0, 0.5]]),  # no video filter: whose curve?
        ],
    )
    return lake, first


def test_good_records_load_beside_bad_ones(spark, crafted):
    lake, first = crafted
    ids = {r.video_id for r in lake.rows(spark, "silver_videos")}
    assert ids == {"good0000001", "newfield001", "nostats0001"}
    assert first["tables"]["silver_videos"]["quarantined"] == 5


def test_each_bad_record_kind_is_quarantined_with_its_reason(spark, crafted):
    lake, _ = crafted
    reasons = lake.quarantine(spark, "r1")
    for expected in [
        ("silver_videos", "missing video id"),
        ("silver_videos", "non-numeric viewCount"),
        ("silver_videos", "negative likeCount"),
        ("silver_videos", "unparseable publishedAt"),
        ("silver_videos", "unexpected payload shape: no list of items"),
        ("fact_video_daily_metrics", "unparseable day"),
        ("fact_video_daily_metrics", "non-numeric views"),
        ("fact_video_daily_metrics", "negative views"),
        ("fact_video_daily_metrics", "row length does not match columnHeaders"),
        ("fact_video_device_metrics", "unexpected payload shape: no columnHeaders"),
        ("fact_channel_content_type_daily", "negative views"),
        ("fact_video_audience_retention", "elapsedVideoTimeRatio outside 0.0..1.0"),
        ("fact_video_audience_retention", "audienceWatchRatio outside >= 0.0"),
        ("fact_video_audience_retention", "relativeRetentionPerformance outside 0.0..1.0"),
        ("fact_video_audience_retention", "non-numeric audienceWatchRatio"),
        ("fact_video_audience_retention", "missing video id: a retention query filters one video"),
    ]:
        assert expected in reasons, expected


def test_content_types_are_named_as_the_api_names_them_and_an_unknown_one_is_kept_and_flagged(spark, crafted):
    lake, first = crafted
    split = {(r.date.day, r.content_type): r.views for r in lake.rows(spark, "fact_channel_content_type_daily")}
    assert split == {(1, "SHORTS"): 100, (1, "VIDEO_ON_DEMAND"): 200, (1, "HOLOGRAM"): 3}
    flags = {r.content_type: r.is_known for r in lake.rows(spark, "dim_content_type")}
    assert flags["HOLOGRAM"] is False and flags["VIDEO_ON_DEMAND"] and flags["SHORTS"] and flags["UNSPECIFIED"]
    assert any("HOLOGRAM" in w and "is_known=false" in w for w in first["warnings"])


def test_retention_points_are_typed_and_bad_points_quarantined_beside_them(spark, crafted):
    lake, _ = crafted
    points = [
        (r.video_id, r.as_of_date, r.window_start, r.elapsed_video_time_ratio, r.audience_watch_ratio)
        for r in lake.rows(spark, "fact_video_audience_retention")
    ]
    start, end = date(2026, 10, 1), date(2026, 10, 3)
    assert points == [("good0000001", end, start, 0.01, 1.2), ("good0000001", end, start, 0.02, 0.9)]


def test_quarantine_rows_point_at_their_source(spark, crafted):
    lake, _ = crafted
    rows = (
        spark.read.format("delta")
        .load(f"{lake.backend.lake_location()}/bronze/quarantine")
        .filter("run_id = 'r1' AND reason = 'non-numeric viewCount'")
        .collect()
    )
    (row,) = rows
    assert json.loads(row.record)["id"] == "badviews001" and ".pages.jsonl#" in row.landing_path
    assert json.loads(row.request)["id"] == "x" and len(row.source_request_id) == 32 and row.stage == "silver"


def test_missing_optional_fields_are_null(spark, crafted):
    lake, _ = crafted
    by_id = {r.video_id: r for r in lake.rows(spark, "silver_videos")}
    assert by_id["nostats0001"].view_count is None and by_id["nostats0001"].duration_seconds is None
    assert by_id["good0000001"].duration_seconds == 3723 and by_id["good0000001"].category_id == 24
    assert by_id["newfield001"].view_count == 100


def test_engaged_views_are_null_where_the_source_gave_none_never_zero(spark, crafted):
    lake, _ = crafted
    engaged = {(r.video_id, r.date.day): r.engaged_views for r in lake.rows(spark, "fact_video_daily_metrics")}
    assert engaged[("engaged0001", 1)] == 0 and engaged[("engaged0001", 2)] == 41
    older = [v for (video_id, _), v in engaged.items() if video_id == "good0000001"]
    assert older and all(v is None for v in older)  # a page asked without engagedViews


def test_country_rows_carry_their_one_requested_day(spark, crafted):
    lake, _ = crafted
    rows = {(r.country_code, r.date): r.views for r in lake.rows(spark, "fact_video_country_metrics")}
    assert rows == {("US", date(2026, 10, 2)): 12, ("DE", date(2026, 10, 2)): 8}
    assert (
        "fact_video_country_metrics",
        "multi-day total: a country row is only dated by a one-day request",
    ) in lake.quarantine(spark, "r1")


def test_running_the_job_again_changes_nothing(spark, crafted):
    lake, _ = crafted
    before = {
        t: lake.rows(spark, t) for t in ("silver_videos", "fact_video_daily_metrics", "silver_video_metadata_scd2")
    }
    again = lake.backend.run_job("silver_build", {})
    assert again["changed"] == [] and set(again["bronze_reads"].values()) == {"none"}
    # what sizes a run is what Silver reads: nothing new here, whatever other Bronze tables hold
    assert set(again["bronze_reads"]) == set(SILVER_INPUTS) and again["bronze_bytes_read"] == 0
    assert {t: lake.rows(spark, t) for t in before} == before


def test_an_overlapping_later_window_restates_without_duplicates(spark, crafted):
    lake, _ = crafted
    second = lake.land(
        "r2",
        [
            daily(
                "good0000001",
                "2026-10-02",
                "2026-10-04",
                [
                    ["2026-10-02", 25, 2, 0, 50, 120],
                    ["2026-10-03", 30, 3, 1, 60, 120],
                    ["2026-10-04", 40, 4, 0, 80, 120],
                ],
            )
        ],
        hour=5,
    )
    facts = {r.date.day: r.views for r in lake.rows(spark, "fact_video_daily_metrics") if r.video_id == "good0000001"}
    assert facts == {1: 10, 2: 25, 3: 30, 4: 40}
    assert second["tables"]["fact_video_daily_metrics"] == {"inserted": 1, "updated": 1, "deleted": 0, "quarantined": 0}
    assert second["bronze_reads"]["analytics_video_daily_raw"] == "change-feed"
    assert second["bronze_reads"]["videos_raw"] == "none"


def test_full_refresh_rebuilds_the_same_values(spark, crafted):
    """Lineage may then name the latest ingest of an unchanged value instead of the first; values are equal.
    The runs before were small, so interpreted; the rebuild is compiled: both evaluations agree."""
    from tasks.silver.merge import LINEAGE_COLUMNS

    lake, first = crafted
    tables = (
        "silver_videos",
        "fact_video_daily_metrics",
        "fact_video_country_metrics",
        "silver_video_metadata_scd2",
        "silver_video_stats_snapshot",
        "silver_trending_videos",
        "silver_channels",
        "dim_category",
        "fact_video_traffic_source_metrics",
        "fact_video_device_metrics",
        "dim_date",
        "dim_country",
    )

    def values(table):
        rows = (tuple(v for k, v in r.asDict().items() if k not in LINEAGE_COLUMNS) for r in lake.rows(spark, table))
        return sorted(rows, key=repr)

    before = {t: values(t) for t in tables}
    rebuilt = lake.backend.run_job("silver_build", {"full_refresh": True, "interpreted": False})
    assert first["interpreted"] is True and rebuilt["interpreted"] is False
    assert set(rebuilt["bronze_reads"].values()) == {"full"}
    assert {t: values(t) for t in tables} == before


def test_optimize_and_vacuum_run_as_a_job(spark, crafted):
    lake, _ = crafted
    result = lake.backend.run_job("silver_maintenance", {"vacuum_retention_hours": 0})
    assert "silver_videos" in result["optimized"] and result["vacuum_retention_hours"] == 0
