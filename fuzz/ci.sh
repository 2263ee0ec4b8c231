#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) on stable Rust and
# fails if any of them crashes. Meant for .ci/run:
#
#   bash fuzz/ci.sh [SECONDS]
#
# Builds all targets once first, then fuzzes them one after the other with
# fuzz/run.sh (no sanitizer). A crash leaves its input in
# fuzz/artifacts/TARGET/ and its log in fuzz/target/ci-logs/TARGET.log; to
# keep it as a regression, copy the input to fuzz/corpus/TARGET/regression-*
# once it is fixed (tests/fuzz_corpora.rs replays it on every cargo test).
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
cd "$fuzz_dir/.."

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "ci.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

start=$SECONDS
cargo fuzz build -a -s none
logs="$fuzz_dir/target/ci-logs"
mkdir -p "$logs"
failed=()
passed=0
for target in $(cargo fuzz list); do
    echo "== fuzz $target for ${seconds}s"
    if "$fuzz_dir/run.sh" "$target" "$seconds" >"$logs/$target.log" 2>&1; then
        passed=$((passed + 1))
    else
        failed+=("$target")
        echo "!! $target crashed; last lines of $logs/$target.log:"
        tail -n 40 "$logs/$target.log"
    fi
    grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^Done [0-9]+ runs' \
        "$logs/$target.log" | sed 's/^/   /' || true
done
echo "fuzzing took $((SECONDS - start))s"
echo "fuzz: ${passed} passed, ${#failed[@]} failed"
if ((${#failed[@]})); then
    echo "crashed: ${failed[*]}" >&2
    exit 1
fi
