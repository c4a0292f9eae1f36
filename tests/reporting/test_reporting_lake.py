"""Bulk reports through Bronze and Silver against reports.query for the same synthetic channel and days.

Two lakes from one synthetic world (its Reporting API agrees with its Analytics API by construction):
- `query`: reports.query only, days 10-19..10-22.
- `reporting`: run r0 lands the first, preliminary report of the restated day 10-21 and the query pages
  of every day (loaded together: reports win in the same Silver run); run r1 lands the latest report of
  every day, one of them with an unknown column and one bad row added; then r0 is loaded again (an
  older report arriving late must not win).

Counts the query API anonymises: the synthetic query API leaves a country split's small remainder
unattributed, the bulk report keeps it under country ZZ. So country cells must be equal where both
have them, and the only extra cells are ZZ holding exactly the remainder.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from youtube_sim.synth import SynthHttp, World, WorldConfig

pytestmark = pytest.mark.spark

START, END = date(2026, 10, 19), date(2026, 10, 22)
AS_OF = date(2026, 10, 30)
RESTATED = date(2026, 10, 21)
TYPES = [
    "channel_basic_a3",
    "channel_traffic_source_a3",
    "channel_device_os_a3",
    "channel_playback_location_a3",
    "channel_demographics_a1",
    "channel_sharing_service_a1",
    "channel_reach_basic_a1",
    "channel_reach_combined_a1",
]
REACH = ["channel_reach_basic_a1", "channel_reach_combined_a1"]
HAND_DAY = date(2026, 10, 22)  # its reach report replaced by two rows whose CTRs a reader can check by hand
FACTS = (
    "fact_channel_daily_metrics",
    "fact_video_daily_metrics",
    "fact_video_country_metrics",
    "fact_video_traffic_source_metrics",
    "fact_video_device_metrics",
)


def land_query(world: World, landing: Path, run_id: str) -> None:
    """The channel and its videos (Data API, for Gold's relationships) and reports.query of the days."""
    from blocks.landing import LocalLanding
    from tasks.landing import Lander
    from tasks.youtube.clients import build_analytics_api, build_data_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.ingest_plan import fetch_analytics, fetch_data_api_snapshot

    channel = world.channels[0]
    lander = Lander(LocalLanding(root=str(landing)), run_id=run_id, source="synth")
    fetch_data_api_snapshot(
        build_data_api(http=SynthHttp(world, AS_OF)), lander, AS_OF, [], ["mine"], ApiExecutor(sleep=lambda s: None)
    )
    fetch_analytics(
        build_analytics_api(http=SynthHttp(world, AS_OF)),
        lander,
        AS_OF,
        {channel.id: {"ref": "mine", "video_ids": list(channel.video_ids)}},
        START,
        END,
        ApiExecutor(sleep=lambda s: None),
    )


def land_preliminary(world: World, landing: Path, run_id: str, tmp: Path) -> None:
    """The first report of the restated day, as a run before the restatement would have landed it."""
    from blocks.landing import LocalLanding
    from tasks.youtube.clients import build_reporting_api
    from tasks.youtube.executor import ApiExecutor
    from tasks.youtube.reporting_api import (
        ReportingContext,
        download_report,
        ensure_jobs,
        land_report,
        list_reports,
        report_day,
    )

    ctx = ReportingContext(build_reporting_api(http=SynthHttp(world, AS_OF)), ApiExecutor(sleep=lambda s: None))
    for report_type, job in ensure_jobs(ctx, TYPES, create=False).items():
        first = min(
            (r for r in list_reports(ctx, job) if report_day(r) == RESTATED.isoformat()), key=lambda r: r["createTime"]
        )
        got = download_report(ctx, first, tmp / f"{first['id']}.csv")
        land_report(LocalLanding(root=str(landing)), run_id, report_type, first, got, None, "synth")


def land_latest(world: World, landing: Path, run_id: str) -> dict:
    from blocks.landing import LocalLanding
    from tasks.youtube.clients import build_reporting_api
    from tasks.youtube.ingest_plan import fetch_reporting

    return fetch_reporting(
        build_reporting_api(http=SynthHttp(world, AS_OF)),
        LocalLanding(root=str(landing)),
        run_id,
        "synth",
        TYPES,
        False,
        None,
        START,
        END,
    ).as_dict()


def add_unknown_column_and_a_bad_row(landing: Path, run_id: str, day: date) -> None:
    """A newer report version's extra column, and one row whose views are not a number."""
    folder = landing / f"run_id={run_id}" / "reporting" / "channel_basic_a3" / f"start_date={day.isoformat()}"
    report = next(folder.glob("*.csv"))
    rows = list(csv.reader(io.StringIO(report.read_text())))
    header = rows[0] + ["new_metric"]
    bad = list(rows[1])
    bad[header.index("video_id")], bad[header.index("views")] = "badvideo001", "abc"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header] + [r + ["7"] for r in rows[1:]] + [bad + ["7"]])
    report.write_text(out.getvalue())
    meta_path = next(folder.glob("*.meta.json"))
    meta = json.loads(meta_path.read_text())
    meta["header"] = ",".join(header)
    meta_path.write_text(json.dumps(meta))


