#!/usr/bin/env python3
"""Replay the SERDIF study's real template evolution with tana's revision operations.

The SERDIF usability study (Navarro 2022) exported its Taguette highlights at several iterations
of the coding template (coding/tags_csv/all_tags_*.csv, with highlight ids that stay stable
across exports). This script

  1. infers, from the stable ids, where each earlier code's highlights went in a later iteration
     and classifies every change: unchanged, rename, merge, split, delete, add (and redefine, when
     the codebook's description changed);
  2. builds a tana project with the earlier iteration's codes and highlights, saves T1, replays the
     changes with tana theme rename / merge / delete / split + review assign / add / redefine
     (each with --why), and saves T2;
  3. compares the result with the study's own later iteration: (code, transcript) coding counts
     (tana freq --measure codings) against the later tags CSV, and theme names and definitions
     against the later codebook, and explains every mismatching cell.

Reads (never writes) the corpus; writes only into OUT (default: a new temporary directory):
  serdif.tana, outline.md, codings.csv, freq.csv, mapping.csv, errors.txt

Usage:
  python3 scripts/serdif_replay.py ../shared/corpora/serdif-usability-navarro2022
      [--tana BIN] [--out DIR] [--earlier CSV] [--later CSV]
      [--absorb merge|delete]   how to replay "A absorbed into existing B" (default: merge)
      [--a-priori]              take the earlier iteration's codes as the a priori template
"""

import argparse
import collections
import csv
import io
import os
import re
import sqlite3
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ behind in the repository
import serdif_check as sc  # noqa: E402  (fold, find_folded, union_count, taguette_highlights, ...)


# --- inputs --------------------------------------------------------------------------------------

def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def date_of(path):
    m = re.search(r"(\d{8})", os.path.basename(path))
    return m.group(1) if m else ""


def find_codebook(coding_dir, tags):
    """The latest codebook (not newer than the tags export) whose tag set equals the export's."""
    tag_set = {r["tag"] for r in tags["rows"]}
    best = None
    cdir = os.path.join(coding_dir, "codebooks")
    for fn in sorted(os.listdir(cdir), key=lambda f: (date_of(f), f)):
        rows = read_csv(os.path.join(cdir, fn))
        if {r["tag"] for r in rows} == tag_set and date_of(fn) <= date_of(tags["path"]):
            best = (fn, rows)
    if best is None:
        raise SystemExit(f"no codebook has exactly the tags of {tags['path']}")
    return best


def load_tags(path):
    rows = read_csv(path)
    by_id = collections.defaultdict(set)
    info = {}
    for n, r in enumerate(rows, start=2):
        r["csv_line"] = n
        r["transcript"] = sc.transcript_name(r["document"])
        by_id[r["id"]].add(r["tag"])
        info.setdefault(r["id"], (r["transcript"], r["content"], n))
    return {"path": path, "rows": rows, "tags": by_id, "info": info}


def resolve_positions(earlier, later, texts, db_path):
    """{highlight id: (start, end) in the transcript, or None}, one position per highlight.

    Ambiguous quotes are placed by the Taguette database (which holds the final iteration, so its
    tag names are the later ones: look a highlight up under any of its later tags). Highlights the
    database lacks (deleted before the final iteration) take the matches no other highlight with
    the same text claimed, in CSV order. Returns (positions, counts of how each was placed).
    """
    highlights = sc.taguette_highlights(db_path) if db_path and os.path.exists(db_path) else {}
    used = set()
    pos, how, pending = {}, collections.Counter(), []
    ids = sorted(set(earlier["info"]) | set(later["info"]),
                 key=lambda i: (earlier["info"].get(i) or later["info"][i])[2])
    for i in ids:
        transcript, quote, _ = earlier["info"].get(i) or later["info"][i]
        found = sc.find_folded(texts[transcript], quote)
        if len(found) == 1:
            pos[i] = found[0]
            how["unique match"] += 1
            continue
        if not found:
            pos[i] = None
            how["quote not in transcript"] += 1
            continue
        occ = None
        for tag in sorted(later["tags"].get(i, ())) + sorted(earlier["tags"].get(i, ())):
            occ, _ = sc.pick_occurrence({"transcript": transcript, "theme": tag, "quote": quote},
                                        texts[transcript], highlights, used)
            if occ:
                break
        if occ:
            pos[i] = found[occ - 1]
            how["ambiguous, placed by Taguette position"] += 1
        else:
            pending.append((i, transcript, quote, found))
    for i, transcript, quote, found in pending:
        claimed = {pos.get(j) for j in ids if j in pos and pos[j] in found}
        free = [s for s in found if s not in claimed]
        if free:
            pos[i] = free[0]
            how["ambiguous, not in Taguette db: first unclaimed match (heuristic)"] += 1
        else:
            pos[i] = None
            how["ambiguous, unresolved"] += 1
    return pos, how


