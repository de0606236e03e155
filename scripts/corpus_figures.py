#!/usr/bin/env python3
"""Segmentation figures of imported corpora, checked against a committed baseline.

For each project CORPUS.tana (one corpus imported by scripts/check_corpora.sh) prints one line:
files, files where speaker turns were found, distinct speakers (over the corpus), turns (segments
with a speaker), segments, and the largest segment in words (with its transcript and number).

With --baseline TSV, each corpus named there is compared with its limits and the script exits 1
if any figure regresses (a corpus in the baseline but not imported is a failure too). Columns:

  corpus  min_files_with_speakers  min_speakers  max_speakers  min_turns  max_largest_words

Reads the projects read-only (sqlite3, mode=ro).

Usage:
  python3 scripts/corpus_figures.py [--baseline scripts/corpora_baseline.tsv] DIR/*.tana
"""

import argparse
import os
import sqlite3
import sys


def figures(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    q = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    files = q("SELECT count(*) FROM transcript")[0]
    with_speakers = q(
        "SELECT count(DISTINCT transcript_id) FROM segment WHERE speaker IS NOT NULL"
    )[0]
    speakers = q("SELECT count(DISTINCT speaker) FROM segment")[0]
    turns = q("SELECT count(*) FROM segment WHERE speaker IS NOT NULL")[0]
    segments = q("SELECT count(*) FROM segment")[0]
    largest = q(
        "SELECT s.words, t.name, s.number FROM segment s JOIN transcript t ON t.id = s.transcript_id"
        " ORDER BY s.words DESC, t.name, s.number LIMIT 1"
    ) or (0, "-", 0)
    db.close()
    return {
        "files": files,
        "with_speakers": with_speakers,
        "speakers": speakers,
        "turns": turns,
        "segments": segments,
        "largest": largest[0],
        "largest_in": f"{largest[1]} #{largest[2]}",
    }


def read_baseline(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if cells[0] == "corpus":
                continue
            if len(cells) != 6:
                raise SystemExit(f"{path}:{n}: expected 6 tab-separated columns, got {len(cells)}")
            out[cells[0]] = dict(
                zip(
                    ["min_with_speakers", "min_speakers", "max_speakers", "min_turns", "max_largest"],
                    map(int, cells[1:]),
                )
            )
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("projects", nargs="+")
    ap.add_argument("--baseline")
    a = ap.parse_args()
    baseline = read_baseline(a.baseline) if a.baseline else {}
    print(f"{'corpus':<34} {'files':>5} {'w/turns':>7} {'speakers':>8} {'turns':>6} "
          f"{'segments':>8} {'largest':>7}  (in)")
    failures = []
    seen = set()
    for path in a.projects:
        corpus = os.path.basename(path)
        corpus = corpus[: -len(".tana")] if corpus.endswith(".tana") else corpus
        seen.add(corpus)
        f = figures(path)
        print(f"{corpus:<34} {f['files']:>5} {f['with_speakers']:>7} {f['speakers']:>8} "
              f"{f['turns']:>6} {f['segments']:>8} {f['largest']:>7}  ({f['largest_in']})")
        b = baseline.get(corpus)
        if b is None:
            continue
        checks = [
            (f["with_speakers"] >= b["min_with_speakers"],
             f"files with speaker turns {f['with_speakers']} < {b['min_with_speakers']}"),
            (f["speakers"] >= b["min_speakers"], f"speakers {f['speakers']} < {b['min_speakers']}"),
            (f["speakers"] <= b["max_speakers"], f"speakers {f['speakers']} > {b['max_speakers']}"),
            (f["turns"] >= b["min_turns"], f"turns {f['turns']} < {b['min_turns']}"),
            (f["largest"] <= b["max_largest"],
             f"largest segment {f['largest']} words ({f['largest_in']}) > {b['max_largest']}"),
        ]
        failures += [f"{corpus}: {msg}" for ok, msg in checks if not ok]
    failures += [f"{c}: in the baseline but not imported" for c in baseline if c not in seen]
    for msg in failures:
        print(f"FAIL: {msg}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
