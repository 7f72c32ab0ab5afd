//! adidas Running (formerly Runtastic) exports: a `Sport-sessions/<id>.json`
//! summary joined with its samples in `Sport-sessions/GPS-data/<id>.json`
//! and `Sport-sessions/Heart-rate-data/<id>.json` (the lead's discovery pairs
//! the files; [`read_session`] joins them), and any of those files alone
//! ([`read`]).
//!
//! Facts, from the real export files in `tests/corpus/health-apps/runtastic/`
//! and the converters that read them (fcrespel/runtastic-export-converter,
//! `SportSessionParser.java` and `TcxSportSessionMapper.java`;
//! schnatterer/Runtastic2FitoTrack, `RuntasticSportType.java`):
//!
//! - The session: `start_time`/`end_time` in UTC epoch ms, the runner's
//!   offset as `start_time_timezone_offset` in ms, `duration` in ms (kept as
//!   timer time), `sport_type_id` (a string; 1 is running, list below).
//! - GPS data: `[{timestamp, latitude, longitude, altitude, speed, distance,
//!   duration, …}]`, `timestamp` as `2018-09-01 11:28:34 +0200`. `speed` is
//!   km/h: over the real file distance ÷ duration is 12.198 km/h, the mean
//!   `speed` 12.203, and per sample distance steps ÷ time steps give 1.0016
//!   times `speed` in km/h. `distance` is metres, `duration` the timer in ms.
//!   Exports from April 2020 on hold a GPX file (`GPS-data/<id>.gpx`)
//!   instead (the fcrespel converter's comment): read with the GPX reader.
//! - Heart-rate data: `[{timestamp, heart_rate, distance, duration, …}]`.
//! - Pauses: a sample's `duration` is the timer; where the clock moved on
//!   more than the timer between two samples (by a second or more), the
//!   timer was stopped for the difference, placed midway between them. The
//!   real session never paused: its timer equals the clock throughout.
//! - Shoes, user profile, photo metadata and photo albums hold no activity.

use serde_json::Value;

use super::{gpx, json, xml};
use crate::activity::{
    Activity, ActivityMeta, Format, OffsetSource, RawSample, Sport, TrackBuilder,
};
use crate::error::IngestError;

/// The name used in error messages.
const FORMAT: &str = "adidas Running";

/// km/h to m/s.
const KMH_PER_MPS: f64 = 3.6;

/// A timer behind the clock by at least this much between two samples is a
/// pause (shorter differences are rounding of the two fields).
const MIN_PAUSE_MS: f64 = 1000.0;

/// Sample streams timed this far outside the session's start–end do not
/// belong to it.
const SESSION_SLACK_MS: i64 = 10 * 60_000;

/// adidas Running `sport_type_id`s, from the export's own documentation as
/// transcribed by schnatterer/Runtastic2FitoTrack (`RuntasticSportType`);
/// running and its variants, and the sports cramplab tells apart. Id 114
/// is listed twice there (beach volleyball, virtual running) and is left
/// out; an id not here is named by its number.
const SPORT_TYPES: &[(&str, &str)] = &[
    ("1", "running"),
    ("2", "nordic_walking"),
    ("3", "cycling"),
    ("4", "mountain_biking"),
    ("5", "other"),
    ("6", "inline_skating"),
    ("7", "hiking"),
    ("8", "cross_country_skiing"),
    ("9", "skiing"),
    ("10", "snowboarding"),
    ("11", "motorbike"),
    ("13", "snowshoeing"),
    ("14", "treadmill"),
    ("15", "ergometer"),
    ("16", "elliptical"),
    ("17", "rowing"),
    ("18", "swimming"),
    ("19", "walking"),
    ("20", "riding"),
    ("22", "race_cycling"),
    ("46", "spinning"),
    ("82", "trail_running"),
    ("84", "plogging"),
    ("86", "e_biking"),
    ("116", "virtual_cycling"),
];