# --- the evolution -------------------------------------------------------------------------------

def infer_mapping(earlier, later, min_votes=2):
    """Code-level mapping from the stable highlight ids.

    For an earlier highlight tagged E whose later tags lack E, each later tag it gained is a vote
    E -> L. L is a destination of E if it got at least min_votes votes (or is E's only candidate);
    E itself is a destination if E survives in the later iteration and keeps highlights.
    Returns (dest: {E: Counter{L: highlights}}, gone: Counter{E}, per-highlight assignment).
    """
    votes = collections.defaultdict(collections.Counter)
    for i, tags in earlier["tags"].items():
        later_tags = later["tags"].get(i)
        if later_tags is None:
            continue
        gained = later_tags - tags
        for e in tags:
            if e not in later_tags:
                for l in gained:
                    votes[e][l] += 1
    dests = {}
    for e in sorted({t for ts in earlier["tags"].values() for t in ts}):
        cands = {l for l, v in votes[e].items() if v >= min_votes or len(votes[e]) == 1}
        keeps = any(e in later["tags"].get(i, ()) for i, ts in earlier["tags"].items() if e in ts)
        dests[e] = cands | ({e} if keeps else set())
    # Per highlight: where did (id, E) go?
    assign = {}
    flow = collections.defaultdict(collections.Counter)
    for i, tags in earlier["tags"].items():
        for e in tags:
            if i not in later["tags"]:
                assign[(i, e)] = None
                flow[e]["<highlight deleted>"] += 1
                continue
            went = sorted(later["tags"][i] & dests[e])
            assign[(i, e)] = went
            for l in went:
                flow[e][l] += 1
            if not went:
                flow[e]["<tag removed from highlight>"] += 1
    return dests, flow, assign


def classify(dests, later_codes):
    sources = collections.defaultdict(list)
    for e, ds in dests.items():
        for l in ds:
            sources[l].append(e)
    kind = {}
    for e, ds in dests.items():
        if not ds:
            kind[e] = "delete"
        elif len(ds) > 1:
            kind[e] = "split"
        else:
            (l,) = ds
            if len(sources[l]) > 1:
                kind[e] = "merge"
            elif l == e:
                kind[e] = "unchanged"
            else:
                kind[e] = "rename"
    added = [l for l in later_codes if not sources.get(l)]
    return kind, sources, added


# --- tana ----------------------------------------------------------------------------------------

class Tana:
    def __init__(self, binary, project):
        self.binary, self.project = binary, project
        self.ops = collections.Counter()
        self.log = []
        self.problems = []

    def run(self, *args, check=True):
        return sc.tana(self.binary, self.project, *args, check=check)

    def op(self, kind, *args, quiet=False):
        p = self.run(*args, check=False)
        shown = " ".join(a if re.match(r"^[\w#.:-]+$", a) else repr(a) for a in args)
        if p.returncode != 0:
            self.problems.append(f"tana {shown}\n    -> {p.stderr.strip()}")
            self.log.append(f"  FAILED  tana {shown}")
            return None
        self.ops[kind] += 1
        if not quiet:
            self.log.append(f"  {kind:9} tana {shown}")
        return p

    def themes(self):
        out = self.run("template", "export", "--format", "csv").stdout
        return {r["name"]: r for r in csv.DictReader(io.StringIO(out))}


def quote(name):
    return f"\u201c{name}\u201d"


