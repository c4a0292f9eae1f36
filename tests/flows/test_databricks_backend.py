"""The parent flow on the Databricks backend (the Jobs API stand-in over HTTPS on loopback, a saved block)
gives the same Silver tables as the local backend on the same sample."""

from __future__ import annotations

import pytest

from tests.flows.conftest import read_delta
from tests.support.databricks_fixtures import CATALOG, CLUSTER, GIT_URL, TOKEN


@pytest.fixture(scope="session")
def databricks_run(saved_blocks, standin, standin_server, tmp_path_factory):
    from prefect_databricks import DatabricksCredentials

    from blocks import DatabricksCompute, LocalLanding
    from flows.youtube_lakehouse import youtube_lakehouse

    root = tmp_path_factory.mktemp("databricks-pipeline")
    credentials = DatabricksCredentials(
        databricks_instance=standin_server.instance, token=TOKEN, client_kwargs={"verify": str(standin_server.cert)}
    )
    DatabricksCompute(
        credentials=credentials,
        existing_cluster_id=CLUSTER,
        git_url=GIT_URL,
        git_branch="main",
        catalog=CATALOG,
        lake_root=str(root / "lake"),
        warehouse_http_path="/sql/1.0/warehouses/5d1a0e7c",
        poll_interval_seconds=0.5,
        timeout_seconds=1800,
    ).save("standin", overwrite=True)
    LocalLanding(root=str(root / "landing")).save("databricks-test", overwrite=True)
    first_run = max(standin.runs, default=0)
    state = youtube_lakehouse(
        backend="databricks-compute/standin",
        source=saved_blocks["source"],
        landing="local-landing/databricks-test",
        through="silver",
        return_state=True,
    )
    runs = [run for run_id, run in sorted(standin.runs.items()) if run_id > first_run]
    return {"state": state, "lake": root / "lake", "runs": runs, "run_id": str(state.state_details.flow_run_id)}


def _values(path):
    from tasks.silver.merge import LINEAGE_COLUMNS

    table = read_delta(path)
    table = table.drop_columns([c for c in LINEAGE_COLUMNS if c in table.column_names])
    return sorted(map(repr, table.to_pylist()))


def test_flow_completes_with_every_job_as_a_databricks_run(databricks_run):
    assert databricks_run["state"].is_completed(), databricks_run["state"].message
    jobs = [run.task["task_key"] for run in databricks_run["runs"]]
    assert jobs == ["run_log_start", "bronze_load", "silver_build", "table_counts", "run_log_finish"]
    assert all(run.result_state == "SUCCESS" for run in databricks_run["runs"])


def test_silver_equals_the_local_backends(databricks_run, sample_lake):
    from tasks.jobs.silver_build import SILVER_TABLES

    for table in SILVER_TABLES:
        local = _values(sample_lake["lake"] / "silver" / table)
        remote = _values(databricks_run["lake"] / "silver" / table)
        assert remote == local, f"silver.{table}: {len(remote)} rows on Databricks, {len(local)} locally"


def test_tables_are_registered_in_the_catalog_and_the_run_is_logged(databricks_run, standin):
    counts_run = next(r for r in databricks_run["runs"] if r.task["task_key"] == "table_counts")
    logs = (counts_run.folder / "stdout").read_text()
    assert '"silver_trending_videos": 1800' in logs  # counted through {CATALOG}.silver.*
    log = [
        r
        for r in read_delta(databricks_run["lake"] / "bronze" / "run_context_log").to_pylist()
        if r["run_id"] == databricks_run["run_id"]
    ]
    assert [r["status"] for r in log] == ["COMPLETED"]


def test_run_pages_are_linked_as_artifacts(databricks_run, prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterType

    with get_client(sync_client=True) as client:
        links = client.read_artifacts(
            artifact_filter=ArtifactFilter(type=ArtifactFilterType(any_=["markdown", "link"]))
        )
    urls = {a.data for a in links if (a.key or "").startswith("databricks-run-")}
    assert any(f"#job/runs/{databricks_run['runs'][0].run_id}" in str(u) for u in urls)
