#!/usr/bin/env bash
# repomock beside WireMock (issue #23): the same Endor create, the same load.
#
# WireMock answers POST /v1/namespaces/{ns}/repository-versions with a fixed
# body (mappings/endor-create-repository-version.json: a copy of one repomock
# answer, the same 655 bytes) and checks nothing. repomock, the binary built
# from this checkout with its defaults (the compiled validator), authenticates
# the request, validates it and its answer against Endor's OpenAPI, stores a
# new object and journals the exchange. Both run on 127.0.0.1 as processes of
# their own; cmd/repomockload drives both with the same vegeta client, the
# same request (a new name each time), the same connections and keep-alive,
# alternating between them every second (ABBA) so that a change in the
# machine's other load weighs on both alike.
#
#   bash bench/wiremock/compare.sh [--duration 10s] [--rounds 3] [--connections 16,64] [--warmup 30s]
#
# For each round and connection count it prints req/s, each server's CPU per
# request (its utime + stime from /proc over the run, divided by the requests
# it answered: steadier than req/s on a shared machine) and repomock/WireMock;
# then min / median / max over the rounds. It exits non-zero only when it
# cannot run or a request fails; the ratio is reported, never asserted.
#
# Fairness: WireMock is set up as its documentation advises for load tests, and where its docs
# leave a choice, the choice that was faster for WireMock here (BENCHMARKS.md has those probes):
#   --no-request-journal       the journal keeps every request ("to avoid heap growth when running
#                              wiremock for long periods"); repomock keeps its own, bounded, journal on
#   --disable-request-logging  "Useful when performance testing": no request or response goes to
#                              the notifier (verbose logging stays off, its default)
#   --container-threads N      a Jetty thread for each connection at the most connections asked for,
#                              plus room for Jetty's acceptors and selectors (WireMock's default, 25,
#                              tied with 80 at 64 connections)
#   --use-chunked-encoding never   a Content-Length answer, as repomock's, not a chunked one (WireMock's
#                              default, always, was 3-13 % slower)
#   --disable-gzip             nothing to compress: the client sends no Accept-Encoding
#   --disable-banner, --disable-extensions-scanning   start-up only
# --async-response-enabled is left off: WireMock's docs recommend it "for performance testing with
# delays", this stub has none, and it did no better here (without it: 90-118 % of its req/s).
# The JVM keeps its defaults (G1, a quarter of the memory for the heap). A JVM is fast only once
# its JIT has compiled the hot code, so both servers are first driven for --warmup at each
# connection count, unmeasured: after 3 s WireMock gave 3-8 k req/s here, warm 16-22 k, and after
# 60 s at 64 connections alone its first run at 16 was still short of its warm rate.
#
# WireMock comes from npm's wiremock package, which ships the standalone jar; it is installed
# into bench/wiremock/.cache (gitignored) when absent, and the jar is checked against the SHA-256
# below. Needs go, java (11 or later), npm, curl and jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

wiremock_version=3.13.2
wiremock_jar_sha256=d097b19bd483c5038479b13a5c71e9faf8f2f5106584f0c120a7770ab0bdb367

