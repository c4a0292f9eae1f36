"""Starting the SparkSession early (`prewarm`) and the class archive, each in a fresh process: the suite's
own session must not be the one under test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

PREWARM_THEN_SAME = """
import json, glob, tempfile
from tasks.spark.session import get_spark, prewarm
prewarm("local[1]").join(300)
warmed = get_spark("local[1]")
pid = warmed._jvm.java.lang.ProcessHandle.current().pid()
later = get_spark("local[1]", lake_root=None)
print(json.dumps({"pid": pid, "same": later is warmed,
                  "left": glob.glob(tempfile.gettempdir() + "/yt-lakehouse-warmup-*")}))
"""

PREWARM_THEN_OTHER = """
import json, os
from tasks.spark.session import get_spark, prewarm
prewarm("local[1]").join(300)
import tasks.spark.session as session
first = session._session
old_pid = first._jvm.java.lang.ProcessHandle.current().pid()
spark = get_spark("local[1]", {"spark.sql.shuffle.partitions": "7", "spark.driver.memory": "700m"})
try:
    os.kill(old_pid, 0)
    old_alive = True
except ProcessLookupError:
    old_alive = False
print(json.dumps({"old_pid": old_pid, "pid": spark._jvm.java.lang.ProcessHandle.current().pid(),
                  "old_alive": old_alive, "shuffle": spark.conf.get("spark.sql.shuffle.partitions"),
                  "heap_mib": spark._jvm.java.lang.Runtime.getRuntime().maxMemory() // 2**20,
                  "rows": spark.range(5).count()}))
"""

ARCHIVE = """
import json, sys
from pathlib import Path
from tasks.spark.warmup import write_archive
from tasks.spark.session import get_spark
target = Path(sys.argv[1])
write_archive(target)
# -Xshare:on: a JVM that cannot map the archive refuses to start instead of ignoring it
spark = get_spark("local[1]", {"spark.driver.extraJavaOptions": f"-XX:SharedArchiveFile={target} -Xshare:on"})
arguments = list(spark._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
print(json.dumps({"size": target.stat().st_size, "arguments": arguments, "rows": spark.range(3).count()}))
"""


def _run(script: str, *args: str, temp: Path | None = None) -> dict:
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO_ROOT)}
    if temp is not None:  # its own temporary folder: what other processes left in /tmp is not its doing
        env["TMPDIR"] = str(temp)
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.timeout(600)
def test_a_session_started_early_is_the_one_a_caller_with_the_same_settings_gets(tmp_path: Path) -> None:
    found = _run(PREWARM_THEN_SAME, temp=tmp_path)
    assert found["same"] is True
    assert found["left"] == []  # the warm-up's tables went with their temporary folder


@pytest.mark.timeout(600)
def test_a_caller_with_other_settings_gets_a_new_jvm_with_them() -> None:
    found = _run(PREWARM_THEN_OTHER)
    assert found["pid"] != found["old_pid"] and found["old_alive"] is False
    assert found["shuffle"] == "7"
    assert found["heap_mib"] < 1024  # spark.driver.memory only applies to a JVM started with it
    assert found["rows"] == 5


@pytest.mark.timeout(600)
def test_the_class_archive_is_written_and_a_new_jvm_maps_it(tmp_path: Path) -> None:
    target = tmp_path / "classes.jsa"
    found = _run(ARCHIVE, str(target))
    assert found["size"] > 10 * 2**20
    assert f"-XX:SharedArchiveFile={target}" in found["arguments"] and "-Xshare:on" in found["arguments"]
    assert found["rows"] == 3
