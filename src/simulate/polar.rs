//! Writes a simulated run as a Polar Flow account-export training session,
//! so the Polar reader is tested against a planted truth, in either of the
//! two shapes DESIGN §6 describes:
//!
//! - the older one (`exportVersion` "1.3", as the real session in
//!   `tests/corpus/health-apps/polar/` holds): `startTime` as naive local
//!   time with the offset in `timeZoneOffset` minutes (spelled
//!   `timezoneOffset` inside the exercise), ISO 8601 durations, and
//!   `exercises[].samples.{heartRate, speed, cadence, altitude, distance}`
//!   as `[{dateTime, value}]` where `value` is missing for some samples
//!   (no GPS fix yet, a heart-rate dropout), plus `recordedRoute` on the
//!   same clock as the samples (the real file's route runs 80 minutes
//!   late; that mismatch is the readers' corpus test, not planted here);
//! - the newer one: `identifier`, `timezoneOffsetMinutes`,
//!   `durationMillis`, `exercises[].samples.samples[{type, intervalMillis,
//!   values}]` with a bare `NaN` for each missing value (which is not
//!   JSON: readers must cope), `routes.route.wayPoints[{…, elapsedMillis}]`
//!   counted from the route's own `startTime` (the first GPS fix), and
//!   `pauseTimes`.
//!
//! Speed is in km/h in both, cadence in strides per minute (the real
//! session's running cadence averages 88). No sample is written while the
//! older shape's watch is paused; the newer shape's fixed-interval arrays
//! hold `NaN` for the seconds strictly inside a pause. Files are named
//! `training-session-<local date>-<session id>-<uuid>.json`, as in
//! published Polar exports (e.g.
//! `training-session-2014-01-27-263915162-07e7d91b-…-036d8a023f3e.json`).
//!
//! Like the rest of the simulator it shares no code with the readers.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::apple::uuid_v4;
use super::random::{SimRng, chance, int_in, normal, uniform};
use super::sensors::Device;
use super::{SimError, SimRun};

/// Body mass of the simulated runner, kg, for the energy totals.
const BODY_MASS_KG: f64 = 70.0;
/// Net energy cost of running, kcal per kg per km (Margaria et al. 1963,
/// J Appl Physiol 18:367, as in the Apple writer).
const KCAL_PER_KG_KM: f64 = 1.0;
/// m/s to km/h.
const KMH_PER_MPS: f64 = 3.6;

/// Polar watches (FIT manufacturer 123 is Polar Electro in the FIT
/// profile's `manufacturer` list).
pub const DEVICES: [Device; 3] = [
    Device {
        name: "Polar Vantage M",
        manufacturer_id: 123,
        product_id: 0,
        barometer: false,
        watch: true,
        serial: 0,
    },
    Device {
        name: "Polar Pacer Pro",
        manufacturer_id: 123,
        product_id: 0,
        barometer: true,
        watch: true,
        serial: 0,
    },
    Device {
        name: "Polar Grit X",
        manufacturer_id: 123,
        product_id: 0,
        barometer: true,
        watch: true,
        serial: 0,
    },
];

/// Parameters of the Polar sessions.
#[derive(Debug, Clone, Serialize)]
pub struct PolarParams {
    /// Relative share of Polar runs in the format mix.
    pub weight: f64,
    /// Share of sessions in the newer `samples.samples` shape (the rest:
    /// `exportVersion` 1.3).
    pub newer_shape_share: f64,
    /// Share of heart-rate samples missing (a dropout): `NaN` in the newer
    /// shape, no `value` in the older.
    pub hr_missing_share: f64,
    /// Seconds without a GPS fix at the start (speed, distance and route
    /// missing), drawn from this range …
    pub first_fix_min_s: u32,
    /// … to this.
    pub first_fix_max_s: u32,
    /// Newer shape: the barometric altitude reads 0 for this many seconds
    /// while it settles (as observed in real newer exports).
    pub altitude_zero_s: u32,
}

