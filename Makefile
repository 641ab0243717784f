# dagwright developer tasks. Run `make help` for the list.

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed

DEMO_DIR  := examples/article
DEMO_DB   := $(CURDIR)/$(DEMO_DIR)/target/article.duckdb
DEMO_ARGS ?=
# the demo runs dagwright as a user installs it: `pip install .` in a venv of its own, without
# the test tools, dbt-core or PySpark that .venv carries (and that could hide a missing dependency)
DEMO_VENV  := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
SRC_FILES  := $(shell find src -type f -not -path '*/__pycache__/*' -not -path '*.egg-info*')
DAGWRIGHT_DEMO := DAGWRIGHT_DEMO_DB="$(DEMO_DB)" $(DEMO_VENV)/bin/dagwright

# ruff only gets folders that exist
LINT_DIRS := $(wildcard src tests bench .ci)
FMT_DIRS  := $(wildcard src tests .ci)

.DEFAULT_GOAL := help
.PHONY: help venv demo-venv spark-oracle bigquery-emulator bigquery-oracle dagster-dbt cosmos demo test compat-record install-check lint format macro-index clean distclean

help:
	@echo "make demo       install dagwright into .venv-demo (pip install .), seed and run examples/article"
	@echo "                on DuckDB with 2 threads"
	@echo "                (extra run arguments: make demo DEMO_ARGS=\"--vars '{fail_model: model_beta_a}'\")"
	@echo "make test       set up .venv, lint, then run the test suite"
	@echo "make compat-record  run the compat cases with dbt live and rewrite tests/compat/recorded/"
	@echo "make install-check  build sdist + wheel, install the wheel into bare venvs (no extras, each extra),"
	@echo "                run --version, --help and the article example (what .ci/run does first)"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make format     ruff format + ruff check --fix"
	@echo "make venv       create .venv and install -e '.[test,compat,postgres,spark,bigquery]' (again when pyproject.toml changes)"
	@echo "make spark-oracle  create .venv-dbtspark with dbt-spark (the oracle of tests/spark/test_spark_compat.py)"
	@echo "make bigquery-emulator  create .venv-bqemu: the local-bigquery emulator tests/bigquery run against"
	@echo "                (needs a Python 3.13, e.g. from pyenv; see .ci/bigquery_emulator.py)"
	@echo "make bigquery-oracle  create .venv-dbtbigquery with dbt-bigquery (the oracle of tests/bigquery)"
	@echo "make dagster-dbt  create .venv-dagster with dagster-dbt (tests/test_dagster_dbt.py runs dagwright under it)"
	@echo "make cosmos     create .venv-cosmos with astronomer-cosmos and Airflow (tests/test_cosmos.py runs dagwright under it)"
	@echo "make macro-index  rewrite src/dagwright/macros/index.json after editing the built-in macros"
	@echo "make clean      remove build, cache and demo outputs (keeps .venv)"
	@echo "make distclean  clean, and remove .venv"

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,compat,postgres,spark,bigquery]'
	touch $@

# dbt-spark, the oracle of tests/spark/test_spark_compat.py, in a venv of its own so that it
# cannot move .venv's dbt-core; a second PySpark install reuses pip's cached wheel
ORACLE_VENV  := .venv-dbtspark
ORACLE_STAMP := $(ORACLE_VENV)/.installed

spark-oracle: $(ORACLE_STAMP)

$(ORACLE_STAMP):
	test -x $(ORACLE_VENV)/bin/python || $(PYTHON) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/python -m pip install --quiet 'dbt-core>=1.11,<1.12' 'dbt-spark[session]>=1.11,<1.12' \
		'pyspark[connect]>=4.0' 'pandas<3'
	touch $@

# the local-bigquery emulator in a Python 3.13 venv of its own (.venv-bqemu); the script
# keeps its own stamp (pins + patch) and does nothing when the venv is current
bigquery-emulator:
	$(PYTHON) .ci/bigquery_emulator.py install

# dbt-bigquery, the oracle of tests/bigquery, in a venv of its own (as dbt-spark above);
# dbt-bigquery 1.9+ has the `api_endpoint` profile key that reaches the emulator
BQ_ORACLE_VENV  := .venv-dbtbigquery
BQ_ORACLE_STAMP := $(BQ_ORACLE_VENV)/.installed

bigquery-oracle: $(BQ_ORACLE_STAMP)

$(BQ_ORACLE_STAMP):
	test -x $(BQ_ORACLE_VENV)/bin/python || $(PYTHON) -m venv $(BQ_ORACLE_VENV)
	$(BQ_ORACLE_VENV)/bin/python -m pip install --quiet 'dbt-core>=1.11,<1.12' 'dbt-bigquery>=1.12,<1.13'
	touch $@

