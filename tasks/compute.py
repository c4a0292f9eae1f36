"""The Prefect task that sends a Spark job to the chosen compute backend."""

from __future__ import annotations

from typing import Any

from prefect import task


@task(name="run-spark-job", task_run_name="{name}", retries=1, retry_delay_seconds=5)
def run_spark_job(backend: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run job `name` on the backend block `backend`; its metrics. Every job is idempotent."""
    from blocks.resolve import load_backend

    return load_backend(backend).run_job(name, params)
