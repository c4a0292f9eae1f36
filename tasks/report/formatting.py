"""Numbers and dates as people read them."""

from __future__ import annotations

from datetime import date


def number(value: float | int | None) -> str:
    """12345 -> '12,345'; None -> '–' (no data)."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def hours(minutes: float | int | None) -> str:
    """Watch time in minutes as hours: 90 -> '1.5 h', 123456 -> '2,058 h'."""
    if minutes is None:
        return "–"
    value = minutes / 60
    return f"{value:,.0f} h" if abs(value) >= 100 else f"{value:,.1f} h"


def signed(value: float | int | None) -> str:
    """A change: +12 / -3 / 0."""
    return "–" if value is None else f"{value:+,.0f}" if value else "0"


def percent(fraction: float | None) -> str:
    """0.0512 -> '5.1%'; None -> '–'."""
    return "–" if fraction is None else f"{fraction * 100:.1f}%"


def day(iso: str | None) -> str:
    """'2026-10-30' -> '30 Oct 2026'."""
    return "–" if not iso else date.fromisoformat(iso[:10]).strftime("%-d %b %Y")


def rank_change(rank: int, previous: int | None, had_previous_day: bool) -> str:
    """How a video moved on the chart since the day before: '▲ 3', '▼ 2', '=', 'new' (or '' without a day before)."""
    if not had_previous_day:
        return ""
    if previous is None:
        return "new"
    if previous == rank:
        return "="
    return f"▲ {previous - rank}" if previous > rank else f"▼ {rank - previous}"


def truncate(text: str | None, limit: int = 60) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
