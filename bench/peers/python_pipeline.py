"""The pipeline a Python user writes today for cramplab's job, as the peer in
bench/batch.sh: read every FIT (fitdecode, or Garmin's garmin-fit-sdk with
--fit-lib garmin) and GPX (gpxpy) file, resample to 1 Hz with pandas, cut the
windows of docs/METHOD.md §3 around each tagged cramp from cramps.csv (and
GPX "cramp" waypoints), and compute the per-cramp numbers: mean speed in the
baseline window (-120..-15 s), mean speed in the response window (+3..+18 s,
paused/missing seconds as 0) and slowdown_pct = 100 * (1 - response/baseline).

Written idiomatically: one DataFrame per activity, vectorised pandas/numpy,
no per-sample Python loops after decoding. It does less than cramplab (no
grade adjustment, no classification, no threshold, no statistics), so the
comparison flatters Python.

    python python_pipeline.py HISTORY_DIR [--fit-lib fitdecode|garmin]
                              [--limit N] [--out cramps_py.csv]
"""

import argparse
import datetime as dt
import gzip
import os
import sys

import gpxpy
import numpy as np
import pandas as pd

FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z, FIT SDK "date_time" origin
SEMICIRCLE_DEG = 180.0 / 2**31  # FIT SDK: degrees = semicircles * 180 / 2^31
EARTH_RADIUS_M = 6371008.8  # IUGG mean Earth radius
BASELINE_S = (-120, -15)  # docs/METHOD.md §3
RESPONSE_S = (3, 18)
MIN_BASELINE_MOVING = 60
MAX_GAP_S = 10  # interpolate gaps up to 10 s


def _open(path, mode="rb"):
    """The file, gunzipped on the fly when it ends in .gz."""
    if path.lower().endswith(".gz"):
        return gzip.open(path, mode + "t" if "b" not in mode else mode, encoding=None if "b" in mode else "utf-8")
    return open(path, mode, encoding=None if "b" in mode else "utf-8")


def read_fit_fitdecode(path):
    import fitdecode

    rows, local_offset = [], None
    with _open(path) as f, fitdecode.FitReader(f) as fit:
        for frame in fit:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            if frame.name == "record":
                rows.append({f.name: f.value for f in frame.fields})
            elif frame.name == "activity":
                ts, local = frame.get_value("timestamp"), frame.get_value("local_timestamp")
                if ts is not None and local is not None:
                    # fitdecode labels local_timestamp UTC; it is wall-clock.
                    local_offset = local.replace(tzinfo=None) - ts.replace(tzinfo=None)
    return pd.DataFrame(rows), local_offset


def read_fit_garmin(path):
    from garmin_fit_sdk import Decoder, Stream

    if path.lower().endswith(".gz"):
        with _open(path) as f:
            stream = Stream.from_byte_array(f.read())
    else:
        stream = Stream.from_file(path)
    messages, errors = Decoder(stream).read()
    if errors:
        print(f"{path}: {errors}", file=sys.stderr)
    local_offset = None
    for a in messages.get("activity_mesgs", []):
        if a.get("timestamp") is not None and a.get("local_timestamp") is not None:
            local = dt.datetime(1989, 12, 31) + dt.timedelta(seconds=a["local_timestamp"])
            local_offset = local - a["timestamp"].replace(tzinfo=None)
    return pd.DataFrame(messages.get("record_mesgs", [])), local_offset


def fit_frame(path, fit_lib):
    df, offset = (read_fit_garmin if fit_lib == "garmin" else read_fit_fitdecode)(path)
    if df.empty:
        return df, offset, []
    out = pd.DataFrame({"timestamp": pd.to_datetime(df["timestamp"], utc=True)})
    speed = df.get("enhanced_speed", df.get("speed"))
    out["speed_mps"] = pd.to_numeric(speed, errors="coerce") if speed is not None else np.nan
    for src, dst in (("heart_rate", "hr_bpm"), ("cadence", "cadence_spm")):
        out[dst] = pd.to_numeric(df[src], errors="coerce") if src in df else np.nan
    if "cadence_spm" in out:
        out["cadence_spm"] *= 2  # FIT stores strides/min
    return out, offset, []


def gpx_frame(path):
    with _open(path, "r") as f:
        g = gpxpy.parse(f)
    pts = [
        (p.time, p.latitude, p.longitude, _ext(p, "hr"), _ext(p, "cad"))
        for t in g.tracks
        for s in t.segments
        for p in s.points
    ]
    df = pd.DataFrame(pts, columns=["timestamp", "lat", "lon", "hr_bpm", "cadence_spm"])
    if df.empty:
        return df, None, []
    offset = df["timestamp"].iloc[0].utcoffset()
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    lat, lon = np.radians(df["lat"].to_numpy()), np.radians(df["lon"].to_numpy())
    # haversine distance between consecutive points
    a = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    d_m = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
    dt_s = np.diff(df["timestamp"].to_numpy()).astype("timedelta64[ms]").astype(float) / 1000
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt_s > 0, d_m / dt_s, np.nan)
    df["speed_mps"] = np.concatenate([[0.0], v])
    df["cadence_spm"] = df["cadence_spm"] * 2
    waypoints = []
    open_onset = None
    for w in g.waypoints:
        name = (w.name or "").lower()
        if "cramp" not in name or w.time is None:
            continue
        if "end" in name or "over" in name:
            if open_onset is not None:
                waypoints.append((open_onset, pd.Timestamp(w.time).tz_convert("UTC")))
                open_onset = None
        else:
            open_onset = pd.Timestamp(w.time).tz_convert("UTC")
    if open_onset is not None:
        waypoints.append((open_onset, None))
    return df.drop(columns=["lat", "lon"]), offset, waypoints


