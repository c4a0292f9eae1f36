"""Probe 4 of issue #16: the bad-input corpus through the real pipeline.

The corpus is files under `tests/reliability/corpus/`:
- `api/<kind>.json`: one landed API page (and optionally a good page beside it) with what must happen;
- `drops/<kind>/...`: drop files as found (Kaggle or AWS layout), `drops/expectations.json` says what must happen;
- `reporting/<kind>.csv`: a Reporting API report, `reporting/expectations.json` says what must happen.

Every case is landed into one fresh lake under its own run id (`corpus-<kind>`), API pages through
`tasks.landing.Lander`, drops through `tasks.file_drops.land_drops`, reports through
`tasks.youtube.report_landing.land_report`; then `bronze_load` and `silver_build` run once for all of
them. A case holds when its bad records are in `bronze.quarantine` with their reasons (no more, no
fewer), the good records beside them are in Silver under the case's run id (no more, no fewer),
and the values it names are as expected. A crash is a landing step or a job that raised; when the
shared run crashes, the cases are bisected in fresh lakes to name the kinds that crash it.

    python -m reliability.corpus [--workdir DIR] [--master local[2]] [--rerun]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "reliability" / "corpus"
SNAPSHOT_DAY = date(2026, 10, 20)
INGESTED_AT = datetime(2026, 10, 21, 1, tzinfo=UTC)
RUN_PREFIX = "corpus-"

Source = Literal["api", "drop", "report"]


@dataclass(frozen=True)
class Case:
    kind: str
    source: Source
    spec: dict[str, Any]  # the case file (api) or its entry in expectations.json (drops, reports)
    path: Path  # the case file, drop folder or report CSV

    @property
    def run_id(self) -> str:
        return RUN_PREFIX + self.kind

    @property
    def expect(self) -> dict[str, Any]:
        return self.spec["expect"]

    @property
    def category(self) -> str:
        return str(self.spec.get("category", self.source))


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    """Every case of the corpus, API pages first (sorted by kind within each source)."""
    cases = [
        Case(p.stem, "api", json.loads(p.read_text(encoding="utf-8")), p)
        for p in sorted((corpus / "api").glob("*.json"))
    ]
    drops = json.loads((corpus / "drops" / "expectations.json").read_text(encoding="utf-8"))
    cases += [Case(kind, "drop", spec, corpus / "drops" / kind) for kind, spec in sorted(drops.items())]
    reports = json.loads((corpus / "reporting" / "expectations.json").read_text(encoding="utf-8"))
    cases += [Case(kind, "report", spec, corpus / "reporting" / spec["file"]) for kind, spec in sorted(reports.items())]
    return cases


# ---------------------------------------------------------------------------------------------- landing
def page_body(page: dict[str, Any], expand: dict[str, dict[str, Any]] | None = None) -> bytes:
    """A page's bytes: `payload_text` in `payload_encoding` (default UTF-8), or `payload` as JSON; each
    `expand` placeholder replaced by its text repeated (huge strings stay small on disk)."""
    text = page["payload_text"] if "payload_text" in page else json.dumps(page["payload"], ensure_ascii=False)
    for placeholder, how in (expand or {}).items():
        text = text.replace(placeholder, how["repeat"] * int(how["times"]))
    return text.encode(page.get("payload_encoding", "utf-8"))


def _lander(landing: Any, run_id: str, source: str) -> Any:
    from tasks.landing import Lander

    return Lander(landing, run_id=run_id, source=source, clock=lambda: INGESTED_AT)


def land_api(case: Case, landing: Any) -> dict[str, Any]:
    spec = case.spec
    lander = _lander(landing, case.run_id, "reliability-corpus")
    pages = [spec] + ([{"params": {}, **spec["good_page"]}] if spec.get("good_page") else [])
    for page in pages:
        lander.land(
            spec["table"],
            spec["endpoint"],
            page["params"],
            page_body(page, spec.get("expand")),
            SNAPSHOT_DAY,
            **page.get("extra", {}),
        )
    lander.flush()
    return {}


def land_drop(case: Case, landing: Any) -> dict[str, Any]:
    from tasks.file_drops import land_drops

    lander = _lander(landing, case.run_id, f"file_drop:{case.spec['layout']}")
    return land_drops(lander, case.path, case.spec["layout"], case.spec.get("year"), SNAPSHOT_DAY)


def land_report_file(case: Case, landing: Any) -> dict[str, Any]:
    from tasks.youtube.report_landing import DownloadedReport, land_report

    day = date.fromisoformat(case.spec["report_day"])
    data = case.path.read_bytes()
    report = {
        "id": str(int(hashlib.sha256(case.kind.encode()).hexdigest(), 16))[:12],
        "jobId": "corpus-job",
        "startTime": f"{day.isoformat()}T07:00:00Z",
        "endTime": f"{(day + timedelta(days=1)).isoformat()}T07:00:00Z",
        "createTime": f"{(day + timedelta(days=2)).isoformat()}T10:00:00Z",
    }
    downloaded = DownloadedReport(case.path, len(data), False, hashlib.sha256(data).hexdigest(), 1)
    land_report(landing, case.run_id, case.spec["report_type"], report, downloaded, None, "reliability-corpus")
    return {}


LANDERS: dict[Source, Callable[[Case, Any], dict[str, Any]]] = {
    "api": land_api,
    "drop": land_drop,
    "report": land_report_file,
}


def land_all(cases: list[Case], landing_root: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(landing summary per kind, crash message per kind whose landing raised)."""
    from blocks.landing import LocalLanding

    landing = LocalLanding(root=str(landing_root))
    summaries: dict[str, dict[str, Any]] = {}
    crashes: dict[str, str] = {}
    for case in cases:
        try:
            summaries[case.kind] = LANDERS[case.source](case, landing)
        except Exception as exc:  # noqa: BLE001 - a crash is what the probe reports
            crashes[case.kind] = f"landing raised {type(exc).__name__}: {str(exc)[:300]}"
    return summaries, crashes


