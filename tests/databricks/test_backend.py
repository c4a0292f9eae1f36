"""DatabricksCompute against the Jobs API stand-in: request bodies, idempotency, polling, cancelling, failures."""

from __future__ import annotations

import json
import signal
import threading

import pytest

from tests.support.databricks_fixtures import CATALOG, CLUSTER, GIT_URL, TOKEN, WORKSPACE

PARAMS = {"full_refresh": False}


def _submits(standin):
    return [r for r in standin.requests if r["path"].endswith("/runs/submit")]


def _cancels(standin):
    return [r["body"]["run_id"] for r in standin.requests if r["path"].endswith("/runs/cancel")]


def test_submit_body_snapshot_existing_cluster_from_git(make_backend, standin_lake):
    backend = make_backend()
    assert backend.submit_payload("silver_build", backend.job_params(PARAMS), "tok-1") == {
        "run_name": "youtube-lakehouse silver_build",
        "tasks": [
            {
                "task_key": "silver_build",
                "spark_python_task": {
                    "python_file": "tasks/jobs/entry.py",
                    "parameters": [
                        "silver_build",
                        "--params",
                        json.dumps({"catalog": "spark_catalog", "full_refresh": False, "lake_root": str(standin_lake)}),
                        "--platform",
                        "databricks",
                    ],
                    "source": "GIT",
                },
                "timeout_seconds": 900,
                "existing_cluster_id": CLUSTER,
            }
        ],
        "timeout_seconds": 900,
        "idempotency_token": "tok-1",
        "git_source": {"git_url": GIT_URL, "git_provider": "gitHub", "git_branch": "main"},
    }


def test_submit_body_snapshot_new_cluster_from_workspace(make_backend):
    cluster = {"spark_version": "16.4.x-scala2.13", "node_type_id": "i3.xlarge", "num_workers": 2}
    backend = make_backend(
        existing_cluster_id=None,
        new_cluster=cluster,
        git_url=None,
        git_branch=None,
        workspace_path=WORKSPACE,
        libraries=[{"pypi": {"package": "pyyaml"}}],
    )
    task = backend.submit_payload("bronze_load", {"landing_location": "s3://b/l"}, "tok-2")["tasks"][0]
    assert task["new_cluster"] == cluster and "existing_cluster_id" not in task
    assert task["spark_python_task"]["python_file"] == f"{WORKSPACE}/tasks/jobs/entry.py"
    assert task["spark_python_task"]["source"] == "WORKSPACE"
    assert task["libraries"] == [{"pypi": {"package": "pyyaml"}}]


def test_submit_body_snapshot_serverless_with_tag(make_backend):
    backend = make_backend(existing_cluster_id=None, serverless=True, git_branch=None, git_tag="v1.2.0")
    payload = backend.submit_payload("table_counts", {}, "tok-3")
    assert payload["tasks"][0]["environment_key"] == "default"
    assert payload["environments"] == [{"environment_key": "default", "spec": {"client": "2"}}]
    assert payload["git_source"] == {"git_url": GIT_URL, "git_provider": "gitHub", "git_tag": "v1.2.0"}


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "existing_cluster_id": None,
            "new_cluster": {"spark_version": "16.4.x-scala2.13", "node_type_id": "i3.xlarge", "num_workers": 1},
        },
        {"existing_cluster_id": None, "serverless": True},
        {"git_url": None, "git_branch": None, "workspace_path": WORKSPACE},
    ],
)
def test_every_body_shape_passes_the_models_the_standin_checks(make_backend, standin, overrides):
    from tasks.databricks_runs import call

    backend = make_backend(**overrides)
    answer = call(
        backend.credentials,
        "post",
        "/2.1/jobs/runs/submit",
        body=backend.submit_payload("table_counts", backend.job_params({}), f"shape-{len(standin.runs)}"),
    )
    assert answer["run_id"] in standin.runs


