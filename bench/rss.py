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


def _argv(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _kind(argv: list[str]) -> str:
    """`java` for a JVM, else the command's module (`python -m X` -> X) or program name."""
    if not argv:
        return "?"
    program = os.path.basename(argv[0])
    if program == "java":
        return "java"
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    return program


def tree_rss_by_process(pid: int) -> dict[int, tuple[str, int]]:
    """pid -> (kind, bytes resident) for `pid` and its descendants right now.

    A child with its parent's very command line is a fork that has not exec'd yet (the JVM starts
    `chmod`, `readlink`... that way, dozens of times a run): its pages are its parent's, so it is not
    counted. Counted, a sample caught during such a spawn showed the JVM twice."""
    tree, out = _children(), {}
    todo: list[tuple[int, list[str] | None]] = [(pid, None)]
    while todo:
        current, parent_argv = todo.pop()
        argv = _argv(current)
        try:
            with open(f"/proc/{current}/statm") as f:
                rss = int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
        if parent_argv is None or argv != parent_argv:
            out[current] = (_kind(argv), rss)
        todo += [(child, argv) for child in tree.get(current, [])]
    return out


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and its descendants right now (0 once it is gone)."""
    return sum(rss for _, rss in tree_rss_by_process(pid).values())


@dataclass
class TreeSampler:
    """Samples `tree_rss(pid)` every `interval_s` in a thread: `with TreeSampler(pid) as s: ...`."""

    pid: int
    interval_s: float = 0.25
    also: tuple[int, ...] = ()  # more process trees counted with it (a kept Spark driver the run attaches to)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (time.time(), bytes)
    by_kind: list[dict[str, int]] = field(default_factory=list)  # per sample: kind -> bytes
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = {}
            for root in (self.pid, *self.also):
                now.update(tree_rss_by_process(root))
            kinds: dict[str, int] = {}
            for kind, rss in now.values():
                kinds[kind] = kinds.get(kind, 0) + rss
            self.samples.append((time.time(), sum(kinds.values())))
            self.by_kind.append(kinds)
            self._stop.wait(self.interval_s)

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        """Highest sample within [start, end] (whole run by default)."""
        inside = [b for t, b in self.samples if (start is None or t >= start) and (end is None or t <= end)]
        return max(inside, default=0)

    def peak_by_kind(self, start: float | None = None, end: float | None = None) -> dict[str, int]:
        """What each kind of process held at the tree's highest sample within [start, end]."""
        inside = [
            i for i, (t, _) in enumerate(self.samples) if (start is None or t >= start) and (end is None or t <= end)
        ]
        if not inside:
            return {}
        return dict(self.by_kind[max(inside, key=lambda i: self.samples[i][1])])

    def kind_peaks(self) -> dict[str, int]:
        """Each kind's own highest sample over the whole run."""
        out: dict[str, int] = {}
        for kinds in self.by_kind:
            for kind, rss in kinds.items():
                out[kind] = max(out.get(kind, 0), rss)
        return out
