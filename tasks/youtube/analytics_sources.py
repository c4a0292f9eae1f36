"""Which analytics source serves which channel-day: bulk reports, `reports.query`, or each where it is strong.

A day counts as covered by reports when every fact-feeding report type the source loads
(`channel_basic`, `channel_traffic_source`, `channel_device_os`) has a report for it; `auto` asks
`reports.query` for the window's other days (days older than the jobs' history, a backfill, and the
last days before reports arrive, about 48 h late). Silver adds the rule that makes the two never
double-count: for a channel-day with report data, the report's rows replace the query's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

FACT_REPORT_FAMILIES = ("channel_basic", "channel_traffic_source", "channel_device_os")


def family(report_type: str) -> str:
    """`channel_basic_a3` -> `channel_basic` (the version suffix dropped)."""
    head, _, version = report_type.rpartition("_")
    return head if head and version[:1] == "a" and version[1:].isdigit() else report_type


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def contiguous(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def covered_days(report_days: dict[str, list[str]]) -> set[date]:
    """Days every fact-feeding report family has a report for (empty when one of them is not loaded)."""
    by_family: dict[str, set[date]] = {}
    for report_type, days in report_days.items():
        by_family.setdefault(family(report_type), set()).update(date.fromisoformat(d) for d in days)
    if not all(f in by_family for f in FACT_REPORT_FAMILIES):
        return set()
    return set.intersection(*(by_family[f] for f in FACT_REPORT_FAMILIES))


def _ranges_text(days: list[date]) -> str:
    return ", ".join(a.isoformat() if a == b else f"{a}..{b}" for a, b in contiguous(days))


@dataclass
class SourcePlan:
    """Per channel id: the days reports serve, and the reports.query ranges still to fetch."""

    reporting_days: dict[str, list[date]] = field(default_factory=dict)
    query_ranges: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def query_calls(self) -> list[tuple[date, date, list[str]]]:
        """(start, end, channel ids) per reports.query range, channels sharing a range grouped."""
        grouped: dict[tuple[date, date], list[str]] = {}
        for channel_id, ranges in self.query_ranges.items():
            for r in ranges:
                grouped.setdefault(r, []).append(channel_id)
        return [(s, e, sorted(ids)) for (s, e), ids in sorted(grouped.items())]


def plan_sources(
    modes: dict[str, str], reported_channels: set[str], report_days: dict[str, list[str]], start: date, end: date
) -> SourcePlan:
    """The plan for channels `modes` (channel id -> query|reporting|auto) over [start, end].

    `reported_channels` are the channels the reports cover (the OAuth user's channel, or a content
    owner's channels); `report_days` the days listed per report type.
    """
    window = days_between(start, end)
    covered = sorted(d for d in covered_days(report_days) if start <= d <= end)
    plan = SourcePlan()
    for channel_id, mode in sorted(modes.items()):
        if mode == "query":
            plan.query_ranges[channel_id] = [(start, end)]
            continue
        if channel_id not in reported_channels:
            plan.warnings.append(
                f"channel {channel_id}: the bulk reports do not cover it (reporting jobs belong to the OAuth "
                "user's channel, or to a content owner: set content_owner_id)"
                + ("; reports.query used" if mode == "auto" else "; no analytics fetched for it")
            )
            if mode == "auto":
                plan.query_ranges[channel_id] = [(start, end)]
            continue
        plan.reporting_days[channel_id] = covered
        missing = [d for d in window if d not in set(covered)]
        if mode == "auto":
            if missing:
                plan.query_ranges[channel_id] = contiguous(missing)
        elif missing:
            plan.warnings.append(
                f"channel {channel_id}: no bulk report yet for {_ranges_text(missing)} (reports arrive about 48 h "
                "late; a new job's history starts about 30 days back); 'auto' fills such days from reports.query"
            )
    return plan


def reported_channel_ids(channels: dict[str, dict[str, Any]], content_owner: str | None) -> set[str]:
    """Channel ids the reporting jobs cover: a content owner's every channel, else the OAuth user's ('mine')."""
    if content_owner:
        return set(channels)
    return {cid for cid, info in channels.items() if info.get("ref") == "mine"}
