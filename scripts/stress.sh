#!/usr/bin/env bash
# Reliability under load and under kill -9 (issue 9). Runs outside `cargo test`.
#
#   1. Four coders at once: 4 processes x N `tana code` commands (default 1000) on one project,
#      then 4 concurrent `tana code --from` batches of 10,000 rows. Counts the commands that
#      failed and checks that every coding is there afterwards.
#   2. kill -9 loops: KILLS kills each (default 100) during `tana import`, `tana code --from`,
#      `tana theme merge` and a `.qdpx` import, at random moments. After every kill the project
#      must pass `tana check` and be wholly as before the command or wholly as after it.
#   3. A full disk (a small tmpfs; needs root): a write that does not fit is an error, never a
#      silent exit, and the project stays readable.
#
# Usage: scripts/stress.sh [--quick]   (--quick: 200 code commands per process, 20 kills each)
# Env:   TANA=path/to/tana (default: a release build), N, KILLS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
KILLS=${KILLS:-100}
if [[ "${1:-}" == "--quick" ]]; then
    N=200
    KILLS=20
fi
if [[ -z "${TANA:-}" ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    TANA=$ROOT/target/release/tana
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-stress.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TANA_CODER=stress
status=0
fail() {
    echo "FAIL: $*" >&2
    status=1
}

# A study of T transcripts with S turns each, and a flat template of 8 themes.
make_study() {
    local dir=$1 t=$2 s=$3
    mkdir -p "$dir"
    python3 - "$dir" "$t" "$s" <<'PY'
import os, random, sys
d, t, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
words = "target slogan training customer recycling dashboard trust supplier carbon report".split()
for i in range(1, t + 1):
    with open(os.path.join(d, f"T{i:04d}.txt"), "w") as f:
        for j in range(s):
            who = "Interviewer" if j % 2 == 0 else f"P{i}"
            f.write(f"{who}: " + " ".join(random.choice(words) for _ in range(25)) + ".\n\n")
with open(os.path.join(d, "template.md"), "w") as f:
    for k in range(1, 9):
        f.write(f"- Theme {k}\n")
PY
}

# A new project at $1 with the transcripts $3... and the template of study folder $2.
new_project() {
    local p=$1 dir=$2
    shift 2
    "$TANA" -q init "$p"
    "$TANA" -q --project "$p" import "$@"
    "$TANA" -q --project "$p" template import "$dir/template.md"
}

count() { # codings in a project, read with Python's own SQLite, not with tana
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM coding").fetchone()[0])' "$1"
}

echo "== 1. four coders at once ($N tana code commands each)"
P="$WORK/coders.tana"
make_study "$WORK/coders" 20 50
new_project "$P" "$WORK/coders" "$WORK"/coders/T*.txt
start=$(date +%s.%N)
for k in 1 2 3 4; do
    (
        errors=0
        for ((i = 0; i < N; i++)); do
            t=$(( i % 20 + 1 )); s=$(( (i / 20) % 50 + 1 ))
            if ! TANA_CODER="coder$k" "$TANA" -q --project "$P" code "$(printf 'T%04d' $t)" $s "Theme $k" 2>>"$WORK/errors.$k"; then
                errors=$((errors + 1))
            fi
        done
        echo "$errors" > "$WORK/failed.$k"
    ) &
done
wait
secs=$(echo "$(date +%s.%N) - $start" | bc)
failed=$(cat "$WORK"/failed.* | awk '{ n += $1 } END { print n }')
distinct=$(( N < 1000 ? N : 1000 ))
expected=$(( 4 * distinct ))
have=$(count "$P")
echo "4 x $N tana code: $failed failed, ${secs}s; codings present: $have of $expected"
[ "$failed" -eq 0 ] || { fail "$failed tana code commands failed:"; sort "$WORK"/errors.* | uniq -c | head -5 >&2; }
[ "$have" -eq "$expected" ] || fail "expected $expected codings, found $have"
"$TANA" -q --project "$P" check > /dev/null || fail "tana check after concurrent coding"

echo "== 1b. four concurrent code --from batches of 10,000 rows"
P="$WORK/batches.tana"
make_study "$WORK/batches" 100 100
new_project "$P" "$WORK/batches" "$WORK"/batches/T*.txt
for k in 1 2 3 4; do
    python3 - "$WORK/batch$k.csv" "$k" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("transcript,segment,theme\n")
    for t in range(1, 101):
        for s in range(1, 101):
            f.write(f"T{t:04d},{s},Theme {sys.argv[2]}\n")
PY
done
start=$(date +%s.%N)
for k in 1 2 3 4; do
    ( if TANA_CODER="coder$k" "$TANA" -q --project "$P" code --from "$WORK/batch$k.csv" 2>"$WORK/batch-err.$k"; then echo 0; else echo 1; fi > "$WORK/batch-failed.$k" ) &
done
wait
secs=$(echo "$(date +%s.%N) - $start" | bc)
failed=$(cat "$WORK"/batch-failed.* | awk '{ n += $1 } END { print n }')
have=$(count "$P")
echo "4 x code --from 10,000 rows: $failed failed, ${secs}s; codings present: $have of 40000"
[ "$failed" -eq 0 ] || { fail "$failed batches failed:"; cat "$WORK"/batch-err.* >&2; }
[ "$have" -eq 40000 ] || fail "expected 40000 codings, found $have"

echo "== 1c. backups while two coders write"
P="$WORK/coders.tana"
( for ((i = 0; i < N; i++)); do TANA_CODER=w1 "$TANA" -q --project "$P" code "$(printf 'T%04d' $(( i % 20 + 1 )))" $(( (i / 20) % 50 + 1 )) "Theme 5" || true; done ) &
w1=$!
( for ((i = 0; i < N; i++)); do TANA_CODER=w2 "$TANA" -q --project "$P" uncode "$(printf 'T%04d' $(( i % 20 + 1 )))" $(( (i / 20) % 50 + 1 )) "Theme 5" 2>/dev/null || true; done ) &
w2=$!
backups=0; bad=0
mkdir -p "$WORK/backups"
while kill -0 $w1 2>/dev/null && [ $backups -lt $(( N / 4 )) ]; do
    b="$WORK/backups/b$backups.tana"
    if "$TANA" -q --project "$P" backup "$b" && "$TANA" -q --project "$b" check > /dev/null; then
        :
    else
        bad=$((bad + 1))
    fi
    rm -f "$b"
    backups=$((backups + 1))
done
wait $w1 $w2
echo "$backups backups taken during writes: $bad failed or did not pass tana check"
[ "$bad" -eq 0 ] || fail "$bad backups failed"

echo "== 2. kill -9 during writes ($KILLS kills each)"
# A fingerprint of the project: what reports show, and the length of the change log.
fingerprint() {
    python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
h = hashlib.md5()
for sql in [
    "SELECT id, name, length(text), chars, words FROM transcript ORDER BY id",
    "SELECT id, transcript_id, number, start, end FROM segment ORDER BY id",
    "SELECT id, parent_id, position, name, deleted_in FROM theme ORDER BY id",
    "SELECT id, transcript_id, theme_id, start, end, coder_id FROM coding ORDER BY id",
    "SELECT id, op FROM revision ORDER BY id",
    "SELECT count(*) FROM revision_row",
    "SELECT count(*) FROM coding_archive",
]:
    for row in db.execute(sql):
        h.update(repr(row).encode())
print(h.hexdigest())
PY
}
make_study "$WORK/kill" 40 60
base="$WORK/kill-base.tana"
new_project "$base" "$WORK/kill" "$WORK"/kill/T000*.txt
python3 - "$WORK/kill-codes.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("transcript,segment,theme\n")
    for t in range(1, 10):
        for s in range(1, 61):
            f.write(f"T{t:04d},{s},Theme {1 + (t + s) % 4}\n")
PY
"$TANA" -q --project "$base" code --from "$WORK/kill-codes.csv"
"$TANA" -q --project "$base" export qdpx -o "$WORK/kill.qdpx"
kill_loop() {
    local name=$1; shift
    local before after p="$WORK/k.tana" outcomes_before=0 outcomes_after=0 corrupt=0 other=0
    rm -f "$p" "$p"-wal "$p"-shm
    cp "$base" "$p"
    before=$(fingerprint "$p")
    local t0 t1 ms
    t0=$(date +%s%N)
    "$TANA" -q --project "$p" "$@" > /dev/null 2>&1 || { fail "$name: the command itself failed"; return; }
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 + 1 ))
    after=$(fingerprint "$p")
    local i
    for ((i = 0; i < KILLS; i++)); do
        rm -f "$p" "$p"-wal "$p"-shm
        cp "$base" "$p"
        "$TANA" -q --project "$p" "$@" > /dev/null 2>&1 &
        local pid=$!
        # A random moment within the command's run (it takes about $ms ms).
        sleep "$(awk -v r=$RANDOM -v ms=$ms 'BEGIN { printf "%.3f", (r / 32768) * ms / 1000 }')"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if ! "$TANA" -q --project "$p" check > /dev/null 2>&1; then
            corrupt=$((corrupt + 1))
            continue
        fi
        local now
        now=$(fingerprint "$p")
        if [ "$now" == "$before" ]; then
            outcomes_before=$((outcomes_before + 1))
        elif [ "$now" == "$after" ]; then
            outcomes_after=$((outcomes_after + 1))
        else
            other=$((other + 1))
        fi
    done
    echo "$name (${ms} ms): $KILLS kills: $corrupt damaged, $outcomes_before wholly before, $outcomes_after wholly after, $other in between"
    [ "$corrupt" -eq 0 ] || fail "$name: $corrupt damaged projects"
    [ "$other" -eq 0 ] || fail "$name: $other projects in between"
}
kill_loop "import of 50 transcripts" import "$WORK"/batches/T00[5-9]*.txt
kill_loop "theme merge" theme merge "Theme 1" "Theme 2" --into "Theme 3"
# code --from needs the transcripts the batch names: the big study.
base="$WORK/batches-base.tana"
new_project "$base" "$WORK/batches" "$WORK"/batches/T00[0-4]*.txt "$WORK"/batches/T0050.txt
head -5001 "$WORK/batch1.csv" > "$WORK/batch-half.csv"
kill_loop "code --from 5,000 rows" code --from "$WORK/batch-half.csv"

