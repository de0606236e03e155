#!/usr/bin/env bash
# Import of N transcripts of about 8,000 words (scripts/gen_bench.py) beside the raw SQLite
# floor: the same transcripts and segments, as tana stored them, inserted by plain INSERTs into
# an empty project (scripts/raw_sqlite.py copy). Also at N/10, to check the cost grows linearly.
# Usage: scripts/bench_import_raw.sh [N]   (default 2000; TANA=path/to/tana to time another build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-import.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "| transcripts | tana import | raw SQLite | ratio | peak |"
echo "|---|---|---|---|---|"
for n in $((N / 10)) "$N"; do
  python3 "$ROOT/scripts/gen_bench.py" "$n" "$WORK/d$n" >/dev/null
  "$TANA" -q init "$WORK/p$n.tana"
  "$TANA" -q init "$WORK/raw$n.tana"
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$TANA" -q --project "$WORK/p$n.tana" import "$WORK/d$n"/*.txt
  read -r s kb < "$WORK/time"
  raw=$(python3 "$ROOT/scripts/raw_sqlite.py" copy "$WORK/raw$n.tana" "$WORK/p$n.tana")
  python3 -c "print(f'| $n | $s s | $raw s | {$s / max($raw, 0.01):.1f}× | $((kb / 1024)) MB |')"
  echo "$s" >> "$WORK/times"
done
python3 - "$WORK/times" <<'PY'
import sys
a, b = (float(x) for x in open(sys.argv[1]))
print(f"10x the transcripts costs {b / max(a, 0.01):.1f}x the time")
sys.exit(0 if b / max(a, 0.01) <= 15 else 1)
PY
