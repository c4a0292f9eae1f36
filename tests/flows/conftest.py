"""One pipeline run on the bundled sample under a real Prefect server, shared by the flow tests."""

from __future__ import annotations

from pathlib import Path

import pytest

GOLD_COLUMNS = {  # DESIGN.md: the Databricks system's users query these names
    "gold_channel_daily_summary": [
        "channel_id",
        "date",
        "views",
        "likes",
        "comments",
        "estimated_minutes_watched",
        "subscribers_gained",
        "subscribers_lost",
        "net_subscribers",
        "engaged_views",
    ],
    "gold_video_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "content_type",
        "views",
        "likes",
        "comments",
        "estimated_minutes_watched",
        "average_view_duration_seconds",
        "engaged_views",
    ],
    "gold_video_country_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "content_type",
        "country_code",
        "country_name",
        "views",
        "estimated_minutes_watched",
    ],
    "gold_video_device_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "content_type",
        "device_type",
        "device_name",
        "views",
        "estimated_minutes_watched",
    ],
    "gold_video_traffic_source_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "content_type",
        "source_id",
        "source_name",
        "views",
        "estimated_minutes_watched",
    ],
    "gold_trending_videos": [
        "region",
        "snapshot_date",
        "rank",
        "video_id",
        "channel_id",
        "channel_title",
        "title",
        "category_id",
        "category_title",
        "views",
        "likes",
        "comments",
    ],
    "gold_trending_category_daily": [
        "region",
        "snapshot_date",
        "category_id",
        "category_title",
        "videos",
        "views",
        "likes",
        "comments",
    ],
    "gold_video_reach_daily": [
        "video_id",
        "channel_id",
        "date",
        "content_type",
        "source_id",
        "source_name",
        "device_type",
        "operating_system",
        "impressions",
        "impressions_ctr",
    ],
    "gold_channel_reach_daily": ["channel_id", "date", "impressions", "impressions_ctr", "views"],
    "gold_channel_content_type_daily": [
        "channel_id",
        "date",
        "content_type",
        "views",
        "engaged_views",
        "estimated_minutes_watched",
        "subscribers_gained",
    ],
    "gold_video_retention": [
        "video_id",
        "channel_id",
        "as_of_date",
        "window_start",
        "content_type",
        "elapsed_video_time_ratio",
        "audience_watch_ratio",
        "relative_retention_performance",
    ],
}
GOLD_GRAINS = {
    "gold_channel_daily_summary": ["channel_id", "date"],
    "gold_video_daily_summary": ["video_id", "date"],
    "gold_video_country_daily_summary": ["video_id", "date", "country_code"],
    "gold_video_device_daily_summary": ["video_id", "date", "device_type"],
    "gold_video_traffic_source_daily_summary": ["video_id", "date", "source_id"],
    "gold_trending_videos": ["region", "snapshot_date", "video_id"],
    "gold_trending_category_daily": ["region", "snapshot_date", "category_id"],
    "gold_video_reach_daily": ["video_id", "date", "source_id", "device_type", "operating_system"],
    "gold_channel_reach_daily": ["channel_id", "date"],
    "gold_channel_content_type_daily": ["channel_id", "date", "content_type"],
    "gold_video_retention": ["video_id", "as_of_date", "elapsed_video_time_ratio"],
}
SECRETS = {
    "api_key": "AIzaTEST-api-key-7f3e9b21",
    "client_id": "TEST-client-id-88a1.apps.googleusercontent.com",
    "client_secret": "GOCSPX-TEST-client-secret-5c2d",
    "refresh_token": "1//TEST-refresh-token-0e4f9a",
}


