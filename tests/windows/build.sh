#!/usr/bin/env bash
# Cross-compile starttls-cert.exe for x86_64-pc-windows-gnu with Debian's
# mingw-w64, and build the test-only bcryptprimitives.dll shim that lets the
# exe run under Debian bookworm's Wine 8.
#
#   tests/windows/build.sh
#
# Steps (each timed):
#   apt      apt-get update + install gcc-mingw-w64-x86-64 and wine64
#            (skipped when both are installed; SKIP_APT=1 skips it always)
#   rustup   rustup target add x86_64-pc-windows-gnu (needs the Rust dist
#            server; fails with a clear message when it cannot be reached)
#   cross    cargo build --release --target x86_64-pc-windows-gnu -p starttls-cert
#   shim     x86_64-w64-mingw32-gcc -shared processprng_shim.c -> bcryptprimitives.dll
#            placed next to the exe (for Wine only: never ship it to Windows)
#   strip    a stripped copy starttls-cert-stripped.exe (the release profile
#            keeps line-table debug info, which makes the exe ~40 MB)
#
# The C compiler for ring and the linker are given by environment variables,
# not .cargo/config. CARGO_TARGET_DIR is honoured (default: target/).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=x86_64-pc-windows-gnu
MINGW=x86_64-w64-mingw32
export DEBIAN_FRONTEND=noninteractive

log() { printf '[windows-build] %s\n' "$*"; }
die() {
    printf '[windows-build] ERROR: %s\n' "$*" >&2
    exit 1
}
declare -a TIMINGS=()
timed() { # name command...
    local name=$1 t=$SECONDS
    shift
    log "---- $name"
    "$@"
    TIMINGS+=("$(printf '%-7s %4ss' "$name" "$((SECONDS - t))")")
    log "---- $name: $((SECONDS - t))s"
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

step_apt() {
    local pkgs=(gcc-mingw-w64-x86-64 wine64) missing=() p
    for p in "${pkgs[@]}"; do
        installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        log "already installed: ${pkgs[*]}"
        return 0
    fi
    command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand (Debian bookworm package names)"
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update -q >/dev/null || die "apt-get update failed"
    # wine64 alone is enough for 64-bit console programs: no i386
    # multiarch, no Mono/Gecko, no fonts (--no-install-recommends).
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
    log "installed: ${missing[*]}"
}

step_rustup() {
    command -v cargo >/dev/null || die "cargo not found"
    if ! command -v rustup >/dev/null; then
        # A toolchain without rustup (e.g. Debian's rustc) needs the target's
        # std some other way; check that it is there.
        local libdir
        libdir=$(rustc --print target-libdir --target "$TARGET" 2>/dev/null) || libdir=""
        if [[ -z $libdir || ! -d $libdir ]]; then
            die "no rustup and no std for $TARGET: install rustup or the target's standard library"
        fi
        return 0
    fi
    if rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
        log "rustup target $TARGET already installed"
        return 0
    fi
    if ! rustup target add "$TARGET"; then
        die "'rustup target add $TARGET' failed: the Rust standard library for Windows could not be downloaded (is the Rust dist server reachable from here?). Without it the Windows exe cannot be built."
    fi
}

step_cross() {
    local jobs=()
    [[ -n ${BUILD_JOBS:-} ]] && jobs=(-j "$BUILD_JOBS")
    (
        cd "$ROOT"
        export CC_x86_64_pc_windows_gnu=$MINGW-gcc
        export AR_x86_64_pc_windows_gnu=$MINGW-ar
        export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=$MINGW-gcc
        nice -n "${NICE:-10}" cargo build --release --target "$TARGET" -p starttls-cert "${jobs[@]}"
    )
}

step_shim() {
    "$MINGW-gcc" -O2 -Wall -Wextra -Werror -shared -s \
        -o "$OUT_DIR/bcryptprimitives.dll" \
        "$HERE/processprng_shim.c" "$HERE/processprng_shim.def" -ladvapi32
    local exports
    exports=$("$MINGW-objdump" -p "$OUT_DIR/bcryptprimitives.dll")
    grep -q '\] ProcessPrng$' <<<"$exports" ||
        die "bcryptprimitives.dll does not export ProcessPrng"
}

step_strip() {
    "$MINGW-strip" -o "$OUT_DIR/starttls-cert-stripped.exe" "$EXE"
}

T0=$SECONDS
if [[ ${SKIP_APT:-0} == 1 ]]; then
    log "apt step skipped (SKIP_APT=1)"
else
    timed apt step_apt
fi
command -v "$MINGW-gcc" >/dev/null || die "$MINGW-gcc not found (apt-get install gcc-mingw-w64-x86-64)"
timed rustup step_rustup

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT_DIR="$TARGET_DIR/$TARGET/release"
EXE="$OUT_DIR/starttls-cert.exe"
timed cross step_cross
[[ -f $EXE ]] || die "cargo finished but $EXE is missing"
timed shim step_shim
timed strip step_strip

size() { stat -c %s "$1"; }
log "imports of the exe: $("$MINGW-objdump" -p "$EXE" | awk '/DLL Name:/ {print $3}' | sort -fu | tr '\n' ' ')"
log "exe:      $EXE ($(size "$EXE") bytes)"
log "stripped: $OUT_DIR/starttls-cert-stripped.exe ($(size "$OUT_DIR/starttls-cert-stripped.exe") bytes) <- the one to copy to a PRTG probe"
log "shim:     $OUT_DIR/bcryptprimitives.dll ($(size "$OUT_DIR/bcryptprimitives.dll") bytes) <- Wine tests only"
log "timings:"
printf '[windows-build]   %s\n' "${TIMINGS[@]}"
log "total $((SECONDS - T0))s"
# For callers: the exe's path as the last line.
echo "$EXE"
