# leadpulse: the two commands are `make demo` and `make test`; each installs
# what it needs into .venv first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.spark-installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: demo test lint pytest fmt clean install browser spark-deps test-spark bench-summary

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3.x (3.11+)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The spark target: dbt-spark and pyspark into the same .venv (README
# "Running on Spark"). Spark needs Java 17.
$(SPARK_STAMP): $(STAMP) requirements-spark.txt
	@command -v java >/dev/null 2>&1 || { echo "java not found: the spark target needs Java 17 (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt
	touch $(SPARK_STAMP)

spark-deps: $(SPARK_STAMP)

## The Spark comparison alone: build on DuckDB and Spark, compare every mart.
test-spark: $(SPARK_STAMP)
	$(BIN)/pytest tests/test_spark.py

## The bench results of every size as one table in docs/benchmarks.md
## (from bench/results/<N>.json; tests/test_bench_summary.py checks it).
bench-summary: $(STAMP)
	$(BIN)/python -m leadpulse.bench.summary --update docs/benchmarks.md

## Make sample data, build, validate, write the report (warehouse/leadpulse.duckdb).
demo: $(STAMP)
	$(BIN)/leadpulse demo

## The test suite: Python and SQL lint, then pytest (which builds the project).
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check leadpulse tests
	$(BIN)/ruff format --check leadpulse tests
	mkdir -p warehouse/tmp
	LEADPULSE_DUCKDB_PATH=warehouse/lint.duckdb $(BIN)/sqlfluff lint models tests analyses

# Headless Chromium renders the report in the tests (Debian's package; needs
# root or sudo). Without it those tests are skipped, and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
		{ apt-get update -qq && apt-get install -y -qq chromium fonts-liberation >/dev/null; } \
		|| echo "chromium not installed: report rendering tests will be skipped"; }

# Installs the spark target too: tests/test_spark.py runs in the same pytest
# run and fails (not skips) without it.
pytest: $(STAMP) $(SPARK_STAMP) browser
	$(BIN)/pytest

fmt: $(STAMP)
	$(BIN)/ruff format leadpulse tests
	$(BIN)/ruff check --fix leadpulse tests
	LEADPULSE_DUCKDB_PATH=warehouse/lint.duckdb $(BIN)/sqlfluff fix models tests analyses

clean:
	rm -rf target logs warehouse reports .pytest_cache spark-warehouse metastore_db derby.log
