"""Flow `backfill`: the pipeline over a date range, one bounded window after another (oldest first)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger

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
) -> list[dict[str, Any]]:
    """Run `youtube_lakehouse` for each window of `chunk_days` in [start_date, end_date].

    Each window is its own parent run (own run log row, own retries); a window that does not complete
    stops the backfill, and the error names the first day to resume from. Re-running a window is safe:
    every layer MERGEs on its grain. The live Data API only shows today, so each window also takes
    today's trending snapshot (a few units per region); Analytics is what a backfill is for.
    """
    from flows.youtube_lakehouse import youtube_lakehouse

    logger = get_run_logger()
    done: list[dict[str, Any]] = []
    windows = chunk_windows(start_date, end_date, chunk_days)
    for first, last in windows:
        state = youtube_lakehouse(backend=backend, source=source, landing=landing, regions=regions, channels=channels,
                                  start_date=first, end_date=last, return_state=True)
        done.append({"start_date": first.isoformat(), "end_date": last.isoformat(), "state": state.name})
        if not state.is_completed():
            raise RuntimeError(f"backfill stopped: window {first}..{last} ended {state.name}: {state.message or ''}. "
                               f"Resume with start_date={first}.")
        logger.info("window %s..%s completed (%d of %d)", first, last, len(done), len(windows))
    return done
