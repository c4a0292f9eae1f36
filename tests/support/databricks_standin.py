"""An offline stand-in for the Databricks Jobs API 2.1 endpoints the backend uses (tests only).

It answers `runs/submit`, `runs/get`, `runs/get-output` and `runs/cancel` behind prefect-databricks'
own HTTP client, either in-process (`transport()`: an httpx transport for the credentials'
`client_kwargs`) or over HTTPS on 127.0.0.1 (`serve()`: for blocks that must be saved). It:
- checks the bearer token and validates every request body against `prefect_databricks.models.jobs`
  (plus the rules the models cannot say: one cluster choice, a git_source for GIT files, token length);
- honours idempotency tokens;
- moves runs PENDING -> RUNNING -> TERMINATED, running the submitted python file with its arguments: on the
  all-purpose cluster (`existing_cluster_id`, tests/support/standin_cluster.py) in a Python process of its own
  attached to the cluster's one driver JVM, whose session catalog is the workspace's catalog for the stand-in's
  life, as Unity Catalog keeps tables between runs; on a job cluster or serverless with a `spark-submit` of its
  own (a fresh driver: the tests only submit such runs, never start them);
- injects faults: a FAILED or INTERNAL_ERROR run, 5xx answers and read timeouts while polling, a lost
  answer to a submit, a run that never ends.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import importlib.metadata
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.standin_cluster import StandInCluster

RUN_OUTPUT_LIMIT = 5 * 1024 * 1024  # get-output returns at most the last 5 MB of logs
SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
    "spark.driver.memory": "2g",
    "spark.sql.catalogImplementation": "in-memory",
}
FAULTS = ("FAILED", "INTERNAL_ERROR", "NEVER_ENDS")


@dataclass
class StandInRun:
    run_id: int
    task_run_id: int
    body: dict[str, Any]
    created: float
    life_cycle_state: str = "PENDING"
    result_state: str | None = None
    state_message: str = "Waiting for cluster"
    fault: str | None = None
    process: subprocess.Popen | None = None
    started: float | None = None
    ended: float | None = None
    command: list[str] = field(default_factory=list)
    folder: Path | None = None
    pending_seen: bool = False

    @property
    def task(self) -> dict[str, Any]:
        return self.body["tasks"][0]


class DatabricksJobsStandIn:
    def __init__(self, host: str, token: str, work_dir: Path, code_roots: dict[str, Path], master: str = "local[2]"):
        self.host = host
        self.token = token
        self.work_dir = work_dir
        self.code_roots = code_roots  # git url or workspace folder -> a local checkout
        self.master = master
        self.runs: dict[int, StandInRun] = {}
        self.tokens: dict[str, int] = {}
        self.requests: list[dict[str, Any]] = []  # every request, for snapshot tests
        self.faults: collections.deque[str] = collections.deque()  # applied to the next submitted runs
        self.poll_errors = 0  # answer this many runs/get calls with a 503 first
        self.lost_submit_answers = 0  # accept this many submits, then answer them 503
        self.poll_timeouts = 0  # let this many runs/get calls time out (after poll_errors)
        self._ids = itertools.count(1000)
        self._lock = threading.RLock()
        work_dir.mkdir(parents=True, exist_ok=True)
        self.cluster = StandInCluster(work_dir / "cluster", master, self._spark_conf())

    # ---- HTTP ---------------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            body = json.loads(request.content) if request.content else None
            self.requests.append(
                {"method": request.method, "path": request.url.path, "params": dict(request.url.params), "body": body}
            )
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return self._error(401, "UNAUTHENTICATED", "Invalid access token.")
            route = (request.method, request.url.path)
            try:
                if route == ("POST", "/api/2.1/jobs/runs/submit"):
                    return self._submit(body or {})
                if route == ("GET", "/api/2.1/jobs/runs/get"):
                    return self._get(request.url.params)
                if route == ("GET", "/api/2.1/jobs/runs/get-output"):
                    return self._get_output(request.url.params)
                if route == ("POST", "/api/2.1/jobs/runs/cancel"):
                    return self._cancel(body or {})
            except _Invalid as exc:
                return self._error(400, "INVALID_PARAMETER_VALUE", str(exc))
            return self._error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.url.path}'")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def _error(status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error_code": code, "message": message})

    # ---- endpoints -----------------------------------------------------------------------------
    def _submit(self, body: dict[str, Any]) -> httpx.Response:
        self._validate_submit(body)
        token = body.get("idempotency_token")
        if token and token in self.tokens:
            return httpx.Response(200, json={"run_id": self.tokens[token]})
        run = StandInRun(
            next(self._ids), next(self._ids), body, time.time(), fault=self.faults.popleft() if self.faults else None
        )
        self.runs[run.run_id] = run
        if token:
            self.tokens[token] = run.run_id
        if self.lost_submit_answers > 0:  # the run exists, but the client never hears of it
            self.lost_submit_answers -= 1
            return self._error(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable.")
        return httpx.Response(200, json={"run_id": run.run_id})

    def _get(self, params: httpx.QueryParams) -> httpx.Response:
        if self.poll_errors > 0:
            self.poll_errors -= 1
            return self._error(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable.")
        if self.poll_timeouts > 0:
            self.poll_timeouts -= 1
            raise httpx.ReadTimeout("The read operation timed out")
        run = self._run(params, by_task=False)
        self._advance(run)
        return httpx.Response(200, json=self._run_json(run))

    def _get_output(self, params: httpx.QueryParams) -> httpx.Response:
        run_id = self._int(params.get("run_id"))
        if run_id in self.runs:
            raise _Invalid(
                "Retrieving the output of runs with multiple tasks is not supported. "
                "Please retrieve the output of each individual task run instead."
            )
        run = self._run(params, by_task=True)
        self._advance(run)
        output: dict[str, Any] = {"metadata": self._task_json(run)}
        logs = self._logs(run)
        if logs is not None:
            output["logs"] = logs[-RUN_OUTPUT_LIMIT:]
            output["logs_truncated"] = len(logs) > RUN_OUTPUT_LIMIT
        if run.result_state == "FAILED":
            trace = self._error_text(run)
            output["error"] = _exception_line(trace)
            output["error_trace"] = trace[-RUN_OUTPUT_LIMIT:]
        return httpx.Response(200, json=output)

    def _cancel(self, body: dict[str, Any]) -> httpx.Response:
        run = self.runs.get(self._int(body.get("run_id")))
        if run is None:
            raise _Invalid(f"Run {body.get('run_id')} does not exist.")
        if run.life_cycle_state not in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
            self._kill(run)
            self._end(run, "CANCELED", "Run cancelled.")
        return httpx.Response(200, json={})

    # ---- run life cycle ------------------------------------------------------------------------
    def _advance(self, run: StandInRun) -> None:
        if run.life_cycle_state == "PENDING":
            if not run.pending_seen:  # the first poll sees PENDING
                run.pending_seen = True
                return
            if run.fault == "INTERNAL_ERROR":
                run.life_cycle_state, run.ended = "INTERNAL_ERROR", time.time()
                run.state_message = (
                    "Cluster 0923-164208-meows279 was terminated. Reason: "
                    "CLOUD_PROVIDER_LAUNCH_FAILURE (CLOUD_FAILURE)."
                )
                return
            on_cluster = run.fault is None and bool(run.task.get("existing_cluster_id"))
            if on_cluster and not self.cluster.ready():
                run.state_message = f"Waiting for cluster {run.task['existing_cluster_id']} to start"
                return
            if on_cluster and self.cluster.error:
                run.life_cycle_state, run.ended = "INTERNAL_ERROR", time.time()
                run.state_message = f"Cluster {run.task['existing_cluster_id']} failed to start: {self.cluster.error}"
                return
            run.life_cycle_state, run.state_message, run.started = "RUNNING", "In run", time.time()
            if run.fault == "FAILED":
                self._end(
                    run,
                    "FAILED",
                    "Task failed with message: injected failure. This caused all downstream tasks to get skipped.",
                )
            elif run.fault != "NEVER_ENDS":
                self._start(run)
            return
        if run.life_cycle_state != "RUNNING" or run.process is None:
            return
        timeout = run.body.get("timeout_seconds") or 0
        if timeout and time.time() - (run.started or 0) > timeout:
            self._kill(run)
            self._end(run, "TIMEDOUT", f"Run timed out after {timeout} seconds.")
        elif run.process.poll() is not None:
            if run.process.returncode == 0:
                self._end(run, "SUCCESS", "")
            else:
                self._end(
                    run,
                    "FAILED",
                    f"Task {run.task['task_key']} failed with message: Workload failed, "
                    "see run output for details. This caused all downstream tasks to get skipped.",
                )

    def _spark_conf(self) -> dict[str, str]:
        return {**SPARK_CONF, "spark.sql.warehouse.dir": str(self.work_dir / "warehouse")}

    def _start(self, run: StandInRun) -> None:
        python_task = run.task["spark_python_task"]
        file = self._resolve_file(run.body, python_task)
        run.folder = self.work_dir / f"run-{run.run_id}"
        run.folder.mkdir(parents=True, exist_ok=True)
        if run.task.get("existing_cluster_id"):
            run.command, env = self.cluster.task_command(file, python_task.get("parameters", []))
        else:
            run.command, env = self._spark_submit(file, python_task.get("parameters", []))
        with open(run.folder / "stdout", "wb") as out, open(run.folder / "stderr", "wb") as err:
            run.process = subprocess.Popen(
                run.command, cwd=run.folder, stdout=out, stderr=err, env=env, start_new_session=True
            )

    def _spark_submit(self, file: Path, parameters: list[str]) -> tuple[list[str], dict[str, str]]:
        spark_submit = Path(sys.executable).parent / "spark-submit"
        command = [
            str(spark_submit),
            "--master",
            self.master,
            "--packages",
            f"io.delta:delta-spark_2.13:{importlib.metadata.version('delta-spark')}",
            *itertools.chain.from_iterable(("--conf", f"{k}={v}") for k, v in self._spark_conf().items()),
            str(file),
            *parameters,
        ]
        env = {
            **os.environ,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
        env.pop("PYTHONPATH", None)  # the entry file must find its own package, as on a cluster
        return command, env

    def _resolve_file(self, body: dict[str, Any], python_task: dict[str, Any]) -> Path:
        if python_task.get("source") == "GIT":
            root = self.code_roots.get(body["git_source"]["git_url"])
            if root is None:
                raise _Invalid(f"Failed to clone {body['git_source']['git_url']}: repository not found")
            file = root / python_task["python_file"]
        else:
            prefix = next((p for p in self.code_roots if python_task["python_file"].startswith(p + "/")), None)
            if prefix is None:
                raise _Invalid(f"File {python_task['python_file']} does not exist in the workspace")
            file = self.code_roots[prefix] / python_task["python_file"][len(prefix) + 1 :]
        if not file.is_file():
            raise _Invalid(f"File {python_task['python_file']} does not exist")
        return file

    def _kill(self, run: StandInRun) -> None:
        if run.process is not None and run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGTERM)
            try:
                run.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(run.process.pid, signal.SIGKILL)
                run.process.wait()

    @staticmethod
    def _end(run: StandInRun, result: str, message: str) -> None:
        run.life_cycle_state, run.result_state, run.state_message, run.ended = (
            "TERMINATED",
            result,
            message,
            time.time(),
        )

    def stop_all(self) -> None:
        """Stop every run still going, and the cluster (test teardown)."""
        for run in list(self.runs.values()):
            self._kill(run)
        self.cluster.stop()

    # ---- views ---------------------------------------------------------------------------------
    def _state(self, run: StandInRun) -> dict[str, Any]:
        state = {
            "life_cycle_state": run.life_cycle_state,
            "state_message": run.state_message,
            "user_cancelled_or_timedout": run.result_state in ("CANCELED", "TIMEDOUT"),
        }
        if run.result_state:
            state["result_state"] = run.result_state
        return state

    def _task_json(self, run: StandInRun) -> dict[str, Any]:
        task = {
            "run_id": run.task_run_id,
            "task_key": run.task["task_key"],
            "state": self._state(run),
            "spark_python_task": run.task["spark_python_task"],
            "start_time": int(run.created * 1000),
            "end_time": int((run.ended or 0) * 1000),
            "attempt_number": 0,
        }
        if run.task.get("existing_cluster_id"):
            task["existing_cluster_id"] = run.task["existing_cluster_id"]
        return task

    def _run_json(self, run: StandInRun) -> dict[str, Any]:
        from prefect_databricks.models import jobs

        answer = {
            "job_id": None,
            "run_id": run.run_id,
            "number_in_job": run.run_id,
            "run_name": run.body.get("run_name"),
            "run_type": "SUBMIT_RUN",
            "state": self._state(run),
            "tasks": [self._task_json(run)],
            "start_time": int(run.created * 1000),
            "end_time": int((run.ended or 0) * 1000),
            "run_page_url": f"https://{self.host}/?o=1234567890#job/runs/{run.run_id}",
            "creator_user_name": "standin@example.com",
            "git_source": run.body.get("git_source"),
        }
        answer = {k: v for k, v in answer.items() if v is not None}
        jobs.Run.model_validate(answer)  # what we answer is a valid Run, too
        return answer

    def _logs(self, run: StandInRun) -> str | None:
        if run.folder is None:
            return None
        return (run.folder / "stdout").read_text(errors="replace")

    def _error_text(self, run: StandInRun) -> str:
        """The Python traceback (spark-submit's PythonRunner sends the driver's stderr to stdout)."""
        if run.folder is None:
            return "injected failure: the task raised before producing output"
        stdout = (run.folder / "stdout").read_text(errors="replace")
        return (
            stdout
            if "Traceback (most recent call last):" in stdout
            else (run.folder / "stderr").read_text(errors="replace")
        )

    def _run(self, params: httpx.QueryParams, by_task: bool) -> StandInRun:
        run_id = self._int(params.get("run_id"))
        for run in self.runs.values():
            if (run.task_run_id if by_task else run.run_id) == run_id:
                return run
        raise _Invalid(f"Run {run_id} does not exist.")

    @staticmethod
    def _int(value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _Invalid(f"Invalid run_id: {value!r}") from None

    # ---- request validation --------------------------------------------------------------------
    @staticmethod
    def _validate_submit(body: dict[str, Any]) -> None:
        from prefect_databricks.models import jobs
        from pydantic import ValidationError

        try:
            jobs.RunSubmitSettings.model_validate(body)
            for task in body.get("tasks") or []:
                jobs.RunSubmitTaskSettings.model_validate(task)
                if task.get("spark_python_task") is not None:
                    jobs.SparkPythonTask.model_validate(task["spark_python_task"])
                if task.get("new_cluster") is not None:
                    jobs.NewCluster.model_validate(task["new_cluster"])
            if body.get("git_source") is not None:
                jobs.GitSource.model_validate(body["git_source"])
        except ValidationError as exc:
            raise _Invalid(f"Invalid request body: {exc}") from None
        tasks = body.get("tasks") or []
        if len(tasks) != 1:
            raise _Invalid("this stand-in runs exactly one task per submitted run")
        task = tasks[0]
        nulls = [k for k, v in task.items() if v is None]
        if nulls:
            raise _Invalid(f"Task fields sent as null: {nulls}")
        if task.get("spark_python_task") is None:
            raise _Invalid("Only spark_python_task is supported by this stand-in")
        clusters = [k for k in ("existing_cluster_id", "new_cluster", "environment_key") if task.get(k)]
        if len(clusters) != 1:
            raise _Invalid(
                f"Exactly one of existing_cluster_id, new_cluster, environment_key is required, got {clusters}"
            )
        if task.get("environment_key") and task["environment_key"] not in {
            e.get("environment_key") for e in body.get("environments") or []
        }:
            raise _Invalid(f"Environment {task['environment_key']!r} is not defined in environments")
        source = task["spark_python_task"].get("source", "WORKSPACE")
        if source not in ("GIT", "WORKSPACE"):
            raise _Invalid(f"Unknown source {source!r}")
        if source == "GIT":
            git = body.get("git_source") or {}
            if not git.get("git_url") or sum(bool(git.get(k)) for k in ("git_branch", "git_tag", "git_commit")) != 1:
                raise _Invalid(
                    "A GIT python file needs git_source with git_url and one of git_branch, git_tag, git_commit"
                )
        elif not task["spark_python_task"]["python_file"].startswith("/"):
            raise _Invalid("A WORKSPACE python file must be an absolute path")
        token = body.get("idempotency_token")
        if token is not None and len(token) > 64:
            raise _Invalid("idempotency_token must be at most 64 characters")

    # ---- HTTPS on loopback ---------------------------------------------------------------------
    def serve(self) -> LoopbackServer:
        return LoopbackServer(self)


def _exception_line(stderr: str) -> str:
    """`KeyError: 'x'`: the last line of the last Python traceback (what Databricks shows as the error)."""
    if "Traceback (most recent call last):" not in stderr:
        return "Workload failed"
    tail = stderr.rsplit("Traceback (most recent call last):", 1)[1].splitlines()
    return next((line for line in tail[1:] if line and not line[0].isspace()), "Workload failed")


class _Invalid(ValueError):
    """A request Databricks would answer with 400 INVALID_PARAMETER_VALUE."""


class LoopbackServer:
    """The stand-in over HTTPS on 127.0.0.1 (a self-signed certificate the client trusts by `verify`)."""

    def __init__(self, standin: DatabricksJobsStandIn):
        import uvicorn

        self.standin = standin
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.cert, key = _self_signed(standin.work_dir)
        config = uvicorn.Config(
            self._asgi,
            host="127.0.0.1",
            port=self.port,
            ssl_certfile=str(self.cert),
            ssl_keyfile=str(key),
            lifespan="off",
            log_level="warning",
            access_log=False,
            interface="asgi3",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="databricks-standin")

    @property
    def instance(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the Databricks stand-in server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    async def _asgi(self, scope: dict, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode()
        request = httpx.Request(
            scope["method"],
            f"https://{self.instance}{scope['path']}" + (f"?{query}" if query else ""),
            headers=[(k.decode(), v.decode()) for k, v in scope["headers"]],
            content=body,
        )
        response = await asyncio.to_thread(self.standin.handle, request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": response.content})


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "standin-cert.pem", folder / "standin-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
