#!/usr/bin/env bash
# Batch benchmark of `cramplab analyze` against the decode floor (bare
# rustyfit + quick-xml), the fitparser/gpx crates, and the Python pipeline
# people write today (fitdecode or garmin-fit-sdk, gpxpy, pandas). Builds
# release, simulates a history, times every contender on the same files in
# alternating rounds (median), measures peak memory at two history sizes,
# and writes BENCHMARKS.md. See BENCHMARKS.md for how to read the result.
#
#   bash bench/batch.sh [--runs N] [--rounds R] [--py-files M] [--mem-runs K]
#
#   --runs N       runs in the simulated history (default 1000)
#   --rounds R     timing rounds, contenders alternated (default 3)
#   --py-files M   the Python pipeline reads only the first M activity files
#                  (sorted) and is scaled per byte; 0 = all (default 100)
#   --mem-runs K   second history size for the peak-memory check (default 5000;
#                  0 skips it)
#   --cohort-runners C  runners in the simulated cohort (default 200; 0 skips the
#                  cohort case)
#   --cohort-runs N  runs per runner in the cohort (default 50)
#   --out FILE     where the report goes (default BENCHMARKS.md)
set -euo pipefail

RUNS=1000
ROUNDS=3
PY_FILES=100
MEM_RUNS=5000
OUT_MD=BENCHMARKS.md
COHORT_RUNNERS=200
COHORT_RUNS=50
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --py-files) PY_FILES=$2; shift 2 ;;
    --mem-runs) MEM_RUNS=$2; shift 2 ;;
    --cohort-runners) COHORT_RUNNERS=$2; shift 2 ;;
    --cohort-runs) COHORT_RUNS=$2; shift 2 ;;
    --out) OUT_MD=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=bench/out
mkdir -p "$OUT"
SEED=1
EFFECT=0.7

[ -x /usr/bin/time ] || { echo "installing GNU time" >&2; apt-get install -y time >/dev/null; }

echo "== build (release)" >&2
cargo build --release --quiet --bin cramplab --example decode_floor --example decode_fitparser
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/cramplab
EX=$TARGET/release/examples

echo "== Python venv" >&2
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install --quiet fitdecode garmin-fit-sdk gpxpy pandas
PY=bench/.venv/bin/python

# simulate N runs into DIR unless it already holds exactly that simulation
simulate() {
  local n=$1 dir=$2 stamp="$2/.bench-stamp" want="runs=$1 seed=$SEED effect=$EFFECT formats=fit,gpx"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  echo "== simulate $n runs into $dir" >&2
  rm -rf "$dir"
  "$BIN" simulate --out "$dir" --runs "$n" --seed "$SEED" --effect "$EFFECT" --formats fit,gpx >&2
  echo "$want" > "$stamp"
}

HIST=$OUT/history
simulate "$RUNS" "$HIST"

