#!/usr/bin/env python3
"""Intake throughput: POSTs batches of 1,000 new leads to /api/v1/leads and reports
leads per second (allocation included: every lead is offered to a dealer).

Usage: benches/intake.py BASE_URL TOKEN [batches, default 20] [run label]
Leads use postcodes and product lines that the `dealerloop generate` network covers."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, token = sys.argv[1], sys.argv[2]
batches = int(sys.argv[3]) if len(sys.argv) > 3 else 20
label = sys.argv[4] if len(sys.argv) > 4 else str(int(time.time()))
LINES = ["lathes", "milling", "grinding", "laser-cutting", "press-brakes"]
url = urllib.parse.urlparse(base)


def batch(n):
    leads = []
    for i in range(1000):
        k = n * 1000 + i
        leads.append({
            "external_id": f"LOAD-{label}-{k:07d}",
            "received_at": "2026-11-20T09:30:00Z",
            "contact": {"name": f"Cliente {k}", "email": f"c{k}@example.it", "phone": "+39 02 1234567"},
            "location": {"country": "IT", "postcode": f"{(k * 37) % 1000:03d}{k % 100:02d}"},
            "product_line": LINES[k % len(LINES)],
            "qualification": {"grade": "A", "score": 80},
            "consent": {"share_with_dealers": True},
            "touchpoints": [
                {"occurred_at": "2026-11-01T10:00:00Z", "channel": "paid_search", "source": "google",
                 "medium": "cpc", "campaign": "torni-autunno"},
                {"occurred_at": "2026-11-10T10:00:00Z", "channel": "webinar", "campaign": "webinar-cnc",
                 "kind": "conversion"},
            ],
        })
    return json.dumps({"leads": leads}).encode()


bodies = [batch(n) for n in range(batches)]
pending = list(range(batches))
lock = threading.Lock()
created = [0]
errors = []


def worker():
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    while True:
        with lock:
            if not pending:
                break
            n = pending.pop()
        conn.request("POST", "/api/v1/leads", bodies[n],
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        res = conn.getresponse()
        body = json.loads(res.read())
        if res.status != 200:
            errors.append((res.status, str(body)[:200]))
            continue
        offered = sum(1 for r in body["results"] if r.get("dealer"))
        with lock:
            created[0] += offered


started = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started
if errors:
    print("errors:", errors[:3])
    sys.exit(1)
total = batches * 1000
print(f"intake: {total} leads in {elapsed:.2f} s = {total / elapsed:.0f} leads/s ({created[0]} offered to a dealer)")
