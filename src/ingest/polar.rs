//! Polar Flow training sessions (`training-session-*.json` from a Polar
//! account export): one activity per exercise, in either of the two shapes
//! the export has written, told apart per exercise by its keys.
//!
//! - **Older** (`exportVersion` 1.x–2.x; the real sample in
//!   `tests/corpus/health-apps/polar/`): `startTime` is naive local time and
//!   `timeZoneOffset` (in exercises spelled `timezoneOffset`) its offset in
//!   minutes; `exercises[].samples.{heartRate,speed,cadence,altitude,distance}`
//!   are lists of `{dateTime, value}` (`value` may be missing), and the route
//!   is `recordedRoute` `[{dateTime, latitude, longitude, altitude}]` (inside
//!   `samples` in the real file).
//! - **Newer** (no real sample is licensed; the shape is the one a published
//!   Polar-export-to-FIT converter types and reads: `types.ts` and
//!   `polarToFit.ts` of a "polar-to-strava-fit" project, found in the code
//!   index): `timezoneOffsetMinutes`, `durationMillis`, `sport: {id}`,
//!   `exercises[].samples.samples[{type, intervalMillis, values}]` (value `i`
//!   at the exercise's start plus `i · intervalMillis`), and
//!   `routes.route{startTime, wayPoints[{latitude, longitude, altitude,
//!   elapsedMillis}]}`. `values` may hold a bare `NaN`, which is not JSON:
//!   it is read as missing (`json::parse`).
//!
//! Units: speed is km/h in both shapes (the converter confirmed it against
//! distance ÷ duration; `/3.6` here), cadence strides per minute (the real
//! file's exercise summary says `cadence.avg` 88 for an 8.6 km/h run — 88
//! steps/min would be a walk), doubled into steps for foot sports as the FIT
//! reader does. A session without any offset has an unknown local time: its
//! naive times are read as UTC, `utc_offset` stays `None`, and a warning
//! says so.
//!
//! The route and the samples may run on different clocks (the real file's
//! route starts 1 h 20 min after its heart rate, over the same span): the
//! samples' clock is kept. A route whose times fall outside the samples' is
//! moved onto their clock only when both span the same time (within 2 % or
//! 60 s), with a warning naming the shift; otherwise its positions are left
//! out, with a warning. Positions then join the sample nearest in time
//! within half a second (Polar writes both at 1 Hz, the route on its own
//! sub-second phase); others become samples of their own.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::json;
use super::xml;
use crate::activity::{
    Activity, ActivityMeta, Format, OffsetSource, RawSample, Sport, TrackBuilder,
};
use crate::error::IngestError;

/// The name used in error messages.
const FORMAT: &str = "Polar Flow";

/// km/h to m/s.
const KMH_PER_MPS: f64 = 3.6;

/// A route point joins a sample at most this far away in time (half of
/// Polar's 1 s recording interval).
const ROUTE_SNAP_MS: i64 = 500;

/// How far outside the samples' time span a route may reach and still count
/// as on their clock (a GPS fix found late, a sample series ending early).
const ROUTE_CLOCK_SLACK_MS: i64 = 60_000;

/// Spans within this share of the samples' span (or [`ROUTE_CLOCK_SLACK_MS`],
/// whichever is larger) are the same recording on another clock.
const ROUTE_SPAN_TOLERANCE: f64 = 0.02;