/// The runtastic sport for a `sport_type_id`, with the running variant as
/// `sub_sport` (`treadmill`, `trail`).
fn sport(id: &str) -> (Sport, Option<String>) {
    let Some((_, name)) = SPORT_TYPES.iter().find(|(i, _)| *i == id) else {
        return (Sport::Other(format!("adidas running sport {id}")), None);
    };
    match *name {
        "running" => (Sport::Running, None),
        "treadmill" => (Sport::Running, Some("treadmill".to_string())),
        "trail_running" => (Sport::Running, Some("trail".to_string())),
        "nordic_walking" | "hiking" | "walking" => (Sport::Walking, None),
        "cycling" | "mountain_biking" | "race_cycling" | "spinning" | "e_biking"
        | "virtual_cycling" => (Sport::Cycling, None),
        "swimming" => (Sport::Swimming, None),
        // `other` must not become `Sport::Unknown` (which counts as running).
        other => (Sport::Other(other.to_string()), None),
    }
}

/// What an export file holds, by its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Session,
    Gps,
    HeartRate,
    Shoe,
    User,
    Photo,
    Album,
}

impl Kind {
    fn of(v: &Value) -> Option<Kind> {
        match v {
            Value::Array(list) => {
                let first = list.iter().find_map(Value::as_object)?;
                if first.contains_key("heart_rate") {
                    Some(Kind::HeartRate)
                } else if first.contains_key("latitude") && first.contains_key("longitude") {
                    Some(Kind::Gps)
                } else {
                    None
                }
            }
            Value::Object(o) => {
                let has = |k: &str| o.contains_key(k);
                if has("start_time") && (has("sport_type_id") || has("end_time")) {
                    Some(Kind::Session)
                } else if has("equipment_type") || has("samples_ids") {
                    Some(Kind::Shoe)
                } else if has("photos_ids") {
                    Some(Kind::Album)
                } else if has("created_at") && has("latitude") && has("longitude") {
                    Some(Kind::Photo)
                } else if has("login") || has("birthday") || has("first_name") {
                    Some(Kind::User)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// How a file of this kind is named when refused.
    fn refusal(self) -> Option<&'static str> {
        match self {
            Kind::Shoe => Some("shoe record from adidas Running"),
            Kind::User => Some("user profile from adidas Running"),
            Kind::Photo => Some("photo description from adidas Running"),
            Kind::Album => Some("session photo album from adidas Running"),
            Kind::Session | Kind::Gps | Kind::HeartRate => None,
        }
    }
}

/// One sample of a GPS or heart-rate file.
#[derive(Debug, Clone, Copy, Default)]
struct Point {
    raw: RawSample,
    /// The timer at this sample, ms.
    timer_ms: Option<f64>,
    offset_s: Option<i32>,
}

/// Counters behind the warnings of one stream.
#[derive(Debug, Default)]
struct Tally {
    bad_times: usize,
    not_objects: usize,
}

/// Read one export file on its own: GPS data or heart-rate data alone is
/// an activity (times and offset from its timestamps, sport unknown).
///
/// Errors: [`IngestError::NoSamples`] for a session summary (its samples are
/// in the GPS-data and Heart-rate-data files beside it; use
/// [`read_session`]); [`IngestError::NotAnActivity`] for shoes, the user
/// profile, photo metadata and albums; [`IngestError::Malformed`] for JSON
/// that is none of these; [`IngestError::Empty`] for an empty list.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let parsed = json::parse(path, FORMAT, bytes)?;
    if parsed.value.as_array().is_some_and(Vec::is_empty) {
        return Err(IngestError::Empty {
            path: path.to_string(),
        });
    }
    match Kind::of(&parsed.value) {
        Some(Kind::Session) => read_session(path, bytes, None, None),
        Some(kind @ (Kind::Gps | Kind::HeartRate)) => {
            let mut tally = Tally::default();
            let points = stream(&parsed.value, kind, &mut tally);
            let meta = ActivityMeta::new(path, Format::Runtastic);
            let mut offsets = xml::Offsets::default();
            for p in &points {
                offsets.see(p.offset_s);
            }
            let mut b = TrackBuilder::new(meta);
            b.meta.utc_offset = offsets.utc_offset();
            b.warnings.extend(offsets.warning());
            b.warnings.extend(tally_warnings(&tally, name_of(kind)));
            fill(&mut b, &points);
            b.finish().map(|a| vec![a]).ok_or(IngestError::Empty {
                path: path.to_string(),
            })
        }
        Some(kind) => Err(IngestError::NotAnActivity {
            path: path.to_string(),
            file_type: kind
                .refusal()
                .unwrap_or("file from adidas Running")
                .to_string(),
        }),
        None => Err(IngestError::Malformed {
            path: path.to_string(),
            format: FORMAT,
            reason: "not a sport session, GPS data, heart-rate data, shoe, user or photo file"
                .to_string(),
        }),
    }
}

/// Read a `Sport-sessions/<id>.json` summary joined with its GPS data
/// (`GPS-data/<id>.json`, or the newer exports' `GPS-data/<id>.gpx`) and
/// heart-rate data (`Heart-rate-data/<id>.json`), each given with the path
/// it is named by in messages. Samples of both streams at the same second
/// become one sample.
///
/// Errors: [`IngestError::Malformed`] when the session is not JSON or not a
/// session; [`IngestError::NoSamples`] when neither companion was given or
/// neither held a sample (saying which and why). A companion that cannot be
/// read is a warning when the other one holds samples.
pub fn read_session(
    path: &str,
    session: &[u8],
    gps: Option<(&str, &[u8])>,
    hr: Option<(&str, &[u8])>,
) -> Result<Vec<Activity>, IngestError> {
    let parsed = json::parse(path, FORMAT, session)?;
    let s = match (&parsed.value, Kind::of(&parsed.value)) {
        (Value::Object(o), Some(Kind::Session)) => o,
        _ => {
            return Err(IngestError::Malformed {
                path: path.to_string(),
                format: FORMAT,
                reason: "not a sport session (no `start_time` with `sport_type_id` or \
                         `end_time`)"
                    .to_string(),
            });
        }
    };
    let mut meta = ActivityMeta::new(path, Format::Runtastic);
    let mut warnings = Vec::new();
    if let Some(id) = s.get("sport_type_id").and_then(json::text) {
        (meta.sport, meta.sub_sport) = sport(&id);
    }
    if let Some(ms) = s.get("start_time_timezone_offset").and_then(json::number) {
        match json::utc_offset(ms / 1000.0, OffsetSource::RuntasticOffsetField) {
            Ok(o) => meta.utc_offset = Some(o),
            Err(why) => warnings.push(why),
        }
    }
    meta.timer_s = s
        .get("duration")
        .and_then(json::number)
        .filter(|d| *d >= 0.0)
        .map(|d| d / 1000.0);

    if gps.is_none() && hr.is_none() {
        return Err(IngestError::NoSamples {
            path: path.to_string(),
            reason: "it is a session summary, and its GPS-data and Heart-rate-data files \
                     (Sport-sessions/GPS-data/<id>.json or .gpx, \
                     Sport-sessions/Heart-rate-data/<id>.json) were not beside it"
                .to_string(),
        });
    }
    let mut failures = Vec::new();
    let mut gps_points = Vec::new();
    let mut gps_from_gpx = false;
    if let Some((gps_path, bytes)) = gps {
        let xml_text = json::first_significant_byte(bytes) == Some(b'<')
            || bytes.starts_with(&[0xFF, 0xFE])
            || bytes.starts_with(&[0xFE, 0xFF]);
        let got = if xml_text {
            gps_from_gpx = true;
            gpx_points(gps_path, bytes, &mut warnings)
        } else {
            json_points(gps_path, bytes, Kind::Gps, &mut warnings)
        };
        match got {
            Ok(p) => gps_points = p,
            Err(e) => failures.push(format!("its GPS data could not be read ({e})")),
        }
    }
    let mut hr_points = Vec::new();
    if let Some((hr_path, bytes)) = hr {
        match json_points(hr_path, bytes, Kind::HeartRate, &mut warnings) {
            Ok(p) => hr_points = p,
            Err(e) => failures.push(format!("its heart-rate data could not be read ({e})")),
        }
    }
    if gps_points.is_empty() && hr_points.is_empty() {
        let mut reason = failures;
        if reason.is_empty() {
            reason.push("its GPS-data and Heart-rate-data files hold no sample".to_string());
        }
        return Err(IngestError::NoSamples {
            path: path.to_string(),
            reason: reason.join("; "),
        });
    }
    warnings.extend(failures);

    let window = (
        s.get("start_time").and_then(json::number),
        s.get("end_time").and_then(json::number),
    );
    for (name, points) in [("GPS data", &gps_points), ("heart-rate data", &hr_points)] {
        if let (Some(w), false) = (outside_session(points, window), points.is_empty()) {
            warnings.push(format!("the {name}'s times {w}"));
        }
    }

    let mut b = TrackBuilder::new(meta);
    b.warnings = warnings;
    // Pauses from the timer: the GPS stream's, else the heart-rate stream's.
    let timed = if gps_points.iter().filter(|p| p.timer_ms.is_some()).count() >= 2 {
        &gps_points
    } else {
        &hr_points
    };
    b.pauses_ms = timer_pauses(timed);
    b.detect_gap_pauses = gps_from_gpx || timed.iter().filter(|p| p.timer_ms.is_some()).count() < 2;
    let joined = join(gps_points, &hr_points);
    b.reserve(joined.len());
    for p in joined {
        b.push(p);
    }
    b.finish().map(|a| vec![a]).ok_or(IngestError::Empty {
        path: path.to_string(),
    })
}

fn name_of(kind: Kind) -> &'static str {
    if kind == Kind::Gps {
        "GPS data"
    } else {
        "heart-rate data"
    }
}

/// Why a stream does not fit the session's start–end, if it does not.
fn outside_session(points: &[Point], window: (Option<f64>, Option<f64>)) -> Option<String> {
    let (Some(start), Some(end)) = window else {
        return None;
    };
    let (start, end) = (start as i64, end as i64);
    let first = points.iter().map(|p| p.raw.time_ms).min()?;
    let last = points.iter().map(|p| p.raw.time_ms).max()?;
    let outside = first < start.saturating_sub(SESSION_SLACK_MS)
        || last > end.saturating_add(SESSION_SLACK_MS);
    outside.then(|| {
        format!(
            "({} to {}) fall outside the session's start and end ({} to {}): they may belong \
             to another session",
            utc_text(first),
            utc_text(last),
            utc_text(start),
            utc_text(end)
        )
    })
}

/// UTC milliseconds as RFC 3339 (or the number, when out of chrono's range).
fn utc_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms"),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// A JSON GPS or heart-rate file's points, its warnings prefixed with its
/// path. `Err` (its message) when it is not such a file.
fn json_points(
    path: &str,
    bytes: &[u8],
    kind: Kind,
    warnings: &mut Vec<String>,
) -> Result<Vec<Point>, String> {
    let parsed = json::parse(path, FORMAT, bytes).map_err(|e| e.to_string())?;
    match (Kind::of(&parsed.value), &parsed.value) {
        (Some(k), _) if k == kind => {}
        (_, Value::Array(list)) if list.is_empty() => return Ok(Vec::new()),
        _ => return Err(format!("{path} is not {} of a session", name_of(kind))),
    }
    let mut tally = Tally::default();
    let points = stream(&parsed.value, kind, &mut tally);
    // The join puts the streams in time order; say here if a file was not.
    let backward = points
        .windows(2)
        .filter(|w| w[1].raw.time_ms < w[0].raw.time_ms)
        .count();
    if backward > 0 {
        warnings.push(format!(
            "time went backwards {backward} time(s) in the {}; samples were put in time order",
            name_of(kind)
        ));
    }
    warnings.extend(
        tally_warnings(&tally, name_of(kind))
            .into_iter()
            .chain(parsed.warning()),
    );
    Ok(points)
}

/// The points of a GPX GPS-data file (the GPX reader's samples).
fn gpx_points(path: &str, bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Point>, String> {
    let acts = gpx::read(path, bytes).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for a in acts {
        let start_ms = a.start_utc.timestamp_millis();
        let s = &a.samples;
        let at = |c: &Option<Vec<f64>>, i: usize| {
            c.as_ref()
                .and_then(|v| v.get(i))
                .copied()
                .filter(|x| x.is_finite())
        };
        for (i, e) in s.elapsed_s.iter().enumerate() {
            out.push(Point {
                raw: RawSample {
                    time_ms: start_ms.saturating_add((e * 1000.0).round() as i64),
                    lat_deg: at(&s.lat_deg, i),
                    lon_deg: at(&s.lon_deg, i),
                    altitude_m: at(&s.altitude_m, i),
                    distance_m: at(&s.distance_m, i),
                    speed_mps: at(&s.speed_mps, i),
                    hr_bpm: at(&s.hr_bpm, i),
                    cadence_spm: at(&s.cadence_spm, i),
                    temperature_c: at(&s.temperature_c, i),
                    power_w: at(&s.power_w, i),
                },
                timer_ms: None,
                offset_s: None,
            });
        }
        warnings.extend(
            a.warnings
                .into_iter()
                .map(|w| format!("GPS data ({path}): {w}")),
        );
    }
    Ok(out)
}

/// A `2018-09-01 11:28:34 +0200` timestamp (or epoch ms) as UTC ms and the
/// offset it was written with.
fn timestamp(v: &Value) -> Option<(i64, Option<i32>)> {
    match v {
        Value::String(s) => {
            let t = chrono::DateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S %z").ok()?;
            Some((t.timestamp_millis(), Some(t.offset().local_minus_utc())))
        }
        Value::Number(_) => {
            let ms = json::number(v)?;
            (1e11..1e14)
                .contains(&ms)
                .then_some((ms.round() as i64, None))
        }
        _ => None,
    }
}

/// The points of a GPS or heart-rate list.
fn stream(v: &Value, kind: Kind, tally: &mut Tally) -> Vec<Point> {
    let Some(list) = v.as_array() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let Some(o) = item.as_object() else {
            tally.not_objects += 1;
            continue;
        };
        let Some((time_ms, offset_s)) = o.get("timestamp").and_then(timestamp) else {
            tally.bad_times += 1;
            continue;
        };
        let num = |k: &str| o.get(k).and_then(json::number);
        let mut raw = RawSample {
            time_ms,
            distance_m: num("distance"),
            ..RawSample::default()
        };
        match kind {
            Kind::Gps => {
                raw.lat_deg = num("latitude");
                raw.lon_deg = num("longitude");
                raw.altitude_m = num("altitude");
                raw.speed_mps = num("speed").map(|kmh| kmh / KMH_PER_MPS);
            }
            _ => raw.hr_bpm = num("heart_rate"),
        }
        out.push(Point {
            raw,
            timer_ms: num("duration"),
            offset_s,
        });
    }
    out
}

fn fill(b: &mut TrackBuilder, points: &[Point]) {
    b.pauses_ms = timer_pauses(points);
    b.detect_gap_pauses = points.iter().filter(|p| p.timer_ms.is_some()).count() < 2;
    b.reserve(points.len());
    for p in points {
        b.push(p.raw);
    }
}

/// Pauses where the clock ran ahead of the timer between two samples
/// (module docs).
fn timer_pauses(points: &[Point]) -> Vec<(i64, i64)> {
    let mut timed: Vec<(i64, f64)> = points
        .iter()
        .filter_map(|p| p.timer_ms.map(|d| (p.raw.time_ms, d)))
        .collect();
    timed.sort_by_key(|t| t.0);
    let mut out = Vec::new();
    for w in timed.windows(2) {
        let ((t0, d0), (t1, d1)) = (w[0], w[1]);
        let clock = (t1 - t0) as f64;
        let timer = d1 - d0;
        if timer < 0.0 || clock - timer < MIN_PAUSE_MS {
            continue;
        }
        let half_moving = (timer / 2.0).round() as i64;
        out.push((t0 + half_moving, t1 - half_moving));
    }
    out
}

/// GPS points with the heart rate of the same second joined in; heart-rate
/// points at other times stay samples of their own.
fn join(gps: Vec<Point>, hr: &[Point]) -> Vec<RawSample> {
    let mut out: Vec<RawSample> = gps.into_iter().map(|p| p.raw).collect();
    out.sort_by_key(|r| r.time_ms);
    let mut extra = Vec::new();
    for p in hr {
        let t = p.raw.time_ms;
        let at = out.partition_point(|r| r.time_ms < t);
        match out.get_mut(at) {
            Some(r) if r.time_ms == t && r.hr_bpm.is_none() => {
                r.hr_bpm = p.raw.hr_bpm;
                if r.distance_m.is_none() {
                    r.distance_m = p.raw.distance_m;
                }
            }
            _ => extra.push(p.raw),
        }
    }
    out.extend(extra);
    // In time order, so the builder's "time went backwards" speaks of the
    // files, not of this join (a stable sort keeps repeats in file order).
    out.sort_by_key(|r| r.time_ms);
    out
}

fn tally_warnings(t: &Tally, name: &str) -> Vec<String> {
    let mut w = Vec::new();
    if t.bad_times > 0 {
        w.push(format!(
            "{} {name} sample(s) had no readable timestamp and were left out",
            t.bad_times
        ));
    }
    if t.not_objects > 0 {
        w.push(format!(
            "{} {name} entries were not objects and were left out",
            t.not_objects
        ));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Pause, Samples, UtcOffset};

    const SESSION: &str = r#"{"start_time":1535794114000,"end_time":1535794134000,
        "start_time_timezone_offset":7200000,"end_time_timezone_offset":7200000,
        "duration":20000,"pause_duration":0,"sport_type_id":"1","id":"abc"}"#;

