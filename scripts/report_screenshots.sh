#!/usr/bin/env bash
# Regenerate the report screenshots in docs/img from the demo study: the HTML report through
# headless Chromium, the Word codebook and report through LibreOffice and pdftoppm
# (scripts/render_docx.sh). Needs chromium, soffice, pdftoppm and ImageMagick's convert.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TANA=${TANA:-$ROOT/target/release/tana}
[[ -x $TANA ]] || (cd "$ROOT" && cargo build --release --quiet)
for tool in chromium soffice pdftoppm convert; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool" >&2; exit 3; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-shots.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$TANA" -q demo "$WORK/demo" > /dev/null
cd "$WORK/demo"
shot() { chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$2" --window-size="$3" "file://$1" 2>/dev/null; }
"$TANA" -q report --sections summary,heatmap -o "$WORK/heat.html"
shot "$WORK/heat.html" "$WORK/heat.png" 1000,1500
convert "$WORK/heat.png" -trim +repage -bordercolor white -border 20 "$ROOT/docs/img/report-heatmap.png"
"$TANA" -q report --sections evolution -o "$WORK/evo.html"
shot "$WORK/evo.html" "$WORK/evo.png" 1000,1150
convert "$WORK/evo.png" -crop 1000x760+0+120 +repage "$ROOT/docs/img/report-evolution.png"
"$TANA" -q codebook -o "$WORK/codebook.docx"
bash "$ROOT/scripts/render_docx.sh" "$WORK/codebook.docx" "$WORK/cb" > /dev/null
cp "$WORK/cb-1.png" "$ROOT/docs/img/codebook-docx.png"
"$TANA" -q report -o "$WORK/study.docx"
bash "$ROOT/scripts/render_docx.sh" "$WORK/study.docx" "$WORK/st" > /dev/null
cp "$(ls "$WORK"/st-*2.png | head -1)" "$ROOT/docs/img/report-docx.png"
echo "wrote docs/img/report-heatmap.png, report-evolution.png, codebook-docx.png, report-docx.png"
