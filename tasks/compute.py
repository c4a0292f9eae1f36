"""The Prefect task that sends a Spark job to the chosen compute backend."""

from __future__ import annotations

from typing import Any

from prefect import task


@task(name="run-spark-job", task_run_name="{name}", retries=1, retry_delay_seconds=5)
def run_spark_job(backend: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run job `name` on the backend block `backend`; its metrics. Every job is idempotent."""
    from blocks.resolve import load_backend

    return load_backend(backend).run_job(name, params)


def load_landed_run(backend: str, landing: Any, run_id: str) -> dict[str, Any]:
    """Run `bronze_load` on a run's landed pages (from a local staging copy when the backend cannot read
    the landing storage; the copy is removed afterwards, the original stays). Call inside a flow."""
    import shutil

    from blocks.resolve import load_backend
    from tasks.landing import run_prefix

    job_location, origin = load_backend(backend).landing_for_jobs(landing, run_prefix(run_id))
    try:
        return run_spark_job(backend, "bronze_load", {"landing_location": job_location, "landing_origin": origin})
    finally:
        if origin is not None:
            shutil.rmtree(job_location, ignore_errors=True)
