#!/usr/bin/env bash
# Real REFI-QDA readers on tana's .qdpx: pyqdpx, qdaPy and pyrefiqda, installed from PyPI into
# a throwaway venv, read the export of the demo study (two coders, memos of every kind) and
# must find every coding on its exact text, with its theme, its coder and its memo, as the
# project's SQLite file has them.
#
# Prints one line of figures per client. Fails when a client that installed reads anything
# wrong; a client that cannot be installed, or cannot open the file at all, is named in the
# output (and nothing checked with it passes silently). The one reading tana cannot change is
# reported, not failed: pyqdpx counts an emoji as two positions, as NVivo's UTF-16 offsets do
# (its simulate_nvivo_offsets), where REFI-QDA and tana count code points; each such text is
# checked to be exactly that shift.
#
# QualCoder is not on PyPI: given a checkout of its source (QUALCODER_SRC=.../QualCoder/src),
# its own REFI-QDA import (qualcoder/refi.py, RefiImport) reads the file too, headless, into a
# QualCoder database, and is checked the same way (with PyQt6, Pillow and pymupdf from PyPI,
# and Debian's libpulse0, which PyQt6 loads).
#
# Usage: scripts/check_clients.sh [SHARED_DIR]   (with ../shared, the export is also validated)
#        TANA_BIN=/path/to/tana scripts/check_clients.sh   (check another build's export)
#        QUALCODER_SRC=/path/to/QualCoder/src scripts/check_clients.sh
set -euo pipefail
shared="${1:-../shared}"
cd "$(dirname "$0")/.."
if [ -n "${TANA_BIN:-}" ]; then
    tana=$TANA_BIN
else
    cargo build --quiet
    tana="$PWD/target/debug/tana"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The demo study, coded by ana, with bea's codings beside hers and a memo of every kind.
(cd "$work" && "$tana" -q --coder ana demo demo >/dev/null)
p="$work/demo/demo.tana"
"$tana" -q --project "$p" --coder bea code --from "$work/demo/second-coder.csv"
"$tana" -q --project "$p" --coder bea memo add P02 "Interviewed by phone; the line dropped twice."
"$tana" -q --project "$p" --coder bea memo add P02:4 "Hedges on every figure."
"$tana" -q --project "$p" --coder ana memo add "theme:1.1" "Split concrete from vague targets?"
"$tana" -q --project "$p" --coder ana journal add "Second coder's pass done." --tag coding
# A second memo on a coding that has one: both must reach the readers, in order.
coding=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT min(id) FROM coding WHERE memo IS NOT NULL").fetchone()[0])' "$p")
"$tana" -q --project "$p" --coder bea memo add "coding:$coding" "bea: I read this one as a design issue."
"$tana" -q --project "$p" export qdpx -o "$work/demo.qdpx"
if [ -x "$shared/tools/validate-refi" ]; then
    "$shared/tools/validate-refi" "$work/demo.qdpx" >/dev/null 2>&1 ||
        { echo "FAIL: the export does not validate against the REFI-QDA schemas" >&2; exit 1; }
fi

# pyqdpx 0.1.8 says it runs on Python 3.8 and up, but its source uses f-strings that only
# Python 3.12 parses: take a Python 3.12 or newer when the machine has one.
python=""
for cand in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        python=$cand
        break
    fi
done
if [ -z "$python" ]; then
    python=python3
    echo "note: no Python 3.12 or newer here; pyqdpx will not import on $($python --version 2>&1)" >&2
fi
# The clients, each installed on its own so one failing does not hide the others.
"$python" -m venv "$work/venv" >/dev/null 2>&1 || { echo "FAIL: cannot create a Python venv ($python -m venv)" >&2; exit 1; }
echo "clients run on $("$work/venv/bin/python" --version 2>&1)"
"$work/venv/bin/pip" install --quiet --upgrade pip >/dev/null 2>&1 || true
installed=()
for pkg in pyqdpx qdaPy pyrefiqda; do
    if "$work/venv/bin/pip" install --quiet "$pkg" >"$work/pip-$pkg.log" 2>&1; then
        installed+=("$pkg")
    else
        echo "$pkg: NOT CHECKED: pip could not install it:" >&2
        tail -3 "$work/pip-$pkg.log" >&2
    fi
done
if [ -n "${QUALCODER_SRC:-}" ]; then
    # No window: Qt draws offscreen. PyQt6's multimedia module also wants PulseAudio's client
    # library (Debian: libpulse0) even though nothing plays.
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    if [ -f "$QUALCODER_SRC/qualcoder/refi.py" ] &&
        "$work/venv/bin/pip" install --quiet PyQt6 Pillow pymupdf >"$work/pip-qualcoder.log" 2>&1; then
        installed+=(QualCoder)
    else
        echo "QualCoder: NOT CHECKED: no qualcoder/refi.py in $QUALCODER_SRC, or PyQt6 would not install" >&2
    fi
