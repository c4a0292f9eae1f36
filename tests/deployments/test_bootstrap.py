"""`python -m deployments.bootstrap` against a real Prefect server: block types, blocks, work pool; twice."""

from __future__ import annotations

import pytest

ENV = {
    "YOUTUBE_LAKEHOUSE_LAKE_ROOT": "/data/lake",
    "YOUTUBE_API_KEY": "AIzaTEST-bootstrap-key-31c9",
    "YOUTUBE_REFRESH_TOKEN": "1//TEST-bootstrap-refresh-77d0",
    "YOUTUBE_CLIENT_ID": "cid.apps.googleusercontent.com",
    "YOUTUBE_CLIENT_SECRET": "GOCSPX-TEST-bootstrap-secret",
    "YOUTUBE_REGIONS": "US, GB",
    "DATABRICKS_HOST": "https://dbc-1234.cloud.databricks.com",
    "DATABRICKS_TOKEN": "dapi-TEST-bootstrap-token",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
    "DATABRICKS_LAKE_ROOT": "s3://bucket/lake",
    "DATABRICKS_CLUSTER_ID": "0923-164208-meows279",
    "DATABRICKS_GIT_URL": "https://github.com/org/youtube-lakehouse",
    "DATABRICKS_GIT_BRANCH": "main",
    "YOUTUBE_LAKEHOUSE_S3_BUCKET": "yt-landing",
    "AWS_ACCESS_KEY_ID": "AKIATESTBOOTSTRAP",
    "AWS_SECRET_ACCESS_KEY": "TEST-aws-secret-bootstrap-9f",
    "AWS_DEFAULT_REGION": "us-east-2",
}
SECRETS = [v for k, v in ENV.items() if "KEY" in k or "TOKEN" in k or "SECRET" in k]
assert "TEST-aws-secret-bootstrap-9f" in SECRETS


@pytest.fixture
def forget_bootstrap_blocks(prefect_server):
    """The session's Prefect server is shared: remove what the bootstrap saved (e.g. local-delta-spark/default)."""
    saved: list[str] = []
    yield saved
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for reference in saved:
            slug, name = reference.split("/")
            client.delete_block_document(client.read_block_document_by_name(name, slug).id)


def test_bootstrap_is_idempotent_and_creates_what_prefect_yaml_names(
    prefect_server, monkeypatch, capsys, forget_bootstrap_blocks
):
    from prefect.blocks.core import Block
    from prefect.client.orchestration import get_client

    from deployments.bootstrap import WORK_POOL, main

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    first = main([])
    forget_bootstrap_blocks.extend(first["blocks"])
    second = main([])
    assert first["blocks"] == second["blocks"]
    assert set(first["blocks"]) == {
        "local-delta-spark/default",
        "local-landing/default",
        "youtube-replay-source/sample",
        "youtube-credentials/default",
        "youtube-live-source/default",
        "databricks-credentials/default",
        "databricks-compute/prod",
        "aws-credentials/default",
        "s3-bucket/landing",
        "s3-landing/prod",
    }
    assert {
        "local-delta-spark",
        "databricks-compute",
        "youtube-credentials",
        "databricks-credentials",
        "local-landing",
        "youtube-replay-source",
        "youtube-live-source",
    } <= set(first["block_types"])

    assert Block.load("local-delta-spark/default").lake_root == "/data/lake"
    assert Block.load("youtube-live-source/default").regions == ["US", "GB"]
    compute = Block.load("databricks-compute/prod")
    assert compute.credentials.databricks_instance == "dbc-1234.cloud.databricks.com"
    assert compute.credentials.token.get_secret_value() == "dapi-TEST-bootstrap-token"
    assert compute.existing_cluster_id == "0923-164208-meows279" and compute.git_branch == "main"
    landing = Block.load("s3-landing/prod")
    assert landing.location("run_id=r1") == "s3://yt-landing/landing/run_id=r1"
    assert landing.bucket.credentials.region_name == "us-east-2"
    with get_client(sync_client=True) as client:
        assert client.read_work_pool(WORK_POOL).type == "process"
    printed = capsys.readouterr().out
    assert "work pool: youtube-lakehouse-process (process)" in printed
    assert not any(secret in printed for secret in SECRETS)
