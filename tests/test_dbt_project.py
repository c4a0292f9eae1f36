"""The dbt project parses for both targets, offline, and the databricks profile reads its environment."""

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

DBT = [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]


@pytest.mark.parametrize(
    "target, env",
    [
        ("local", {}),
        (
            "databricks",
            {
                "DATABRICKS_HOST": "adb-1.azuredatabricks.net",
                "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
                "DATABRICKS_TOKEN": "dapi-test",
                "DATABRICKS_CATALOG": "yt",
            },
        ),
    ],
)
def test_dbt_parse(target, env, tmp_path):
    import os

    done = subprocess.run(
        [
            *DBT,
            "parse",
            "--target",
            target,
            "--target-path",
            str(tmp_path / "target"),
            "--vars",
            '{"lake_root": "/tmp/lake"}',
        ],
        cwd=REPO_ROOT / "dbt",
        env={**os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT / "dbt"), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = (tmp_path / "target" / "manifest.json").read_text()
    for model in (
        "gold_channel_daily_summary",
        "gold_trending_category_daily",
        "gold_video_country_daily_summary",
        "gold_channel_reach_daily",
        "gold_video_reach_daily",
        "gold_channel_content_type_daily",
        "gold_video_retention",
        "video_content_type",
    ):
        assert f"model.youtube_lakehouse.{model}" in manifest, model
    assert "test.youtube_lakehouse.sums_to_gold_channel_content_type_daily" in manifest
    assert "unit_test.youtube_lakehouse.gold_channel_daily_summary.net_subscribers_is_gained_minus_lost" in manifest
    assert "unknown_traffic_source" in manifest