/// Polar Flow sport ids, as Polar Flow's sport settings page lists them
/// (`https://flow.polar.com/settings/sports`, transcribed by the Bipolar
/// project: github.com/pcolby/bipolar/wiki/Polar-Sport-Types). The newer
/// export writes `sport: {id}`; the published converter calls the ids
/// undocumented, so the session's `name` is the fallback.
const POLAR_SPORT_IDS: &[(u32, &str)] = &[
    (1, "Running"),
    (2, "Cycling"),
    (3, "Walking"),
    (4, "Jogging"),
    (5, "Mountain biking"),
    (6, "Skiing"),
    (7, "Downhill skiing"),
    (8, "Rowing"),
    (9, "Nordic walking"),
    (10, "Skating"),
    (11, "Hiking"),
    (12, "Tennis"),
    (13, "Squash"),
    (14, "Badminton"),
    (15, "Strength training"),
    (16, "Other outdoor"),
    (17, "Treadmill running"),
    (18, "Indoor cycling"),
    (19, "Road running"),
    (20, "Circuit training"),
    (22, "Snowboarding"),
    (23, "Swimming"),
    (24, "Freestyle XC skiing"),
    (25, "Classic XC skiing"),
    (27, "Trail running"),
    (28, "Ice skating"),
    (29, "Inline skating"),
    (30, "Roller skating"),
    (32, "Group exercise"),
    (33, "Yoga"),
    (34, "Crossfit"),
    (35, "Golf"),
    (36, "Track&field running"),
    (38, "Road cycling"),
    (39, "Soccer"),
    (40, "Cricket"),
    (41, "Basketball"),
    (42, "Baseball"),
    (43, "Rugby"),
    (44, "Field hockey"),
    (45, "Volleyball"),
    (46, "Ice hockey"),
    (47, "Football"),
    (48, "Handball"),
    (49, "Beach volley"),
    (50, "Futsal"),
    (51, "Floorball"),
    (52, "Dancing"),
    (53, "Trotting"),
    (54, "Riding"),
    (55, "Cross-trainer"),
    (56, "Fitness martial arts"),
    (57, "Functional training"),
    (58, "Bootcamp"),
    (59, "Freestyle roller skiing"),
    (60, "Classic roller skiing"),
    (61, "Aerobics"),
    (62, "Aqua fitness"),
    (63, "Step workout"),
    (64, "Body&Mind"),
    (65, "Pilates"),
    (66, "Stretching"),
    (67, "Fitness dancing"),
    (68, "Triathlon"),
    (69, "Duathlon"),
    (70, "Off-road triathlon"),
    (71, "Off-road duathlon"),
    (83, "Other indoor"),
    (84, "Orienteering"),
    (85, "Ski orienteering"),
    // The list goes on past 85 with sports cramplab never analyses; an id
    // not here is named by its number.
];

/// A per-sample channel and its unit in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    HeartRate,
    SpeedKmh,
    /// Strides (or pedal revolutions) per minute.
    Cadence,
    Altitude,
    Distance,
    Power,
    Temperature,
}

impl Channel {
    /// The older shape's `samples` key.
    fn from_older_key(key: &str) -> Option<Channel> {
        Some(match key {
            "heartRate" => Channel::HeartRate,
            "speed" => Channel::SpeedKmh,
            "cadence" => Channel::Cadence,
            "altitude" => Channel::Altitude,
            "distance" => Channel::Distance,
            "power" => Channel::Power,
            "temperature" => Channel::Temperature,
            _ => return None,
        })
    }

    /// The newer shape's sample `type`.
    fn from_newer_type(t: &str) -> Option<Channel> {
        Some(match t {
            "HEART_RATE" => Channel::HeartRate,
            "SPEED" => Channel::SpeedKmh,
            "CADENCE" => Channel::Cadence,
            "ALTITUDE" => Channel::Altitude,
            "DISTANCE" => Channel::Distance,
            "POWER" => Channel::Power,
            "TEMPERATURE" => Channel::Temperature,
            _ => return None,
        })
    }

    fn set(self, r: &mut RawSample, v: f64) {
        match self {
            Channel::HeartRate => r.hr_bpm = Some(v),
            Channel::SpeedKmh => r.speed_mps = Some(v / KMH_PER_MPS),
            Channel::Cadence => r.cadence_spm = Some(v),
            Channel::Altitude => r.altitude_m = Some(v),
            Channel::Distance => r.distance_m = Some(v),
            Channel::Power => r.power_w = Some(v),
            Channel::Temperature => r.temperature_c = Some(v),
        }
    }
}

/// One route point, UTC.
#[derive(Debug, Clone, Copy)]
struct RoutePoint {
    time_ms: i64,
    lat_deg: f64,
    lon_deg: f64,
    altitude_m: Option<f64>,
}

/// What the session (the file's top level) says for all its exercises.
#[derive(Debug, Default)]
struct Session {
    offset_min: Option<f64>,
    name: Option<String>,
    device: Option<String>,
    start: Option<String>,
    duration_s: Option<f64>,
}

/// Counters behind one exercise's warnings.
#[derive(Debug, Default)]
struct Tally {
    bad_times: usize,
    no_value: usize,
    bad_points: usize,
    bad_series: usize,
    unread_types: Vec<String>,
}

