#!/usr/bin/env bash
# Builds Herald's packages with CPack and checks them as a user would get them:
#
#   1. cpack -G DEB and TGZ, from the configured build tree;
#   2. the .deb's control fields (name, version = project version, Depends from dpkg-shlibdeps
#      plus qt6-qpa-plugins, no Redis) and its file list (binaries, desktop file, AppStream
#      metadata, man page, icons), and the tarball's file list;
#   3. dpkg -x into a scratch root (not dpkg -i: nothing is installed on the machine), then
#      the installed herald: --version, and a headless run that serves one event from a
#      publisher to a curl subscriber and stops cleanly on SIGTERM;
#   4. desktop-file-validate and appstreamcli validate on the installed files, the man page
#      against `herald --help`.
#
# usage: check-package.sh BUILD_DIR SOURCE_DIR      (CTest runs it: tests/installer)
# Environment: HERALD_EXPECTED_VERSION (else read from the build's CMakeCache.txt),
# CPACK_COMMAND (else cpack from PATH). Work files stay in BUILD_DIR/package-check for a look.
set -euo pipefail

say() { printf 'check-package: %s\n' "$*"; }
fail() {
    printf 'check-package: FAIL: %s\n' "$*" >&2
    exit 1
}
# Prints a work file to stderr, to explain a failure.
show() {
    if [ -s "$1" ]; then
        printf -- '--- %s\n' "$1" >&2
        cat "$1" >&2
        printf -- '---\n' >&2
    fi
}

[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd) || fail "no build directory '$1'"
source=$(cd "$2" && pwd) || fail "no source directory '$2'"
app_id=io.herald.Herald
icon_sizes=(16 24 32 48 64 128 256 512)

# --- what this needs ------------------------------------------------------------------------
need() { # need TOOL DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 || fail "'$1' not found: install the Debian package $2"
}
need dpkg-deb dpkg
need dpkg-shlibdeps dpkg-dev
need desktop-file-validate desktop-file-utils
need appstreamcli appstream
need file file
need readelf binutils
need curl curl
need timeout coreutils
cpack=${CPACK_COMMAND:-cpack}
need "$cpack" cmake

version=${HERALD_EXPECTED_VERSION:-}
if [ -z "$version" ]; then
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
fi
[ -n "$version" ] || fail "cannot tell the project version (no HERALD_EXPECTED_VERSION, nothing in CMakeCache.txt)"
[ -f "$build/CPackConfig.cmake" ] \
    || fail "$build/CPackConfig.cmake is missing: installer/CMakeLists.txt should include(CPack)"
arch=$(dpkg --print-architecture)

work=$build/package-check
rm -rf "$work"
mkdir -p "$work"
root=$work/root

# Every process started here is stopped on the way out, whatever happens.
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# running PID: the process exists and has not exited (a child that exited stays a zombie
# until it is waited for, and kill -0 still succeeds on a zombie).
running() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}
# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s, fails after SECONDS.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local tries=$((seconds * 10))
    until "$@" 2>/dev/null; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "timed out after ${seconds} s waiting for $what"
        sleep 0.1
    done
}
not_running() { ! running "$1"; }

# --- 1. build the packages --------------------------------------------------------------------
say "packaging herald $version with cpack (DEB, TGZ); it first brings the build up to date"
if ! (cd "$build" && timeout 240 "$cpack" --config "$build/CPackConfig.cmake" -G "DEB;TGZ" \
        -B "$work/out") >"$work/cpack.log" 2>&1; then
    show "$work/cpack.log"
    fail "cpack failed or took over 240 s (log above)"
fi

