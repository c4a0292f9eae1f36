"""YouTube credentials and sources (live APIs or a recording)."""

from __future__ import annotations

import abc
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_RECORDINGS = REPO_ROOT / "tasks" / "youtube" / "recordings"


class YouTubeCredentials(Block):
    """API key (public Data API data) and OAuth user credentials (Analytics, `mine=True`)."""

    _block_type_name = "YouTube Credentials"
    _block_type_slug = "youtube-credentials"

    api_key: SecretStr | None = Field(default=None, description="Data API key for public data.")
    client_id: SecretStr | None = Field(default=None, description="OAuth client id.")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret.")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token (offline access).")

    def has_oauth(self) -> bool:
        return bool(self.client_id and self.client_secret and self.refresh_token)

    def oauth(self) -> Any:
        """google.oauth2 user credentials; a clear error when a part is missing."""
        from tasks.youtube.clients import oauth_credentials

        missing = [n for n in ("client_id", "client_secret", "refresh_token") if not getattr(self, n)]
        if missing:
            raise ValueError(
                f"YouTube OAuth credentials incomplete, missing: {', '.join(missing)}. "
                "Run `python -m tasks.youtube.oauth` to create them."
            )
        return oauth_credentials(
            self.client_id.get_secret_value(),
            self.client_secret.get_secret_value(),
            self.refresh_token.get_secret_value(),
        )

    def secret_values(self) -> list[str]:
        """Every secret this block holds (for leak checks)."""
        return [
            s.get_secret_value()
            for s in (self.api_key, self.client_id, self.client_secret, self.refresh_token)
            if s is not None
        ]


AnalyticsSource = Literal["query", "reporting", "auto"]


class YouTubeSource(Block, abc.ABC):
    """Where YouTube responses come from: clients for the three APIs and the days they describe."""

    _block_type_name = "YouTube Source"

    analytics_workers: int = Field(
        default=4,
        ge=1,
        le=32,
        description="Analytics requests in flight at once (each worker has its own HTTP connection).",
    )
    analytics_source: AnalyticsSource = Field(
        default="query",
        description="Where channel analytics come from: 'query' (Analytics API reports.query, any day, one request "
        "per video), 'reporting' (Reporting API bulk reports: a whole channel's day in a few downloads, "
        "about 48 h late, history from about 30 days before the job was created), or 'auto' (reports "
        "for the days they cover, reports.query for the other days of the window).",
    )
    channel_analytics_sources: dict[str, AnalyticsSource] = Field(
        default_factory=dict, description="Per channel ('mine' or a channel id): overrides analytics_source."
    )
    report_types: list[str] = Field(
        default_factory=lambda: [
            "channel_basic_a3",
            "channel_traffic_source_a3",
            "channel_device_os_a3",
            "channel_playback_location_a3",
            "channel_demographics_a1",
        ],
        description="Reporting API report types to load; any type beyond these lands in Bronze and in "
        "silver.silver_report_rows_generic.",
    )
    reach_report_types: list[str] = Field(
        default_factory=lambda: ["channel_reach_basic_a1", "channel_reach_combined_a1"],
        description="Reporting API reach reports (thumbnail impressions and their click-through rate, which no "
        "reports.query gives), fetched for the authorised channel whatever analytics_source says; [] for none.",
    )
    retention_top_videos: int = Field(
        default=10,
        ge=0,
        le=200,
        description="Audience retention curves are fetched for this many of the window's most viewed videos of "
        "each channel (one reports.query each, plus one for the top list); 0 for none.",
    )
    create_reporting_jobs: bool = Field(
        default=False,
        description="Create a missing reporting job (one per report type, never a second); off for "
        "users who manage jobs elsewhere.",
    )
    content_owner_id: str | None = Field(
        default=None, description="Content owner id for content-owner reports (onBehalfOfContentOwner)."
    )

    retry_base_delay_s: float = Field(
        default=1.0,
        ge=0,
        description="First wait of the retry policy for transient errors (doubles per retry, "
        "jittered, at most 64 s; 5 retries). quotaExceeded is never retried.",
    )

    def executor(self) -> Any:
        """A fresh ApiExecutor (retry policy and request counts) for one fetch step."""
        from tasks.youtube.executor import ApiExecutor

        return ApiExecutor(base_delay_s=self.retry_base_delay_s)

    def analytics_source_for(self, channel_ref: str, channel_id: str | None = None) -> AnalyticsSource:
        """The analytics source of a channel (by its id, then by how the run names it, then the default)."""
        overrides = self.channel_analytics_sources
        return overrides.get(channel_id or "", overrides.get(channel_ref, self.analytics_source))

    @abc.abstractmethod
    def data_api(self, snapshot_date: date) -> Any:
        """A Data API v3 resource answering as of `snapshot_date`."""

    @abc.abstractmethod
    def analytics_api(self) -> Any:
        """An Analytics API v2 resource."""

    @abc.abstractmethod
    def reporting_api(self) -> Any:
        """A Reporting API v1 resource (bulk reports)."""

    @abc.abstractmethod
    def snapshot_dates(self, start: date, end: date) -> list[date]:
        """The Data API snapshot days a run over [start, end] fetches."""

    @abc.abstractmethod
    def default_window(self, lookback_days: int) -> tuple[date, date]:
        """The Analytics window when the run names none."""

    @abc.abstractmethod
    def default_regions(self) -> list[str]: ...

    @abc.abstractmethod
    def default_channels(self) -> list[str]: ...

    @abc.abstractmethod
    def has_oauth(self) -> bool:
        """Whether requests are signed as a user (Analytics, `mine=True`) rather than with an API key only."""

    @property
    def kind(self) -> str:
        return self.get_block_type_slug()


