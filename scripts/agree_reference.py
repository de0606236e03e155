#!/usr/bin/env python3
"""Reference values for `tana agree`, computed without tana's Rust code.

Usage:
  agree_reference.py PROJECT CODER1 CODER2 [--unit UNIT] [--transcripts A,B]
  agree_reference.py --check TANA PROJECT CODER1 CODER2 [--unit UNIT]

Reads the project file with sqlite3: transcripts, segments, codings, coders and the theme tree.
Builds, for every live theme, the unit x coder table of 0/1 independently of tana:

  - units: segments (the segment table), paragraphs (maximal runs of non-blank lines of the
    transcript text, trimmed), transcripts (one unit each) or characters (every code point);
  - a coder coded a unit with a theme when one of their codings of the theme or of any
    descendant theme overlaps the unit ([start, end) code points, start < u.end and u.start < end);
  - transcripts: those in which every coder has at least one coding, unless --transcripts.

Then computes percent agreement, Cohen's kappa (scikit-learn's cohen_kappa_score) and
Krippendorff's alpha (the `krippendorff` package, nominal) per theme, pooled over the
unit x theme pairs of the themes either coder used, and the mean of the themes' values.
A coefficient that the libraries cannot compute (one value only) is null.

With --check, runs `TANA agree ... --format json` on the same project and fails (exit 1) on any
difference beyond 5e-5. Prints JSON otherwise. Sentence units are not covered: Python has no
UAX #29 sentence segmenter in the standard library.
"""
import argparse
import json
import math
import sqlite3
import subprocess
import sys
import warnings

import numpy as np
import krippendorff
from sklearn.metrics import cohen_kappa_score


def theme_tree(db):
    rows = db.execute(
        "SELECT id, parent_id, position, name FROM theme WHERE deleted_in IS NULL"
    ).fetchall()
    kids = {}
    for tid, parent, pos, name in rows:
        kids.setdefault(parent, []).append((pos, tid, name))
    order, number, parent_of = [], {}, {}
    def walk(parent, prefix):
        for i, (_, tid, name) in enumerate(sorted(kids.get(parent, [])), 1):
            num = f"{prefix}.{i}" if prefix else str(i)
            number[tid] = num
            parent_of[tid] = parent
            order.append(tid)
            walk(tid, num)
    walk(None, "")
    return order, number, parent_of


def paragraphs(text):
    out, run, at = [], None, 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            if run:
                out.append(run)
            run = None
        else:
            lead = len(line) - len(line.lstrip())
            trail = len(line) - len(line.rstrip())
            if run is None:
                run = [at + lead, at + len(line) - trail]
            run[1] = at + len(line) - trail
        at += len(line) + 1
    if run:
        out.append(run)
    return [tuple(p) for p in out]


def tables(db, coders, unit, only):
    ids = []
    for name in coders:
        row = db.execute("SELECT id FROM coder WHERE name = ?", (name,)).fetchone()
        if row is None:
            sys.exit(f"no coder {name}")
        ids.append(row[0])
    tx = db.execute("SELECT id, name, text FROM transcript ORDER BY id").fetchall()
    if only:
        tx = [t for t in tx if t[1] in only]
    else:
        tx = [t for t in tx if all(
            db.execute("SELECT 1 FROM coding WHERE transcript_id = ? AND coder_id = ?",
                       (t[0], c)).fetchone() for c in ids)]
    order, number, parent_of = theme_tree(db)
    def ancestors(tid):
        while tid is not None and tid in number:
            yield tid
            tid = parent_of[tid]
    # data[theme][coder] = list of 0/1 over all units of all transcripts, in order
    data = {t: [[] for _ in ids] for t in order}
    for t_id, _, text in tx:
        if unit == "segment":
            units = db.execute("SELECT start, end FROM segment WHERE transcript_id = ? "
                               "ORDER BY start", (t_id,)).fetchall()
        elif unit == "paragraph":
            units = paragraphs(text)
        elif unit == "transcript":
            units = [(0, len(text))]
        elif unit == "character":
            units = None
        else:
            sys.exit(f"unit {unit} is not covered by the reference")
        n = len(text) if units is None else len(units)
        marks = {(th, c): np.zeros(n, dtype=np.int8) for th in order for c in range(len(ids))}
        for c, cid in enumerate(ids):
            for theme, s, e in db.execute(
                    "SELECT theme_id, start, end FROM coding WHERE transcript_id = ? AND coder_id = ?",
                    (t_id, cid)):
                for th in ancestors(theme):
                    m = marks[(th, c)]
                    if units is None:
                        m[s:e] = 1
                    else:
                        for i, (us, ue) in enumerate(units):
                            if s < ue and us < e:
                                m[i] = 1
        for th in order:
            for c in range(len(ids)):
                data[th][c].extend(marks[(th, c)].tolist())
    return order, number, data, [t[1] for t in tx]


