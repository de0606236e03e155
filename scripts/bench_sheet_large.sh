#!/usr/bin/env bash
# Coding sheets of very long transcripts: an 8 MB and a 200 MB transcript (synthetic turns of
# 10-120 words), the 8 MB one with 2,143 whole-segment codings. Times `tana sheet` and an
# unedited `tana sheet apply` (which must change nothing), with peak memory.
# Usage: scripts/bench_sheet_large.sh [MB ...]   (default: 8 200)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-sheet-large.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
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
  /usr/bin/time -f "$mb MB: tana sheet %e s, %M KB" "$TANA" -q --project "$P" sheet "Long$mb" -o "$WORK/s.md"
  /usr/bin/time -f "$mb MB: tana sheet apply (unedited) %e s, %M KB" "$TANA" --project "$P" sheet apply "$WORK/s.md"
done