duration=10s rounds=3 connections=16,64 warmup=30s
usage() { echo "usage: bash bench/wiremock/compare.sh [--duration 10s] [--rounds 3] [--connections 16,64] [--warmup 30s]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --connections) connections=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
for d in "$duration" "$warmup"; do
  [[ $d =~ ^[1-9][0-9]*[sm]$ ]] || { echo "compare.sh: $d: give whole seconds or minutes, as 10s or 1m" >&2; exit 2; }
done
[[ $rounds =~ ^[1-9][0-9]?$ ]] || { echo "compare.sh: --rounds $rounds: 1 to 99" >&2; exit 2; }
[[ $connections =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "compare.sh: --connections $connections: counts separated by commas" >&2; exit 2; }

for tool in go java npm curl jq; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed" >&2; exit 1; }
done
java_major=$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
[ "${java_major:-0}" -ge 11 ] || { echo "compare.sh: WireMock 3 needs Java 11 or later; java -version says $(java -version 2>&1 | head -n 1)" >&2; exit 1; }

cache=bench/wiremock/.cache
jar=$cache/npm/node_modules/wiremock/build/wiremock-standalone-$wiremock_version.jar
if [ ! -f "$jar" ]; then
  echo "installing npm's wiremock@$wiremock_version into $cache/npm" >&2
  npm install --prefix "$cache/npm" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    --loglevel error "wiremock@$wiremock_version" >&2
fi
echo "$wiremock_jar_sha256  $jar" | sha256sum --quiet -c - || { echo "compare.sh: $jar is not the jar of wiremock@$wiremock_version" >&2; exit 1; }

mkdir -p "$cache/bin" "$cache/run"
go build -o "$cache/bin/repomock" ./cmd/repomock
go build -o "$cache/bin/repomockload" ./cmd/repomockload

max_conns=$(tr , '\n' <<<"$connections" | sort -n | tail -n 1)
threads=$(( max_conns + 16 > 25 ? max_conns + 16 : 25 ))

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

log=$cache/run
java -jar "$jar" --bind-address 127.0.0.1 --port 0 --root-dir bench/wiremock \
  --no-request-journal --disable-request-logging --container-threads "$threads" \
  --use-chunked-encoding never --disable-gzip --disable-banner --disable-extensions-scanning \
  >"$log/wiremock.log" 2>&1 &
wiremock_pid=$!
pids+=("$wiremock_pid")
"$cache/bin/repomock" --addr 127.0.0.1:0 >"$log/repomock.log" 2>&1 &
repomock_pid=$!
pids+=("$repomock_pid")

# Each prints the port it took; then each must answer its health check.
wait_url() { # name pid log sed-expression health-path
  local port=""
  for _ in $(seq 600); do
    kill -0 "$2" 2>/dev/null || { echo "compare.sh: $1 exited:" >&2; cat "$3" >&2; exit 1; }
    port=$(sed -n "$4" "$3" | head -n 1)
    if [ -n "$port" ] && curl -sf -o /dev/null "http://127.0.0.1:$port$5"; then
      echo "http://127.0.0.1:$port"; return
    fi
    sleep 0.1
  done
  echo "compare.sh: $1 did not start in 60 s:" >&2; cat "$3" >&2; exit 1
}
wiremock_url=$(wait_url WireMock "$wiremock_pid" "$log/wiremock.log" 's/^port: *\([0-9]*\)$/\1/p' /__admin/health)
repomock_url=$(wait_url repomock "$repomock_pid" "$log/repomock.log" 's|^repomock listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' /__admin/health)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
ticks_per_second=$(getconf CLK_TCK)

# load CONNS DURATION JSON: one repomockload run; --reset empties repomock's store (WireMock's
# reset reloads the same mapping from its directory).
load() {
  "$cache/bin/repomockload" --url "$repomock_url" --baseline-url "$wiremock_url" --reset \
    --ops endor --connections "$1" --duration "$2" --warmup 0 --json "$3" >"$3.txt" 2>&1 ||
    { echo "compare.sh: repomockload failed:" >&2; cat "$3.txt" >&2; exit 1; }
}

echo "WireMock $wiremock_version (java $java_major, --container-threads $threads) at $wiremock_url; repomock at $repomock_url"
echo "warm-up: $warmup on each at each connection count, not measured"
for conns in ${connections//,/ }; do
  load "$conns" "$warmup" "$log/warmup-$conns.json"
done

results=$log/results.tsv
: >"$results"
printf '%-5s  %5s  %14s  %14s  %18s  %18s  %16s  %s\n' round conns "repomock req/s" "WireMock req/s" \
  "repomock CPU/req" "WireMock CPU/req" "repomock/WireMock" "load average"
for round in $(seq "$rounds"); do
  for conns in ${connections//,/ }; do
    out=$log/round-$round-$conns.json
    r0=$(cpu_ticks "$repomock_pid") w0=$(cpu_ticks "$wiremock_pid")
    load "$conns" "$duration" "$out"
    r1=$(cpu_ticks "$repomock_pid") w1=$(cpu_ticks "$wiremock_pid")
    # repomock's row is first, WireMock's (repomockload's "baseline") second.
    jq -r --argjson conns "$conns" --argjson round "$round" --argjson hz "$ticks_per_second" \
      --argjson rcpu $((r1 - r0)) --argjson wcpu $((w1 - w0)) --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
      .results[0] as $r | .results[1] as $w |
      [$round, $conns, $r.req_per_sec, $w.req_per_sec, 1e6 * $rcpu / $hz / $r.requests,
       1e6 * $wcpu / $hz / $w.requests, $r.req_per_sec / $w.req_per_sec, $load] | @tsv' "$out" >>"$results"
    tail -n 1 "$results" | awk -F'\t' '{printf "%-5s  %5s  %14.0f  %14.0f  %15.0f µs  %15.0f µs  %16.2f  %s\n", $1, $2, $3, $4, $5, $6, $7, $8}'
  done
done

# min / median / max of column $2 over the rounds at $1 connections.
spread() { awk -F'\t' -v c="$1" '$2 == c {print $'"$2"'}' "$results" | sort -g |
  awk -v f="$3" '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f " / " f " / " f, v[1], m, v[NR]}'; }
echo
echo "min / median / max over $rounds round(s) of $duration per server:"
for conns in ${connections//,/ }; do
  echo "  $conns connections: repomock $(spread "$conns" 3 %.0f) req/s, WireMock $(spread "$conns" 4 %.0f) req/s;" \
    "CPU per request repomock $(spread "$conns" 5 %.0f) µs, WireMock $(spread "$conns" 6 %.0f) µs;" \
    "repomock/WireMock $(spread "$conns" 7 %.2f)"
done
echo "(each server's CPU per request counts its own process only; the load generator took the rest)"
warm_seconds=${warmup%[sm]}
[[ $warmup == *m ]] && warm_seconds=$((warm_seconds * 60))
if [ "$warm_seconds" -lt 30 ]; then
  echo "note: --warmup $warmup is too short for WireMock's JIT (it needs 30 s or more): its figures here are low"
fi
