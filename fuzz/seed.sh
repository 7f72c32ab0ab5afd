#!/usr/bin/env bash
# Builds the seed corpora for the fuzz targets in fuzz/corpus/<target>/ from
# the real-file corpus in tests/corpus and a few short `cramplab simulate` runs, so no
# binary seeds are committed. Large files are cut to their first 48 KiB (the
# fuzzer's -max_len); a cut file is still a good seed, as readers keep what
# precedes damage.
#   usage: fuzz/seed.sh [CORPUS_DIR]   (default tests/corpus)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
real="${1:-$here/../tests/corpus}"
out="$here/corpus"
max=49152
mkdir -p "$out"/{fit,gpx,tcx,container,tags,apple,polar,runtastic,huawei}

put() { # put TARGET FILE [NAME]
    head -c "$max" "$2" > "$out/$1/${3:-$(basename "$2")}" || true
}

for f in "$real"/fit/*; do put fit "$f"; done
for f in "$real"/gpx/*; do put gpx "$f"; done
for f in "$real"/tcx/*; do put tcx "$f"; done
# Apple Health export.xml files: the real samples and the hand-made iOS 16 one.
for f in "$real"/health-apps/apple/*.xml "$real"/health-apps/apple/*/apple_health_export/export.xml \
    "$real"/health-apps/apple/*/export.xml "$here/../tests/fixtures/health-apps/apple-ios16/apple_health_export/export.xml"; do
    [ -f "$f" ] && put apple "$f" "$(echo "$f" | md5sum | cut -c1-8)-$(basename "$f")"
done

# Health-app exports. HiTrack is read line by line, so a cut file is a good
# seed; a cut JSON document is not (it is refused at once), so the Polar and
# adidas Running seeds are whole documents with their sample lists shortened
# (python3, when there is one) besides the cut copies.
health="$real/health-apps"
for f in "$health"/huawei/*; do put huawei "$f"; done
for f in "$health"/polar/*; do put polar "$f"; done
put polar "$here/../tests/fixtures/health-apps/polar-newer-shape.json"
rt="$health/runtastic/fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__"
if command -v python3 > /dev/null; then
    python3 - "$health/polar" "$out/polar" "$rt" "$out/runtastic" "$real/gpx" <<'PY'
import glob, json, os, sys
polar_in, polar_out, rt, rt_out, gpx_dir = sys.argv[1:]
for f in glob.glob(os.path.join(polar_in, "*.json")):
    d = json.load(open(f))
    for ex in d.get("exercises", []):
        for k, v in ex.get("samples", {}).items():
            if isinstance(v, list):
                ex["samples"][k] = v[:120]
    open(os.path.join(polar_out, "short-" + os.path.basename(f)), "w").write(json.dumps(d))
def short(name, n=60):
    return json.dumps(json.load(open(rt + name))[:n]).encode()
session = open(rt + "SportSession.json", "rb").read()
gps, hr = short("GpsData.json"), short("HeartRateData.json")
sep = b"\xff"
seeds = {
    "join": session + sep + gps + sep + hr,
    "gps-only": session + sep + gps,
    "hr-only": session + sep + b"" + sep + hr,
    "session-alone": session,
}
gpx = sorted(glob.glob(os.path.join(gpx_dir, "*.gpx")), key=os.path.getsize)
if gpx:
    seeds["gpx-join"] = session + sep + open(gpx[0], "rb").read()[:16384] + sep + hr
for name in ["Shoe.json", "user.json", "ImagesMetaData.json", "SportSessionAlbums.json"]:
    seeds[name] = open(rt + name, "rb").read()
for k, v in seeds.items():
    open(os.path.join(rt_out, k), "wb").write(v)
PY
else
    for f in "$rt"*; do put runtastic "$f"; done
fi

# A few short simulated runs in every format, plain and gzipped.
sim="$(mktemp -d)"
trap 'rm -rf "$sim"' EXIT
bin="${CRAMPLAB:-}"
if [ -z "$bin" ]; then
    (cd "$here/.." && cargo build --quiet --bin cramplab)
    bin="${CARGO_TARGET_DIR:-$here/../target}/debug/cramplab"
fi
"$bin" simulate --out "$sim/h" --runs 6 --seed 11 --gzip 2>/dev/null
find "$sim/h" -type f | sort | while read -r f; do
    name="sim-$(basename "$f")"
    case "$f" in
        *.fit) put fit "$f" "$name" ;;
        *.gpx) put gpx "$f" "$name" ;;
        *.tcx) put tcx "$f" "$name" ;;
        *.gz)
            # Container seeds: first byte 0 = .fit.gz, 2 = .gpx.gz (see
            # fuzz_targets/container.rs); the inner file is cut small first.
            base="${f%.gz}"
            { gzip -dc "$f" || true; } | head -c 16384 | gzip -c > "$sim/cut.gz"
            case "$base" in *.fit) k='\x00' ;; *) k='\x02' ;; esac
            { printf "$k"; cat "$sim/cut.gz"; } > "$out/container/$name"
            ;;
        *.csv) cp "$f" "$out/tags/$name" ;;
    esac
done

# Zip seeds (first byte 1 = .zip): one plain, one nested, one with a .gz inside.
small_fit="$(ls -S "$real"/fit/* | tail -1)"
small_gpx="$(ls -S "$real"/gpx/* | tail -1)"
(cd "$sim" && cp "$small_fit" a.fit && cp "$small_gpx" b.gpx && gzip -kf b.gpx \
    && zip -q plain.zip a.fit b.gpx && zip -q inner.zip b.gpx.gz && zip -q nested.zip inner.zip a.fit)
for z in plain nested inner; do { printf '\x01'; cat "$sim/$z.zip"; } > "$out/container/$z.zip"; done

# Hand-written tag files exercising every time form and separator.
printf 'file,start,end,muscle,note\nrun.fit,+41:30,+42:10,calf,"left, sharp"\nrun.fit,2026-05-03T08:42:10+02:00,,hamstring,\n' > "$out/tags/forms.csv"
printf 'start;end;muscle\n2026-05-03 08:42:10;2026-05-03 08:43:00;calf\n+95;+1:05:00;quad\n' > "$out/tags/semicolon.csv"
printf '\xef\xbb\xbf# comment\r\nstart\tmuscle\r\n2026-05-03T06:42:10Z\tcalf\r\n' > "$out/tags/bom-tab.csv"
du -sh "$out"/*
