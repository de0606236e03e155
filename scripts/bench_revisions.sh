#!/usr/bin/env bash
# Benchmark template revisions on a large project: a merge of two themes that hold 50,000
# codings between them, a move of a subtree, and undoing each.
#
# Usage: scripts/bench_revisions.sh          (REPS=3, TANA=path, KEEP=1 as in scripts/bench.sh)
# Builds 1,000 synthetic transcripts of about 8,000 words (scripts/gen_bench.py) with 50
# codings each, all on two sibling themes "Merge A" and "Merge B" (alternating), under a
# parent that also holds a three-level subtree to move.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-3}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-rev.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $WORK" >&2; else trap 'rm -rf "$WORK"' EXIT; fi

python3 "$ROOT/scripts/gen_bench.py" 1000 "$WORK/data" >/dev/null
cat > "$WORK/data/revisions.md" <<'MD'
- Bench
  - Merge A
  - Merge B
  - Subtree
    - Level two a
      - Level three a
      - Level three b
    - Level two b
- Elsewhere
MD
python3 - "$WORK/data/codings.csv" "$WORK/data/revisions.csv" <<'PY'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, newline="") as f, open(dst, "w", newline="") as g:
    w = csv.writer(g, lineterminator="\n")
    w.writerow(["transcript", "theme", "segment"])
    for i, row in enumerate(csv.DictReader(f)):
        w.writerow([row["transcript"], "Bench/Merge A" if i % 2 == 0 else "Bench/Merge B", row["segment"]])
PY

ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A T
for rep in $(seq "$REPS"); do
  P="$WORK/rev$rep.tana"
  "$TANA" -q init "$P"
  "$TANA" -q --project "$P" import "$WORK"/data/P*.txt
  "$TANA" -q --project "$P" template import "$WORK/data/revisions.md"
  "$TANA" -q --project "$P" code --from "$WORK/data/revisions.csv"
  for step in "theme merge Bench/Merge\ A Bench/Merge\ B --into Merged" "theme undo # the merge" \
              "theme move Bench/Subtree --under Elsewhere" "theme undo # the move"; do
    s=$(date +%s%N)
    eval "\"$TANA\" -q --project \"$P\" $step"
    e=$(date +%s%N)
    T[$step]="${T[$step]:-} $(ms "$s" "$e")"
    echo "run $rep: tana $step: $(ms "$s" "$e") ms" >&2
  done
  rm -f "$P" "$P-wal" "$P-shm"
done
echo "| step (1,000 transcripts, 50,000 codings on the merged themes) | median of $REPS |"
echo "|---|---|"
for step in "theme merge Bench/Merge\ A Bench/Merge\ B --into Merged" "theme undo # the merge" \
            "theme move Bench/Subtree --under Elsewhere" "theme undo # the move"; do
  echo "| \`tana $step\` | $(echo "${T[$step]}" | median) ms |"
done