def replay(t, earlier_cb, later_cb, dests, flow, assign, kind, sources, added, earlier, pos,
           absorb, later_file):
    """Replay the evolution E -> L with tana's revision commands."""
    src = f"SERDIF codebook {later_file}"
    later_desc = {r["tag"]: r["description"] for r in later_cb}
    current = {e: e for e in dests}          # earlier code -> the theme that holds it now
    holders = collections.defaultdict(list)  # later code -> themes now holding its highlights

    # 1. Deletions: every highlight gone.
    for e in sorted(e for e, k in kind.items() if k == "delete"):
        t.op("delete", "theme", "delete", e, "--uncode", "--why",
             f"{src}: none of the {sum(flow[e].values())} highlights of {quote(e)} is coded with "
             f"it any more")

    # 2. Splits: tana creates the parts beside the theme and queues its codings.
    for e in sorted(e for e, k in kind.items() if k == "split"):
        existing = set(t.themes())
        parts = {}
        for l in sorted(dests[e]):
            parts[l] = l if l not in existing else f"{l} (split part)" if l == e \
                else f"{l} (from {e})"
        shares = ", ".join(f"{flow[e][l]} to {quote(l)}" for l in sorted(dests[e]))
        if not t.op("split", "theme", "split", e, "--into", *parts.values(), "--why",
                    f"{src}: the highlights of {quote(e)} went {shares}"):
            continue
        assign_split(t, e, parts, earlier, pos, assign)
        # The emptied theme stays in the template; codings no part took are archived.
        t.op("delete", "theme", "delete", e, "--uncode", "--why",
             f"split into {', '.join(quote(p) for p in parts.values())}; nothing left")
        for l, p in parts.items():
            holders[l].append(p)
        current[e] = None

    # 3. Merges, absorptions and renames, grouped by later code.
    for e, k in kind.items():
        if k in ("merge", "rename", "unchanged"):
            holders[next(iter(dests[e]))].append(e)
    for l in sorted(holders):
        hs = holders[l]
        existing = set(t.themes())
        if len(hs) == 1 and hs[0] == l:
            continue
        if l in existing and l not in hs:
            # The name is taken by a theme that goes elsewhere: move it out of the way.
            t.op("rename", "theme", "rename", l, f"{l} (old)", "--why", "free the name")
        members = ", ".join(f"{quote(h)} ({sum(flow[h].values()) if h in flow else '?'})"
                            for h in hs)
        if len(hs) == 1:
            t.op("rename", "theme", "rename", hs[0], l, "--why",
                 f"{src}: the highlights of {quote(hs[0])} are all coded {quote(l)}"
                 if not hs[0].endswith(" (split part)") else
                 "the split part takes the name back (a split cannot reuse the split theme's name)")
        elif l in hs and absorb == "delete":
            for h in hs:
                if h != l:
                    t.op("delete", "theme", "delete", h, "--reassign-to", l, "--why",
                         f"{src}: the highlights of {quote(h)} are now coded {quote(l)}")
        else:
            t.op("merge", "theme", "merge", *hs, "--into", l, "--why",
                 f"{src}: {members} united as {quote(l)}")

    # 4. Themes the later iteration has and nothing became.
    for l in added:
        args = ["theme", "add", l, "--why", f"{src}: new code"]
        if later_desc.get(l):
            args += ["--definition", later_desc[l]]
        t.op("add", *args)

    # 5. Definitions that changed (including those of themes a merge created).
    now = t.themes()
    for l, d in later_desc.items():
        # (Compared whitespace-folded: the outline import takes one line per theme.)
        if l in now and l not in added and d and sc.fold(now[l]["definition"]) != sc.fold(d):
            old = now[l]["definition"]
            t.op("redefine", "theme", "redefine", l, "--definition", d,
                 *(["--broaden"] if len(holders.get(l, ())) > 1 else []), "--why",
                 f"{src}: description " + ("set" if not old else "changed"))


