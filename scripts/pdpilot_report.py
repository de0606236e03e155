#!/usr/bin/env python3
"""Build a tana project from the PDPilot user study and write its report.

The PDPilot study (Kerrigan 2024, BSD-3-Clause) published 7 interview transcripts and its
MAXQDA code system and coded segments (as PDFs, extracted to text in the corpus). This script

  1. reads the coded segments (document, code path "A > B > C", segment text) and the code
     system's order;
  2. builds a tana project: imports the 7 transcripts, imports the code system as the template
     (a "/" inside a code name becomes " or ": tana paths use "/"), and codes every segment by
     quote with `tana code --from`;
  3. runs `tana report` (HTML and Word), `tana cooccur --depth 1` and `tana freq --depth 1`.

Reads (never writes) the corpus; writes only into OUT (default: a new temporary directory):
  pdpilot.tana, template.md, codings.csv, report.html, report.docx, cooccur.txt, freq.txt

Usage:
  python3 scripts/pdpilot_report.py ../shared/corpora/pdpilot-userstudy-kerrigan2024
      [--tana BIN] [--out DIR]
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ behind in the repository
import serdif_check as sc  # noqa: E402  (code_until_clean)
HEADERS = {"Coded Segments", "Document name", "Code", "Segment"}


def read_segments(path):
    """(document, [code path parts], text) for every coded segment, in file order."""
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
    out = []
    i = 0
    while i < len(lines):
        if re.fullmatch(r"P[0-9]+", lines[i].strip()):
            doc = lines[i].strip()
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            code = []
            while i < len(lines) and lines[i].strip():
                code.append(lines[i].strip())
                i += 1
            text = []
            while i < len(lines) and not re.fullmatch(r"P[0-9]+", lines[i].strip()):
                if lines[i].strip() and lines[i].strip() not in HEADERS \
                        and not re.fullmatch(r"[0-9]+", lines[i].strip()):
                    text.append(lines[i].strip())
                i += 1
            out.append((doc, " ".join(code), " ".join(" ".join(text).split())))
        else:
            i += 1
    # Where the PDF's text ran the code into the segment's first line, split it after the
    # longest code path seen on its own elsewhere, or ending in a name of the code system.
    system = [l.strip() for l in open(os.path.join(os.path.dirname(path),
                                                   "code-system.pdftotext.txt"), encoding="utf-8")
              if 3 < len(l.strip()) < 80 and not re.fullmatch(r"[0-9]+", l.strip())]
    known = sorted({c for _, c, _ in out if len(c) < 150}, key=len, reverse=True)
    fixed = []
    for doc, code, text in out:
        if code not in known:
            k = next((k for k in known if code.startswith(k + " ")), None)
            if not k and " > " in code:
                head, _, last = code.rpartition(" > ")
                n = next((n for n in sorted(system, key=len, reverse=True)
                          if last.startswith(n + " ")), None)
                k = f"{head} > {n}" if n else None
            if k:
                code, text = k, (code[len(k):].strip() + " " + text).strip()
        fixed.append((doc, [p.strip() for p in code.split(" > ")], text))
    return fixed


def name(part):
    return part.replace("/", " or ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--tana", default=os.path.join(HERE, "..", "target", "release", "tana"))
    ap.add_argument("--out")
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="pdpilot-")
    os.makedirs(out, exist_ok=True)
    project = os.path.join(out, "pdpilot.tana")
    if os.path.exists(project):
        os.remove(project)

    def tana(*args, check=True):
        r = subprocess.run([a.tana, "--project", project, *args], capture_output=True, text=True)
        if check and r.returncode != 0:
            sys.exit(f"tana {' '.join(args)} failed:\n{r.stderr}")
        return r

    segments = read_segments(os.path.join(a.corpus, "coding", "coded-segments.pdftotext.txt"))
    print(f"coded segments read: {len(segments)}")
    # The template: every code path, parents first, in order of first appearance.
    seen = []
    for _, parts, _ in segments:
        for k in range(1, len(parts) + 1):
            p = tuple(name(x) for x in parts[:k])
            if p not in seen:
                seen.append(p)
    # Children right after their parents: sort by the first appearance of each prefix.
    order = {p: i for i, p in enumerate(seen)}
    seen.sort(key=lambda p: [order[p[:k]] for k in range(1, len(p) + 1)])
    with open(os.path.join(out, "template.md"), "w", encoding="utf-8") as f:
        for p in seen:
            f.write("  " * (len(p) - 1) + f"- {p[-1]}\n")
    # A segment that spans speaker turns carries their labels ("Dan: …  Participant: …"),
    # which the stored transcript keeps as speakers, not as text: code each turn's part.
    rows = []
    for n, (doc, parts, text) in enumerate(segments):
        for piece in re.split(r"(?:^|\s)(?:Dan|Participant):\s", text):
            if piece.strip():
                rows.append({"csv_line": n + 1, "transcript": doc,
                             "theme": "/".join(name(x) for x in parts),
                             "quote": piece.strip(), "occurrence": None})

    subprocess.run([a.tana, "-q", "init", project], check=True)
    tdir = os.path.join(a.corpus, "transcripts")
    tana("-q", "import", *sorted(os.path.join(tdir, t) for t in os.listdir(tdir)))
    print(tana("template", "import", os.path.join(out, "template.md")).stderr.strip())
    report, refused = sc.code_until_clean(a.tana, project, rows, out)
    print(f"tana code --from: {report}")
    print(f"segments with a part not found in its transcript (left out): {len(refused)}")
    for line, msg in sorted(refused.items())[:5]:
        print(f"  segment {line}: {msg.splitlines()[0]}")
    for args, file in [(["freq", "--depth", "1"], "freq.txt"),
                       (["cooccur", "--depth", "1"], "cooccur.txt")]:
        with open(os.path.join(out, file), "w", encoding="utf-8") as f:
            f.write(tana(*args).stdout)
    for file in ["report.html", "report.docx"]:
        print(tana("report", "-o", os.path.join(out, file), "--force").stderr.strip())
    print(f"outputs in {out}")


if __name__ == "__main__":
    main()