/// Read a Polar Flow training-session file: one activity per exercise.
///
/// Errors: [`IngestError::Malformed`] when the bytes are not JSON (bare
/// `NaN` tokens aside) or the top level is not an object;
/// [`IngestError::NotAnActivity`] for a Polar export file without
/// `exercises` (daily activity, profile, …); [`IngestError::Empty`] when no
/// exercise holds a timed sample or route point.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let parsed = json::parse(path, FORMAT, bytes)?;
    let root = parsed
        .value
        .as_object()
        .ok_or_else(|| IngestError::Malformed {
            path: path.to_string(),
            format: FORMAT,
            reason: "the top level is not a JSON object".to_string(),
        })?;
    let exercises = match root.get("exercises") {
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(IngestError::Malformed {
                path: path.to_string(),
                format: FORMAT,
                reason: "`exercises` is not a list".to_string(),
            });
        }
        None => {
            return Err(IngestError::NotAnActivity {
                path: path.to_string(),
                file_type: "Polar Flow file without exercises (not a training session)".to_string(),
            });
        }
    };
    let session = Session {
        offset_min: ["timezoneOffsetMinutes", "timeZoneOffset", "timezoneOffset"]
            .iter()
            .find_map(|k| root.get(*k).and_then(json::number)),
        name: root.get("name").and_then(json::text),
        device: device(root),
        start: root.get("startTime").and_then(json::text),
        duration_s: duration_s(root),
    };
    let mut out = Vec::new();
    let n = exercises.len();
    for (i, ex) in exercises.iter().enumerate() {
        let Some(ex) = ex.as_object() else {
            continue;
        };
        if let Some(mut a) = read_exercise(path, &session, ex) {
            if n > 1 {
                a.warnings
                    .insert(0, format!("exercise {} of {n} in this session", i + 1));
            }
            a.warnings.extend(parsed.warning());
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(IngestError::Empty {
            path: path.to_string(),
        });
    }
    Ok(out)
}

/// The recording device or app: `product.modelName`, else `application.name`.
fn device(root: &Map<String, Value>) -> Option<String> {
    let get = |outer: &str, inner: &str| {
        root.get(outer)
            .and_then(|o| o.get(inner))
            .and_then(json::text)
            .filter(|s| !s.is_empty())
    };
    get("product", "modelName").or_else(|| get("application", "name"))
}

/// `durationMillis`, else the ISO 8601 `duration` (`PT2754.128S`), in seconds.
fn duration_s(o: &Map<String, Value>) -> Option<f64> {
    if let Some(ms) = o.get("durationMillis").and_then(json::number) {
        return Some(ms / 1000.0);
    }
    o.get("duration")
        .and_then(Value::as_str)
        .and_then(iso_duration_s)
}

/// An ISO 8601 duration (`PT2754.128S`, `PT1H2M3S`, `P1DT2H`) in seconds.
fn iso_duration_s(s: &str) -> Option<f64> {
    let rest = s.trim().strip_prefix('P')?;
    let mut total = 0.0;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' if num.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => num.push(if c == ',' { '.' } else { c }),
            'D' | 'H' | 'M' | 'S' => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                any = true;
                total += v * match (c, in_time) {
                    ('D', false) => 86_400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
            _ => return None,
        }
    }
    (any && num.is_empty() && total.is_finite()).then_some(total)
}

/// Whether a time's text carries its own zone (`Z`, `+02:00`).
fn zone_given(t: &str) -> bool {
    t.trim()
        .as_bytes()
        .get(19..)
        .is_some_and(|r| r.iter().any(|b| matches!(b, b'Z' | b'z' | b'+' | b'-')))
}

/// Turns the file's local times into UTC milliseconds.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Seconds east of UTC; 0 when the file gives none (times read as UTC).
    offset_s: i64,
}

impl Clock {
    fn utc_ms(self, text: &str) -> Option<i64> {
        let (ms, _) = xml::parse_time(text)?;
        if zone_given(text) {
            Some(ms)
        } else {
            ms.checked_sub(self.offset_s * 1000)
        }
    }
}