fi
if [ ${#installed[@]} -eq 0 ]; then
    echo "FAIL: no client could be installed from PyPI; nothing was checked" >&2
    exit 1
fi

QT_QPA_PLATFORM=offscreen "$work/venv/bin/python" - "$p" "$work/demo.qdpx" "$work" "${installed[@]}" <<'PY'
import contextlib, io, importlib.metadata as md, os, sqlite3, sys, uuid

project, qdpx, work, clients = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

# What the project holds: every coding, by the guid of the selection tana writes for it
# (a reading is matched to a coding by that guid, else by source, span and theme).
db = sqlite3.connect(project)
ns = uuid.UUID(db.execute("SELECT value FROM setting WHERE key = 'project_guid'").fetchone()[0])
texts = {name: text for name, text in db.execute("SELECT name, text FROM transcript")}
memos = {}
for cid, memo in db.execute("SELECT id, memo FROM coding WHERE memo IS NOT NULL AND trim(memo) <> ''"):
    memos.setdefault(cid, []).append(memo.strip())
for cid, text in db.execute("SELECT coding_id, text FROM memo WHERE target = 'coding' ORDER BY id"):
    memos.setdefault(cid, []).append(text.strip())
expected = {}
for cid, tname, start, end, theme, coder in db.execute(
    """SELECT c.id, t.name, c.start, c.end, h.guid, k.name FROM coding c
       JOIN transcript t ON t.id = c.transcript_id JOIN theme h ON h.id = c.theme_id
       JOIN coder k ON k.id = c.coder_id"""):
    expected[str(uuid.uuid5(ns, f"selection:{cid}"))] = dict(
        source=tname, start=start, end=end, theme=theme, coder=coder,
        text=texts[tname][start:end], memo="\n\n".join(memos.get(cid, [])))
transcript_memos = {}
for tname, text in db.execute(
        "SELECT t.name, m.text FROM memo m JOIN transcript t ON t.id = m.transcript_id "
        "WHERE m.target = 'transcript' ORDER BY m.id"):
    transcript_memos.setdefault(tname, []).append(text.strip())
themes = {n for (n,) in db.execute("SELECT name FROM theme WHERE deleted_in IS NULL")}
theme_memos = [t.strip() for (t,) in db.execute("SELECT text FROM memo WHERE target = 'theme'")]
segment_memos = sorted(
    (tname, start, text.strip()) for tname, start, text in db.execute(
        """SELECT t.name, s.start, m.text FROM memo m JOIN transcript t ON t.id = m.transcript_id
           JOIN segment s ON s.transcript_id = m.transcript_id AND s.number = m.segment_number
           WHERE m.target = 'segment'"""))
attributes = {}
for tname, key, value in db.execute(
        "SELECT t.name, a.key, a.value FROM attribute a JOIN transcript t ON t.id = a.transcript_id"):
    attributes.setdefault(tname, {})[key] = value
with_memo = sum(1 for e in expected.values() if e["memo"])
coders = sorted({e["coder"] for e in expected.values()})


def pyqdpx_records():
    import pyqdpx
    from pyqdpx.pyqdpx import simulate_nvivo_offsets
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        project = pyqdpx.QDPX(qdpx).get_project()
    if project is None:
        raise RuntimeError("get_project() returned None: " + out.getvalue().strip()[:300])
    notes = [l for l in out.getvalue().splitlines() if l.strip()]
    records = []
    for src in project.sources.values():
        for sel in src.coded_selections.values():
            # pyqdpx slices a copy of the text with a zero-width space after each character
            # beyond U+FFFF (simulate_nvivo_offsets): what that shift alone would read.
            shifted = simulate_nvivo_offsets(texts.get(src.name, ""))[sel.start:sel.end]
            records.append(dict(sel=sel.guid, source=src.name, start=sel.start, end=sel.end,
                                theme=sel.code.guid, coder=sel.user.name, text=sel.text,
                                memo=sel.description or "", utf16_text=shifted))
    return records, notes, {}


def qdapy_records():
    import qdapy
    project = qdapy.read_qdpx(qdpx, warn=False)
    records = []
    for row in project.fragments.to_dict("records"):
        records.append(dict(sel=row["annotationKey"], source=row["title"],
                            start=int(row["positionStart"]), end=int(row["positionEnd"]),
                            theme=row["codeId"], coder=row["codedBy"], text=row["text"],
                            memo=row["comment"] or ""))
    extra = {"selections without a coding (empty annotations)": (len(project.uncoded), 0)}
    return records, [], extra


def pyrefiqda_records():
    from pyrefiqda import RefiProject
    where = f"{work}/pyrefiqda"
    project = RefiProject.load(qdpx, extract_dir=where)
    users = {u.guid: u.name for u in project.users.user}
    notes = {n.guid: (n.plain_text_content or "").strip() for n in (project.notes.note if project.notes else [])}
    variables = {v.guid: v.name for v in (project.variables.variable if project.variables else [])}
    records, empty, values_right = [], 0, 0
    for src in project.sources.text_source:
        with open(RefiProject.resolve_source_path(src.plain_text_path, where), encoding="utf-8", newline="") as f:
            text = f.read()
        values = {variables.get(v.variable_ref.target_guid): v.text_value for v in src.variable_value}
        values_right += values == attributes.get(src.name, {})
        for sel in src.plain_text_selection:
            if not sel.coding:
                empty += 1
            for c in sel.coding:
                records.append(dict(sel=sel.guid, source=src.name, start=sel.start_position,
                                    end=sel.end_position, theme=c.code_ref.target_guid,
                                    coder=users.get(c.creating_user, c.creating_user),
                                    text=text[sel.start_position:sel.end_position],
                                    memo=sel.description or "",
                                    note_memo="\n\n".join(notes.get(r.target_guid, "") for r in c.note_ref)))
    extra = {"selections without a coding (empty annotations)": (empty, 0),
             "sources whose VariableValues are the participant's attributes": (values_right, len(texts))}
    return records, [], extra


def qualcoder_records():
    """QualCoder's own import (RefiImport) into a fresh QualCoder database, without a window."""
    import ast, shutil
    src = os.environ["QUALCODER_SRC"]
    sys.path.insert(0, src)
    from PyQt6 import QtWidgets
    qt = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with contextlib.redirect_stdout(io.StringIO()):  # it says when python-vlc is missing
        import qualcoder  # installs gettext's _()
        from qualcoder import refi

    class Quiet:  # its message boxes, which would wait for a click
        def __init__(self, app, title, text, *a, **k):
            pass

        def exec(self):
            return 0

    refi.Message = Quiet
    where = f"{work}/qualcoder"
    os.makedirs(f"{where}/documents")
    conn = sqlite3.connect(f"{where}/data.qda")
    # The tables QualCoder makes for a new project, as its __main__.py creates them.
    main = ast.parse(open(f"{src}/qualcoder/__main__.py", encoding="utf-8").read())
    for n in ast.walk(main):
        if (isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant)
                and isinstance(n.args[0].value, str)
                and n.args[0].value.strip().upper().startswith("CREATE TABLE")):
            try:
                conn.execute(n.args[0].value)
            except sqlite3.OperationalError:
                pass

    class App:
        pass

    app = App()
    app.conn, app.project_path, app.ai_models = conn, where, []
    app.settings = {"codername": "default", "directory": where, "ai_enable": "False"}
    app.write_config_ini = lambda *a, **k: None

    class Log:
        lines = []

        def append(self, s):
            self.lines.append(str(s))

    copy = f"{where}/in.qdpx"
    shutil.copy(qdpx, copy)
    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (copy, True))
    with contextlib.redirect_stdout(io.StringIO()):
        importer = refi.RefiImport(app, Log(), "qdpx")
    guid = {c["cid"]: c["guid"] for c in importer.codes}
    records = [dict(sel=None, source=s, start=p0, end=p1, theme=guid.get(cid), coder=owner,
                    text=seltext, memo=(memo or "").strip())
               for s, p0, p1, cid, owner, memo, seltext in conn.execute(
                   """SELECT s.name, c.pos0, c.pos1, c.cid, c.owner, c.memo, c.seltext
                      FROM code_text c JOIN source s ON s.id = c.fid""")]
    annotations = sorted((s, p0, (m or "").strip()) for s, p0, m in conn.execute(
        "SELECT s.name, a.pos0, a.memo FROM annotation a JOIN source s ON s.id = a.fid"))
    documents = sum(1 for name, memo in conn.execute("SELECT name, memo FROM source")
                    if (memo or "") == "\n\n".join(transcript_memos.get(name, [])))
    files = {}
    for s, k, v in conn.execute("""SELECT s.name, a.name, a.value FROM attribute a
                                   JOIN attribute_type t ON t.name = a.name AND t.caseOrFile = 'file'
                                   JOIN source s ON s.id = a.id WHERE a.attr_type = 'file'"""):
        files.setdefault(s, {})[k] = v
    names = [n for (n,) in conn.execute("SELECT name FROM code_name")]
    extra = {"codes named as the themes": (sum(1 for n in names if n in themes), len(themes)),
             "codes without a name": (sum(1 for n in names if not n), 0),
             "theme memos in their code's memo": (
                 sum(1 for (m,) in conn.execute("SELECT memo FROM code_name")
                     if m and any(t in m for t in theme_memos)), len(theme_memos)),
             "segment memos as annotations at their segment": (int(annotations == segment_memos), 1),
             "documents whose memo is the transcript's memos": (documents, len(texts)),
             "documents whose file attributes are the participant's": (
                 sum(files.get(t, {}) == attributes.get(t, {}) for t in texts), len(texts))}
    return records, [], extra


