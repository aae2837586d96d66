#!/usr/bin/env bash
# The dealer score at scale, on SQLite with a release build, on the generated network
# (5,000 dealers, 1,000,000 leads with their offers and feedback):
#   1. `dealerloop scores --full` (every dealer read from the history, then written), 3
#      runs, and `dealerloop scores` (every score aged from its kept evidence), 5 runs;
#   2. the criterion bench of the same and of one dealer's update after a submission
#      (benches/dealer_score.rs, rolled back each iteration);
#   3. under wrk: the manager's dealer table (50 of 5,000, sorted by score), a dealer page
#      with its charts, and the dealer's phone home (/dealer, with the score card) and its
#      score page; with DEALERLOOP_BASE_BIN, the home is also measured on that build (the
#      code before the score) in alternating rounds, as the baseline.
# The table is measured twice: the same page over and over (rendered once, then shown
# again until the figures move) and a different page every request (read and rendered).
# Usage: benches/score.sh [seconds per wrk run, default 10] [connections, default 64] [rounds, default 3]
# PAGES="dealer-page home" measures only those pages (default: all of them); with
# DEALERLOOP_BASE_BIN the dealer page is measured on that build too (dealer-page-before).
# Needs wrk, curl, taskset, sqlite3 and python3. Set SCALE_DB=path to keep (and reuse) the
# generated database. The server runs on core 0 and the load generator on core 1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${2:-64}"
ROUNDS="${3:-3}"
PORT="${LOAD_PORT:-18083}"
PAGES="${PAGES:-table dealer-page home score-page table-every-page}"
want() { [[ " $PAGES " == *" $1 "* ]]; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
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

if [ -z "${SKIP_SCORES:-}" ]; then
  echo "== dealerloop scores: every dealer recomputed (then the dealer table's figures)"
  echo "-- from the history (--full, what the portal does once a day), 3 runs"
  for run in 1 2 3; do taskset -c 0 "$BIN" scores --full; done | tee "$work/scores-full"
  echo "-- from the kept evidence (what the portal does every hour), 5 runs"
  for run in 1 2 3 4 5; do taskset -c 0 "$BIN" scores; done | tee "$work/scores-kept"
  python3 - "$work/scores-full" "$work/scores-kept" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read() + open(sys.argv[2]).read()
for what, pattern in [("scores from the history", r"recomputed \d+ dealer scores from the history .* in (\d+) ms"),
                      ("scores from the kept evidence", r"recomputed \d+ dealer scores from their kept evidence.* in (\d+) ms"),
                      ("table figures", r"refreshed the dealer table's figures .* in (\d+) ms")]:
    ms = [float(m) for m in re.findall(pattern, text)]
    if ms:
        print(f"{what}: median {statistics.median(ms):.0f} ms over {len(ms)} runs (min {min(ms):.0f}, max {max(ms):.0f})")
PY
fi

if [ -z "${NO_CRITERION:-}" ]; then
  echo "== criterion: benches/dealer_score.rs on the generated network"
  DEALERLOOP_BENCH_DB="$db" taskset -c 0 cargo bench --quiet --bench dealer_score 2>&1 \
    | grep -E "^dealer_score|time:" || true
fi

manager="bench-manager-$RANDOM@dealerloop.demo"
echo "Officina-Demo-2026" | "$BIN" user add --email "$manager" --role manager --name "Bench" --password-stdin >/dev/null
dealer_id=$(sqlite3 "$db" "SELECT id FROM dealers WHERE code = 'B-00001'")
base="http://127.0.0.1:$PORT"

start() {
  taskset -c 0 "$1" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do
    if curl -fs "$base/healthz" >/dev/null; then
      # The portal recomputes scores and the dealer table's figures as it starts: let
      # that finish before measuring pages.
      sleep "${SETTLE:-30}"
      return
    fi
    sleep 0.2
  done
  echo "the server did not start"; cat "$work/server.log"; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=0; }
login() {
  local jar="$work/jar-$RANDOM"
  local csrf
  csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$1" --data-urlencode "password=Officina-Demo-2026" "$base/login"
  awk '$6 == "dl_session" { print $7 }' "$jar"
}
load() { # label cookie path [wrk script]
  echo "-- $1 ($3)"
  local script=()
  [ -n "${4:-}" ] && script=(-s "$4")
  taskset -c 1 wrk -t"${WRK_THREADS:-2}" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" \
    -H "Cookie: dl_session=$2" "$base$3" | grep -E "Requests/sec|99%|Non-2xx" | tee -a "$work/wrk-$1"
}
# The dealer table a different page every request: 12 sorts x 100 pages, more than the
# rendered pages the portal keeps (512), so nearly every request reads and renders.
cat >"$work/pages.lua" <<'LUA'
local sorts = {"score", "name", "weight", "offered", "accepted", "won", "acceptance",
               "win_rate", "revenue", "overdue", "answer_time", "completeness"}
local i = 0
request = function()
  i = i + 1
  local sort = sorts[(i % #sorts) + 1]
  local page = (math.floor(i / #sorts) % 100) + 1
  return wrk.format(nil, "/dealers?sort=" .. sort .. "&page=" .. page)
end
LUA

for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round: $CONNECTIONS connections, ${DURATION}s per page"
  start "$BIN"
  desk=$(login "$manager")
  phone=$(login "carico@dealerloop.demo")
  [ -n "$desk" ] && [ -n "$phone" ] || { echo "login failed"; tail -20 "$work/server.log"; exit 1; }
  curl -fs -H "Cookie: dl_session=$desk" "$base/dealers?sort=score" | grep -q "data-dealer-row" || { echo "dealer table check failed"; exit 1; }
  curl -fs -H "Cookie: dl_session=$phone" "$base/dealer" | grep -q "data-score" || { echo "home check failed"; exit 1; }
  want table && load table "$desk" "/dealers?sort=score"
  want dealer-page && load dealer-page "$desk" "/dealers/$dealer_id"
  want home && load home "$phone" "/dealer"
  want score-page && load score-page "$phone" "/dealer/score"
  # Last: requests queued when it stops are still being served for a second or two.
  want table-every-page && WRK_THREADS=1 load table-every-page "$desk" "/dealers" "$work/pages.lua"
  stop
  if [ -n "${DEALERLOOP_BASE_BIN:-}" ]; then
    start "$DEALERLOOP_BASE_BIN"
    phone=$(login "carico@dealerloop.demo")
    desk=$(login "$manager")
    want home && load inbox-before "$phone" "/dealer"
    want dealer-page && load dealer-page-before "$desk" "/dealers/$dealer_id"
    stop
  fi
done

echo "== medians over $ROUNDS rounds"
python3 - "$work" <<'PY'
import glob, os, re, statistics, sys
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
for path in sorted(glob.glob(os.path.join(sys.argv[1], "wrk-*"))):
    text = open(path).read()
    rps = [float(x) for x in re.findall(r"Requests/sec:\s+([\d.]+)", text)]
    p99 = [ms(v, u) for v, u in re.findall(r"99%\s+([\d.]+)(us|ms|s)", text)]
    print(f"{os.path.basename(path)[4:]:14} {statistics.median(rps):9.0f} req/s  p99 {statistics.median(p99):6.1f} ms   (runs: {', '.join(f'{r:.0f}' for r in rps)})")
PY