mapfile -t ALL_FILES < <(find "$HIST" -maxdepth 1 -type f \( -name '*.fit' -o -name '*.gpx' -o -name '*.gz' \) | sort)
NFILES=${#ALL_FILES[@]}
BYTES=$(cat "${ALL_FILES[@]}" | wc -c)
FIT_BYTES=$(find "$HIST" -maxdepth 1 -name '*.fit' -print0 | xargs -0 cat | wc -c)
NFIT=$(find "$HIST" -maxdepth 1 -name '*.fit' | wc -l)
if [ "$PY_FILES" -eq 0 ] || [ "$PY_FILES" -gt "$NFILES" ]; then PY_FILES=$NFILES; fi
PY_BYTES=$(cat "${ALL_FILES[@]:0:$PY_FILES}" | wc -c)

# contender name -> command (the Python ones read the first PY_FILES files)
declare -A CMD=(
  [analyze_j1]="$BIN analyze --json -q -j 1 $HIST"
  [analyze_j2]="$BIN analyze --json -q -j 2 $HIST"
  [analyze_stage_j1]="$BIN analyze --json -q -j 1 --bootstrap 0 --permutations 0 --power-sims 0 $HIST"
  [decode_floor]="$EX/decode_floor $HIST"
  [fitparser_gpx]="$EX/decode_fitparser $HIST"
  [py_fitdecode]="$PY bench/peers/python_pipeline.py $HIST --fit-lib fitdecode --limit $PY_FILES"
  [py_garmin]="$PY bench/peers/python_pipeline.py $HIST --fit-lib garmin --limit $PY_FILES"
  [py_startup]="$PY -c import\ fitdecode,garmin_fit_sdk,gpxpy,pandas"
)
ORDER=(analyze_j1 decode_floor py_fitdecode analyze_j2 fitparser_gpx py_garmin analyze_stage_j1 py_startup)

LOG=$OUT/times.tsv
: > "$LOG"
for r in $(seq 1 "$ROUNDS"); do
  # rotate the order each round so no contender always runs first
  n=${#ORDER[@]}
  for i in $(seq 0 $((n - 1))); do
    name=${ORDER[$(((i + r - 1) % n))]}
    echo "== round $r: $name" >&2
    /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.$name" bash -c "exec ${CMD[$name]}" > "$OUT/stdout.$name" 2> "$OUT/stderr.$name" || true
    # -o file may hold "Command exited with non-zero status" first; keep the last line
    echo -e "$r\t$name\t$(tail -n 1 "$OUT/time.$name")" >> "$LOG"
  done
done

# median seconds and median peak KB per contender
med() { # name column (3 = wall s, 4 = peak KB, 5 = CPU s, user + system)
  awk -F'\t' -v n="$1" -v c="$2" '$2==n { split($3, a, " "); print (c==3 ? a[1] : c==4 ? a[2] : a[3] + a[4]) }' "$LOG" |
    sort -g | awk '{ v[NR]=$1 } END { if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'
}

echo "== peak memory" >&2
MEM1=$(med analyze_j2 4)
MEM2=""
if [ "$MEM_RUNS" -gt 0 ]; then
  HIST2=$OUT/history-$MEM_RUNS
  simulate "$MEM_RUNS" "$HIST2"
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.mem2" "$BIN" analyze --json -q -j 2 "$HIST2" > /dev/null 2> "$OUT/stderr.mem2" || true
  MEM2_LINE=$(tail -n 1 "$OUT/time.mem2")
  read -r MEM2_S MEM2 _ <<< "$MEM2_LINE"
fi

# The cohort case (docs/METHOD.md §5): C runners × N runs analysed as a
# cohort and, the same files, as one runner's batch; alternated, median of
# the rounds; peak memory of the cohort run.
COHORT_SECTION=""
if [ "$COHORT_RUNNERS" -gt 0 ]; then
  COH=$OUT/cohort
  want="runners=$COHORT_RUNNERS runs=$COHORT_RUNS seed=$SEED effect=$EFFECT formats=fit,gpx"
  if [ ! -f "$COH/.bench-stamp" ] || [ "$(cat "$COH/.bench-stamp")" != "$want" ]; then
    echo "== simulate a cohort of $COHORT_RUNNERS runners x $COHORT_RUNS runs" >&2
    rm -rf "$COH"
    "$BIN" simulate --out "$COH" --runners "$COHORT_RUNNERS" --runs "$COHORT_RUNS" --seed "$SEED" \
      --effect "$EFFECT" --effect-sd 0.2 --confound-runners --formats fit,gpx --quiet >&2
    echo "$want" > "$COH/.bench-stamp"
  fi
  COH_FILES=$(find "$COH" -type f \( -name '*.fit' -o -name '*.gpx' -o -name '*.gz' \) | wc -l)
  COH_BYTES=$(find "$COH" -type f \( -name '*.fit' -o -name '*.gpx' -o -name '*.gz' \) -print0 | xargs -0 cat | wc -c)
  : > "$OUT/cohort.tsv"
  for r in $(seq 1 "$ROUNDS"); do
    for name in cohort single; do
      if [ "$name" = cohort ]; then args=(--cohort "$COH"); else args=("$COH"); fi
      echo "== cohort round $r: $name" >&2
      /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.c$name" "$BIN" analyze --json -q "${args[@]}" > "$OUT/stdout.c$name" 2> "$OUT/stderr.c$name" || true
      echo -e "$r\t$name\t$(tail -n 1 "$OUT/time.c$name")" >> "$OUT/cohort.tsv"
    done
  done
  cmed() { awk -F'\t' -v n="$1" -v c="$2" '$2==n { split($3, a, " "); print (c==3 ? a[1] : c==4 ? a[2] : a[3] + a[4]) }' "$OUT/cohort.tsv" |
    sort -g | awk '{ v[NR]=$1 } END { if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }
  CS=$(cmed cohort 3); SS=$(cmed single 3); CKB=$(cmed cohort 4); SKB=$(cmed single 4)
  CFPS=$(awk -v f="$COH_FILES" -v s="$CS" 'BEGIN { printf "%.0f", f / s }')
  SFPS=$(awk -v f="$COH_FILES" -v s="$SS" 'BEGIN { printf "%.0f", f / s }')
  CR=$(awk -v a="$SS" -v b="$CS" 'BEGIN { printf "%.2f", a / b }')
  CRUN=$(python3 -c "import json; d=json.load(open('$OUT/stdout.ccohort')); print(len(d['runners']), len(d['cramps']), d['meta']['k'])" 2>/dev/null || echo "? ? ?")
  COHORT_SECTION=$(
    echo "## Many runners"
    echo
    echo "Cohort: \`cramplab simulate --runners $COHORT_RUNNERS --runs $COHORT_RUNS --seed $SEED --effect $EFFECT --effect-sd 0.2 --confound-runners --formats fit,gpx\`:"
    echo "$COH_FILES activity files, $((COH_BYTES / 1000000)) MB (runners, cramps, runners in the meta-analysis: $CRUN)."
    echo "The same files analysed as a cohort (\`analyze --json --cohort\`: each runner's own batch and comparison, then the pooled and between-runner analyses)"
    echo "and as one runner's batch (\`analyze --json\` on the folder); medians of $ROUNDS alternated rounds, default threads."
    echo
    echo "| run | wall s | files/s | peak MB |"
    echo "|---|---:|---:|---:|"
    echo "| analyze --cohort | $CS | $CFPS | $((CKB / 1024)) |"
    echo "| analyze (one runner, same files) | $SS | $SFPS | $((SKB / 1024)) |"
    echo
    echo "| target | measured | |"
    echo "|---|---:|---|"
    echo "| cohort files/s ≥ 0.9x the single-runner batch | ${CR}x | $(awk -v v="$CR" 'BEGIN { print (v >= 0.9 ? "**met**" : "**not met**") }') |"
    echo "| cohort peak memory ≤ 512 MB | $((CKB / 1024)) MB | $(awk -v v="$((CKB / 1024))" 'BEGIN { print (v <= 512 ? "**met**" : "**not met**") }') |"
  )
fi

NPROC=$(nproc)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
DATE=$(date -u +'%Y-%m-%d %H:%M UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

T_J1=$(med analyze_j1 3)
T_J2=$(med analyze_j2 3)
PY_START=$(med py_startup 3)
C_J1=$(med analyze_j1 5)
PY_START_CPU=$(med py_startup 5)
# rows: label, contender, files read, bytes read, scale (per-byte extrapolation to the whole history)
row() { # label name files bytes note
  local s kb mbs rps full ratio ratio2 cpu cpufull cpuratio
  s=$(med "$2" 3); kb=$(med "$2" 4); cpu=$(med "$2" 5)
  mbs=$(awk -v b="$4" -v s="$s" 'BEGIN { printf "%.1f", b / 1e6 / s }')
  rps=$(awk -v f="$3" -v s="$s" 'BEGIN { printf "%.1f", f / s }')
  # the interpreter's start-up is paid once; only the rest scales with bytes
  local fixed=0 fixed_cpu=0
  case "$2" in py_*) fixed=$PY_START; fixed_cpu=$PY_START_CPU ;; esac
  full=$(awk -v s="$s" -v b="$4" -v B="$BYTES" -v f="$fixed" 'BEGIN { printf "%.2f", f + (s - f) * B / b }')
  ratio=$(awk -v f="$full" -v t="$T_J1" 'BEGIN { printf "%.2f", f / t }')
  ratio2=$(awk -v f="$full" -v t="$T_J2" 'BEGIN { printf "%.2f", f / t }')
  cpufull=$(awk -v s="$cpu" -v b="$4" -v B="$BYTES" -v f="$fixed_cpu" 'BEGIN { printf "%.2f", f + (s - f) * B / b }')
  cpuratio=$(awk -v f="$cpufull" -v t="$C_J1" 'BEGIN { printf "%.2f", f / t }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %sx | %sx | %s | %sx |\n' "$1" "$3" "$s" "$full" "$mbs" "$rps" "$((kb / 1024))" "$ratio" "$ratio2" "$cpufull" "$cpuratio"
}

TABLE=$(
  echo "| contender | files read | wall s (median) | wall s for all $NFILES files | MB/s | files/s | peak MB | wall ÷ analyze -j 1 | wall ÷ analyze -j $NPROC (default) | CPU s for all files | CPU ÷ analyze -j 1 |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row "cramplab analyze --json -j 1" analyze_j1 "$NFILES" "$BYTES"
  row "cramplab analyze --json -j 2" analyze_j2 "$NFILES" "$BYTES"
  row "cramplab analyze -j 1, statistics off (per-file stage)" analyze_stage_j1 "$NFILES" "$BYTES"
  row "decode floor: bare rustyfit + quick-xml events" decode_floor "$NFILES" "$BYTES"
  row "fitparser + gpx crates" fitparser_gpx "$NFILES" "$BYTES"
  row "Python: fitdecode + gpxpy + pandas" py_fitdecode "$PY_FILES" "$PY_BYTES"
  row "Python: garmin-fit-sdk + gpxpy + pandas" py_garmin "$PY_FILES" "$PY_BYTES"
)

# per-format split of the two decoders (their own in-process timers, last round)
split_of() { awk -v f="$2" '$1==f":" { printf "%s s for %.1f MB", $9, $5/1e6 }' "$OUT/stdout.$1"; }

{
  echo "<!-- written by bench/batch.sh; regenerate, do not edit the table by hand -->"
  echo "# Benchmarks"
  echo
  echo "Command: \`bash bench/batch.sh --runs $RUNS --rounds $ROUNDS --py-files $PY_FILES --mem-runs $MEM_RUNS --cohort-runners $COHORT_RUNNERS --cohort-runs $COHORT_RUNS\`"
  echo
  echo "Machine: $NPROC cores, $CPU; load average at the end $LOAD (shared with other"
  echo "builds, so absolute times are noisy; ratios come from one run with the"
  echo "contenders alternated). Date: $DATE, commit $COMMIT."
  echo
  echo "History: \`cramplab simulate --runs $RUNS --seed $SEED --effect $EFFECT --formats fit,gpx\`:"
  echo "$NFILES activity files ($NFIT FIT, the rest GPX with heart rate), $((BYTES / 1000000)) MB,"
  echo "35–95 min runs, FIT at 1 Hz or smart recording, tagged cramps in cramps.csv and GPX waypoints."
  echo
  echo "Medians of $ROUNDS rounds; wall time, peak RSS and CPU time (user + system) by"
  echo "\`/usr/bin/time -f \"%e %M %U %S\"\`. CPU time is what a contender costs when it gets"
  echo "a core to itself; on a loaded machine it is the steadier number."
  echo "\"Statistics off\" is \`--bootstrap 0 --permutations 0 --power-sims 0\`: the per-file"
  echo "stage (read, timeline, windows, placebo moments) plus the light part of the aggregation."
  if [ "$PY_FILES" -lt "$NFILES" ]; then
    echo "The Python pipelines read only the first $PY_FILES files ($((PY_BYTES / 1000000)) MB); their"
    echo "\"s for all files\" is their interpreter start-up and imports (${PY_START} s, timed"
    echo "alone) plus the rest scaled by bytes; the ratio uses that scaled time."
  fi
  echo
  echo "$TABLE"
  echo
  echo "Per format, in-process timers of the decoders (last round):"
  echo "decode floor FIT $(split_of decode_floor fit), GPX $(split_of decode_floor gpx);"
  echo "fitparser FIT $(split_of fitparser_gpx fit), gpx crate GPX $(split_of fitparser_gpx gpx)."
  echo
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  verdict() { awk -v v="$1" -v t="$2" -v d="$3" 'BEGIN { ok = (d == "le") ? (v <= t) : (v >= t); print (ok ? "**met**" : "**not met**") }'; }
  FLOOR_S=$(med decode_floor 3); STAGE_S=$(med analyze_stage_j1 3)
  FP_S=$(med fitparser_gpx 3); PYF_S=$(med py_fitdecode 3); PYG_S=$(med py_garmin 3)
  PYF_FULL=$(awk -v s="$PYF_S" -v f="$PY_START" -v b="$PY_BYTES" -v B="$BYTES" 'BEGIN { print f + (s - f) * B / b }')
  PYG_FULL=$(awk -v s="$PYG_S" -v f="$PY_START" -v b="$PY_BYTES" -v B="$BYTES" 'BEGIN { print f + (s - f) * B / b }')
  R_STAGE=$(ratio "$FLOOR_S" "$STAGE_S"); R_PYF=$(ratio "$PYF_FULL" "$T_J1"); R_PYG=$(ratio "$PYG_FULL" "$T_J1")
  R_FP=$(ratio "$FP_S" "$T_J1"); R_J=$(ratio "$T_J1" "$T_J2")
  R2_PYF=$(ratio "$PYF_FULL" "$T_J2"); R2_PYG=$(ratio "$PYG_FULL" "$T_J2"); R2_FP=$(ratio "$FP_S" "$T_J2")
  C_FLOOR=$(med decode_floor 5); C_STAGE=$(med analyze_stage_j1 5); C_FP=$(med fitparser_gpx 5)
  C_PYF=$(awk -v s="$(med py_fitdecode 5)" -v f="$PY_START_CPU" -v b="$PY_BYTES" -v B="$BYTES" 'BEGIN { print f + (s - f) * B / b }')
  C_PYG=$(awk -v s="$(med py_garmin 5)" -v f="$PY_START_CPU" -v b="$PY_BYTES" -v B="$BYTES" 'BEGIN { print f + (s - f) * B / b }')
  RC_STAGE=$(ratio "$C_FLOOR" "$C_STAGE"); RC_PYF=$(ratio "$C_PYF" "$C_J1"); RC_PYG=$(ratio "$C_PYG" "$C_J1"); RC_FP=$(ratio "$C_FP" "$C_J1")
  echo "## Targets"
  echo
  echo "| target | against analyze -j 1 (wall) | | against analyze -j $NPROC, the default (wall) | | against analyze -j 1 (CPU) |"
  echo "|---|---:|---|---:|---|---:|"
  echo "| per-file stage (analyze -j 1, statistics off) ≥ 70 % of the decode floor's throughput | $(awk -v r="$R_STAGE" 'BEGIN { printf "%.0f %%", 100 * r }') | $(verdict "$R_STAGE" 0.70 ge) | | | $(awk -v r="$RC_STAGE" 'BEGIN { printf "%.0f %%", 100 * r }') |"
  echo "| ≥ 60x faster than the Python pipeline (fitdecode) | ${R_PYF}x | $(verdict "$R_PYF" 60 ge) | ${R2_PYF}x | $(verdict "$R2_PYF" 60 ge) | ${RC_PYF}x |"
  echo "| ≥ 60x faster than the Python pipeline (garmin-fit-sdk) | ${R_PYG}x | $(verdict "$R_PYG" 60 ge) | ${R2_PYG}x | $(verdict "$R2_PYG" 60 ge) | ${RC_PYG}x |"
  echo "| ≥ 8x faster than the fitparser (+ gpx crate) decode alone | ${R_FP}x | $(verdict "$R_FP" 8 ge) | ${R2_FP}x | $(verdict "$R2_FP" 8 ge) | ${RC_FP}x |"
  echo "| -j 2 ≥ 1.7x -j 1 | ${R_J}x | $(verdict "$R_J" 1.7 ge) | | | (wall only) |"
  echo "| peak memory ≤ 256 MB at $RUNS runs | $((MEM1 / 1024)) MB | $(verdict "$((MEM1 / 1024))" 256 le) | | | |"
  if [ -n "$MEM2" ]; then
    echo "| peak memory ≤ 256 MB at $MEM_RUNS runs | $((MEM2 / 1024)) MB | $(verdict "$((MEM2 / 1024))" 256 le) | | | |"
  fi
  echo
  echo "Each ratio is a peer's time over cramplab's whole job (statistics at full"
  echo "settings). The peers run single-threaded as written; \`-j 1\` compares like with"
  echo "like, the default \`-j\` is what a user gets from \`cramplab analyze\`."
  echo
  echo "Peak memory of \`analyze --json -j 2\`: $((MEM1 / 1024)) MB at $RUNS runs${MEM2:+, $((MEM2 / 1024)) MB at $MEM_RUNS runs (${MEM2_S} s)}."
  if [ -n "$COHORT_SECTION" ]; then
    echo
    echo "$COHORT_SECTION"
  fi
} > "$OUT/report.md"

if [ -f "$OUT_MD" ] && grep -q '^<!-- analysis -->' "$OUT_MD"; then
  # keep the hand-written analysis below the marker
  { cat "$OUT/report.md"; echo; sed -n '/^<!-- analysis -->/,$p' "$OUT_MD"; } > "$OUT/BENCHMARKS.new"
else
  cp "$OUT/report.md" "$OUT/BENCHMARKS.new"
fi
mv "$OUT/BENCHMARKS.new" "$OUT_MD"
cat "$OUT/report.md"