impl Default for PolarParams {
    fn default() -> Self {
        PolarParams {
            weight: 0.3,
            newer_shape_share: 0.5,
            hr_missing_share: 0.005,
            first_fix_min_s: 1,
            first_fix_max_s: 5,
            altitude_zero_s: 3,
        }
    }
}

impl PolarParams {
    /// Check the ranges.
    pub fn validate(&self) -> Result<(), SimError> {
        let share = |x: f64| (0.0..=1.0).contains(&x);
        let ok = self.weight.is_finite()
            && self.weight >= 0.0
            && share(self.newer_shape_share)
            && share(self.hr_missing_share)
            && self.first_fix_max_s >= self.first_fix_min_s;
        if !ok {
            return Err(SimError::Param(
                "Polar parameters: weight ≥ 0, shares in 0–1, first fix min ≤ max".into(),
            ));
        }
        Ok(())
    }
}

/// Which shape a session file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `exportVersion` 1.3: `[{dateTime, value}]` samples.
    Older,
    /// `samples.samples[{type, intervalMillis, values}]` with bare `NaN`.
    Newer,
}

/// A session's identity, drawn before its file is written (the name needs
/// it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Shape.
    pub shape: Shape,
    /// Polar's numeric session id (grows with the history).
    pub id: u64,
    /// The UUID in the file name.
    pub uuid: String,
}

impl Session {
    /// `training-session-<local yyyy-MM-dd>-<id>-<uuid>.json`.
    pub fn file_name(&self, start_unix_s: i64, offset_s: i32) -> String {
        format!(
            "training-session-{}-{}-{}.json",
            local(start_unix_s, offset_s).format("%Y-%m-%d"),
            self.id,
            self.uuid
        )
    }
}

/// Draw the identity of the history's `index`-th run as a Polar session.
pub fn draw_session(rng: &mut SimRng, p: &PolarParams, index: usize) -> Session {
    let shape = if chance(rng, p.newer_shape_share) {
        Shape::Newer
    } else {
        Shape::Older
    };
    Session {
        shape,
        // Ids grow through a history (real ones are 9–10 digits).
        id: 7_000_000_000 + index as u64 * 4_000 + int_in(rng, 0, 3_999) as u64,
        uuid: uuid_v4(rng, false),
    }
}

/// How one Polar run was written.
#[derive(Debug, Clone, PartialEq)]
pub struct PolarRun {
    /// Identity and shape.
    pub session: Session,
    /// Seconds before the first GPS fix.
    pub first_fix_s: u32,
    /// Values written as a bare `NaN` (newer shape).
    pub nan_values: usize,
    /// Samples written without a `value` (older shape).
    pub missing_values: usize,
    /// Samples per channel (older: one per recorded second; newer: one per
    /// second from the start to the end, pauses included).
    pub samples: usize,
    /// Route points.
    pub route_points: usize,
}

fn local(unix_s: i64, offset_s: i32) -> DateTime<FixedOffset> {
    let off = FixedOffset::east_opt(offset_s).expect("offsets come from real zones");
    DateTime::<Utc>::from_timestamp(unix_s, 0)
        .expect("simulated times are valid")
        .with_timezone(&off)
}

/// Naive local time as the older shape writes it: `2017-01-23T18:20:18.000`.
fn older_time(run: &SimRun, t_s: u32) -> String {
    local(run.start_unix_s + t_s as i64, run.utc_offset_s)
        .format("%Y-%m-%dT%H:%M:%S%.3f")
        .to_string()
}

