"""Interpreted expression evaluation for small inputs.

Spark compiles every query's operators and expressions to Java (whole-stage code generation, compiled by
Janino) before it runs them. That pays for millions of rows; a daily run is hundreds of small queries on a
few thousand rows, each compiled afresh in a JVM whose compiler is still cold. Interpreted, the same
generic evaluation code runs every query and is JIT-compiled once. Measured on this machine (bench/README.md,
session 13), the medium one-more-day run on copies of one lake, alternating: 168.7 / 156.3 s before,
132.2 / 134.9 s with this module; a group-by and a join over 4 million rows, warm: 2.2 s compiled, 3.9 s
interpreted. So jobs interpret when their input is small and compile when it is not.

Only a session this process built (the local backend, `tasks.spark.session`) is changed: on Databricks the
cluster's session is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _not_built_here(spark: Any) -> bool:
    return False


# Whether a session is one this process built (or attached): `tasks.spark.session` installs its check when it
# is imported. Where it never is (a Databricks job, whose cluster gives the session), no session is changed.
is_own_session: Callable[[Any], bool] = _not_built_here

SETTINGS: dict[str, str] = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    # Adaptive execution re-plans after each stage; a few thousand rows leave it nothing to adapt (a cold
    # MERGE/read loop: 41.5 / 42.7 s without it, 44.7 / 45.0 s with it).
    "spark.sql.adaptive.enabled": "false",
}


def interpret_small(params: dict[str, Any], input_bytes: int, max_bytes: int) -> bool:
    """Whether a job interprets: its `interpreted` parameter when given, else whether its input is at most
    `max_bytes`."""
    if params.get("interpreted") is not None:
        return bool(params["interpreted"])
    return input_bytes <= max_bytes


@contextmanager
def interpreted(spark: Any, when: bool = True) -> Iterator[bool]:
    """Inside the block, `spark` evaluates interpreted (when `when` and the session is this process's own);
    the settings it had are restored after. Yields whether it interprets."""
    if not when or spark is None or not is_own_session(spark):
        yield False
        return
    saved = {key: spark.conf.get(key, None) for key in SETTINGS}
    for key, value in SETTINGS.items():
        spark.conf.set(key, value)
    try:
        yield True
    finally:
        for key, value in saved.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