/// One exercise as an activity (`None` when it holds no timed data).
fn read_exercise(path: &str, session: &Session, ex: &Map<String, Value>) -> Option<Activity> {
    let mut meta = ActivityMeta::new(path, Format::Polar);
    let mut warnings = Vec::new();
    let offset_min = ["timezoneOffsetMinutes", "timezoneOffset", "timeZoneOffset"]
        .iter()
        .find_map(|k| ex.get(*k).and_then(json::number))
        .or(session.offset_min);
    match offset_min.map(|m| json::utc_offset(m * 60.0, OffsetSource::PolarOffsetField)) {
        Some(Ok(o)) => meta.utc_offset = Some(o),
        Some(Err(why)) => warnings.push(format!(
            "{why}; local times were read as UTC, so the start may be off by the runner's offset"
        )),
        None => warnings.push(
            "the session gives no UTC offset: its local times were read as UTC, so the start \
             may be off by the runner's offset (tag with times since the start, or check --tz)"
                .to_string(),
        ),
    }
    let clock = Clock {
        offset_s: meta.utc_offset.map_or(0, |o| i64::from(o.seconds)),
    };
    let (sport, sub_sport) = sport(ex.get("sport"), session.name.as_deref());
    meta.sport = sport;
    meta.sub_sport = sub_sport;
    meta.device = session.device.clone();
    meta.timer_s = duration_s(ex).or(session.duration_s);

    let mut tally = Tally::default();
    let mut samples: BTreeMap<i64, RawSample> = BTreeMap::new();
    let mut route: Vec<RoutePoint> = Vec::new();
    let start_text = ex
        .get("startTime")
        .and_then(json::text)
        .or_else(|| session.start.clone());
    let start_ms = start_text.as_deref().and_then(|t| clock.utc_ms(t));
    match ex.get("samples") {
        Some(Value::Object(s)) if s.get("samples").is_some_and(Value::is_array) => {
            newer_samples(s, start_ms, &mut samples, &mut tally);
        }
        Some(Value::Object(s)) => {
            older_samples(s, clock, &mut samples, &mut tally);
            if let Some(r) = s.get("recordedRoute") {
                older_route(r, clock, &mut route, &mut tally);
            }
        }
        _ => {}
    }
    if let Some(r) = ex.get("recordedRoute") {
        older_route(r, clock, &mut route, &mut tally);
    }
    if let Some(r) = ex.get("routes").and_then(|r| r.get("route")) {
        newer_route(r, clock, start_ms, &mut route, &mut tally);
    }
    let extra = place_route(&mut samples, route, &mut warnings);

    warnings.extend(tally_warnings(&tally));
    let mut b = TrackBuilder::new(meta);
    b.reserve(samples.len() + extra.len());
    let doubles = matches!(
        b.meta.sport,
        Sport::Running | Sport::Walking | Sport::Unknown
    );
    for mut r in samples.into_values().chain(extra) {
        if doubles {
            r.cadence_spm = r.cadence_spm.map(|c| c * 2.0);
        }
        b.push(r);
    }
    b.warnings = warnings;
    b.finish()
}

/// The exercise's sport: the older shape's name (`RUNNING`), the newer
/// shape's `{id}` (Polar Flow's sport list), else the session's `name`.
fn sport(v: Option<&Value>, session_name: Option<&str>) -> (Sport, Option<String>) {
    if let Some(name) = v.and_then(Value::as_str) {
        return sport_from_name(name);
    }
    let id = v.and_then(|s| s.get("id")).and_then(json::text);
    if let Some(id) = id {
        let named = id
            .parse::<u32>()
            .ok()
            .and_then(|n| POLAR_SPORT_IDS.iter().find(|(i, _)| *i == n))
            .map(|(_, name)| *name);
        if let Some(name) = named {
            return sport_from_name(name);
        }
        if let Some(n) = session_name {
            let s = sport_from_name(n);
            if !matches!(s.0, Sport::Other(_) | Sport::Unknown) {
                return s;
            }
        }
        return (Sport::Other(format!("polar sport {id}")), None);
    }
    session_name.map_or((Sport::Unknown, None), sport_from_name)
}

/// A Polar sport name (`RUNNING`, `TRAIL_RUNNING`, `Road cycling`) to a
/// [`Sport`], with the running variant as `sub_sport` (`trail`).
fn sport_from_name(name: &str) -> (Sport, Option<String>) {
    let n = name
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-', '&'], "_");
    if n == "running" || n == "jogging" {
        return (Sport::Running, None);
    }
    if let Some(variant) = n.strip_suffix("_running") {
        return (Sport::Running, Some(variant.to_string()));
    }
    let sport = if n.contains("cycling") || n.contains("biking") {
        Sport::Cycling
    } else if n.contains("walking") || n == "hiking" {
        Sport::Walking
    } else if n.contains("swimming") {
        Sport::Swimming
    } else if n.is_empty() || n.bytes().all(|b| b.is_ascii_digit()) {
        // Never a FIT sport number (`Sport::from_name("1")` is cycling).
        Sport::Unknown
    } else {
        Sport::from_name(&n)
    };
    (sport, None)
}

