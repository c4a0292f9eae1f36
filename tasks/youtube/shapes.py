"""The Analytics API `reports.query` shapes the API accepts (YOUTUBE_API.md).

Used by the replay and synthetic stand-ins to answer 400 "The query is not supported" exactly
where the real API does, and by tests to prove the client never asks for a rejected shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MAX_VIDEO_DAYS_TRAFFIC = 50_000
MAX_TOP_VIDEOS = 200
MAX_IDS_PER_VIDEOS_CALL = 50


def _video_filter_ids(filters: str) -> list[str] | None:
    """Ids of a `video==a,b` filter, [] when there is no filter, None for any other filter."""
    if not filters:
        return []
    parts = [p for p in filters.split(";") if p]
    if len(parts) != 1 or not parts[0].startswith("video=="):
        return None
    return [v for v in parts[0][len("video==") :].split(",") if v]


def _days(params: Mapping[str, str]) -> int:
    start, end = date.fromisoformat(params["startDate"]), date.fromisoformat(params["endDate"])
    return (end - start).days + 1


def analytics_shape_error(params: Mapping[str, str]) -> str | None:
    """Why the API would reject this reports.query, or None when the shape is accepted."""
    for required in ("ids", "startDate", "endDate", "metrics"):
        if not params.get(required):
            return f"Required parameter missing: {required}"
    try:
        days = _days(params)
    except ValueError:
        return "Invalid date format: startDate/endDate must be YYYY-MM-DD"
    if days < 1:
        return "The query is not supported: endDate is before startDate"
    dims = [d for d in params.get("dimensions", "").split(",") if d]
    ids = _video_filter_ids(params.get("filters", ""))
    if ids is None:
        return "The query is not supported: unsupported filter"
    shape = frozenset(dims)
    if shape == {"day"}:
        return None if len(ids) <= 1 else "The query is not supported: several videos need dimensions=day,video"
    if shape == {"day", "video"}:
        return None if ids else "The query is not supported: dimensions video,day need a video filter"
    if shape in ({"insightTrafficSourceType"}, {"insightTrafficSourceType", "day"}):
        if max(len(ids), 1) * days > MAX_VIDEO_DAYS_TRAFFIC:
            return "The query is not supported: too many videos x days for traffic sources"
        return None
    if shape in ({"deviceType"}, {"deviceType", "day"}):
        return None
    if shape == {"country"}:
        return None
    if shape == {"day", "creatorContentType"}:  # an optional dimension of the video reports
        return None if len(ids) <= 1 else "The query is not supported: one video per content-type query"
    if shape == {"elapsedVideoTimeRatio"}:
        return None if len(ids) == 1 else "The query is not supported: audience retention needs one video filter"
    if shape == {"video"}:
        sort = params.get("sort", "")
        if not sort.startswith("-"):
            return "The query is not supported: top videos must sort by a descending metric"
        if int(params.get("maxResults") or 0) > MAX_TOP_VIDEOS or not params.get("maxResults"):
            return f"The query is not supported: top videos need maxResults <= {MAX_TOP_VIDEOS}"
        return None
    return f"The query is not supported: dimensions={','.join(dims) or '(none)'}"


def data_api_request_error(path: str, params: Mapping[str, str]) -> str | None:
    """Why the Data API would reject this list call, or None."""
    if path.endswith("/videos") and params.get("id"):
        if params.get("maxResults"):
            return "The request specifies maxResults together with id, which is not supported."
        if len(params["id"].split(",")) > MAX_IDS_PER_VIDEOS_CALL:
            return f"The request specifies more than {MAX_IDS_PER_VIDEOS_CALL} video ids."
    return None
