"""The report page on its own (no Spark): it renders every chart offline in headless Chromium, says when a
section has no data, escapes what it shows, and the browser check fails on a broken or blank chart."""

from __future__ import annotations

import json

import pytest

from tasks.report.browser import check_page, find_chromium
from tasks.report.formatting import hours, number, rank_change, signed
from tasks.report.page import render
from tasks.report.publish import reports_folder, write_pages
from tests.report.report_data import sample_data

browser = pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH (make browser installs it)")


def test_the_headline_ctr_is_weighted_by_impressions():
    from tasks.report.page import headline, weighted_ctr

    rows = [{"impressions": 1000, "ctr": 0.10}, {"impressions": 10, "ctr": 0.50}, {"impressions": 5, "ctr": None}]
    assert round(weighted_ctr(rows), 5) == 0.10396 and weighted_ctr([]) is None  # not (0.10 + 0.50) / 2
    data = sample_data()
    data["creators"]["reach_daily"] = rows[:2]
    assert ("Impressions CTR", "10.4%") in headline(data, None) and ("Impressions", "1,010") in headline(data, None)


def test_numbers_and_changes_for_people():
    assert number(1234567) == "1,234,567" and number(None) == "–" and number(2.25) == "2.2"
    assert hours(90) == "1.5 h" and hours(123456) == "2,058 h"
    assert signed(5) == "+5" and signed(-3) == "-3" and signed(0) == "0"
    assert rank_change(1, 3, True) == "▲ 2" and rank_change(4, 1, True) == "▼ 3"
    assert rank_change(2, None, True) == "new" and rank_change(2, 2, True) == "=" and rank_change(2, None, False) == ""


def test_the_page_is_self_contained_and_escapes_what_it_shows(tmp_path):
    page = render(sample_data(), "run-1", {"youtube.videos.list": 3})
    assert "<script src" not in page and "https://cdn" not in page and "<link" not in page
    assert "Video 1 &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page  # the table
    assert page.count("</script>") == 2  # the bundle's and the charts'
    specs = json.loads(page.split("const specs = ", 1)[1].split(";\nfor (", 1)[0].replace("<\\/", "</"))
    assert len(specs) == 14
    assert write_pages(tmp_path, "run-1", page) == tmp_path / "run-1" / "index.html"
    assert (tmp_path / "latest" / "index.html").read_text() == page


def test_reports_go_under_a_local_lake_and_elsewhere_for_remote_lakes(tmp_path):
    assert reports_folder(str(tmp_path)) == tmp_path / "reports"
    assert reports_folder("s3://bucket/lake").name == ".reports"
    assert reports_folder("/Volumes/main/yt/lake").name == ".reports"


@browser
def test_every_chart_renders_offline_in_chromium(tmp_path):
    path = write_pages(tmp_path, "run-1", render(sample_data(), "run-1", {"youtube.videos.list": 3}))
    result = check_page(path, tmp_path / "shot.png")
    assert result["problems"] == []
    assert len(result["charts"]) == 14 and all(c["marks"] > 0 for c in result["charts"])
    names = {c["name"] for c in result["charts"]}
    assert {"reach-daily", "reach-top-videos", "content-type-daily", "retention-curves"} <= names
    assert (tmp_path / "shot.png").stat().st_size > 20_000


@browser
def test_sections_without_data_say_so_instead_of_empty_axes(tmp_path):
    data = sample_data(
        empty=(
            "channels.daily",
            "channels.demographics",
            "channels.playback_locations",
            "trending.categories_by_day",
            "trending.top_videos",
            "trending.region_category",
            "creators.reach_daily",
            "creators.reach_top_videos",
            "creators.content_types",
            "creators.retention",
        )
    )
    page = render(data, None)
    assert "No reach in this window" in page and "No content-type split in this window." in page
    assert "No retention curves in this window." in page
    assert "No trending charts in this window." in page and "No channel analytics in this window." in page
    assert "No demographics in the window" in page and "It comes from the Reporting API" in page
    for missing in (
        "channel-daily",
        "demographics",
        "playback-locations",
        "trending-views-by-category",
        "reach-daily",
        "content-type-daily",
        "retention-curves",
    ):
        assert f'data-chart="{missing}"' not in page
    result = check_page(write_pages(tmp_path, None, page))
    assert result["problems"] == [] and len(result["charts"]) == 5


@browser
def test_the_browser_check_fails_on_a_broken_and_a_blank_chart(tmp_path):
    page = render(sample_data(), "run-1")
    broken = page.replace('"mark":{"type":"line"', '"mark":{"type":"no-such-mark"', 1)
    assert broken != page
    result = check_page(write_pages(tmp_path / "broken", None, broken), timeout_s=20)
    assert any("chart channel-daily: not rendered" in p for p in result["problems"])
    assert any(p.startswith("console error") for p in result["problems"])
    data = sample_data()
    data["channels"]["devices"] = [{"device_name": "Mobile", "views": None, "minutes": None}]
    result = check_page(write_pages(tmp_path / "blank", None, render(data, None)), timeout_s=20)
    assert [p for p in result["problems"] if p.startswith("chart devices: blank")], result["problems"]
