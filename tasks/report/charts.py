"""The report's charts as Vega-Lite specs (Vega-Altair): one function per chart, records in, spec out."""

from __future__ import annotations

from typing import Any

from tasks.report.formatting import truncate

WIDTH = 640
COUNT = ",.0f"  # d3 format: thousands separators, no decimals
PERCENT = ".1%"
DAY = "%-d %b"


def _count_axis(alt: Any) -> Any:
    """Whole numbers with thousands separators, few enough ticks that labels never collide."""
    return alt.Axis(format=COUNT, tickCount=5, tickMinStep=1, labelOverlap=True)


def _alt() -> Any:
    import altair as alt

    alt.data_transformers.disable_max_rows()  # the data is aggregated before it gets here
    return alt


def trending_by_category(records: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """Per region (one row each): `measure` (videos or views) of the chart's categories by day, stacked."""
    alt = _alt()
    title = {"videos": "Videos on the chart", "views": "Views of the chart's videos"}[measure]
    chart = (
        alt.Chart(alt.Data(values=records))
        .mark_bar()
        .encode(
            x=alt.X("snapshot_date:O", timeUnit="yearmonthdate", title=None, axis=alt.Axis(format=DAY, labelAngle=-45)),
            y=alt.Y(f"sum({measure}):Q", title=title, axis=_count_axis(alt)),
            color=alt.Color("category:N", title="Category", legend=alt.Legend(orient="right")),
            tooltip=[
                alt.Tooltip("region:N"),
                alt.Tooltip("snapshot_date:T", title="day", format="%-d %b %Y"),
                alt.Tooltip("category:N"),
                alt.Tooltip(f"sum({measure}):Q", title=measure, format=COUNT),
            ],
        )
        .properties(width=WIDTH - 160, height=140)
    )
    return chart.facet(row=alt.Row("region:N", title=None)).to_dict()


def channel_daily(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Daily views, watch time (hours) and net subscribers per channel, one panel each."""
    alt = _alt()
    base = (
        alt.Chart(alt.Data(values=records))
        .transform_calculate(hours="datum.minutes / 60")
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format=DAY, tickCount="day", labelOverlap=True)),
            color=alt.Color("channel:N", title="Channel"),
        )
    )

    def panel(field: str, title: str) -> Any:
        return (
            base.mark_line(point=True)
            .encode(
                y=alt.Y(f"{field}:Q", title=title, axis=_count_axis(alt)),
                tooltip=[
                    alt.Tooltip("channel:N"),
                    alt.Tooltip("date:T", format="%-d %b %Y"),
                    alt.Tooltip(f"{field}:Q", title=title, format=COUNT),
                ],
            )
            .properties(width=WIDTH - 160, height=140)
        )

    return alt.vconcat(
        panel("views", "Views"), panel("hours", "Watch time (hours)"), panel("net_subscribers", "Net subscribers")
    ).to_dict()


def ranked_bars(
    records: list[dict[str, Any]], label: str, label_title: str, value: str = "views", value_title: str = "Views"
) -> dict[str, Any]:
    """Horizontal bars, largest first, with watch time (or a click-through rate) in the tooltip when the
    records have it."""
    alt = _alt()
    rows = [{**r, "_label": truncate(str(r.get(label) or "(unknown)"), 48)} for r in records]
    tooltip = [alt.Tooltip(f"{label}:N", title=label_title), alt.Tooltip(f"{value}:Q", title=value_title, format=COUNT)]
    if rows and "minutes" in rows[0]:
        tooltip.append(alt.Tooltip("hours:Q", title="Watch time (hours)", format=",.1f"))
    if rows and "ctr" in rows[0]:
        tooltip.append(alt.Tooltip("ctr:Q", title="Impressions CTR", format=PERCENT))
    chart = alt.Chart(alt.Data(values=rows))
    if rows and "minutes" in rows[0]:
        chart = chart.transform_calculate(hours="datum.minutes / 60")
    return (
        chart.mark_bar()
        .encode(
            y=alt.Y("_label:N", sort=alt.EncodingSortField(field=value, order="descending"), title=None),
            x=alt.X(f"{value}:Q", title=value_title, axis=_count_axis(alt)),
            tooltip=tooltip,
        )
        .properties(width=WIDTH - 260, height=alt.Step(18))
        .to_dict()
    )


def demographics(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Estimated views per age group, split by gender."""
    alt = _alt()
    return (
        alt.Chart(alt.Data(values=records))
        .mark_bar()
        .encode(
            y=alt.Y("age_group:N", title="Age group", sort="ascending"),
            x=alt.X("views:Q", title="Estimated views", axis=_count_axis(alt), stack=True),
            color=alt.Color("gender:N", title="Gender"),
            tooltip=[
                alt.Tooltip("age_group:N"),
                alt.Tooltip("gender:N"),
                alt.Tooltip("views:Q", title="estimated views", format=COUNT),
            ],
        )
        .properties(width=WIDTH - 260, height=alt.Step(22))
        .to_dict()
    )


def reach_daily(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Thumbnail impressions and their click-through rate per channel by day, one panel each."""
    alt = _alt()
    base = alt.Chart(alt.Data(values=records)).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format=DAY, tickCount="day", labelOverlap=True)),
        color=alt.Color("channel:N", title="Channel"),
    )
    tooltip = [alt.Tooltip("channel:N"), alt.Tooltip("date:T", format="%-d %b %Y")]
    impressions = base.mark_line(point=True).encode(
        y=alt.Y("impressions:Q", title="Impressions", axis=_count_axis(alt)),
        tooltip=[*tooltip, alt.Tooltip("impressions:Q", format=COUNT), alt.Tooltip("ctr:Q", format=PERCENT)],
    )
    ctr = base.mark_line(point=True).encode(
        y=alt.Y("ctr:Q", title="Impressions CTR", axis=alt.Axis(format=PERCENT, tickCount=5)),
        tooltip=[*tooltip, alt.Tooltip("ctr:Q", title="CTR", format=PERCENT)],
    )
    return alt.vconcat(
        impressions.properties(width=WIDTH - 160, height=140), ctr.properties(width=WIDTH - 160, height=140)
    ).to_dict()


def content_type_daily(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Views per day stacked by content type (Shorts, videos, live streams ...)."""
    alt = _alt()
    return (
        alt.Chart(alt.Data(values=records))
        .mark_bar()
        .encode(
            x=alt.X("date:O", timeUnit="yearmonthdate", title=None, axis=alt.Axis(format=DAY, labelAngle=-45)),
            y=alt.Y("sum(views):Q", title="Views", axis=_count_axis(alt)),
            color=alt.Color("content_type:N", title="Content type"),
            tooltip=[
                alt.Tooltip("date:T", format="%-d %b %Y"),
                alt.Tooltip("content_type:N", title="content type"),
                alt.Tooltip("sum(views):Q", title="views", format=COUNT),
            ],
        )
        .properties(width=WIDTH - 160, height=180)
        .to_dict()
    )


def retention_curves(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of viewers still watching at each point of the video, one line per video."""
    alt = _alt()
    rows = [{**r, "video": truncate(str(r.get("title") or r.get("video_id")), 40)} for r in records]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_line()
        .encode(
            x=alt.X("elapsed:Q", title="Point of the video", axis=alt.Axis(format="%", tickCount=5)),
            y=alt.Y("watching:Q", title="Audience watching", axis=alt.Axis(format="%", tickCount=5)),
            color=alt.Color("video:N", title="Video"),
            tooltip=[
                alt.Tooltip("video:N"),
                alt.Tooltip("content_type:N", title="content type"),
                alt.Tooltip("elapsed:Q", title="point", format="%"),
                alt.Tooltip("watching:Q", title="watching", format=PERCENT),
                alt.Tooltip("relative:Q", title="vs similar videos (0.5 = median)", format=".2f"),
            ],
        )
        .properties(width=WIDTH - 260, height=220)
        .to_dict()
    )
