#!/usr/bin/env bash
# freq over a wide, deep template (issue 14): THEMES themes in 6 levels × TRANSCRIPTS
# transcripts with CODINGS codings, in every text format, beside the raw SQLite query that
# counts the same cells (the leaf themes' presence per transcript, written as CSV by the
# sqlite3 CLI), with peak memory. Then the same at a tenth of the size, to check that the
# cost grows about linearly (ratio of times near 10, never far above).
# Usage: scripts/bench_freq_wide.sh [THEMES TRANSCRIPTS CODINGS]   (default 20000 2000 100000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt install sqlite3)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-freq.XXXXXX")
[ -n "${KEEP:-}" ] && echo "keeping $WORK" >&2 || trap 'rm -rf "$WORK"' EXIT
THEMES=${1:-20000}
TRANSCRIPTS=${2:-2000}
CODINGS=${3:-100000}

# Build a project: transcripts of 60 turns, the template, codings spread over leaf themes.
build() { # dir themes transcripts codings
  local dir=$1 themes=$2 transcripts=$3 codings=$4
  mkdir -p "$dir/t"
  python3 - "$dir" "$transcripts" "$codings" <<'PY'
import csv, random, sys
d, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(14)
w = "target slogan training customer recycling dashboard trust supplier carbon report".split()
for t in range(n):
    with open(f"{d}/t/T{t:05}.txt", "w") as f:
        for i in range(60):
            who = "Interviewer" if i % 2 == 0 else "P"
            f.write(f"{who}: " + " ".join(random.choice(w) for _ in range(12)) + ".\n\n")
PY
  python3 "$ROOT/scripts/gen_template.py" "$themes" "$dir/t.md" 6 >/dev/null
  "$TANA" -q init "$dir/p.tana"
  "$TANA" -q --project "$dir/p.tana" import "$dir"/t/*.txt
  "$TANA" -q --project "$dir/p.tana" template import "$dir/t.md"
  # Codings on leaf themes (named by their path), one segment each, spread over transcripts.
  python3 - "$dir" "$transcripts" "$codings" <<'PY'
import csv, random, sqlite3, sys
d, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(f"{d}/p.tana")
rows = db.execute("SELECT id, parent_id, name FROM theme ORDER BY id").fetchall()
parent = {i: p for i, p, _ in rows}
name = {i: nm for i, _, nm in rows}
has_child = {p for _, p, _ in rows if p is not None}
def path(i):
    out = []
    while i is not None:
        out.append(name[i]); i = parent[i]
    return "/".join(reversed(out))
leaves = [path(i) for i, _, _ in rows if i not in has_child]
random.seed(15)
with open(f"{d}/codings.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["transcript", "segment", "theme"])
    for i in range(m):
        w.writerow([f"T{random.randrange(n):05}", random.randrange(1, 61), random.choice(leaves)])
PY
  "$TANA" -q --project "$dir/p.tana" code --from "$dir/codings.csv" --ambiguous first >/dev/null
}

measure() { # dir label
  local dir=$1 label=$2
  for fmt in csv json md table; do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$TANA" -q --project "$dir/p.tana" freq --format "$fmt" > "$dir/out.$fmt"
    read -r s kb < "$dir/time"
    printf '%-34s %-6s %6.2f s %7d MB  %8d KB out\n' "$label" "$fmt" "$s" $((kb / 1024)) $(( $(stat -c %s "$dir/out.$fmt") / 1024 ))
  done
  /usr/bin/time -f "%e %M" -o "$dir/time" sqlite3 -csv "$dir/p.tana" \
    "SELECT theme_id, transcript_id, count(*) FROM coding GROUP BY theme_id, transcript_id ORDER BY theme_id, transcript_id" > "$dir/out.raw"
  read -r s kb < "$dir/time"
  printf '%-34s %-6s %6.2f s %7d MB  (raw SQLite: the coded cells, no roll-up)\n' "$label" "raw" "$s" $((kb / 1024))
}

echo "building $THEMES themes × $TRANSCRIPTS transcripts, $CODINGS codings, and a tenth of it"
build "$WORK/big" "$THEMES" "$TRANSCRIPTS" "$CODINGS"
build "$WORK/small" $((THEMES / 10)) $((TRANSCRIPTS / 10)) $((CODINGS / 10))
measure "$WORK/small" "$((THEMES / 10)) × $((TRANSCRIPTS / 10))"
measure "$WORK/big" "$THEMES × $TRANSCRIPTS"
