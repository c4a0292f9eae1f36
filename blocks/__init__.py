"""Prefect blocks of YouTube Lakehouse; `prefect block register -m blocks` registers them all."""

from blocks.compute import ComputeBackend, LocalDeltaSpark
from blocks.landing import LandingStorage, LocalLanding
from blocks.youtube import LiveYouTubeSource, ReplayYouTubeSource, YouTubeCredentials, YouTubeSource

__all__ = [
    "ComputeBackend", "LocalDeltaSpark", "LandingStorage", "LocalLanding",
    "YouTubeCredentials", "YouTubeSource", "LiveYouTubeSource", "ReplayYouTubeSource",
]
