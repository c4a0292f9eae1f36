"""Compute backends: where a Spark job runs."""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect.blocks.core import Block
from pydantic import Field

if TYPE_CHECKING:
    from blocks.landing import LandingStorage

REPO_ROOT = Path(__file__).resolve().parent.parent
KEPT_DRIVER_ENV = "YOUTUBE_LAKEHOUSE_KEPT_DRIVER"


@dataclass(frozen=True)
class DbtTarget:
    """How Gold runs dbt for a backend: the profile target, its vars, and (when the backend builds its own
    profile) the output config plus the secret env vars it references, set only while dbt runs."""

    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict, repr=False)

    def profile(self, profile_name: str = "youtube_lakehouse") -> dict[str, Any] | None:
        """The profiles.yml content for this target, or None to use dbt/profiles.yml."""
        if self.output is None:
            return None
        return {profile_name: {"target": self.name, "outputs": {self.name: self.output}}}


class ComputeBackend(Block, abc.ABC):
    """Runs a Spark job by name with its parameters and returns the job's metrics."""

    _block_type_name = "Compute Backend"

    @abc.abstractmethod
    def run_job(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run the Spark job `name` (see `tasks.jobs.JOBS`) and return its metrics."""

    @abc.abstractmethod
    def lake_location(self) -> str:
        """Root of the lake as the jobs see it (a path or URI)."""

    def lake_key(self) -> str:
        """What names this lake for runs that must take turns writing it."""
        return self.lake_location()

    @abc.abstractmethod
    def dbt_target(self) -> DbtTarget:
        """The dbt target for Gold, ready to run in this process."""

    def landing_for_jobs(self, landing: LandingStorage, relative_path: str) -> tuple[str, str | None]:
        """(where this backend's jobs read the landing folder, the origin to record as lineage if that is a copy)."""
        return landing.location(relative_path), None


class LocalDeltaSpark(ComputeBackend):
    """Spark jobs in this process on delta-spark, tables under a local lake root."""

    _block_type_name = "Local Delta Spark"
    _block_type_slug = "local-delta-spark"
    _description = "Runs the pipeline's Spark jobs in-process with delta-spark."

    lake_root: str = Field(
        default=".lake", description="Lake root; relative paths are resolved against the repository root."
    )
    spark_master: str = Field(default="local[*]", description="Spark master, e.g. local[*] or spark://host:7077.")
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description="Extra Spark configuration, applied when the session is created."
    )
    kept_driver: str | None = Field(
        default=None,
        description="Connection file of a kept, warm Spark driver ("
        "`python -m tasks.spark.kept_driver_server --info FILE`, same master and spark_conf) that runs attach "
        "to instead of starting a JVM; when it is absent, busy or started with other settings, a run starts its "
        "own JVM and logs why. Unset: the environment "
        f"variable {KEPT_DRIVER_ENV} of the process running the flow, if set.",
    )

    def kept_driver_file(self) -> str | None:
        """The kept driver runs of this block attach to: the field, else the run's environment."""
        return self.kept_driver or os.environ.get(KEPT_DRIVER_ENV) or None

    def lake_location(self) -> str:
        root = Path(self.lake_root).expanduser()
        return str(root if root.is_absolute() else (REPO_ROOT / root).resolve())

    def dbt_target(self) -> DbtTarget:
        """dbt-spark `method: session` (dbt/profiles.yml) picks up this process's SparkSession, made here if needed."""
        from tasks.spark.session import get_spark

        lake_root = self.lake_location()
        get_spark(
            master=self.spark_master, conf=self.spark_conf, lake_root=lake_root, kept_driver=self.kept_driver_file()
        )
        return DbtTarget(name="local", vars={"lake_root": lake_root})

    def landing_for_jobs(self, landing: LandingStorage, relative_path: str) -> tuple[str, str | None]:
        """Local Spark reads remote landing (S3) from a staging copy under `<lake>/_staging/`."""
        staged = landing.local_copy(relative_path, Path(self.lake_location()) / "_staging")
        if staged is None:
            return landing.location(relative_path), None
        return str(staged), landing.location(relative_path)

    def run_job(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        from tasks.jobs import resolve_job
        from tasks.spark.profile import spark_step
        from tasks.spark.session import get_spark
        from tasks.storage_errors import explain

        job = resolve_job(name)
        lake_root = self.lake_location()
        spark = get_spark(
            master=self.spark_master, conf=self.spark_conf, lake_root=lake_root, kept_driver=self.kept_driver_file()
        )
        with spark_step(spark, f"job {name}"):
            try:
                return job(spark, {**params, "lake_root": lake_root})
            except Exception as exc:
                storage = explain(exc, f"Spark job {name}", f"the lake at {lake_root}")
                if storage is None:
                    raise
                raise storage from exc