    fn gps_json(rows: &[(&str, f64, u32)]) -> String {
        let rows: Vec<String> = rows
            .iter()
            .map(|(t, kmh, dur)| {
                format!(
                    r#"{{"version":1,"timestamp":"{t}","longitude":3.07,"latitude":50.64,"altitude":36.5,"accuracy_v":0,"accuracy_h":0,"speed":{kmh},"duration":{dur},"distance":9}}"#
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    }

    fn hr_json(rows: &[(&str, u32, u32)]) -> String {
        let rows: Vec<String> = rows
            .iter()
            .map(|(t, bpm, dur)| {
                format!(
                    r#"{{"version":1,"timestamp":"{t}","heart_rate":{bpm},"signal_strength":0,"duration":{dur},"distance":9}}"#
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    }

    #[test]
    fn a_session_joins_gps_and_heart_rate_by_second_with_its_offset_and_sport() {
        let gps = gps_json(&[
            ("2018-09-01 11:28:34 +0200", 0.0, 0),
            ("2018-09-01 11:28:37 +0200", 10.8, 3000),
        ]);
        let hr = hr_json(&[
            ("2018-09-01 11:28:34 +0200", 142, 0),
            ("2018-09-01 11:28:37 +0200", 143, 3000),
            ("2018-09-01 11:28:39 +0200", 145, 5000),
        ]);
        let acts = read_session(
            "Sport-sessions/abc.json",
            SESSION.as_bytes(),
            Some(("GPS-data/abc.json", gps.as_bytes())),
            Some(("Heart-rate-data/abc.json", hr.as_bytes())),
        )
        .expect("reads");
        let a = &acts[0];
        assert_eq!(a.start_utc.to_rfc3339(), "2018-09-01T09:28:34+00:00");
        assert_eq!(
            a.utc_offset,
            Some(UtcOffset {
                seconds: 7200,
                source: OffsetSource::RuntasticOffsetField
            })
        );
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.timer_s, Some(20.0));
        assert_eq!(a.samples.elapsed_s, vec![0.0, 3.0, 5.0]);
        assert_eq!(a.samples.hr_bpm, Some(vec![142.0, 143.0, 145.0]));
        // 10.8 km/h = 3 m/s.
        let v = a.samples.speed_mps.as_ref().expect("speed");
        assert!((v[1] - 3.0).abs() < 1e-12 && v[2].is_nan());
        assert!(a.pauses.is_empty());
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn a_timer_behind_the_clock_is_a_pause() {
        // 60 s of clock, 4 s of timer: a 56 s pause midway.
        let gps = gps_json(&[
            ("2018-09-01 11:28:34 +0200", 10.0, 0),
            ("2018-09-01 11:29:34 +0200", 10.0, 4000),
        ]);
        let acts = read_session(
            "s.json",
            SESSION.as_bytes(),
            Some(("g.json", gps.as_bytes())),
            None,
        )
        .expect("reads");
        assert_eq!(
            acts[0].pauses,
            vec![Pause {
                start_s: 2.0,
                end_s: 58.0
            }]
        );
    }

    #[test]
    fn samples_from_another_day_are_joined_but_said_to_be_out_of_place() {
        let gps = gps_json(&[("2018-09-02 11:28:34 +0200", 10.0, 0)]);
        let acts = read_session(
            "s.json",
            SESSION.as_bytes(),
            Some(("g.json", gps.as_bytes())),
            None,
        )
        .expect("reads");
        assert_eq!(
            acts[0].warnings,
            vec![
                "the GPS data's times (2018-09-02T09:28:34Z to 2018-09-02T09:28:34Z) fall \
                 outside the session's start and end (2018-09-01T09:28:34Z to \
                 2018-09-01T09:28:54Z): they may belong to another session"
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_session_alone_says_where_its_samples_should_have_been() {
        let e = read("Sport-sessions/abc.json", SESSION.as_bytes()).expect_err("no samples");
        match &e {
            IngestError::NoSamples { reason, .. } => {
                assert!(
                    reason.contains("GPS-data") && reason.contains("Heart-rate-data"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            e.to_string().starts_with("Sport-sessions/abc.json: "),
            "{e}"
        );
    }

    #[test]
    fn unreadable_companions_are_named_and_one_good_stream_suffices() {
        let hr = hr_json(&[("2018-09-01 11:28:34 +0200", 142, 0)]);
        let acts = read_session(
            "s.json",
            SESSION.as_bytes(),
            Some(("g.json", b"[{\"timestamp\":")),
            Some(("h.json", hr.as_bytes())),
        )
        .expect("heart rate alone is enough");
        assert!(
            acts[0]
                .warnings
                .iter()
                .any(|w| w.contains("GPS data could not be read") && w.contains("g.json")),
            "{:?}",
            acts[0].warnings
        );
        let e = read_session("s.json", SESSION.as_bytes(), Some(("g.json", b"{}")), None)
            .expect_err("nothing readable");
        assert!(matches!(e, IngestError::NoSamples { .. }), "{e}");
    }

    #[test]
    fn a_gpx_gps_file_is_read_by_the_gpx_reader_and_joined() {
        let gpx = r#"<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
            <trk><trkseg>
            <trkpt lat="50.64" lon="3.07"><ele>36</ele><time>2018-09-01T09:28:34Z</time></trkpt>
            <trkpt lat="50.65" lon="3.07"><ele>37</ele><time>2018-09-01T09:28:37Z</time></trkpt>
            </trkseg></trk></gpx>"#;
        let hr = hr_json(&[("2018-09-01 11:28:37 +0200", 150, 3000)]);
        let acts = read_session(
            "s.json",
            SESSION.as_bytes(),
            Some(("g.gpx", gpx.as_bytes())),
            Some(("h.json", hr.as_bytes())),
        )
        .expect("reads");
        let a = &acts[0];
        assert_eq!(a.samples.len(), 2);
        assert!(a.samples.hr_bpm.as_ref().expect("hr")[1] == 150.0);
        assert_eq!(a.utc_offset.map(|o| o.seconds), Some(7200));
    }

    #[test]
    fn lone_files_read_or_are_refused_by_what_they_hold() {
        let hr = hr_json(&[("2018-09-01 11:28:34 +0200", 142, 0)]);
        let a = read("h.json", hr.as_bytes()).expect("heart rate alone")[0].clone();
        assert_eq!(
            a.utc_offset.map(|o| (o.seconds, o.source)),
            Some((7200, OffsetSource::TimeOffset))
        );
        assert_eq!(a.sport, Sport::Unknown);
        for (text, what) in [
            (r#"{"equipment_type":"shoe","samples_ids":[]}"#, "shoe"),
            (
                r#"{"created_at":1,"latitude":1.0,"longitude":2.0,"id":"5"}"#,
                "photo description",
            ),
            (r#"{"id":"x","sample_id":"x","photos_ids":["1"]}"#, "album"),
            (r#"{"first_name":"John","login":"J"}"#, "user profile"),
        ] {
            let e = read("f.json", text.as_bytes()).expect_err(what);
            assert!(
                matches!(&e, IngestError::NotAnActivity { file_type, .. } if file_type.contains(what)),
                "{e}"
            );
        }
        assert!(matches!(
            read("f.json", b"[]"),
            Err(IngestError::Empty { .. })
        ));
        assert!(matches!(
            read("f.json", b"{\"a\":1}"),
            Err(IngestError::Malformed { .. })
        ));
    }

    /// The real export's files, laid out as the export has them.
    fn real_export_tree() -> tempfile::TempDir {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "tests/corpus/health-apps/runtastic/\
             fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__",
        );
        let real = |name: &str| {
            let mut p = corpus.clone().into_os_string();
            p.push(name);
            std::fs::read(p).expect("corpus file readable")
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let id = "fdd2f131-ef65-4e6c-b27e-50b8ecf465d4";
        let s = dir.path().join("Sport-sessions");
        for (sub, name) in [
            ("", "SportSession.json"),
            ("GPS-data", "GpsData.json"),
            ("Heart-rate-data", "HeartRateData.json"),
        ] {
            std::fs::create_dir_all(s.join(sub)).expect("mkdir");
            std::fs::write(s.join(sub).join(format!("{id}.json")), real(name)).expect("write");
        }
        dir
    }

    /// The distinct `timestamp` strings of a real sample file, counted
    /// without the reader.
    fn distinct_timestamps(bytes: &[u8]) -> std::collections::BTreeSet<String> {
        let v: Value = serde_json::from_slice(bytes).expect("the real file is JSON");
        v.as_array()
            .expect("a list")
            .iter()
            .map(|x| x["timestamp"].as_str().expect("a timestamp").to_string())
            .collect()
    }

    #[test]
    fn the_real_session_read_from_its_export_tree_joins_both_streams() {
        let dir = real_export_tree();
        let s = dir.path().join("Sport-sessions");
        let id = "fdd2f131-ef65-4e6c-b27e-50b8ecf465d4.json";
        let (sp, gp, hp) = (
            s.join(id),
            s.join("GPS-data").join(id),
            s.join("Heart-rate-data").join(id),
        );
        let read_file = |p: &std::path::Path| std::fs::read(p).expect("readable");
        let (session, gps, hr) = (read_file(&sp), read_file(&gp), read_file(&hp));
        let shown = |p: &std::path::Path| p.display().to_string();
        let acts = read_session(
            &shown(&sp),
            &session,
            Some((&shown(&gp), &gps)),
            Some((&shown(&hp), &hr)),
        )
        .expect("the real session reads");
        assert_eq!(acts.len(), 1);
        let a = &acts[0];
        // The session says start_time 1535794114000 (09:28:34Z), offset
        // 7200000 ms, duration 2983000 ms, sport_type_id "1".
        assert_eq!(a.start_utc.timestamp_millis(), 1_535_794_114_000);
        assert_eq!(
            a.utc_offset,
            Some(UtcOffset {
                seconds: 7200,
                source: OffsetSource::RuntasticOffsetField
            })
        );
        assert_eq!(a.timer_s, Some(2983.0));
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.elapsed_s(), 2983.0);
        // Every heart-rate second is also a GPS second (998 and 993
        // distinct, as python's set() also counts them), so the samples
        // are the GPS seconds and heart rate is on the heart-rate ones.
        let (g, h) = (distinct_timestamps(&gps), distinct_timestamps(&hr));
        assert!(h.is_subset(&g));
        assert_eq!((g.len(), h.len()), (998, 993));
        assert_eq!(a.samples.len(), g.len());
        let hr_n = a
            .samples
            .hr_bpm
            .as_ref()
            .expect("hr")
            .iter()
            .filter(|x| x.is_finite())
            .count();
        assert_eq!(hr_n, h.len());
        assert!(Samples::has(&a.samples.lat_deg));
        // Speed in km/h became m/s: its mean (×3.6) is the session's
        // average_speed, 12.2011 km/h.
        let v: Vec<f64> = a
            .samples
            .speed_mps
            .as_ref()
            .expect("speed")
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        let mean_kmh = v.iter().sum::<f64>() / v.len() as f64 * KMH_PER_MPS;
        assert!((mean_kmh - 12.2011).abs() < 0.05, "{mean_kmh}");
        // The file's last distance, 10107 m (the session says 10110).
        assert_eq!(a.distance_m(), Some(10_107.0));
        assert!(a.pauses.is_empty(), "the timer equals the clock throughout");
        assert!(
            a.warnings
                .iter()
                .all(|w| w.contains("repeated an earlier timestamp")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn sport_ids_map_to_running_variants_and_other_sports() {
        assert_eq!(sport("14"), (Sport::Running, Some("treadmill".into())));
        assert_eq!(sport("82"), (Sport::Running, Some("trail".into())));
        assert_eq!(sport("3").0, Sport::Cycling);
        assert_eq!(sport("5").0, Sport::Other("other".into()));
        assert_eq!(
            sport("999").0,
            Sport::Other("adidas running sport 999".into())
        );
    }
}
