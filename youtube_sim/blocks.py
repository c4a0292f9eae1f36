"""The replay source behind seeded transient faults, for the reliability probes (`make reliability`).

A flow process must import this module before it loads such a block (Prefect resolves a block's type among the
classes imported): `python -m youtube_sim.run_flow` is the parent flow's command line with it imported.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from blocks.youtube import ReplayYouTubeSource


class FaultyReplayYouTubeSource(ReplayYouTubeSource):
    """A recording answered through the client library, a share of its requests answered with a transient fault
    (500, 503, 429, 403 rateLimitExceeded, timeout, reset, body cut short) instead: `youtube_sim.faults`."""

    _block_type_name = "YouTube Faulty Replay Source"
    _block_type_slug = "youtube-faulty-replay-source"

    fault_rate: float = Field(default=0.2, ge=0, le=1, description="Share of requests answered with a fault.")
    fault_seed: int = Field(default=0, description="Seed of the fault draw (the same seed, the same faults).")

    def _http(self, as_of: str | None = None) -> Any:
        from youtube_sim.faults import FaultyHttp, LengthCheckedHttp

        return LengthCheckedHttp(FaultyHttp(super()._http(as_of), rate=self.fault_rate, seed=self.fault_seed))

    @property
    def kind(self) -> str:
        """Landed as what it is, a replay (the faults change how pages arrive, not what they are)."""
        return ReplayYouTubeSource.get_block_type_slug()
