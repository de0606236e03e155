#!/usr/bin/env python3
"""The raw SQLite floor for tana's batch benchmarks: the same rows written into the same tables
of a tana project by plain prepared INSERTs in one transaction, with nothing checked, logged
or reported. Prints the seconds it took.

Usage:
  raw_sqlite.py themes PROJECT OUTLINE.md     the outline's themes, as rows of `theme`
  raw_sqlite.py codings PROJECT CODINGS.csv   transcript,segment,theme rows as `coding` rows
                                              (theme: a path; the project has the template)
  raw_sqlite.py turns PROJECT TURNS.csv       speaker,text rows as one transcript and its
                                              segments
  raw_sqlite.py copy PROJECT SOURCE.tana      every transcript and segment of SOURCE (as tana
                                              imported them), inserted into PROJECT
"""
import csv
import sqlite3
import sys
import time

NOW = "2026-12-02T00:00:00Z"


def themes(db, path):
    lines = [l for l in open(path, encoding="utf-8") if l.strip().startswith("- ")]
    t0 = time.perf_counter()
    db.execute("BEGIN")
    stack = []  # (indent, id)
    position = {}
    for line in lines:
        indent = len(line) - len(line.lstrip())
        name = line.strip()[2:].strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        position[parent] = position.get(parent, 0) + 1
        cur = db.execute(
            "INSERT INTO theme (parent_id, position, name, kind, origin, created_at, created_by)"
            " VALUES (?, ?, ?, 'hierarchical', 'a-priori', ?, 1)",
            (parent, position[parent], name, NOW))
        stack.append((indent, cur.lastrowid))
    db.execute("COMMIT")
    return time.perf_counter() - t0


def codings(db, path):
    t0 = time.perf_counter()
    transcripts = dict(db.execute("SELECT name, id FROM transcript"))
    rows = db.execute("SELECT id, parent_id, name FROM theme WHERE deleted_in IS NULL").fetchall()
    parent = {i: p for i, p, _ in rows}
    name = {i: n for i, _, n in rows}

    def path_of(i):
        out = []
        while i is not None:
            out.append(name[i])
            i = parent[i]
        return "/".join(reversed(out))

    theme = {path_of(i): i for i, _, _ in rows}
    theme.update({n: i for i, _, n in rows})
    segment = {}
    db.execute("BEGIN")
    for r in csv.DictReader(open(path, encoding="utf-8", newline="")):
        t = transcripts[r["transcript"]]
        key = (t, int(r["segment"]))
        if key not in segment:
            segment[key] = db.execute(
                "SELECT start, end FROM segment WHERE transcript_id = ? AND number = ?", key
            ).fetchone()
        s, e = segment[key]
        db.execute(
            "INSERT INTO coding (transcript_id, theme_id, start, end, coder_id, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?)", (t, theme[r["theme"]], s, e, NOW))
    db.execute("COMMIT")
    return time.perf_counter() - t0


def turns(db, path):
    t0 = time.perf_counter()
    text, segs, pos = [], [], 0
    for r in csv.DictReader(open(path, encoding="utf-8", newline="")):
        line = f"{r['speaker']}: {r['text']}"
        segs.append((r["speaker"], pos, pos + len(line), len(r["text"].split())))
        text.append(line)
        pos += len(line) + 2
    body = "\n\n".join(text)
    db.execute("BEGIN")
    tid = db.execute(
        "INSERT INTO transcript (name, format, chars, words, imported_at, imported_by, text)"
        " VALUES ('raw', 'csv', ?, ?, ?, 1, ?)",
        (len(body), sum(s[3] for s in segs), NOW, body)).lastrowid
    db.executemany(
        "INSERT INTO segment (transcript_id, number, speaker, start, end, words)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ((tid, n + 1, sp, s, e, w) for n, (sp, s, e, w) in enumerate(segs)))
    db.execute("COMMIT")
    return time.perf_counter() - t0


def copy(db, source):
    src = sqlite3.connect(source)
    transcripts = src.execute(
        "SELECT id, name, format, chars, words, text FROM transcript ORDER BY id").fetchall()
    segments = src.execute(
        "SELECT transcript_id, number, speaker, start, end, words, time FROM segment"
        " ORDER BY transcript_id, number").fetchall()
    t0 = time.perf_counter()
    db.execute("BEGIN")
    new_id = {}
    for tid, name, fmt, chars, words, text in transcripts:
        new_id[tid] = db.execute(
            "INSERT INTO transcript (name, format, chars, words, imported_at, imported_by, text)"
            " VALUES (?, ?, ?, ?, ?, 1, ?)", (name, fmt, chars, words, NOW, text)).lastrowid
    db.executemany(
        "INSERT INTO segment (transcript_id, number, speaker, start, end, words, time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((new_id[t], n, sp, s, e, w, tm) for t, n, sp, s, e, w, tm in segments))
    db.execute("COMMIT")
    return time.perf_counter() - t0


def main():
    what, project, path = sys.argv[1:4]
    db = sqlite3.connect(project, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    if db.execute("SELECT count(*) FROM coder WHERE id = 1").fetchone()[0] == 0:
        db.execute("INSERT INTO coder (id, name, created_at) VALUES (1, 'raw sqlite', ?)", (NOW,))
    seconds = {"themes": themes, "codings": codings, "turns": turns, "copy": copy}[what](db, path)
    print(f"{seconds:.2f}")


if __name__ == "__main__":
    main()