# ---------------------------------------------------------------------------------------------- jobs
def run_jobs(backend: Any, landing_root: Path) -> str | None:
    """bronze_load over every landed run, then silver_build; the error text if either raised."""
    try:
        backend.run_job("bronze_load", {"landing_location": str(landing_root)})
        backend.run_job("silver_build", {})
    except Exception as exc:  # noqa: BLE001 - a crash is what the probe reports
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return f"{type(exc).__name__}: {first_line[:300]}"
    return None


def _backend(lake: Path, spark_master: str) -> Any:
    from blocks.compute import LocalDeltaSpark

    return LocalDeltaSpark(lake_root=str(lake), spark_master=spark_master)


def _halves(cases: list[Case]) -> list[list[Case]]:
    half = len(cases) // 2
    return [g for g in (cases[:half], cases[half:]) if g]


@dataclass
class Bisect:
    """After the shared run crashed: the cases run again in halves, each half in a fresh lake, breadth
    first; a half that crashes is split again. A group that runs through is judged in its lake (`judged`),
    a single kind that crashes alone is a crash; groups still waiting when `trials` runs are spent are
    not judged."""

    landing_root: Path
    scratch: Path
    spark_master: str
    trials: int = 24
    judged: list[tuple[list[Case], Path]] = field(default_factory=list)
    crashes: dict[str, str] = field(default_factory=dict)
    unjudged: dict[str, str] = field(default_factory=dict)

    def run(self, cases: list[Case]) -> Bisect:
        queue = deque(_halves(cases))
        while queue:
            group = queue.popleft()
            if self.trials <= 0:
                self.unjudged.update(
                    {
                        c.kind: "not judged: the shared run crashed and the bisection ran out of "
                        f"trials ({len(group)} kinds left together)"
                        for c in group
                    }
                )
                continue
            self.trials -= 1
            lake, error = self._trial(group)
            if error is None:
                self.judged.append((group, lake))
            elif len(group) == 1:
                self.crashes[group[0].kind] = f"job raised {error}"
            else:
                queue.extend(_halves(group))
        return self

    def _trial(self, cases: list[Case]) -> tuple[Path, str | None]:
        trial = self.scratch / f"trial-{self.trials}"
        for case in cases:
            source = self.landing_root / f"run_id={case.run_id}"
            if source.exists():
                shutil.copytree(source, trial / "landing" / source.name)
        return trial / "lake", run_jobs(_backend(trial / "lake", self.spark_master), trial / "landing")


