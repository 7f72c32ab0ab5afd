#!/usr/bin/env bash
# Apple Health export.xml benchmark (issue #15): peak memory and read speed
# of `cramplab inspect --json` on a generated multi-year export.xml of
# --gb GiB (default 2; DESIGN §6 says several GB is normal). The file is
# generated once into --dir (default /tmp/cramplab-apple-bench) and never
# committed. Prints one markdown table row for BENCHMARKS.md.
#
#   bash bench/apple_export.sh [--gb 2] [--dir DIR]
set -euo pipefail
GB=2
DIR=/tmp/cramplab-apple-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --gb) GB="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
cargo build --release --quiet
mkdir -p "$DIR"
XML="$DIR/export-${GB}g.xml"
if [ ! -s "$XML" ]; then
  python3 bench/apple_export.py "$XML" --gb "$GB"
fi
BYTES=$(stat -L -c %s "$XML")
/usr/bin/time -v target/release/cramplab inspect --json "$XML" > "$DIR/inspect.json" 2> "$DIR/time.txt"
WALL=$(grep "Elapsed (wall clock)" "$DIR/time.txt" | awk '{print $NF}')
USER=$(grep "User time" "$DIR/time.txt" | awk '{print $NF}')
RSS_KB=$(grep "Maximum resident" "$DIR/time.txt" | awk '{print $NF}')
python3 - "$BYTES" "$WALL" "$USER" "$RSS_KB" "$DIR/inspect.json" <<'PY'
import json, sys
size, wall, user, rss_kb, path = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rows = json.load(open(path))
ok = sum(r["status"] == "ok" for r in rows)
mb = int(size) / 1e6
print(f"| {int(size) / 2**30:.2f} GiB ({mb:,.0f} MB) | {len(rows)} ({ok} read) | {secs:.2f} s | {float(user):.2f} s | {mb / secs:,.0f} MB/s | {int(rss_kb) / 1024:.0f} MB |")
PY
