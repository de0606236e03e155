#!/usr/bin/env bash
# Survey answers at size (issue 14), release build, with peak memory:
#   - generates long-format survey CSVs (python3, fixed seed): 20,000 respondents × 5
#     questions = 100,000 answers of about 30 words, with 3 attribute columns; and one of
#     2,000 respondents (10,000 answers);
#   - times `tana import … --survey` on each, and the raw SQLite equivalent (python3's sqlite3:
#     the same text laid out per respondent, the same segments and attributes, one
#     transaction, no change log, no search queue) in the same run;
#   - checks that 10× the answers costs about 10× the time (fails above 15×);
#   - codes 10,000 answers and times `tana freq --by role` on the 100,000-answer project.
# Usage: scripts/bench_survey.sh   (TANA=path/to/tana to time another build; KEEP=1 keeps files)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-survey.XXXXXX")
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "files kept in $WORK"; fi

python3 - "$WORK" <<'PY'
import csv, random, sys
work = sys.argv[1]
random.seed(14)
words = ("target slogan training recycling dashboard trust supplier carbon report intranet "
         "manager team energy waste packaging travel honestly monthly huddle lead naïve café "
         "CO₂ Zürich customers goals footprint audit pallet lighting commute").split()
questions = [
    "What does sustainability mean in your team?",
    "Who tells you about the company's targets?",
    "What, if anything, would help you act on them?",
    "How do customers ask about sustainability?",
    "Anything else you want to tell the sustainability lead?",
]
roles = ["employee", "manager", "sustainability lead", "sales", "operations"]
sites = ["Leeds", "Porto", "Gdańsk", "Lyon", "Tilburg", "Brno"]
bands = ["18-24", "25-34", "35-44", "45-54", "55+"]
def survey(path, respondents):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["respondent", "question", "answer", "role", "site", "age_band"])
        for r in range(respondents):
            attrs = [random.choice(roles), random.choice(sites), random.choice(bands)]
            for q in questions:
                n = random.randint(24, 36)
                answer = " ".join(random.choice(words) for _ in range(n)).capitalize() + "."
                w.writerow([f"R{r:05}", q, answer] + attrs)
survey(f"{work}/answers-10k.csv", 2_000)
survey(f"{work}/answers-100k.csv", 20_000)
# 10,000 codings (every tenth answer) over 4 themes, for freq --by.
with open(f"{work}/t.md", "w") as f:
    f.write("- Awareness\n  - Targets\n  - Training\n- Trust\n- Customers\n")
