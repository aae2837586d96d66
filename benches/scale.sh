#!/usr/bin/env bash
# The lead-handoff benchmarks at scale, on SQLite with a release build:
#   1. `dealerloop generate` builds 5,000 dealers and 1,000,000 leads (with offers and
#      touchpoints);
#   2. intake: batches of 1,000 new leads through POST /api/v1/leads, allocation
#      included (benches/intake.py), three runs of 20 batches;
#   3. the dealer inbox (/dealer) of a generated dealer under wrk, three runs.
# Usage: benches/scale.sh [seconds per wrk run, default 15] [connections, default 64]
# Needs wrk, curl, taskset and python3. Set SCALE_DB=path to keep (and reuse) the generated
# database. Set DEALERLOOP_BIN=path to measure another build (e.g. the code before a change,
# built in its own worktree) with the same script. The server runs on core 0 and the load
# generators on core 1 (the machine is shared: compare builds in the same session).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS="${2:-64}"
PORT="${LOAD_PORT:-18081}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

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
token=$("$BIN" token add --name "load-$RANDOM$RANDOM" | tail -n 1)
taskset -c 0 "$BIN" serve >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

echo "== intake: 3 runs of 20 batches of 1,000 leads"
for run in 1 2 3; do taskset -c 1 python3 benches/intake.py "$base" "$token" 20 "r$run-$RANDOM"; done

jar="$work/jar"
csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=carico@dealerloop.demo" --data-urlencode "password=Officina-Demo-2026" "$base/login"
session=$(awk '$6 == "dl_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "login failed"; exit 1; }
curl -fs -H "Cookie: dl_session=$session" -o "$work/inbox.html" "$base/dealer"
grep -q "Benchmark" "$work/inbox.html" || { echo "inbox check failed"; exit 1; }
echo "== dealer inbox (/dealer) at 1,000,000 leads and 5,000 dealers: 3 runs, $CONNECTIONS connections, ${DURATION}s"
for run in 1 2 3; do
  taskset -c 1 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: dl_session=$session" "$base/dealer" \
    | grep -E "Requests/sec|99%|Non-2xx"
done
