#!/usr/bin/env bash
# Import every real transcript in ../shared/corpora with tana, print each corpus's segmentation
# figures (files, speakers, turns, largest segment) and fail if one regresses against
# scripts/corpora_baseline.tsv; check the speaker turns of the usability study, its codings and
# unedited coding sheets. Reads ../shared only; writes to a temporary folder.
# Usage: scripts/check_corpora.sh [SHARED_DIR]
set -euo pipefail
shared=${1:-../shared}
cd "$(dirname "$0")/.."
cargo build --quiet
tana="$PWD/target/debug/tana"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for dir in "$shared"/corpora/*/transcripts "$shared"/corpora/unicode-*/texts; do
    [ -d "$dir" ] || continue
    corpus=$(basename "$(dirname "$dir")")
    project="$work/$corpus.tana"
    "$tana" -q init "$project"
    shopt -s nullglob
    files=("$dir"/*.txt "$dir"/*.md)
    shopt -u nullglob
    if [ ${#files[@]} -eq 0 ]; then
        continue
    fi
    if ! "$tana" -q --project "$project" import "${files[@]}"; then
        echo "FAIL: importing $corpus" >&2
        status=1
        continue
    fi
    n=$("$tana" --project "$project" transcripts --format csv | tail -n +2 | wc -l)
    echo "$corpus: imported $n of ${#files[@]} files"
    [ "$n" -eq ${#files[@]} ] || status=1
done
# Caption files (.vtt, .srt): named by stem and place, as two may share a stem.
for dir in "$shared"/corpora/subtitles-*; do
    [ -d "$dir" ] || continue
    corpus=$(basename "$dir")
    shopt -s nullglob
    files=("$dir"/*.vtt "$dir"/*.srt)
    shopt -u nullglob
    [ ${#files[@]} -gt 0 ] || continue
    "$tana" -q init "$work/$corpus.tana"
    if ! "$tana" -q --project "$work/$corpus.tana" import "${files[@]}" --name '{stem}-{n}'; then
        echo "FAIL: importing $corpus" >&2
        status=1
    fi
done

# Segmentation figures per corpus, against the committed baseline: no corpus may lose speakers
# or turns, gain false speakers, or grow a larger segment.
if command -v python3 >/dev/null 2>&1; then
    if ! python3 scripts/corpus_figures.py --baseline scripts/corpora_baseline.tsv "$work"/*.tana; then
        echo "FAIL: segmentation regressed against scripts/corpora_baseline.tsv" >&2
        status=1
    fi
else
    echo "FAIL: python3 is needed for the segmentation figures" >&2
    status=1
fi

# The 17 usability sessions split into MODERATOR and participant turns; task headings and stage
# directions are segments without a speaker, so they do not count as speakers.
serdif="$work/serdif-usability-navarro2022.tana"
if [ -f "$serdif" ]; then
    bad=$("$tana" --project "$serdif" transcripts --format csv | tail -n +2 | awk -F, '$2 != 2' | wc -l)
    if [ "$bad" -ne 0 ]; then
        echo "FAIL: $bad usability sessions do not have exactly 2 speakers" >&2
        status=1
    else
        echo "serdif: every session has MODERATOR and participant turns"
    fi
    # Every session's task headings (1 Read ..., 1.a Was ...) stand apart from the speech.
    for f in "$shared"/corpora/serdif-usability-navarro2022/transcripts/P*.txt; do
        name=$(basename "$f" .txt)
        headings=$(grep -cE '^[[:space:]]*[0-9]+(\.[a-z])? [A-Z]' "$f" || true)
        apart=$("$tana" --project "$serdif" show "$name" | grep -cE '^ *[0-9]+  [0-9]+(\.[a-z])? [A-Z]' || true)
        if [ "$apart" -ne "$headings" ]; then
            echo "FAIL: serdif $name: $apart of its $headings task headings are segments of their own" >&2
            status=1
        fi
    done
fi

# Code the usability study from its real highlights and compare the counts with the CSV.
corpus="$shared/corpora/serdif-usability-navarro2022"
if [ -f "$corpus/coding/tags_csv/all_tags_20220303.csv" ] && command -v python3 >/dev/null 2>&1; then
    out="$work/serdif-check"
    if ! python3 scripts/serdif_check.py "$corpus" --tana "$tana" --out "$out" > "$work/serdif.log"; then
        cat "$work/serdif.log" >&2
        echo "FAIL: serdif codings do not match the CSV" >&2
        status=1
    else
        grep -E "^(tana code|rows refused|  match|highlights in CSV)" "$work/serdif.log"
    fi
fi

# An unedited coding sheet of every transcript of every corpus applies as a no-op: 0 added,
# 0 removed (the coded usability study above included, with its 1,900 real codings).
sheets() {
    local project=$1 label=$2 n=0 bad=0
    while IFS=, read -r name _; do
        "$tana" -q --project "$project" sheet "$name" -o "$work/sheet.md" --force
        out=$("$tana" --project "$project" sheet apply "$work/sheet.md" 2>&1) || true
        n=$((n + 1))
        if ! grep -q "nothing to change" <<<"$out"; then
            echo "FAIL: $label $name: an unedited sheet changed something: $out" >&2
            bad=$((bad + 1))
        fi
    done < <("$tana" --project "$project" transcripts --format csv | tail -n +2)
    echo "$label: $n unedited sheets applied, $bad changed anything"
    [ "$bad" -eq 0 ] || status=1
}
for project in "$work"/*.tana; do
    sheets "$project" "$(basename "$project" .tana)"
done
if [ -f "$work/serdif-check/serdif.tana" ]; then
    sheets "$work/serdif-check/serdif.tana" "serdif (coded)"
    "$tana" -q --project "$work/serdif-check/serdif.tana" check > /dev/null || { echo "FAIL: tana check on the coded serdif study" >&2; status=1; }
fi

# Replay part of the study's real template evolution (codebook 5 -> 8) with tana's revisions.
if [ -f "$corpus/coding/tags_csv/all_tags_20220224.csv" ] && command -v python3 >/dev/null 2>&1; then
    if ! python3 scripts/serdif_replay.py "$corpus" --tana "$tana" --out "$work/serdif-replay" > "$work/replay.log" 2>&1; then
        cat "$work/replay.log" >&2
        echo "FAIL: replaying the serdif template evolution" >&2
        status=1
    else
        grep -E "cells: " "$work/replay.log"
    fi
fi
exit $status
