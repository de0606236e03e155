#!/usr/bin/env bash
# Benchmark `tana agree` on a large double-coded study.
#
# Usage: scripts/bench_agree.sh
#
# Environment:
#   N=2000     synthetic transcripts (scripts/gen_bench.py: ~8,000 words, ~88 segments each)
#   REPS=5     runs of each agree command; the table shows the median
#   TANA=path  binary (default: target/release/tana, built with `cargo build --release`)
#   KEEP=1     keep the temporary directory (its path is printed)
#
# Coder ana codes gen_bench.py's codings.csv (50 whole-segment codings per transcript, so
# 100,000 at N = 2000). Coder bea gets the same rows perturbed with a fixed seed: 85% the same,
# 10% moved to the neighbouring segment, 5% under another theme (again 100,000 rows).
# Prints a Markdown table (median wall time and peak RSS per command) on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000}
REPS=${REPS:-5}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=${CARGO_TARGET_DIR:-$ROOT/target}/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-agree.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $WORK" >&2; else trap 'rm -rf "$WORK"' EXIT; fi

python3 "$ROOT/scripts/gen_bench.py" "$N" "$WORK/data" >&2
python3 - "$WORK/data/codings.csv" "$WORK/data/codings-bea.csv" <<'PY'
import csv, random, sys
rows = list(csv.DictReader(open(sys.argv[1])))
themes = sorted({r["theme"] for r in rows})
rng = random.Random(20261202)
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["transcript", "theme", "segment", "coder"])
    for r in rows:
        seg, theme = int(r["segment"]), r["theme"]
        x = rng.random()
        if x < 0.10:
            seg = seg - 1 if seg > 1 else seg + 1
        elif x < 0.15:
            theme = rng.choice(themes)
        w.writerow([r["transcript"], theme, seg, "bea"])
PY

P=$WORK/bench.tana
export TANA_CODER=ana
"$TANA" -q init "$P"
"$TANA" -q --project "$P" import "$WORK"/data/P*.txt
"$TANA" -q --project "$P" template import "$WORK/data/template.md"
"$TANA" -q --project "$P" code --from "$WORK/data/codings.csv"
"$TANA" -q --project "$P" code --from "$WORK/data/codings-bea.csv"
echo "codings per coder: $(sqlite3 "$P" 'SELECT group_concat(n) FROM (SELECT count(*) n FROM coding GROUP BY coder_id)' 2>/dev/null || echo '?')" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| command (N = $N, 2 coders) | median wall | peak RSS |"
echo "|---|---|---|"
run() {
  local label=$1; shift
  local walls="" rss=""
  for _ in $(seq "$REPS"); do
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$WORK/rss" "$TANA" -q --project "$P" "$@" > /dev/null
    t1=$(date +%s%N)
    walls+="$(( (t1 - t0) / 1000000 ))"$'\n'
    rss+="$(cat "$WORK/rss")"$'\n'
    echo "$label: $(( (t1 - t0) / 1000000 )) ms, $(cat "$WORK/rss") KB" >&2
  done
  echo "| \`tana agree $label\` | $(printf %s "$walls" | median) ms | $(( $(printf %s "$rss" | median) / 1024 )) MB |"
}
run "ana bea" agree ana bea
run "ana bea --format csv" agree ana bea --format csv
run "ana bea --unit sentence" agree ana bea --unit sentence
run "ana bea --unit character" agree ana bea --unit character
run "ana bea --disagreements --format csv" agree ana bea --disagreements --format csv
run "ana bea --ci" agree ana bea --ci
