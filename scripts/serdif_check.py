#!/usr/bin/env python3
"""Code the SERDIF usability study's real Taguette highlights with tana and check the counts.

Reads (never writes) the shared corpus:
  CORPUS/transcripts/P01.txt ... P17.txt
  CORPUS/coding/tags_csv/all_tags_20220303.csv        (id, document, tag, content)
  CORPUS/coding/SERDIF_P2_ThematicAnalysis.taguette.sqlite3  (optional: highlight positions)

Writes only into OUT (default: a new temporary directory):
  themes.md      the 22 tags as a template outline
  codings.csv    tana codings CSV: transcript,theme,quote,occurrence
  serdif.tana    the project
  freq.csv       tana freq --measure codings --format csv
  errors.txt     tana's messages for rows it refused (if any)

Then compares tana's (theme, transcript) coding counts with counts computed from the CSV and
prints a summary.

Usage:
  python3 scripts/serdif_check.py ../shared/corpora/serdif-usability-navarro2022 [--out DIR]
      [--tana target/release/tana] [--csv PATH] [--taguette PATH | --no-positions]
"""

import argparse
import collections
import csv
import html
import io
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


# --- quote matching, the way tana does it (src/text.rs find_folded) ------------------------------

def fold(needle):
    """The needle as tana folds it: whitespace runs become one space, ends trimmed."""
    return " ".join(needle.split())


def find_folded(haystack, needle):
    """Every match of `needle` in `haystack` (whitespace runs match any whitespace run).

    Returns code-point spans (start, end) into `haystack`, overlapping matches included, as tana
    does.
    """
    pattern = fold(needle)
    if not pattern:
        return []
    folded = []
    origin = []
    for i, c in enumerate(haystack):
        if c.isspace():
            if folded and folded[-1] == " ":
                origin[-1][1] = i + 1
            else:
                folded.append(" ")
                origin.append([i, i + 1])
        else:
            folded.append(c)
            origin.append([i, i + 1])
    flat = "".join(folded)
    found = []
    i = flat.find(pattern)
    while i != -1:
        found.append((origin[i][0], origin[i + len(pattern) - 1][1]))
        i = flat.find(pattern, i + 1)
    return found


def union_count(spans):
    """Number of passages after joining overlapping (not merely touching) spans."""
    n = 0
    end = None
    for s, e in sorted(spans):
        if end is None or s >= end:
            n += 1
            end = e
        else:
            end = max(end, e)
    return n


# --- inputs --------------------------------------------------------------------------------------

def transcript_name(document):
    """'P2_GMT20211119.odt' -> 'P02' (the .txt file stems in transcripts/)."""
    m = re.match(r"P(\d+)_", document)
    if not m:
        raise SystemExit(f"unexpected document name {document!r}")
    return f"P{int(m.group(1)):02d}"


def squash(s):
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", s)))


