#!/bin/sh
# Takes the README's screenshots of the console window: docs/screenshots/main-window.png and
# docs/screenshots/presenter.png, after some seconds of demo traffic (curl subscribers and
# publishes, loopback only) on a virtual X display.
#
#   docs/screenshots/take.sh [path/to/herald]      (default: build/app/herald)
#
# Needs xvfb-run (Debian: xvfb) and curl. Herald takes the shots itself when HERALD_SCREENSHOT
# (the window) and HERALD_SCREENSHOT_PRESENTER (presenter mode) name files; it then closes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
herald=${1:-$here/../../build/app/herald}
seconds=${HERALD_SCREENSHOT_SECONDS:-12}

for tool in xvfb-run curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "take.sh: $tool is missing" >&2; exit 2; }
done
[ -x "$herald" ] || { echo "take.sh: no herald at $herald (build it first)" >&2; exit 2; }

work=$(mktemp -d)
pids=""
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A settings folder of its own: the shots show the default layout, and the user's settings
# are neither used nor changed.
export XDG_CONFIG_HOME="$work/config"
export HERALD_SCREENSHOT="$here/main-window.png"
export HERALD_SCREENSHOT_PRESENTER="$here/presenter.png"
export HERALD_SCREENSHOT_DELAY_MS=$((seconds * 1000))
export QT_LOGGING_RULES='herald.*.info=false'

xvfb-run -a -s "-screen 0 1280x800x24" "$herald" --port 0 --heartbeat 2 >"$work/out" 2>"$work/err" &
xvfb=$!

# Herald prints its URL once it listens.
url=""
for _ in $(seq 1 100); do
    url=$(sed -n 's/^herald .* serving on \(http[^ ]*\) .*/\1/p' "$work/out" | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "take.sh: herald did not start" >&2; cat "$work/err" >&2; exit 1; }
echo "take.sh: herald at $url; $seconds s of demo traffic"

subscribe() { # agent, origin, query, [extra header]
    curl -sN -A "$1" -H "Origin: $2" ${4:+-H "$4"} "${url}events?$3" >/dev/null 2>&1 &
    pids="$pids $!"
}
subscribe "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0" "http://localhost:3000" "topic=news"
subscribe "Mozilla/5.0 (Macintosh) Safari/605.1.15" "http://localhost:3000" "topic=news&topic=sport"
subscribe "Mozilla/5.0 (Windows NT 10.0) Chrome/125.0" "http://dashboard.local" "topic=default"
subscribe "Mozilla/5.0 (Windows NT 10.0) Chrome/125.0" "http://dashboard.local" "topic=sport"
subscribe "curl/7.88.1" "" "topic=news" "Last-Event-ID: 3"
subscribe "okhttp/4.12.0" "" "topic=default&topic=news"
subscribe "python-requests/2.31" "" "topic=sport"

publish() {
    curl -s -o /dev/null -H 'Content-Type: application/json' -d "$1" "${url}publish" || true
}
(
    n=0
    while :; do
        n=$((n + 1))
        publish "{\"topic\":\"news\",\"event\":\"headline\",\"data\":{\"n\":$n,\"title\":\"Story $n\"}}"
        publish "{\"topic\":\"sport\",\"event\":\"score\",\"data\":\"Home $((n % 5)) - $((n % 3)) Away\"}"
        [ $((n % 3)) -eq 0 ] && publish "{\"data\":\"tick $n\"}"
        sleep 0.15
    done
) &
pids="$pids $!"

# Herald closes itself once both shots are written.
waited=0
while kill -0 "$xvfb" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if [ "$waited" -gt $((seconds + 30)) ]; then
        echo "take.sh: herald did not finish" >&2
        kill "$xvfb" 2>/dev/null || true
        exit 1
    fi
done
for shot in "$HERALD_SCREENSHOT" "$HERALD_SCREENSHOT_PRESENTER"; do
    [ -s "$shot" ] || { echo "take.sh: $shot was not written" >&2; cat "$work/err" >&2; exit 1; }
    echo "take.sh: wrote $shot"
done
