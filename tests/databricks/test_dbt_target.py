"""Gold on Databricks: the dbt-databricks profile generated from the block, and `dbt parse` with it (offline)."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from tests.conftest import REPO_ROOT
from tests.support.databricks_fixtures import CATALOG, HOST, TOKEN

DBT = [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]


def test_token_profile_keeps_the_token_out_of_the_file(make_backend):
    from tasks.gold import dbt_profile

    target = make_backend().dbt_target()
    assert target.name == "databricks" and target.vars == {}
    with dbt_profile(target) as folder:
        text = (folder / "profiles.yml").read_text()
        assert os.environ["DBT_ENV_SECRET_DATABRICKS_TOKEN"] == TOKEN
    assert TOKEN not in text and "DBT_ENV_SECRET_DATABRICKS_TOKEN" not in os.environ
    assert not folder.exists()
    assert yaml.safe_load(text) == {
        "youtube_lakehouse": {
            "target": "databricks",
            "outputs": {
                "databricks": {
                    "type": "databricks",
                    "host": HOST,
                    "http_path": "/sql/1.0/warehouses/5d1a0e7c",
                    "catalog": CATALOG,
                    "schema": "gold",
                    "threads": 4,
                    "token": "{{ env_var('DBT_ENV_SECRET_DATABRICKS_TOKEN') }}",
                }
            },
        }
    }
    assert TOKEN not in repr(target)


def test_oauth_service_principal_profile(make_backend):
    from prefect_databricks import DatabricksCredentials

    credentials = DatabricksCredentials(databricks_instance=HOST, client_id="sp-7c1e", client_secret="dose-TEST-secret")
    target = make_backend(credentials=credentials).dbt_target()
    output = target.profile()["youtube_lakehouse"]["outputs"]["databricks"]
    assert output["auth_type"] == "oauth" and output["client_id"] == "sp-7c1e" and "token" not in output
    assert output["client_secret"] == "{{ env_var('DBT_ENV_SECRET_DATABRICKS_CLIENT_SECRET') }}"
    assert target.env == {"DBT_ENV_SECRET_DATABRICKS_CLIENT_SECRET": "dose-TEST-secret"}


def test_dbt_parse_with_the_generated_profile(make_backend, tmp_path):
    from tasks.gold import dbt_profile

    target = make_backend().dbt_target()
    with dbt_profile(target) as folder:
        done = subprocess.run(
            [
                *DBT,
                "parse",
                "--target",
                target.name,
                "--profiles-dir",
                str(folder),
                "--target-path",
                str(tmp_path / "target"),
            ],
            cwd=REPO_ROOT / "dbt",
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout[-3000:]
    assert TOKEN not in done.stdout + done.stderr
    manifest = (tmp_path / "target" / "manifest.json").read_text()
    assert '"adapter_type": "databricks"' in manifest
    assert "model.youtube_lakehouse.gold_channel_daily_summary" in manifest