def assign_split(t, e, parts, earlier, pos, assign):
    """Distribute the queued codings of the split theme E by where its highlights went later.

    tana's review list gives entry, transcript and segment but not the coding's span, so entries
    are matched to codings through the segment; when one segment holds codings with different
    destinations the span is read from the project file (the review table, read-only).
    """
    out = t.run("review", "--format", "csv").stdout
    entries = [r for r in csv.DictReader(io.StringIO(out))
               if r["to do"] == "assign coding" and re.match(r"^\d[\d.]* " + re.escape(e) + "$",
                                                            r["theme"])]
    codings = list(csv.DictReader(io.StringIO(
        t.run("quotes", e, "--format", "csv").stdout)))
    # Destination of each coding: the union over the highlights inside its span.
    hl = [(r["transcript"], pos.get(r["id"]), r["id"]) for r in earlier["rows"] if r["tag"] == e]
    def dest_of(transcript, start, end):
        ds = set()
        for tr, p, i in hl:
            if tr == transcript and p and p[0] < end and start < p[1]:
                ds |= set(assign.get((i, e)) or ())
        return tuple(sorted(ds))
    seg_dests = collections.defaultdict(set)
    for c in codings:
        seg_dests[(c["transcript"], c["segment"])].add(
            dest_of(c["transcript"], int(c["start"]), int(c["end"])))
    spans = None
    done = collections.Counter()
    for r in entries:
        ds = seg_dests.get((r["transcript"], r["segment"]), set())
        if len(ds) == 1:
            d = next(iter(ds))
        else:
            if spans is None:
                db = sqlite3.connect(f"file:{t.project}?mode=ro", uri=True)
                spans = {f"#{i}": (s, en) for i, s, en in db.execute(
                    "SELECT id, start, end FROM review")}
                db.close()
            s, en = spans[r["entry"]]
            d = dest_of(r["transcript"], s, en)
            t.ops["(split entries placed by reading the project db)"] += 1
        if not d:
            t.ops["(split codings left unassigned: highlights deleted later)"] += 1
            continue
        if t.op("assign", "review", "assign", r["entry"], *[parts[x] for x in d], quiet=True):
            done[tuple(parts[x] for x in d)] += 1
    for names, n in sorted(done.items()):
        t.log.append(f"  assign    tana review assign '#N' " + " ".join(repr(x) for x in names)
                     + f"   (x{n})")


# --- comparison ----------------------------------------------------------------------------------

