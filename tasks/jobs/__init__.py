"""Spark jobs: plain functions `(spark, params) -> metrics`, looked up by name.

Names map to `module:function` strings so that importing the registry stays light; the same
names are what `tasks.jobs.entry` (the file Databricks runs) accepts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

JOBS: dict[str, str] = {
    "lakehouse_bootstrap": "tasks.jobs.bronze_load:lakehouse_bootstrap",
    "bronze_bootstrap": "tasks.jobs.bronze_load:bootstrap",
    "bronze_load": "tasks.jobs.bronze_load:run",
    "silver_build": "tasks.jobs.silver_build:run",
    "silver_maintenance": "tasks.jobs.silver_build:maintain",
    "lake_maintenance": "tasks.jobs.maintenance:run",
    "retention": "tasks.jobs.retention:run",
    "table_counts": "tasks.jobs.table_counts:run",
    "report_data": "tasks.jobs.report_data:run",
    "smoke_check": "tasks.jobs.smoke_check:run",
    "run_log_start": "tasks.jobs.run_log:start",
    "run_log_finish": "tasks.jobs.run_log:finish",
    "run_log_open": "tasks.jobs.run_log:open_runs",
    "run_log_finalise": "tasks.jobs.run_log:finalise",
}

JobFunction = Callable[[Any, dict[str, Any]], dict[str, Any]]


class UnknownJobError(KeyError):
    """A job name that is not in the registry."""


def resolve_job(name: str) -> JobFunction:
    """The job function registered under `name`."""
    try:
        target = JOBS[name]
    except KeyError:
        raise UnknownJobError(f"unknown Spark job {name!r}; known jobs: {', '.join(sorted(JOBS))}") from None
    module_name, function_name = target.split(":")
    return getattr(importlib.import_module(module_name), function_name)
