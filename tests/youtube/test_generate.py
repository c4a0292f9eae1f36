"""The recording generator: deterministic, realistic, messy where it should be."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from tasks.youtube.replay import Recording
from youtube_sim.generate import generate, parse_args
from youtube_sim.synth import UNKNOWN_TRAFFIC_SOURCE, WorldConfig

SMALL = WorldConfig(
    seed=3,
    regions=("US", "BR"),
    videos_per_channel=(7, 2),
    snapshot_days=2,
    analytics_days=3,
    trending_pool=260,
    snapshot_end=date(2026, 1, 10),
)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("rec") / "small", SMALL)


def test_same_options_same_bytes(small, tmp_path):
    again = generate(tmp_path / "again", SMALL)
    assert (again / "responses.jsonl.gz").read_bytes() == (small / "responses.jsonl.gz").read_bytes()
    assert (again / "manifest.json").read_text() == (small / "manifest.json").read_text()


def test_size_options_shape_the_recording(small):
    rec = Recording.load(small)
    m = rec.manifest
    assert m["regions"] == ["US", "BR", "KP"] and m["snapshot_dates"] == ["2026-01-09", "2026-01-10"]
    assert (m["analytics_start"], m["analytics_end"]) == ("2026-01-08", "2026-01-10")
    country = [k for (_, k) in rec.responses if "dimensions=country" in k]
    assert len(country) <= 9 * 3 and len(country) > 0


def test_bundled_sample_has_the_mess_and_the_change(sample_recording):
    bodies = [r.body.decode() for r in sample_recording.responses.values()]
    assert any(b.startswith("<html>") for b in bodies)
    assert any("videoChartNotFound" in b for b in bodies)
    assert any(UNKNOWN_TRAFFIC_SOURCE in b for b in bodies)
    assert any("UNKNOWN_PLATFORM" in b for b in bodies)
    for text in ("مرحبا", "שלום", "🔥"):  # right-to-left and emoji titles, stored unescaped
        assert any(text in b for b in bodies), text
    videos = [json.loads(b) for b in bodies if '"youtube#videoListResponse"' in b]
    items = [i for doc in videos for i in doc["items"]]
    assert any("statistics" not in i for i in items)
    assert any("statistics" in i and "likeCount" not in i["statistics"] for i in items)
    retitled, retagged = sample_recording.manifest["notes"]["changed_videos"]
    titles = {i["snippet"]["title"] for i in items if i["id"] == retitled}
    tags = {tuple(i["snippet"].get("tags", [])) for i in items if i["id"] == retagged}
    assert len(titles) == 2 and len(tags) == 2  # one title change (day 2), one tags change (day 3)


def test_bundled_sample_is_small_and_complete(sample_recording):
    from tests.conftest import SAMPLE

    assert (SAMPLE / "responses.jsonl.gz").stat().st_size < 3_000_000
    m = sample_recording.manifest
    assert len([r for r in m["regions"] if r != "KP"]) >= 3 and len(m["channels"]) == 2
    assert len(m["snapshot_dates"]) == 3
    assert (date.fromisoformat(m["analytics_end"]) - date.fromisoformat(m["analytics_start"])).days + 1 == 30
    with gzip.open(SAMPLE / "responses.jsonl.gz", "rt") as lines:
        assert sum(1 for _ in lines) == m["responses"]


def test_regenerating_the_sample_reproduces_it(tmp_path):
    from tests.conftest import SAMPLE

    out, config = parse_args(["--out", str(tmp_path / "s"), "--size", "sample"])
    generate(out, config)
    assert (out / "responses.jsonl.gz").read_bytes() == (SAMPLE / "responses.jsonl.gz").read_bytes()


def test_cli_options_override_the_preset():
    _, config = parse_args(["--out", "x", "--size", "medium", "--regions", "us,de", "--analytics-days", "10"])
    assert config.regions == ("US", "DE") and config.analytics_days == 10 and config.videos_per_channel == (2000,)
