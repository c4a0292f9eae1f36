"""Flow `backfill`: the pipeline over a date range, one bounded window after another (oldest first)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any, Literal

from prefect import flow, get_run_logger, task

from blocks.resolve import DEFAULT_BACKEND, DEFAULT_LANDING, DEFAULT_SOURCE


def chunk_windows(start_date: date, end_date: date, chunk_days: int) -> list[tuple[date, date]]:
    """Consecutive windows of at most `chunk_days` days covering [start_date, end_date]."""
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    if chunk_days < 1:
        raise ValueError("chunk_days must be at least 1")
    windows, day = [], start_date
    while day <= end_date:
        last = min(end_date, day + timedelta(days=chunk_days - 1))
        windows.append((day, last))
        day = last + timedelta(days=1)
    return windows


def window_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    """A window is done for a lake, a source and its regions and channels, whichever backfill ran it."""
    from blocks.resolve import load_backend

    regions = ",".join(sorted(parameters["regions"] or [])) or "default"
    channels = ",".join(sorted(parameters["channels"] or [])) or "default"
    lake = hashlib.sha256(load_backend(parameters["backend"]).lake_key().encode()).hexdigest()[:16]
    return (
        f"backfill-{lake}-{parameters['source']}-{parameters['start_date']}-{parameters['end_date']}-"
        f"{parameters['through']}-{hashlib.sha256(f'{regions}|{channels}'.encode()).hexdigest()[:12]}"
    )


@task(name="backfill-window", cache_key_fn=window_cache_key, persist_result=True)
def run_window(
    backend: str,
    source: str,
    landing: str,
    regions: list[str] | None,
    channels: list[str] | None,
    start_date: date,
    end_date: date,
    through: str,
) -> dict[str, Any]:
    """One window through the parent flow. Its result is cached only when the window completed, so a
    backfill run again (or resumed after a failure) skips the windows that finished."""
    from flows.youtube_lakehouse import youtube_lakehouse

    state = youtube_lakehouse(
        backend=backend,
        source=source,
        landing=landing,
        regions=regions,
        channels=channels,
        start_date=start_date,
        end_date=end_date,
        through=through,
        return_state=True,
    )
    if not state.is_completed():
        raise RuntimeError(f"window {start_date}..{end_date} ended {state.name}: {state.message or ''}")
    usage = state.result()["ingest"]["usage"]
    return {
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "run_id": str(state.state_details.flow_run_id),
        "api_units": sum(u["units"] for u in usage.values()),
    }


def progress_text(done: list[dict[str, Any]], total_windows: int, total_days: int) -> str:
    days = sum((date.fromisoformat(w["end_date"]) - date.fromisoformat(w["start_date"])).days + 1 for w in done)
    reused = sum(1 for w in done if w.get("cached"))
    return (
        f"{len(done)}/{total_windows} windows, {days}/{total_days} days, "
        f"{sum(w['api_units'] for w in done if not w.get('cached')):,} API units this run"
        + (f"; {reused} window(s) finished by an earlier run, skipped" if reused else "")
    )


@flow(name="backfill", log_prints=True)
def backfill(
    start_date: date,
    end_date: date,
    chunk_days: int = 30,
    backend: str = DEFAULT_BACKEND,
    source: str = DEFAULT_SOURCE,
    landing: str = DEFAULT_LANDING,
    regions: list[str] | None = None,
    channels: list[str] | None = None,
    through: Literal["bronze", "silver", "gold"] = "gold",
    refetch: bool = False,
) -> list[dict[str, Any]]:
    """Run `youtube_lakehouse` for each window of `chunk_days` in [start_date, end_date], oldest first.

    Each window is its own parent run (own run log row); a window that does not complete stops the
    backfill. Run it again with the same parameters to resume: windows that finished (for this lake,
    source, regions and channels) come from Prefect's task cache and are not fetched again; `refetch`
    runs them anyway. The progress artifact `backfill-progress` shows windows and days done and the API
    units spent as windows finish. The live Data API only shows today, so each window also takes today's
    trending snapshot (a few units per region); Analytics is what a backfill is for.
    """
    from prefect.artifacts import create_progress_artifact, update_progress_artifact

    logger = get_run_logger()
    windows = chunk_windows(start_date, end_date, chunk_days)
    total_days = (end_date - start_date).days + 1
    done: list[dict[str, Any]] = []
    artifact = create_progress_artifact(
        progress=0.0, key="backfill-progress", description=progress_text(done, len(windows), total_days)
    )
    window_task = run_window.with_options(refresh_cache=True) if refetch else run_window
    for first, last in windows:
        state = window_task(backend, source, landing, regions, channels, first, last, through, return_state=True)
        if not state.is_completed():
            update_progress_artifact(
                artifact,
                progress=100.0 * len(done) / len(windows),
                description=progress_text(done, len(windows), total_days) + f"; stopped at {first}..{last}",
            )
            raise RuntimeError(
                f"backfill stopped: window {first}..{last}: {state.message or state.name}. "
                f"Run the backfill again to resume from it (finished windows are skipped)."
            )
        done.append({**state.result(), "cached": state.name == "Cached"})
        update_progress_artifact(
            artifact,
            progress=100.0 * len(done) / len(windows),
            description=progress_text(done, len(windows), total_days),
        )
        logger.info(
            "window %s..%s %s (%d of %d)",
            first,
            last,
            "finished by an earlier run: skipped" if done[-1]["cached"] else "completed",
            len(done),
            len(windows),
        )
    return done
