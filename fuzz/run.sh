#!/usr/bin/env bash
# Runs one fuzz target for a while on the toolchain at hand.
#
#   fuzz/run.sh TARGET [SECONDS] [-- extra libFuzzer flags]
#   fuzz/run.sh --list
#
# Stable Rust (the default and CI): no sanitizer (`cargo fuzz run -s none`);
# libFuzzer still sees coverage and compare tracing, and panics, overflows
# (debug assertions are on) and timeouts are caught. With FUZZ_ASAN=1 the run
# uses AddressSanitizer, which needs nightly features: on a stable toolchain
# RUSTC_BOOTSTRAP=1 unlocks them (or use `cargo +nightly`). ASan builds go to
# their own target directory so they do not invalidate the stable build.
#
# New inputs go to a scratch corpus (fuzz/target/scratch/TARGET); the
# checked-in corpus fuzz/corpus/TARGET is read, never written. Crashes land
# in fuzz/artifacts/TARGET/. Exit status: 0 when the time ran out without a
# crash, non-zero otherwise. Installs cargo-fuzz if it is missing.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir/.."

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

if [[ ${1:-} == --list ]]; then
    exec cargo fuzz list
fi
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [-- libFuzzer flags]}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
[[ ${1:-} == -- ]] && shift

build=(-a)
env=()
if [[ ${FUZZ_ASAN:-0} == 1 ]]; then
    build+=(-s address --target-dir "$fuzz_dir/target/asan")
    env=(RUSTC_BOOTSTRAP=1)
else
    build+=(-s none)
fi

scratch="$fuzz_dir/target/scratch/$target"
mkdir -p "$scratch" "$fuzz_dir/artifacts/$target"
exec env "${env[@]}" cargo fuzz run "${build[@]}" "$target" "$scratch" "$fuzz_dir/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 "$@"