def taguette_highlights(path):
    """{(transcript, squashed text): [(tags, char start in the Taguette text, taguette text)]}.

    Taguette offsets are UTF-8 byte offsets into the document's HTML with the tags removed.
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    docs = {}
    for i, name, contents in db.execute("SELECT id, name, contents FROM documents"):
        docs[i] = (transcript_name(name), re.sub(r"<[^>]+>", "", contents))
    tags = collections.defaultdict(set)
    for h, t in db.execute(
        "SELECT ht.highlight_id, t.path FROM highlight_tags ht JOIN tags t ON t.id = ht.tag_id"
    ):
        tags[h].add(t)
    out = collections.defaultdict(list)
    for h, d, start, end, snippet in db.execute(
        "SELECT id, document_id, start_offset, end_offset, snippet FROM highlights"
    ):
        name, text = docs[d]
        raw = text.encode("utf-8")
        char_start = len(raw[:start].decode("utf-8"))
        out[(name, squash(snippet))].append((tags[h], char_start, text))
    return out


def pick_occurrence(row, transcript_text, highlights, used):
    """The occurrence (1-based) of an ambiguous quote, from the Taguette highlight's position.

    Returns (occurrence or None, note).
    """
    key = (row["transcript"], squash(row["quote"]))
    candidates = [
        (start, text)
        for tags, start, text in highlights.get(key, [])
        if row["theme"] in tags and (key, row["theme"], start) not in used
    ]
    if not candidates:
        return None, "no Taguette highlight with this text and tag"
    start, text = min(candidates)
    used.add((key, row["theme"], start))
    in_taguette = find_folded(text, row["quote"])
    in_transcript = find_folded(transcript_text, row["quote"])
    starts = [s for s, _ in in_taguette]
    # The highlight may start on whitespace the quote does not have.
    idx = next((i for i, s in enumerate(starts) if abs(s - start) <= 3), None)
    if idx is None:
        return None, "highlight position not at a match in the Taguette text"
    if len(in_taguette) != len(in_transcript):
        return None, (
            f"{len(in_taguette)} matches in Taguette text but {len(in_transcript)} in transcript"
        )
    return idx + 1, "by Taguette position"


# --- running tana --------------------------------------------------------------------------------

def tana(binary, project, *args, check=True):
    cmd = [binary, "--project", project, *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p


def code_until_clean(binary, project, rows, out):
    """Run `tana code --from`; if rows are refused, drop them and run again.

    tana checks all rows first and codes nothing if any is bad, listing at most 50 problems.
    Returns (the report line, {csv line: message} of refused rows).
    """
    refused = {}
    keep = list(range(len(rows)))
    while True:
        path = os.path.join(out, "codings.csv")
        line_of = {}
        with open(path, "w", newline="", encoding="utf-8") as f:
            # LF line ends: with CRLF, tana's "line N" in errors is one too low (csv crate
            # Position::line, BurntSushi/rust-csv#395), which would misplace refused rows.
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["transcript", "theme", "quote", "occurrence"])
            for n, i in enumerate(keep):
                r = rows[i]
                w.writerow([r["transcript"], r["theme"], r["quote"], r["occurrence"] or ""])
                line_of[n + 2] = i
        p = tana(binary, project, "code", "--from", path, check=False)
        if p.returncode == 0:
            return p.stderr.strip() or p.stdout.strip(), refused
        bad = {}
        current = None
        for line in p.stderr.splitlines():
            m = re.match(r"  line (\d+): (.*)", line)
            if m:
                current = line_of[int(m.group(1))]
                bad[current] = m.group(2)
            elif current is not None and line.startswith("    "):
                bad[current] += "\n" + line.strip()
        if not bad:
            raise SystemExit(f"tana code --from failed without row problems:\n{p.stderr}")
        for i, msg in bad.items():
            refused[rows[i]["csv_line"]] = msg
        keep = [i for i in keep if i not in bad]


# --- main ----------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="../shared/corpora/serdif-usability-navarro2022")
    ap.add_argument("--csv", help="coded highlights (default: coding/tags_csv/all_tags_20220303.csv)")
    ap.add_argument("--taguette", help="Taguette database for highlight positions")
    ap.add_argument("--no-positions", action="store_true", help="do not use the Taguette database")
    ap.add_argument("--out", help="output directory (default: a new temporary directory)")
    ap.add_argument("--tana", default=os.path.join(HERE, "..", "target", "release", "tana"))
    a = ap.parse_args()

    corpus = a.corpus
    csv_path = a.csv or os.path.join(corpus, "coding", "tags_csv", "all_tags_20220303.csv")
    db_path = None if a.no_positions else (
        a.taguette or os.path.join(corpus, "coding", "SERDIF_P2_ThematicAnalysis.taguette.sqlite3")
    )
    out = a.out or tempfile.mkdtemp(prefix="serdif-check-")
    os.makedirs(out, exist_ok=True)
    project = os.path.join(out, "serdif.tana")
    if os.path.exists(project):
        os.remove(project)

    # Highlights.
    with open(csv_path, encoding="utf-8", newline="") as f:
        src = list(csv.DictReader(f))
    print(f"highlights: {len(src)} rows, columns {list(src[0].keys())}, "
          f"{len({r['tag'] for r in src})} tags, {len({r['document'] for r in src})} documents")
    tdir = os.path.join(corpus, "transcripts")
    texts = {}
    for fn in sorted(os.listdir(tdir)):
        if fn.endswith(".txt"):
            with open(os.path.join(tdir, fn), encoding="utf-8", newline="") as f:
                texts[fn[:-4]] = f.read()

    # Convert, choosing occurrences for quotes that match more than once.
    highlights = taguette_highlights(db_path) if db_path and os.path.exists(db_path) else {}
    rows = []
    stats = collections.Counter()
    notes = []
    used = set()
    for n, r in enumerate(src, start=2):
        row = {
            "csv_line": n,
            "transcript": transcript_name(r["document"]),
            "theme": r["tag"],
            "quote": r["content"],
            "occurrence": None,
        }
        found = find_folded(texts[row["transcript"]], row["quote"])
        stats[f"quote matches {min(len(found), 2)}{'+' if len(found) >= 2 else ''} time(s)"] += 1
        if len(found) > 1 and highlights:
            occ, why = pick_occurrence(row, texts[row["transcript"]], highlights, used)
            row["occurrence"] = occ
            if occ is None:
                notes.append(f"  CSV line {n} ({row['transcript']}, {fold(row['quote'])[:50]!r}): {why}")
            stats["occurrence " + ("chosen by Taguette position" if occ else "left open")] += 1
        rows.append(row)
    for k in sorted(stats):
        print(f"  {k}: {stats[k]}")
    for line in notes:
        print(line)

    # Project.
    tana(a.tana, project, "-q", "init", project)
    tana(a.tana, project, "-q", "import", *[os.path.join(tdir, f"{t}.txt") for t in texts])
    themes = sorted({r["theme"] for r in rows})
    with open(os.path.join(out, "themes.md"), "w", encoding="utf-8") as f:
        f.writelines(f"- {t}\n" for t in themes)
    tana(a.tana, project, "-q", "template", "import", os.path.join(out, "themes.md"))
    report, refused = code_until_clean(a.tana, project, rows, out)
    print(f"tana code --from: {report}")
    print(f"rows refused by tana: {len(refused)}")
    with open(os.path.join(out, "errors.txt"), "w", encoding="utf-8") as f:
        for line, msg in sorted(refused.items()):
            f.write(f"CSV line {line}: {msg}\n")
    kinds = collections.Counter(
        "ambiguous" if "is ambiguous" in m else "not found" if "is not in" in m else m.split(":")[0]
        for m in refused.values()
    )
    for k, v in kinds.most_common():
        print(f"  {k}: {v}")
    for line, msg in sorted(refused.items())[:3]:
        print(f"  e.g. CSV line {line}: {msg.splitlines()[0]}")

    # tana's counts.
    freq = tana(a.tana, project, "freq", "--measure", "codings", "--format", "csv").stdout
    with open(os.path.join(out, "freq.csv"), "w", encoding="utf-8") as f:
        f.write(freq)
    tana_counts = {}
    for r in csv.DictReader(io.StringIO(freq)):
        for t in texts:
            tana_counts[(r["theme"], t)] = int(float(r[t]))

    # Counts from the CSV: raw highlights, and passages after joining overlaps of one tag.
    raw = collections.Counter((r["theme"], r["transcript"]) for r in rows)
    spans = collections.defaultdict(list)
    unresolved = collections.Counter()
    located = {}
    for r in rows:
        if r["csv_line"] in refused:
            unresolved[(r["theme"], r["transcript"])] += 1
            continue
        found = find_folded(texts[r["transcript"]], r["quote"])
        span = found[(r["occurrence"] or 1) - 1]
        spans[(r["theme"], r["transcript"])].append(span)
        located.setdefault((r["theme"], r["transcript"]), []).append((span, r["csv_line"]))
    joined = {k: union_count(v) for k, v in spans.items()}
    duplicates = collections.Counter()
    for k, v in spans.items():
        duplicates[k] = len(v) - len(set(v))

    cells = [(th, t) for th in themes for t in texts]
    classes = collections.Counter()
    details = collections.defaultdict(list)
    for c in cells:
        got, want, j = tana_counts.get(c, 0), raw.get(c, 0), joined.get(c, 0)
        if got == want:
            classes["match"] += 1
            continue
        if got == j and unresolved[c] == 0:
            cls = ("identical duplicate highlights" if duplicates[c] == want - got
                   else "overlapping highlights joined" if duplicates[c] == 0
                   else "duplicates and overlaps joined")
        elif got == j:
            cls = "rows refused by tana (and overlaps joined)" if j + unresolved[c] != want \
                else "rows refused by tana"
        else:
            cls = "UNEXPLAINED"
        classes[cls] += 1
        details[cls].append(f"{c[0]} / {c[1]}: csv {want}, tana {got}, "
                            f"joined {j}, duplicates {duplicates[c]}, refused {unresolved[c]}")
        found = sorted(located.get(c, []))
        for (a, la), (b, lb) in zip(found, found[1:]):
            if b[0] < a[1]:
                how = "nested with" if b[1] <= a[1] or a[0] == b[0] else "overlaps"
                details[cls].append(f"    highlight at CSV line {lb} ({b[0]}:{b[1]}) {how} "
                                    f"CSV line {la} ({a[0]}:{a[1]})")

    print()
    print(f"comparison over {len(cells)} (tag, document) cells "
          f"({sum(1 for c in cells if raw.get(c))} non-empty in the CSV):")
    for k, v in classes.most_common():
        print(f"  {k}: {v}")
    total_tana = sum(tana_counts.values())
    print(f"highlights in CSV: {sum(raw.values())}; tana coded passages: {total_tana}; "
          f"CSV after joining overlaps: {sum(joined.values())}; "
          f"lost to joining: {sum(raw.values()) - sum(unresolved.values()) - sum(joined.values())} "
          f"(of which identical duplicates: {sum(duplicates.values())})")
    for cls, lines in details.items():
        print(f"\n{cls}:")
        for line in lines:
            print(f"  {line}")
    print(f"\noutputs in {out}")
    return 1 if classes.get("UNEXPLAINED") else 0


if __name__ == "__main__":
    sys.exit(main())
