#!/usr/bin/env bash
# Agreement on real data: the SERDIF usability study (Navarro 2022) exported its Taguette
# highlights at several iterations of the thematic analysis. This treats the iteration of
# 2022-02-24 and the final one (2022-03-03) as two coders, "feb24" and "final", of the tags the
# two share, and runs tana agree on them.
#
# Usage: scripts/serdif_agree.sh ../shared/corpora/serdif-usability-navarro2022 [OUT]
# Environment: TANA=path (default: target/release/tana). Reads the corpus, writes only in OUT
# (default: a new temporary directory). Nothing from the corpus goes into the repository.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$(cd "$1" && pwd)
OUT=${2:-$(mktemp -d "${TMPDIR:-/tmp}/serdif-agree.XXXXXX")}
TANA=${TANA:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tana}
mkdir -p "$OUT"
python3 "$ROOT/scripts/serdif_check.py" "$CORPUS" --tana "$TANA" --out "$OUT/feb24" \
  --csv "$CORPUS/coding/tags_csv/all_tags_20220224.csv" > "$OUT/feb24.log"
python3 "$ROOT/scripts/serdif_check.py" "$CORPUS" --tana "$TANA" --out "$OUT/final" > "$OUT/final.log"
grep -h "^rows refused by tana:" "$OUT/feb24.log" "$OUT/final.log" >&2 || true
python3 - "$OUT" <<'PY'
import csv, os, sys
out = sys.argv[1]
def rows(d):
    with open(os.path.join(out, d, "codings.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
early, final = rows("feb24"), rows("final")
shared = sorted({r["theme"] for r in early} & {r["theme"] for r in final})
print(f"tags: {len({r['theme'] for r in early})} on 2022-02-24, "
      f"{len({r['theme'] for r in final})} final, {len(shared)} shared", file=sys.stderr)
with open(os.path.join(out, "themes.md"), "w", encoding="utf-8") as f:
    f.writelines(f"- {t}\n" for t in shared)
with open(os.path.join(out, "both.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["transcript", "theme", "quote", "occurrence", "coder"])
    for coder, rs in (("feb24", early), ("final", final)):
        for r in rs:
            if r["theme"] in shared:
                w.writerow([r["transcript"], r["theme"], r["quote"], r["occurrence"], coder])
PY
P=$OUT/agree.tana
rm -f "$P"
"$TANA" -q init "$P"
"$TANA" -q --project "$P" import "$CORPUS"/transcripts/P*.txt
"$TANA" -q --project "$P" template import "$OUT/themes.md"
"$TANA" --project "$P" code --from "$OUT/both.csv"
for unit in segment sentence character transcript; do
  echo "## --unit $unit"
  "$TANA" --project "$P" agree feb24 final --unit "$unit" --format md
  echo
done
"$TANA" -q --project "$P" agree feb24 final --disagreements --format csv > "$OUT/disagreements.csv"
n=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' "$OUT/disagreements.csv")
echo "disagreements (segment × tag): $n, in $OUT/disagreements.csv"
