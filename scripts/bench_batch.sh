#!/usr/bin/env bash
# Batch work at size (issues 13 and 14), release build, each beside the raw SQLite floor (the
# same rows written into the same tables by plain INSERTs, scripts/raw_sqlite.py) and at a
# tenth of the size, to check that cost grows linearly:
#   - `tana import turns.csv`: one transcript from a CSV of N turns;
#   - `tana code --from`: N segment rows into that one transcript, 25 themes;
#   - `tana code --from`: N rows with a template of 20,000 themes, over 1,000 transcripts;
#   - `tana template import`: an outline of M themes in 6 levels;
# and, without a raw figure: quotes into one long transcript and over 1,000 transcripts, and
# (with ../shared) the serdif Taguette database.
# Usage: scripts/bench_batch.sh [SHARED_DIR]   (TANA=path/to/tana to time another build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
shared="${1:-$ROOT/../shared}"
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
RAW="python3 $ROOT/scripts/raw_sqlite.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-batch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail=0

# run LABEL RAWKIND RAWFILE PROJECT tana-args... : times tana on PROJECT and the raw floor on
# a copy of PROJECT as it was before; prints one row; leaves the time in $last.
run() {
  local label=$1 kind=$2 file=$3 project=$4; shift 4
  cp "$project" "$WORK/raw.tana"
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$TANA" -q --project "$project" "$@" >/dev/null
  read -r s kb < "$WORK/time"
  local raw ratio
  raw=$($RAW "$kind" "$WORK/raw.tana" "$file")
  ratio=$(python3 -c "print(f'{max($s, 0.01) / max($raw, 0.01):.1f}')")
  printf '| %-58s | %6.2f s | %6.2f s | %5s× | %5d MB |\n' "$label" "$s" "$raw" "$ratio" $((kb / 1024))
  last=$s
}
linear() { # label small big
  local r
  r=$(python3 -c "print(f'{max($3, 0.01) / max($2, 0.01):.1f}')")
  echo "  $1: 10× the input costs ${r}×"
  if python3 -c "import sys; sys.exit(0 if max($3, 0.01) / max($2, 0.01) <= 15 else 1)"; then :; else
    echo "  FAIL: $1 grows faster than its input" >&2
    fail=1
  fi
}

python3 - "$WORK" <<'PY'
import csv, os, random, sys
work = sys.argv[1]
random.seed(13)
words = ("target slogan training customer recycling dashboard trust supplier carbon report "
         "honestly nobody module café naïve Zürich").split()
themes = [f"Theme {i:02}" for i in range(1, 26)]
with open(f"{work}/t.md", "w") as f:
    f.writelines(f"- {t}\n" for t in themes)
def codings(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transcript", "segment", "quote", "theme"])
        for i, (name, seg, quote) in enumerate(rows):
            w.writerow([name, seg, quote, themes[i % len(themes)]])
for n in (10_000, 100_000):
    with open(f"{work}/turns{n}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["speaker", "text"])
        for i in range(n):
            text = " ".join(random.choice(words) for _ in range(11)) + f" turn{i}."
            w.writerow(["Interviewer" if i % 2 == 0 else "P1", text])
    with open(f"{work}/segments{n}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transcript", "segment", "theme"])
        for i in range(n):
            w.writerow([f"turns{n}", i + 1, themes[i % len(themes)]])
# Quotes: every turn's last word is unique, so each quote names one place.
codings(f"{work}/quotes-one.csv", (("turns100000", "", f"turn{i * 10}.") for i in range(10_000)))
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
python3 "$ROOT/scripts/gen_template.py" 2000 "$WORK/t2000.md" 6 >/dev/null
python3 "$ROOT/scripts/gen_template.py" 20000 "$WORK/t20000.md" 6 >/dev/null

echo "| work | tana | raw SQLite | ratio | peak |"
echo "|---|---|---|---|---|"
declare -A took
for n in 10000 100000; do
  P="$WORK/b$n.tana"
  "$TANA" -q init "$P"
  run "import turns.csv: one transcript of $n turns" turns "$WORK/turns$n.csv" "$P" import "$WORK/turns$n.csv"
  took[import$n]=$last
  "$TANA" -q --project "$P" template import "$WORK/t.md"
  run "code --from: $n segment rows into that one transcript" codings "$WORK/segments$n.csv" "$P" code --from "$WORK/segments$n.csv"
  took[code$n]=$last
done
for n in 2000 20000; do
  P="$WORK/t$n.tana"
  "$TANA" -q init "$P"
  run "template import: $n themes in 6 levels" themes "$WORK/t$n.md" "$P" template import "$WORK/t$n.md"
  took[template$n]=$last
done

# code --from with the 20,000-theme template, rows over 1,000 transcripts.
M="$WORK/m.tana"
"$TANA" -q init "$M"
"$TANA" -q --project "$M" import "$WORK"/many/*.txt
"$TANA" -q --project "$M" template import "$WORK/t20000.md"
python3 - "$WORK" "$M" <<'PY'
import csv, random, sqlite3, sys
work, project = sys.argv[1], sys.argv[2]
db = sqlite3.connect(project)
rows = db.execute("SELECT id, parent_id, name FROM theme ORDER BY id").fetchall()
parent = {i: p for i, p, _ in rows}
name = {i: n for i, _, n in rows}
def path(i):
    out = []
    while i is not None:
        out.append(name[i]); i = parent[i]
    return "/".join(reversed(out))
paths = [path(i) for i, _, _ in rows]
random.seed(16)
for n in (10_000, 100_000):
    with open(f"{work}/wide{n}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transcript", "segment", "theme"])
        for i in range(n):
            w.writerow([f"T{random.randrange(1000):04}", random.randrange(1, 101), random.choice(paths)])
PY
cp "$M" "$WORK/m0.tana"
for n in 10000 100000; do
  cp "$WORK/m0.tana" "$M"
  run "code --from: $n rows, 20,000 themes, 1,000 transcripts" codings "$WORK/wide$n.csv" "$M" code --from "$WORK/wide$n.csv"
  took[wide$n]=$last
done

echo
echo "Linear growth (10× the input):"
linear "import turns.csv" "${took[import10000]}" "${took[import100000]}"
linear "code --from, one transcript" "${took[code10000]}" "${took[code100000]}"
linear "code --from, 20,000 themes" "${took[wide10000]}" "${took[wide100000]}"
linear "template import" "${took[template2000]}" "${took[template20000]}"

echo
echo "Without a raw figure:"
P="$WORK/b100000.tana"
/usr/bin/time -f "  code --from: 10,000 quote rows into one transcript of 100,000 turns: %e s, %M KB" \
  "$TANA" -q --project "$P" code --from "$WORK/quotes-one.csv"
Q="$WORK/q.tana"
"$TANA" -q init "$Q"
/usr/bin/time -f "  import: 1,000 text files of 100 turns: %e s, %M KB" "$TANA" -q --project "$Q" import "$WORK"/many/*.txt
"$TANA" -q --project "$Q" template import "$WORK/t.md"
/usr/bin/time -f "  code --from: 100,000 quote rows over 1,000 transcripts: %e s, %M KB" \
  "$TANA" -q --project "$Q" code --from "$WORK/quotes-many.csv"
db="$shared/corpora/serdif-usability-navarro2022/coding/SERDIF_P2_ThematicAnalysis.taguette.sqlite3"
if [ -f "$db" ]; then
  /usr/bin/time -f "  import of the serdif Taguette database: %e s, %M KB" "$TANA" -q import "$db" -o "$WORK/serdif.tana"
fi
exit $fail
