#!/usr/bin/env bash
# Check `tana agree` against reference implementations: scikit-learn's cohen_kappa_score and
# the krippendorff package, via scripts/agree_reference.py, on a freshly built demo study with
# the second coder's codings (fixtures/demo/second-coder.csv) added.
#
# Needs python3 with venv and pip, and PyPI. Without them it prints a "skipping" line and
# exits 0; any difference between tana and the reference exits 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TANA=${TANA:-$TARGET/debug/tana}
VENV=$TARGET/agree-venv

skip() { echo "== SKIPPING the agreement reference check: $1"; exit 0; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
if [[ ! -x $VENV/bin/python ]]; then
  python3 -m venv "$VENV" >/dev/null 2>&1 || skip "python3 -m venv failed (install python3-venv)"
fi
if ! "$VENV/bin/python" -c "import sklearn, krippendorff" >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q scikit-learn krippendorff >/dev/null 2>&1 \
    || skip "pip could not install scikit-learn and krippendorff (is PyPI reachable?)"
fi
[[ -x $TANA ]] || (cd "$ROOT" && cargo build --quiet)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-agree-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$TANA" -q demo "$WORK/demo" > /dev/null
"$TANA" -q --project "$WORK/demo/demo.tana" --coder bea code --from "$WORK/demo/second-coder.csv"
status=0
for unit in segment paragraph transcript character; do
  "$VENV/bin/python" "$ROOT/scripts/agree_reference.py" --check "$TANA" \
    "$WORK/demo/demo.tana" demo bea --unit "$unit" || status=1
done
exit $status
