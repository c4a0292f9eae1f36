"""`make test-quick` (`-m "not slow"`) leaves out exactly the units of minutes: the long units (LONGEST_FIRST) and
every test that needs the sample run; `make test` still collects every test."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import LONGEST_FIRST, REPO_ROOT, SAMPLE_MODULES


def collected(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return {line for line in out.splitlines() if "::" in line}


def test_the_quick_tier_leaves_out_the_long_units_and_the_sample():
    every, quick = collected(), collected("-m", "not slow")
    modules = {nodeid.split("::", 1)[0] for nodeid in quick}
    assert quick < every
    assert not modules & (set(LONGEST_FIRST) | SAMPLE_MODULES), "a long unit in the quick tier"
    # needs `sample_lake` (the sample run) beside a test that does not: only the latter is quick
    assert "tests/flows/test_s3_landing.py::test_write_read_list_locate" in quick
    assert not {n for n in quick if n.startswith("tests/flows/test_s3_landing.py::test_ingest_lands_in_s3")}
    assert "tests/flows/test_auto_analytics.py" not in modules  # `sample_lake` only
    assert "tests/youtube/test_retry_policy.py" in modules and "tests/test_quick_tier.py" in modules