def version_of(name):
    if name == "QualCoder":
        import re
        pkg = os.path.join(os.environ["QUALCODER_SRC"], "qualcoder")
        for f in sorted(os.listdir(pkg)):
            if f.endswith(".py"):
                found = re.search(r'"QualCoder (\d[^"]*)"', open(os.path.join(pkg, f), encoding="utf-8").read())
                if found:
                    return found.group(1)
        return "(version unknown)"
    return md.version(name)


readers = {"pyqdpx": pyqdpx_records, "qdaPy": qdapy_records, "pyrefiqda": pyrefiqda_records,
           "QualCoder": qualcoder_records}
print(f"tana's export of the demo study: {len(expected)} codings by {', '.join(coders)}, "
      f"{with_memo} with a memo, in {len(texts)} transcripts")
failed = False
for name in clients:
    version = version_of(name)
    try:
        records, warnings, extra = readers[name]()
    except Exception as e:  # the client cannot read the file at all
        print(f"FAIL {name} {version}: cannot read the .qdpx: {type(e).__name__}: {e}")
        failed = True
        continue
    found, rest, taken = [], [], set()
    for r in records:
        if r["sel"] in expected and r["sel"] not in taken:
            taken.add(r["sel"])
            found.append((r, expected[r["sel"]]))
        else:
            rest.append(r)
    # Not by guid: the coding of the same source, span and theme, the same coder's first.
    by_span = {}
    for g, e in expected.items():
        if g not in taken:
            by_span.setdefault((e["source"], e["start"], e["end"], e["theme"]), []).append(g)
    strays = 0
    for r in rest:
        cands = by_span.get((r["source"], r["start"], r["end"], r["theme"]), [])
        cands.sort(key=lambda g: expected[g]["coder"] != r["coder"])
        if cands:
            g = cands.pop(0)
            found.append((r, expected[g]))
        else:
            strays += 1
    read = len(found)
    same = lambda key: sum(1 for r, e in found if r[key] == e[key])
    text_ok, coder_ok, theme_ok = same("text"), same("coder"), same("theme")
    span_ok = sum(1 for r, e in found if (r["start"], r["end"], r["source"]) == (e["start"], e["end"], e["source"]))
    memo_ok = same("memo")
    memos_read = sum(1 for r, e in found if e["memo"] and r["memo"] == e["memo"])
    # pyqdpx's UTF-16 counting: a text that differs only by that shift is its limitation.
    shifted = sum(1 for r, e in found if r["text"] != e["text"] and r.get("utf16_text") == r["text"])
    figures = [f"codings read {read}/{len(expected)}", f"spans {span_ok}/{read}",
               f"text {text_ok}/{read}", f"theme {theme_ok}/{read}", f"coder {coder_ok}/{read}",
               f"memo {memo_ok}/{read} ({memos_read}/{with_memo} memos)"]
    if "note_memo" in (records[0] if records else {}):
        figures.append(f"memo via notes {sum(1 for r, e in found if r['note_memo'] == e['memo'])}/{read}")
    wrong = (read != len(expected) or len(found) != read or strays or span_ok != read
             or text_ok + shifted != read or coder_ok != read or theme_ok != read or memo_ok != read
             or ("note_memo" in (records[0] if records else {})
                 and any(r["note_memo"] != e["memo"] for r, e in found)))
    for what, (got, want) in extra.items():
        figures.append(f"{what} {got}" + (f"/{want}" if want else ""))
        wrong |= got != want
    if strays:
        figures.append(f"{strays} read that are no coding of the project")
    print(f"{'FAIL' if wrong else 'ok  '} {name} {version}: " + ", ".join(figures))
    if shifted:
        print(f"     {name}: {shifted} text(s) read shifted by pyqdpx's own UTF-16 counting (an emoji counts two "
              f"there, one in REFI-QDA and tana): a limitation of {name}, checked to be exactly that shift")
    if warnings:
        print(f"     {name} printed {len(warnings)} warning(s), e.g.: {warnings[0][:160]}")
    failed |= wrong
sys.exit(1 if failed else 0)
PY
