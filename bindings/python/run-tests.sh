#!/usr/bin/env bash
# Builds the citypassport wheel, installs it in a venv and runs the Python tests (the
# pytest suite in tests/, which also executes examples/notebook.ipynb and the README's
# first-run code) against the installed wheel. Then installs the same wheel in a second
# venv that has pytest and nothing else, and runs tests/test_without_pandas.py there, so
# that the package is shown to work without its pandas extra. Exits non-zero if anything
# fails, if pytest collects no test, or if the wheel is not the one abi3 wheel for
# CPython 3.9 and later (tag cp39-abi3).
#
#   bash bindings/python/run-tests.sh [pytest arguments]
#   bash scripts/with-postgres.sh bash bindings/python/run-tests.sh   # with PostgreSQL
#
# The pytest arguments go to the main run only. Without CITYPASSPORT_TEST_PG_URL the
# PostgreSQL tests fail and say how to run them.
#
# The venvs live in target/py-venv and target/py-venv-nopandas and are made on first
# use. CITYPASSPORT_PY_PROFILE chooses the wheel's build: `dev` (default) or `release`.
# The dev profile reuses the workspace's debug build of the dependencies and still
# optimises Argon2 (see the root Cargo.toml), so the tests run at nearly release speed for
# a fraction of the build time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/py-venv"
bare_venv="$root/target/py-venv-nopandas"
wheels="$root/target/py-wheels"
profile="${CITYPASSPORT_PY_PROFILE:-dev}"

step() { printf '\n==> %s\n' "$*"; }
missing() {
    printf 'run-tests.sh: %s\n' "$1" >&2
    exit 2
}

# What the build needs, said plainly instead of as a failure halfway through.
command -v cargo >/dev/null ||
    missing "cargo is not installed; install Rust with rustup (https://rustup.rs) and retry"
command -v python3 >/dev/null ||
    missing "python3 is not installed; install CPython 3.9 or later (apt-get install python3)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    missing "python3 is $(python3 -V 2>&1); the package needs CPython 3.9 or later"

make_venv() {
    local target="$1" trial
    [[ -x "$target/bin/python" ]] && return
    # A trial venv first: on Debian and Ubuntu, `python3 -m venv` fails without the
    # python3-venv package, with a message that does not say which one.
    trial="$(mktemp -d)"
    if ! python3 -m venv "$trial/venv" >/dev/null 2>&1; then
        rm -rf "$trial"
        missing "python3 cannot make a venv; install its venv module (apt-get install python3-venv)"
    fi
    rm -rf "$trial"
    step "creating the venv in $target"
    python3 -m venv "$target"
}

make_venv "$venv"
make_venv "$bare_venv"
step "installing the build and test tools"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<2" pytest pandas matplotlib nbclient nbformat ipykernel
"$bare_venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest

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
# The name is citypassport-VERSION-PYTHON-ABI-PLATFORM.whl; one wheel must serve every
# CPython from 3.9 on, which only the stable ABI (abi3) built for 3.9 does.
wheel_name="${wheel[0]##*/}"
IFS=- read -r _ _ python_tag abi_tag _ <<<"$wheel_name"
if [[ "$python_tag-$abi_tag" != "cp39-abi3" ]]; then
    echo "the wheel $wheel_name is tagged $python_tag-$abi_tag, not cp39-abi3: check pyo3's" \
        "abi3-py39 feature in the workspace Cargo.toml" >&2
    exit 1
fi

step "installing $wheel_name"
for python in "$venv/bin/python" "$bare_venv/bin/python"; do
    "$python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        "${wheel[0]}"
done

# Runs pytest from the tests' folder, so that nothing of the source tree can shadow the
# wheel; collecting no test is a failure here.
run_pytest() {
    local python="$1" status
    shift
    set +e
    (cd "$here/tests" && "$python" -m pytest -p no:cacheprovider -ra "$@")
    status=$?
    set -e
    if [[ $status -eq 5 ]]; then
        echo "pytest collected no test: that is a failure here" >&2
        return 1
    fi
    return "$status"
}

step "pytest against the installed wheel"
status=0
run_pytest "$venv/bin/python" "$@" || status=$?

step "pytest without pandas, in $bare_venv"
bare_status=0
run_pytest "$bare_venv/bin/python" -q test_without_pandas.py || bare_status=$?

if [[ $status -ne 0 ]]; then
    exit "$status"
fi
exit "$bare_status"
