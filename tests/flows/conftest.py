"""One pipeline run on the bundled sample under a real Prefect server, shared by the flow tests."""

from __future__ import annotations

import pytest

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
    return {"root": root, "lake": root / "lake", "landing": root / "landing",
            "backend": "local-delta-spark/test", "landing_ref": "local-landing/test",
            "source": "youtube-replay-source/test"}


@pytest.fixture(scope="session")
def sample_run(saved_blocks):
    from flows.youtube_lakehouse import youtube_lakehouse

    state = youtube_lakehouse(backend=saved_blocks["backend"], source=saved_blocks["source"],
                              landing=saved_blocks["landing_ref"], return_state=True)
    return {**saved_blocks, "state": state, "run_id": str(state.state_details.flow_run_id)}


@pytest.fixture(scope="session")
def sample_rerun(sample_run):
    """Silver after the first run, then the same window run again: Silver after the second."""
    from flows.youtube_lakehouse import youtube_lakehouse
    from tasks.jobs.silver_build import SILVER_TABLES

    def silver():
        return {t: sorted(map(repr, read_delta(sample_run["lake"] / "silver" / t).to_pylist())) for t in SILVER_TABLES}

    before = silver()
    state = youtube_lakehouse(backend=sample_run["backend"], source=sample_run["source"],
                              landing=sample_run["landing_ref"], return_state=True)
    return {"before": before, "after": silver(), "state": state}


def read_delta(path):
    from deltalake import DeltaTable

    return DeltaTable(str(path)).to_pyarrow_table()
