"""One pipeline run on the bundled sample under a real Prefect server, shared by the flow tests."""

from __future__ import annotations

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
    ],
    "gold_video_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "views",
        "likes",
        "comments",
        "estimated_minutes_watched",
        "average_view_duration_seconds",
    ],
    "gold_video_country_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "country_code",
        "country_name",
        "views",
        "estimated_minutes_watched",
    ],
    "gold_video_device_daily_summary": [
        "video_id",
        "channel_id",
        "date",
        "device_type",
        "device_name",
        "views",
        "estimated_minutes_watched",
    ],
    "gold_video_traffic_source_daily_summary": [
        "video_id",
        "channel_id",
        "date",
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
}
GOLD_GRAINS = {
    "gold_channel_daily_summary": ["channel_id", "date"],
    "gold_video_daily_summary": ["video_id", "date"],
    "gold_video_country_daily_summary": ["video_id", "date", "country_code"],
    "gold_video_device_daily_summary": ["video_id", "date", "device_type"],
    "gold_video_traffic_source_daily_summary": ["video_id", "date", "source_id"],
    "gold_trending_videos": ["region", "snapshot_date", "video_id"],
    "gold_trending_category_daily": ["region", "snapshot_date", "category_id"],
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
    ReplayYouTubeSource(recording="sample", credentials=credentials).save("test", overwrite=True)
    return {
        "root": root,
        "lake": root / "lake",
        "landing": root / "landing",
        "backend": "local-delta-spark/test",
        "landing_ref": "local-landing/test",
        "source": "youtube-replay-source/test",
    }


@pytest.fixture(scope="session")
def sample_run(saved_blocks):
    from flows.youtube_lakehouse import youtube_lakehouse

    state = youtube_lakehouse(
        backend=saved_blocks["backend"],
        source=saved_blocks["source"],
        landing=saved_blocks["landing_ref"],
        return_state=True,
    )
    channels = read_delta(saved_blocks["lake"] / "silver" / "silver_channels").to_pylist()
    mine = next(c["channel_id"] for c in channels if c["title"] == "Lakehouse Labs")  # the sample's 'mine'
    return {**saved_blocks, "state": state, "run_id": str(state.state_details.flow_run_id), "mine_channel_id": mine}


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
    state = youtube_lakehouse(
        backend=sample_run["backend"], source=sample_run["source"], landing=sample_run["landing_ref"], return_state=True
    )
    return {"before": before, "after": silver(), "state": state}


def read_delta(path):
    from deltalake import DeltaTable

    return DeltaTable(str(path)).to_pyarrow_table()