def test_bad_bodies_are_refused_with_the_apis_message(make_backend):
    from tasks.databricks_runs import DatabricksApiError, call

    backend = make_backend()
    body = backend.submit_payload("table_counts", {}, "x" * 65)
    with pytest.raises(DatabricksApiError, match="idempotency_token must be at most 64"):
        call(backend.credentials, "post", "/2.1/jobs/runs/submit", body=body)
    body = backend.submit_payload("table_counts", {}, "tok-bad")
    body["tasks"][0]["new_cluster"] = {"num_workers": 1}  # no spark_version: the model refuses it
    with pytest.raises(DatabricksApiError, match="HTTP 400 INVALID_PARAMETER_VALUE"):
        call(backend.credentials, "post", "/2.1/jobs/runs/submit", body=body)


def test_wrong_token_is_a_clear_401(make_backend):
    from prefect_databricks import DatabricksCredentials

    from tasks.databricks_runs import DatabricksApiError

    good = make_backend()
    bad = make_backend(
        credentials=DatabricksCredentials(
            databricks_instance=good.credentials.databricks_instance,
            token="dapi-wrong",
            client_kwargs=good.credentials.client_kwargs,
        )
    )
    with pytest.raises(DatabricksApiError, match="HTTP 401 UNAUTHENTICATED") as raised:
        bad.run_job("table_counts", {})
    assert not raised.value.transient and "dapi-wrong" not in str(raised.value)


def test_block_settings_are_validated(make_backend):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="exactly one of existing_cluster_id, new_cluster, serverless"):
        make_backend(serverless=True)
    with pytest.raises(ValidationError, match="exactly one of git_url"):
        make_backend(workspace_path=WORKSPACE)
    with pytest.raises(ValidationError, match="exactly one of git_branch, git_tag, git_commit"):
        make_backend(git_tag="v1")
    with pytest.raises(ValidationError, match="spark_version"):
        make_backend(existing_cluster_id=None, new_cluster={"num_workers": 2})
    with pytest.raises(ValidationError, match="catalog"):
        make_backend(catalog="main; DROP")


def test_a_job_runs_as_one_run_of_the_entry_file(make_backend, standin, standin_lake):
    """tasks/jobs/entry.py run on the cluster; 3 transient 503s and a read timeout while polling are survived."""
    from deltalake import DeltaTable

    standin.poll_errors, standin.poll_timeouts = 3, 1
    metrics = make_backend().run_job("lakehouse_bootstrap", {})
    assert metrics["schemas"] == [f"{CATALOG}.bronze", f"{CATALOG}.silver", f"{CATALOG}.gold"]
    assert f"{CATALOG}.bronze.trending_videos_raw" in metrics["tables"]
    assert DeltaTable(str(standin_lake / "bronze" / "trending_videos_raw")).version() == 0
    run = standin.runs[max(standin.runs)]
    assert run.life_cycle_state == "TERMINATED" and run.result_state == "SUCCESS"
    assert run.command[-5:-3] == ["lakehouse_bootstrap", "--params"] and run.command[-2:] == [
        "--platform",
        "databricks",
    ]
    polls = [r for r in standin.requests if r["path"].endswith("/runs/get")]
    assert polls[:3] and standin.poll_errors == 0 and standin.poll_timeouts == 0
    assert any(
        r["path"].endswith("/runs/get-output") and int(r["params"]["run_id"]) == run.task_run_id
        for r in standin.requests
    )


def test_lost_submit_answer_is_retried_with_the_same_token_and_starts_one_run(make_backend, standin):
    from tasks.databricks_runs import DatabricksRunFailed

    before = len(standin.runs)
    standin.lost_submit_answers = 1
    standin.faults.append("FAILED")
    with pytest.raises(DatabricksRunFailed):
        make_backend().run_job("table_counts", {})
    submits = _submits(standin)[-2:]
    assert submits[0]["body"]["idempotency_token"] == submits[1]["body"]["idempotency_token"]
    assert len(standin.runs) == before + 1


