#!/usr/bin/env bash
# The user's view of adding keepalive-probe as a dev-dependency: a cold `cargo test --no-run` of a
# small crate that depends on reqwest (no default features), tokio and serde, with and without
# `keepalive-probe = { path = … }` (the library's default features), each in a fresh target directory.
# Reports the added seconds and crates, and whether any feature of the user's reqwest, hyper or
# tokio changed (`cargo tree --format {f}`: the features each is built with, diffed).
#
# Usage: benches/user-build-cost.sh [work-dir]   (default: a fresh directory under /tmp)
#
# Both crates share one Cargo.lock (copied from ours, so they build the same versions) and build
# one after the other with cargo's default parallelism. Wall times move with the machine's load;
# the crate counts and the feature diff do not.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/user-build-cost.XXXXXX)}

make_crate() { # name, extra dev-dependency line
    local dir=$work/$1
    mkdir -p "$dir/src" "$dir/tests"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
reqwest = { version = "0.13", default-features = false }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
serde = { version = "1", features = ["derive"] }

[dev-dependencies]
$2
EOF
    echo 'pub fn client() -> reqwest::Client { reqwest::Client::new() }' >"$dir/src/lib.rs"
    echo '#[tokio::test] async fn builds() { let _ = '"${1//-/_}"'::client(); }' >"$dir/tests/it.rs"
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
}

make_crate without ""
make_crate with "keepalive-probe = { path = \"$repo\" }"

build() { # name -> prints seconds
    local dir=$work/$1 start end
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo test --no-run -q >/dev/null 2>"$dir/build.log") \
        || { cat "$dir/build.log" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

crates() { # name -> number of crates compiled
    (cd "$work/$1" && cargo tree -e normal,dev --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
}

features() { # name, crate -> the features that crate is built with, one per line
    (cd "$work/$1" && cargo tree -e normal,dev --format '{p}|{f}' --prefix none 2>/dev/null \
        | grep "^$2 v" | head -n1 | cut -d'|' -f2 | tr ',' '\n' | sort -u)
}

without=$(build without)
with=$(build with)
printf 'cold cargo test --no-run: without %.1f s, with %.1f s, added %+.1f s\n' "$without" "$with" "$(echo "$with - $without" | bc)"
printf 'crates: without %d, with %d, added %+d\n' "$(crates without)" "$(crates with)" "$(( $(crates with) - $(crates without) ))"
changed=0
for crate in reqwest hyper hyper-util tokio; do
    if ! diff <(features without "$crate") <(features with "$crate") >"$work/$crate.diff"; then
        changed=1
        echo "features of $crate changed (< without, > with):"
        cat "$work/$crate.diff"
    fi
done
if ((changed == 0)); then
    echo "features of reqwest, hyper, hyper-util and tokio: unchanged"
fi
