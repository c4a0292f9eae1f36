"""The Databricks compute backend: each Spark job is one Databricks one-time run of the job entry file."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from typing import Any, Literal

from prefect_databricks import DatabricksCredentials
from pydantic import Field, field_validator, model_validator

from blocks.compute import ComputeBackend, DbtTarget

GitProvider = Literal[
    "gitHub",
    "gitHubEnterprise",
    "gitLab",
    "gitLabEnterpriseEdition",
    "bitbucketCloud",
    "bitbucketServer",
    "azureDevOpsServices",
    "awsCodeCommit",
]
SECRET_TOKEN_ENV = "DBT_ENV_SECRET_DATABRICKS_TOKEN"  # dbt scrubs DBT_ENV_SECRET_* from its logs
SECRET_CLIENT_ENV = "DBT_ENV_SECRET_DATABRICKS_CLIENT_SECRET"


class DatabricksCompute(ComputeBackend):
    """Runs each Spark job as a Databricks one-time run (`runs/submit`) of `tasks/jobs/entry.py`,
    tables in Unity Catalog as `<catalog>.<layer>.<table>`, Gold on a SQL warehouse through dbt-databricks."""

    _block_type_name = "Databricks Compute"
    _block_type_slug = "databricks-compute"
    _description = "Runs the pipeline's Spark jobs as Databricks one-time runs; Gold on a SQL warehouse."

    credentials: DatabricksCredentials = Field(description="Workspace host and a token or an OAuth service principal.")
    # where the runs execute: exactly one of the three
    existing_cluster_id: str | None = Field(default=None, description="Run on this all-purpose cluster.")
    new_cluster: dict[str, Any] | None = Field(
        default=None, description="A Jobs API `new_cluster` spec (spark_version, node_type_id, num_workers, ...)."
    )
    serverless: bool = Field(default=False, description="Run on serverless jobs compute.")
    serverless_client: str = Field(default="2", description="Serverless environment version (`spec.client`).")
    # where the job code comes from: a Git repository, or a folder in the workspace holding this repository
    git_url: str | None = Field(default=None, description="e.g. https://github.com/org/youtube-lakehouse")
    git_provider: GitProvider = "gitHub"
    git_branch: str | None = None
    git_tag: str | None = None
    git_commit: str | None = None
    workspace_path: str | None = Field(
        default=None,
        description="Workspace folder holding this repository, e.g. /Workspace/Users/me/youtube-lakehouse.",
    )
    entry_file: str = Field(default="tasks/jobs/entry.py", description="The job entry file, relative to the code root.")
    libraries: list[dict[str, Any]] = Field(
        default_factory=list, description="Jobs API libraries for cluster runs, e.g. [{'pypi': {'package': 'x'}}]."
    )
    # where the data lives
    catalog: str = Field(
        default="youtube_lakehouse", description="Unity Catalog catalog; schemas bronze, silver, gold."
    )
    lake_root: str = Field(
        description="Storage root of the Bronze and Silver tables: a Unity Catalog external "
        "location such as s3://bucket/youtube-lakehouse."
    )
    warehouse_http_path: str = Field(description="SQL warehouse HTTP path for dbt, e.g. /sql/1.0/warehouses/abc123.")
    # how long to wait
    poll_interval_seconds: float = Field(default=10.0, gt=0)
    timeout_seconds: int = Field(default=3600, gt=0, description="A run still going after this is cancelled.")
    run_name_prefix: str = "youtube-lakehouse"

    @field_validator("catalog")
    @classmethod
    def _catalog_name(cls, value: str) -> str:
        if not value.replace("_", "").isalnum():
            raise ValueError("catalog must be letters, digits and underscores")
        return value

    @model_validator(mode="after")
    def _one_cluster_and_one_code_source(self) -> DatabricksCompute:
        from prefect_databricks.models import jobs

        chosen = [
            n
            for n, on in (
                ("existing_cluster_id", self.existing_cluster_id),
                ("new_cluster", self.new_cluster),
                ("serverless", self.serverless),
            )
            if on
        ]
        if len(chosen) != 1:
            raise ValueError(
                f"set exactly one of existing_cluster_id, new_cluster, serverless (got {chosen or 'none'})"
            )
        if self.new_cluster is not None:
            jobs.NewCluster.model_validate(self.new_cluster)
        for library in self.libraries:
            jobs.Library.model_validate(library)
        if bool(self.git_url) == bool(self.workspace_path):
            raise ValueError("set exactly one of git_url (with a branch, tag or commit) and workspace_path")
        refs = [r for r in (self.git_branch, self.git_tag, self.git_commit) if r]
        if self.git_url and len(refs) != 1:
            raise ValueError("with git_url set exactly one of git_branch, git_tag, git_commit")
        return self

    def lake_location(self) -> str:
        return self.lake_root.rstrip("/")

    def lake_key(self) -> str:
        return f"{self.catalog}:{self.lake_location()}"

    def job_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "lake_root": self.lake_location(), "catalog": self.catalog}

    def submit_payload(self, name: str, params: dict[str, Any], idempotency_token: str) -> dict[str, Any]:
        """The `runs/submit` body: one spark_python_task running the entry file with the job's arguments."""
        python_task: dict[str, Any] = {
            "python_file": self.entry_file if self.git_url else f"{self.workspace_path.rstrip('/')}/{self.entry_file}",
            "parameters": [
                name,
                "--params",
                json.dumps(params, sort_keys=True, default=str),
                "--platform",
                "databricks",
            ],
            "source": "GIT" if self.git_url else "WORKSPACE",
        }
        task: dict[str, Any] = {
            "task_key": name,
            "spark_python_task": python_task,
            "timeout_seconds": self.timeout_seconds,
        }
        payload: dict[str, Any] = {
            "run_name": f"{self.run_name_prefix} {name}",
            "tasks": [task],
            "timeout_seconds": self.timeout_seconds,
            "idempotency_token": idempotency_token,
        }
        if self.existing_cluster_id:
            task["existing_cluster_id"] = self.existing_cluster_id
        elif self.new_cluster is not None:
            task["new_cluster"] = self.new_cluster
        else:
            task["environment_key"] = "default"
            payload["environments"] = [{"environment_key": "default", "spec": {"client": self.serverless_client}}]
        if self.libraries and not self.serverless:
            task["libraries"] = self.libraries
        if self.git_url:
            ref = (
                {"git_branch": self.git_branch}
                if self.git_branch
                else ({"git_tag": self.git_tag} if self.git_tag else {"git_commit": self.git_commit})
            )
            payload["git_source"] = {"git_url": self.git_url, "git_provider": self.git_provider, **ref}
        return payload

    def run_job(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        from tasks.databricks_runs import RunWaiter
        from tasks.jobs import JOBS, UnknownJobError

        if name not in JOBS:
            raise UnknownJobError(f"unknown Spark job {name!r}; known jobs: {', '.join(sorted(JOBS))}")
        job_params = self.job_params(params)
        payload = self.submit_payload(name, job_params, idempotency_token(name, job_params))
        logger = _logger()
        waiter = RunWaiter(
            self.credentials, poll_interval=self.poll_interval_seconds, timeout=self.timeout_seconds, log=logger.warning
        )

        def submitted(run_id: int, url: str | None) -> None:
            logger.info("Databricks run %s for job %s: %s", run_id, name, url or "(no run page url)")
            _link_artifact(name, run_id, url)

        outcome = waiter.run(payload, on_submitted=submitted)
        logger.info("Databricks run %s for job %s succeeded", outcome.run_id, name)
        return outcome.metrics

    def dbt_target(self) -> DbtTarget:
        """The dbt-databricks target for this workspace and warehouse; secrets only as dbt secret env vars."""
        output: dict[str, Any] = {
            "type": "databricks",
            "host": self.credentials.databricks_instance,
            "http_path": self.warehouse_http_path,
            "catalog": self.catalog,
            "schema": "gold",
            "threads": 4,
        }
        env: dict[str, str] = {}
        if self.credentials.token is not None:
            output["token"] = f"{{{{ env_var('{SECRET_TOKEN_ENV}') }}}}"
            env[SECRET_TOKEN_ENV] = self.credentials.token.get_secret_value()
        else:
            output.update(
                auth_type="oauth",
                client_id=self.credentials.client_id,
                client_secret=f"{{{{ env_var('{SECRET_CLIENT_ENV}') }}}}",
            )
            env[SECRET_CLIENT_ENV] = self.credentials.client_secret.get_secret_value()
            if self.credentials.tenant_id:
                output["azure_tenant_id"] = self.credentials.tenant_id
        return DbtTarget(name="databricks", vars={}, output=output, env=env)


def idempotency_token(name: str, params: dict[str, Any]) -> str:
    """Same flow run, task run, job and parameters -> same token: a retried submit (or a Prefect retry of
    the task) gets the run already started instead of a second one. Outside a run: a fresh token."""
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    if context is None:
        return uuid.uuid4().hex
    key = json.dumps(
        [str(context.task_run.flow_run_id), str(context.task_run.id), name, params], sort_keys=True, default=str
    )
    return hashlib.sha256(key.encode()).hexdigest()  # 64 characters, the API's maximum


def _logger() -> logging.Logger | logging.LoggerAdapter:
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("youtube_lakehouse.databricks")


def _link_artifact(name: str, run_id: int, url: str | None) -> None:
    from prefect.context import get_run_context
    from prefect.exceptions import MissingContextError

    if not url:
        return
    try:
        get_run_context()
    except MissingContextError:
        return
    from prefect.artifacts import create_link_artifact

    create_link_artifact(
        link=url,
        link_text=f"Databricks run {run_id}",
        key=f"databricks-run-{name.replace('_', '-')}",
        description=f"Databricks one-time run of job `{name}`",
    )