# ---------------------------------------------------------------------------------------------- what the lake holds
def _plain(value: Any) -> Any:
    """A stored value as the corpus writes it: dates as ISO text, the rest as is."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _shown(keys: set[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A few keys for a message, long values cut."""
    cut = [tuple(v if v is None or len(v) <= 40 else v[:37] + "..." for v in k) for k in sorted(keys, key=repr)]
    return cut[:5]


def _key(values: Any) -> tuple[Any, ...]:
    """A natural key as a tuple of texts (a single-column key may be written as a bare value)."""
    items = values if isinstance(values, (list, tuple)) else [values]
    return tuple(None if v is None else str(_plain(v)) for v in items)


@dataclass
class Lake:
    """What the corpus run left: quarantine rows per run id and the Silver tables the cases name."""

    quarantine: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def grain(table: str) -> list[str]:
    from tasks.jobs.silver_build import GRAINS

    return GRAINS[table]


def read_lake(spark: Any, lake: Path, cases: list[Case]) -> Lake:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    seen = Lake()
    quarantine = spark.read.format("delta").load(str(lake / "bronze" / "quarantine"))
    for row in (
        quarantine.filter(F.col("run_id").startswith(RUN_PREFIX)).select("run_id", "target_table", "reason").collect()
    ):
        seen.quarantine.setdefault(row["run_id"], []).append((row["target_table"], row["reason"]))
    names = {t for c in cases for t in c.expect.get("loaded", {})} | {
        v["table"] for c in cases for v in c.expect.get("values", [])
    }
    for table in sorted(names):
        path = str(lake / "silver" / table)
        seen.tables[table] = (
            [r.asDict() for r in spark.read.format("delta").load(path).collect()]
            if DeltaTable.isDeltaTable(spark, path)
            else []
        )
    return seen


def table_versions(lake: Path) -> dict[str, int]:
    """The latest Delta version of every Bronze and Silver table, from its log's file names (no Spark)."""
    versions = {}
    for log in sorted(lake.glob("*/*/_delta_log")):
        commits = [int(p.stem) for p in log.glob("*.json") if p.stem.isdigit()]
        if commits and log.parent.parent.name in ("bronze", "silver"):
            versions[f"{log.parent.parent.name}.{log.parent.name}"] = max(commits)
    return versions


def rows_added(spark: Any, lake: Path, before: dict[str, int]) -> dict[str, int]:
    """Rows each table gained since the versions `before`: only tables with a newer version are read."""
    added = {}
    for table, version in table_versions(lake).items():
        if version == before.get(table):
            continue
        path = str(lake / table.replace(".", "/", 1))
        then = (
            spark.read.format("delta").option("versionAsOf", before[table]).load(path).count() if table in before else 0
        )
        now = spark.read.format("delta").load(path).count()
        if now != then:
            added[table] = now - then
    return added


# ---------------------------------------------------------------------------------------------- judging
@dataclass
class Verdict:
    kind: str
    problems: list[str] = field(default_factory=list)
    bad_quarantined: int = 0
    bad_expected: int = 0
    good_loaded: int = 0
    good_expected: int = 0


