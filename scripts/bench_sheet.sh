#!/usr/bin/env bash
# Benchmark coding sheets on one long transcript: three synthetic transcripts
# (scripts/gen_bench.py) joined into one of about 24,000 words, with 150 codings (whole
# segments and quoted parts). Times `tana sheet T -o FILE` and `tana sheet apply FILE` (a
# round trip that changes nothing, then one with 20 edits). Median of REPS (default 5).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-5}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-sheet.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/scripts/gen_bench.py" 3 "$WORK/data" >/dev/null
cat "$WORK"/data/P000{1,2,3}.txt > "$WORK/Long.txt"
P="$WORK/s.tana"
"$TANA" -q init "$P"
"$TANA" -q --project "$P" import "$WORK/Long.txt"
"$TANA" -q --project "$P" template import "$WORK/data/template.md"
python3 - "$WORK/data/codings.csv" "$WORK/codings.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["transcript", "theme", "segment"])
    offset = {"P0001": 0, "P0002": 84, "P0003": 168}
    seen = set()
    for r in rows:
        seg = int(r["segment"]) + offset.get(r["transcript"], 0)
        if (r["theme"], seg) not in seen:
            seen.add((r["theme"], seg))
            w.writerow(["Long", r["theme"], seg])
PY
"$TANA" -q --project "$P" code --from "$WORK/codings.csv" 2>/dev/null || true
words=$(wc -w < "$WORK/Long.txt")
codings=$("$TANA" -q --project "$P" transcripts --format csv | tail -1 | cut -d, -f5)
ms() { local t=(); for i in $(seq "$REPS"); do s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); t+=($(( (e - s) / 1000000 ))); done; printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
write=$(ms "$TANA" -q --project "$P" sheet Long -o "$WORK/Long.md" --force)
noop=$(ms "$TANA" -q --project "$P" sheet apply "$WORK/Long.md")
echo "| measure (one transcript of $words words, $codings codings) | median of $REPS |"
echo "|---|---|"
echo "| \`tana sheet Long -o Long.md\` | $write ms |"
echo "| \`tana sheet apply Long.md\` (no changes) | $noop ms |"