def _report(landing: Path, run_id: str, report_type: str, day: date) -> tuple[Path, list[list[str]]]:
    folder = landing / f"run_id={run_id}" / "reporting" / report_type / f"start_date={day.isoformat()}"
    report = next(folder.glob("*.csv"))
    return report, list(csv.reader(io.StringIO(report.read_text())))


def _write(report: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    report.write_text(out.getvalue())
    meta_path = next(report.parent.glob("*.meta.json"))
    meta = json.loads(meta_path.read_text())
    meta["header"] = ",".join(rows[0])
    meta_path.write_text(json.dumps(meta))


def break_reach_reports(landing: Path, run_id: str, channel_id: str) -> dict[str, str]:
    """10-20's basic reach report gets three bad rows beside its good ones; 10-19's combined report loses its CTR
    column; 10-22's basic report becomes two rows: 1,000 impressions at 10 % and 10 at 50 %."""
    report, rows = _report(landing, run_id, "channel_reach_basic_a1", date(2026, 10, 20))
    stamp = rows[1][0]
    rows += [
        [stamp, channel_id, "ctrtoohigh1", "100", "1.7"],
        [stamp, channel_id, "negimpress1", "-5", "0.1"],
        [stamp, channel_id, "fracimpress", "12.5", "0.1"],
    ]
    _write(report, rows)
    report, rows = _report(landing, run_id, "channel_reach_combined_a1", date(2026, 10, 19))
    drop = rows[0].index("video_thumbnail_impressions_ctr")
    _write(report, [r[:drop] + r[drop + 1 :] for r in rows])
    report, rows = _report(landing, run_id, "channel_reach_basic_a1", HAND_DAY)
    videos = [rows[1][2], rows[2][2]]
    stamp = rows[1][0]
    hand = [[stamp, channel_id, videos[0], "1000", "0.1"], [stamp, channel_id, videos[1], "10", "0.5"]]
    _write(report, [rows[0], *hand])
    return {"big": videos[0], "small": videos[1]}


def load(spark, lake: Path, landing: Path, run_id: str) -> None:
    from tasks.jobs import bronze_load

    bronze_load.run(spark, {"lake_root": str(lake), "landing_location": str(landing / f"run_id={run_id}")})


def silver(spark, lake: Path) -> dict:
    from tasks.jobs import silver_build

    return silver_build.run(spark, {"lake_root": str(lake)})


def table(spark, lake: Path, name: str) -> list:
    return spark.read.format("delta").load(str(lake / "silver" / name)).collect()


@pytest.fixture(scope="module")
def lakes(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("reporting")
    world = World(WorldConfig())
    landing, q_lake, r_lake = root / "landing", root / "query_lake", root / "reporting_lake"
    land_query(world, landing, "q1")
    load(spark, q_lake, landing, "q1")
    silver(spark, q_lake)

    land_preliminary(world, landing, "r0", root)
    load(spark, r_lake, landing, "r0")
    load(spark, r_lake, landing, "q1")
    first = silver(spark, r_lake)
    preliminary = {r.date: r.views for r in table(spark, r_lake, "fact_channel_daily_metrics")}

    fetched = land_latest(world, landing, "r1")
    add_unknown_column_and_a_bad_row(landing, "r1", date(2026, 10, 20))
    hand = break_reach_reports(landing, "r1", world.channels[0].id)
    load(spark, r_lake, landing, "r1")
    second = silver(spark, r_lake)
    settled = {t: sorted(table(spark, r_lake, t), key=repr) for t in FACTS + ("silver_report_channel_basic",)}

    load(spark, r_lake, landing, "r0")  # the older report of 10-21 arrives again
    third = silver(spark, r_lake)
    return {
        "world": world,
        "q": q_lake,
        "r": r_lake,
        "first": first,
        "second": second,
        "third": third,
        "fetched": fetched,
        "preliminary": preliminary,
        "settled": settled,
        "hand": hand,
    }


def by_key(rows, *keys):
    return {tuple(getattr(r, k) for k in keys): r for r in rows}


def test_reports_and_query_give_the_same_daily_numbers(spark, lakes):
    for name, keys, metrics in (
        (
            "fact_video_daily_metrics",
            ("video_id", "date"),
            (
                "views",
                "likes",
                "comments",
                "estimated_minutes_watched",
                "average_view_duration_seconds",
                "engaged_views",
            ),
        ),
        (
            "fact_channel_daily_metrics",
            ("channel_id", "date"),
            (
                "views",
                "likes",
                "comments",
                "estimated_minutes_watched",
                "subscribers_gained",
                "subscribers_lost",
                "engaged_views",
            ),
        ),
        ("fact_video_device_metrics", ("video_id", "date", "device_type"), ("views", "estimated_minutes_watched")),
    ):
        query = by_key(table(spark, lakes["q"], name), *keys)
        reports = by_key(table(spark, lakes["r"], name), *keys)
        assert query and set(reports) == set(query), name
        for key, row in query.items():
            assert [getattr(reports[key], m) for m in metrics] == [getattr(row, m) for m in metrics], (name, key)
            assert reports[key].metrics_source == "reporting" and row.metrics_source == "query"


def test_country_cells_match_and_the_remainder_is_zz(spark, lakes):
    query = by_key(table(spark, lakes["q"], "fact_video_country_metrics"), "video_id", "date", "country_code")
    reports = by_key(table(spark, lakes["r"], "fact_video_country_metrics"), "video_id", "date", "country_code")
    for key, row in query.items():
        assert (reports[key].views, reports[key].estimated_minutes_watched) == (
            row.views,
            row.estimated_minutes_watched,
        )
    assert {k[2] for k in set(reports) - set(query)} == {"ZZ"}
    daily = by_key(table(spark, lakes["r"], "fact_video_daily_metrics"), "video_id", "date")
    for (video, day), row in daily.items():  # a true daily series: countries add up to the day
        assert sum(r.views for k, r in reports.items() if k[:2] == (video, day)) == row.views


def test_traffic_sources_match_and_an_unknown_code_is_flagged(spark, lakes):
    query = by_key(table(spark, lakes["q"], "fact_video_traffic_source_metrics"), "video_id", "date", "traffic_source")
    reports = by_key(
        table(spark, lakes["r"], "fact_video_traffic_source_metrics"), "video_id", "date", "traffic_source"
    )
    renamed = {
        (k[0], k[1], "TRAFFIC_SOURCE_TYPE_CODE_99" if k[2] == "IMMERSIVE_FEED" else k[2]): r for k, r in query.items()
    }
    assert set(renamed) == set(reports)
    assert all(reports[k].views == r.views for k, r in renamed.items())
    flagged = {r.source_id: r.is_known for r in table(spark, lakes["r"], "dim_traffic_source")}
    assert flagged["TRAFFIC_SOURCE_TYPE_CODE_99"] is False and flagged["YT_SEARCH"] is True
    assert any("TRAFFIC_SOURCE_TYPE_CODE_99" in w for w in lakes["first"]["warnings"] + lakes["second"]["warnings"])


def test_a_restated_day_is_replaced_not_added_to(spark, lakes):
    world, channel = lakes["world"], lakes["world"].channels[0]
    final = sum(world.video_day(world.videos[v], RESTATED).get("views", 0) for v in channel.video_ids)
    assert lakes["preliminary"][RESTATED] < final  # the first report: preliminary numbers
    daily = by_key(table(spark, lakes["r"], "fact_channel_daily_metrics"), "channel_id", "date")
    assert daily[(channel.id, RESTATED)].views == final  # the restated report, once
    rows = [r for r in table(spark, lakes["r"], "silver_report_channel_basic") if r.date == RESTATED]
    assert len({r.report_id for r in rows}) == 1  # one report's rows, not two reports'
    assert {r.report_create_time.date() for r in rows} == {RESTATED + timedelta(days=5)}  # the later one
    assert lakes["second"]["tables"]["silver_report_channel_basic"]["updated"] > 0


def test_an_older_report_arriving_late_changes_nothing(spark, lakes):
    for name, rows in lakes["settled"].items():
        assert sorted(table(spark, lakes["r"], name), key=repr) == rows, name
    assert any("Silver holds a later report" in w for w in lakes["third"]["warnings"])


def test_unknown_columns_are_kept_and_bad_rows_quarantined(spark, lakes):
    assert any("unknown column(s) new_metric kept in extra_columns" in w for w in lakes["second"]["warnings"])
    rows = [r for r in table(spark, lakes["r"], "silver_report_channel_basic") if r.date == date(2026, 10, 20)]
    assert rows and all(r.extra_columns == {"new_metric": "7"} for r in rows)
    assert "badvideo001" not in {r.video_id for r in rows}
    quarantined = spark.read.format("delta").load(str(lakes["r"] / "bronze" / "quarantine")).collect()
    assert any(
        q.target_table == "silver_report_channel_basic"
        and "non-numeric views" in q.reason
        and "badvideo001" in q.record
        for q in quarantined
    )


def test_full_grain_tables_and_generic_reports(spark, lakes):
    demographics = table(spark, lakes["r"], "silver_report_demographics")
    assert demographics and {r.gender for r in demographics} == {"FEMALE", "MALE"}
    playback = table(spark, lakes["r"], "silver_report_playback_location")
    assert {r.playback_location for r in playback} <= {"WATCH", "EMBEDDED", "BROWSE", "CHANNEL", "SHORTS"}
    devices = table(spark, lakes["r"], "silver_report_device_os")
    assert {"ANDROID", "IOS", "WINDOWS"} <= {r.operating_system_name for r in devices}
    generic = table(spark, lakes["r"], "silver_report_rows_generic")
    assert generic and {r.report_family for r in generic} == {"channel_sharing_service"}
    assert all("sharing_service" in r.dimensions and "shares" in r.metrics for r in generic)
    assert len({(r.report_family, r.channel_id, r.date, r.dimension_key) for r in generic}) == len(generic)
    assert lakes["fetched"]["report_days"]["channel_basic_a3"] == [
        (START + timedelta(days=i)).isoformat() for i in range(4)
    ]


@pytest.fixture(scope="module")
def gold_lakes(prefect_server, spark, lakes):
    """Gold (dbt build, every model and test but freshness) on both lakes; no HTML report."""
    from blocks import LocalDeltaSpark
    from flows.gold import gold as gold_flow

    for name in ("q", "r"):
        LocalDeltaSpark(lake_root=str(lakes[name]), spark_master="local[2]").save(f"reporting-{name}", overwrite=True)
        state = gold_flow(
            backend=f"local-delta-spark/reporting-{name}",
            docs="never",
            report=False,  # no test here reads the HTML report (tests/flows/test_report.py does)
            skip_freshness=True,
            return_state=True,
        )
        assert state.is_completed(), state.message
    return lakes


def gold(spark, lake: Path, name: str) -> list:
    return spark.read.format("delta").load(str(lake / "gold" / name)).collect()


def test_the_same_gold_numbers_from_reports_and_from_query(spark, gold_lakes):
    """Gold of the days both cover. Traffic sources are left out: the query names the unknown source
    where the report has only its code (test_traffic_sources_match_and_an_unknown_code_is_flagged);
    countries compare where both have a cell (the query API anonymises the remainder the report keeps
    under ZZ)."""
    for name, keys, metrics in (
        (
            "gold_channel_daily_summary",
            ("channel_id", "date"),
            (
                "views",
                "likes",
                "comments",
                "estimated_minutes_watched",
                "subscribers_gained",
                "subscribers_lost",
                "net_subscribers",
                "engaged_views",
            ),
        ),
        (
            "gold_video_daily_summary",
            ("video_id", "date"),
            (
                "channel_id",
                "views",
                "likes",
                "comments",
                "estimated_minutes_watched",
                "average_view_duration_seconds",
                "engaged_views",
            ),
        ),
        (
            "gold_video_device_daily_summary",
            ("video_id", "date", "device_type"),
            ("device_name", "views", "estimated_minutes_watched"),
        ),
    ):
        query = by_key(gold(spark, gold_lakes["q"], name), *keys)
        reports = by_key(gold(spark, gold_lakes["r"], name), *keys)
        assert query and set(reports) == set(query), name
        for key, row in query.items():
            assert [getattr(reports[key], m) for m in metrics] == [getattr(row, m) for m in metrics], (name, key)
    query = by_key(gold(spark, gold_lakes["q"], "gold_video_country_daily_summary"), "video_id", "date", "country_code")
    reports = by_key(
        gold(spark, gold_lakes["r"], "gold_video_country_daily_summary"), "video_id", "date", "country_code"
    )
    assert query and set(query) <= set(reports)
    assert {k[2] for k in set(reports) - set(query)} == {"ZZ"}
    for key, row in query.items():
        assert (reports[key].views, reports[key].estimated_minutes_watched) == (
            row.views,
            row.estimated_minutes_watched,
        )


def _reach_truth(world: World, day: date) -> dict[str, tuple[int, int]]:
    """video id -> (impressions, clicks) of the synthetic world's reach for the day (videos with views)."""
    from youtube_sim.synth_reporting import reach_totals

    out = {}
    for video_id in world.channels[0].video_ids:
        views = world.video_day(world.videos[video_id], day).get("views", 0)
        if views:
            out[video_id] = reach_totals(video_id, day, views)
    return out


def test_reach_reports_reach_silver_and_bad_rows_are_quarantined_with_reasons(spark, lakes):
    world = lakes["world"]
    basic = table(spark, lakes["r"], "silver_report_reach_basic")
    day20 = {r.video_id: r for r in basic if r.date == date(2026, 10, 20)}
    truth = _reach_truth(world, date(2026, 10, 20))
    assert set(day20) == set(truth)  # the good rows beside the bad ones all loaded
    for video_id, (impressions, clicks) in truth.items():
        assert day20[video_id].video_thumbnail_impressions == impressions
        assert day20[video_id].video_thumbnail_impressions_ctr == pytest.approx(clicks / impressions, abs=1e-6)
    quarantined = [
        q
        for q in spark.read.format("delta").load(str(lakes["r"] / "bronze" / "quarantine")).collect()
        if q.target_table in ("silver_report_reach_basic", "silver_report_reach_combined")
    ]
    reasons = {(q.target_table, q.reason) for q in quarantined}
    for video_id, reason in (
        ("ctrtoohigh1", "video_thumbnail_impressions_ctr above 1 (a fraction 0..1)"),
        ("negimpress1", "negative video_thumbnail_impressions"),
        ("fracimpress", "fractional video_thumbnail_impressions"),
    ):
        assert any(reason in q.reason and video_id in q.record for q in quarantined), reason
    # a report without its CTR column: every row quarantined with the reason, none loaded with a NULL rate
    assert ("silver_report_reach_combined", "missing video_thumbnail_impressions_ctr") in reasons
    combined = table(spark, lakes["r"], "silver_report_reach_combined")
    assert combined and date(2026, 10, 19) not in {r.date for r in combined}
    counted = lakes["second"]["tables"]  # what the run's summary adds up
    assert counted["silver_report_reach_basic"]["quarantined"] == 3
    assert counted["silver_report_reach_combined"]["quarantined"] == sum(
        1 for q in quarantined if q.target_table == "silver_report_reach_combined"
    )
    # the combined report's codes mapped to the keys of the traffic-source and device models
    assert {"YT_SEARCH", "RELATED_VIDEO"} & {r.traffic_source for r in combined}
    assert {r.device for r in combined} <= {"MOBILE", "TABLET", "DESKTOP", "TV", "GAME_CONSOLE", "UNKNOWN_PLATFORM"}


def test_a_restated_reach_day_is_replaced_not_added_to(spark, lakes):
    rows = [r for r in table(spark, lakes["r"], "silver_report_reach_basic") if r.date == RESTATED]
    assert len({r.report_id for r in rows}) == 1
    assert {r.report_create_time.date() for r in rows} == {RESTATED + timedelta(days=5)}
    final = _reach_truth(lakes["world"], RESTATED)
    assert sum(r.video_thumbnail_impressions for r in rows) == sum(i for i, _ in final.values())


def test_channel_ctr_is_weighted_by_impressions_never_an_average_of_rates(spark, gold_lakes):
    channel = gold_lakes["world"].channels[0].id
    daily = by_key(gold(spark, gold_lakes["r"], "gold_channel_reach_daily"), "channel_id", "date")
    hand = daily[(channel, HAND_DAY)]
    assert hand.impressions == 1010
    assert hand.impressions_ctr == pytest.approx((1000 * 0.1 + 10 * 0.5) / 1010)  # 0.10396, not (0.1 + 0.5) / 2
    assert abs(hand.impressions_ctr - 0.3) > 0.1
    basic = by_key(gold(spark, gold_lakes["r"], "gold_channel_daily_summary"), "channel_id", "date")
    assert hand.views == basic[(channel, HAND_DAY)].views  # the basic report's views of the same day
    for day in (date(2026, 10, 21), date(2026, 10, 20)):
        truth = _reach_truth(gold_lakes["world"], day)
        impressions, clicks = sum(i for i, _ in truth.values()), sum(c for _, c in truth.values())
        assert daily[(channel, day)].impressions == impressions
        assert daily[(channel, day)].impressions_ctr == pytest.approx(clicks / impressions, abs=1e-6)
        assert daily[(channel, day)].views >= clicks  # views from impressions never exceed the day's views
    assert not gold(spark, gold_lakes["q"], "gold_channel_reach_daily")  # query-only lake: no reach at all


def test_video_reach_has_every_dimension_of_the_report_and_the_traffic_source_keys(spark, gold_lakes):
    rows = gold(spark, gold_lakes["r"], "gold_video_reach_daily")
    keys = [(r.video_id, r.date, r.source_id, r.device_type, r.operating_system) for r in rows]
    assert rows and len(keys) == len(set(keys))
    assert date(2026, 10, 19) not in {r.date for r in rows}  # that day's report was quarantined whole
    truth = _reach_truth(gold_lakes["world"], date(2026, 10, 21))
    for video_id, (impressions, clicks) in truth.items():
        mine = [r for r in rows if r.video_id == video_id and r.date == date(2026, 10, 21)]
        assert sum(r.impressions for r in mine) == impressions
        weighted = sum(r.impressions * r.impressions_ctr for r in mine) / impressions
        assert weighted == pytest.approx(clicks / impressions, abs=1e-5)
    sources = {r.source_id for r in gold(spark, gold_lakes["r"], "gold_video_traffic_source_daily_summary")}
    assert {r.source_id for r in rows} <= sources | {"TRAFFIC_SOURCE_TYPE_CODE_99"}
    assert all(0 <= r.impressions_ctr <= 1 for r in rows)