def compare(t, texts, earlier, later, pos, dests, assign, kind, refused_lines, later_cb):
    freq = t.run("freq", "--measure", "codings", "--format", "csv").stdout
    got = {}
    for r in csv.DictReader(io.StringIO(freq)):
        for tr in texts:
            got[(r["theme"], tr)] = int(float(r[tr]))
    tana_themes = t.themes()
    later_codes = [r["tag"] for r in later_cb]

    raw = collections.Counter((r["tag"], r["transcript"]) for r in later["rows"])
    # What the replay should give: every earlier highlight (tana coded) moved whole-code.
    expect_spans = collections.defaultdict(list)
    gone = collections.Counter()
    dropped = collections.Counter()
    refused = collections.Counter()
    for r in earlier["rows"]:
        i, e, tr = r["id"], r["tag"], r["transcript"]
        went = assign[(i, e)]
        if kind[e] == "split":
            targets = went or []
        else:
            targets = sorted(dests[e])
        for l in targets:
            if r["csv_line"] in refused_lines:
                refused[(l, tr)] += 1
            elif pos.get(i):
                expect_spans[(l, tr)].append(pos[i])
        for l in targets:
            if went is None:
                gone[(l, tr)] += 1
            elif l not in went:
                dropped[(l, tr)] += 1
    expected = {k: sc.union_count(v) for k, v in expect_spans.items()}
    # Later highlights that no earlier highlight explains.
    new = collections.Counter()
    for r in later["rows"]:
        prev = earlier["tags"].get(r["id"])
        if prev is None or not any(r["tag"] in (assign.get((r["id"], e)) or ()) for e in prev):
            new[(r["tag"], r["transcript"])] += 1
    # Re-cut: a highlight deleted later and a new one of the same code overlapping it.
    recut = collections.Counter()
    deleted_spans = collections.defaultdict(list)
    for r in earlier["rows"]:
        if assign[(r["id"], r["tag"])] is None and pos.get(r["id"]):
            for l in (dests[r["tag"]] if kind[r["tag"]] != "split" else ()):
                deleted_spans[(l, r["transcript"])].append(pos[r["id"]])
    for r in later["rows"]:
        p = pos.get(r["id"])
        if r["id"] not in earlier["tags"] and p and any(
                s < p[1] and p[0] < e for s, e in deleted_spans[(r["tag"], r["transcript"])]):
            recut[(r["tag"], r["transcript"])] += 1
    later_spans = collections.defaultdict(list)
    for r in later["rows"]:
        if pos.get(r["id"]):
            later_spans[(r["tag"], r["transcript"])].append(pos[r["id"]])
    later_joined = {k: sc.union_count(v) for k, v in later_spans.items()}

    cells = [(l, tr) for l in sorted(set(later_codes) | {k[0] for k in got}) for tr in texts]
    classes = collections.Counter()
    examples = collections.defaultdict(list)
    for c in cells:
        g, w = got.get(c, 0), raw.get(c, 0)
        if g == w:
            classes["match"] += 1
            if gone[c] or new[c] or dropped[c]:
                classes["(matching cells with compensating re-cuts/deletions/additions)"] += 1
            continue
        why = []
        if g != expected.get(c, 0):
            why.append("UNEXPLAINED: tana differs from the replayed highlights")
        if recut[c]:
            why.append("highlights re-cut later")
        if gone[c] > recut[c]:
            why.append("highlights deleted later")
        if dropped[c]:
            why.append("code removed from a highlight later")
        if new[c] > recut[c]:
            why.append("highlights newly coded later")
        if refused[c]:
            why.append("earlier rows tana refused")
        n_earlier = sum(1 for _ in expect_spans.get(c, ()))
        if expected.get(c, 0) < n_earlier:
            why.append("overlapping codings joined")
        cls = " + ".join(why) or "UNEXPLAINED"
        classes[cls] += 1
        examples[cls].append(f"{c[0]} / {c[1]}: later {w}, tana {g} (replay joined "
                             f"{expected.get(c, 0)}, later joined {later_joined.get(c, 0)}; "
                             f"deleted {gone[c]}, new {new[c]}, re-cut {recut[c]}, uncoded {dropped[c]}, "
                             f"refused {refused[c]})")
    n_joined_ok = sum(1 for c in cells if got.get(c, 0) == later_joined.get(c, 0))
    return {
        "cells": cells, "classes": classes, "examples": examples, "got": got, "raw": raw,
        "names_missing": [l for l in later_codes if l not in tana_themes],
        "names_extra": sorted(set(tana_themes) - set(later_codes)),
        "defs_differ": [l for l in later_codes if l in tana_themes and
                        sc.fold(tana_themes[l]["definition"] or "") !=
                        sc.fold(next(r["description"] for r in later_cb if r["tag"] == l))],
        "joined_ok": n_joined_ok,
    }


