#!/usr/bin/env bash
# Render the first two pages of a Word (or Excel) file as PNG, to look at what tana wrote:
#
#   scripts/render_docx.sh IN.docx OUT_PREFIX
#
# LibreOffice converts IN to PDF, then pdftoppm writes OUT_PREFIX-1.png and OUT_PREFIX-2.png
# at 80 dpi. Needs soffice (Debian: libreoffice-writer, and libreoffice-calc for .xlsx) and
# pdftoppm (poppler-utils); exits 3 when either is missing.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 IN.docx OUT_PREFIX" >&2
    exit 2
fi
in=$1
prefix=$2
missing=0
for tool in soffice pdftoppm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is not installed (apt-get install libreoffice-writer poppler-utils)" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 3
if [ ! -f "$in" ]; then
    echo "$0: $in: no such file" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A profile of its own, so a running LibreOffice does not swallow the conversion.
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf \
    --outdir "$tmp" "$in" >"$tmp/soffice.log" 2>&1 || {
    cat "$tmp/soffice.log" >&2
    exit 1
}
pdf="$tmp/$(basename "${in%.*}").pdf"
if [ ! -f "$pdf" ]; then
    echo "$0: LibreOffice wrote no PDF for $in" >&2
    cat "$tmp/soffice.log" >&2
    exit 1
fi
pdftoppm -png -r 80 -f 1 -l 2 "$pdf" "$prefix"
ls "$prefix"*.png
