"""The date window a run covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    def as_payload(self) -> dict[str, str]:
        return {"window_start": self.start.isoformat(), "window_end": self.end.isoformat()}


def resolve_window(
    default: tuple[date, date], start_date: date | None, end_date: date | None, lookback_days: int
) -> Window:
    """Explicit dates win; a lone end date looks back `lookback_days`; else the source's default."""
    if lookback_days < 1:
        raise ValueError("lookback_days must be at least 1")
    if start_date is None and end_date is None:
        start, end = default
    else:
        end = end_date or default[1]
        start = start_date or end - timedelta(days=lookback_days - 1)
    if start > end:
        raise ValueError(f"start_date {start} is after end_date {end}")
    return Window(start, end)


def gold_since(window_start: date, restated_days: list[str]) -> date:
    """The first day Silver's changes reach and Gold rebuilds: the window's, or an earlier day whose bulk
    report came late or was re-issued."""
    return min([window_start, *(date.fromisoformat(d) for d in restated_days)])