with open(f"{work}/codings.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["transcript", "segment", "theme"])
    themes = ["Targets", "Training", "Trust", "Customers"]
    for i in range(10_000):
        w.writerow([f"R{i * 2:05}", 1 + i % 5, themes[i % 4]])
PY

# The raw SQLite equivalent: the same rows in a similar schema, one transaction.
cat > "$WORK/raw.py" <<'PY'
import csv, sqlite3, sys
src, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
conn.executescript("""
PRAGMA journal_mode = WAL;
CREATE TABLE transcript (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, format TEXT,
  chars INTEGER, words INTEGER, text TEXT NOT NULL);
CREATE TABLE segment (id INTEGER PRIMARY KEY, transcript_id INTEGER NOT NULL, number INTEGER,
  speaker TEXT, start INTEGER, end INTEGER, words INTEGER, UNIQUE (transcript_id, number));
CREATE INDEX segment_by_position ON segment(transcript_id, start, end);
CREATE TABLE attribute (transcript_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (transcript_id, key));
CREATE INDEX attribute_by_key ON attribute(key, value);
""")
people = {}
with open(src, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        p = people.setdefault(row["respondent"], {"answers": [], "attrs": {}})
        if row["answer"].strip():
            p["answers"].append((row["question"], " ".join(row["answer"].split())))
        for k in ("role", "site", "age_band"):
            p["attrs"][k] = row[k]
with conn:
    for tid, (name, p) in enumerate(people.items(), start=1):
        text, segs, at = [], [], 0
        for n, (q, a) in enumerate(p["answers"], start=1):
            if text:
                text.append("\n\n"); at += 2
            label = q + ": "
            text.append(label); at += len(label)
            text.append(a)
            segs.append((tid, n, q, at, at + len(a), len(a.split())))
            at += len(a)
        body = "".join(text) + "\n"
        conn.execute("INSERT INTO transcript VALUES (?, ?, 'csv', ?, ?, ?)",
                     (tid, name, len(body), sum(s[5] for s in segs), body))
        conn.executemany("INSERT INTO segment (transcript_id, number, speaker, start, end, words)"
                         " VALUES (?, ?, ?, ?, ?, ?)", segs)
        conn.executemany("INSERT INTO attribute VALUES (?, ?, ?)",
                         [(tid, k, v) for k, v in p["attrs"].items()])
conn.close()
PY

# Run a command under GNU time; prints its line and sets SECS and KB.
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -o "$WORK/time" -f "%e %M" "$@"
  read -r SECS KB < "$WORK/time"
  printf '%-58s %6.2f s %8d KB\n' "$label" "$SECS" "$KB"
}

declare -A TANA_S RAW_S TANA_KB
for size in 10k 100k; do
  csv="$WORK/answers-$size.csv"
  P="$WORK/s-$size.tana"
  "$TANA" -q init "$P"
  measure "tana import --survey ($size answers)" "$TANA" -q --project "$P" import "$csv" \
    --survey --id respondent --question question --text answer --attr-columns all-other
  TANA_S[$size]=$SECS; TANA_KB[$size]=$KB
  measure "raw SQLite, python3 sqlite3 ($size answers)" python3 "$WORK/raw.py" "$csv" "$WORK/raw-$size.db"
  RAW_S[$size]=$SECS
  # The floor: the sqlite3 shell loading the CSV's rows as they are, nothing laid out.
  measure "sqlite3 .import --csv, rows as they are ($size answers)" \
    sqlite3 "$WORK/floor-$size.db" ".import --csv $csv answers"
done

P="$WORK/s-100k.tana"
"$TANA" -q --project "$P" template import "$WORK/t.md"
measure "code --from: 10,000 codings" "$TANA" -q --project "$P" code --from "$WORK/codings.csv"
measure "freq --by role (20,000 respondents)" "$TANA" -q --project "$P" freq --by role -o "$WORK/freq-role.csv"

measure "freq --by site (20,000 respondents)" "$TANA" -q --project "$P" freq --by site -o "$WORK/freq-site.csv"
FREQ_S=$SECS
measure "undo the coding batch" "$TANA" -q --project "$P" undo
measure "undo the import (change 1: 100,000 answers)" "$TANA" -q --project "$P" undo 1
[[ -z $("$TANA" -q --project "$P" transcripts --format csv | tail -n +2) ]] || { echo "FAIL: undo left transcripts"; exit 1; }

python3 - "${TANA_S[10k]}" "${TANA_S[100k]}" "${RAW_S[10k]}" "${RAW_S[100k]}" "${TANA_KB[100k]}" "$FREQ_S" <<'PY'
import sys
t10, t100, r10, r100, kb, freq = map(float, sys.argv[1:])
print()
print(f"100k answers: tana {t100:.2f} s, raw SQLite {r100:.2f} s, ratio {t100 / r100:.1f}x, "
      f"peak {kb / 1024:.0f} MB")
print(f"10k answers:  tana {t10:.2f} s, raw SQLite {r10:.2f} s, ratio {t10 / r10:.1f}x")
growth = t100 / max(t10, 0.01)
print(f"10k -> 100k: tana {growth:.1f}x (raw {r100 / max(r10, 0.01):.1f}x)")
bad = []
if growth > 15:
    bad.append(f"10x the answers cost {growth:.1f}x the time: something is worse than linear")
if t100 > 3:
    bad.append(f"import of 100k answers took {t100:.2f} s (target 3 s)")
if kb > 150 * 1024:
    bad.append(f"import of 100k answers peaked at {kb / 1024:.0f} MB (target 150 MB)")
if freq > 0.5:
    bad.append(f"freq --by took {freq:.2f} s (target 0.5 s)")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
