"""A deterministic synthetic YouTube: the world recordings are generated from.

`SynthHttp` answers the Data API and Analytics API requests google-api-python-client sends,
with realistic shapes and values and the API's own rules (chart paging, 50 ids a call, the
accepted Analytics shapes). It includes the mess real pipelines meet: a video without
statistics, hidden like counts, emoji and right-to-left titles, a region without a chart,
an unknown traffic source, UNKNOWN_PLATFORM devices and a non-JSON (HTML) response body.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httplib2

from tasks.youtube.replay import error_body, rule_violation, split_request

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
CATEGORIES: tuple[tuple[str, str, bool], ...] = (
    ("1", "Film & Animation", True),
    ("2", "Autos & Vehicles", True),
    ("10", "Music", True),
    ("15", "Pets & Animals", True),
    ("17", "Sports", True),
    ("18", "Short Movies", False),
    ("19", "Travel & Events", True),
    ("20", "Gaming", True),
    ("22", "People & Blogs", True),
    ("23", "Comedy", True),
    ("24", "Entertainment", True),
    ("25", "News & Politics", True),
    ("26", "Howto & Style", True),
    ("27", "Education", True),
    ("28", "Science & Technology", True),
    ("29", "Nonprofits & Activism", True),
    ("30", "Movies", False),
    ("44", "Trailers", False),
)
TRAFFIC_SOURCES = (
    "YT_SEARCH",
    "SUBSCRIBER",
    "RELATED_VIDEO",
    "EXT_URL",
    "PLAYLIST",
    "NOTIFICATION",
    "SHORTS",
    "YT_CHANNEL",
    "YT_OTHER_PAGE",
    "NO_LINK_OTHER",
)
UNKNOWN_TRAFFIC_SOURCE = "IMMERSIVE_FEED"  # not in the documented list: must pass through, flagged
DEVICES = ("MOBILE", "DESKTOP", "TV", "TABLET", "GAME_CONSOLE")
RETENTION_POINTS = 100  # elapsedVideoTimeRatio 0.01 .. 1.00
COUNTRIES = ("US", "GB", "IN", "BR", "DE", "JP", "CA", "MX", "FR", "AU", "IL", "SA", "EG", "KR")
MESSY_TITLES = (
    "🔥 Best of the week 🔥 #shorts",
    "مرحبا بالعالم — أفضل الأهداف",
    "שלום עולם: סיור בעיר",
    "日本の夏祭り 2026 🎆",
    "Ünïcödé & <html> \"quotes\" 'n' stuff",
)
WORDS = (
    "amazing",
    "review",
    "trailer",
    "live",
    "highlights",
    "tutorial",
    "vlog",
    "reaction",
    "music",
    "official",
    "news",
    "challenge",
    "recipe",
    "unboxing",
    "travel",
    "gaming",
    "podcast",
    "explained",
)


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    regions: tuple[str, ...] = ("US", "GB", "JP")
    chartless_regions: tuple[str, ...] = ("KP",)
    videos_per_channel: tuple[int, ...] = (52, 4)
    snapshot_end: date = date(2026, 10, 30)
    snapshot_days: int = 3
    analytics_days: int = 30
    trending_pool: int = 320
    chart_size: int = 200
    reporting_history_days: int = 20  # days of bulk reports the channel's jobs have (0: no jobs yet)
    restated_day_offset: int = 9  # the day, counted back from the last, whose report is restated

    @property
    def snapshot_dates(self) -> list[date]:
        return [self.snapshot_end - timedelta(days=i) for i in range(self.snapshot_days - 1, -1, -1)]

    @property
    def analytics_start(self) -> date:
        return self.analytics_end - timedelta(days=self.analytics_days - 1)

    @property
    def analytics_end(self) -> date:
        return self.snapshot_end


def _rng(*parts: Any) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _ident(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ID_ALPHABET) for _ in range(n))


def _etag(*parts: Any) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:27]


def _iso_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


@dataclass
class Video:
    id: str
    channel_id: str
    channel_title: str
    published: datetime
    title: str
    tags: list[str]
    category_id: str
    duration_s: int
    definition: str
    base_views: int
    daily_growth: float
    language: str = "en"
    missing_statistics: bool = False
    hidden_likes: bool = False
    content_type: str = "VIDEO_ON_DEMAND"  # as the Analytics API's creatorContentType names it
    title_changes: dict[int, str] = field(default_factory=dict)  # snapshot index -> new title
    tag_changes: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class Channel:
    id: str
    title: str
    published: datetime
    country: str
    video_ids: list[str]

    @property
    def uploads(self) -> str:
        return "UU" + self.id[2:]


class World:
    """Everything the synthetic APIs know, derived from a WorldConfig alone."""

    def __init__(self, config: WorldConfig):
        self.config = config
        rng = _rng("world", config.seed)
        self.videos: dict[str, Video] = {}
        self.channels: list[Channel] = []
        first_day = datetime.combine(config.analytics_start, datetime.min.time(), tzinfo=UTC)
        for c, count in enumerate(config.videos_per_channel):
            cid = "UC" + _ident(rng, 22)
            title = ["Lakehouse Labs", "Tiny Kitchen", "Orbit Gaming", "Desert Drives"][c % 4] + (
                "" if c < 4 else f" {c}"
            )
            channel = Channel(cid, title, first_day - timedelta(days=900 + 40 * c), COUNTRIES[c % len(COUNTRIES)], [])
            for v in range(count):
                # most uploads predate the window; a few appear during it
                age = rng.randint(-config.analytics_days + 2, 700) if v % 9 == 4 else rng.randint(10, 700)
                video = self._video(rng, cid, title, first_day - timedelta(days=age, hours=rng.randint(0, 23)))
                channel.video_ids.append(video.id)
                self._content_type(video, v)
            self.channels.append(channel)
        for _ in range(config.trending_pool):
            cid = "UC" + _ident(rng, 22)
            self._video(
                rng, cid, f"Creator {cid[2:8]}", first_day + timedelta(days=rng.randint(-20, config.analytics_days))
            )
        pool = [v for v in self.videos.values()]
        for i, idx in enumerate((5, 11, 17, 23, 29)):
            pool[-idx].title = MESSY_TITLES[i]
        pool[-7].missing_statistics = True
        pool[-13].hidden_likes = True
        retitled = self.videos[self.channels[0].video_ids[0]]  # new title from the second snapshot
        retitled.title_changes[1] = retitled.title + " (updated)"
        retagged = self.videos[self.channels[0].video_ids[2]]  # new tags from the third snapshot
        retagged.tag_changes[2] = retagged.tags + ["updated-tag"]
        self.changed_video_ids = [retitled.id, retagged.id]
        self.changed_video_id = retitled.id
        self.unknown_source_video_id = self.channels[0].video_ids[1]
        self._reporting: Any = None

    @property
    def reporting(self) -> Any:
        """The Reporting API's jobs and reports (state: jobs can be created)."""
        if self._reporting is None:
            from youtube_sim.synth_reporting import ReportingState

            self._reporting = ReportingState.for_world(self)
        return self._reporting

    def _video(self, rng: random.Random, channel_id: str, channel_title: str, published: datetime) -> Video:
        vid = _ident(rng, 11)
        words = rng.sample(WORDS, 3)
        video = Video(
            id=vid,
            channel_id=channel_id,
            channel_title=channel_title,
            published=published,
            title=" ".join(w.capitalize() for w in words) + f" #{rng.randint(1, 999)}",
            tags=rng.sample(WORDS, rng.randint(0, 5)),
            category_id=rng.choice(CATEGORIES)[0],
            duration_s=rng.randint(15, 5400),
            definition=rng.choice(("hd", "hd", "sd")),
            base_views=rng.randint(500, 3_000_000),
            daily_growth=rng.uniform(0.01, 0.3),
        )
        self.videos[vid] = video
        return video

    @staticmethod
    def _content_type(video: Video, index: int) -> None:
        """Every channel a mix: a third Shorts (short, as Shorts are), some live streams, the rest on demand."""
        if index % 3 == 1:
            video.content_type = "SHORTS"
            video.duration_s = 15 + video.duration_s % 166
        elif index % 7 == 5:
            video.content_type = "LIVE_STREAM"

    # --- Data API resources -------------------------------------------------------------
    def snapshot_index(self, as_of: date) -> int:
        return max(0, (as_of - self.config.snapshot_dates[0]).days)

    def visible(self, video: Video, as_of: date) -> bool:
        return video.published.date() <= as_of

    def video_resource(self, video: Video, as_of: date, parts: set[str]) -> dict[str, Any]:
        k = self.snapshot_index(as_of)
        title = next((t for i, t in sorted(video.title_changes.items(), reverse=True) if k >= i), video.title)
        tags = next((t for i, t in sorted(video.tag_changes.items(), reverse=True) if k >= i), video.tags)
        out: dict[str, Any] = {"kind": "youtube#video", "etag": _etag(video.id, as_of), "id": video.id}
        if "snippet" in parts:
            snippet = {
                "publishedAt": video.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": video.channel_id,
                "title": title,
                "description": f"{title}\n\nSubscribe for more {' '.join(tags[:2])}.",
                "thumbnails": {
                    "default": {"url": f"https://i.ytimg.com/vi/{video.id}/default.jpg", "width": 120, "height": 90}
                },
                "channelTitle": video.channel_title,
                "categoryId": video.category_id,
                "liveBroadcastContent": "none",
                "defaultAudioLanguage": video.language,
            }
            if tags:
                snippet["tags"] = tags
            out["snippet"] = snippet
        if "contentDetails" in parts:
            out["contentDetails"] = {
                "duration": _iso_duration(video.duration_s),
                "dimension": "2d",
                "definition": video.definition,
                "caption": "false",
                "licensedContent": True,
                "projection": "rectangular",
            }
        if "status" in parts:
            out["status"] = {
                "uploadStatus": "processed",
                "privacyStatus": "public",
                "license": "youtube",
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": False,
            }
        if "statistics" in parts and not video.missing_statistics:
            views = self.total_views(video, as_of)
            stats = {"viewCount": str(views), "favoriteCount": "0", "commentCount": str(views // 211)}
            if not video.hidden_likes:
                stats["likeCount"] = str(views // 27)
            out["statistics"] = stats
        if "topicDetails" in parts:
            out["topicDetails"] = {"topicCategories": ["https://en.wikipedia.org/wiki/Entertainment"]}
        return out

    def total_views(self, video: Video, as_of: date) -> int:
        days = max(0, (as_of - video.published.date()).days)
        return int(video.base_views * (1 + video.daily_growth * min(days, 60)))

    def chart(self, region: str, as_of: date) -> list[Video]:
        pool = sorted((v for v in self.videos.values() if self.visible(v, as_of)), key=lambda v: v.id)
        chosen = _rng("chart", self.config.seed, region).sample(pool, min(self.config.chart_size + 20, len(pool)))
        changed = self.videos[self.changed_video_id]
        if region == self.config.regions[0] and changed in pool and changed not in chosen:
            chosen.insert(3, changed)
        day_rng = _rng("chart-day", self.config.seed, region, as_of)
        for _ in range(15):  # daily churn: neighbours swap places
            i = day_rng.randrange(len(chosen) - 1)
            chosen[i], chosen[i + 1] = chosen[i + 1], chosen[i]
        start = self.snapshot_index(as_of) * 7 % 20
        return chosen[start : start + self.config.chart_size]

    def channel_resource(self, channel: Channel, as_of: date) -> dict[str, Any]:
        views = sum(self.total_views(self.videos[v], as_of) for v in channel.video_ids)
        return {
            "kind": "youtube#channel",
            "etag": _etag(channel.id, as_of),
            "id": channel.id,
            "snippet": {
                "title": channel.title,
                "description": f"The {channel.title} channel.",
                "customUrl": "@" + channel.title.lower().replace(" ", ""),
                "publishedAt": channel.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "country": channel.country,
            },
            "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": channel.uploads}},
            "statistics": {
                "viewCount": str(views),
                "subscriberCount": str(views // 150),
                "hiddenSubscriberCount": False,
                "videoCount": str(len(channel.video_ids)),
            },
        }

    # --- Analytics values ---------------------------------------------------------------
    def video_day(self, video: Video, day: date) -> dict[str, int]:
        if day < video.published.date():
            return {}
        r = _rng("vday", self.config.seed, video.id, day)
        age = (day - video.published.date()).days
        views = int(video.base_views / 60 / (1 + age / 30) * r.uniform(0.6, 1.4))
        avg = max(10, int(min(video.duration_s, 900) * r.uniform(0.25, 0.6)))
        return {
            "views": views,
            "likes": views // r.randint(20, 40),
            "comments": views // r.randint(150, 300),
            "estimatedMinutesWatched": views * avg // 60,
            "averageViewDuration": avg,
            "subscribersGained": views // r.randint(80, 200),
            "subscribersLost": views // r.randint(400, 900),
            "engagedViews": views * r.randint(70, 95) // 100,  # drawn last: the other values stay as they were
        }

    def breakdown(self, dim: str, video: Video, day: date, views: int) -> dict[str, int]:
        """A video-day's views by one Analytics dimension (insightTrafficSourceType, deviceType or country),
        as `reports.query` answers it: small remainders of the split are not attributed (anonymised)."""
        r = _rng("split", self.config.seed, video.id, day, dim)
        if dim == "insightTrafficSourceType":
            labels = r.sample(TRAFFIC_SOURCES, r.randint(3, 6))
            if video.id == self.unknown_source_video_id and day.day % 3 == 0:
                labels.append(UNKNOWN_TRAFFIC_SOURCE)
        elif dim == "deviceType":
            labels = list(DEVICES[:4]) + (["UNKNOWN_PLATFORM"] if r.random() < 0.3 else [])
        else:
            labels = r.sample(COUNTRIES, r.randint(3, 8))
        return self.split(views, labels, r)

    def retention(self, video: Video, start: date, end: date) -> list[tuple[float, float, float]]:
        """(elapsedVideoTimeRatio, audienceWatchRatio, relativeRetentionPerformance) at each hundredth of the
        video: the share watching decays (faster for long videos), Shorts are rewatched (above 1 at first)."""
        r = _rng("retention", self.config.seed, video.id, start, end)
        shorts = video.content_type == "SHORTS"
        start_ratio = r.uniform(1.05, 1.6) if shorts else r.uniform(0.7, 0.95)
        decay = r.uniform(0.2, 0.6) if shorts else r.uniform(0.8, 2.5) * (1 + min(video.duration_s, 3600) / 3600)
        relative = r.uniform(0.2, 0.8)
        points = []
        for i in range(1, RETENTION_POINTS + 1):
            x = i / RETENTION_POINTS
            watch = start_ratio * (2.718281828 ** (-decay * x)) * r.uniform(0.97, 1.03)
            rel = min(1.0, max(0.0, relative + r.uniform(-0.05, 0.05)))
            points.append((round(x, 2), round(watch, 4), round(rel, 4)))
        return points

    def split(self, total: int, labels: list[str], rng: random.Random) -> dict[str, int]:
        weights = [rng.random() + 0.05 for _ in labels]
        out = {lab: int(total * w / sum(weights)) for lab, w in zip(labels, weights, strict=True)}
        return {k: v for k, v in out.items() if v > 0}


class SynthHttp:
    """An httplib2-compatible `http` answering from a World, as of one snapshot day."""

    def __init__(self, world: World, as_of: date):
        self.world, self.as_of = world, as_of

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        method, host, path, params = split_request(uri, method, body, headers)
        if host == "youtubereporting.googleapis.com":
            from youtube_sim.synth_reporting import answer

            return answer(self.world.reporting, method, path, params, body, headers)
        rejected = rule_violation(path, params)
        if rejected is not None:
            return self._resp(400, rejected)
        routes = {
            "/youtube/v3/videos": self._videos,
            "/youtube/v3/videoCategories": self._categories,
            "/youtube/v3/channels": self._channels,
            "/youtube/v3/playlistItems": self._playlist_items,
            "/v2/reports": self._reports,
        }
        handler = routes.get(path)
        if handler is None:
            return self._resp(404, error_body(404, "notFound", f"unknown path {path}"))
        return handler(params)

    @staticmethod
    def _resp(status: int, content: bytes | dict[str, Any], content_type: str = "application/json; charset=UTF-8"):
        body = content if isinstance(content, bytes) else json.dumps(content, ensure_ascii=False).encode("utf-8")
        return httplib2.Response({"status": str(status), "content-type": content_type}), body

    def _page(self, kind: str, items: list[dict[str, Any]], params: dict[str, str], size: int = 5) -> tuple:
        per_page = min(int(params.get("maxResults") or size), 50)
        offset = int(params.get("pageToken", "T0")[1:] or 0)
        doc: dict[str, Any] = {
            "kind": kind,
            "etag": _etag(kind, params, self.as_of),
            "items": items[offset : offset + per_page],
            "pageInfo": {"totalResults": len(items), "resultsPerPage": per_page},
        }
        if offset + per_page < len(items):
            doc["nextPageToken"] = f"T{offset + per_page}"
        if offset:
            doc["prevPageToken"] = f"T{max(0, offset - per_page)}"
        return self._resp(200, doc)

    def _videos(self, params: dict[str, str]):
        parts = set(params.get("part", "").split(","))
        if params.get("chart") == "mostPopular":
            region = params.get("regionCode", "US")
            if region not in self.world.config.regions:
                return self._resp(
                    404,
                    error_body(
                        404,
                        "videoChartNotFound",
                        "The requested video chart is not supported or is not available.",
                        domain="youtube.video",
                    ),
                )
            items = [self.world.video_resource(v, self.as_of, parts) for v in self.world.chart(region, self.as_of)]
            return self._page("youtube#videoListResponse", items, params)
        ids = [i for i in params.get("id", "").split(",") if i]
        items = [
            self.world.video_resource(self.world.videos[i], self.as_of, parts)
            for i in ids
            if i in self.world.videos and self.world.visible(self.world.videos[i], self.as_of)
        ]
        return self._resp(
            200,
            {
                "kind": "youtube#videoListResponse",
                "etag": _etag(ids, self.as_of),
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            },
        )

    def _categories(self, params: dict[str, str]):
        region = params.get("regionCode", "US")
        cfg = self.world.config
        if (
            region == cfg.regions[min(1, len(cfg.regions) - 1)]
            and self.as_of == cfg.snapshot_dates[min(1, len(cfg.snapshot_dates) - 1)]
        ):
            html = b"<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"
            return self._resp(200, html, "text/html; charset=UTF-8")
        skip = {"29", "44"} if region == "JP" else set()
        items = [
            {
                "kind": "youtube#videoCategory",
                "etag": _etag(region, cid),
                "id": cid,
                "snippet": {"title": title, "assignable": assignable, "channelId": "UCBR8-60-B28hp2BmDPdntcQ"},
            }
            for cid, title, assignable in CATEGORIES
            if cid not in skip
        ]
        return self._resp(200, {"kind": "youtube#videoCategoryListResponse", "etag": _etag(region), "items": items})

    def _channels(self, params: dict[str, str]):
        if params.get("mine") == "true":
            chosen = self.world.channels[:1]
        else:
            wanted = set(params.get("id", "").split(","))
            chosen = [c for c in self.world.channels if c.id in wanted]
        items = [self.world.channel_resource(c, self.as_of) for c in chosen]
        return self._resp(
            200,
            {
                "kind": "youtube#channelListResponse",
                "etag": _etag(params, self.as_of),
                "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
                "items": items,
            },
        )

    def _playlist_items(self, params: dict[str, str]):
        channel = next((c for c in self.world.channels if c.uploads == params.get("playlistId")), None)
        if channel is None:
            return self._resp(
                404, error_body(404, "playlistNotFound", "The playlist cannot be found.", "youtube.playlistItem")
            )
        videos = sorted(
            (self.world.videos[v] for v in channel.video_ids if self.world.visible(self.world.videos[v], self.as_of)),
            key=lambda v: v.published,
            reverse=True,
        )
        items = [
            {
                "kind": "youtube#playlistItem",
                "etag": _etag(channel.id, v.id),
                "id": _etag("pi", v.id),
                "snippet": {
                    "publishedAt": v.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "channelId": channel.id,
                    "title": v.title,
                    "playlistId": channel.uploads,
                    "position": pos,
                    "resourceId": {"kind": "youtube#video", "videoId": v.id},
                },
                "contentDetails": {"videoId": v.id, "videoPublishedAt": v.published.strftime("%Y-%m-%dT%H:%M:%SZ")},
            }
            for pos, v in enumerate(videos)
        ]
        return self._page("youtube#playlistItemListResponse", items, params)

    # --- Analytics ----------------------------------------------------------------------
    def _reports(self, params: dict[str, str]):
        ids = params["ids"]
        channel = (
            self.world.channels[0]
            if ids == "channel==MINE"
            else next((c for c in self.world.channels if f"channel=={c.id}" == ids), None)
        )
        if channel is None:
            return self._resp(403, error_body(403, "forbidden", "Forbidden"))
        start, end = date.fromisoformat(params["startDate"]), date.fromisoformat(params["endDate"])
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        metrics = params["metrics"].split(",")
        dims = [d for d in params.get("dimensions", "").split(",") if d]
        filt = params.get("filters", "")
        videos = (
            [self.world.videos[v] for v in filt[len("video==") :].split(",") if v in self.world.videos]
            if filt.startswith("video==")
            else [self.world.videos[v] for v in channel.video_ids]
        )
        if dims == ["elapsedVideoTimeRatio"]:
            return self._retention(videos[0] if videos else None, metrics, days[0], days[-1])
        rows: dict[tuple, dict[str, int]] = {}
        for video in videos:
            for day in days:
                base = self.world.video_day(video, day)
                if not base:
                    continue
                for labels, share in self._breakdown(dims, video, day, base):
                    acc = rows.setdefault(labels, {m: 0 for m in metrics})
                    for m in metrics:
                        acc[m] += share.get(m, 0)
        headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"} for d in dims] + [
            {"name": m, "columnType": "METRIC", "dataType": "INTEGER"} for m in metrics
        ]
        doc: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            doc["rows"] = [list(k) + [v[m] for m in metrics] for k, v in sorted(rows.items())]
            sort = params.get("sort", "")
            if sort.startswith("-") and sort[1:] in metrics:
                at = len(dims) + metrics.index(sort[1:])
                doc["rows"].sort(key=lambda row: (-row[at], row[0]))
            if params.get("maxResults"):
                doc["rows"] = doc["rows"][: int(params["maxResults"])]
        return self._resp(200, doc)

    def _retention(self, video: Video | None, metrics: list[str], start: date, end: date):
        headers = [{"name": "elapsedVideoTimeRatio", "columnType": "DIMENSION", "dataType": "FLOAT"}] + [
            {"name": m, "columnType": "METRIC", "dataType": "FLOAT"} for m in metrics
        ]
        doc: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if video is not None and video.published.date() <= end:
            values = {"audienceWatchRatio": 1, "relativeRetentionPerformance": 2}
            doc["rows"] = [
                [p[0]] + [p[values[m]] if m in values else 0 for m in metrics]
                for p in self.world.retention(video, start, end)
            ]
        return self._resp(200, doc)

    def _breakdown(self, dims: list[str], video: Video, day: date, base: dict[str, int]):
        """(dimension values, metric values) rows for one video-day."""
        dim_set = set(dims) - {"day", "video"}
        if not dim_set:
            yield self._labels(dims, video, day, None), base
            return
        (dim,) = dim_set
        if dim == "creatorContentType":
            yield self._labels(dims, video, day, video.content_type), base
            return
        for label, v in self.world.breakdown(dim, video, day, base["views"]).items():
            share = {"views": v, "estimatedMinutesWatched": v * base["averageViewDuration"] // 60}
            yield self._labels(dims, video, day, label), share

    @staticmethod
    def _labels(dims: list[str], video: Video, day: date, label: str | None) -> tuple:
        values = {"day": day.isoformat(), "video": video.id}
        return tuple(values.get(d, label) for d in dims)