deb=$work/out/herald_${version}_${arch}.deb
[ -f "$deb" ] || { ls -l "$work/out" >&2; fail "no $(basename "$deb") (file name or version wrong)"; }
tarballs=("$work/out/herald-$version-Linux-"*.tar.gz)
if [ ${#tarballs[@]} -ne 1 ] || [ ! -f "${tarballs[0]}" ]; then
    ls -l "$work/out" >&2
    fail "expected one herald-$version-Linux-<cpu>.tar.gz"
fi
tarball=${tarballs[0]}
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) and $(basename "$tarball")"

# --- 2. control fields and file lists --------------------------------------------------------
dpkg-deb -f "$deb" >"$work/control.txt"
field() { dpkg-deb -f "$deb" "$1"; }
expect_field() { # expect_field NAME VALUE
    local value
    value=$(field "$1")
    [ "$value" = "$2" ] || fail "control field $1 is '$value', expected '$2'"
}
expect_field Package herald
expect_field Version "$version"
expect_field Architecture "$arch"
expect_field Section net
for name in Maintainer Homepage Description; do
    [ -n "$(field "$name")" ] || fail "control field $name is empty"
done

depends=$(field Depends)
# Ubuntu 24.04 names it libqt6core6t64.
grep -Eq '(^|, )libqt6core6(t64)? ' <<<"$depends, " \
    || fail "Depends lacks libqt6core6 (did dpkg-shlibdeps run?): $depends"
grep -Eq '(^|, )qt6-qpa-plugins[ ,]' <<<"$depends, " || fail "Depends lacks qt6-qpa-plugins: $depends"
# The Redis server is optional (only --redis uses it); the client library, hiredis, is linked.
if grep -Eq '(^|, )redis(-server|-tools)?[ ,]' <<<"$depends, "; then
    fail "Redis must not be a dependency (it is optional): $depends"
fi
grep -q 'redis-server' <<<"$(field Suggests)" || fail "Suggests lacks redis-server"
say "control fields ok; Depends: $depends"

# "drwxr-xr-x root/root 0 2024-01-01 00:00 ./usr/bin/" -> "./usr/bin/"
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$work/files.txt"
expected=(
    ./usr/bin/herald
    "./usr/share/applications/$app_id.desktop"
    "./usr/share/metainfo/$app_id.metainfo.xml"
    ./usr/share/man/man1/herald.1.gz
    "./usr/share/icons/hicolor/scalable/apps/$app_id.svg"
)
for size in "${icon_sizes[@]}"; do
    expected+=("./usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png")
done
# The load generator, where the tree has it (app/bench installs it).
if grep -qs 'install(TARGETS herald-bench' "$source/app/bench/CMakeLists.txt"; then
    expected+=(./usr/bin/herald-bench)
fi
missing=()
for path in "${expected[@]}"; do
    grep -Fxq -- "$path" "$work/files.txt" || missing+=("$path")
done
if [ ${#missing[@]} -gt 0 ]; then
    show "$work/files.txt"
    fail "the .deb lacks: ${missing[*]}"
fi
# Everything under /usr, nothing under /usr/local (that is CMake's default prefix, not a package's).
if grep -Ev '^\./(usr/.*)?$' "$work/files.txt" | grep -q . || grep -q '^\./usr/local' "$work/files.txt"; then
    show "$work/files.txt"
    fail "the .deb installs outside /usr or into /usr/local"
fi
say "the .deb holds all ${#expected[@]} expected files ($(grep -cv '/$' "$work/files.txt") files in all)"

tar -tzf "$tarball" >"$work/tarball.txt"
top=$(basename "$tarball" .tar.gz)
for path in bin/herald "share/applications/$app_id.desktop" "share/metainfo/$app_id.metainfo.xml" \
        share/man/man1/herald.1.gz "share/icons/hicolor/scalable/apps/$app_id.svg"; do
    grep -Fxq -- "$top/$path" "$work/tarball.txt" || fail "the tarball lacks $top/$path"
done
say "the tarball holds the same layout under $top/"

# --- 3. unpack and run -------------------------------------------------------------------------
dpkg -x "$deb" "$root"
herald=$root/usr/bin/herald
[ -x "$herald" ] || fail "$herald is not executable"

for binary in "$root"/usr/bin/*; do
    description=$(file -b "$binary")
    case "$description" in
    ELF*", stripped"*) ;;
    ELF*) fail "$(basename "$binary") is not stripped: $description" ;;
    *) continue ;;
    esac
    # Only the system's libraries: no search path into the build tree (or anywhere absolute;
    # qt_standard_project_setup's relative $ORIGIN:$ORIGIN/../lib is fine), nothing unresolved.
    rpath=$(readelf -d "$binary" | sed -n 's/.*R\(UN\)\{0,1\}PATH.*\[\(.*\)\]$/\2/p')
    # shellcheck disable=SC2016 # a literal $ORIGIN
    if tr ':' '\n' <<<"$rpath" | grep -v '^\$ORIGIN' | grep -q .; then
        fail "$(basename "$binary") has a library search path outside the package: $rpath"
    fi
    if ldd "$binary" | grep -E "not found|$build" >"$work/ldd-bad.txt"; then
        show "$work/ldd-bad.txt"
        fail "$(basename "$binary") needs libraries the system does not have (above)"
    fi
done

printed=$(timeout 10 "$herald" --version) || fail "the installed herald --version failed"
[ "$printed" = "herald $version" ] || fail "herald --version printed '$printed', expected 'herald $version'"
say "installed herald --version: $printed"

# A headless run on a free loopback port: one subscriber, one event, then SIGTERM.
"$herald" --headless --port 0 --bind 127.0.0.1 >"$work/herald.out" 2>"$work/herald.err" &
herald_pid=$!
pids+=("$herald_pid")
url=
read_url() {
    url=$(sed -n 's|^herald .* serving on \(http://[^ ]*\) .*|\1|p' "$work/herald.out" | head -n 1)
    [ -n "$url" ] && return 0
    running "$herald_pid" || { show "$work/herald.err"; fail "herald exited before it printed its URL"; }
    return 1
}
wait_until 15 "herald to print the URL it serves on" read_url
url=${url%/}
say "herald serves on $url"

topic=package-check
curl -sS -N --max-time 120 -H 'Accept: text/event-stream' "$url/events?topic=$topic" \
    >"$work/stream.txt" 2>"$work/subscriber.err" &
curl_pid=$!
pids+=("$curl_pid")
stream_open() {
    grep -q '^retry:' "$work/stream.txt" && return 0
    running "$curl_pid" || { show "$work/subscriber.err"; fail "the subscriber's curl exited early"; }
    return 1
}
wait_until 10 "the subscriber's stream to open (its retry: line)" stream_open

message="hello from the package test"
status=$(curl -sS --max-time 10 -o "$work/publish.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    -d "{\"topic\":\"$topic\",\"event\":\"check\",\"data\":\"$message\"}" "$url/publish") \
    || fail "publishing failed (curl)"
[ "$status" = 202 ] || { show "$work/publish.json"; fail "POST /publish answered $status, expected 202"; }
id=$(sed -n 's/.*"id" *: *"\([0-9][0-9]*\)".*/\1/p' "$work/publish.json")
[ -n "$id" ] || { show "$work/publish.json"; fail "POST /publish gave no id"; }

wait_until 10 "the subscriber to receive event $id" grep -q "^data: $message" "$work/stream.txt"
grep -q "^id: $id" "$work/stream.txt" || { show "$work/stream.txt"; fail "the event arrived without 'id: $id'"; }
grep -q '^event: check' "$work/stream.txt" || { show "$work/stream.txt"; fail "the event arrived without 'event: check'"; }
say "the subscriber received event $id"

kill -TERM "$herald_pid"
wait_until 15 "herald to exit after SIGTERM" not_running "$herald_pid"
herald_status=0
wait "$herald_pid" || herald_status=$?
[ "$herald_status" -eq 0 ] || { show "$work/herald.err"; fail "herald exited with status $herald_status after SIGTERM, expected 0"; }
# Shutdown closes the streams, so the subscriber's curl ends by itself.
wait_until 10 "the subscriber's stream to be closed by herald's shutdown" not_running "$curl_pid"
curl_status=0
wait "$curl_pid" || curl_status=$?
say "SIGTERM: herald exited 0, the subscriber's stream was closed (curl status $curl_status)"

# --- 4. the desktop files, the metadata and the man page --------------------------------------
desktop=$root/usr/share/applications/$app_id.desktop
if ! desktop-file-validate "$desktop" >"$work/desktop-validate.txt" 2>&1 \
        || grep -Eq '(error|warning):' "$work/desktop-validate.txt"; then
    show "$work/desktop-validate.txt"
    fail "desktop-file-validate rejects $(basename "$desktop")"
fi
grep -q '^Exec=herald' "$desktop" || fail "the desktop file does not run herald"
# Hints (e.g. "more than one main category", which Development;Network; is on purpose) pass.
say "desktop-file-validate: ok"

metainfo=$root/usr/share/metainfo/$app_id.metainfo.xml
if ! appstreamcli validate --no-net "$metainfo" >"$work/appstream-validate.txt" 2>&1; then
    show "$work/appstream-validate.txt"
    fail "appstreamcli validate rejects $(basename "$metainfo")"
fi
grep -q "<release version=\"$version\"" "$metainfo" || fail "the AppStream release is not $version"
# The whole tree: the component's launchable desktop file and its icon are where it says.
if ! appstreamcli validate-tree --no-net "$root" >"$work/appstream-tree.txt" 2>&1; then
    show "$work/appstream-tree.txt"
    fail "appstreamcli validate-tree rejects the installed tree"
fi
say "appstreamcli validate: ok"

for size in "${icon_sizes[@]}"; do
    png=$root/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png
    file -b "$png" | grep -q "^PNG image data, $size x $size," \
        || fail "$(basename "$png") at ${size}x${size} is $(file -b "$png")"
done
grep -q '<svg' "$root/usr/share/icons/hicolor/scalable/apps/$app_id.svg" || fail "the scalable icon is not SVG"
say "icons: SVG and ${#icon_sizes[@]} PNG sizes ok"

# Every option `herald --help` lists is in the man page (troff writes - as \-).
zcat "$root/usr/share/man/man1/herald.1.gz" | sed 's/\\-/-/g' >"$work/man.txt"
undocumented=()
for option in $("$herald" --help | grep -E '^ +-' | grep -oE -- '--[a-z][a-z0-9-]*'); do
    grep -Eq -- "$option([^a-z0-9-]|$)" "$work/man.txt" || undocumented+=("$option")
done
[ ${#undocumented[@]} -eq 0 ] \
    || fail "herald --help lists options that installer/linux/herald.1 does not: ${undocumented[*]}"
if command -v man >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$root/usr/share/man/man1/herald.1.gz" \
        >/dev/null 2>"$work/man-warnings.txt" || fail "man cannot render herald.1"
    [ ! -s "$work/man-warnings.txt" ] || { show "$work/man-warnings.txt"; fail "groff warns about herald.1"; }
    say "man page: every option documented, renders without warnings"
else
    say "man page: every option documented (man not installed: rendering not checked)"
fi

say "PASS: $(basename "$deb") and $(basename "$tarball")"
