#!/usr/bin/env bash
# Builds the citypassport wheel, installs it in a venv and runs the Python tests (the
# pytest suite in tests/, which also executes examples/notebook.ipynb) against the
# installed wheel. Exits non-zero if anything fails, or if pytest collects no test.
#
#   bash bindings/python/run-tests.sh [pytest arguments]
#   bash scripts/with-postgres.sh bash bindings/python/run-tests.sh   # with PostgreSQL
#
# Without CITYPASSPORT_TEST_PG_URL the PostgreSQL tests fail and say how to run them.
#
# The venv lives in target/py-venv and is made on first use. CITYPASSPORT_PY_PROFILE
# chooses the wheel's build: `dev` (default) or `release`. The dev profile reuses the
# workspace's debug build of the dependencies and still optimises Argon2 (see the root
# Cargo.toml), so the tests run at nearly release speed for a fraction of the build time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/py-venv"
wheels="$root/target/py-wheels"
profile="${CITYPASSPORT_PY_PROFILE:-dev}"

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x "$venv/bin/python" ]]; then
    step "creating the venv in $venv"
    python3 -m venv "$venv"
fi
step "installing the build and test tools"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<2" pytest pandas matplotlib nbclient nbformat ipykernel

step "building the wheel ($profile profile)"
rm -rf "$wheels"
build_args=(build --locked --interpreter "$venv/bin/python" --out "$wheels")
case "$profile" in
    dev) ;;
    release) build_args+=(--release) ;;
    *) echo "CITYPASSPORT_PY_PROFILE must be dev or release, not '$profile'" >&2; exit 2 ;;
esac
(cd "$here" && "$venv/bin/maturin" "${build_args[@]}")
wheel=("$wheels"/citypassport-*.whl)
if [[ ${#wheel[@]} -ne 1 || ! -f "${wheel[0]}" ]]; then
    echo "expected one wheel in $wheels, found: ${wheel[*]}" >&2
    exit 1
fi

step "installing ${wheel[0]##*/}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall \
    --no-deps "${wheel[0]}"

step "pytest against the installed wheel"
# Run from the tests' folder so that nothing of the source tree can shadow the wheel.
set +e
(cd "$here/tests" && "$venv/bin/python" -m pytest -p no:cacheprovider -ra "$@")
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "pytest collected no test: that is a failure here" >&2
    exit 1
fi
exit "$status"
