#!/usr/bin/env python3
"""Check `tana import DB.sqlite3` against Taguette's own database, computed independently.

The script reads the Taguette database (SQLite, read only) by itself:

  - each document's text as Taguette counts it: the HTML's text nodes, entities decoded
    (Python's html.parser, not tana's reader), in which highlights are offsets in UTF-8 bytes;
  - per (tag, document), Taguette's highlights, with overlapping ones joined as tana joins
    overlapping codings of one theme (two spans overlap when one starts before the other
    ends; touching spans stay apart), and the text each joined stretch covers.

It then imports the database with tana into a temporary folder and reads tana's side through
its commands only: `tana template --format csv` (themes) and, per theme,
`tana quotes THEME --format csv` (one row per coded stretch, with its text). Themes are
matched to tags, and transcripts to documents, by the names the import gives them (a "."
between two words makes a sub-theme, unless --flat-tags; "/" becomes "∕"; a document's
file extension is dropped).

Every (tag, document) cell must have as many tana codings as Taguette has joined highlights,
and every coding's text must be the text of its Taguette stretch, white space aside: tana
separates paragraphs with a blank line where Taguette's HTML has one line break, and writes a
line break for a <br>, which has no character in Taguette's text. The figures say how many
texts are identical, equal with white space folded, and equal only with white space removed.
Prints the figures and exits 1 on any mismatch.

Usage: python3 scripts/check_taguette.py DB.sqlite3 TANA [--taguette-project ID] [--flat-tags]
"""

import argparse
import collections
import csv
import html.parser
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time


