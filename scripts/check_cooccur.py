#!/usr/bin/env python3
"""Check `tana cooccur` against an independent computation over the exported quotes CSV.

For every top-level theme the script exports the coded passages with
`tana quotes THEME --with-subthemes --format csv` (transcript, theme number, start, end), reads
the segments' boundaries from the project file (SQLite, read only), and counts by itself:

  - segment unit: segments that overlap a passage of both themes, where a theme counts wherever
    it or one of its sub-themes is coded (roll-up by theme number: 1.2.3 counts for 1.2 and 1);
  - transcript unit: transcripts with both themes;
  - Jaccard: units with both / units with either.

It then compares every cell with `tana cooccur --format csv` (count and Jaccard, segment and
transcript units) and prints the cells that differ. Exit 0 when all agree.

Usage: python3 scripts/check_cooccur.py PROJECT.tana [--tana BIN]
"""

import argparse
import collections
import csv
import io
import itertools
import sqlite3
import subprocess
import sys


def run(tana, project, *args):
    out = subprocess.run([tana, "--project", project, "-q", *args], check=True,
                         capture_output=True, text=True)
    return out.stdout


def ancestors(number):
    """'1.2.3' -> ['1', '1.2', '1.2.3']"""
    parts = number.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--tana", default="tana")
    a = ap.parse_args()

    template = list(csv.DictReader(io.StringIO(run(a.tana, a.project, "template", "--format", "csv"))))
    numbers = [t["number"] for t in template]
    top = [t["number"] for t in template if t["level"] == "1"]

    # Coded passages: (transcript, theme number, start, end), from the quotes CSV.
    passages = []
    for number in top:
        for row in csv.DictReader(io.StringIO(run(a.tana, a.project, "quotes", number,
                                                  "--with-subthemes", "--format", "csv"))):
            passages.append((row["transcript"], row["theme"], int(row["start"]), int(row["end"])))

    # Segment boundaries, read straight from the project file.
    db = sqlite3.connect(f"file:{a.project}?mode=ro", uri=True)
    segments = collections.defaultdict(list)
    for name, number, start, end in db.execute(
            "SELECT t.name, s.number, s.start, s.end FROM segment s "
            "JOIN transcript t ON t.id = s.transcript_id ORDER BY t.id, s.start"):
        segments[name].append((number, start, end))
    transcripts = [r[0] for r in db.execute("SELECT name FROM transcript ORDER BY id")]

    # Which themes (rolled up) each unit holds.
    seg_themes = collections.defaultdict(set)
    tr_themes = collections.defaultdict(set)
    for tr, theme, start, end in passages:
        for anc in ancestors(theme):
            tr_themes[tr].add(anc)
        for number, s, e in segments[tr]:
            if start < e and end > s:
                for anc in ancestors(theme):
                    seg_themes[(tr, number)].add(anc)

    def counts(units):
        c = collections.Counter()
        for themes in units.values():
            for x in themes:
                c[(x, x)] += 1
            for x, y in itertools.combinations(sorted(themes), 2):
                c[(x, y)] += 1
                c[(y, x)] += 1
        return c

    expected = {"segment": counts(seg_themes), "transcript": counts(tr_themes)}
    bad = 0
    checked = 0
    for unit in ("segment", "transcript"):
        c = expected[unit]
        for measure in ("count", "jaccard"):
            rows = list(csv.DictReader(io.StringIO(run(
                a.tana, a.project, "cooccur", "--unit", unit, "--measure", measure,
                "--format", "csv"))))
            for row in rows:
                x = row["number"]
                for y in numbers:
                    got = row[y]
                    both, nx, ny = c[(x, y)], c[(x, x)], c[(y, y)]
                    if measure == "count":
                        want = str(both)
                        same = got == want
                    else:
                        # tana writes three decimals: compare within the rounding.
                        either = nx + ny - both
                        want = "" if either == 0 else f"{both / either:.4f}"
                        same = (got == want == "") or (
                            got != "" and want != "" and abs(float(got) - both / either) <= 0.0005 + 1e-9)
                    checked += 1
                    if not same:
                        bad += 1
                        if bad <= 20:
                            print(f"{unit} {measure} [{x}, {y}]: tana {got!r}, expected {want!r}")
    print(f"cooccur check: {checked} cells over {len(transcripts)} transcripts, "
          f"{len(passages)} passages; {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
