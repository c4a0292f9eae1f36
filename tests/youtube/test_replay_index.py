"""The recording's on-disk index answers exactly what the recording file holds."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

from tasks.youtube.replay import RecordedResponse, Recording, write_recording
from tasks.youtube.replay_index import ResponseIndex, index_path

SAMPLE = Path(__file__).resolve().parents[2] / "tasks" / "youtube" / "recordings" / "sample"


def _file_responses(folder: Path) -> dict:
    with gzip.open(folder / "responses.jsonl.gz", "rt", encoding="utf-8") as lines:
        return {(r.as_of, r.key): r for r in map(RecordedResponse.from_json, filter(str.strip, lines))}


def test_the_index_answers_what_the_file_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("YT_LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    recording = Recording.load(SAMPLE)
    expected = _file_responses(SAMPLE)
    assert isinstance(recording.responses, ResponseIndex)
    assert len(recording.responses) == len(expected) and set(recording.responses) == set(expected)
    assert all(recording.responses[k] == v for k, v in expected.items())
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_a_changed_recording_gets_a_new_index_and_threads_share_one(tmp_path, monkeypatch):
    monkeypatch.setenv("YT_LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "rec"
    one = RecordedResponse("GET youtube.googleapis.com/youtube/v3/videos?id=a", 200, b'{"n": 1}', as_of="2026-10-01")
    write_recording(folder, {"format_version": 1}, [one])
    first = Recording.load(folder)
    assert first.find(one.key, "2026-10-01") == one and first.find(one.key, "2026-10-02") is None
    old_index = index_path(folder / "responses.jsonl.gz")

    two = RecordedResponse("GET youtubeanalytics.googleapis.com/v2/reports?ids=x", 200, '{"é": 2}'.encode())
    write_recording(folder, {"format_version": 1}, [one, two])
    os.utime(folder / "responses.jsonl.gz", ns=(1, 2))  # a different file, even within one tick
    second = Recording.load(folder)
    assert index_path(folder / "responses.jsonl.gz") != old_index
    assert second.find(two.key, "2026-10-05") == two  # undated: found for any day

    found: list = []
    threads = [threading.Thread(target=lambda: found.append(second.find(one.key, "2026-10-01"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == [one] * 8