def judge_quarantine(case: Case, rows: list[tuple[str, str]], verdict: Verdict) -> None:
    """Each expected (table, reason) matched by its count of rows; no quarantined row left unexplained."""
    left = list(rows)
    for entry in case.expect.get("quarantined", []):
        wanted = int(entry.get("count", 1))
        verdict.bad_expected += wanted
        hits = [r for r in left if r[0] == entry["target_table"] and entry["reason"] in r[1]][:wanted]
        for hit in hits:
            left.remove(hit)
        verdict.bad_quarantined += len(hits)
        if len(hits) < wanted:
            verdict.problems.append(
                f"not quarantined: {wanted - len(hits)} x {entry['target_table']} '{entry['reason']}'"
            )
    for table, reason in left:
        verdict.problems.append(f"unexpected quarantine row: {table} '{reason[:160]}'")


def judge_loaded(case: Case, lake: Lake, verdict: Verdict) -> None:
    """The expected keys are in each table; where the table has lineage, exactly those under this run."""
    for table, keys in case.expect.get("loaded", {}).items():
        expected = {_key(k) for k in keys}
        verdict.good_expected += len(expected)
        rows = lake.tables.get(table, [])
        lineage = bool(rows) and "run_id" in rows[0]
        stored = {_key([r[c] for c in grain(table)]) for r in rows if not lineage or r["run_id"] == case.run_id}
        verdict.good_loaded += len(expected & stored)
        if expected - stored:
            verdict.problems.append(f"good rows lost from {table}: {_shown(expected - stored)}")
        if lineage and stored - expected:
            verdict.problems.append(f"rows loaded into {table} that should not be: {_shown(stored - expected)}")


def judge_values(case: Case, lake: Lake, verdict: Verdict) -> None:
    for check in case.expect.get("values", []):
        table, key = check["table"], _key(check["key"])
        rows = [r for r in lake.tables.get(table, []) if _key([r[c] for c in grain(table)]) == key]
        if not rows:
            verdict.problems.append(f"{table} {key}: no row to check {check['column']} on")
            continue
        value = _plain(rows[0][check["column"]])
        if "length" in check and len(value or "") != check["length"]:
            verdict.problems.append(
                f"{table} {key}.{check['column']}: length {len(value or '')}, expected {check['length']}"
            )
        if "equals" in check and value != check["equals"]:
            verdict.problems.append(
                f"{table} {key}.{check['column']} = {str(value)[:80]!r}, expected {check['equals']!r}"
            )


def judge_unusable(case: Case, summary: dict[str, Any], verdict: Verdict) -> None:
    """Drop files named unusable by the import, with the reason, and no other file."""
    if case.source != "drop":
        return
    found: dict[str, str] = summary.get("unusable", {})
    for name, reason in case.expect.get("unusable", {}).items():
        if reason not in found.get(name, ""):
            verdict.problems.append(
                f"drop file {name} not reported unusable with '{reason}' (got {found.get(name, 'nothing')[:160]!r})"
            )
    for name in set(found) - set(case.expect.get("unusable", {})):
        verdict.problems.append(f"drop file {name} reported unusable: {found[name][:160]}")


def judge(case: Case, lake: Lake, summary: dict[str, Any]) -> Verdict:
    verdict = Verdict(case.kind)
    judge_quarantine(case, lake.quarantine.get(case.run_id, []), verdict)
    judge_loaded(case, lake, verdict)
    judge_values(case, lake, verdict)
    judge_unusable(case, summary, verdict)
    return verdict


# ---------------------------------------------------------------------------------------------- the probe
def failure_entry(case: Case, problems: list[str]) -> dict[str, str] | None:
    """The failure entry of a case (a known-broken case that holds is a failure too: its mark is stale)."""
    broken = case.spec.get("known_broken")
    if problems:
        return {"kind": case.kind, "what": (f"known broken ({broken}): " if broken else "") + "; ".join(problems)}
    if broken:
        return {"kind": case.kind, "what": f"marked known_broken ({broken}) but holds: remove the mark"}
    return None


