#!/usr/bin/env bash
# Builds the Kotlin/JVM bindings:
#
#   target/kotlin/citypassport.jar            the package city.passport, compiled
#   target/kotlin/libcitypassport_kotlin.so   the native library it loads through JNA
#   target/kotlin/generated/                  the Kotlin sources uniffi generated
#
#   bash bindings/kotlin/build.sh            # debug native library (what the tests use)
#   bash bindings/kotlin/build.sh --release  # optimised native library, for deployment
#
# Needs cargo, java 17 or newer (Debian: default-jdk-headless or openjdk-17-jdk-headless),
# JNA (libjna-java, which gives /usr/share/java/jna.jar; JNA_JAR overrides the path) and,
# until the Kotlin compiler is fetched, npm; it checks for them first and names what to
# install. The Kotlin compiler is taken from
# target/kotlin/kotlinc, or fetched there once from the npm registry (kotlin-compiler
# 2.4.20, a full kotlinc distribution); KOTLINC overrides it. CARGO_TARGET_DIR is
# honoured: everything lands in $CARGO_TARGET_DIR/kotlin instead of target/kotlin.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=debug
cargo_profile=()
case "${1:-}" in
    "") ;;
    --release) profile=release; cargo_profile=(--release) ;;
    *) echo "usage: bash bindings/kotlin/build.sh [--release]" >&2; exit 2 ;;
esac

KOTLIN_VERSION=2.4.20
target=${CARGO_TARGET_DIR:-target}
out=$target/kotlin
jna_jar=${JNA_JAR:-/usr/share/java/jna.jar}
kotlinc=${KOTLINC:-$out/kotlinc/bin/kotlinc}

# Every missing tool is named at once, with what to install, before anything is built:
# otherwise the first one missing shows up as a bare "command not found" halfway.
missing=()
jdk="apt-get install -y default-jdk-headless (or openjdk-17-jdk-headless)"
if ! command -v cargo >/dev/null; then
    rust=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
    missing+=("cargo: install Rust $rust or newer with rustup (https://rustup.rs)")
fi
if ! command -v java >/dev/null; then
    missing+=("java 17 or newer: $jdk")
else
    java_major=$(java -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
    if [[ "${java_major:-0}" -lt 17 ]]; then
        missing+=("java 17 or newer, found ${java_major:-an unknown version}: $jdk")
    fi
fi
if [[ ! -x "$kotlinc" && ! -f "$out/kotlin-compiler-$KOTLIN_VERSION.tgz" ]] \
    && ! command -v npm >/dev/null; then
    missing+=("npm, to fetch the Kotlin compiler once: apt-get install -y npm (or set KOTLINC)")
fi
if [[ ! -f "$jna_jar" ]]; then
    missing+=("JNA, $jna_jar not found: apt-get install -y libjna-java (or set JNA_JAR)")
fi
if (( ${#missing[@]} > 0 )); then
    echo "bindings/kotlin/build.sh: missing prerequisites:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi

mkdir -p "$out"
if [[ ! -x "$kotlinc" ]]; then
    tarball=kotlin-compiler-$KOTLIN_VERSION.tgz
    if [[ ! -f "$out/$tarball" ]]; then
        echo "==> fetching the Kotlin compiler $KOTLIN_VERSION from the npm registry"
        # npm pack downloads the package's tarball without installing anything.
        (cd "$out" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
    fi
    rm -rf "$out/kotlinc" "$out/package"
    tar -xzf "$out/$tarball" -C "$out"
    mv "$out/package" "$out/kotlinc"
    chmod +x "$out"/kotlinc/bin/*
    kotlinc=$out/kotlinc/bin/kotlinc
fi

echo "==> native library ($profile)"
# Built on its own (-p): built together with the bindgen crate, cargo would unify uniffi's
# features and link its whole generator into the library.
cargo build --locked -p citypassport-kotlin "${cargo_profile[@]}"
library=$target/$profile/libcitypassport_kotlin.so

echo "==> Kotlin sources"
# Library mode reads the interface from the built library and the settings from
# bindings/kotlin/uniffi.toml, which it finds through cargo metadata.
rm -rf "$out/generated"
cargo run --locked --quiet -p citypassport-uniffi-bindgen -- generate "$library" \
    --language kotlin --no-format --out-dir "$out/generated"

echo "==> citypassport.jar"
# -nowarn: the generated code draws warnings (unused parameters, redundant casts) that
# are uniffi's to fix; our own Kotlin is compiled without it in run-tests.sh.
"$kotlinc" -nowarn -cp "$jna_jar" \
    "$out/generated/city/passport/citypassport.kt" bindings/kotlin/kotlin/*.kt \
    -d "$out/citypassport.jar"
cp "$library" "$out/"

echo "built $out/citypassport.jar and $out/libcitypassport_kotlin.so ($profile)"
