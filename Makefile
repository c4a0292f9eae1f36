# YouTube Lakehouse. Needs only Python 3.11+ and Java 17; everything else is installed here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.9.30
UV := $(VENV)/bin/uv
# Ad-hoc runs start a temporary Prefect server; give it time on a busy 2-core machine.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test test-quick lint docs bench bench-sources reliability install jars browser lock sample clean help

help:
	@echo "make demo   - install, then run the whole pipeline on the bundled sample (local delta-spark)"
	@echo "make test   - install, lint, then run the test suite"
	@echo "make test-quick - install, lint, then the tests that are not marked slow (a few minutes)"
	@echo "make lint   - ruff check and ruff format --check (seconds)"
	@echo "make docs   - build the documentation site into site/ (mkdocs build --strict)"
	@echo "make bench  - benchmark at BENCH_SIZE (default medium), write bench/RESULTS.md"
	@echo "make reliability - faults, kills, overlapping runs, bad input, secrets, full disk: RELIABILITY.md"
	@echo "make bench-sources - one daily run's channel analytics: reports.query vs bulk reports"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"
	@echo "make sample - regenerate the bundled sample recording"

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	touch $@

install: $(VENV)/.installed

# Delta's jars come from Maven Central on the first Spark start (cached in ~/.ivy2.5.2); the warm-up also
# writes the class archive every later JVM maps (tasks/spark/class_archive.py). Once per environment.
$(VENV)/.jars: $(VENV)/.installed
	$(PY) -m tasks.spark.warmup
	touch $@

jars: $(VENV)/.jars

demo: install jars
	$(PY) -m flows.youtube_lakehouse

# The report's test opens pages in headless Chromium: Debian's package, installed when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  command -v google-chrome >/dev/null 2>&1 || \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "Chromium is missing (e.g. apt-get install chromium): the browser tests will be skipped"; fi

# First in `make test`, so a lint failure answers in seconds.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest-xdist: a test module is one unit of work, the modules using the sample run's Prefect record one unit
# together, longest units first (tests/conftest.py, tests/README.md). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
# The documentation site: a broken link or a missing page fails the build (and `make test`).
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

test: install lint docs jars browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# While working: the suite less its units of minutes (marked `slow` in tests/conftest.py: pipeline runs, their own
# servers and JVMs, the sample run). `make test` runs every test; CI runs `make test`.
test-quick: install lint jars browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope -m "not slow" $(PYTEST_ARGS)

BENCH_SIZE ?= medium
bench: install jars
	$(PY) -m bench.run --size $(BENCH_SIZE)

# About an hour on 2 cores; mounts a tmpfs for the full-disk probe (root, as in CI; skipped otherwise).
reliability: install jars
	$(PY) -m reliability.run

bench-sources: install
	$(PY) -m bench.analytics_sources --size $(BENCH_SIZE)

lock: install
	$(UV) pip compile --quiet pyproject.toml --extra dev --python-version 3.11 --universal -o requirements.lock

sample: install
	$(PY) -m youtube_sim.generate --out tasks/youtube/recordings/sample --size sample

clean:
	rm -rf .lake spark-warehouse metastore_db derby.log .pytest_cache
