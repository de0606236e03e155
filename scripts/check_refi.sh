#!/usr/bin/env bash
# REFI-QDA and office-format checks against ../shared (run by .ci/run when it is present):
#  1. the demo study's .qdc and .qdpx exports validate against the official schemas
#     (../shared/tools/validate-refi), and the .qdpx imports back to the same data;
#  2. every project and codebook in ../shared/refi/samples imports, coded texts land where
#     the producer put them (NVivo: on word boundaries; qc: at the start of the line it names);
#  3. the usability study's .odt originals and .docx exports import.
# Usage: scripts/check_refi.sh [SHARED_DIR]
set -euo pipefail
shared=$(cd "${1:-../shared}" && pwd)
cd "$(dirname "$0")/.."
# validate-refi unpacks .qdpx files with unzip (and installs xmllint itself).
if ! command -v unzip >/dev/null 2>&1; then
    echo "installing unzip..." >&2
    (apt-get update -qq && apt-get install -y -qq unzip) >/dev/null 2>&1 || { echo "cannot install unzip" >&2; exit 1; }
fi
cargo build --quiet
tana="$PWD/target/debug/tana"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# 1. The demo study out and back.
(cd "$work" && "$tana" -q demo demo >/dev/null)
demo="$work/demo/demo.tana"
"$tana" -q --project "$demo" codebook --format qdc -o "$work/demo.qdc"
"$tana" -q --project "$demo" export qdpx -o "$work/demo.qdpx"
if "$shared/tools/validate-refi" "$work/demo.qdc" "$work/demo.qdpx" >"$work/validate.log" 2>&1; then
    echo "demo: .qdc and .qdpx validate against the REFI-QDA schemas"
else
    cat "$work/validate.log" >&2
    echo "FAIL: the demo exports do not validate" >&2
    status=1
fi
"$tana" -q import "$work/demo.qdpx" -o "$work/back.tana"
same=1
# Everything the researcher sees, the template's history and versions included (they travel
# in a project note; see src/refi/history.rs).
for args in "transcripts --format csv" "codebook --format csv" "freq --measure words --format csv" \
            "attr list --format csv" "memo list --format csv" "journal --format csv" \
            "template history" "template log --format csv" "template fate --format csv" \
            "template --version T0 --format csv" "template --version T1 --format csv" \
            "template --version T2 --format csv" "template diff T1 T2 --format csv"; do
    # shellcheck disable=SC2086
    if ! diff <("$tana" --project "$demo" $args) <("$tana" --project "$work/back.tana" $args) >/dev/null; then
        echo "FAIL: demo round trip differs in: tana $args" >&2
        same=0
        status=1
    fi
done
[ $same -eq 1 ] && echo "demo: tana -> qdpx -> tana gives the same transcripts, codebook (with versions), codings, attributes, memos, journal, template history, log and versions"

# 2. Files written by other programs.
for f in "$shared"/refi/samples/*.qdpx "$shared"/refi/samples/*.qde; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    project="$work/${name%.*}.tana"
    if ! "$tana" import "$f" -o "$project" >"$work/import.log" 2>&1; then
        cat "$work/import.log" >&2
        echo "FAIL: importing $name" >&2
        status=1
        continue
    fi
    python3 - "$f" "$project" <<'PY' || status=1
import re, sqlite3, sys, zipfile
path, project = sys.argv[1], sys.argv[2]
if path.endswith(".qde"):
    qde = open(path, encoding="utf-8-sig").read()
else:
    z = zipfile.ZipFile(path)
    qde = z.read([n for n in z.namelist() if n.lower().endswith(".qde") and "/" not in n][0]).decode("utf-8-sig")
origin = (re.search(r'origin="([^"]*)"', qde) or [None, ""])[1]
in_file = len(re.findall(r"<Coding\b", qde))
c = sqlite3.connect(project)
rows = c.execute("SELECT t.text, k.start, k.end FROM coding k JOIN transcript t ON t.id = k.transcript_id").fetchall()
counts = [c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("transcript", "theme", "coder")]
def word(text, i):
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")
on_words = sum(1 for text, s, e in rows if not (word(text, s - 1) and word(text, s)) and not (word(text, e - 1) and word(text, e)))
print(f"{path.rsplit('/', 1)[-1]} ({origin}): {counts[0]} transcripts, {counts[1]} themes, {len(rows)} of {in_file} codings, {counts[2]} coders; {on_words} of {len(rows)} codings start and end on word boundaries")
if "NVivo" in origin and rows and on_words < 0.98 * len(rows):
    print("FAIL: NVivo selections do not land on words (UTF-16 positions?)", file=sys.stderr)
    sys.exit(1)
PY
    # Another program's codings, whatever their spans, are all on tana's coding sheets, and an
    # unedited sheet changes nothing; the imported project passes tana check.
    "$tana" -q --project "$project" check >/dev/null || { echo "FAIL: tana check on $name" >&2; status=1; }
    sheets=0
    while IFS=, read -r t _; do
        [ -n "$t" ] || continue
        "$tana" -q --project "$project" sheet "$t" -o "$work/sheet.md" --force
        if ! "$tana" --project "$project" sheet apply "$work/sheet.md" 2>&1 | grep -q "nothing to change"; then
            echo "FAIL: $name: the unedited sheet of $t changed something" >&2
            status=1
        fi
        sheets=$((sheets + 1))
    done < <("$tana" --project "$project" transcripts --format csv | tail -n +2)
    echo "$name: tana check passes; $sheets unedited sheet(s) apply as no-ops"
done
for f in "$shared"/refi/samples/*.qdc; do
    [ -f "$f" ] || continue
    project="$work/qdc-$(basename "$f" .qdc).tana"
    "$tana" -q init "$project"
    if "$tana" --project "$project" template import "$f" >"$work/qdc.log" 2>&1; then
        echo "$(basename "$f"): $(grep -o '[0-9]* theme(s) added' "$work/qdc.log")"
    else
        cat "$work/qdc.log" >&2
        echo "FAIL: importing $(basename "$f")" >&2
        status=1
    fi
done

# 3. Word and OpenDocument files.
serdif="$shared/corpora/serdif-usability-navarro2022"
shopt -s nullglob
odts=("$serdif"/originals/transcripts/*.odt)
docxs=("$serdif"/coding/tags_docx/*.docx)
shopt -u nullglob
if [ ${#odts[@]} -gt 0 ]; then
    "$tana" -q init "$work/odt.tana"
    "$tana" -q --project "$work/odt.tana" import "${odts[@]}"
    n=$("$tana" --project "$work/odt.tana" transcripts --format csv | tail -n +2 | awk -F, '$2 == 2' | wc -l)
    echo "serdif .odt originals: $n of ${#odts[@]} import with MODERATOR and participant turns"
    [ "$n" -eq ${#odts[@]} ] || status=1
fi
if [ ${#docxs[@]} -gt 0 ]; then
    "$tana" -q init "$work/docx.tana"
    "$tana" -q --project "$work/docx.tana" import "${docxs[@]}"
    n=$("$tana" --project "$work/docx.tana" transcripts --format csv | tail -n +2 | wc -l)
    echo "serdif .docx exports: $n of ${#docxs[@]} import"
    [ "$n" -eq ${#docxs[@]} ] || status=1
fi
exit $status
