#!/usr/bin/env bash
# Load test against a release build on SQLite with the demo network:
#   1. an authenticated page (a dealer user's home, /dealer) with a logged-in session cookie;
#   2. /healthz;
#   3. the dealer home again while other clients log in continuously (argon2 verification
#      runs on the blocking pool, so it must not hold up page requests).
# Usage: benches/load.sh [seconds per run, default 15] [connections, default 64]
# Needs wrk (apt-get install wrk) and curl. Prints wrk's summary for each run.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS="${2:-64}"
PORT="${LOAD_PORT:-18080}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

cargo build --release --quiet
work="$(mktemp -d)"
cleanup() {
  kill "${logins:-0}" 2>/dev/null || true
  kill "${server:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL="sqlite://$work/load.db" DEALERLOOP_PORT="$PORT" DEALERLOOP_LOG=warn \
  DEALERLOOP_EMAIL_OUTBOX_DIR="$work/mail" DEALERLOOP_WORKERS=2
./target/release/dealerloop demo >/dev/null
./target/release/dealerloop serve >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

login() { # prints the session cookie of a fresh login
  local jar="$work/jar.$RANDOM"
  local token
  token=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
    --data-urlencode "csrf_token=$token" --data-urlencode "email=$1" \
    --data-urlencode "password=Officina-Demo-2026" "$base/login"
  awk '$6 == "dl_session" { print $7 }' "$jar"
}
session=$(login "milano@colombomilano.it")
[ -n "$session" ] || { echo "login failed"; exit 1; }
curl -fs -H "Cookie: dl_session=$session" "$base/dealer" | grep -q "Colombo" || { echo "home page check failed"; exit 1; }

echo "== authenticated dealer home (/dealer), $CONNECTIONS connections, ${DURATION}s"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: dl_session=$session" "$base/dealer"
echo
echo "== /healthz, $CONNECTIONS connections, ${DURATION}s"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base/healthz"
echo
echo "== /dealer while logins run continuously in the background"
( while true; do login "canale@dealerloop.demo" >/dev/null; done ) &
logins=$!
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: dl_session=$session" "$base/dealer"
kill "$logins" 2>/dev/null || true