/// Naive local time as the newer shape writes it: `2020-08-18T10:23:06`.
fn newer_time(run: &SimRun, t_s: u32) -> String {
    local(run.start_unix_s + t_s as i64, run.utc_offset_s)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Summary numbers of a session.
struct Summary {
    distance_m: f64,
    kcal: f64,
    hr_min: u8,
    hr_avg: f64,
    hr_max: u8,
    speed_avg_kmh: f64,
    speed_max_kmh: f64,
    cadence_avg: f64,
    cadence_max: u8,
    ascent_m: f64,
    descent_m: f64,
}

fn summary(run: &SimRun) -> Summary {
    let recs = &run.recorded.records;
    let distance_m = recs.last().map_or(0.0, |r| r.distance_m);
    let hrs: Vec<u8> = recs.iter().filter_map(|r| r.hr_bpm).collect();
    let cads: Vec<u8> = recs.iter().filter_map(|r| r.cadence_rpm).collect();
    let mean = |v: &[u8]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
        }
    };
    let timer_s = (run.end_s() - run.paused_s()).max(1) as f64;
    let (up, down) = super::climb_m(recs.iter().map(|r| r.altitude_m));
    Summary {
        distance_m,
        kcal: distance_m / 1000.0 * BODY_MASS_KG * KCAL_PER_KG_KM,
        hr_min: hrs.iter().copied().min().unwrap_or(0),
        hr_avg: mean(&hrs),
        hr_max: hrs.iter().copied().max().unwrap_or(0),
        speed_avg_kmh: distance_m / timer_s * KMH_PER_MPS,
        speed_max_kmh: recs.iter().map(|r| r.speed_mps).fold(0.0, f64::max) * KMH_PER_MPS,
        cadence_avg: mean(&cads),
        cadence_max: cads.iter().copied().max().unwrap_or(0),
        ascent_m: up,
        descent_m: down,
    }
}

/// Write `run` as a Polar session file in `session`'s shape.
pub fn write(
    rng: &mut SimRng,
    p: &PolarParams,
    run: &SimRun,
    session: Session,
) -> (String, PolarRun) {
    let first_fix_s = int_in(rng, p.first_fix_min_s as i64, p.first_fix_max_s as i64) as u32;
    let mut written = PolarRun {
        session,
        first_fix_s,
        nan_values: 0,
        missing_values: 0,
        samples: 0,
        route_points: 0,
    };
    let text = match written.session.shape {
        Shape::Older => older(rng, p, run, &mut written),
        Shape::Newer => newer(rng, p, run, &mut written),
    };
    (text, written)
}

/// The exercise's start position: the first fix.
fn start_position(run: &SimRun, first_fix_s: u32) -> (f64, f64) {
    run.recorded
        .records
        .iter()
        .find(|r| r.t_s >= first_fix_s)
        .or(run.recorded.records.first())
        .map_or((0.0, 0.0), |r| (r.lat_deg, r.lon_deg))
}

