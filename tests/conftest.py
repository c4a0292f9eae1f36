"""Shared fixtures. The expensive ones (Spark, the Prefect server, a pipeline run) are session-scoped."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.databricks_fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "tasks" / "youtube" / "recordings" / "sample"


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
