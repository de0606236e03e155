#!/usr/bin/env bash
# Reproducible performance benchmark for tana.
#
# Usage: scripts/bench.sh            (from the repository root or anywhere)
#
# Environment:
#   SIZES="17 200 2000"   numbers of synthetic transcripts to benchmark
#   REPS=3                runs of each step; the table shows the median
#   TANA=path             binary to benchmark (default: target/release/tana,
#                         built with `cargo build --release` first)
#   KEEP=1                keep the temporary directory (its path is printed)
#
# Each step runs under `/usr/bin/time -v` (for peak RSS); wall time is taken
# with `date +%s%N` around that call, for millisecond resolution (time -v
# only reports hundredths of a second). The stateful steps (init, import,
# template import, code) are repeated REPS times on a fresh project each
# time; the freq steps run once on each of those projects.
# The Markdown table goes to stdout; every single run is logged on stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-"17 200 2000"}
REPS=${REPS:-3}
if [[ -z "${TANA:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  TANA=$ROOT/target/release/tana
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "error: /usr/bin/time is missing; install it: apt-get update && apt-get install -y time" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tana-bench.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "keeping $WORK" >&2
else
  trap 'rm -rf "$WORK"' EXIT
fi

declare -A WALL RSS   # key "step|N" -> space-separated values of all runs

# measure KEY CMD...: run CMD (stdout to /dev/null), record wall ms and peak RSS KB.
measure() {
  local key=$1; shift
  local tf=$WORK/time.out t0 t1 ms kb
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$tf" "$@" >/dev/null
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000 ))          # microseconds, formatted below
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tf")
  WALL[$key]="${WALL[$key]:-} $ms"
  RSS[$key]="${RSS[$key]:-} $kb"
  printf '%-28s wall %8.1f ms  (time -v: %s)  max RSS %7d KB\n' "$key" \
    "$(awk -v u="$ms" 'BEGIN{print u/1000}')" \
    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tf")" "$kb" >&2
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# cell KEY: "median wall (median RSS)"
cell() {
  local us kb
  us=$(echo "${WALL[$1]}" | median)
  kb=$(echo "${RSS[$1]}" | median)
  awk -v us="$us" -v kb="$kb" 'BEGIN{
    if (us >= 1000000) w = sprintf("%.2f s", us/1e6); else w = sprintf("%.0f ms", us/1e3);
    printf "%s (%.1f MB)", w, kb/1024 }'
}

# --- synthetic studies -------------------------------------------------------
declare -A SIZE WORDS
for n in $SIZES; do
  data=$WORK/data-$n
  echo "== N=$n: generating" >&2
  python3 "$ROOT/scripts/gen_bench.py" "$n" "$data"
  WORDS[$n]=$(cat "$data"/*.txt | wc -w)
  for r in $(seq "$REPS"); do
    run=$WORK/run-$n-$r
    mkdir -p "$run"
    cd "$run"
    p=$run/bench.tana
    measure "init|$n"            "$TANA" -q init "$p"
    measure "import|$n"          "$TANA" -q --project "$p" import "$data"/*.txt
    measure "template|$n"        "$TANA" -q --project "$p" template import "$data/template.md"
    measure "code|$n"            "$TANA" -q --project "$p" code --from "$data/codings.csv"
    measure "freqcsv|$n"         "$TANA" -q --project "$p" freq --format csv
    measure "freqtable|$n"       "$TANA" -q --project "$p" freq
    measure "freqwords|$n"       "$TANA" -q --project "$p" freq --measure words --format csv
    SIZE[$n]=$(stat -c %s "$p")
    cd "$WORK"
    rm -rf "$run"
  done
  rm -rf "$data"
done

# --- demo study ----------------------------------------------------------------
demo=$WORK/demo
echo "== demo" >&2
for r in $(seq "$REPS"); do
  measure "demo|demo" "$TANA" -q demo "$demo"
done
cd "$demo"
for r in $(seq "$REPS"); do
  measure "dfreq|demo"        "$TANA" -q freq
  measure "dtemplate|demo"    "$TANA" -q template
  measure "dshow|demo"        "$TANA" -q show P03
  measure "dtranscripts|demo" "$TANA" -q transcripts
done
cd "$WORK"

# --- table -----------------------------------------------------------------------
echo "Median of $REPS runs: wall time (peak RSS)."
echo
printf '| step |'; for n in $SIZES; do printf ' N = %s |' "$n"; done; echo
printf '|---|';    for n in $SIZES; do printf -- '---|'; done; echo
printf '| words in transcripts (wc -w) |'; for n in $SIZES; do printf ' %s |' "${WORDS[$n]}"; done; echo
printf '| codings |';              for n in $SIZES; do printf ' %s |' "$((n * 50))"; done; echo
row() {
  local label=$1 step=$2
  printf '| %s |' "$label"
  for n in $SIZES; do printf ' %s |' "$(cell "$step|$n")"; done
  echo
}
row '`tana init`'                                   init
row '`tana import -q DIR/*.txt`'                    import
row '`tana template import template.md`'            template
row '`tana code --from codings.csv`'                code
row '`tana freq --format csv`'                      freqcsv
row '`tana freq` (table)'                           freqtable
row '`tana freq --measure words --format csv`'      freqwords
printf '| project file size |'
for n in $SIZES; do awk -v b="${SIZE[$n]}" 'BEGIN{printf " %.1f MB |", b/1048576}'; done
echo
echo
echo "Demo study (17 transcripts), median of $REPS runs:"
echo
echo '| command | wall time (peak RSS) |'
echo '|---|---|'
echo "| \`tana demo DIR\` | $(cell 'demo|demo') |"
echo "| \`tana freq\` | $(cell 'dfreq|demo') |"
echo "| \`tana template\` | $(cell 'dtemplate|demo') |"
echo "| \`tana show P03\` | $(cell 'dshow|demo') |"
echo "| \`tana transcripts\` | $(cell 'dtranscripts|demo') |"