def run_corpus(
    workdir: Path, spark_master: str = "local[2]", rerun: bool = False, corpus: Path = CORPUS
) -> dict[str, Any]:
    """Land every case into one fresh lake under `workdir`, run bronze_load and silver_build once, judge
    every case (when that run crashes, judge them in the lakes of a bisection that names the kinds that
    crash it). With `rerun`, land and run everything again and report the rows each table gained."""
    from tasks.spark.session import get_spark

    started = time.monotonic()
    workdir = Path(workdir)
    lake, landing = workdir / "lake", workdir / "landing"
    cases = load_cases(corpus)
    summaries, crashes = land_all(cases, landing)
    runnable = [c for c in cases if c.kind not in crashes]
    backend = _backend(lake, spark_master)
    error = run_jobs(backend, landing)
    groups: list[tuple[list[Case], Path]] = [(runnable, lake)]
    unjudged: dict[str, str] = {}
    if error is not None:
        bisect = Bisect(landing, workdir / "bisect", spark_master).run(runnable)
        crashes.update(bisect.crashes)
        groups, unjudged = bisect.judged, bisect.unjudged
    verdicts: dict[str, Verdict] = {}
    for group, where in groups:
        spark = get_spark(master=spark_master, lake_root=str(where))
        seen = read_lake(spark, where, group)
        verdicts.update({c.kind: judge(c, seen, summaries.get(c.kind, {})) for c in group})

    def problems(case: Case) -> list[str]:
        if case.kind in crashes or case.kind in unjudged:
            return [crashes.get(case.kind) or unjudged[case.kind]]
        return verdicts[case.kind].problems

    failed = [f for c in cases if (f := failure_entry(c, problems(c)))]
    result: dict[str, Any] = {
        "kinds": len(cases),
        "crashes": len(crashes),
        "held": len(cases) - len(failed),
        "failed": failed,
        "bad_quarantined": sum(v.bad_quarantined for v in verdicts.values()),
        "bad_expected": sum(v.bad_expected for v in verdicts.values()),
        "good_loaded": sum(v.good_loaded for v in verdicts.values()),
        "good_expected": sum(v.good_expected for v in verdicts.values()),
        "categories": _per_category(cases),
        "shared_run_error": error,
    }
    if rerun and error is None:
        spark = get_spark(master=spark_master, lake_root=str(lake))
        before = table_versions(lake)
        land_all(runnable, landing)
        error = run_jobs(backend, landing)
        result["rerun_added_rows"] = rows_added(spark, lake, before)
        if error:
            result["failed"].append({"kind": "(re-run)", "what": f"the second run raised {error}"})
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _per_category(cases: list[Case]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        name = f"{case.source}:{case.category}"
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def figures(result: dict[str, Any]) -> str:
    """The probe's result as one line."""
    line = (
        f"corpus: {result['kinds']} kinds, {result['held']} held, {len(result['failed'])} failed, "
        f"{result['crashes']} crashes; bad records quarantined {result['bad_quarantined']}/{result['bad_expected']}, "
        f"good records loaded {result['good_loaded']}/{result['good_expected']}"
    )
    if result.get("shared_run_error"):
        line += f"; the shared run raised {result['shared_run_error'][:160]}"
    if "rerun_added_rows" in result:
        line += f"; re-run added {sum(result['rerun_added_rows'].values())} rows"
    return line + f"; {result['seconds']} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reliability.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default=None, help="where the lake and landing go (default: a temporary folder)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default: %(default)s)")
    parser.add_argument("--rerun", action="store_true", help="run the corpus a second time and count rows added")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="corpus-probe-"))
    result = run_corpus(workdir, args.master, rerun=args.rerun)
    print(figures(result))
    for failure in result["failed"]:
        print(f"  failed {failure['kind']}: {failure['what']}")
    raise SystemExit(1 if result["failed"] or result.get("rerun_added_rows") else 0)


if __name__ == "__main__":
    main()
