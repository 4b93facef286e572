#!/usr/bin/env bash
# The full hardening run: the long versions of what `cargo test` runs briefly, and the
# fuzzers. Prints its counts at the end: permission cells asserted, SIGKILLs survived,
# property cases, fuzz executions, conflicts met by the concurrent writers, and the
# login timing medians. Exits non-zero if any part fails.
#
#   bash scripts/harden.sh
#
# Environment (defaults in brackets):
#   CITYPASSPORT_CRASH_KILLS [200]   kills of the sled writer
#   PROPTEST_CASES [10000]           cases per property
#   FUZZ_SECONDS [60]                seconds per fuzz target
#   CITYPASSPORT_TIMING_TRIES [60]   failed logins of each kind timed
#   CITYPASSPORT_CONCURRENCY_ROUNDS [40]
#   SKIP_POSTGRES=1                  run everything on memory and sled only
#   SKIP_FUZZ=1                      leave out the fuzz step
#
# The fuzz step needs cargo-fuzz; it is installed from crates.io when missing. It runs
# on whatever toolchain is the default, stable included: cargo-fuzz passes rustc the
# unstable -Z flags of the sanitizers, which stable accepts with RUSTC_BOOTSTRAP=1 (set
# for the fuzz commands only). The PostgreSQL step needs the server binaries for
# scripts/with-postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export CITYPASSPORT_CRASH_KILLS="${CITYPASSPORT_CRASH_KILLS:-200}"
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"
export CITYPASSPORT_TIMING_TRIES="${CITYPASSPORT_TIMING_TRIES:-60}"
export CITYPASSPORT_CONCURRENCY_ROUNDS="${CITYPASSPORT_CONCURRENCY_ROUNDS:-40}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TARGETS=(period amount email catalog_csv calendar_csv calendar_xml value_import
    values_file catalog_file)
CARGO_FUZZ_VERSION=0.13.2

started=$SECONDS
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
step() { printf '\n==> %s\n' "$*"; }

# Runs a command with its output kept in $log/$1.txt, shown whole on failure; on
# success only the lines that report counts are shown.
run() {
    local name=$1
    shift
    if ! "$@" >"$log/$name.txt" 2>&1; then
        cat "$log/$name.txt"
        echo "harden: step '$name' failed" >&2
        exit 1
    fi
    grep -hoE '(permission matrix|property |crash safety|login timing|concurrent writers|secrets on|audit tamper|text limits).*' \
        "$log/$name.txt" || true
}

# The logs of the named steps that exist: a skipped step leaves none.
logs_of() {
    local name
    for name in "$@"; do
        if [[ -f "$log/$name.txt" ]]; then
            echo "$log/$name.txt"
        fi
    done
}

