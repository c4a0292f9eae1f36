import pytest

from tasks.youtube.shapes import analytics_shape_error, data_api_request_error

BASE = {"ids": "channel==MINE", "startDate": "2026-10-01", "endDate": "2026-10-30", "metrics": "views"}


@pytest.mark.parametrize(
    "extra",
    [
        {"dimensions": "day"},
        {"dimensions": "day", "filters": "video==abc"},
        {"dimensions": "day,video", "filters": "video==a,b,c"},
        {"dimensions": "insightTrafficSourceType,day", "filters": "video==abc"},
        {"dimensions": "insightTrafficSourceType"},
        {"dimensions": "deviceType,day", "filters": "video==abc"},
        {"dimensions": "country", "filters": "video==abc"},
        {"dimensions": "video", "sort": "-views", "maxResults": "200"},
    ],
)
def test_accepted_shapes(extra):
    assert analytics_shape_error({**BASE, **extra}) is None


@pytest.mark.parametrize(
    "extra, why",
    [
        ({"dimensions": "day,video"}, "video filter"),
        ({"dimensions": "video,day"}, "video filter"),
        ({"dimensions": "country,day", "filters": "video==abc"}, "not supported"),
        ({"dimensions": "day", "filters": "video==a,b"}, "several videos"),
        ({"dimensions": "video", "sort": "views", "maxResults": "10"}, "descending"),
        ({"dimensions": "video", "sort": "-views", "maxResults": "500"}, "200"),
        (
            {
                "dimensions": "insightTrafficSourceType,day",
                "filters": "video==" + ",".join(f"v{i}" for i in range(2000)),
            },
            "too many",
        ),
        ({"dimensions": "day", "filters": "country==US"}, "unsupported filter"),
        ({"dimensions": "ageGroup"}, "not supported"),
    ],
)
def test_rejected_shapes(extra, why):
    assert why in analytics_shape_error({**BASE, **extra})


def test_missing_and_bad_dates():
    assert "metrics" in analytics_shape_error({k: v for k, v in BASE.items() if k != "metrics"})
    assert "YYYY-MM-DD" in analytics_shape_error({**BASE, "startDate": "01/10/2026"})
    assert "before" in analytics_shape_error({**BASE, "startDate": "2026-11-01"})


def test_videos_by_id_rules():
    assert data_api_request_error("/youtube/v3/videos", {"id": ",".join(["x"] * 50)}) is None
    assert "more than 50" in data_api_request_error("/youtube/v3/videos", {"id": ",".join(["x"] * 51)})
    assert "maxResults" in data_api_request_error("/youtube/v3/videos", {"id": "a", "maxResults": "5"})
