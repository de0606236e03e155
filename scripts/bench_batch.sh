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
# Every turn's last word is unique, so each quote names one place.
def codings(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transcript", "segment", "quote", "theme"])
        for i, (name, seg, quote) in enumerate(rows):
            w.writerow([name, seg, quote, themes[i % len(themes)]])
codings(f"{work}/segments.csv", (("turns", i + 1, "") for i in range(100_000)))
codings(f"{work}/quotes-one.csv", (("turns", "", f"turn{i * 10}.") for i in range(10_000)))
# 1,000 transcripts of 100 turns, and a quote from every turn.
import os
os.mkdir(f"{work}/many")
quotes = []
for t in range(1000):
    with open(f"{work}/many/T{t:04}.txt", "w") as f:
        for i in range(100):
            who = "Interviewer" if i % 2 == 0 else "P"
            said = [random.choice(words) for _ in range(11)]
            f.write(f"{who}: " + " ".join(said) + f" turn{i}.\n\n")
            quotes.append((f"T{t:04}", "", " ".join(said[-4:]) + f" turn{i}."))
codings(f"{work}/quotes-many.csv", quotes)
PY
python3 "$ROOT/scripts/gen_template.py" 20000 "$WORK/big.md" 6 >/dev/null

P="$WORK/b.tana"
"$TANA" -q init "$P"
timed "import turns.csv (100,000 rows)" "$TANA" -q --project "$P" import "$WORK/turns.csv"
"$TANA" -q --project "$P" template import "$WORK/t.md"
timed "code --from: 100,000 segment rows, one transcript of 100,000 turns" "$TANA" -q --project "$P" code --from "$WORK/segments.csv"
timed "code --from: 10,000 quote rows, one transcript of 100,000 turns" "$TANA" -q --project "$P" code --from "$WORK/quotes-one.csv"

M="$WORK/m.tana"
"$TANA" -q init "$M"
timed "import 1,000 text files of 100 turns" "$TANA" -q --project "$M" import "$WORK"/many/*.txt
"$TANA" -q --project "$M" template import "$WORK/t.md"
timed "code --from: 100,000 quote rows, 1,000 transcripts" "$TANA" -q --project "$M" code --from "$WORK/quotes-many.csv"

T="$WORK/t.tana"
"$TANA" -q init "$T"
timed "template import (20,000 themes)" "$TANA" -q --project "$T" template import "$WORK/big.md"

db="$shared/corpora/serdif-usability-navarro2022/coding/SERDIF_P2_ThematicAnalysis.taguette.sqlite3"
if [ -f "$db" ]; then
  timed "import serdif Taguette database" "$TANA" -q import "$db" -o "$WORK/serdif.tana"
else
  echo "serdif Taguette database not found under $shared: skipped"
fi