/// The older shape's series: `{dateTime, value}` per key.
fn older_samples(
    s: &Map<String, Value>,
    clock: Clock,
    out: &mut BTreeMap<i64, RawSample>,
    tally: &mut Tally,
) {
    for (key, series) in s {
        let Some(channel) = Channel::from_older_key(key) else {
            if key != "recordedRoute" {
                tally.unread_types.push(key.clone());
            }
            continue;
        };
        let Some(list) = series.as_array() else {
            tally.bad_series += 1;
            continue;
        };
        for item in list {
            let Some(t) = item
                .get("dateTime")
                .and_then(Value::as_str)
                .and_then(|t| clock.utc_ms(t))
            else {
                tally.bad_times += 1;
                continue;
            };
            let Some(v) = item.get("value").and_then(json::number) else {
                tally.no_value += 1;
                continue;
            };
            let r = out.entry(t).or_insert_with(|| RawSample {
                time_ms: t,
                ..RawSample::default()
            });
            channel.set(r, v);
        }
    }
}

/// The newer shape's series: `{type, intervalMillis, values}` from the
/// exercise's start.
fn newer_samples(
    s: &Map<String, Value>,
    start_ms: Option<i64>,
    out: &mut BTreeMap<i64, RawSample>,
    tally: &mut Tally,
) {
    let Some(list) = s.get("samples").and_then(Value::as_array) else {
        return;
    };
    for series in list {
        let kind = series.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(channel) = Channel::from_newer_type(kind) else {
            tally.unread_types.push(kind.to_string());
            continue;
        };
        let interval = series.get("intervalMillis").and_then(json::number);
        let values = series.get("values").and_then(Value::as_array);
        let (Some(start), Some(interval), Some(values)) = (start_ms, interval, values) else {
            tally.bad_series += 1;
            continue;
        };
        // A zero, negative or absurd interval cannot place the values.
        if !(1.0..=3_600_000.0).contains(&interval) {
            tally.bad_series += 1;
            continue;
        }
        for (i, v) in values.iter().enumerate() {
            let Some(v) = json::number(v) else {
                tally.no_value += 1;
                continue;
            };
            let t = start.saturating_add((i as f64 * interval).round() as i64);
            let r = out.entry(t).or_insert_with(|| RawSample {
                time_ms: t,
                ..RawSample::default()
            });
            channel.set(r, v);
        }
    }
}

/// The older shape's `recordedRoute`: `{dateTime, latitude, longitude, altitude}`.
fn older_route(v: &Value, clock: Clock, out: &mut Vec<RoutePoint>, tally: &mut Tally) {
    let Some(list) = v.as_array() else {
        tally.bad_series += 1;
        return;
    };
    for p in list {
        let t = p
            .get("dateTime")
            .and_then(Value::as_str)
            .and_then(|t| clock.utc_ms(t));
        push_point(p, t, out, tally);
    }
}

/// The newer shape's `route`: `wayPoints` timed by `elapsedMillis` from the
/// route's `startTime` (else the exercise's).
fn newer_route(
    route: &Value,
    clock: Clock,
    exercise_start_ms: Option<i64>,
    out: &mut Vec<RoutePoint>,
    tally: &mut Tally,
) {
    let Some(list) = route.get("wayPoints").and_then(Value::as_array) else {
        return;
    };
    let start = route
        .get("startTime")
        .and_then(Value::as_str)
        .and_then(|t| clock.utc_ms(t))
        .or(exercise_start_ms);
    for p in list {
        let t = match (start, p.get("elapsedMillis").and_then(json::number)) {
            (Some(s), Some(e)) if e.abs() < 1e12 => Some(s.saturating_add(e.round() as i64)),
            _ => None,
        };
        push_point(p, t, out, tally);
    }
}

fn push_point(p: &Value, t: Option<i64>, out: &mut Vec<RoutePoint>, tally: &mut Tally) {
    let lat = p.get("latitude").and_then(json::number);
    let lon = p.get("longitude").and_then(json::number);
    match (t, lat, lon) {
        (Some(time_ms), Some(lat_deg), Some(lon_deg)) => out.push(RoutePoint {
            time_ms,
            lat_deg,
            lon_deg,
            altitude_m: p.get("altitude").and_then(json::number),
        }),
        (None, _, _) => tally.bad_times += 1,
        _ => tally.bad_points += 1,
    }
}

/// Seconds as `4827.8 s (1:20:28)`.
fn span_text(ms: i64) -> String {
    let s = ms as f64 / 1000.0;
    let whole = s.abs().round() as i64;
    format!(
        "{:.1} s ({}:{:02}:{:02})",
        s.abs(),
        whole / 3600,
        whole / 60 % 60,
        whole % 60
    )
}

