#!/usr/bin/env bash
# Coding sheets of very long transcripts: an 8 MB and a 200 MB transcript (synthetic turns of
# 10-120 words), the 8 MB one with 2,143 whole-segment codings. Times `tana sheet` and an
# unedited `tana sheet apply` (which must change nothing), with peak memory.
# Beside each, the raw floor: a python3 script that reads the same text, segments and
# codings from the SQLite file and writes each segment's text and codes (write), or reads that
# file back and compares every segment's text with the transcript (apply); and the ratio. The
# cost from the smallest to the largest size is checked to grow about linearly.
# Usage: scripts/bench_sheet_large.sh [MB ...]   (default: 8 200)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-sheet-large.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/raw.py" <<'PY'
import hashlib, sqlite3, sys, time
what, project, name, path = sys.argv[1:5]
t0 = time.perf_counter()
db = sqlite3.connect(project)
tid, text = db.execute("SELECT id, text FROM transcript WHERE name = ?", (name,)).fetchone()
segs = db.execute("SELECT number, speaker, start, end FROM segment WHERE transcript_id = ? ORDER BY number", (tid,)).fetchall()
if what == "write":
    codes = {}
    for s, e, th in db.execute("SELECT start, end, theme_id FROM coding WHERE transcript_id = ? ORDER BY start", (tid,)):
        codes.setdefault(s, []).append(str(th))
    with open(path, "w", encoding="utf-8") as f:
        for n, sp, s, e in segs:
            f.write(f"### {n} {sp or ''}\n\n{text[s:e]}\n\ncodes: {'; '.join(codes.get(s, []))}\n\n")
else:
    want = {n: hashlib.blake2b(text[s:e].encode(), digest_size=8).digest() for n, sp, s, e in segs}
    n, body, bad = None, [], 0
    for line in open(path, encoding="utf-8"):
        if line.startswith("### "):
            n, body = int(line.split()[1]), []
        elif line.startswith("codes:"):
            bad += hashlib.blake2b("\n".join(body).strip().encode(), digest_size=8).digest() != want[n]
        elif n is not None:
            body.append(line.rstrip("\n"))
    assert bad == 0, f"{bad} segments differ"
print(f"{time.perf_counter() - t0:.2f}")
PY
echo "| size | work | tana | raw | ratio | peak |"
echo "|---|---|---|---|---|---|"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(8 200)
for mb in "${sizes[@]}"; do
  python3 - "$WORK/Long$mb.txt" "$mb" <<'PY'
import random, sys
random.seed(1)
w = "target slogan training customer recycling dashboard trust supplier carbon report honestly nobody module".split()
with open(sys.argv[1], "w") as f:
    size, i = 0, 0
    while size < int(sys.argv[2]) * 1_000_000:
        line = ("Interviewer: " if i % 2 == 0 else "P1: ") + " ".join(random.choice(w) for _ in range(random.randint(10, 120))) + ".\n\n"
        f.write(line); size += len(line); i += 1
PY
  P="$WORK/s$mb.tana"
  "$TANA" -q init "$P"
  "$TANA" -q --project "$P" import "$WORK/Long$mb.txt"
  printf -- '- A\n- B\n' > "$WORK/t.md"
  "$TANA" -q --project "$P" template import "$WORK/t.md"
  python3 - "$WORK/c.csv" "$mb" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("transcript,segment,theme\n")
    for s in range(1, 15000, 7):
        f.write(f"Long{sys.argv[2]},{s},A\n")
PY
  "$TANA" -q --project "$P" code --from "$WORK/c.csv"
  /usr/bin/time -f "%e %M" -o "$WORK/t1" "$TANA" -q --project "$P" sheet "Long$mb" -o "$WORK/s$mb.md"
  /usr/bin/time -f "%e %M" -o "$WORK/t2" "$TANA" -q --project "$P" sheet apply "$WORK/s$mb.md"
  python3 "$WORK/raw.py" write "$P" "Long$mb" "$WORK/raw$mb.md" > "$WORK/r1"
  python3 "$WORK/raw.py" apply "$P" "Long$mb" "$WORK/raw$mb.md" > "$WORK/r2"
  read -r w wkb < "$WORK/t1"; read -r a akb < "$WORK/t2"
  read -r rw < "$WORK/r1"; read -r ra < "$WORK/r2"
  python3 - "$mb" "$w" "$wkb" "$rw" "$a" "$akb" "$ra" <<'PY'
import sys
mb, w, wkb, rw, a, akb, ra = sys.argv[1:]
for what, t, kb, raw in (("sheet", w, wkb, rw), ("sheet apply (unedited)", a, akb, ra)):
    print(f"| {mb} MB | tana {what} | {float(t):.2f} s | {float(raw):.2f} s | "
          f"{float(t) / max(float(raw), 0.01):.1f}× | {int(kb) // 1024} MB |")
PY
  echo "$mb $w $a" >> "$WORK/sizes"
done
python3 - "$WORK/sizes" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
if len(rows) >= 2:
    (m0, w0, a0), (m1, w1, a1) = rows[0], rows[-1]
    size = float(m1) / float(m0)
    for what, t0, t1 in (("sheet", w0, w1), ("sheet apply", a0, a1)):
        grow = float(t1) / max(float(t0), 0.01)
        print(f"{what}: {size:.0f}x the text costs {grow:.0f}x the time")
        if grow > 1.6 * size:
            print(f"FAIL: {what} grows faster than the text", file=sys.stderr)
            sys.exit(1)
PY
