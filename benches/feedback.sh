#!/usr/bin/env bash
# The feedback form under load, on SQLite with a release build and the demo data:
#   1. the form page (GET /feedback/{id}) through a form session, as a phone opens it;
#   2. submissions (POST /feedback/{id}, action=submit) spread over 200 form sessions,
#      each with a different note so that every one is a real write.
# Also prints the weight of the form page and its stylesheet.
# Usage: benches/feedback.sh [seconds per run, default 15] [connections, default 64]
# Needs wrk, curl, taskset and python3. Set DEALERLOOP_BIN=path to measure another build (e.g.
# the code before a change, built in its own worktree) with the same script. The server runs
# on core 0 and the load generator on core 1 (compare builds in the same session).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS="${2:-64}"
PORT="${LOAD_PORT:-18082}"
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
export DATABASE_URL="sqlite://$work/load.db" DEALERLOOP_PORT="$PORT" DEALERLOOP_LOG=warn \
  DEALERLOOP_EMAIL_BACKEND=file DEALERLOOP_EMAIL_OUTBOX_DIR="$work/mail" DEALERLOOP_WORKERS=2 \
  DEALERLOOP_METRICS_TOKEN="bench-metrics-$RANDOM$RANDOM$RANDOM$RANDOM"
"$BIN" demo >/dev/null
taskset -c 0 "$BIN" serve >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
# The demo's won and lost leads opened feedback requests; their emails land in the outbox.
for _ in $(seq 1 100); do
  [ "$(ls "$work/mail" 2>/dev/null | wc -l)" -ge 1000 ] && break
  sleep 0.5
done
python3 - "$work/mail" "$base" >"$work/links" <<'PY'
import email, glob, re, sys
links = set()
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    msg = email.message_from_binary_file(open(path, "rb"))
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode("utf-8", "replace")
            links.update(sys.argv[2] + p for p in re.findall(r"/feedback/t/[A-Za-z0-9_-]{43}", text))
print("\n".join(sorted(links)[:200]))
PY
echo "feedback links from the demo: $(wc -l <"$work/links")"

# Trade each link for a form session: cookies, the CSRF token and the form's address.
python3 - "$work/links" "$work/sessions.lua" "$base" <<'PY'
import http.client, re, sys, urllib.parse
links, out, base = sys.argv[1], sys.argv[2], sys.argv[3]
host = urllib.parse.urlparse(base)
rows = []
for link in open(links).read().split():
    c = http.client.HTTPConnection(host.hostname, host.port)
    c.request("GET", urllib.parse.urlparse(link).path)
    r = c.getresponse(); r.read()
    if r.status != 303:
        continue
    cookies = [h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie"]
    path = r.getheader("Location")
    c.request("GET", path, headers={"Cookie": "; ".join(cookies)})
    r = c.getresponse(); page = r.read().decode()
    cookies += [h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    rows.append((path, "; ".join(cookies), token))
with open(out, "w") as f:
    f.write("sessions = {\n")
    for path, cookie, token in rows:
        f.write('  {"%s", "%s", "%s"},\n' % (path, cookie, token))
    f.write("}\n")
print(f"form sessions: {len(rows)}")
PY
first=$(sed -n 2p "$work/sessions.lua" | sed 's/^ *{"\([^"]*\)", "\([^"]*\)".*/\1|\2/')
path="${first%%|*}"; cookie="${first#*|}"
page_bytes=$(curl -fs -H "Cookie: $cookie" "$base$path" | wc -c)
css_bytes=$(curl -fs "$base$(curl -fs -H "Cookie: $cookie" "$base$path" | grep -o '/static/[^"]*\.css' | head -n1)" | wc -c)
echo "form page: $page_bytes bytes of HTML + $css_bytes bytes of CSS = $((page_bytes + css_bytes)) bytes (uncompressed)"

today=$(TZ=Europe/Rome date +%F)
cat >"$work/submit.lua" <<LUA
dofile("$work/sessions.lua")
local n = 0
request = function()
  n = n + 1
  local s = sessions[(n % #sessions) + 1]
  local body = "csrf_token=" .. s[3] .. "&outcome=won&close_date=$today&revenue=48500&currency=EUR"
    .. "&lead_quality=4&first_heard=trade_fair&decision_factors=price&notes=visit+" .. n .. "&action=submit"
  return wrk.format("POST", s[1], {
    ["Cookie"] = s[2], ["Origin"] = "$base", ["Sec-Fetch-Site"] = "same-origin",
    ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
LUA

echo "== form page (GET $path), 3 runs, $CONNECTIONS connections, ${DURATION}s"
for run in 1 2 3; do
  taskset -c 1 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: $cookie" "$base$path" | grep -E "Requests/sec|99%|Non-2xx"
done
echo "== submissions (POST, 200 form sessions), 3 runs, $CONNECTIONS connections, ${DURATION}s"
for run in 1 2 3; do
  taskset -c 1 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/submit.lua" "$base" | grep -E "Requests/sec|99%|Non-2xx"
done
curl -fs -H "Authorization: Bearer $DEALERLOOP_METRICS_TOKEN" "$base/metrics" | grep -E 'route="/feedback/\{id\}"' | grep -E 'status="(303|422|403)"' | head -n 5 || true
