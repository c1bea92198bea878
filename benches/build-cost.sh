#!/usr/bin/env bash
# Build cost of keepalive-probe against a floor: a cold `cargo build --tests` of this workspace and
# of an empty crate that depends only on the design card's packages, reqwest (no default
# features), axum and tokio, with rstest and pretty_assertions for its tests — what any crate
# testing an HTTP client against an axum server that way has to compile anyway.
#
# Usage: benches/build-cost.sh [work-dir]   (default: a fresh directory under /tmp)
#
# Every build runs in a fresh target directory under the work directory, one after the other, with
# cargo's default parallelism, offline. The crate is copied there first (without .git/ and the
# build directory, target/, which holds the drivers' builds too),
# so edits made while the script runs cannot break a build halfway. The floor is generated there
# too (never in the repository) with a copy of our Cargo.lock, so both compile the same versions.
# Crate counts are the stable figure; wall times move with whatever else the machine compiles.
#
# Builds measured:
#   floor                      cargo build --tests of the floor
#   keepalive-probe            cargo build --tests: a contributor's cold build (the library and
#                              the CLI, dev-dependencies, every test target)
#   keepalive-probe-lib        cargo build -p keepalive-probe --lib: what a user who adds us as a
#                              dev-dependency compiles for us (the default features)
#   keepalive-probe-lib-tls    the same with --features tls: what HTTPS adds (rustls, and ring
#                              with its C)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/build-cost.XXXXXX)}
floor=$work/floor
mkdir -p "$floor/src"

cat >"$floor/Cargo.toml" <<'EOF'
[package]
name = "floor"
version = "0.0.0"
edition = "2024"
publish = false

# The least a crate needs to serve with axum and request with reqwest: axum's `tokio` and `http1`
# features are what `axum::serve` needs; tokio's are what a `#[tokio::test]` needs.
[dependencies]
axum = { version = "0.8", default-features = false, features = ["tokio", "http1"] }
reqwest = { version = "0.13", default-features = false }
tokio = { version = "1", features = ["rt", "net", "macros"] }

[dev-dependencies]
pretty_assertions = "1"
rstest = { version = "0.29", default-features = false }

# Its own workspace: never part of the crate it is measured against.
[workspace]
EOF
echo '//! The build-cost floor: dependencies only.' >"$floor/src/lib.rs"
cp "$repo/Cargo.lock" "$floor/Cargo.lock"

crate=$work/keepalive-probe
rm -rf "$crate"
mkdir -p "$crate"
tar -C "$repo" --exclude=./target --exclude=./.git -cf - . \
    | tar -C "$crate" -xf -

# cold NAME MANIFEST [cargo build args...] — prints: NAME, wall seconds, CPU seconds (user + system,
# this build's processes only, so less sensitive to other builds than wall time), crates compiled.
cold() {
    local name=$1 manifest=$2
    shift 2
    local target=$work/target-$name
    rm -rf "$target"
    local times
    if ! times=$( { TIMEFORMAT='%R %U %S'; time CARGO_TARGET_DIR=$target cargo build --offline \
        --manifest-path "$manifest" "$@" 2>"$work/$name.log"; } 2>&1 ); then
        echo "$name: build failed, see $work/$name.log" >&2
        return 1
    fi
    read -r wall user system <<<"$times"
    printf '%-22s %7.1f s wall %7.1f s CPU %5d crates\n' "$name" "$wall" \
        "$(echo "$user + $system" | bc)" "$(grep -c '^ *Compiling ' "$work/$name.log")"
}

# Package names in the dependency graph a test build compiles (normal, build and dev edges).
packages() {
    cargo tree --offline --manifest-path "$1" --workspace -e normal,build,dev --prefix none --format '{p}' \
        | sed 's/ (.*//; s/ (\*)//' | sort -u
}

echo "work directory: $work"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cold floor "$floor/Cargo.toml" --tests
cold keepalive-probe "$crate/Cargo.toml" --tests
cold keepalive-probe-lib "$crate/Cargo.toml" -p keepalive-probe --lib
cold keepalive-probe-lib-tls "$crate/Cargo.toml" -p keepalive-probe --lib --features tls
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

packages "$floor/Cargo.toml" >"$work/floor.packages"
packages "$crate/Cargo.toml" >"$work/main.packages"
echo
echo "packages only in keepalive-probe's test build (name version):"
comm -13 "$work/floor.packages" "$work/main.packages" | sed 's/^/  /'
echo "packages only in the floor:"
comm -23 "$work/floor.packages" "$work/main.packages" | sed 's/^/  /'
