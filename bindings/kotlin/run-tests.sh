#!/usr/bin/env bash
# Builds the Kotlin bindings (build.sh, debug native library), compiles the Kotlin tests
# and the example, and runs them on the JVM. The tests include one on PostgreSQL, so the
# way to run them is under scripts/with-postgres.sh, which starts a throwaway server and
# sets CITYPASSPORT_TEST_PG_URL for them:
#
#   bash scripts/with-postgres.sh bash bindings/kotlin/run-tests.sh
#
# (or with CITYPASSPORT_TEST_PG_URL pointing at a server of your own). Without the URL the
# PostgreSQL test fails, saying so, rather than being skipped unseen.
#
# The tests print one line per test and end with `N passed, N failed`. Then
# examples/kotlin/PrintPassport.kt runs twice on a new sled folder: first it builds a
# demo store, then it reads it back. Exits non-zero if anything fails.
#
# Needs what build.sh needs, which it checks first: cargo, java 17+ (default-jdk-headless
# or openjdk-17-jdk-headless), JNA (libjna-java) and npm (to fetch the Kotlin compiler
# once).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z "${CITYPASSPORT_TEST_PG_URL:-}" ]]; then
    echo "note: CITYPASSPORT_TEST_PG_URL is not set, so the PostgreSQL test will fail;" \
        "run: bash scripts/with-postgres.sh bash bindings/kotlin/run-tests.sh" >&2
fi

bash bindings/kotlin/build.sh

out=${CARGO_TARGET_DIR:-target}/kotlin
jna_jar=${JNA_JAR:-/usr/share/java/jna.jar}
kotlinc=${KOTLINC:-$out/kotlinc/bin/kotlinc}
kotlin_lib=$(dirname "$(dirname "$kotlinc")")/lib
stdlib=$kotlin_lib/kotlin-stdlib.jar
kotlin_test=$kotlin_lib/kotlin-test.jar

echo "==> compiling the Kotlin tests and the example"
# -Werror: our own Kotlin stays free of warnings.
"$kotlinc" -Werror -cp "$out/citypassport.jar:$jna_jar:$kotlin_test" \
    bindings/kotlin/tests/*.kt examples/kotlin/PrintPassport.kt -d "$out/tests.jar"

# jna.library.path tells JNA where libcitypassport_kotlin.so is.
classpath=$out/tests.jar:$out/citypassport.jar:$stdlib:$kotlin_test:$jna_jar
run_java() { java -Djna.library.path="$out" -cp "$classpath" "$@"; }

echo "==> Kotlin tests"
run_java city.passport.tests.MainKt

echo "==> examples/kotlin/PrintPassport.kt, twice on one sled folder"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
for run in 1 2; do
    printed=$(run_java PrintPassportKt "$demo/store")
    echo "$printed"
    if ! grep -q "^code  *indicator" <<<"$printed" \
        || ! grep -q "^MR-1.1  .*333931  *accepted" <<<"$printed"; then
        echo "PrintPassport run $run did not print the passport table" >&2
        exit 1
    fi
done
echo "PrintPassport: ok"
