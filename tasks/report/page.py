"""One self-contained HTML page from the report's data: Vega's JavaScript and the styles inlined, no
network, no server. Sections without data say so instead of drawing empty axes."""

from __future__ import annotations

import html
import json
from typing import Any

from tasks.report import charts
from tasks.report.formatting import day, hours, number, percent, rank_change, signed, truncate

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0; }
header { background: #0f172a; color: #f8fafc; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0; color: #cbd5e1; }
nav { padding: 8px 32px; border-bottom: 1px solid #e5e7eb; } nav a { margin-right: 16px; color: #2563eb; }
main { padding: 8px 32px 40px; max-width: 1100px; }
h2 { margin-top: 32px; border-bottom: 2px solid #e5e7eb; padding-bottom: 4px; } h3 { margin: 20px 0 8px; }
.headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.headline div { background: #f1f5f9; border-radius: 8px; padding: 10px 16px; min-width: 140px; }
.headline b { display: block; font-size: 20px; }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; }
th { text-align: left; background: #f8fafc; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #6b7280; font-style: italic; } .up { color: #15803d; } .down { color: #b91c1c; }
.chart { margin: 8px 0 16px; }
"""


class Page:
    """Collects sections and charts; `html()` renders the whole document."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.specs: dict[str, dict[str, Any]] = {}

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def chart(self, name: str, spec: dict[str, Any]) -> None:
        element = f"chart-{len(self.specs) + 1}"
        self.specs[element] = spec
        self.add(f'<div class="chart" id="{element}" data-chart="{html.escape(name)}"></div>')

    def empty(self, what: str) -> None:
        self.add(f'<p class="empty">{html.escape(what)}</p>')


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in numeric else ''}>{html.escape(str(c))}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(page: Page, anchor: str, title: str) -> None:
    page.add(f'<h2 id="{anchor}">{html.escape(title)}</h2>')


def trending_section(page: Page, data: dict[str, Any]) -> None:
    _section(page, "trending", "Trending")
    if not data["categories_by_day"] and not data["top_videos"]:
        page.empty("No trending charts in this window.")
        return
    if data["categories_by_day"]:
        page.add("<h3>Categories on the chart by day: videos</h3>")
        page.chart("trending-videos-by-category", charts.trending_by_category(data["categories_by_day"], "videos"))
        page.add("<h3>Categories on the chart by day: views</h3>")
        page.chart("trending-views-by-category", charts.trending_by_category(data["categories_by_day"], "views"))
    if data["top_videos"]:
        for region in sorted({r["region"] for r in data["top_videos"]}):
            rows = [r for r in data["top_videos"] if r["region"] == region]
            page.add(f"<h3>Top videos in {html.escape(region)} on {day(rows[0]['snapshot_date'])}</h3>")
            page.add(
                _table(
                    ["#", "change", "title", "channel", "category", "views"],
                    [
                        [
                            r["rank"],
                            rank_change(r["rank"], r["previous_rank"], r["has_previous_day"]),
                            truncate(r["title"], 70),
                            truncate(r["channel_title"], 30),
                            r["category_title"] or "–",
                            number(r["views"]),
                        ]
                        for r in rows
                    ],
                    numeric={0, 5},
                )
            )
    if data["region_category"]:
        page.add("<h3>Region x category on each region's latest day</h3>")
        page.add(
            _table(
                ["region", "day", "category", "videos", "views"],
                [
                    [r["region"], day(r["snapshot_date"]), r["category"], number(r["videos"]), number(r["views"])]
                    for r in data["region_category"]
                ],
                numeric={3, 4},
            )
        )


def channels_section(page: Page, data: dict[str, Any]) -> None:
    _section(page, "channels", "Channels")
    if data["daily"]:
        page.add("<h3>Daily views, watch time and net subscribers</h3>")
        page.chart("channel-daily", charts.channel_daily(data["daily"]))
    else:
        page.empty("No channel analytics in this window.")
    ranked: list[tuple[str, str, str, str, str]] = [
        ("top_videos", "title", "Video", "Top videos by views in the window", "top-videos"),
        ("traffic_sources", "source_name", "Traffic source", "Traffic sources", "traffic-sources"),
        ("devices", "device_name", "Device", "Devices", "devices"),
        ("countries", "country_name", "Country", "Countries (top 15 by views)", "countries"),
        (
            "playback_locations",
            "playback_location",
            "Playback location",
            "Playback locations (bulk reports)",
            "playback-locations",
        ),
    ]
    for key, label, label_title, title, name in ranked:
        page.add(f"<h3>{html.escape(title)}</h3>")
        if data[key]:
            page.chart(name, charts.ranked_bars(data[key], label, label_title))
        else:
            page.empty(
                "No data for this in the window."
                + (" It comes from the Reporting API's bulk reports." if key == "playback_locations" else "")
            )
    page.add("<h3>Demographics (bulk reports)</h3>")
    if data["demographics"]:
        page.chart("demographics", charts.demographics(data["demographics"]))
    else:
        page.empty("No demographics in the window: they come from the Reporting API's bulk reports.")


def weighted_ctr(rows: list[dict[str, Any]]) -> float | None:
    """sum(impressions x ctr) / sum(impressions): the rate of several rows, never an average of rates."""
    impressions = sum(r["impressions"] or 0 for r in rows if r["ctr"] is not None)
    return (
        sum(r["impressions"] * r["ctr"] for r in rows if r["impressions"] and r["ctr"] is not None) / impressions
        if impressions
        else None
    )


def reach_section(page: Page, data: dict[str, Any], names: dict[str, str]) -> None:
    _section(page, "reach", "Reach: impressions and click-through rate")
    if not data["reach_daily"] and not data["reach_top_videos"]:
        page.empty("No reach in this window: impressions come from the Reporting API's reach reports.")
        return
    if data["reach_daily"]:
        page.add("<h3>Impressions and impressions CTR by day</h3>")
        rows = [{**r, "channel": names.get(r["channel_id"], r["channel_id"])} for r in data["reach_daily"]]
        page.chart("reach-daily", charts.reach_daily(rows))
    if data["reach_top_videos"]:
        page.add("<h3>Top videos by impressions, with their CTR</h3>")
        page.chart(
            "reach-top-videos",
            charts.ranked_bars(
                data["reach_top_videos"], "title", "Video", value="impressions", value_title="Impressions"
            ),
        )
        page.add(
            _table(
                ["video", "impressions", "CTR"],
                [
                    [truncate(r["title"], 70), number(r["impressions"]), percent(r["ctr"])]
                    for r in data["reach_top_videos"]
                ],
                numeric={1, 2},
            )
        )


def content_type_section(page: Page, data: dict[str, Any]) -> None:
    _section(page, "content-types", "Shorts, videos and live streams")
    if not data["content_types"]:
        page.empty("No content-type split in this window.")
        return
    page.add("<h3>Views by content type and day</h3>")
    page.chart("content-type-daily", charts.content_type_daily(data["content_type_daily"]))
    page.add(
        "<p>Since 31 Mar 2025 a Shorts view counts every start; engaged views keep the older meaning, so compare "
        "the types by engaged views.</p>"
    )
    page.add(
        _table(
            ["content type", "views", "engaged views", "watch time", "subscribers gained"],
            [
                [
                    r["content_type"],
                    number(r["views"]),
                    number(r["engaged_views"]),
                    hours(r["minutes"]),
                    number(r["subscribers_gained"]),
                ]
                for r in data["content_types"]
            ],
            numeric={1, 2, 3, 4},
        )
    )


def retention_section(page: Page, data: dict[str, Any]) -> None:
    _section(page, "retention", "Retention of the most viewed videos")
    if not data["retention"]:
        page.empty("No retention curves in this window.")
        return
    page.chart("retention-curves", charts.retention_curves(data["retention"]))


def health_section(page: Page, data: dict[str, Any], api_units: dict[str, int] | None) -> None:
    _section(page, "health", "Data health")
    counts = data["table_counts"]
    page.add("<h3>Rows per layer</h3>")
    page.add(
        _table(
            ["layer", "tables", "rows"],
            [[layer, len(t), number(sum(t.values()))] for layer, t in counts.items()],
            numeric={1, 2},
        )
    )
    page.add("<h3>Quarantined rows by reason</h3>")
    if data["quarantine"]:
        page.chart(
            "quarantine",
            charts.ranked_bars(
                [
                    {**r, "label": f"{r['stage']} · {r['target_table']} · {r['reason']}"}
                    for r in data["quarantine"][:20]
                ],
                "label",
                "Reason",
                value="rows",
                value_title="Quarantined rows",
            ),
        )
        page.add(
            _table(
                ["stage", "table", "reason", "rows", "this run"],
                [
                    [r["stage"], r["target_table"], truncate(r["reason"], 90), number(r["rows"]), number(r["this_run"])]
                    for r in data["quarantine"]
                ],
                numeric={3, 4},
            )
        )
    else:
        page.empty("Nothing quarantined.")
    page.add("<h3>API units</h3>")
    if api_units:
        page.add(
            _table(
                ["endpoint (this run)", "units"], [[e, number(u)] for e, u in sorted(api_units.items())], numeric={1}
            )
        )
    if data["runs"]:
        page.add(
            _table(
                ["run", "flow", "status", "started (UTC)", "API units"],
                [
                    [
                        r["run_id"][:8],
                        r["flow_name"] or "–",
                        r["status"],
                        r["started_at_utc"] or "–",
                        number(r["api_units"]),
                    ]
                    for r in data["runs"]
                ],
                numeric={4},
            )
        )
    elif not api_units:
        page.empty("No runs recorded yet.")
    page.add("<h3>Freshness per Gold table</h3>")
    page.add(
        _table(
            ["table", "newest day", "days behind the window's end"],
            [
                [f["table"], day(f["newest"]), "no rows" if f["lag_days"] is None else f["lag_days"]]
                for f in data["freshness"]
            ],
            numeric={2},
        )
    )


def headline(data: dict[str, Any], api_units: dict[str, int] | None) -> list[tuple[str, str]]:
    """The figures at the top of the page and in the markdown artifact."""
    daily = data["channels"]["daily"]
    trending = data["trending"]["top_videos"]
    reach = data["creators"]["reach_daily"]
    quarantined = sum(r["this_run"] for r in data["health"]["quarantine"])
    figures = [
        ("Channel views", number(sum(r["views"] or 0 for r in daily)) if daily else "–"),
        ("Watch time", hours(sum(r["minutes"] or 0 for r in daily)) if daily else "–"),
        ("Net subscribers", signed(sum(r["net_subscribers"] or 0 for r in daily)) if daily else "–"),
        ("Impressions", number(sum(r["impressions"] or 0 for r in reach)) if reach else "–"),
        ("Impressions CTR", percent(weighted_ctr(reach))),
        ("Trending regions", number(len({r["region"] for r in trending})) if trending else "–"),
        ("Quarantined this run", number(quarantined)),
    ]
    if api_units is not None:
        figures.append(("API units this run", number(sum(api_units.values()))))
    return figures


def _script(specs: dict[str, dict[str, Any]]) -> str:
    import altair as alt
    import vl_convert as vlc

    vl_version = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    bundle = vlc.javascript_bundle(vl_version=vl_version).replace("</script", "<\\/script")
    payload = json.dumps(specs, separators=(",", ":")).replace("</", "<\\/")
    return f"""<script>{bundle}</script>
<script>
const specs = {payload};
for (const [id, spec] of Object.entries(specs)) {{
  const element = document.getElementById(id);
  vegaEmbed(element, spec, {{actions: false, renderer: "svg"}})
    .then(() => {{ element.dataset.rendered = "true"; }})
    .catch((error) => {{ element.dataset.rendered = "error"; console.error("chart " + id + ": " + error); }});
}}
</script>"""


def render(
    data: dict[str, Any], run_id: str | None, api_units: dict[str, int] | None = None, generated_at: str = ""
) -> str:
    """The whole page for the report data of `tasks.jobs.report_data`."""
    page = Page()
    page.add(
        '<div class="headline">'
        + "".join(f"<div>{html.escape(k)}<b>{html.escape(v)}</b></div>" for k, v in headline(data, api_units))
        + "</div>"
    )
    trending_section(page, data["trending"])
    channels_section(page, data["channels"])
    names = {r["channel_id"]: r["channel"] for r in data["channels"]["daily"]}
    reach_section(page, data["creators"], names)
    content_type_section(page, data["creators"])
    retention_section(page, data["creators"])
    health_section(page, data["health"], api_units)
    window = f"{day(data['window_start'])} – {day(data['window_end'])}"
    run = f"run {html.escape(run_id)}" if run_id else "no run (an existing lake)"
    generated = f" · generated {html.escape(generated_at)}" if generated_at else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>YouTube Lakehouse report {html.escape(data["window_end"])}</title><style>{STYLE}</style></head>
<body><header><h1>YouTube Lakehouse report</h1><p>{window} · {run}{generated}</p></header>
<nav><a href="#trending">Trending</a><a href="#channels">Channels</a><a href="#reach">Reach</a>
<a href="#content-types">Content types</a><a href="#retention">Retention</a><a href="#health">Data health</a></nav>
<main>{"".join(page.parts)}</main>
{_script(page.specs)}
</body></html>
"""
