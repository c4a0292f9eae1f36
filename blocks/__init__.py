"""Prefect blocks of YouTube Lakehouse; `prefect block register -m blocks` registers them all."""

from blocks.compute import ComputeBackend, DbtTarget, LocalDeltaSpark
from blocks.databricks import DatabricksCompute
from blocks.landing import LandingStorage, LocalLanding
from blocks.s3_landing import S3Landing
from blocks.youtube import LiveYouTubeSource, ReplayYouTubeSource, YouTubeCredentials, YouTubeSource

__all__ = [
    "ComputeBackend",
    "DbtTarget",
    "LocalDeltaSpark",
    "DatabricksCompute",
    "LandingStorage",
    "LocalLanding",
    "S3Landing",
    "YouTubeCredentials",
    "YouTubeSource",
    "LiveYouTubeSource",
    "ReplayYouTubeSource",
]