# A .qdpx import makes a new project: after a kill it is absent or whole, and no temporary
# file of the killed import stays in the folder once the next import has run.
corrupt=0; absent=0; whole=0
mkdir -p "$WORK/q"
t0=$(date +%s%N)
"$TANA" -q import "$WORK/kill.qdpx" -o "$WORK/q/timing.tana" > /dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 + 1 ))
rm -f "$WORK/q/timing.tana"
for ((i = 0; i < KILLS; i++)); do
    rm -rf "$WORK/q"/* "$WORK/q"/.[!.]* 2>/dev/null || true
    "$TANA" -q import "$WORK/kill.qdpx" -o "$WORK/q/new.tana" > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v r=$RANDOM -v ms=$ms 'BEGIN { printf "%.3f", (r / 32768) * ms / 1000 }')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -f "$WORK/q/new.tana" ]; then
        if "$TANA" -q --project "$WORK/q/new.tana" check > /dev/null 2>&1; then
            whole=$((whole + 1))
        else
            corrupt=$((corrupt + 1))
        fi
    else
        absent=$((absent + 1))
    fi
done
"$TANA" -q import "$WORK/kill.qdpx" -o "$WORK/q/again.tana" > /dev/null 2>&1 || true
left=$(find "$WORK/q" -mindepth 1 -not -name 'new.tana*' -not -name 'again.tana*' | wc -l)
echo ".qdpx import (${ms} ms): $KILLS kills: $corrupt damaged, $absent absent, $whole whole; $left temporary file(s) left after the next import"
[ "$corrupt" -eq 0 ] || fail ".qdpx import: $corrupt damaged projects"

echo "== 3. a full disk"
if [ "$(id -u)" -eq 0 ] && mkdir -p "$WORK/mnt" && mount -t tmpfs -o size=3m tmpfs "$WORK/mnt" 2>/dev/null; then
    cp "$WORK/kill-base.tana" "$WORK/mnt/full.tana"
    before=$(fingerprint "$WORK/mnt/full.tana")
    if "$TANA" -q --project "$WORK/mnt/full.tana" import "$WORK"/batches/T00[5-9]*.txt 2> "$WORK/full.err"; then
        fail "an import onto a full disk exited 0"
    fi
    echo "import onto a full disk: exit non-zero: $(head -1 "$WORK/full.err")"
    "$TANA" -q --project "$WORK/mnt/full.tana" check > /dev/null || fail "project damaged after a full disk"
    now=$(fingerprint "$WORK/mnt/full.tana")
    [ "$now" == "$before" ] || echo "(the change was kept in the -wal file beside the project)"
    umount "$WORK/mnt"
else
    echo "skipped: mounting a small tmpfs needs root"
fi

exit $status
