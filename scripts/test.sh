#!/usr/bin/env bash
# Runs every test of the project: formatting, clippy with warnings denied, the Rust
# unit, doc, conformance and scenario tests on memory, sled and a throwaway PostgreSQL
# server, the quickstart twice, the Python tests against the built wheel and the Kotlin
# tests on the JVM. Exits non-zero if anything fails or cannot run.
#
# Prerequisites that a fresh Debian machine lacks are installed by `.ci/run` (as root);
# see the README's "Running the tests" section to install them by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Everything that needs PostgreSQL runs under one throwaway server.
bash scripts/with-postgres.sh bash scripts/test-with-services.sh
