#!/usr/bin/env bash
# Load on `tana serve`: 20 simulated coders x 500 codings each, concurrently, over loopback,
# against the demo study (release build). Each coder has its own name and codes its own
# spans (never touching another's, so none are joined). At the end the codings in the project
# are counted per coder: nothing may be lost and no request may fail.
# Also times the transcript page and /api/transcript for a demo transcript and for a
# 300,000-character focus group, and one coding on that focus group.
#
# Usage: scripts/serve_load.sh [CODERS] [PER_CODER]     (bash + python3 stdlib only)
set -euo pipefail
cd "$(dirname "$0")/.."
coders=${1:-20}
per=${2:-500}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
tana="$target/release/tana"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export TANA_CODER=load NO_COLOR=1

"$tana" demo "$work/demo" >/dev/null 2>&1
project="$work/demo/demo.tana"
# The focus group: many short speaker turns, 300,000 characters.
python3 - "$work/FG01.txt" <<'EOF'
import sys
words = "we talked about the targets and nobody knew what they meant for our team in practice".split()
out, n, turn = [], 0, 0
while n < 300_000:
    who = f"S{turn % 9 + 1}"
    k = 8 + (turn * 7) % 40
    line = f"{who}: " + " ".join(words[(turn + i) % len(words)] for i in range(k)) + ".\n\n"
    out.append(line); n += len(line); turn += 1
text = "".join(out)[:300_000].rstrip() + "\n"
open(sys.argv[1], "w", encoding="utf-8").write(text)
print(f"focus group: {len(text)} characters, {turn} turns", file=sys.stderr)
EOF
"$tana" --project "$project" import "$work/FG01.txt" >/dev/null 2>&1

"$tana" --project "$project" serve --port 0 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q ' at http://' "$work/serve.log" && break; sleep 0.1; done
url=$(sed -n 's/.* at \(http:[^ ]*\)/\1/p' "$work/serve.log" | head -1)
echo "serving $project at $url" >&2

python3 - "$url" "$project" "$coders" "$per" <<'EOF'
import http.client, json, sqlite3, statistics, sys, threading, time, urllib.parse

url, project, coders, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host = urllib.parse.urlparse(url).netloc

def conn():
    return http.client.HTTPConnection(host, timeout=60)

def call(c, method, path, body=None, coder="load"):
    headers = {"Accept": "application/json", "X-Tana-Coder": urllib.parse.quote(coder)}
    if body is not None:
        headers.update({"Content-Type": "application/json", "X-Tana-Token": csrf})
        body = json.dumps(body)
    t = time.perf_counter()
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, data, time.perf_counter() - t

c0 = conn()
status, data, _ = call(c0, "GET", "/api/session")
csrf = json.loads(data)["csrf"]
transcripts = sqlite3.connect(project).execute(
    "SELECT name, chars FROM transcript WHERE name != 'FG01' ORDER BY id").fetchall()
status, data, _ = call(c0, "GET", "/api/themes")
themes = [t["number"] for t in json.loads(data)]

# Spans of 3 code points with a gap of 2, dealt out round-robin over transcripts and themes:
# no two codings of the same theme on the same transcript overlap or touch.
slots = []
for theme in themes:
    for name, chars in transcripts:
        for start in range(0, chars - 3, 5):
            slots.append((name, start, start + 3, theme))
            if len(slots) >= coders * per:
                break
        if len(slots) >= coders * per:
            break
    if len(slots) >= coders * per:
        break
assert len(slots) >= coders * per, f"only {len(slots)} spans"

lat, errors, lock = [], [], threading.Lock()

def coder(k):
    name = f"coder{k:02d}"
    c = conn()
    mine = []
    for i in range(per):
        t, s, e, theme = slots[k * per + i]
        try:
            status, data, dt = call(c, "POST", "/api/code",
                                    {"transcript": t, "start": s, "end": e, "themes": [theme]}, name)
        except Exception as ex:  # a dropped connection counts as an error
            with lock:
                errors.append(f"{name}: {ex}")
            c = conn()
            continue
        mine.append(dt)
        if status != 200:
            with lock:
                errors.append(f"{name}: {status} {data[:200]!r}")
    with lock:
        lat.extend(mine)

t0 = time.perf_counter()
threads = [threading.Thread(target=coder, args=(k,)) for k in range(coders)]
for th in threads: th.start()
for th in threads: th.join()
wall = time.perf_counter() - t0

db = sqlite3.connect(project)
counts = dict(db.execute(
    "SELECT k.name, count(*) FROM coding c JOIN coder k ON k.id = c.coder_id "
    "WHERE k.name LIKE 'coder%' GROUP BY k.name").fetchall())
lost = sum(per - counts.get(f"coder{k:02d}", 0) for k in range(coders))
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

def timed(path, n=5, method="GET", body=None):
    c = conn()
    ts = []
    for _ in range(n):
        status, data, dt = call(c, method, path, body)
        assert status == 200, (path, status, data[:200])
        ts.append(dt * 1000)
    return statistics.median(ts), len(data)

rows = []
for label, path in [("GET /t/P01 (page)", "/t/P01"), ("GET /api/transcript/P01", "/api/transcript/P01"),
                    ("GET /t/FG01 (page, 300,000 chars)", "/t/FG01"),
                    ("GET /api/transcript/FG01 (300,000 chars)", "/api/transcript/FG01")]:
    ms, size = timed(path)
    rows.append((label, ms, size))
c = conn()
status, data, dt = call(c, "POST", "/api/code",
                        {"transcript": "FG01", "start": 150_000, "end": 150_040, "themes": [themes[0]]})
assert status == 200, data
rows.append(("POST /api/code on FG01 (one coding)", dt * 1000, len(data)))

print(f"| measure | value |")
print(f"|---|---|")
print(f"| coders x codings | {coders} x {per} = {coders * per} POST /api/code, concurrently |")
print(f"| wall time | {wall:.1f} s ({coders * per / wall:.0f} codings/s) |")
print(f"| POST /api/code p50 / p99 / max | {q(0.50):.1f} / {q(0.99):.1f} / {lat[-1] * 1000:.1f} ms |")
print(f"| errors | {len(errors)} |")
print(f"| lost (expected - stored, per coder summed) | {lost} |")
for label, ms, size in rows:
    print(f"| {label} | {ms:.1f} ms ({size:,} bytes) |")
for e in errors[:10]:
    print("error:", e, file=sys.stderr)
if errors or lost:
    sys.exit(1)
EOF