/// The older (`exportVersion` 1.3) shape, indented as the real file is.
fn older(rng: &mut SimRng, p: &PolarParams, run: &SimRun, w: &mut PolarRun) -> String {
    let recs = &run.recorded.records;
    let s = summary(run);
    let end = run.end_s();
    let off_min = run.utc_offset_s / 60;
    let (lat, lon) = start_position(run, w.first_fix_s);
    let mut x = String::with_capacity(recs.len() * 420 + 2048);
    let _ = write!(
        x,
        "{{\n  \"exportVersion\": \"1.3\",\n  \"name\": \"Running\",\n  \"latitude\": {lat:.7},\n  \
         \"longitude\": {lon:.7},\n  \"startTime\": \"{}\",\n  \"stopTime\": \"{}\",\n  \
         \"timeZoneOffset\": {off_min},\n  \"distance\": {:.1},\n  \"duration\": \"PT{end}.000S\",\n",
        older_time(run, 0),
        older_time(run, end),
        s.distance_m
    );
    let has_hr = recs.iter().any(|r| r.hr_bpm.is_some());
    let has_cadence = recs.iter().any(|r| r.cadence_rpm.is_some());
    if has_hr {
        let _ = write!(
            x,
            "  \"maximumHeartRate\": {},\n  \"averageHeartRate\": {},\n",
            s.hr_max,
            s.hr_avg.round()
        );
    }
    let _ = write!(
        x,
        "  \"kiloCalories\": {},\n  \"exercises\": [\n    {{\n      \"startTime\": \"{}\",\n      \
         \"stopTime\": \"{}\",\n      \"timezoneOffset\": {off_min},\n      \"duration\": \"PT{end}.000S\",\n      \
         \"distance\": {:.1},\n      \"sport\": \"RUNNING\",\n      \"latitude\": {lat:.7},\n      \
         \"longitude\": {lon:.7},\n      \"kiloCalories\": {},\n",
        s.kcal.round(),
        older_time(run, 0),
        older_time(run, end),
        s.distance_m,
        s.kcal.round()
    );
    if has_hr {
        let _ = write!(
            x,
            "      \"heartRate\": {{\n        \"min\": {},\n        \"avg\": {},\n        \"max\": {}\n      }},\n",
            s.hr_min,
            s.hr_avg.round(),
            s.hr_max
        );
    }
    let _ = write!(
        x,
        "      \"speed\": {{\n        \"avg\": {:.3},\n        \"max\": {:.3}\n      }},\n",
        s.speed_avg_kmh, s.speed_max_kmh
    );
    if has_cadence {
        let _ = write!(
            x,
            "      \"cadence\": {{\n        \"avg\": {},\n        \"max\": {}\n      }},\n",
            s.cadence_avg.round(),
            s.cadence_max
        );
    }
    x.push_str("      \"samples\": {\n");
    // One list per channel: (name, value at a record, or None = missing).
    type Channel<'a> = (
        &'a str,
        Box<dyn Fn(&super::sensors::Record) -> Option<String> + 'a>,
    );
    let fix = w.first_fix_s;
    let mut channels: Vec<Channel> = Vec::new();
    if has_hr {
        channels.push(("heartRate", Box::new(|r| r.hr_bpm.map(|h| h.to_string()))));
    }
    channels.push((
        "speed",
        Box::new(move |r| (r.t_s >= fix).then(|| format!("{:.1}", r.speed_mps * KMH_PER_MPS))),
    ));
    if has_cadence {
        channels.push((
            "cadence",
            Box::new(|r| r.cadence_rpm.map(|c| c.to_string())),
        ));
    }
    if run.setup.barometer {
        channels.push((
            "altitude",
            Box::new(|r| Some(format!("{:.1}", r.altitude_m))),
        ));
    }
    channels.push((
        "distance",
        Box::new(move |r| (r.t_s >= fix).then(|| format!("{:.1}", r.distance_m))),
    ));
    for (name, value) in &channels {
        let _ = writeln!(x, "        \"{name}\": [");
        for (i, r) in recs.iter().enumerate() {
            let mut v = value(r);
            if *name == "heartRate" && chance(rng, p.hr_missing_share) {
                v = None;
            }
            let comma = if i + 1 < recs.len() { "," } else { "" };
            match v {
                Some(v) => {
                    let _ = writeln!(
                        x,
                        "          {{\n            \"dateTime\": \"{}\",\n            \"value\": {v}\n          }}{comma}",
                        older_time(run, r.t_s)
                    );
                }
                None => {
                    w.missing_values += 1;
                    let _ = writeln!(
                        x,
                        "          {{\n            \"dateTime\": \"{}\"\n          }}{comma}",
                        older_time(run, r.t_s)
                    );
                }
            }
        }
        x.push_str("        ],\n");
    }
    w.samples = recs.len();
    // The route: from the first fix, on the samples' clock.
    x.push_str("        \"recordedRoute\": [\n");
    let route: Vec<_> = recs.iter().filter(|r| r.t_s >= fix).collect();
    for (i, r) in route.iter().enumerate() {
        let comma = if i + 1 < route.len() { "," } else { "" };
        let _ = writeln!(
            x,
            "          {{\n            \"dateTime\": \"{}\",\n            \"longitude\": {:.8},\n            \
             \"latitude\": {:.8},\n            \"altitude\": {:.1}\n          }}{comma}",
            older_time(run, r.t_s),
            r.lon_deg,
            r.lat_deg,
            r.altitude_m
        );
    }
    w.route_points = route.len();
    x.push_str("        ]\n      }\n    }\n  ]\n}\n");
    x
}

