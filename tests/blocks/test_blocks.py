import pytest
from pydantic import SecretStr

from blocks import (
    ComputeBackend,
    LiveYouTubeSource,
    LocalDeltaSpark,
    LocalLanding,
    ReplayYouTubeSource,
    YouTubeCredentials,
)


def test_slugs_match_the_design():
    assert LocalDeltaSpark.get_block_type_slug() == "local-delta-spark"
    assert ReplayYouTubeSource.get_block_type_slug() == "youtube-replay-source"
    assert LiveYouTubeSource.get_block_type_slug() == "youtube-live-source"
    assert YouTubeCredentials.get_block_type_slug() == "youtube-credentials"
    assert LocalLanding.get_block_type_slug() == "local-landing"


def test_compute_backend_is_abstract():
    with pytest.raises(TypeError):
        ComputeBackend()


def test_local_paths_resolve_against_the_repository():
    from tests.conftest import REPO_ROOT

    assert LocalDeltaSpark().lake_location() == str(REPO_ROOT / ".lake")
    assert LocalDeltaSpark(lake_root="/data/lake").lake_location() == "/data/lake"
    assert LocalLanding().location() == str(REPO_ROOT / ".lake" / "landing")


def test_landing_refuses_paths_outside_its_root(tmp_path):
    landing = LocalLanding(root=str(tmp_path))
    with pytest.raises(ValueError, match="escapes"):
        landing.write_bytes("../outside.json", b"{}")


def test_credentials_are_secret_and_checked():
    creds = YouTubeCredentials(api_key="AIza-secret", client_id="id")
    assert isinstance(creds.api_key, SecretStr) and "AIza-secret" not in repr(creds)
    with pytest.raises(ValueError, match="client_secret, refresh_token"):
        creds.oauth()
    full = YouTubeCredentials(client_id="id", client_secret="s", refresh_token="r").oauth()
    assert full.refresh_token == "r" and "https://www.googleapis.com/auth/yt-analytics.readonly" in full.scopes


def test_live_source_needs_some_credential():
    with pytest.raises(ValueError, match="api_key or OAuth"):
        LiveYouTubeSource(credentials=YouTubeCredentials()).data_api(None)


def test_live_source_builds_clients_offline():
    src = LiveYouTubeSource(
        credentials=YouTubeCredentials(api_key="k", client_id="i", client_secret="s", refresh_token="r")
    )
    assert hasattr(src.data_api(None), "videos") and hasattr(src.analytics_api(), "reports")


def test_replay_source_names_the_missing_recording():
    with pytest.raises(FileNotFoundError, match="sample"):
        ReplayYouTubeSource(recording="nope").recording_path()