# Sums the first number of each match of the extended regex $1 in the logs of the steps
# named after it; 0 when a log is missing or nothing matches, so that a skipped step
# never ends the summary.
sum_of() {
    local pattern=$1
    shift
    local files
    mapfile -t files < <(logs_of "$@")
    if [[ ${#files[@]} -eq 0 ]]; then
        echo 0
        return
    fi
    { grep -hoE "$pattern" "${files[@]}" || true; } |
        awk '{ if (match($0, /[0-9]+/)) s += substr($0, RSTART, RLENGTH) } END { print s + 0 }'
}

# How many lines of the named steps' logs match $1; 0 when none.
lines_of() {
    local pattern=$1
    shift
    local files
    mapfile -t files < <(logs_of "$@")
    if [[ ${#files[@]} -eq 0 ]]; then
        echo 0
        return
    fi
    { grep -hE "$pattern" "${files[@]}" || true; } | wc -l | tr -d ' '
}

scenarios=(every_cell_of_the_permission_matrix_holds
    login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password
    concurrent_reviews_corrections_and_resubmissions_lose_no_update
    concurrent_reviews_and_resubmissions_lose_no_update
    text_fields_are_limited_and_unicode_names_kept
    every_limited_text_field_refuses_overlong_text_naming_the_field
    audit_record_)

step "permission matrix, login timing, concurrent writers, text limits and tamper evidence on memory and sled"
run memory cargo test --locked -p citypassport-tests --test memory -- --nocapture --test-threads=1 "${scenarios[@]}"
run sled cargo test --locked -p citypassport-tests --test sled -- --nocapture --test-threads=1 "${scenarios[@]}"

backends_run=(memory sled)
if [[ "${SKIP_POSTGRES:-}" != 1 ]]; then
    step "the same on a throwaway PostgreSQL server"
    run postgres bash scripts/with-postgres.sh cargo test --locked -p citypassport-tests \
        --test postgres -- --nocapture --test-threads=1 "${scenarios[@]}"
    backends_run+=(postgres)

    step "secrets in logs and errors on memory, sled and PostgreSQL"
    run secrets bash scripts/with-postgres.sh cargo test --locked -p citypassport-tests \
        --test secrets -- --nocapture
else
    step "secrets in logs and errors on memory and sled (SKIP_POSTGRES=1)"
    run secrets cargo test --locked -p citypassport-tests --test secrets -- --nocapture \
        --skip on_postgres
fi

step "crash safety on sled: $CITYPASSPORT_CRASH_KILLS SIGKILLs"
run crash cargo test --locked -p citypassport-tests --test crash -- --nocapture

step "property tests of the core's parsers: $PROPTEST_CASES cases each"
run properties cargo test --locked -p citypassport-tests --test hostile_input -- --nocapture

step "property tests of the tool's file readers: $PROPTEST_CASES cases each"
run cli-properties cargo test --locked -p citypassport-cli --test hostile_files -- --nocapture

fuzz_total=0
fuzz_done=0
if [[ "${SKIP_FUZZ:-}" != 1 ]]; then
    step "fuzzing: ${#FUZZ_TARGETS[@]} targets, ${FUZZ_SECONDS}s each"
    if ! command -v cargo-fuzz >/dev/null; then
        echo "cargo-fuzz is not installed; installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
        cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" >"$log/fuzz-install.txt" 2>&1 || {
            cat "$log/fuzz-install.txt"
            echo "harden: installing cargo-fuzz failed" >&2
            exit 1
        }
    fi
    (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -O >"$log/fuzz-build.txt" 2>&1) || {
        cat "$log/fuzz-build.txt"
        echo "harden: building the fuzz targets failed" >&2
        exit 1
    }
    for target in "${FUZZ_TARGETS[@]}"; do
        mkdir -p "fuzz/corpus/$target"
        # -timeout: one input taking longer than 10 s is a failure (a hang), not slowness.
        if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "corpus/$target" \
            "seeds/$target" -- -max_total_time="$FUZZ_SECONDS" -timeout=10 \
            -print_final_stats=1) >"$log/fuzz-$target.txt" 2>&1; then
            tail -40 "$log/fuzz-$target.txt"
            echo "harden: fuzz target $target found a failure (see fuzz/artifacts/$target)" >&2
            exit 1
        fi
        execs=$(sum_of 'stat::number_of_executed_units: *[0-9]+' "fuzz-$target")
        if [[ "$execs" -eq 0 ]]; then
            tail -20 "$log/fuzz-$target.txt"
            echo "harden: fuzz target $target ran no input" >&2
            exit 1
        fi
        echo "fuzz $target: $execs executions in ${FUZZ_SECONDS}s, no failure"
        fuzz_total=$((fuzz_total + execs))
        fuzz_done=$((fuzz_done + 1))
    done
fi

step "counts"
cells=$(sum_of 'permission matrix: [0-9]+' "${backends_run[@]}")
called=$(sum_of '[0-9]+ by a call' "${backends_run[@]}")
unholdable=$(sum_of '[0-9]+ denied without a call' "${backends_run[@]}")
matrices=$(lines_of 'permission matrix:' "${backends_run[@]}")
kills=$(sum_of 'crash safety: [0-9]+' crash)
mid_call=$(sum_of '[0-9]+ in the middle of a call' crash)
opening=$(sum_of '[0-9]+ while opening the store or logging in' crash)
core_cases=$(sum_of ': [0-9]+ cases$' properties)
core_properties=$(lines_of 'property .*: [0-9]+ cases$' properties)
cli_cases=$(sum_of ': [0-9]+ cases$' cli-properties)
cli_properties=$(lines_of 'property .*: [0-9]+ cases$' cli-properties)
refused=$(sum_of '[0-9]+ writes refused' "${backends_run[@]}")
conflicts=$(sum_of 'of them [0-9]+' "${backends_run[@]}")
races=$(lines_of 'concurrent writers:' "${backends_run[@]}")
secrets=$(lines_of 'secrets on .*: [0-9]+ secrets searched' secrets)
tampered=$(lines_of 'audit tamper .* reported first' "${backends_run[@]}")
limited=$(sum_of 'text limits: [0-9]+' "${backends_run[@]}")
echo "permission cells asserted: $cells on $matrices backends ($called by a call, $unholdable denied without a call: role pairs an administrator may not hold)"
echo "SIGKILLs survived:         $kills ($mid_call in the middle of a call, $opening while opening the store or logging in)"
echo "property cases:            $((core_cases + cli_cases)) ($core_cases over $core_properties properties of the core, $cli_cases over $cli_properties of the tool's file readers)"
echo "fuzz executions:           $fuzz_total (over $fuzz_done of ${#FUZZ_TARGETS[@]} targets)"
echo "concurrent writers:        $refused writes refused over $races races, $conflicts of them conflicts"
echo "secrets searched:          on $secrets backends"
echo "audit tamper cases:        $tampered, each reported as the first bad record"
echo "text limits:               $limited fields refused over their limit, summed over the backends"
mapfile -t backend_logs < <(logs_of "${backends_run[@]}")
{ grep -hoE 'login timing.*' "${backend_logs[@]}" || true; } | sed 's/^/  /'
echo "time: $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
echo "harden: all passed"
