#!/usr/bin/env bash
# Batch work at size (issue 13), release build, with peak memory:
#   - `tana import turns.csv`: one transcript from a CSV of 100,000 turns;
#   - `tana code --from`: 100,000 rows (quote or segment) into that one transcript, 25 themes;
#   - `tana template import`: an outline of 20,000 themes in 6 levels;
#   - with ../shared: `tana import` of the serdif study's Taguette database.
# Usage: scripts/bench_batch.sh [SHARED_DIR]   (TANA=path/to/tana to time another build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
shared="${1:-$ROOT/../shared}"
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-batch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
timed() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "$label: %e s, %M KB peak" "$@"
}

python3 - "$WORK" <<'PY'
import csv, random, sys
work = sys.argv[1]
random.seed(13)
words = ("target slogan training customer recycling dashboard trust supplier carbon report "
         "honestly nobody module café naïve Zürich").split()
themes = [f"Theme {i:02}" for i in range(1, 26)]
with open(f"{work}/turns.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["speaker", "text"])
    for i in range(100_000):
        text = " ".join(random.choice(words) for _ in range(11)) + f" turn{i}."
        w.writerow(["Interviewer" if i % 2 == 0 else "P1", text])
with open(f"{work}/t.md", "w") as f:
    f.writelines(f"- {t}\n" for t in themes)
# Every turn's last word is unique, so each quote names one place: half the rows code a
# quote, half a whole segment.
with open(f"{work}/c.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["transcript", "segment", "quote", "theme"])
    for i in range(100_000):
        theme = themes[i % len(themes)]
        if i % 2 == 0:
            w.writerow(["turns", "", f"turn{i}.", theme])
        else:
            w.writerow(["turns", i + 1, "", theme])
PY
python3 "$ROOT/scripts/gen_template.py" 20000 "$WORK/big.md" 6 >/dev/null

P="$WORK/b.tana"
"$TANA" -q init "$P"
timed "import turns.csv (100,000 rows)" "$TANA" -q --project "$P" import "$WORK/turns.csv"
"$TANA" -q --project "$P" template import "$WORK/t.md"
timed "code --from c.csv (100,000 rows, one transcript)" "$TANA" -q --project "$P" code --from "$WORK/c.csv"
echo "codings: $(sqlite3 "$P" 'SELECT count(*) FROM coding' 2>/dev/null || python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM coding").fetchone()[0])' "$P")"

T="$WORK/t.tana"
"$TANA" -q init "$T"
timed "template import (20,000 themes)" "$TANA" -q --project "$T" template import "$WORK/big.md"

db="$shared/corpora/serdif-usability-navarro2022/coding/SERDIF_P2_ThematicAnalysis.taguette.sqlite3"
if [ -f "$db" ]; then
  timed "import serdif Taguette database" "$TANA" -q import "$db" -o "$WORK/serdif.tana"
else
  echo "serdif Taguette database not found under $shared: skipped"
fi
