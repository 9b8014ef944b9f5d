#!/usr/bin/env bash
# Load benchmark of `bangfu serve` (not a test): starts the release server
# on a loopback port, drives it from this machine, and stops it. Bounded in
# time: about a minute.
#
#   cli/bench/serve.sh
#
# 1. One household per request (the rule set's household-dibao.json, every
#    household program), over BANGFU_CONNECTIONS keep-alive connections
#    (default 64), for BANGFU_DURATION seconds (default 10), the load
#    generator on the same two cores as the server:
#    - at BANGFU_RATE requests per second (default 5000), open loop
#      (cli/examples/evaluate_load.rs: latency counted from each request's
#      scheduled time, so waiting behind a slow answer counts);
#    - as fast as the connections allow (closed loop), with the same
#      generator and, when installed (Debian: apt-get install wrk), wrk.
# 2. BANGFU_HOUSEHOLDS households (default 1,000,000) through the Arrow
#    batch endpoint, end to end (cli/examples/arrow_client.rs).
set -euo pipefail

BANGFU_SCRIPT="bench"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$REPO_ROOT"

DURATION="${BANGFU_DURATION:-10}"
CONNECTIONS="${BANGFU_CONNECTIONS:-64}"
RATE="${BANGFU_RATE:-5000}"

cargo build --release --locked --quiet -p bangfu-cli --bin bangfu --example arrow_client --example evaluate_load
work="$(mktemp -d)"
target/release/bangfu serve --rules rules/cn-qingdao-chengyang --addr 127.0.0.1:0 \
  --workers 2 >"$work/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
addr=""
for _ in $(seq 1 200); do
  addr="$(sed -n 's/.*"event":"listening","addr":"\([^"]*\)".*/\1/p' "$work/server.log" | head -n 1)"
  [[ -n "$addr" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "the server did not start"; }
  sleep 0.05
done
[[ -n "$addr" ]] || die "the server did not say where it listens"
say "server on $addr ($(nproc) cores, shared with the load generator)"

url_path="/v1/rulesets/cn-qingdao-chengyang/evaluate?on=2023-09-06"
# load RATE [SECONDS]
load() {
  BANGFU_ADDR="$addr" BANGFU_CONNECTIONS="$CONNECTIONS" BANGFU_DURATION="${2:-$DURATION}" \
    BANGFU_RATE="$1" target/release/examples/evaluate_load
}
load 0 2 >/dev/null   # warm-up
echo
say "one household per request, every household program (4), $CONNECTIONS connections, ${DURATION} s"
say "at $RATE/s (open loop):"
load "$RATE"
say "as fast as possible (closed loop):"
load 0

if command -v wrk >/dev/null 2>&1; then
  case_json="$(tr -d '\n' <rules/cn-qingdao-chengyang/cases/household-dibao.json)"
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$case_json]]
LUA
  echo
  say "the same, closed loop, with wrk: wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/post.lua" "http://$addr$url_path"
else
  say "wrk is not installed (Debian: apt-get install wrk); its run is left out"
fi

echo
say "Arrow batch: ${BANGFU_HOUSEHOLDS:-1000000} households, POST …/evaluate/batch (application/vnd.apache.arrow.stream)"
BANGFU_URL="http://$addr" target/release/examples/arrow_client
if grep -q '"status":5[0-9][0-9]' "$work/server.log"; then
  die "the server answered 5xx during the benchmark"
fi
