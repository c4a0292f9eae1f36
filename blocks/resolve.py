"""Turn a block reference (`"<block-type-slug>/<name>"`) into a block, with working defaults."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from prefect.blocks.core import Block

from blocks.compute import ComputeBackend, LocalDeltaSpark
from blocks.databricks import DatabricksCompute  # noqa: F401  (Block.load finds the class once imported)
from blocks.landing import LandingStorage, LocalLanding
from blocks.s3_landing import S3Landing  # noqa: F401  (Block.load finds the class once imported)
from blocks.youtube import ReplayYouTubeSource, YouTubeSource

DEFAULT_BACKEND = "local-delta-spark/default"
DEFAULT_SOURCE = "youtube-replay-source/sample"
DEFAULT_LANDING = "local-landing/default"


def sample_source() -> ReplayYouTubeSource:
    """The bundled recording, channel analytics from bulk reports where they cover a day (it holds them)."""
    return ReplayYouTubeSource(recording="sample", analytics_source="auto")


# Used when the reference is one of these and no such block has been saved: the demo needs none.
_BUILT_IN: dict[str, Callable[[], Block]] = {
    DEFAULT_BACKEND: LocalDeltaSpark,
    DEFAULT_SOURCE: sample_source,
    DEFAULT_LANDING: LocalLanding,
}

B = TypeVar("B", bound=Block)


class BlockReferenceError(ValueError):
    """A block reference that is malformed, missing, or of the wrong kind."""


def load_block(reference: str, expected: type[B]) -> B:
    """Load `reference`; fall back to the built-in default for the default names."""
    if reference.count("/") != 1 or not all(reference.split("/")):
        raise BlockReferenceError(f"block reference {reference!r} must look like '<block-type-slug>/<name>'")
    try:
        block = Block.load(reference)
    except ValueError as exc:
        if reference not in _BUILT_IN:
            raise BlockReferenceError(f"no block {reference!r}: {exc}") from exc
        block = _BUILT_IN[reference]()
    if not isinstance(block, expected):
        raise BlockReferenceError(f"block {reference!r} is a {type(block).__name__}, expected a {expected.__name__}")
    return block


def load_backend(reference: str = DEFAULT_BACKEND) -> ComputeBackend:
    return load_block(reference, ComputeBackend)


def load_source(reference: str = DEFAULT_SOURCE) -> YouTubeSource:
    return load_block(reference, YouTubeSource)


def load_landing(reference: str = DEFAULT_LANDING) -> LandingStorage:
    return load_block(reference, LandingStorage)
