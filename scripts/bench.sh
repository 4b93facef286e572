#!/usr/bin/env bash
# The full benchmark of issue 10: release build, city and region profiles, sled and
# PostgreSQL side by side with the raw engines, and the Python DataFrame paths. Prints
# a table and writes target/bench/results.json.
#
#   bash scripts/bench.sh                 # the full run (about twenty minutes)
#   bash scripts/bench.sh --quick         # small sizes, seconds
#
# It starts its own throwaway PostgreSQL server (scripts/with-postgres.sh --own-server)
# and restarts it with fsync on, since the tests' servers run without it and the
# benchmark measures durable commits. The Python part uses its own venv,
# target/bench/venv (so as not to disturb the tests' target/py-venv), with a release
# build of the wheel, pandas and psycopg installed into it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--under-postgres" ]]; then
    exec bash scripts/with-postgres.sh --own-server bash "$0" --under-postgres "$@"
fi
shift

step() { printf '\n==> %s\n' "$*" >&2; }

step "restarting the throwaway PostgreSQL server with fsync on"
"$CITYPASSPORT_TEST_PG_CTL" restart -o "-c fsync=on" >/dev/null

step "building the benchmark (release)"
cargo build --release --locked -p citypassport-bench

venv="target/bench/venv"
wheels="target/bench/wheels"
if [[ ! -x "$venv/bin/python" ]]; then
    step "creating the venv in $venv"
    python3 -m venv "$venv"
fi
step "installing maturin, pandas and psycopg into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<2" pandas "psycopg[binary]"
step "building the citypassport wheel (release)"
rm -rf "$wheels"
(cd bindings/python && "../../$venv/bin/maturin" build --release --locked \
    --interpreter "../../$venv/bin/python" --out "../../$wheels")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall \
    --no-deps "$wheels"/citypassport-*.whl

step "running the benchmark"
target/release/citypassport-bench --python "$venv/bin/python" "$@"
