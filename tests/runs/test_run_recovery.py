"""How a `RUNNING` run-log row of another run is judged: Prefect's state first, then the process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


def test_a_terminal_prefect_state_is_taken_as_it_is():
    from tasks.run_recovery import judge

    for state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
        verdict = judge(state, None)
        assert verdict.status == state and not verdict.crash_in_prefect


@pytest.mark.parametrize("state", ["RUNNING", "PENDING", "PAUSED", "CANCELLING", None])
def test_a_run_prefect_thinks_alive_is_judged_by_its_process(state):
    from tasks.run_recovery import judge

    assert judge(state, True).status is None  # alive: left alone
    assert judge(state, None).status is None  # another host: cannot tell, left alone
    dead = judge(state, False)
    assert dead.status == "CRASHED" and "process is gone" in dead.reason
    assert dead.crash_in_prefect == (state is not None)  # Prefect is told too, when it knows the run


def test_process_identity_tells_a_dead_or_reused_pid_from_a_live_one():
    from tasks.processes import process_alive, this_process

    me = this_process()
    assert me["pid"] == os.getpid() and me["host"] == socket.gethostname()
    assert process_alive(me) is True
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_alive({**me, "pid": child.pid}) is False  # exited
    assert process_alive({**me, "start_ticks": "1"}) is False  # same pid, another process
    assert process_alive({**me, "boot_id": "another-boot"}) is False  # the machine restarted
    assert process_alive({**me, "host": "elsewhere"}) is None and process_alive(None) is None
