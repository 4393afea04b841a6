#!/usr/bin/env bash
# The relay's cost, measured: latency publish-on-A to receive-on-B through Redis against the
# same load on a single node without a relay, then relay throughput (events per second that
# go through with nothing lost). Everything on loopback; every process is stopped at the end.
#
#   app/bench/relay-bench.sh [BUILD_DIR]         (default ./build)
set -euo pipefail

build=${1:-build}
herald=$build/app/herald
bench=$build/app/bench/herald-bench
clients=${CLIENTS:-100}
rate=${RATE:-200}
duration=${DURATION:-10}
burst_rate=${BURST_RATE:-3000}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

node_pid=
start_node() { # start_node PORT [args...]: starts herald, waits for its URL line; sets node_pid
    local port=$1; shift
    "$herald" --headless --port "$port" "$@" > "/tmp/relay-bench-$port.log" 2>&1 &
    node_pid=$!
    pids+=("$node_pid") # not in a subshell, so that cleanup sees it
    for _ in $(seq 100); do
        grep -q "serving on" "/tmp/relay-bench-$port.log" && return
        sleep 0.1
    done
    echo "herald on port $port did not start" >&2; exit 1
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > /dev/null &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done

single_port=$(free_port); start_node "$single_port"; single=$node_pid
a_port=$(free_port); start_node "$a_port" --node-id A --redis "redis://127.0.0.1:$redis_port"
b_port=$(free_port); start_node "$b_port" --node-id B --redis "redis://127.0.0.1:$redis_port"
b=$node_pid
sleep 1 # both nodes subscribed (their /healthz says so; one second is plenty on loopback)

echo "== single node, no relay: $clients clients, $rate events/s, $duration s"
"$bench" --url "http://127.0.0.1:$single_port" --server-pid "$single" --clients "$clients" \
    --rate "$rate" --duration "$duration" --topic relay
echo
echo "== relayed: subscribed on B, published on A"
"$bench" --url "http://127.0.0.1:$b_port" --server-pid "$b" --publish-url "http://127.0.0.1:$a_port" \
    --clients "$clients" --rate "$rate" --duration "$duration" --topic relay
echo
echo "== relay throughput: 10 clients on B, $burst_rate events/s published on A for 5 s"
"$bench" --url "http://127.0.0.1:$b_port" --server-pid "$b" --publish-url "http://127.0.0.1:$a_port" \
    --clients 10 --rate "$burst_rate" --duration 5 --publish-connections 8 --topic relay
