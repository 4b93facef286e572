#!/usr/bin/env bash
# The full hardening run: the long versions of what `cargo test` runs briefly, and the
# fuzzers. Prints its counts at the end: permission cells asserted, SIGKILLs survived,
# property cases, fuzz executions, and the login timing medians. Exits non-zero if any
# part fails.
#
#   bash scripts/harden.sh
#
# Environment (defaults in brackets):
#   CITYPASSPORT_CRASH_KILLS [200]   kills of the sled writer
#   PROPTEST_CASES [10000]           cases per property
#   FUZZ_SECONDS [60]                seconds per fuzz target
#   CITYPASSPORT_TIMING_TRIES [60]   failed logins of each kind timed
#   CITYPASSPORT_CONCURRENCY_ROUNDS [40]
#   SKIP_POSTGRES=1                  run the matrix and races on memory and sled only
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`) for the fuzz
# step, and PostgreSQL binaries for scripts/with-postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export CITYPASSPORT_CRASH_KILLS="${CITYPASSPORT_CRASH_KILLS:-200}"
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"
export CITYPASSPORT_TIMING_TRIES="${CITYPASSPORT_TIMING_TRIES:-60}"
export CITYPASSPORT_CONCURRENCY_ROUNDS="${CITYPASSPORT_CONCURRENCY_ROUNDS:-40}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TARGETS=(period amount catalog_csv calendar_csv calendar_xml value_import)

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
step() { printf '\n==> %s\n' "$*"; }

# Runs cargo test with output kept in $log/$1.txt and shown on failure.
run() {
    local name=$1
    shift
    if ! "$@" >"$log/$name.txt" 2>&1; then
        cat "$log/$name.txt"
        echo "harden: step '$name' failed" >&2
        exit 1
    fi
    grep -hoE '(permission matrix|property |crash safety|login timing|concurrent writers|secrets on).*' \
        "$log/$name.txt" || true
}

scenarios=(every_cell_of_the_permission_matrix_holds
    login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password
    concurrent_reviews_corrections_and_resubmissions_lose_no_update
    concurrent_reviews_and_resubmissions_lose_no_update
    text_fields_are_limited_and_unicode_names_kept)

step "permission matrix, login timing and concurrent writers on memory and sled"
run memory cargo test --locked -p citypassport-tests --test memory -- --nocapture --test-threads=1 "${scenarios[@]}"
run sled cargo test --locked -p citypassport-tests --test sled -- --nocapture --test-threads=1 "${scenarios[@]}"

if [[ "${SKIP_POSTGRES:-}" != 1 ]]; then
    step "the same on a throwaway PostgreSQL server"
    run postgres bash scripts/with-postgres.sh cargo test --locked -p citypassport-tests \
        --test postgres -- --nocapture --test-threads=1 "${scenarios[@]}"
fi

step "secrets in logs and errors"
run secrets cargo test --locked -p citypassport-tests --test secrets -- --nocapture

step "crash safety on sled: $CITYPASSPORT_CRASH_KILLS SIGKILLs"
run crash cargo test --locked -p citypassport-tests --test crash -- --nocapture

step "property tests: $PROPTEST_CASES cases each"
run properties cargo test --locked -p citypassport-tests --test hostile_input -- --nocapture

step "fuzzing: ${#FUZZ_TARGETS[@]} targets, ${FUZZ_SECONDS}s each"
fuzz_total=0
(cd fuzz && cargo +nightly fuzz build -O >"$log/fuzz-build.txt" 2>&1) || {
    cat "$log/fuzz-build.txt"
    exit 1
}
for target in "${FUZZ_TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    if ! (cd fuzz && cargo +nightly fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -print_final_stats=1) >"$log/fuzz-$target.txt" 2>&1; then
        tail -40 "$log/fuzz-$target.txt"
        echo "harden: fuzz target $target found a failure (see fuzz/artifacts/$target)" >&2
        exit 1
    fi
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log/fuzz-$target.txt" |
        grep -oE '[0-9]+$' | tail -1)
    echo "fuzz $target: ${execs:-0} executions in ${FUZZ_SECONDS}s, no failure"
    fuzz_total=$((fuzz_total + ${execs:-0}))
done

step "counts"
cells=$(cat "$log"/{memory,sled,postgres}.txt 2>/dev/null |
    grep -oE 'permission matrix: [0-9]+' | grep -oE '[0-9]+$' | awk '{ s += $1 } END { print s + 0 }')
backends=$(cat "$log"/{memory,sled,postgres}.txt 2>/dev/null | grep -c 'permission matrix:')
kills=$(grep -oE 'crash safety: [0-9]+' "$log/crash.txt" | grep -oE '[0-9]+$')
cases=$(grep -oE '^property .*: [0-9]+ cases' "$log/properties.txt" |
    grep -oE '[0-9]+ cases' | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
properties=$(grep -c '^property .*cases' "$log/properties.txt")
echo "permission cells asserted: $cells (on $backends backends)"
echo "SIGKILLs survived:         $kills"
echo "property cases:            $cases (over $properties properties)"
echo "fuzz executions:           $fuzz_total (over ${#FUZZ_TARGETS[@]} targets)"
grep -hoE 'login timing.*' "$log"/{memory,sled,postgres}.txt 2>/dev/null || true
echo "harden: all passed"
