#!/usr/bin/env bash
# Attribution at scale, on SQLite with a release build, on the generated network (5,000
# dealers, 1,000,000 leads, about 200,000 won):
#   1. `dealerloop attribution` (the data-driven model over every decided journey, its
#      credits rewritten in chunks), 3 runs; then `dealerloop attribution --evaluate` (all
#      eight models over every decided journey, nothing written), 7 runs;
#   2. the manager's pages, each requested 5 times in a row by one client, median time:
#      the report over the last 12 months by channel (linear and Markov) and by campaign,
#      the model comparison, the checks page and the CSV; and, as the baseline measured in
#      the same run, the dealer table (/dealers, a page every manager opens).
# Usage: benches/attribution.sh
# Needs curl, taskset, sqlite3 and python3. Set SCALE_DB=path to reuse a generated
# database. The server runs on core 0, curl on core 1.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${LOAD_PORT:-18084}"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
BIN="${DEALERLOOP_BIN:-./target/release/dealerloop}"
[ -n "${DEALERLOOP_BIN:-}" ] || cargo build --release --quiet
work="$(mktemp -d)"
cleanup() {
  kill "${server:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
db="${SCALE_DB:-$work/scale.db}"
export DATABASE_URL="sqlite://$db" DEALERLOOP_PORT="$PORT" DEALERLOOP_LOG=warn \
  DEALERLOOP_EMAIL_OUTBOX_DIR="$work/mail" DEALERLOOP_EMAIL_BACKEND=memory DEALERLOOP_WORKERS=2
if [ ! -s "$db" ]; then
  echo "== generating 5,000 dealers and 1,000,000 leads"
  "$BIN" generate --dealers 5000 --leads 1000000
fi

echo "== dealerloop attribution: the Markov model over every decided journey, 3 runs"
for run in 1 2 3; do taskset -c 0 "$BIN" attribution | sed -n 1p; done | tee "$work/runs"
python3 - "$work/runs" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
for what, pattern in [("reading", r"(\d+) ms reading"), ("solving", r"(\d+) ms solving"), ("in all", r"(\d+) ms in all")]:
    ms = [float(m) for m in re.findall(pattern, text)]
    print(f"{what}: median {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})")
PY

echo "== dealerloop attribution --evaluate: all eight models over every decided journey, 7 runs"
for run in 1 2 3 4 5 6 7; do taskset -c 0 "$BIN" attribution --evaluate | sed -n 1p; done | tee "$work/evaluate"
python3 - "$work/evaluate" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
for what, pattern in [("reading", r"(\d+) ms reading"), ("computing", r"(\d+) ms computing"), ("in all", r"(\d+) ms in all")]:
    ms = [float(m) for m in re.findall(pattern, text)]
    print(f"{what}: median {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})")
PY

manager="bench-manager-$RANDOM@dealerloop.demo"
echo "Officina-Demo-2026" | "$BIN" user add --email "$manager" --role manager --name "Bench" --password-stdin >/dev/null
base="http://127.0.0.1:$PORT"
taskset -c 0 "$BIN" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 150); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
sleep "${SETTLE:-30}"
jar="$work/jar"
csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=$manager" --data-urlencode "password=Officina-Demo-2026" "$base/login"

echo "== pages: median of 5 requests (curl on core 1)"
page() { # label path
  local times=()
  for _ in 1 2 3 4 5; do
    times+=("$(taskset -c 1 curl -fs -b "$jar" -o /dev/null -w '%{time_total}' "$base$2")")
  done
  python3 -c 'import statistics,sys; t=[float(x)*1000 for x in sys.argv[2:]]; print(f"{sys.argv[1]:<34} median {statistics.median(t):7.0f} ms  (min {min(t):.0f}, max {max(t):.0f})")' "$1" "${times[@]}"
}
page "dealer table (baseline)" "/dealers?sort=score&page=7"
page "report, channel, linear" "/attribution?model=linear"
page "report, channel, markov" "/attribution?model=markov"
page "report, campaign, w-shaped" "/attribution?model=w_shaped&by=campaign"
page "report, one month" "/attribution?model=linear&from=2026-10-01&to=2026-10-31"
page "report CSV" "/attribution.csv?model=linear"
page "model comparison" "/attribution/models"
page "checks" "/attribution/checks"
