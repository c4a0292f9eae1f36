"""Shared fixtures. The expensive ones (Spark, the Prefect server, a pipeline run) are session-scoped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.databricks_fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "tasks" / "youtube" / "recordings" / "sample"


SAMPLE_GROUP = "sample"
# The modules whose tests read the sample run's Prefect record (`sample_run`, `sample_rerun`): one unit of work,
# since that record lives on one worker's Prefect server. Tests that need only the sample's tables use
# `sample_lake` instead and run anywhere. The collection fails when a module that uses them is missing here.
SAMPLE_MODULES = frozenset(
    f"tests/flows/{name}.py"
    for name in ("test_assets_and_backfill", "test_gold", "test_pipeline", "test_report", "test_silver",
                 "test_smoke_check")
)  # fmt: skip
# Units that take longest (tests/README.md, "Durations"), handed to the workers first so that no worker starts a
# long one near the end; the other units follow in collection order. Their tests are marked `slow`.
LONGEST_FIRST = (
    SAMPLE_GROUP,
    "tests/deployments/test_deploy_e2e.py",
    "tests/flows/test_databricks_backend.py",
    "tests/file_drops/test_import.py",
    "tests/reporting/test_reporting_lake.py",
    "tests/flows/test_gold_failures.py",
    "tests/spark/test_standalone_cluster.py",
    "tests/spark/test_session_start.py",
    "tests/flows/test_failures.py",
    "tests/jobs/test_silver_build.py",
    "tests/flows/test_key_only.py",
    "tests/file_drops/test_messy_drops.py",
    "tests/jobs/test_retention.py",
    "tests/spark/test_kept_driver.py",
    "tests/reliability/test_corpus.py",
    "tests/flows/test_temporary_server.py",
    "tests/flows/test_killed_runs.py",
    "tests/databricks/test_backend.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to under pytest-xdist: its module, or `sample`."""
    module = nodeid.split("::", 1)[0]
    return SAMPLE_GROUP if module in SAMPLE_MODULES else module


def pytest_configure(config):
    """Each worker its own dbt target folder: dbt writes its parse state and results there, and two workers'
    dbt runs must not share them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["DBT_TARGET_PATH"] = str(REPO_ROOT / "dbt" / "target" / f"pytest-{worker}")


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` with our units (`unit_of`) in the order the collection gives (longest first)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    config.option.loadscopereorder = False
    return Units(config, log)


# Fixtures that run the whole sample pipeline (or wait for the worker that runs it): minutes.
SAMPLE_FIXTURES = frozenset({"sample_run", "sample_rerun", "sample_lake", "lake_copy"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the `slow` mark given here
def pytest_collection_modifyitems(config, items):
    """Longest units first, and marked `slow` with every test that needs the sample run (`make test-quick`
    leaves them out); a module that uses the sample run's Prefect record must be in SAMPLE_MODULES."""
    unlisted = sorted(
        {i.nodeid.split("::", 1)[0] for i in items if {"sample_run", "sample_rerun"} & set(i.fixturenames)}
        - SAMPLE_MODULES
    )
    if unlisted:
        raise pytest.UsageError(f"add {unlisted} to SAMPLE_MODULES in tests/conftest.py (they use sample_run)")
    rank = {unit: n for n, unit in enumerate(LONGEST_FIRST)}
    for item in items:
        if unit_of(item.nodeid) in rank or SAMPLE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda i: rank.get(unit_of(i.nodeid), len(rank)))  # stable: collection order within a unit


SAMPLE_COLLECTED = pytest.StashKey[bool]()


def pytest_collection_finish(session):
    """Whether this session runs the `sample` unit (after -k and -m): then a worker that needs the sample lake
    waits for that unit's run instead of running the sample itself."""
    session.config.stash[SAMPLE_COLLECTED] = any(unit_of(i.nodeid) == SAMPLE_GROUP for i in session.items)


def shared_dir(tmp_path_factory) -> Path:
    """A folder all workers of this session share (pytest-xdist's workers each get a basetemp below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def sample_recording():
    from tasks.youtube.replay import Recording

    return Recording.load(SAMPLE)


@pytest.fixture(scope="session")
def prefect_server():
    """A real Prefect server (SQLite, loopback) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def spark():
    from tasks.spark.session import get_spark, stop_spark

    session = get_spark(master="local[2]")
    yield session
    stop_spark()