/// Put the route on the samples' clock (module docs) and join each point
/// to the nearest sample within [`ROUTE_SNAP_MS`]. Returns the points that
/// found no sample free to take them, as samples of their own.
fn place_route(
    samples: &mut BTreeMap<i64, RawSample>,
    mut route: Vec<RoutePoint>,
    warnings: &mut Vec<String>,
) -> Vec<RawSample> {
    if route.is_empty() {
        return Vec::new();
    }
    route.sort_by_key(|p| p.time_ms);
    let (Some(&s0), Some(&s1)) = (samples.keys().next(), samples.keys().next_back()) else {
        // Positions only: nothing to agree with.
        return route.iter().map(|p| own_sample(p, 0)).collect();
    };
    let (r0, r1) = (route[0].time_ms, route[route.len() - 1].time_ms);
    let inside = r0 >= s0.saturating_sub(ROUTE_CLOCK_SLACK_MS)
        && r1 <= s1.saturating_add(ROUTE_CLOCK_SLACK_MS);
    let mut shift = 0i64;
    if !inside {
        let (sample_span, route_span) = (s1 - s0, r1 - r0);
        let tolerance =
            ((sample_span as f64 * ROUTE_SPAN_TOLERANCE) as i64).max(ROUTE_CLOCK_SLACK_MS);
        if (route_span - sample_span).abs() <= tolerance {
            shift = s0 - r0;
            warnings.push(format!(
                "the route's clock runs {} {} the samples' clock over the same span (the route \
                 {}, the samples {}): positions were moved {} by that much, onto the samples' \
                 clock",
                span_text(shift),
                if shift < 0 { "after" } else { "before" },
                span_text(route_span),
                span_text(sample_span),
                if shift < 0 { "back" } else { "forward" },
            ));
        } else {
            warnings.push(format!(
                "the route's {} route point(s) are timed outside the samples' span and cover {} \
                 against their {}: no shift can be trusted, so positions were left out",
                route.len(),
                span_text(route_span),
                span_text(sample_span),
            ));
            return Vec::new();
        }
    }
    let mut extra = Vec::new();
    for p in &route {
        let t = p.time_ms.saturating_add(shift);
        let near = samples
            .range(t.saturating_sub(ROUTE_SNAP_MS)..=t.saturating_add(ROUTE_SNAP_MS))
            .filter(|(_, r)| r.lat_deg.is_none())
            .min_by_key(|(k, _)| (**k - t).abs())
            .map(|(k, _)| *k);
        match near.and_then(|k| samples.get_mut(&k)) {
            Some(r) => {
                r.lat_deg = Some(p.lat_deg);
                r.lon_deg = Some(p.lon_deg);
                if r.altitude_m.is_none() {
                    r.altitude_m = p.altitude_m;
                }
            }
            None => extra.push(own_sample(p, shift)),
        }
    }
    extra
}

fn own_sample(p: &RoutePoint, shift: i64) -> RawSample {
    RawSample {
        time_ms: p.time_ms.saturating_add(shift),
        lat_deg: Some(p.lat_deg),
        lon_deg: Some(p.lon_deg),
        altitude_m: p.altitude_m,
        ..RawSample::default()
    }
}

