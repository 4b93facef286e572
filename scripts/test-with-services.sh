#!/usr/bin/env bash
# The part of scripts/test.sh that needs a PostgreSQL server: called by it under
# scripts/with-postgres.sh, which sets CITYPASSPORT_TEST_PG_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

: "${CITYPASSPORT_TEST_PG_URL:?run this under scripts/with-postgres.sh}"

step "Rust tests: unit, doc, conformance and scenarios on memory, sled and PostgreSQL"
cargo test --workspace --locked

step "quickstart, run twice on the same sled folder"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
for run in 1 2; do
    out=$(cargo run --quiet --locked -p citypassport-examples --bin quickstart -- "$demo/store")
    grep -q "^code  *indicator" <<<"$out" || { echo "quickstart run $run printed no passport table"; exit 1; }
    echo "quickstart run $run: ok"
done

step "Python package against the built wheel"
bash bindings/python/run-tests.sh

step "benchmark in quick mode (the full run is scripts/bench.sh)"
target/py-venv/bin/python -m pip install --quiet --disable-pip-version-check "psycopg[binary]"
cargo run --quiet --locked -p citypassport-bench -- --quick \
    --python target/py-venv/bin/python --out target/bench/quick-results.json

step "Kotlin bindings on the JVM"
bash bindings/kotlin/run-tests.sh
