"""Opt-in pytest plugin: CPU seconds and wall seconds of each test, its process tree included (the JVM, the
Prefect server, spark-submit runs), written as JSON lines; works under pytest-xdist.

    CPU_PROFILE=/tmp/cpu.jsonl .venv/bin/python -m pytest -n 2 --dist loadscope -p tests.support.cpu_profile
    .venv/bin/python -m tests.support.cpu_profile /tmp/cpu.jsonl      # per unit of work, most CPU first

A module's (or the sample unit's) fixtures are counted in the test that first needs them.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import tree_cpu_seconds


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    out = os.environ.get("CPU_PROFILE")
    if not out:
        yield
        return
    cpu, wall = tree_cpu_seconds(os.getpid()), time.monotonic()
    yield
    line = {
        "test": item.nodeid,
        "cpu_s": round(tree_cpu_seconds(os.getpid()) - cpu, 2),
        "wall_s": round(time.monotonic() - wall, 2),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
    with open(out, "a") as f:  # one short line per write: workers' lines do not interleave
        f.write(json.dumps(line) + "\n")


def summarize(path: Path) -> list[tuple[str, float, float, int]]:
    """(unit, CPU s, wall s, tests) per unit of work (tests/conftest.py's `unit_of`), most CPU first."""
    from tests.conftest import unit_of

    units: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        unit = units[unit_of(line["test"])]
        unit[0] += line["cpu_s"]
        unit[1] += line["wall_s"]
        unit[2] += 1
    return sorted(((u, c, w, int(n)) for u, (c, w, n) in units.items()), key=lambda row: -row[1])


def main(argv: list[str]) -> None:
    rows = summarize(Path(argv[0]))
    total = sum(cpu for _, cpu, _, _ in rows)
    print(f"{'CPU s':>8} {'wall s':>8} {'tests':>5} {'cum %':>5}  unit")
    running = 0.0
    for unit, cpu, wall, tests in rows:
        running += cpu
        print(f"{cpu:8.1f} {wall:8.1f} {tests:5d} {100 * running / total:5.0f}  {unit}")
    print(f"{total:8.1f} CPU s in {sum(t for *_, t in rows)} tests")


if __name__ == "__main__":
    main(sys.argv[1:])