fn tally_warnings(t: &Tally) -> Vec<String> {
    let mut w = Vec::new();
    if t.bad_times > 0 {
        w.push(format!(
            "{} sample(s) or route point(s) had no readable time and were left out",
            t.bad_times
        ));
    }
    if t.no_value > 0 {
        w.push(format!("{} sample(s) had no value", t.no_value));
    }
    if t.bad_points > 0 {
        w.push(format!(
            "{} route point(s) had no valid latitude/longitude",
            t.bad_points
        ));
    }
    if t.bad_series > 0 {
        w.push(format!(
            "{} sample series could not be placed in time (no start, interval or values) \
             and were left out",
            t.bad_series
        ));
    }
    if !t.unread_types.is_empty() {
        let mut types = t.unread_types.clone();
        types.sort();
        types.dedup();
        w.push(format!("sample series not read: {}", types.join(", ")));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::UtcOffset;

    fn one(text: &str) -> Activity {
        let mut acts = read("t.json", text.as_bytes()).expect("reads");
        assert_eq!(acts.len(), 1, "{acts:?}");
        acts.remove(0)
    }

    /// An older-shape session with `hr` and `route` entries given as
    /// `(second, value)` and `(second, lat)` from 2017-01-23T18:20:00 local.
    fn older(offset: &str, hr: &[(u32, &str)], route: &[(u32, f64)]) -> String {
        let hr: Vec<String> = hr
            .iter()
            .map(|(s, v)| format!(r#"{{"dateTime":"2017-01-23T18:20:{s:02}.000"{v}}}"#))
            .collect();
        let route: Vec<String> = route
            .iter()
            .map(|(s, lat)| {
                format!(
                    r#"{{"dateTime":"2017-01-23T{s}","latitude":{lat},"longitude":8.5,"altitude":-3.0}}"#,
                    s = clock_text(*s)
                )
            })
            .collect();
        format!(
            r#"{{"exportVersion":"1.3","name":"Laufen","startTime":"2017-01-23T18:20:00.000",{offset}
               "exercises":[{{"startTime":"2017-01-23T18:20:00.000","duration":"PT60.5S",
               "sport":"RUNNING","samples":{{"heartRate":[{}],"recordedRoute":[{}]}}}}]}}"#,
            hr.join(","),
            route.join(",")
        )
    }

    /// Local clock text `HH:MM:SS.mmm` at `ms` after 18:20:00.
    fn clock_text(ms: u32) -> String {
        let total = 18 * 3_600_000 + 20 * 60_000 + ms;
        format!(
            "{:02}:{:02}:{:02}.{:03}",
            total / 3_600_000,
            total / 60_000 % 60,
            total / 1000 % 60,
            total % 1000
        )
    }

    #[test]
    fn older_shape_local_times_become_utc_with_the_polar_offset() {
        let text = older(
            r#""timeZoneOffset":60,"#,
            &[(0, r#","value":95"#), (1, r#","value":96"#)],
            &[],
        );
        let a = one(&text);
        assert_eq!(a.start_utc.to_rfc3339(), "2017-01-23T17:20:00+00:00");
        assert_eq!(
            a.utc_offset,
            Some(UtcOffset {
                seconds: 3600,
                source: OffsetSource::PolarOffsetField
            })
        );
        assert_eq!(a.samples.hr_bpm, Some(vec![95.0, 96.0]));
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.timer_s, Some(60.5));
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn a_sample_without_value_is_counted_not_invented() {
        let text = older(
            r#""timeZoneOffset":60,"#,
            &[(0, r#","value":95"#), (1, ""), (2, r#","value":97"#)],
            &[],
        );
        let a = one(&text);
        assert_eq!(a.samples.len(), 2);
        assert!(a.warnings.iter().any(|w| w == "1 sample(s) had no value"));
    }

    #[test]
    fn a_session_without_offset_is_read_as_utc_and_says_so() {
        let a = one(&older("", &[(0, r#","value":95"#)], &[]));
        assert_eq!(a.utc_offset, None);
        assert_eq!(a.start_utc.to_rfc3339(), "2017-01-23T18:20:00+00:00");
        assert!(a.warnings[0].contains("no UTC offset"), "{:?}", a.warnings);
    }

    #[test]
    fn a_route_on_the_same_clock_joins_the_nearest_sample() {
        // Route points 0.8 s after heart-rate seconds 0..3: each joins the
        // nearest sample, the next second's (0.2 s away).
        let hr: Vec<(u32, &str)> = (0..5).map(|s| (s, r#","value":120"#)).collect();
        let route: Vec<(u32, f64)> = (0..4)
            .map(|s| (s * 1000 + 800, 53.1 + f64::from(s) * 1e-4))
            .collect();
        let a = one(&older(r#""timeZoneOffset":60,"#, &hr, &route));
        assert_eq!(a.samples.len(), 5);
        let lat = a.samples.lat_deg.expect("positions");
        assert!(lat[0].is_nan());
        assert!((lat[1] - 53.1).abs() < 1e-9 && (lat[4] - 53.1003).abs() < 1e-9);
        assert_eq!(a.samples.altitude_m.expect("route altitude")[1], -3.0);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn a_route_on_a_shifted_clock_over_the_same_span_is_moved_with_a_warning() {
        let hr: Vec<(u32, &str)> = (0..10).map(|s| (s, r#","value":120"#)).collect();
        // The same 9 s span, 30 minutes and 0.8 s later.
        let route: Vec<(u32, f64)> = (0..10)
            .map(|s| (1_800_800 + s * 1000, 53.0 + f64::from(s) * 1e-4))
            .collect();
        let a = one(&older(r#""timeZoneOffset":60,"#, &hr, &route));
        assert_eq!(a.samples.len(), 10, "every point found its second");
        let lat = a.samples.lat_deg.expect("positions kept");
        assert!((lat[0] - 53.0).abs() < 1e-9 && (lat[9] - 53.0009).abs() < 1e-9);
        let w = a.warnings.join("\n");
        assert!(
            w.contains("runs 1800.8 s (0:30:01) after the samples' clock")
                && w.contains("moved back by that much"),
            "{w}"
        );
    }

    #[test]
    fn a_route_whose_clock_and_span_disagree_is_left_out_with_a_warning() {
        let hr: Vec<(u32, &str)> = (0..10).map(|s| (s, r#","value":120"#)).collect();
        // Five minutes later and three times as long: no shift fits.
        let route: Vec<(u32, f64)> = (0..3).map(|s| (300_000 + s * 200_000, 53.0)).collect();
        let a = one(&older(r#""timeZoneOffset":60,"#, &hr, &route));
        assert_eq!(a.samples.lat_deg, None);
        assert!(
            a.warnings
                .iter()
                .any(|w| w.contains("positions were left out")),
            "{:?}",
            a.warnings
        );
    }

    /// The hand-written newer-shape fixture (see its comment field).
    const NEWER: &str = include_str!("../../tests/fixtures/health-apps/polar-newer-shape.json");

    #[test]
    fn newer_shape_reads_series_by_interval_with_nan_as_missing() {
        let a = one(NEWER);
        // 2025-08-16T17:12:22 local at -420 min = 2025-08-17T00:12:22Z.
        assert_eq!(a.start_utc.to_rfc3339(), "2025-08-17T00:12:22+00:00");
        assert_eq!(a.utc_offset.map(|o| o.seconds), Some(-25_200));
        assert_eq!(a.device.as_deref(), Some("Polar Vantage V2"));
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.timer_s, Some(8.0));
        let hr = a.samples.hr_bpm.as_ref().expect("heart rate");
        // Values [101, NaN, 103, ...]: the NaN is a missing value.
        assert_eq!(hr[0], 101.0);
        assert!(hr[1].is_nan());
        // SPEED 10.8 km/h = 3 m/s.
        let v = a.samples.speed_mps.as_ref().expect("speed");
        assert!((v[0] - 3.0).abs() < 1e-9);
        // CADENCE 85 strides/min = 170 steps/min.
        assert_eq!(a.samples.cadence_spm.as_ref().expect("cadence")[0], 170.0);
        assert!(
            a.warnings.iter().any(|w| w.starts_with("2 bare NaN")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn newer_shape_waypoints_are_timed_from_the_route_start() {
        let a = one(NEWER);
        // Way points at elapsedMillis 1001, 2001, … from the route's start
        // (= the exercise's): each joins the sample one second in, and so on.
        let lat = a.samples.lat_deg.as_ref().expect("positions");
        assert!(lat[0].is_nan());
        assert!((lat[1] - 37.7749).abs() < 1e-9, "{lat:?}");
        assert_eq!(a.samples.len(), 8);
    }

    #[test]
    fn sports_come_from_names_ids_and_the_session_name() {
        assert_eq!(
            sport_from_name("TRAIL_RUNNING"),
            (Sport::Running, Some("trail".into()))
        );
        assert_eq!(sport_from_name("Road cycling").0, Sport::Cycling);
        assert_eq!(sport_from_name("1").0, Sport::Unknown);
        let id = |i: &str| sport(Some(&serde_json::json!({ "id": i })), None);
        assert_eq!(id("1").0, Sport::Running);
        assert_eq!(id("17"), (Sport::Running, Some("treadmill".into())));
        assert_eq!(id("2").0, Sport::Cycling);
        assert_eq!(id("999").0, Sport::Other("polar sport 999".into()));
        let named = sport(Some(&serde_json::json!({ "id": "999" })), Some("Running"));
        assert_eq!(named.0, Sport::Running);
    }

    #[test]
    fn iso_durations_read_as_seconds() {
        assert_eq!(iso_duration_s("PT2754.128S"), Some(2754.128));
        assert_eq!(iso_duration_s("PT1H2M3S"), Some(3723.0));
        assert_eq!(iso_duration_s("P1DT1S"), Some(86_401.0));
        assert_eq!(iso_duration_s("PT"), None);
        assert_eq!(iso_duration_s("1H"), None);
    }

    #[test]
    fn files_without_exercises_or_samples_are_refused_with_a_reason() {
        let e = read("p.json", br#"{"exportVersion":"1.3","name":"x"}"#).expect_err("no exercises");
        assert!(matches!(e, IngestError::NotAnActivity { .. }), "{e}");
        let e = read("p.json", br#"{"exercises":[{"samples":{}}]}"#).expect_err("no samples");
        assert!(matches!(e, IngestError::Empty { .. }), "{e}");
        let e = read("p.json", b"[1,2]").expect_err("not an object");
        assert!(e.to_string().contains("p.json"), "{e}");
    }
}