class LiveYouTubeSource(YouTubeSource):
    """The real YouTube APIs; the Data API only shows today, so a run has one snapshot."""

    _block_type_name = "YouTube Live Source"
    _block_type_slug = "youtube-live-source"

    credentials: YouTubeCredentials
    regions: list[str] = Field(
        default_factory=lambda: ["US"], description="Trending chart regions (ISO 3166-1 alpha-2)."
    )
    channels: list[str] = Field(default_factory=lambda: ["mine"], description="'mine' or channel ids (UC...).")
    timeout_s: float = Field(default=60.0, description="HTTP timeout per request.")

    def data_api(self, snapshot_date: date) -> Any:
        from tasks.youtube.clients import authorized_http, build_data_api

        creds = self.credentials.oauth() if self.credentials.has_oauth() else None
        key = self.credentials.api_key.get_secret_value() if self.credentials.api_key else None
        if creds is None and key is None:
            raise ValueError("YouTube credentials need an api_key or OAuth client id/secret/refresh token")
        return build_data_api(http=authorized_http(creds, self.timeout_s), developer_key=None if creds else key)

    def analytics_api(self) -> Any:
        from tasks.youtube.clients import authorized_http, build_analytics_api

        return build_analytics_api(http=authorized_http(self.credentials.oauth(), self.timeout_s))

    def reporting_api(self) -> Any:
        from tasks.youtube.clients import authorized_http, build_reporting_api

        return build_reporting_api(http=authorized_http(self.credentials.oauth(), self.timeout_s))

    def has_oauth(self) -> bool:
        return self.credentials.has_oauth()

    def snapshot_dates(self, start: date, end: date) -> list[date]:
        return [date.today()]

    def default_window(self, lookback_days: int) -> tuple[date, date]:
        end = date.today() - timedelta(days=1)
        return end - timedelta(days=lookback_days - 1), end

    def default_regions(self) -> list[str]:
        return list(self.regions)

    def default_channels(self) -> list[str]:
        return list(self.channels)


class ReplayYouTubeSource(YouTubeSource):
    """Recorded responses answered through the client library's own request path."""

    _block_type_name = "YouTube Replay Source"
    _block_type_slug = "youtube-replay-source"

    recording: str = Field(default="sample", description="A bundled recording's name or a recording folder.")
    credentials: YouTubeCredentials | None = Field(
        default=None, description="Optional; its API key is sent (and must never leak) like a live key."
    )
    quota_requests: int | None = Field(
        default=None,
        description="Simulate the daily quota: each client answers quotaExceeded after this many requests.",
    )
    auth: Literal["oauth", "api_key"] = Field(
        default="oauth",
        description="Answer as the live APIs answer these credentials: 'api_key' (no OAuth) "
        "gets 401 for Analytics and `mine=True`, like a key-only live source.",
    )
    snapshots: Literal["every_day", "latest"] = Field(
        default="every_day",
        description="Data API days a run over a window fetches: every recorded day in it, "
        "or only the latest (as the live API, which only shows today).",
    )

    def _http(self, as_of: str | None = None) -> Any:
        """The recording as an `http` the client library sends its requests to."""
        from tasks.youtube.replay import ReplayHttp

        return ReplayHttp(
            self._recording(),
            as_of=as_of,
            quota_requests=self.quota_requests,
            oauth=self.has_oauth(),
            keep_served=False,
        )

    def recording_path(self) -> Path:
        candidate = Path(self.recording).expanduser()
        if candidate.is_dir():
            return candidate.resolve()
        bundled = BUNDLED_RECORDINGS / self.recording
        if bundled.is_dir():
            return bundled
        raise FileNotFoundError(
            f"recording {self.recording!r} is neither a folder nor a bundled recording "
            f"({', '.join(p.name for p in BUNDLED_RECORDINGS.iterdir())})"
        )

    def _recording(self) -> Any:
        from tasks.youtube.replay import Recording

        return _load_recording_cached(str(self.recording_path()), Recording)

    def manifest(self) -> dict[str, Any]:
        return self._recording().manifest

    def data_api(self, snapshot_date: date) -> Any:
        from tasks.youtube.clients import build_data_api

        key = self.credentials.api_key.get_secret_value() if self.credentials and self.credentials.api_key else None
        return build_data_api(http=self._http(snapshot_date.isoformat()), developer_key=key)

    def analytics_api(self) -> Any:
        from tasks.youtube.clients import build_analytics_api

        return build_analytics_api(http=self._http())

    def reporting_api(self) -> Any:
        from tasks.youtube.clients import build_reporting_api

        return build_reporting_api(http=self._http())

    def has_oauth(self) -> bool:
        return self.auth == "oauth"

    def snapshot_dates(self, start: date, end: date) -> list[date]:
        days = (date.fromisoformat(d) for d in self.manifest()["snapshot_dates"])
        inside = sorted(d for d in days if start <= d <= end)
        return inside[-1:] if self.snapshots == "latest" else inside

    def default_window(self, lookback_days: int) -> tuple[date, date]:
        m = self.manifest()
        return date.fromisoformat(m["analytics_start"]), date.fromisoformat(m["analytics_end"])

    def default_regions(self) -> list[str]:
        return list(self.manifest()["regions"])

    def default_channels(self) -> list[str]:
        return list(self.manifest()["channels"])


_recordings: dict[str, Any] = {}


def _load_recording_cached(path: str, recording_cls: Any) -> Any:
    if path not in _recordings:
        _recordings[path] = recording_cls.load(path)
    return _recordings[path]
