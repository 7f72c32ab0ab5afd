#!/usr/bin/env bash
# Runs every fuzz target in turn (never two at once: the machine is shared)
# for SECONDS each, after building the seed corpora if they are missing.
# Crashes land in fuzz/artifacts/<target>/; stats go to fuzz/logs/<target>.log.
#   usage: fuzz/run_all.sh [SECONDS=600] [TARGET...]
# On a stable toolchain, RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly
# flags it needs (-Zsanitizer=address etc.).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fit fit_direct gpx tcx container tags apple polar runtastic huawei)
[ -d "$here/corpus/fit" ] && [ -d "$here/corpus/polar" ] && [ -d "$here/corpus/apple" ] || "$here/seed.sh"
mkdir -p "$here/logs"
cd "$here/.."
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    # fit_direct compares two FIT decoders: it grows the FIT corpus.
    corpus="$here/corpus/${t%_direct}"
    cargo fuzz run "$t" "$corpus" ${FUZZ_FLAGS:-} -- \
        -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -max_len=49152 \
        -print_final_stats=1 2>&1 | tail -n 40 > "$here/logs/$t.log" || {
        echo "!! $t stopped with a finding: see fuzz/logs/$t.log and fuzz/artifacts/$t/"
    }
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb" "$here/logs/$t.log" || true
done
