#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 60) in release mode and print a table:
# target, cases, seconds, panics, other failures, slowest case. Failing inputs are saved in
# tests/fuzz/regressions/ and replayed by every `cargo test`.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
TANA_FUZZ_SECONDS="$seconds" cargo test --release --test fuzz -- --nocapture --test-threads 1 \
    >"$log" 2>&1 || status=$?
printf '| %-15s | %10s | %7s | %6s | %14s | %12s |\n' \
    target cases seconds panics "other failures" "slowest (ms)"
printf '|%s|%s|%s|%s|%s|%s|\n' \
    "-----------------" "-----------:" "--------:" "-------:" "---------------:" "-------------:"
# With --nocapture a row can follow libtest's "test NAME ... " on the same line.
grep -o 'fuzz-row.*' "$log" | sort -k2,2 | while IFS=$'\t' read -r _ name cases secs panics broken slowest _; do
    printf '| %-15s | %10s | %7s | %6s | %14s | %12s |\n' \
        "$name" "$cases" "$secs" "$panics" "$broken" "$slowest"
done || true
if [ "$status" -ne 0 ]; then
    grep -E 'panicked|input:|broken invariant|panic:' "$log" >&2 || true
    echo "fuzzing failed (exit $status); see the inputs above" >&2
fi
exit "$status"
