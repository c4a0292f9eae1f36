"""The pipeline's Spark jobs on a real Spark standalone cluster (a master and two workers on 127.0.0.1,
started from pyspark's own spark-class): a Kaggle trending drop landed, loaded to Bronze and built into
Silver, with the CSV parsed in Python on the executors (the `tasks` code shipped by the driver)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.spark

CHILD = r"""
import json, sys
from datetime import date
from pathlib import Path
from blocks import LocalDeltaSpark, LocalLanding
from tasks.file_drops import land_drops
from tasks.landing import Lander, run_prefix
from tasks.spark.session import get_spark

url, root, drop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
backend = LocalDeltaSpark(lake_root=str(root / "lake"), spark_master=url)
landing = LocalLanding(root=str(root / "landing"))
land_drops(Lander(landing, run_id="cluster", source="file_drop"), drop, "kaggle", 2017, date(2017, 11, 14))
backend.run_job("lakehouse_bootstrap", {})
bronze = backend.run_job("bronze_load", {"landing_location": landing.location(run_prefix("cluster"))})
silver = backend.run_job("silver_build", {})
spark = get_spark()
trending = spark.read.format("delta").load(f"{backend.lake_location()}/silver/silver_trending_videos")
executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1     # minus the driver
rows = sorted([r.region, str(r.snapshot_date), r.video_id, r.rank, r.view_count] for r in trending.collect())
print(json.dumps({"master": spark.sparkContext.master, "executors": executors, "bronze": bronze["rows_inserted"],
                  "trending": rows, "silver_changed": silver["changed"]}))
"""


def _local(spark, tmp_path, drop) -> list:
    from datetime import date

    from blocks import LocalDeltaSpark, LocalLanding
    from tasks.file_drops import land_drops
    from tasks.landing import Lander, run_prefix

    backend = LocalDeltaSpark(lake_root=str(tmp_path / "local-lake"))
    landing = LocalLanding(root=str(tmp_path / "local-landing"))
    land_drops(Lander(landing, run_id="local", source="file_drop"), drop, "kaggle", 2017, date(2017, 11, 14))
    backend.run_job("lakehouse_bootstrap", {})
    backend.run_job("bronze_load", {"landing_location": landing.location(run_prefix("local"))})
    backend.run_job("silver_build", {})
    trending = spark.read.format("delta").load(f"{backend.lake_location()}/silver/silver_trending_videos")
    return sorted([r.region, str(r.snapshot_date), r.video_id, r.rank, r.view_count] for r in trending.collect())


def test_jobs_run_on_a_standalone_cluster(spark, tmp_path):
    from tasks.spark.standalone import StandaloneCluster

    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("USvideos.csv", "US_category_id.json"):
        (drop / name).write_bytes((REPO_ROOT / "tests" / "fixtures" / "kaggle" / name).read_bytes())
    with StandaloneCluster(workers=2, cores=1, memory="1g", work_dir=tmp_path / "cluster") as cluster:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, cluster.url, str(tmp_path), str(drop)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            env={"PYTHONPATH": str(REPO_ROOT), **_env()},
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["master"] == cluster.url and result["executors"] == 2
    assert result["bronze"]["trending_videos_raw"] == 1 and "silver_trending_videos" in result["silver_changed"]
    assert result["trending"] and result["trending"] == _local(spark, tmp_path, drop)  # as on local[*]
    assert all(p.poll() is not None for p in cluster.processes) or not cluster.processes  # stopped


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
