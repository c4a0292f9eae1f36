"""Fixtures for the Databricks backend against the offline Jobs API stand-in (tests/support/databricks_standin.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

HOST = "dbc-7f3e9b21-standin.cloud.databricks.com"
TOKEN = "dapi-TEST-standin-token-4b7c"
GIT_URL = "https://github.com/youtube-lakehouse/youtube-lakehouse"
WORKSPACE = "/Workspace/Users/ci@example.com/youtube-lakehouse"
CLUSTER = "0923-164208-meows279"
# The stand-in's workspace catalog is the session catalog of its all-purpose cluster's driver,
# so three-part names `spark_catalog.<layer>.<table>` resolve there as `<catalog>.<layer>.<table>` do on UC.
CATALOG = "spark_catalog"


@pytest.fixture(scope="session")
def standin(tmp_path_factory):
    from tests.support.databricks_standin import DatabricksJobsStandIn

    jobs = DatabricksJobsStandIn(
        host=HOST,
        token=TOKEN,
        work_dir=tmp_path_factory.mktemp("databricks-workspace"),
        code_roots={GIT_URL: REPO_ROOT, WORKSPACE: REPO_ROOT},
    )
    yield jobs
    jobs.stop_all()


@pytest.fixture(scope="session")
def standin_lake(tmp_path_factory):
    return tmp_path_factory.mktemp("databricks-lake")


@pytest.fixture
def make_backend(standin, standin_lake):
    """A DatabricksCompute whose credentials reach the stand-in through an in-process httpx transport."""
    from prefect_databricks import DatabricksCredentials

    from blocks.databricks import DatabricksCompute

    standin.faults.clear()
    standin.poll_errors = standin.lost_submit_answers = standin.poll_timeouts = 0

    def make(**overrides):
        fields = {
            "credentials": DatabricksCredentials(
                databricks_instance=HOST, token=TOKEN, client_kwargs={"transport": standin.transport()}
            ),
            "existing_cluster_id": CLUSTER,
            "git_url": GIT_URL,
            "git_branch": "main",
            "catalog": CATALOG,
            "lake_root": str(standin_lake),
            "warehouse_http_path": "/sql/1.0/warehouses/5d1a0e7c",
            "poll_interval_seconds": 0.3,
            "timeout_seconds": 900,
            **overrides,
        }
        return DatabricksCompute(**fields)

    return make


@pytest.fixture(scope="session")
def standin_server(standin):
    """The same stand-in over HTTPS on 127.0.0.1, for blocks that are saved (no transport object)."""
    with standin.serve() as server:
        yield server
