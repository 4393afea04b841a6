#!/usr/bin/env bash
# Sets Herald up on a fresh Debian 12 / Ubuntu 24.04 machine and runs it or its tests.
#
#   installer/bootstrap.sh run [herald options]   install what is missing, build, run Herald
#   installer/bootstrap.sh test                   install what is missing, build, run every test
#
# Packages come from the distribution (apt). The build goes to ./build (BUILD_DIR to change it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$here/build}
jobs=${JOBS:-$(( $(nproc) < 2 ? 1 : 2 ))}

# What building, running and testing need, by Debian/Ubuntu package name. Qt Charts' CMake
# package looks for Qt6OpenGL, which qt6-charts-dev does not depend on: libqt6opengl6-dev.
packages=(
    build-essential cmake pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev
    libqt6opengl6-dev
    libgl-dev libhiredis-dev libqrencode-dev
    redis-server curl xvfb xauth librsvg2-bin
)
test_packages=(nginx clang dpkg-dev file desktop-file-utils appstream man-db)
# The reference browser for the reconnect test; its recommended packages make it start headless.
browser_packages=(chromium)

say() { printf '\033[1mherald:\033[0m %s\n' "$*" >&2; }

install_missing() {
    local recommends=--no-install-recommends
    if [ "${1:-}" = --with-recommends ]; then
        recommends=
        shift
    fi
    local wanted=("$@") missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    say "installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq $recommends \
        "${missing[@]}" >/dev/null
}

build() {
    say "building in $build_dir"
    cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build_dir" -j "$jobs"
}

case "${1:-}" in
run)
    shift
    install_missing "${packages[@]}"
    build
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        exec "$build_dir/app/herald" "$@"
    fi
    say "no display found: running headless (Ctrl+C stops it)"
    exec "$build_dir/app/herald" --headless "$@"
    ;;
test)
    install_missing "${packages[@]}" "${test_packages[@]}"
    install_missing --with-recommends "${browser_packages[@]}"
    # libFuzzer's runtime comes with the clang of the distribution (14 on Debian 12, 18 on
    # Ubuntu 24.04).
    clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
    install_missing "libclang-rt-${clang_major}-dev"
    build

    # Every suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
    say "building with sanitizers in $build_dir-sanitize"
    cmake -S "$here" -B "$build_dir-sanitize" -DCMAKE_BUILD_TYPE=Debug -DHERALD_SANITIZE=ON >/dev/null
    cmake --build "$build_dir-sanitize" -j "$jobs"

    # The parsers under libFuzzer, each for a bounded time on its corpus.
    say "building the fuzzers in $build_dir-fuzz"
    CC=clang CXX=clang++ cmake -S "$here/tests/fuzz" -B "$build_dir-fuzz" \
        -DFUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null
    cmake --build "$build_dir-fuzz" -j "$jobs"

    say "running the fuzzers (${FUZZ_SECONDS:-20} s each)"
    (cd "$build_dir-fuzz" && ctest --output-on-failure -j "$jobs")
    # The package and the load benchmark measure the normal build; everything else runs here.
    say "running the tests under sanitizers"
    (cd "$build_dir-sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" --timeout 900 \
        -E '^(package|bench_smoke)$')
    say "running every test"
    cd "$build_dir"
    # Window tests draw offscreen; nothing here needs a display.
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" --timeout 600
    ;;
*)
    echo "usage: installer/bootstrap.sh run [herald options] | test" >&2
    exit 2
    ;;
esac