@pytest.fixture(scope="session")
def saved_blocks(prefect_server, spark, tmp_path_factory):
    """Blocks of a private lake and landing, and a replay source whose credentials hold secrets."""
    from blocks import LocalDeltaSpark, LocalLanding, ReplayYouTubeSource, YouTubeCredentials

    root = tmp_path_factory.mktemp("pipeline")
    LocalDeltaSpark(lake_root=str(root / "lake"), spark_master="local[2]").save("test", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("test", overwrite=True)
    credentials = YouTubeCredentials(**SECRETS)
    credentials.save("test", overwrite=True)
    # `auto` as `make demo` runs it: bulk reports for the days they cover, reports.query for the others
    ReplayYouTubeSource(recording="sample", credentials=credentials, analytics_source="auto").save(
        "test", overwrite=True
    )
    return {
        "root": root,
        "lake": root / "lake",
        "landing": root / "landing",
        "backend": "local-delta-spark/test",
        "landing_ref": "local-landing/test",
        "source": "youtube-replay-source/test",
    }


@pytest.fixture(scope="session")
def sample_run(saved_blocks, tmp_path_factory):
    """The parent flow on the sample, on this worker's Prefect server; its lake is published for other workers."""
    from flows.youtube_lakehouse import youtube_lakehouse

    try:
        state = youtube_lakehouse(
            backend=saved_blocks["backend"],
            source=saved_blocks["source"],
            landing=saved_blocks["landing_ref"],
            return_state=True,
        )
        channels = read_delta(saved_blocks["lake"] / "silver" / "silver_channels").to_pylist()
        mine = next(c["channel_id"] for c in channels if c["title"] == "Lakehouse Labs")  # the sample's 'mine'
    except BaseException as error:
        _publish(tmp_path_factory, {"error": repr(error)})
        raise
    run = {**saved_blocks, "state": state, "run_id": str(state.state_details.flow_run_id), "mine_channel_id": mine}
    result = state.result() if state.is_completed() else None
    _publish(
        tmp_path_factory,
        {"run_id": run["run_id"], "mine_channel_id": mine, "completed": state.is_completed(), "result": result},
        lake=saved_blocks["lake"],
    )
    return run


SAMPLE_LAKE = "sample-lake"
SAMPLE_WAIT_S = 1800


def _publish(tmp_path_factory, info: dict, lake=None) -> None:
    """Copy the lake as the sample run left it, with what the run returned, where every worker finds it
    (once: the first copy published stays)."""
    import json
    import os
    import shutil
    import tempfile

    from tests.conftest import shared_dir

    final = shared_dir(tmp_path_factory) / SAMPLE_LAKE
    if final.exists():
        return
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f"{SAMPLE_LAKE}-"))
    if lake is not None:
        shutil.copytree(lake, staging / "lake")
    (staging / "run.json").write_text(json.dumps(info, default=str))
    try:
        os.rename(staging, final)
    except OSError:  # another worker published first
        shutil.rmtree(staging, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_lake(request, tmp_path_factory):
    """The lake of the sample run as the run left it, and what the run returned, for tests that need its
    tables but not its Prefect record. Read-only: copy it (`lake_copy`) to change it. Under pytest-xdist the
    `sample` unit's worker runs the sample and this waits for it; otherwise the sample runs here."""
    import json
    import os
    import time

    from tests.conftest import SAMPLE_COLLECTED, shared_dir

    final = shared_dir(tmp_path_factory) / SAMPLE_LAKE
    if os.environ.get("PYTEST_XDIST_WORKER") and request.config.stash.get(SAMPLE_COLLECTED, False):
        deadline = time.monotonic() + SAMPLE_WAIT_S
        while not (final / "run.json").exists():
            if time.monotonic() > deadline:
                pytest.fail(f"the sample unit published no lake in {SAMPLE_WAIT_S} s (make test runs --dist loadscope)")
            time.sleep(1)
    elif not (final / "run.json").exists():
        request.getfixturevalue("sample_run")
    info = json.loads((final / "run.json").read_text())
    if "error" in info:
        pytest.fail(f"the sample run failed: {info['error']}")
    return {**info, "lake": final / "lake"}


def copy_sample_lake(sample_lake: dict, saved_blocks: dict, folder: Path) -> dict:
    """A private copy of the sample lake under `folder` (a Delta folder copies in about a second) and a backend
    block for it."""
    import shutil
    import uuid

    from blocks import LocalDeltaSpark

    lake = folder / "lake"
    shutil.copytree(sample_lake["lake"], lake)
    name = f"lake-copy-{uuid.uuid4().hex[:8]}"
    LocalDeltaSpark(lake_root=str(lake), spark_master="local[2]").save(name, overwrite=True)
    return {**saved_blocks, "lake": lake, "backend": f"local-delta-spark/{name}", "sample": sample_lake}


@pytest.fixture
def lake_copy(sample_lake, saved_blocks, tmp_path):
    """A private copy of the sample lake and a backend block for it: change it freely."""
    return copy_sample_lake(sample_lake, saved_blocks, tmp_path)


@pytest.fixture(scope="session")
def sample_rerun(sample_run):
    """Silver after the first run, then the same window run again: Silver after the second."""
    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.jobs.silver_build import SILVER_TABLES

    def silver():
        tables = [("silver", t) for t in SILVER_TABLES] + [("gold", t) for t in GOLD_COLUMNS]
        return {
            f"{layer}.{t}": sorted(map(repr, read_delta(sample_run["lake"] / layer / t).to_pylist()))
            for layer, t in tables
        }

    before = silver()
    state = youtube_lakehouse(  # no test reads the re-run's report page (tests/flows/test_report.py reads the first's)
        backend=sample_run["backend"],
        source=sample_run["source"],
        landing=sample_run["landing_ref"],
        report=False,
        return_state=True,
    )
    return {"before": before, "after": silver(), "state": state}


def assert_country_cells(country: dict, expected: dict, daily: dict, mine_videos: set[str], manifest: dict) -> None:
    """Country cells ({(video, ISO day, country): views}) equal the recorded reports.query cells. On the days the
    bulk reports cover the sample's own channel (`auto`), the report adds one cell, ZZ, holding what the query API
    leaves unattributed (small countries), so each such video-day's countries add up to its views (`daily`)."""
    assert all(key in country for key in expected), sorted(set(expected) - set(country))[:5]
    assert {key: country[key] for key in expected} == expected
    reporting = manifest["reporting"]
    covered = {
        (video, day)
        for video, day in daily
        if video in mine_videos and reporting["first_day"] <= day <= reporting["last_day"]
    }
    extra = set(country) - set(expected)
    assert extra and {c for _, _, c in extra} == {"ZZ"} and {(v, d) for v, d, _ in extra} <= covered
    totals: dict[tuple[str, str], int] = {}
    for (video, day, _), views in country.items():
        totals[(video, day)] = totals.get((video, day), 0) + views
    assert all(totals[key] == daily[key] for key in covered if key in totals)


def read_delta(path):
    from deltalake import DeltaTable

    return DeltaTable(str(path)).to_pyarrow_table()