/// The newer shape: fixed-interval arrays with bare `NaN`.
fn newer(rng: &mut SimRng, p: &PolarParams, run: &SimRun, w: &mut PolarRun) -> String {
    let recs = &run.recorded.records;
    let pauses = &run.recorded.pauses;
    let s = summary(run);
    let end = run.end_s();
    let off_min = run.utc_offset_s / 60;
    let fix = w.first_fix_s;
    let (lat, lon) = start_position(run, fix);
    // Every second from the start to the end: the record then, if any.
    let mut at: Vec<Option<&super::sensors::Record>> = vec![None; end as usize + 1];
    for r in recs {
        if let Some(slot) = at.get_mut(r.t_s as usize) {
            *slot = Some(r);
        }
    }
    let paused = |t: u32| pauses.iter().any(|&(a, b)| a < t && t < b);
    let has_hr = recs.iter().any(|r| r.hr_bpm.is_some());
    let has_cadence = recs.iter().any(|r| r.cadence_rpm.is_some());
    let mut x = String::with_capacity(at.len() * 40 + recs.len() * 110 + 4096);
    let _ = write!(
        x,
        "{{\n  \"identifier\": {{\n    \"id\": \"{}\"\n  }},\n  \"startTime\": \"{}\",\n  \"stopTime\": \"{}\",\n  \
         \"name\": \"\",\n  \"timezoneOffsetMinutes\": {off_min},\n  \"durationMillis\": {},\n  \
         \"distanceMeters\": {:.1},\n  \"calories\": {},\n",
        w.session.id,
        newer_time(run, 0),
        newer_time(run, end),
        end as u64 * 1000,
        s.distance_m,
        s.kcal.round()
    );
    if has_hr {
        let _ = write!(
            x,
            "  \"hrAvg\": {},\n  \"hrMax\": {},\n",
            s.hr_avg.round(),
            s.hr_max
        );
    }
    let _ = write!(
        x,
        "  \"latitude\": {lat:.7},\n  \"longitude\": {lon:.7},\n  \"sport\": {{\n    \"id\": \"1\"\n  }},\n  \
         \"product\": {{\n    \"modelName\": \"{}\"\n  }},\n  \"application\": {{\n    \"name\": \"Polar Flow\"\n  }},\n  \
         \"exercises\": [\n    {{\n      \"startTime\": \"{}\",\n      \"durationMillis\": {},\n      \
         \"distanceMeters\": {:.1},\n      \"ascentMeters\": {:.3},\n      \"descentMeters\": {:.3},\n      \
         \"timezoneOffsetMinutes\": {off_min},\n      \"sport\": {{\n        \"id\": \"1\"\n      }},\n      \
         \"samples\": {{\n        \"samples\": [\n",
        run.device.name,
        newer_time(run, 0),
        end as u64 * 1000,
        s.distance_m,
        s.ascent_m,
        s.descent_m
    );
    // The wrist temperature drifts up a little through the run.
    let temp0 = uniform(rng, 27.0, 31.0);
    let mut channels: Vec<(&str, Vec<Option<String>>)> = Vec::new();
    let series =
        |f: &dyn Fn(u32, &super::sensors::Record) -> Option<String>| -> Vec<Option<String>> {
            at.iter()
                .enumerate()
                .map(|(t, r)| {
                    let t = t as u32;
                    if paused(t) {
                        return None;
                    }
                    r.and_then(|r| f(t, r))
                })
                .collect()
        };
    if has_hr {
        let mut hr = series(&|_, r| r.hr_bpm.map(|h| h.to_string()));
        for v in hr.iter_mut() {
            if v.is_some() && chance(rng, p.hr_missing_share) {
                *v = None;
            }
        }
        channels.push(("HEART_RATE", hr));
    }
    channels.push((
        "SPEED",
        series(&|t, r| (t >= fix).then(|| format!("{:.1}", r.speed_mps * KMH_PER_MPS))),
    ));
    channels.push((
        "DISTANCE",
        series(&|t, r| (t >= fix).then(|| format!("{:.1}", r.distance_m))),
    ));
    if has_cadence {
        channels.push((
            "CADENCE",
            series(&|_, r| r.cadence_rpm.map(|c| c.to_string())),
        ));
    }
    if run.setup.barometer {
        let zero = p.altitude_zero_s;
        channels.push((
            "ALTITUDE",
            series(&|t, r| {
                Some(if t < zero {
                    "0.0".to_string()
                } else {
                    format!("{:.1}", r.altitude_m)
                })
            }),
        ));
    }
    let temps: Vec<f64> = (0..at.len())
        .map(|t| temp0 + 2.0 * t as f64 / at.len().max(1) as f64 + 0.05 * normal(rng))
        .collect();
    channels.push((
        "TEMPERATURE",
        series(&|t, _| Some(format!("{:.1}", temps[t as usize]))),
    ));
    let n_channels = channels.len();
    for (k, (kind, values)) in channels.iter().enumerate() {
        let _ = write!(
            x,
            "          {{\n            \"type\": \"{kind}\",\n            \"intervalMillis\": 1000,\n            \"values\": ["
        );
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                x.push_str(", ");
            }
            match v {
                Some(v) => x.push_str(v),
                None => {
                    x.push_str("NaN");
                    w.nan_values += 1;
                }
            }
        }
        let comma = if k + 1 < n_channels { "," } else { "" };
        let _ = writeln!(x, "]\n          }}{comma}");
    }
    w.samples = at.len();
    x.push_str("        ]\n      },\n");
    // The route counts from its own start: the first fix.
    let route: Vec<_> = recs.iter().filter(|r| r.t_s >= fix).collect();
    let route_start = route.first().map_or(0, |r| r.t_s);
    let _ = writeln!(
        x,
        "      \"routes\": {{\n        \"route\": {{\n          \"startTime\": \"{}\",\n          \"wayPoints\": [",
        newer_time(run, route_start)
    );
    for (i, r) in route.iter().enumerate() {
        let comma = if i + 1 < route.len() { "," } else { "" };
        let _ = writeln!(
            x,
            "            {{\"longitude\": {:.8}, \"latitude\": {:.8}, \"altitude\": {:.1}, \"elapsedMillis\": {}}}{comma}",
            r.lon_deg,
            r.lat_deg,
            r.altitude_m,
            (r.t_s - route_start) as u64 * 1000
        );
    }
    w.route_points = route.len();
    x.push_str("          ]\n        }\n      },\n");
    if has_hr {
        let _ = writeln!(
            x,
            "      \"statistics\": {{\n        \"statistics\": [\n          {{\"type\": \"STATISTICS_TYPE_HEART_RATE\", \
             \"min\": {}, \"avg\": {}, \"max\": {}}}\n        ]\n      }},",
            s.hr_min,
            s.hr_avg.round(),
            s.hr_max
        );
    }
    x.push_str("      \"pauseTimes\": [");
    for (i, &(a, b)) in pauses.iter().enumerate() {
        if i > 0 {
            x.push(',');
        }
        let _ = write!(
            x,
            "\n        {{\"startTime\": \"{}\", \"endTime\": \"{}\"}}",
            newer_time(run, a),
            newer_time(run, b)
        );
    }
    if !pauses.is_empty() {
        x.push_str("\n      ");
    }
    x.push_str("]\n    }\n  ]\n}\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    #[test]
    fn file_names_carry_the_local_date_the_session_id_and_a_lowercase_uuid() {
        let mut rng = sub_rng(4, 6);
        let s = draw_session(&mut rng, &PolarParams::default(), 2);
        // 23:30Z on 2 March is already 3 March at +01:00.
        let t = DateTime::parse_from_rfc3339("2025-03-02T23:30:00Z")
            .unwrap()
            .timestamp();
        let name = s.file_name(t, 3600);
        let rest = name
            .strip_prefix("training-session-2025-03-03-")
            .unwrap_or_else(|| panic!("{name}"));
        let (id, uuid) = rest
            .strip_suffix(".json")
            .and_then(|r| r.split_once('-'))
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(id, s.id.to_string());
        assert!((7_000_008_000..7_000_012_000).contains(&s.id), "{}", s.id);
        assert_eq!(uuid.len(), 36, "{uuid}");
        assert_eq!(uuid, uuid.to_lowercase());
    }

    fn polar_history(runs: usize, newer_share: f64) -> crate::simulate::Simulation {
        let mut p = crate::simulate::Params {
            runs,
            formats: vec![crate::simulate::FileFormat::Polar],
            ..crate::simulate::Params::default()
        };
        p.runner.duration_min_s = 600.0;
        p.runner.duration_max_s = 900.0;
        p.polar.newer_shape_share = newer_share;
        crate::simulate::generate(&p, 12).unwrap()
    }

    #[test]
    fn the_older_shape_is_json_with_naive_local_times_in_milliseconds_and_missing_values() {
        let sim = polar_history(3, 0.0);
        for run in &sim.runs {
            let w = run.polar.as_ref().unwrap();
            assert_eq!(w.session.shape, Shape::Older);
            let v: serde_json::Value = serde_json::from_slice(&run.bytes).unwrap();
            // The naive start is the UTC start moved by the offset, written
            // with milliseconds.
            let want = DateTime::from_timestamp(run.start_unix_s + run.utc_offset_s as i64, 0)
                .unwrap()
                .naive_utc()
                .format("%Y-%m-%dT%H:%M:%S.000")
                .to_string();
            assert_eq!(v["startTime"], want.as_str());
            assert_eq!(v["timeZoneOffset"], run.utc_offset_s / 60);
            let speed = v["exercises"][0]["samples"]["speed"].as_array().unwrap();
            assert_eq!(speed.len(), run.recorded.records.len());
            // No fix yet: the first seconds have no speed value.
            let missing = speed
                .iter()
                .take_while(|s| s.get("value").is_none())
                .count();
            assert_eq!(missing as u32, w.first_fix_s, "{}", run.file_name);
            assert!(w.missing_values >= missing);
        }
    }

    #[test]
    fn the_newer_shape_writes_bare_nan_that_plain_json_refuses() {
        let sim = polar_history(3, 1.0);
        for run in &sim.runs {
            let w = run.polar.as_ref().unwrap();
            assert_eq!(w.session.shape, Shape::Newer);
            let text = std::str::from_utf8(&run.bytes).unwrap();
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
            assert_eq!(text.matches("NaN").count(), w.nan_values);
            let v: serde_json::Value = serde_json::from_str(&text.replace("NaN", "null")).unwrap();
            let ex = &v["exercises"][0];
            let speed = ex["samples"]["samples"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["type"] == "SPEED")
                .unwrap();
            let values = speed["values"].as_array().unwrap();
            assert_eq!(values.len(), run.end_s() as usize + 1);
            // km/h: the first recorded speed after the fix, ×3.6, to 0.1.
            let fix = w.first_fix_s as usize;
            let r = run
                .recorded
                .records
                .iter()
                .find(|r| r.t_s as usize == fix)
                .unwrap();
            let kmh = values[fix].as_f64().unwrap();
            assert!((kmh - r.speed_mps * 3.6).abs() <= 0.05 + 1e-9, "{kmh}");
            assert!(values[..fix].iter().all(|x| x.is_null()));
        }
    }
}
