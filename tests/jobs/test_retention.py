"""Retention on a lake with old and fresh data: exactly the stale rows are affected, metrics stay, a second
pass changes nothing, and a later refresh brings the metadata back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.jobs.test_silver_build import CH, Lake, daily, video

pytestmark = pytest.mark.spark
AS_OF = date(2026, 10, 25)  # cut-off: 2026-09-25 00:00 UTC with 30 days


def _videos(*items):
    return (
        "videos_raw",
        "youtube.videos.list",
        {"part": "snippet", "id": ",".join(i["id"] for i in items)},
        {"kind": "youtube#videoListResponse", "items": list(items)},
        {"channel_id": CH},
    )


def _by_id(spark, lake, table):
    return {r.video_id: r for r in lake.rows(spark, table)}


@pytest.fixture(scope="module")
def aged(spark, tmp_path_factory):
    from tasks.landing import run_prefix  # noqa: F401  (the crafted lake lands through it)

    lake = Lake(tmp_path_factory.mktemp("retention"))
    # Sept 1: two videos and their metrics; Oct 21: one of them fetched again, and a third video
    lake.land(
        "old",
        [
            _videos(video("oldvideo001"), video("refreshed01")),
            daily("oldvideo001", "2026-08-30", "2026-08-31", [["2026-08-30", 10, 1, 0, 20, 120]]),
        ],
        month=9,
        day=1,
    )
    lake.land("new", [_videos(video("refreshed01", views="200"), video("newvideo001"))], month=10, day=21)
    before = {
        t: lake.rows(spark, t) for t in ("fact_video_daily_metrics", "silver_videos", "silver_video_metadata_scd2")
    }
    first = lake.backend.run_job("retention", {"as_of": AS_OF.isoformat(), "days": 30})
    after = {t: lake.rows(spark, t) for t in before}
    second = lake.backend.run_job("retention", {"as_of": AS_OF.isoformat(), "days": 30})
    return {"lake": lake, "before": before, "first": first, "after": after, "second": second}


def test_exactly_the_stale_rows_are_affected(aged):
    affected = aged["first"]["affected"]
    assert affected["silver.silver_videos"] == 1  # oldvideo001 only
    assert affected["silver.silver_video_metadata_scd2"] == 1
    assert affected["bronze.videos_raw"] == 1 and affected["bronze.analytics_video_daily_raw"] == 1  # a row a page
    assert affected["bronze.quarantine"] == 0
    assert aged["first"]["cutoff_utc"] == "2026-09-25T00:00:00+00:00"
    assert (
        set(aged["first"]["vacuumed"]) == {t for t, n in affected.items() if n} and aged["first"]["vacuum_later"] == []
    )


def test_stale_metadata_is_anonymised_and_metrics_stay(spark, aged):
    lake = aged["lake"]
    videos = _by_id(spark, lake, "silver_videos")
    assert (videos["oldvideo001"].title, videos["oldvideo001"].description, videos["oldvideo001"].tags) == (None,) * 3
    assert videos["oldvideo001"].view_count == 100  # a count, kept
    assert videos["refreshed01"].title == "Title refreshed01" and videos["newvideo001"].title == "Title newvideo001"
    scd2 = _by_id(spark, lake, "silver_video_metadata_scd2")
    assert scd2["oldvideo001"].title is None and scd2["oldvideo001"].attr_hash.startswith("anonymised:")
    assert scd2["refreshed01"].title == "Title refreshed01"
    assert aged["after"]["fact_video_daily_metrics"] == aged["before"]["fact_video_daily_metrics"]


def test_a_second_pass_changes_nothing(spark, aged):
    assert set(aged["second"]["affected"].values()) == {0} and aged["second"]["vacuumed"] == []
    assert {t: aged["lake"].rows(spark, t) for t in aged["after"]} == aged["after"]


def test_a_refresh_brings_the_metadata_back(spark, aged):
    lake = aged["lake"]
    lake.land("later", [_videos(video("oldvideo001"))], month=10, day=24)
    assert _by_id(spark, lake, "silver_videos")["oldvideo001"].title == "Title oldvideo001"
    assert _by_id(spark, lake, "silver_video_metadata_scd2")["oldvideo001"].title == "Title oldvideo001"


def test_bad_parameters_are_refused(aged):
    with pytest.raises(ValueError, match="mode must be one of"):
        aged["lake"].backend.run_job("retention", {"mode": "shred"})
    with pytest.raises(ValueError, match="days must be at least 1"):
        aged["lake"].backend.run_job("retention", {"days": 0})


def test_the_flow_also_removes_old_report_pages_and_landing_folders(aged, prefect_server, tmp_path):
    import os

    from blocks import LocalDeltaSpark, LocalLanding
    from flows.retention import retention

    lake = aged["lake"]
    lake_root = lake.backend.lake_location()
    LocalDeltaSpark(lake_root=lake_root).save("retention", overwrite=True)
    LocalLanding(root=lake.landing.root).save("retention", overwrite=True)
    old = datetime(2026, 9, 1, tzinfo=UTC).timestamp()
    for name in ("old-run", "latest"):
        page = Path(lake_root) / "reports" / name / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("<html>a title</html>")
        os.utime(page, (old, old))
    landed = sorted(Path(lake.landing.root).glob("run_id=*"))
    for f in (Path(lake.landing.root) / "run_id=old").rglob("*"):
        os.utime(f, (old, old))
    result = retention(backend="local-delta-spark/retention", landing="local-landing/retention", days=30, as_of=AS_OF)
    assert result["affected"]["report pages"] == 1 and result["affected"]["landing run folders"] == 1
    assert not (Path(lake_root) / "reports" / "old-run").exists() and (Path(lake_root) / "reports" / "latest").exists()
    assert sorted(Path(lake.landing.root).glob("run_id=*")) == [p for p in landed if p.name != "run_id=old"]
    assert set(result["affected"][t] for t in result["affected"] if "." in t) == {0}  # the job's second pass
