"""Data API v3 fetches: trending charts, categories, channels -> uploads -> videos.

Every page is landed as received; only ids and page tokens are read here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tasks.landing import Lander
from tasks.youtube.executor import ApiExecutor
from tasks.youtube.parsing import as_json_object, item_list
from tasks.youtube.shapes import MAX_IDS_PER_VIDEOS_CALL

logger = logging.getLogger(__name__)

VIDEO_PARTS = "snippet,contentDetails,statistics,status,topicDetails"
CHANNEL_PARTS = "snippet,contentDetails,statistics"
CHART_MAX_VIDEOS = 200
PAGE_SIZE = 50


@dataclass
class DataApiContext:
    """What every fetch of one snapshot day shares."""

    client: Any
    executor: ApiExecutor
    lander: Lander
    snapshot_date: date
    warnings: list[str] = field(default_factory=list)

    def call(
        self,
        endpoint: str,
        table: str,
        request: Any,
        params: dict[str, Any],
        *,
        region: str | None = None,
        channel_id: str | None = None,
        page_offset: int | None = None,
    ) -> dict[str, Any] | None:
        """Execute, land the page, and return it parsed (None if it failed or is not JSON)."""
        body = self.executor.execute(endpoint, request, params)
        if body is None:
            return None
        self.lander.land(
            table,
            endpoint,
            params,
            body,
            self.snapshot_date,
            region=region,
            channel_id=channel_id,
            page_offset=page_offset,
        )
        doc = as_json_object(body)
        if doc is None:
            self.warnings.append(f"{endpoint} {params}: response is not a JSON object; landed for quarantine")
        return doc


def trending(ctx: DataApiContext, region: str, max_videos: int = CHART_MAX_VIDEOS) -> list[str]:
    """The full mostPopular chart of a region (up to 200 videos in pages of 50); its video ids."""
    ids: list[str] = []
    token: str | None = None
    while len(ids) < max_videos:
        params: dict[str, Any] = {
            "part": VIDEO_PARTS,
            "chart": "mostPopular",
            "regionCode": region,
            "maxResults": min(PAGE_SIZE, max_videos - len(ids)),
        }
        if token:
            params["pageToken"] = token
        doc = ctx.call(
            "youtube.videos.list",
            "trending_videos_raw",
            ctx.client.videos().list(**params),
            params,
            region=region,
            page_offset=len(ids),
        )
        if doc is None:
            break
        ids += [i["id"] for i in item_list(doc) if isinstance(i.get("id"), str)]
        token = doc.get("nextPageToken")
        if not token:
            break
    return ids


def categories(ctx: DataApiContext, region: str) -> None:
    params = {"part": "snippet", "regionCode": region}
    ctx.call(
        "youtube.videoCategories.list",
        "video_categories_raw",
        ctx.client.videoCategories().list(**params),
        params,
        region=region,
    )


def channels(ctx: DataApiContext, channel_refs: list[str]) -> dict[str, tuple[str, str]]:
    """Channel id -> (how it was asked for: 'mine' or the id, uploads playlist id)."""
    uploads: dict[str, tuple[str, str]] = {}
    requests: list[dict[str, Any]] = []
    if "mine" in channel_refs:
        requests.append({"part": CHANNEL_PARTS, "mine": True})
    explicit = [c for c in channel_refs if c != "mine"]
    for start in range(0, len(explicit), PAGE_SIZE):
        requests.append({"part": CHANNEL_PARTS, "id": ",".join(explicit[start : start + PAGE_SIZE])})
    for params in requests:
        doc = ctx.call("youtube.channels.list", "channels_raw", ctx.client.channels().list(**params), params)
        for item in item_list(doc or {}):
            playlist = (item.get("contentDetails") or {}).get("relatedPlaylists", {}).get("uploads")
            if isinstance(item.get("id"), str) and isinstance(playlist, str):
                uploads[item["id"]] = ("mine" if params.get("mine") else item["id"], playlist)
            else:
                ctx.warnings.append(f"channel {item.get('id')!r} has no uploads playlist")
    return uploads


def playlist_video_ids(ctx: DataApiContext, channel_id: str, playlist_id: str) -> list[str]:
    """Every video id of an uploads playlist, following pages."""
    ids: list[str] = []
    token: str | None = None
    offset = 0
    while True:
        params: dict[str, Any] = {"part": "snippet,contentDetails", "playlistId": playlist_id, "maxResults": PAGE_SIZE}
        if token:
            params["pageToken"] = token
        doc = ctx.call(
            "youtube.playlistItems.list",
            "playlist_items_raw",
            ctx.client.playlistItems().list(**params),
            params,
            channel_id=channel_id,
            page_offset=offset,
        )
        if doc is None:
            break
        offset += len(item_list(doc))
        for item in item_list(doc):
            vid = (item.get("contentDetails") or {}).get("videoId")
            if isinstance(vid, str) and vid not in ids:
                ids.append(vid)
        token = doc.get("nextPageToken")
        if not token:
            break
    return ids


def videos(ctx: DataApiContext, video_ids: list[str], channel_id: str | None = None) -> None:
    """videos.list by id, at most 50 ids a call (no maxResults with id)."""
    for start in range(0, len(video_ids), MAX_IDS_PER_VIDEOS_CALL):
        params = {"part": VIDEO_PARTS, "id": ",".join(video_ids[start : start + MAX_IDS_PER_VIDEOS_CALL])}
        ctx.call("youtube.videos.list", "videos_raw", ctx.client.videos().list(**params), params, channel_id=channel_id)