class TextNodes(html.parser.HTMLParser):
    """The text of an HTML document or fragment: every text node, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(fragment):
    # An HTML parser reads every \r\n or \r as \n.
    p = TextNodes()
    p.feed(fragment.replace("\r\n", "\n").replace("\r", "\n"))
    p.close()
    return "".join(p.parts)


def fold(s):
    return " ".join(s.split())


def squeeze(s):
    return "".join(s.split())


def split_tag(path, flat):
    """Where the import splits a tag path: at a "." between two non-space characters, not
    between two digits or next to another dot."""
    if flat:
        return [path]
    cut = [i for i in range(1, len(path) - 1)
           if path[i] == "." and not path[i - 1].isspace() and not path[i + 1].isspace()
           and path[i - 1] != "." and path[i + 1] != "."
           and not (path[i - 1] in "0123456789" and path[i + 1] in "0123456789")]
    parts, start = [], 0
    for i in cut + [len(path)]:
        parts.append(path[start:i])
        start = i + 1
    return parts if len(parts) <= 20 else [path]


def theme_name(part):
    name = "".join(" " if (ord(c) < 32 or 127 <= ord(c) < 160) else c
                   for c in part.replace("/", "\u2215"))
    name = " ".join(name.split(" ")).strip()
    if not name:
        return "Unnamed tag"
    looks_numeric = all(p != "" and p.isdigit() and p.isascii() for p in name.split("."))
    if name.startswith("#") or looks_numeric:
        return "Tag " + name
    return name


def transcript_name(name, doc_id):
    n = name.strip()
    for ext in (".docx", ".doc", ".odt", ".txt", ".rtf", ".pdf", ".md", ".html", ".htm", ".epub"):
        if n.lower().endswith(ext) and len(n) > len(ext):
            n = n[: len(n) - len(ext)]
            break
    n = "".join("-" if (c == ":" or ord(c) < 32 or 127 <= ord(c) < 160) else c for c in n).strip()
    return n or f"document {doc_id}"


def join(spans):
    """Overlapping spans joined, as tana joins codings: [(start, end, [highlight ids])]."""
    out = []
    for s, e, h in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
            out[-1][2].append(h)
        else:
            out.append([s, e, [h]])
    return out


def tana(binary, *args):
    out = subprocess.run([binary, "-q", *args], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"tana {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("database")
    ap.add_argument("tana")
    ap.add_argument("--taguette-project")
    ap.add_argument("--flat-tags", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.tana) if os.sep in a.tana else a.tana

    db = sqlite3.connect(f"file:{os.path.abspath(a.database)}?mode=ro", uri=True)
    projects = db.execute("SELECT id, name FROM projects ORDER BY id").fetchall()
    if a.taguette_project:
        chosen = [p for p in projects if str(p[0]) == a.taguette_project or p[1] == a.taguette_project]
    else:
        chosen = projects
    if len(chosen) != 1:
        sys.exit(f"choose one project with --taguette-project: {projects}")
    pid = chosen[0][0]

    docs = {i: (transcript_name(n, i), text_of(c).encode("utf-8"))
            for i, n, c in db.execute(
                "SELECT id, name, contents FROM documents WHERE project_id = ? ORDER BY id", (pid,))}
    tags = {i: "/".join(theme_name(p) for p in split_tag(path, a.flat_tags))
            for i, path in db.execute("SELECT id, path FROM tags WHERE project_id = ?", (pid,))}
    highlights = db.execute(
        "SELECT h.id, h.document_id, h.start_offset, h.end_offset, h.snippet FROM highlights h "
        "JOIN documents d ON d.id = h.document_id WHERE d.project_id = ?", (pid,)).fetchall()
    pairs = db.execute(
        "SELECT ht.highlight_id, ht.tag_id FROM highlight_tags ht "
        "JOIN highlights h ON h.id = ht.highlight_id JOIN documents d ON d.id = h.document_id "
        "WHERE d.project_id = ?", (pid,)).fetchall()
    where = {h: (d, s, e) for h, d, s, e, _ in highlights}

    # Taguette's own check: every snippet is the text at its offsets, counted in bytes.
    snippet_ok = sum(1 for h, d, s, e, snip in highlights
                     if docs[d][1][s:e].decode("utf-8", "replace") == text_of(snip))

    raw = collections.Counter()
    cells = collections.defaultdict(list)
    for h, t in pairs:
        d, s, e = where[h]
        raw[(tags[t], docs[d][0])] += 1
        cells[(tags[t], docs[d][0])].append((s, e, h))
    expected = {k: join(v) for k, v in cells.items()}
    doc_text = {name: text for name, text in docs.values()}

    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "taguette.tana")
        args = ["import", os.path.abspath(a.database), "-o", project]
        if a.taguette_project:
            args += ["--taguette-project", a.taguette_project]
        if a.flat_tags:
            args.append("--flat-tags")
        began = time.monotonic()
        tana(binary, *args)
        took = time.monotonic() - began
        themes = list(csv.DictReader(io.StringIO(tana(binary, "--project", project, "template", "--format", "csv"))))
        got = collections.defaultdict(list)
        for t in themes:
            for row in csv.DictReader(io.StringIO(tana(binary, "--project", project, "quotes", t["number"], "--format", "csv"))):
                got[(t["path"], row["transcript"])].append((int(row["start"]), row["text"]))

    count_ok, count_bad, text_ok, text_bad, identical, folded = 0, 0, 0, 0, 0, 0
    problems = []
    for key in sorted(set(expected) | set(got)):
        want, have = expected.get(key, []), sorted(got.get(key, []))
        if len(want) != len(have):
            count_bad += 1
            problems.append(f"{key[0]} in {key[1]}: Taguette {len(want)} (from {raw[key]} highlights), tana {len(have)}")
            continue
        count_ok += 1
        for (s, e, ids), (_, text) in zip(want, have):
            theirs = doc_text[key[1]][s:e].decode("utf-8")
            if squeeze(theirs) == squeeze(text):
                text_ok += 1
                identical += theirs == text
                folded += theirs != text and fold(theirs) == fold(text)
            else:
                text_bad += 1
                problems.append(f"{key[0]} in {key[1]}, highlight(s) {ids}: Taguette {theirs[:60]!r}, tana {text[:60]!r}")

    joined = sum(len(v) for v in expected.values())
    print(f"Taguette: {len(docs)} documents, {len(tags)} tags, {len(highlights)} highlights "
          f"({len(pairs)} highlight tags; {snippet_ok} snippets match their byte offsets), "
          f"{joined} after joining overlaps")
    print(f"tana: {len(got)} (theme, transcript) cells, {sum(len(v) for v in got.values())} codings; "
          f"import took {took:.1f} s")
    print(f"(tag, document) counts: {count_ok} match, {count_bad} differ")
    print(f"coding texts: {text_ok} match ({identical} identical, {folded} equal with white space folded, "
          f"{text_ok - identical - folded} equal without white space), {text_bad} differ")
    for p in problems[:40]:
        print("  MISMATCH " + p)
    if len(problems) > 40:
        print(f"  ... and {len(problems) - 40} more")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
