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

# What building, running and testing need, by Debian/Ubuntu package name.
packages=(
    build-essential cmake pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev
    libgl-dev libhiredis-dev libqrencode-dev
    redis-server curl xvfb xauth
)
test_packages=(nginx)

say() { printf '\033[1mherald:\033[0m %s\n' "$*" >&2; }

install_missing() {
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
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
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
    build
    say "running the tests"
    cd "$build_dir"
    # Window tests draw offscreen; nothing here needs a display.
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" --timeout 600
    ;;
*)
    echo "usage: installer/bootstrap.sh run [herald options] | test" >&2
    exit 2
    ;;
esac
