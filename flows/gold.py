"""Subflow `gold`: `dbt build` of the Gold models and their tests on the backend's dbt target."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import DEFAULT_BACKEND


@flow(name="gold", log_prints=True)
def gold(
    backend: str = DEFAULT_BACKEND,
    run_id: str | None = None,
    window_start: date | None = None,
    window_end: date | None = None,
    full_refresh: bool = False,
    docs: bool = True,
    skip_freshness: bool = False,
) -> dict[str, Any]:
    """Build Gold. Incremental models rebuild days from `window_start`; freshness is judged at `window_end`.

    `skip_freshness` leaves out the freshness tests, for a run whose data is knowingly incomplete
    (the quota ran out): Gold then shows what was fetched and the run reports the quota.
    """
    from blocks.resolve import load_backend
    from tasks.gold import build, generate_docs
    from tasks.reporting import emit_gold_updated, publish_docs_link

    logger = get_run_logger()
    run_id = run_id or str(flow_run.get_id())
    target = load_backend(backend).dbt_target()
    dbt_vars = {"gold_since": window_start, "as_of_date": window_end}
    result = build(target, dbt_vars, full_refresh=full_refresh,
                   exclude=["test_name:fresh_within"] if skip_freshness else None)
    for warning in result["warnings"]:
        logger.warning("dbt warning: %s", warning)
    if docs:
        publish_docs_link(generate_docs(target, dbt_vars))
    window = {"window_start": window_start.isoformat() if window_start else None,
              "window_end": window_end.isoformat() if window_end else None}
    emit_gold_updated(run_id, {**window, "models": result["models"]})
    return {"run_id": run_id, **window, **result}