# --- main ----------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="../shared/corpora/serdif-usability-navarro2022")
    ap.add_argument("--tana", default=os.path.join(HERE, "..", "target", "release", "tana"))
    ap.add_argument("--out", help="output directory (default: a new temporary directory)")
    ap.add_argument("--earlier", help="earlier tags CSV (default: tags_csv/all_tags_20220224.csv)")
    ap.add_argument("--later", help="later tags CSV (default: tags_csv/all_tags_20220303.csv)")
    ap.add_argument("--absorb", choices=["merge", "delete"], default="merge",
                    help='replay "A absorbed into existing B" as merge --into or delete '
                         "--reassign-to (default: merge)")
    ap.add_argument("--a-priori", action="store_true",
                    help="mark the earlier iteration's codes as a priori themes (sourced to its "
                         "codebook), so `tana template fate` and the report follow each one")
    a = ap.parse_args()

    coding = os.path.join(a.corpus, "coding")
    tdir = os.path.join(a.corpus, "transcripts")
    earlier = load_tags(a.earlier or os.path.join(coding, "tags_csv", "all_tags_20220224.csv"))
    later = load_tags(a.later or os.path.join(coding, "tags_csv", "all_tags_20220303.csv"))
    e_cb_name, earlier_cb = find_codebook(coding, earlier)
    l_cb_name, later_cb = find_codebook(coding, later)
    out = a.out or tempfile.mkdtemp(prefix="serdif-replay-")
    os.makedirs(out, exist_ok=True)
    project = os.path.join(out, "serdif.tana")
    if os.path.exists(project):
        os.remove(project)
    os.environ.setdefault("TANA_CODER", "serdif-replay")
    texts = {}
    for fn in sorted(os.listdir(tdir)):
        if fn.endswith(".txt"):
            with open(os.path.join(tdir, fn), encoding="utf-8", newline="") as f:
                texts[fn[:-4]] = f.read()

    # Iterations.
    print("== iterations")
    tag_files = sorted(f for f in os.listdir(os.path.join(coding, "tags_csv")) if f.endswith(".csv"))
    for f in tag_files:
        tg = load_tags(os.path.join(coding, "tags_csv", f))
        try:
            cb = find_codebook(coding, tg)[0]
        except SystemExit:
            cb = "(no codebook with exactly these tags)"
        print(f"  {f}: {len(tg['rows'])} rows, {len(tg['tags'])} highlights, "
              f"{len({r['tag'] for r in tg['rows']})} codes  ~ {cb}")
    print(f"  codebooks: " + ", ".join(
        f"{fn.split('_')[-1][:-4]}={len(read_csv(os.path.join(coding, 'codebooks', fn)))}"
        for fn in sorted(os.listdir(os.path.join(coding, "codebooks")))) + " codes")
    print(f"  replaying {os.path.basename(earlier['path'])} ({e_cb_name}, {len(earlier_cb)} codes)"
          f" -> {os.path.basename(later['path'])} ({l_cb_name}, {len(later_cb)} codes)")
    common = set(earlier["tags"]) & set(later["tags"])
    print(f"  highlight ids: {len(earlier['tags'])} earlier, {len(later['tags'])} later, "
          f"{len(common)} in both, {len(set(earlier['tags']) - common)} deleted, "
          f"{len(set(later['tags']) - common)} new; text changed for "
          f"{sum(earlier['info'][i][1] != later['info'][i][1] for i in common)}")

    # Mapping.
    dests, flow, assign = infer_mapping(earlier, later)
    later_codes = [r["tag"] for r in later_cb]
    kind, sources, added = classify(dests, later_codes)
    print("\n== where each earlier code's highlights went (by highlight id)")
    with open(os.path.join(out, "mapping.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["earlier", "change", "later", "highlights"])
        for e in sorted(dests, key=lambda e: (kind[e] == "unchanged", kind[e], e)):
            for l, n in flow[e].most_common():
                w.writerow([e, kind[e], l, n])
            if kind[e] != "unchanged" or len(flow[e]) > 1:
                print(f"  {kind[e]:9} {e}: " + ", ".join(f"{n} -> {l}" for l, n in
                                                         flow[e].most_common()))
    for l in added:
        print(f"  add       {l}")
    by_kind = collections.Counter(kind.values())
    print("  changes: " + ", ".join(f"{k} {by_kind[k]}" for k in
                                    ["unchanged", "rename", "merge", "split", "delete"])
          + f", add {len(added)}  (merge counts earlier codes; "
          f"{sum(1 for l, s in sources.items() if len(s) > 1)} merge group(s))")

    # Project at T1.
    positions, how = resolve_positions(earlier, later, texts, os.path.join(
        coding, "SERDIF_P2_ThematicAnalysis.taguette.sqlite3"))
    print("\n== building T1")
    print("  highlight positions: " + ", ".join(f"{k} {v}" for k, v in how.most_common()))
    t = Tana(a.tana, project)
    t.run("-q", "init", project)
    t.run("-q", "import", *[os.path.join(tdir, f"{tr}.txt") for tr in texts])
    mark = f" [a priori: SERDIF {e_cb_name}]" if a.a_priori else ""
    with open(os.path.join(out, "outline.md"), "w", encoding="utf-8") as f:
        for r in earlier_cb:
            f.write(f"- {r['tag']}{mark}" + (f": {' '.join(r['description'].split())}"
                                       if r["description"] else "") + "\n")
    print("  " + t.run("template", "import", os.path.join(out, "outline.md")).stderr.strip())
    rows = []
    for r in earlier["rows"]:
        p = positions.get(r["id"])
        found = sc.find_folded(texts[r["transcript"]], r["content"])
        occ = found.index(p) + 1 if p and len(found) > 1 else None
        rows.append({"csv_line": r["csv_line"], "transcript": r["transcript"], "theme": r["tag"],
                     "quote": r["content"], "occurrence": occ})
    report, refused = sc.code_until_clean(a.tana, project, rows, out)
    print(f"  tana code --from: {report}; refused {len(refused)}")
    with open(os.path.join(out, "errors.txt"), "w", encoding="utf-8") as f:
        for line, msg in sorted(refused.items()):
            f.write(f"CSV line {line}: {msg}\n")
    t.run("template", "save", "T1", "--note", f"SERDIF codes as in {e_cb_name}")

    # Replay.
    print("\n== replaying the evolution")
    replay(t, earlier_cb, later_cb, dests, flow, assign, kind, sources, added, earlier,
           positions, a.absorb, l_cb_name)
    for line in t.log:
        print(line)
    open_review = [r for r in csv.DictReader(io.StringIO(
        t.run("review", "--format", "csv").stdout))]
    t.run("template", "save", "T2", "--note", f"SERDIF codes as in {l_cb_name}")
    print("  operations: " + ", ".join(f"{k} {v}" for k, v in sorted(t.ops.items())))
    print(f"  open review entries after the replay: {len(open_review)} ("
          + ", ".join(f"{k} {v}" for k, v in
                      collections.Counter(r['to do'] for r in open_review).items()) + ")")
    for p in t.problems:
        print(f"  PROBLEM: {p}")

    # Compare.
    res = compare(t, texts, earlier, later, positions, dests, assign, kind, set(refused), later_cb)
    with open(os.path.join(out, "freq.csv"), "w", encoding="utf-8") as f:
        f.write(t.run("freq", "--measure", "codings", "--format", "csv").stdout)
    cells = res["cells"]
    print(f"\n== T2 vs the study's {os.path.basename(later['path'])} / {l_cb_name}")
    print(f"  theme names: {len(later_codes) - len(res['names_missing'])}/{len(later_codes)} "
          f"present; missing {res['names_missing'] or 'none'}; extra {res['names_extra'] or 'none'}")
    print(f"  definitions differing from the later codebook: {res['defs_differ'] or 'none'}")
    print(f"  (code, transcript) cells: {len(cells)}; exact match with the later CSV's highlight "
          f"counts: {res['classes']['match']}; match after joining the later CSV's overlapping "
          f"highlights: {res['joined_ok']}")
    print(f"  totals: later CSV {sum(res['raw'].values())} highlights, tana "
          f"{sum(res['got'].values())} codings")
    for cls, n in res["classes"].most_common():
        if cls == "match":
            continue
        if cls.startswith("("):
            print(f"  {n:4} matching cell(s) only match because deletions, additions and joins cancel out")
            continue
        print(f"  {n:4} cell(s): {cls}")
        for ex in res["examples"][cls][:4]:
            print(f"         {ex}")
        if len(res["examples"][cls]) > 4:
            print(f"         ... {len(res['examples'][cls]) - 4} more")
    print("""  Notes: a highlight deleted, re-tagged or newly coded in the later iteration is a coding
  change, not a template revision, so the replay does not reproduce it; tana counts coded passages
  with overlapping codings of one theme joined (also across themes a merge unites), while the CSV
  counts highlights.""")

    print("\n== tana template diff T1 T2")
    print(t.run("template", "diff", "T1", "T2").stdout.rstrip())
    print("\n== tana template history (head)")
    hist = t.run("template", "history").stdout.splitlines()
    print("\n".join(hist[:14]))
    print("  [...]")
    start = next((n for n, line in enumerate(hist) if line == "## T2"), len(hist))
    end = next((n for n in range(start, len(hist)) if hist[n] == "Template:"), len(hist))
    print("\n".join(hist[start:end]).rstrip())
    print(f"\noutputs in {out}")
    return 1 if any("UNEXPLAINED" in c for c in res["classes"]) or t.problems else 0


if __name__ == "__main__":
    sys.exit(main())