# dagster-dbt, the orchestrator tests/test_dagster_dbt.py runs dagwright under, in a venv of its own
DAGSTER_VENV  := .venv-dagster
DAGSTER_STAMP := $(DAGSTER_VENV)/.installed

dagster-dbt: $(DAGSTER_STAMP)

$(DAGSTER_STAMP):
	test -x $(DAGSTER_VENV)/bin/python || $(PYTHON) -m venv $(DAGSTER_VENV)
	$(DAGSTER_VENV)/bin/python -m pip install --quiet dagster-dbt 'dbt-core>=1.11,<1.12' 'dbt-duckdb>=1.11,<1.12'
	touch $@

# Astronomer Cosmos with Airflow, the orchestrator tests/test_cosmos.py runs dagwright under, in a
# venv of its own; Airflow 2.10 (no constraints file needed on Python 3.11; Airflow 3 is heavier:
# its task SDK and API server); about 1-2 min from PyPI
COSMOS_VENV  := .venv-cosmos
COSMOS_STAMP := $(COSMOS_VENV)/.installed

cosmos: $(COSMOS_STAMP)

$(COSMOS_STAMP):
	test -x $(COSMOS_VENV)/bin/python || $(PYTHON) -m venv $(COSMOS_VENV)
	$(COSMOS_VENV)/bin/python -m pip install --quiet 'apache-airflow==2.10.5' 'astronomer-cosmos>=1.15,<1.16'
	touch $@

demo-venv: $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml $(SRC_FILES)
	test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check .
	touch $@

demo: demo-venv
	mkdir -p $(DEMO_DIR)/target
	$(DAGWRIGHT_DEMO) seed --project-dir $(DEMO_DIR) --profiles-dir $(DEMO_DIR)
	$(DAGWRIGHT_DEMO) run --project-dir $(DEMO_DIR) --profiles-dir $(DEMO_DIR) --threads 2 $(DEMO_ARGS)
	@echo
	@echo "Artifacts:"
	@echo "  manifest     $(DEMO_DIR)/target/manifest.json"
	@echo "  run results  $(DEMO_DIR)/target/run_results.json"
	@echo "  timeline     $(DEMO_DIR)/target/timeline.html (or: $(DEMO_VENV)/bin/dagwright timeline --terminal --project-dir $(DEMO_DIR))"
	@echo "  database     $(DEMO_DB)"

lint: venv
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(FMT_DIRS)

format: venv
	$(BIN)/ruff format $(FMT_DIRS)
	$(BIN)/ruff check --fix $(LINT_DIRS)

macro-index: venv
	$(BIN)/python -m dagwright.parse.macro_index

install-check:
	PYTHON=$(PYTHON) .ci/install_check.sh

# DAGWRIGHT_COMPAT_REQUIRED: tests/compat fail instead of skipping if the dbt oracle is missing;
# DAGWRIGHT_BIGQUERY_REQUIRED: tests/bigquery fail instead of skipping without the emulator or dbt-bigquery
test: venv spark-oracle bigquery-emulator bigquery-oracle dagster-dbt cosmos lint
	DAGWRIGHT_COMPAT_REQUIRED=1 DAGWRIGHT_BIGQUERY_REQUIRED=1 DAGWRIGHT_DAGSTER_PYTHON=$(DAGSTER_VENV)/bin/python \
		DAGWRIGHT_COSMOS_PYTHON=$(COSMOS_VENV)/bin/python $(BIN)/pytest -q --durations=25

# run every engine's compat cases with dbt live and (re)write tests/compat/recorded/ (dbt's
# steps, replayed by later runs while a case and its oracle's versions stay as recorded)
COMPAT_MODULES := tests/compat/test_compat.py tests/postgres/test_pg_compat.py tests/bigquery/test_bq_compat.py \
	tests/spark/test_spark_compat.py
compat-record: venv spark-oracle bigquery-emulator bigquery-oracle
	DAGWRIGHT_COMPAT_ORACLE=record DAGWRIGHT_BQ_COMPAT_LONG=1 DAGWRIGHT_COMPAT_REQUIRED=1 DAGWRIGHT_BIGQUERY_REQUIRED=1 \
		$(BIN)/pytest -q $(COMPAT_MODULES)

clean:
	rm -rf $(DEMO_DIR)/target $(DEMO_DIR)/logs $(DEMO_DIR)/*.duckdb*
	rm -rf build dist .pytest_cache .ruff_cache .hypothesis src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(ORACLE_VENV) $(BQ_ORACLE_VENV) .venv-bqemu $(DAGSTER_VENV) $(COSMOS_VENV) $(DEMO_VENV)
