#!/usr/bin/env bash
# Benchmark `tana merge`: a coder's copy with 100,000 codings of its own comes back.
#
# Usage: scripts/bench_merge.sh [N]     (N synthetic transcripts, default 2000)
#
# Builds the benchmark study (scripts/gen_bench.py: N transcripts, ~50 codings each), makes
# bea's copy with `tana backup --for bea`, codes the same codings CSV again in the copy as
# bea (so the copy holds 100,000 codings the project does not have), then times:
#   merge      the first merge (every coding of bea's comes across, one change)
#   again      merging the same copy again (adds nothing)
#   undo       `tana undo` of the merge
# Environment: TANA=path (default: target/release/tana, built first).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-merge.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/scripts/gen_bench.py" "$N" "$WORK/data" >/dev/null
P=$WORK/study.tana
export TANA_CODER=ana
"$TANA" -q init "$P"
"$TANA" -q --project "$P" import "$WORK"/data/*.txt
"$TANA" -q --project "$P" template import "$WORK/data/template.md"
"$TANA" -q --project "$P" code --from "$WORK/data/codings.csv"
mkdir -p "$WORK/copies"
"$TANA" -q --project "$P" backup --for bea "$WORK/copies/bea.tana"
TANA_CODER=bea "$TANA" -q --project "$WORK/copies/bea.tana" code --from "$WORK/data/codings.csv"
codings=$(sqlite3 "$WORK/copies/bea.tana" "SELECT count(*) FROM coding c JOIN coder k ON k.id = c.coder_id WHERE k.name = 'bea'" 2>/dev/null || echo "?")

time_it() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  t1=$(date +%s%N)
  printf '| %s | %d | %.2f s | %d MB |\n' "$label" "$N" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)/1e9}')" \
    "$(( $(cat "$WORK/rss") / 1024 ))"
}
echo "bea's copy: $codings codings of her own" >&2
echo "| step | transcripts | wall | peak RSS |"
echo "|---|---|---|---|"
time_it "\`tana merge bea.tana\` ($codings codings)" "$TANA" -q --project "$P" merge "$WORK/copies/bea.tana"
time_it "\`tana merge bea.tana\` again (adds nothing)" "$TANA" -q --project "$P" merge "$WORK/copies/bea.tana"
time_it "\`tana undo\` of the merge" "$TANA" -q --project "$P" undo