def _ext(point, tag):
    for e in point.extensions:
        for child in e:
            if child.tag.endswith("}" + tag):
                return float(child.text)
    return np.nan


def one_hz(df):
    """1 Hz grid on elapsed time; gaps up to 10 s interpolated; 5 s rolling median speed."""
    s = df.set_index("timestamp").sort_index()
    s = s[~s.index.duplicated()].resample("1s").mean()
    s = s.interpolate(limit=MAX_GAP_S, limit_area="inside")
    s["speed_mps"] = s["speed_mps"].rolling(5, center=True, min_periods=1).median()
    return s


def parse_onset(text, start, local_offset):
    """A cramps.csv time: absolute with offset, local wall-clock, or +m:ss / +h:mm:ss."""
    text = text.strip()
    if text.startswith("+"):
        parts = [int(p) for p in text[1:].split(":")]
        secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
        return start + pd.Timedelta(seconds=secs)
    t = pd.Timestamp(text)
    if t.tzinfo is None:
        if local_offset is None:
            return None
        return (t - local_offset).tz_localize("UTC")
    return t.tz_convert("UTC")


def windows(series, onset):
    """Per-cramp numbers from the 1 Hz speed series."""
    t0 = onset.floor("s")
    base = series.loc[t0 + pd.Timedelta(seconds=BASELINE_S[0]) : t0 + pd.Timedelta(seconds=BASELINE_S[1])]
    resp = series.reindex(
        pd.date_range(t0 + pd.Timedelta(seconds=RESPONSE_S[0]), t0 + pd.Timedelta(seconds=RESPONSE_S[1]), freq="1s")
    )
    moving = base[base > 0.5]
    if len(moving) < MIN_BASELINE_MOVING or resp.isna().all():
        return np.nan, np.nan, np.nan
    base_mps = moving.mean()
    resp_mps = resp.fillna(0.0).mean()
    return base_mps, resp_mps, 100.0 * (1.0 - resp_mps / base_mps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("history")
    ap.add_argument("--fit-lib", choices=["fitdecode", "garmin"], default="fitdecode")
    ap.add_argument("--limit", type=int, help="only the first N activity files (sorted)")
    ap.add_argument("--out", help="write the per-cramp table here")
    args = ap.parse_args()

    names = sorted(
        n for n in os.listdir(args.history) if n.lower().endswith((".fit", ".gpx", ".fit.gz", ".gpx.gz"))
    )
    if args.limit:
        names = names[: args.limit]
    tags = pd.read_csv(os.path.join(args.history, "cramps.csv"), dtype=str, keep_default_na=False)

    activities = {}  # name -> (1 Hz speed series, start, end, local offset, in-file tags)
    for name in names:
        path = os.path.join(args.history, name)
        if name.lower().endswith((".fit", ".fit.gz")):
            df, offset, wpts = fit_frame(path, args.fit_lib)
        else:
            df, offset, wpts = gpx_frame(path)
        if df.empty:
            continue
        s = one_hz(df)["speed_mps"]
        activities[name] = (s, s.index[0], s.index[-1], offset, wpts)

    rows = []
    for tag in tags.itertuples(index=False):
        if tag.file:
            name = tag.file if tag.file in activities else tag.file + ".gz"
            act = activities.get(name)
            if act is None:
                continue
            onset = parse_onset(tag.start, act[1], act[3])
        else:  # absolute time, no file: the activity that spans it
            t = pd.Timestamp(tag.start)
            if t.tzinfo is None:
                continue
            t = t.tz_convert("UTC")
            name = next((n for n, a in activities.items() if a[1] <= t <= a[2]), None)
            if name is None:
                continue
            act, onset = activities[name], t
        if onset is None:
            continue
        rows.append((name, onset, *windows(act[0], onset)))
    for name, act in activities.items():
        for onset, _end in act[4]:
            rows.append((name, onset, *windows(act[0], onset)))

    out = pd.DataFrame(rows, columns=["file", "onset_utc", "baseline_mps", "response_mps", "slowdown_pct"])
    if args.out:
        out.to_csv(args.out, index=False)
    print(
        f"python ({args.fit_lib}): files {len(activities)} cramps {len(out)} "
        f"with numbers {out['slowdown_pct'].notna().sum()}"
    )


if __name__ == "__main__":
    main()
