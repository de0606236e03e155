#!/usr/bin/env bash
# Benchmark REFI-QDA project export and re-import at scale.
#
# Usage: scripts/bench_refi.sh       (from the repository root or anywhere)
#
# Environment:
#   SIZES="200 2000"   numbers of synthetic transcripts (gen_bench.py; 50 codings each)
#   REPS=3             runs of each step; the table shows the median
#   TANA=path          binary to benchmark (default: target/release/tana,
#                      built with `cargo build --release` first)
#   KEEP=1             keep the temporary directory (its path is printed)
#
# For each N the project is built once, as in scripts/bench.sh (init, import,
# template import, code --from). Then `tana export qdpx -o study.qdpx` and
# `tana import study.qdpx -o back.tana` each run REPS times (the output is
# deleted before every run). Wall time is taken with `date +%s%N` around
# `/usr/bin/time -f %M` (peak RSS in KB). After the runs, the re-imported
# project is checked against the original: `freq --measure codings --format
# csv` and `transcripts --format csv` must be identical. The first (smallest)
# N's export is also checked with /work/shared/tools/validate-refi, if present.
# The Markdown table goes to stdout; every single run is logged on stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-"200 2000"}
REPS=${REPS:-3}
VALIDATE=${VALIDATE:-$ROOT/../shared/tools/validate-refi}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "installing /usr/bin/time (package time)..." >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench-refi.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "keeping $WORK" >&2
else
  trap 'rm -rf "$WORK"' EXIT
fi

declare -A WALL RSS   # key "step|N" -> space-separated values of all runs (us, KB)
declare -A NTX NCOD PSIZE QSIZE FREQOK TXOK
VERDICT="not run"

# measure KEY CMD...: run CMD (stdout to /dev/null), record wall us and peak RSS KB.
measure() {
  local key=$1; shift
  local tf=$WORK/time.out t0 t1 us kb
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$tf" "$@" >/dev/null
  t1=$(date +%s%N)
  us=$(( (t1 - t0) / 1000 ))
  kb=$(tail -n 1 "$tf")
  WALL[$key]="${WALL[$key]:-} $us"
  RSS[$key]="${RSS[$key]:-} $kb"
  printf '%-14s wall %9.3f s  max RSS %8d KB\n' "$key" \
    "$(awk -v u="$us" 'BEGIN{print u/1e6}')" "$kb" >&2
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
secs() { echo "${WALL[$1]}" | median | awk '{printf "%.2f", $1/1e6}'; }
mib()  { echo "${RSS[$1]}"  | median | awk '{printf "%.1f", $1/1024}'; }
bytes_mib() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1048576}'; }

first=1
for n in $SIZES; do
  data=$WORK/data-$n
  run=$WORK/run-$n
  mkdir -p "$run"
  echo "== N=$n: generating" >&2
  python3 "$ROOT/scripts/gen_bench.py" "$n" "$data"
  cd "$run"
  p=$run/bench.tana
  echo "== N=$n: building the project" >&2
  "$TANA" -q init "$p"
  "$TANA" -q --project "$p" import "$data"/*.txt
  "$TANA" -q --project "$p" template import "$data/template.md"
  "$TANA" -q --project "$p" code --from "$data/codings.csv"
  rm -rf "$data"
  PSIZE[$n]=$(stat -c %s "$p")
  "$TANA" -q --project "$p" transcripts --format csv > "$run/orig-transcripts.csv"
  "$TANA" -q --project "$p" freq --measure codings --format csv > "$run/orig-freq.csv"
  NTX[$n]=$(awk 'NR>1' "$run/orig-transcripts.csv" | wc -l)
  NCOD[$n]=$(awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="codings") c=i; next} {s+=$c} END{print s}' \
    "$run/orig-transcripts.csv")

  for r in $(seq "$REPS"); do
    rm -f "$run/study.qdpx"
    measure "export|$n" "$TANA" -q --project "$p" export qdpx -o "$run/study.qdpx"
  done
  QSIZE[$n]=$(stat -c %s "$run/study.qdpx")
  for r in $(seq "$REPS"); do
    rm -f "$run/back.tana"
    measure "import|$n" "$TANA" -q import "$run/study.qdpx" -o "$run/back.tana"
  done

  b=$run/back.tana
  if cmp -s "$run/orig-freq.csv" <("$TANA" -q --project "$b" freq --measure codings --format csv); then
    FREQOK[$n]=OK; else FREQOK[$n]=DIFF; fi
  if cmp -s "$run/orig-transcripts.csv" <("$TANA" -q --project "$b" transcripts --format csv); then
    TXOK[$n]=OK; else TXOK[$n]=DIFF; fi
  echo "N=$n: freq ${FREQOK[$n]}, transcripts ${TXOK[$n]}" >&2

  if [[ $first == 1 ]]; then
    first=0
    if [[ -x "$VALIDATE" ]]; then
      echo "== N=$n: validate-refi study.qdpx" >&2
      if out=$(cd "$run" && "$VALIDATE" study.qdpx 2>&1); then
        VERDICT="N=$n: valid ($(echo "$out" | tail -n 1 | sed 's#.*/##'))"
      else
        VERDICT="N=$n: INVALID (exit $?): $(echo "$out" | head -n 5 | tr '\n' ' ')"
      fi
      echo "$VERDICT" >&2
    else
      VERDICT="skipped ($VALIDATE not found)"
    fi
  fi
  cd "$WORK"
  rm -rf "$run"
done

# --- table -----------------------------------------------------------------------
echo "Median of $REPS runs; RSS is peak resident memory (/usr/bin/time -f %M)."
echo
echo '| N | transcripts | codings | export s | export MiB RSS | import s | import MiB RSS | qdpx MiB | project MiB | freq | transcripts |'
echo '|---|---|---|---|---|---|---|---|---|---|---|'
for n in $SIZES; do
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "${NTX[$n]}" "${NCOD[$n]}" \
    "$(secs "export|$n")" "$(mib "export|$n")" "$(secs "import|$n")" "$(mib "import|$n")" \
    "$(bytes_mib "${QSIZE[$n]}")" "$(bytes_mib "${PSIZE[$n]}")" "${FREQOK[$n]}" "${TXOK[$n]}"
done
echo
echo "validate-refi: $VERDICT"
