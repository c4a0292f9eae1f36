"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(name))
    return tree


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and its descendants right now (0 once it is gone)."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        todo += tree.get(current, [])
    return total


@dataclass
class TreeSampler:
    """Samples `tree_rss(pid)` every `interval_s` in a thread: `with TreeSampler(pid) as s: ...`."""

    pid: int
    interval_s: float = 0.25
    samples: list[tuple[float, int]] = field(default_factory=list)   # (time.time(), bytes)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "TreeSampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss(self.pid)))
            self._stop.wait(self.interval_s)

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        """Highest sample within [start, end] (whole run by default)."""
        inside = [b for t, b in self.samples if (start is None or t >= start) and (end is None or t <= end)]
        return max(inside, default=0)