def kappa(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = cohen_kappa_score(a, b)
    return None if k is None or math.isnan(k) else float(k)


def alpha(a, b):
    try:
        v = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
    except (ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(v) else float(v)


def stats(a, b):
    a, b = np.asarray(a), np.asarray(b)
    both = int(((a == 1) & (b == 1)).sum())
    first = int(((a == 1) & (b == 0)).sum())
    second = int(((a == 0) & (b == 1)).sum())
    neither = int(((a == 0) & (b == 0)).sum())
    n = len(a)
    return {
        "units": n, "both": both, "only_first": first, "only_second": second,
        "neither": neither,
        "agreement": None if n == 0 else 100.0 * (both + neither) / n,
        "kappa": kappa(a, b) if n else None,
        "alpha": alpha(a, b) if n else None,
    }


def reference(path, coders, unit, only):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    order, number, data, used_tx = tables(db, coders, unit, only)
    rows = []
    pool_a, pool_b, used = [], [], []
    for th in order:
        a, b = data[th]
        r = stats(a, b)
        r["number"] = number[th]
        rows.append(r)
        if any(a) or any(b):
            pool_a.extend(a)
            pool_b.extend(b)
            used.append(r)
    pooled = stats(pool_a, pool_b)
    pooled["number"] = "pooled"
    def mean(key):
        v = [r[key] for r in used if r[key] is not None]
        return sum(v) / len(v) if v else None
    rows.append(pooled)
    rows.append({"number": "mean", "agreement": mean("agreement"), "kappa": mean("kappa"),
                 "alpha": mean("alpha")})
    return {"transcripts": used_tx, "rows": rows}


def check(tana, path, coders, unit):
    ref = reference(path, coders, unit, None)
    out = subprocess.run([tana, "-q", "--project", path, "agree", *coders, "--unit", unit,
                          "--format", "json"], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    first, second = f"only {coders[0]}", f"only {coders[1]}"
    bad = 0
    if len(got) != len(ref["rows"]):
        print(f"row count differs: tana {len(got)}, reference {len(ref['rows'])}")
        return 1
    for g, r in zip(got, ref["rows"]):
        label = r["number"]
        pairs = [("agreement", "agreement"), ("kappa", "kappa"), ("alpha", "alpha")]
        if label != "mean":
            pairs += [("units", "units"), ("both", "both"), (first, "only_first"),
                      (second, "only_second"), ("neither", "neither")]
        for gk, rk in pairs:
            gv, rv = g.get(gk), r.get(rk)
            same = (gv is None and rv is None) or (
                gv is not None and rv is not None and abs(gv - rv) <= 5e-5)
            if not same:
                bad += 1
                print(f"  {unit} {label} {gk}: tana {gv}, reference {rv}")
    print(f"{unit}: {len(got)} rows compared with scikit-learn and krippendorff, "
          f"{bad} difference(s)")
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--check", metavar="TANA")
    p.add_argument("project")
    p.add_argument("coders", nargs=2)
    p.add_argument("--unit", default="segment")
    p.add_argument("--transcripts", default="")
    a = p.parse_args()
    if a.check:
        sys.exit(check(a.check, a.project, a.coders, a.unit))
    only = [t for t in a.transcripts.split(",") if t]
    print(json.dumps(reference(a.project, a.coders, a.unit, only), indent=1))


if __name__ == "__main__":
    main()
