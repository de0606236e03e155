#!/usr/bin/env bash
# Benchmark `tana search` on 2,000 synthetic transcripts of about 8,000 words each.
# Usage: scripts/bench_search.sh   (N=2000, REPS=5, TANA=path, KEEP=1)
# Prints: the project size before and after the first search builds the full-text index, the
# time of that first search (which indexes every segment), and the median time of later
# searches (first page of 50 hits) for several kinds of query.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000}
REPS=${REPS:-5}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-search.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $WORK" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
python3 "$ROOT/scripts/gen_bench.py" "$N" "$WORK/data" >/dev/null
P="$WORK/s.tana"
"$TANA" -q init "$P"
"$TANA" -q --project "$P" import "$WORK"/data/P*.txt
"$TANA" -q --project "$P" template import "$WORK/data/template.md"
"$TANA" -q --project "$P" code --from "$WORK/data/codings.csv"
size() { "$TANA" -q --project "$P" status >/dev/null; python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); print(c.execute('PRAGMA page_count').fetchone()[0]*c.execute('PRAGMA page_size').fetchone()[0])" "$P"; }
before=$(size)
# Pick real words from the generated text for the queries.
w1=$(awk 'NR==3{print $3}' "$WORK/data/P0001.txt" | tr -d '.,?')
w2=$(awk 'NR==3{print $5}' "$WORK/data/P0001.txt" | tr -d '.,?')
pre=${w1:0:3}
s=$(date +%s%N); "$TANA" -q --project "$P" search "$w1" > /dev/null; e=$(date +%s%N)
first=$(( (e - s) / 1000000 ))
after=$(size)
ms() { local t=(); for i in $(seq "$REPS"); do s=$(date +%s%N); "$TANA" -q --project "$P" "$@" > /dev/null; e=$(date +%s%N); t+=($(( (e - s) / 1000000 ))); done; printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| measure ($N transcripts, $(cat "$WORK"/data/P*.txt | wc -w) words) | value |"
echo "|---|---|"
echo "| project size before the index | $((before / 1048576)) MB |"
echo "| project size after the index | $((after / 1048576)) MB (+$(( (after - before) * 100 / before ))%) |"
echo "| first search (indexes every segment) | $first ms |"
echo "| \`tana search $w1\` | $(ms search "$w1") ms |"
echo "| \`tana search '\"$w1 $w2\"'\` | $(ms search "\"$w1 $w2\"") ms |"
echo "| \`tana search '$pre* AND $w2'\` | $(ms search "$pre* AND $w2") ms |"
echo "| \`tana search 'NEAR($w1 $w2, 5)' --uncoded\` | $(ms search "NEAR($w1 $w2, 5)" --uncoded) ms |"
echo "| \`tana search $w1 --format csv --limit 50 --offset 500\` | $(ms search "$w1" --format csv --limit 50 --offset 500) ms |"
