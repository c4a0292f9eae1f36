"""Ad-hoc runs (`python -m flows.<flow>` without `PREFECT_API_URL`) start Prefect's temporary server themselves,
without importing Prefect's server stack.

Prefect starts its temporary server when a flow first needs the API: it imports its whole server stack into the
flow's process for that (about 5 s on a 2-core machine), then waits for the server's own process to start (about
9 s more). `start_temporary_server` starts the same server (the same `uvicorn` command and environment as
Prefect's `SubprocessASGIServer`) without that import, and returns at once; `TemporaryServer.ready()` waits for it
and points this process (and the processes it starts) at it. In between, the caller can prepare the run (the
parent flow's `main()` starts Spark and imports what its tasks will import). It stops when the process exits,
after Prefect has sent the run's last logs and events, as Prefect's own does.

On start a Prefect server imports every installed Prefect collection to register their block types (with
prefect-aws that is boto3, with prefect-dbt all of dbt), even when it registered them before: it hashes the
block registry to decide. A temporary server serves one run and no UI; a block this project saves registers
its own type as it is saved. So it starts without that catalogue (`QUICK_START`, about 5 s less), unless the
environment or a Prefect profile says otherwise. A server you start yourself is not affected.

A run's process that is killed (SIGKILL, or SIGTERM, which skips `atexit`) does not get to stop it. On Linux
the server is started so that the kernel sends it SIGTERM when the process that started it dies
(`PR_SET_PDEATHSIG`), so a killed run leaves no server behind.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("prefect.temporary_server")

QUICK_START: dict[str, str] = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",  # else the registry is still imported, to hash it
}


def quick_temporary_server() -> bool:
    """When this process will start a temporary server (no API URL configured), start it without
    registering block types, unless the environment says otherwise. True if it applied."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return False
    for name, value in QUICK_START.items():
        os.environ.setdefault(name, value)
    return True


# Run in the server's process before it becomes uvicorn: ask for SIGTERM when the parent dies (the setting survives
# exec), then check the parent did not die before that (the child would then belong to another process).
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "os.execv(sys.executable, [sys.executable] + sys.argv[2:])\n"
)


def _stopped_with_this_process(command: list[str]) -> list[str]:
    """`command` (starting with the Python executable) wrapped so the kernel stops it when this process dies.

    Linux only, and only from the main thread: the kernel ties the signal to the thread that started the child,
    and another thread may end long before the process does."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return command
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *command[1:]]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TemporaryServer:
    """Prefect's temporary server for this process, started by `start_temporary_server`."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = self._launch()
        self.url: str | None = None
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def starting(self) -> bool:
        """True until `ready()` has seen it answer: time this process can spend on something else."""
        return self.url is None and self.process is not None

    def _launch(self) -> subprocess.Popen[bytes]:
        import prefect
        from prefect.settings import get_current_settings

        log.info("Starting temporary server on http://127.0.0.1:%s", self.port)
        return subprocess.Popen(
            _stopped_with_this_process(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(Path(prefect.__file__).parent.parent),
                    "--factory",
                    "prefect.server.api.server:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ]
            ),
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
        )

    def ready(self, timeout: float | None = None) -> str:
        """Wait until the server answers, then point this process and its children at it. Returns the API URL.

        Raises RuntimeError when it does not answer within `timeout` seconds (default: Prefect's
        `PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`) or its process ends."""
        import httpx
        from prefect.context import refresh_global_settings_context
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        if self.url:
            return self.url
        if self.process is None:
            raise RuntimeError("the temporary server was stopped")
        deadline = time.monotonic() + (timeout or PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        with httpx.Client() as client:
            while True:
                ended = self.process.poll()
                if ended is not None:
                    self.process = None
                    raise RuntimeError(
                        f"the temporary Prefect server exited with code {ended} before it answered "
                        "(its output is above)"
                    )
                try:
                    if client.get(f"{self.api_url}/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        "timed out waiting for the temporary Prefect server to answer "
                        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
                    )
                time.sleep(0.1)
        os.environ["PREFECT_API_URL"] = self.url = self.api_url
        os.environ.setdefault("PREFECT_UI_URL", "")  # it serves no UI: no "View at" links to nowhere
        refresh_global_settings_context()  # every thread's settings, not only this context's
        return self.url

    def stop(self) -> None:
        """Stop the server (at exit, after Prefect's log and event workers have sent what they hold)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        log.info("Stopping temporary server on http://127.0.0.1:%s", self.port)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _NoServer:
    """An API URL is configured (or temporary servers are disabled): nothing to start or wait for."""

    starting = False

    def ready(self, timeout: float | None = None) -> str | None:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value()

    def stop(self) -> None:
        pass


def start_temporary_server() -> TemporaryServer | _NoServer:
    """Start Prefect's temporary server now if this process would start one later (no API URL configured,
    temporary servers allowed); call `.ready()` on the result before the flow runs."""
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_ENABLED

    if not quick_temporary_server() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return _NoServer()
    return TemporaryServer()