def test_idempotency_token_follows_flow_run_task_run_job_and_params(prefect_server):
    from prefect import flow, task

    from blocks.databricks import idempotency_token

    @task
    def tokens(name, params):
        return idempotency_token(name, params), idempotency_token(name, params)

    @flow
    def twice():
        return tokens("silver_build", {"a": 1}), tokens("silver_build", {"a": 1}), tokens("silver_build", {"a": 2})

    (a1, a2), (b1, _), (c1, _) = twice()
    assert a1 == a2 and len(a1) == 64  # within one task run (and so across its retries): stable
    assert a1 != b1 and a1 != c1  # another task run or other params: another run
    assert idempotency_token("x", {}) != idempotency_token("x", {})  # outside a run: never reused


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("FAILED", r"ended TERMINATED/FAILED: Task failed with message: injected failure"),
        (
            "INTERNAL_ERROR",
            r"ended INTERNAL_ERROR/-: Cluster 0923-164208-meows279 was terminated\. "
            r"Reason: CLOUD_PROVIDER_LAUNCH_FAILURE",
        ),
    ],
)
def test_injected_failures_surface_the_state_message(make_backend, standin, fault, expected):
    from tasks.databricks_runs import DatabricksRunFailed

    standin.faults.append(fault)
    with pytest.raises(DatabricksRunFailed, match=expected) as raised:
        make_backend().run_job("table_counts", {})
    assert "run page: https://" in str(raised.value) and raised.value.run_id in standin.runs


def test_a_failing_job_surfaces_the_tasks_error_output(make_backend, standin):
    """bronze_load without its landing_location raises in the job process: the error and trace come back."""
    from tasks.databricks_runs import DatabricksRunFailed

    with pytest.raises(DatabricksRunFailed) as raised:
        make_backend().run_job("bronze_load", {})
    message = str(raised.value)
    assert "ended TERMINATED/FAILED: Task bronze_load failed" in message
    assert "error: KeyError: 'landing_location'" in message
    assert "Traceback (most recent call last)" in message and "tasks/jobs/bronze_load.py" in message


def test_own_timeout_cancels_the_run(make_backend, standin):
    from tasks.databricks_runs import DatabricksRunTimeout

    standin.faults.append("NEVER_ENDS")
    with pytest.raises(DatabricksRunTimeout, match="did not finish within 2s; it was cancelled") as raised:
        make_backend(timeout_seconds=2).run_job("table_counts", {})
    run = standin.runs[raised.value.run_id]
    assert _cancels(standin)[-1] == run.run_id and run.result_state == "CANCELED"


def test_prefect_task_timeout_cancels_the_run(make_backend, standin, prefect_server):
    from prefect import flow, task

    standin.faults.append("NEVER_ENDS")
    backend = make_backend()

    @task(timeout_seconds=3)
    def run_it():
        return backend.run_job("table_counts", {"n": "prefect-timeout"})

    @flow
    def parent():
        return run_it(return_state=True)

    state = parent(return_state=True)
    assert state.is_failed()
    with pytest.raises(TimeoutError, match="timed out after 3"):
        state.result()
    run = standin.runs[max(standin.runs)]
    assert _cancels(standin)[-1] == run.run_id and run.result_state == "CANCELED"


def test_interrupting_the_wait_cancels_the_run(make_backend, standin):
    """Ctrl-C or the SIGTERM a worker sends on Prefect cancellation arrives while polling.

    A real SIGINT to the main thread, as a terminal sends, with Python's own handler in place for the
    test: a process started in the background by a non-interactive shell inherits SIGINT ignored, and
    then no interrupt arrives at all (so it failed in a CI rehearsal). It is sent again each second, as a
    user presses Ctrl-C again, until the cancel request reaches Databricks; the run's own timeout bounds
    the test either way."""
    standin.faults.append("NEVER_ENDS")
    stop = threading.Event()
    cancelled_before = len(_cancels(standin))

    def interrupt() -> None:
        while not stop.wait(1.0 if interrupt.sent else 2.0) and len(_cancels(standin)) == cancelled_before:
            interrupt.sent += 1
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    interrupt.sent = 0
    sender = threading.Thread(target=interrupt, daemon=True)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    sender.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            make_backend(timeout_seconds=60).run_job("table_counts", {"n": "interrupt"})
    finally:
        stop.set()
        sender.join()
        signal.signal(signal.SIGINT, inherited)
    run = standin.runs[max(standin.runs)]
    assert _cancels(standin)[-1] == run.run_id and run.result_state == "CANCELED"


def test_the_token_never_reaches_the_request_bodies(standin):
    assert TOKEN not in repr([r["body"] for r in standin.requests])
