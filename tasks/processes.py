"""Which process runs a flow, and whether a recorded one still runs (on this host): what the run log records
to tell later that a run died (`tasks.run_recovery`), and what a kept Spark driver checks of its users."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (None where /proc has no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the command name may hold spaces


def this_process() -> dict[str, Any]:
    """Who runs this flow: what `process_alive` needs to tell later whether it still runs."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "boot_id": _boot_id(), "start_ticks": _start_ticks(pid)}


def process_alive(recorded: dict[str, Any] | None) -> bool | None:
    """Whether the recorded process still runs: True, False, or None when this host cannot tell."""
    if not recorded or recorded.get("host") != socket.gethostname() or not recorded.get("pid"):
        return None
    if recorded.get("boot_id") and _boot_id() and recorded["boot_id"] != _boot_id():
        return False  # the machine restarted since
    pid = int(recorded["pid"])
    if Path("/proc").is_dir() and recorded.get("start_ticks"):
        return _start_ticks(pid) == recorded["start_ticks"]  # gone, or the pid now names another process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
