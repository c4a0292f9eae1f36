"""CPU seconds used by a process and its descendants, read from /proc (Linux)."""

from __future__ import annotations

import os

from bench.rss import _children

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _own_and_reaped(pid: int) -> int:
    """utime + stime + cutime + cstime of `pid`, in clock ticks: its own CPU and its waited-for children's."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return sum(int(x) for x in fields[11:15])


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of `pid` and every live descendant, each with the children it has reaped.

    A descendant that ended and was waited for is in its parent's count; one that ended unreaped (or was
    re-parented to init) is lost, so differences over an interval are lower bounds."""
    tree, ticks, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        ticks += _own_and_reaped(current)
        todo += tree.get(current, [])
    return ticks / CLOCK_TICKS
