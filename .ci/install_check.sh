#!/usr/bin/env bash
# Install dagwright as users install it, and check that it starts and runs.
# Builds the sdist and the wheel (the wheel from the sdist, as pip builds from PyPI), installs
# the wheel into a bare venv (no extras, no dbt-core or test tools beside it), runs --version,
# --help and the article example; then, for each extra, installs the wheel with that extra
# into a bare venv of its own and imports the engine's driver and module. A runtime import
# that pyproject.toml does not declare fails here.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet=(--quiet --disable-pip-version-check)

echo "== build: sdist and wheel"
"$PYTHON" -m venv "$work/build"
"$work/build/bin/pip" install "${quiet[@]}" build
"$work/build/bin/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
ls "$work/dist"
wheel=$(echo "$work"/dist/*.whl)

echo "== bare venv, no extras"
"$PYTHON" -m venv "$work/bare"
"$work/bare/bin/pip" install "${quiet[@]}" "$wheel"
"$work/bare/bin/dagwright" --version
"$work/bare/bin/dagwright" --help >/dev/null
"$work/bare/bin/python" .ci/article_check.py "$work/bare/bin/dagwright"

# extra -> what must import once it is installed (the driver and dagwright's engine module)
declare -A imports=(
    [postgres]="import psycopg, dagwright.adapters.postgres"
    [spark]="import pyspark.sql, pyspark.sql.connect.session, dagwright.adapters.spark"
    # the engine module only once it exists, so the check holds before and after it lands
    [bigquery]="import importlib.util, google.cloud.bigquery
if importlib.util.find_spec('dagwright.adapters.bigquery'): import dagwright.adapters.bigquery"
)
for extra in "${!imports[@]}"; do
    echo "== bare venv, extra [$extra]"
    "$PYTHON" -m venv "$work/$extra"
    "$work/$extra/bin/pip" install "${quiet[@]}" "$wheel[$extra]"
    "$work/$extra/bin/python" -c "${imports[$extra]}"
    # --version names an engine's driver once its module exists (bigquery: before its adapter lands)
    if "$work/$extra/bin/python" -c "import importlib.util, sys; sys.exit(not importlib.util.find_spec('dagwright.adapters.$extra'))"; then
        "$work/$extra/bin/dagwright" --version | grep -E "^  - $extra: "
    fi
done
echo "install check passed"
