#!/usr/bin/env bash
# Check `tana cooccur` on a freshly built demo study against the independent computation of
# scripts/check_cooccur.py (over the exported quotes CSV and the project's segments). Needs
# python3 (standard library only); without it, it prints a "skipping" line and exits 0.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TANA=${TANA:-$TARGET/debug/tana}
command -v python3 >/dev/null 2>&1 || { echo "== SKIPPING the co-occurrence check: python3 is not installed"; exit 0; }
[[ -x $TANA ]] || (cd "$ROOT" && cargo build --quiet)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-cooccur-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$TANA" -q demo "$WORK/demo" > /dev/null
python3 "$ROOT/scripts/check_cooccur.py" "$WORK/demo/demo.tana" --tana "$TANA"
