//! Writes simulated runs as the Apple Health app exports them, so the
//! Apple reader is tested against a planted truth: one `export.zip` per
//! history holding `apple_health_export/export.xml` (an internal DTD, the
//! owner, heart-rate and other `Record`s, then the running `Workout`s with
//! their pause and segment events), `export_cda.xml` (which a reader must
//! skip) and one route GPX per workout in `workout-routes/`.
//!
//! What it imitates, from the real exports in
//! `tests/corpus/health-apps/apple/` and DESIGN §6: dates as
//! `yyyy-MM-dd HH:mm:ss ±hhmm` (here in the runner's offset during the run);
//! heart rate not in the route but in `HKQuantityTypeIdentifierHeartRate`
//! records about every 5 s while the workout runs and none while it is
//! paused; for some runs a second app's duplicates of those records (values
//! a little off, times a second or two late) that a reader must not prefer
//! over the workout's own source; manual pauses as `Pause`/`Resume` and
//! auto-pauses as `MotionPaused`/`MotionResumed`; in the newer (iOS 16+)
//! layout, events repeated under `WorkoutActivity` and the totals only in
//! `WorkoutStatistics`; the route as GPX 1.1 with `creator="Apple Health
//! Export"`, unprefixed `<extensions>` (`speed` in m/s, `course`, `hAcc`,
//! `vAcc`), UTC times, no points while paused and now and then two points
//! with the same time; file names `route_<local date>_<h.mm><am|pm>.gpx`.
//!
//! Like the rest of the simulator it shares no code with the readers.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use rand::Rng;
use serde::Serialize;

use super::gpx::escape;
use super::random::{SimRng, chance, int_in, normal, pick, uniform};
use super::sensors::Device;
use super::{FileFormat, LapEnd, SimError, SimRun};

/// The archive's name in the output folder (what the Health app hands out).
pub const EXPORT_ZIP: &str = "export.zip";
/// The top folder inside the archive.
const EXPORT_DIR: &str = "apple_health_export";
/// Where an Apple run's route lives, relative to the output folder: a run's
/// `file` in `truth.json` is this, a slash and the route's name.
pub const ROUTES_IN_ZIP: &str = "export.zip/apple_health_export/workout-routes";

/// Body mass of the simulated owner, kg (in `Me`-free exports Apple still
/// computes energy from one; any plausible value does).
const BODY_MASS_KG: f64 = 70.0;
/// Net energy cost of running, kcal per kg per km: about 1 whatever the
/// speed (Margaria R, Cerretelli P, Aghemo P, Sassi G (1963) "Energy cost
/// of running", J Appl Physiol 18:367–370).
const KCAL_PER_KG_KM: f64 = 1.0;
/// Length of the step, distance and energy records the watch writes during
/// a workout, s.
const CHUNK_S: u32 = 60;
/// Length of one split (`HKWorkoutEventTypeSegment`), m.
const SPLIT_M: f64 = 1000.0;

/// An Apple Watch model as it appears in an export's `device` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppleWatch {
    /// The device, as the other writers know devices.
    pub device: Device,
    /// `hardware:` in the `HKDevice` description.
    pub hardware: &'static str,
}

/// Watches that record Apple runs (hardware identifiers as Apple numbers
/// them: Series 6 44 mm, Series 9 45 mm, Ultra 2).
pub const DEVICES: [AppleWatch; 3] = [
    AppleWatch {
        device: Device {
            name: "Apple Watch Series 6",
            manufacturer_id: 255,
            product_id: 0,
            barometer: true,
            watch: true,
            serial: 0,
        },
        hardware: "Watch6,2",
    },
    AppleWatch {
        device: Device {
            name: "Apple Watch Series 9",
            manufacturer_id: 255,
            product_id: 0,
            barometer: true,
            watch: true,
            serial: 0,
        },
        hardware: "Watch7,4",
    },
    AppleWatch {
        device: Device {
            name: "Apple Watch Ultra 2",
            manufacturer_id: 255,
            product_id: 0,
            barometer: true,
            watch: true,
            serial: 0,
        },
        hardware: "Watch7,5",
    },
];

/// Other apps that write heart-rate duplicates into Health.
const DUPLICATE_SOURCES: [(&str, &str); 3] = [
    ("Strava", "388.0.1"),
    ("Nike Run Club", "7.41.0"),
    ("WorkOutDoors", "6.4"),
];

/// watchOS versions by layout: the classic layout is what exports before
/// iOS 16 / watchOS 9 wrote, the `WorkoutActivity` layout what came after.
const CLASSIC_VERSIONS: [&str; 2] = ["8.7.1", "8.8"];
const ACTIVITY_VERSIONS: [&str; 3] = ["9.6.3", "10.3.1", "11.2"];

/// Parameters of the Apple Health exports.
#[derive(Debug, Clone, Serialize)]
pub struct AppleParams {
    /// Relative share of Apple runs in the format mix (against
    /// [`super::OutputParams`]' weights).
    pub weight: f64,
    /// The owner's first name (`sourceName="<owner>’s Apple Watch"`).
    pub owner: String,
    /// Share of workouts written in the newer layout (events repeated under
    /// `WorkoutActivity`, totals only in `WorkoutStatistics`).
    pub activity_layout_share: f64,
    /// Share of workouts whose heart rate another app duplicated.
    pub duplicate_source_share: f64,
    /// Share of pauses the runner made by hand (`Pause`/`Resume`); the
    /// rest are the watch's auto-pause (`MotionPaused`/`MotionResumed`).
    pub manual_pause_share: f64,
    /// Heart-rate records during a workout: whole seconds apart, drawn
    /// uniformly from this range …
    pub hr_interval_min_s: u32,
    /// … to this.
    pub hr_interval_max_s: u32,
    /// Duplicates lag the watch's records by this many seconds (range) …
    pub duplicate_lag_min_s: u32,
    /// … to this.
    pub duplicate_lag_max_s: u32,
    /// … and differ by 1 to this many bpm.
    pub duplicate_bpm_off_max: u32,
    /// Share of route points followed by a second point with the same time.
    pub repeated_time_share: f64,
    /// Resting heart-rate records in the two hours before a run, and as
    /// many in the two hours after it.
    pub resting_hr_records: u32,
}

impl Default for AppleParams {
    fn default() -> Self {
        AppleParams {
            weight: 0.5,
            owner: "Alex".into(),
            activity_layout_share: 0.5,
            duplicate_source_share: 0.3,
            manual_pause_share: 0.3,
            hr_interval_min_s: 4,
            hr_interval_max_s: 6,
            duplicate_lag_min_s: 1,
            duplicate_lag_max_s: 2,
            duplicate_bpm_off_max: 3,
            repeated_time_share: 0.01,
            resting_hr_records: 4,
        }
    }
}

impl AppleParams {
    /// Check the ranges.
    pub fn validate(&self) -> Result<(), SimError> {
        let share = |x: f64| (0.0..=1.0).contains(&x);
        let ok = self.weight.is_finite()
            && self.weight >= 0.0
            && [
                self.activity_layout_share,
                self.duplicate_source_share,
                self.manual_pause_share,
                self.repeated_time_share,
            ]
            .into_iter()
            .all(share)
            && self.hr_interval_min_s >= 1
            && self.hr_interval_max_s >= self.hr_interval_min_s
            && self.duplicate_lag_max_s >= self.duplicate_lag_min_s
            && self.duplicate_bpm_off_max >= 1;
        if !ok {
            return Err(SimError::Param(
                "Apple parameters: weight ≥ 0, shares in 0–1, intervals min ≤ max and ≥ 1".into(),
            ));
        }
        Ok(())
    }
}

/// How a workout's events and totals are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Before iOS 16: `totalDistance` attributes, events under `Workout`.
    Classic,
    /// iOS 16 and later: events also under `WorkoutActivity`, totals only
    /// in `WorkoutStatistics`.
    WorkoutActivity,
}

/// What stopped the workout's timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// The runner paused (`HKWorkoutEventTypePause` … `Resume`).
    Manual,
    /// Auto-pause (`HKWorkoutEventTypeMotionPaused` … `MotionResumed`).
    Motion,
}

/// How one Apple run was written: what the export says about it beyond the
/// recording itself.
#[derive(Debug, Clone, PartialEq)]
pub struct AppleRun {
    /// The route's file name in `workout-routes/`.
    pub route_file: String,
    /// Workout layout.
    pub layout: Layout,
    /// The watch.
    pub watch: AppleWatch,
    /// watchOS version (`sourceVersion`).
    pub source_version: &'static str,
    /// The address in the `HKDevice` description (it varies by run).
    pub device_address: u64,
    /// The watch's heart-rate records: (second since the start, bpm).
    pub hr: Vec<(u32, u8)>,
    /// The other app that duplicated them, and its version.
    pub duplicate_source: Option<(&'static str, &'static str)>,
    /// The other app's records: (second since the start, bpm).
    pub duplicate_hr: Vec<(u32, u8)>,
    /// Resting heart rate around the run: (seconds from the start, negative
    /// before it, bpm); never inside the workout.
    pub resting_hr: Vec<(i64, u8)>,
    /// What each of `recorded.pauses` was.
    pub pause_kinds: Vec<PauseKind>,
    /// Points in the route GPX (repeated times included).
    pub route_points: usize,
    /// Route points written twice with the same time.
    pub repeated_times: usize,
    /// The route's first and last point, s since the start.
    pub route_span_s: (u32, u32),
    /// `HKMetadataKeySyncIdentifier` of the route, and the `uuid` of the
    /// `WorkoutActivity`.
    pub uuids: [String; 2],
}

impl AppleRun {
    /// `Apple’s` name for the owner's watch.
    pub fn source_name(owner: &str) -> String {
        format!("{owner}\u{2019}s Apple Watch")
    }
}

/// A UUID in the 8-4-4-4-12 form with the version-4 and variant bits set
/// (RFC 9562 §5.4), upper case as Apple writes them.
pub fn uuid_v4(rng: &mut SimRng, upper: bool) -> String {
    let a: u64 = rng.random();
    let b: u64 = rng.random();
    let a = (a & !0xF000) | 0x4000; // version 4 in the 13th hex digit
    let b = (b & !(0xC << 60)) | (0x8 << 60); // variant 10xx
    let s = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    );
    if upper { s.to_uppercase() } else { s }
}

fn local(unix_s: i64, offset_s: i32) -> DateTime<FixedOffset> {
    let off = FixedOffset::east_opt(offset_s).expect("offsets come from real zones");
    DateTime::<Utc>::from_timestamp(unix_s, 0)
        .expect("simulated times are valid")
        .with_timezone(&off)
}

/// A date as Apple writes it in `export.xml`: `2025-02-03 07:12:05 +0100`.
pub fn apple_date(unix_s: i64, offset_s: i32) -> String {
    local(unix_s, offset_s)
        .format("%Y-%m-%d %H:%M:%S %z")
        .to_string()
}

/// Local (date, hour on the 12-hour clock, minute, `am`/`pm`).
fn clock12(unix_s: i64, offset_s: i32) -> (String, u32, u32, &'static str) {
    let t = local(unix_s, offset_s);
    let (pm, h12) = t.hour12();
    (
        t.format("%Y-%m-%d").to_string(),
        h12,
        t.minute(),
        if pm { "pm" } else { "am" },
    )
}

/// Apple's route file name for a workout starting at `unix_s` in the
/// runner's offset: `route_2019-06-11_3.00pm.gpx`.
pub fn route_file_name(unix_s: i64, offset_s: i32) -> String {
    let (date, h, m, ap) = clock12(unix_s, offset_s);
    format!("route_{date}_{h}.{m:02}{ap}.gpx")
}

/// The route's `<trk><name>`: `Route 2019-06-11 3:00pm`.
fn route_title(unix_s: i64, offset_s: i32) -> String {
    let (date, h, m, ap) = clock12(unix_s, offset_s);
    format!("Route {date} {h}:{m:02}{ap}")
}

/// Give two Apple workouts that start in the same local minute different
/// route names: the later ones (in time order) get `_2`, `_3`, … before
/// `.gpx` (`route_2025-03-02_7.15am_2.gpx`). Apple's own rule for this is
/// not documented; a runner's runs never start in the same minute, so this
/// only matters for hand-made histories.
pub fn make_route_names_unique(runs: &mut [SimRun]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for run in runs.iter_mut().filter(|r| r.format == FileFormat::Apple) {
        let Some(a) = run.apple.as_mut() else {
            continue;
        };
        let n = seen.entry(a.route_file.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let stem = a.route_file.trim_end_matches(".gpx");
            a.route_file = format!("{stem}_{n}.gpx");
            run.file_name = format!("{ROUTES_IN_ZIP}/{}", a.route_file);
        }
    }
}

/// Whether `t` lies strictly inside one of `pauses` (the samples at the
/// moment the timer stops and restarts are not inside).
fn inside_pause(pauses: &[(u32, u32)], t: u32) -> Option<(u32, u32)> {
    pauses.iter().copied().find(|&(a, b)| a < t && t < b)
}

/// The recorded heart rate at second `t`, if a sample was written then.
fn recorded_hr(run: &SimRun, t: u32) -> Option<u8> {
    let r = &run.recorded.records;
    r.binary_search_by_key(&t, |x| x.t_s)
        .ok()
        .and_then(|i| r[i].hr_bpm)
}

/// Bearing from one point to the next, degrees clockwise from north, by
/// the equirectangular approximation (fine over a few metres; Snyder JP
/// (1987) "Map Projections: A Working Manual", USGS PP 1395, p. 90).
fn course_deg(a: (f64, f64), b: (f64, f64)) -> f64 {
    let east = (b.1 - a.1) * a.0.to_radians().cos();
    let north = b.0 - a.0;
    (east.atan2(north).to_degrees() + 360.0) % 360.0
}

/// Draw whether a workout is written in the newer layout.
pub fn draw_layout(rng: &mut SimRng, p: &AppleParams) -> Layout {
    if chance(rng, p.activity_layout_share) {
        Layout::WorkoutActivity
    } else {
        Layout::Classic
    }
}

/// The watch of a workout in `layout`, `i` indexing [`DEVICES`]: the
/// classic layout comes from watchOS 8 or older, which of these watches
/// only the Series 6 runs (the Series 9 and Ultra 2 shipped with watchOS
/// 10).
pub fn watch_for(layout: Layout, i: usize) -> AppleWatch {
    match layout {
        Layout::Classic => DEVICES[0],
        Layout::WorkoutActivity => DEVICES[i.min(DEVICES.len() - 1)],
    }
}

/// Draw what the export says about `run` (a workout in `layout`) and
/// write its route GPX.
pub fn draw_run(
    rng: &mut SimRng,
    p: &AppleParams,
    run: &SimRun,
    layout: Layout,
) -> (AppleRun, String) {
    let watch = DEVICES
        .iter()
        .copied()
        .find(|w| w.device == run.device)
        .unwrap_or(DEVICES[0]);
    let source_version = match layout {
        Layout::Classic => CLASSIC_VERSIONS[pick(rng, &[1.0; CLASSIC_VERSIONS.len()])],
        Layout::WorkoutActivity => ACTIVITY_VERSIONS[pick(rng, &[1.0; ACTIVITY_VERSIONS.len()])],
    };
    let device_address = 0x2_8000_0000 + (rng.random::<u64>() % 0x1000_0000) * 16;
    let end = run.end_s();
    let pauses = &run.recorded.pauses;

    // The watch's own heart rate, every 4–6 s of workout time.
    let mut hr = Vec::new();
    let step = |rng: &mut SimRng| {
        int_in(rng, p.hr_interval_min_s as i64, p.hr_interval_max_s as i64) as u32
    };
    let mut t = int_in(rng, 1, p.hr_interval_max_s as i64) as u32;
    while t <= end {
        if let Some((_, resume)) = inside_pause(pauses, t) {
            t = resume + int_in(rng, 0, 2) as u32;
            continue;
        }
        if let Some(bpm) = recorded_hr(run, t) {
            hr.push((t, bpm));
        }
        t += step(rng);
    }

    // Another app's copies, a little off and a little late.
    let duplicate_source = chance(rng, p.duplicate_source_share)
        .then(|| DUPLICATE_SOURCES[pick(rng, &[1.0; DUPLICATE_SOURCES.len()])]);
    let mut duplicate_hr = Vec::new();
    if duplicate_source.is_some() {
        for &(t, bpm) in &hr {
            let lag = int_in(
                rng,
                p.duplicate_lag_min_s as i64,
                p.duplicate_lag_max_s as i64,
            ) as u32;
            let off = int_in(rng, 1, p.duplicate_bpm_off_max as i64)
                * if chance(rng, 0.5) { 1 } else { -1 };
            let t2 = t + lag;
            if t2 > end || inside_pause(pauses, t2).is_some() {
                continue;
            }
            duplicate_hr.push((t2, (bpm as i64 + off).clamp(30, 250) as u8));
        }
    }

    // Resting heart rate in the two hours around the run.
    let mut resting_hr = Vec::new();
    let n = p.resting_hr_records as i64;
    for k in 0..n {
        let before = -7200 + k * 7000 / n.max(1) + int_in(rng, 0, 300);
        resting_hr.push((before.min(-60), int_in(rng, 55, 68) as u8));
    }
    for k in 0..n {
        let after = end as i64 + 600 + k * 6000 / n.max(1) + int_in(rng, 0, 300);
        // Still up just after the run, settling later.
        let bpm = 95 - 6 * k + int_in(rng, -4, 4);
        resting_hr.push((after, bpm.clamp(50, 120) as u8));
    }

    let pause_kinds = pauses
        .iter()
        .map(|_| {
            if chance(rng, p.manual_pause_share) {
                PauseKind::Manual
            } else {
                PauseKind::Motion
            }
        })
        .collect();
    let uuids = [uuid_v4(rng, true), uuid_v4(rng, true)];

    let route_file = route_file_name(run.start_unix_s, run.utc_offset_s);
    let mut drawn = AppleRun {
        route_file,
        layout,
        watch,
        source_version,
        device_address,
        hr,
        duplicate_source,
        duplicate_hr,
        resting_hr,
        pause_kinds,
        route_points: 0,
        repeated_times: 0,
        route_span_s: (0, 0),
        uuids,
    };
    let text = route_gpx(rng, p, run, &mut drawn);
    (drawn, text)
}

/// The route GPX for `run`, written as the Health export writes it; counts
/// its points into `drawn`.
fn route_gpx(rng: &mut SimRng, p: &AppleParams, run: &SimRun, drawn: &mut AppleRun) -> String {
    let recs = &run.recorded.records;
    let mut x = String::with_capacity(recs.len() * 260 + 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(
        "<gpx version=\"1.1\" creator=\"Apple Health Export\" xmlns=\"http://www.topografix.com/GPX/1/1\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd\">\n",
    );
    // Apple stamps the export's time here; the route's own creation (just
    // after the workout) keeps each route independent of the others.
    let created = run.start_unix_s + run.end_s() as i64 + 10;
    let _ = writeln!(
        x,
        "  <metadata>\n    <time>{}</time>\n  </metadata>\n  <trk>\n    <name>{}</name>\n    <trkseg>",
        DateTime::<Utc>::from_timestamp(created, 0)
            .expect("simulated times are valid")
            .format("%Y-%m-%dT%H:%M:%SZ"),
        route_title(run.start_unix_s, run.utc_offset_s)
    );
    let mut points = 0usize;
    let mut repeated = 0usize;
    let gps_sd = run.setup.gps_error_sd_m;
    let point = |x: &mut String, r: &super::sensors::Record, course: f64, rng: &mut SimRng| {
        let h_acc = (gps_sd * (1.0 + 0.15 * normal(rng))).clamp(1.0, 50.0);
        let v_acc = (h_acc * uniform(rng, 0.6, 1.0)).max(1.0);
        let _ = writeln!(
            x,
            "      <trkpt lon=\"{:.6}\" lat=\"{:.6}\"><ele>{:.6}</ele><time>{}</time><extensions>\
             <speed>{:.6}</speed><course>{:.6}</course><hAcc>{:.6}</hAcc><vAcc>{:.6}</vAcc></extensions></trkpt>",
            r.lon_deg,
            r.lat_deg,
            r.altitude_m,
            DateTime::<Utc>::from_timestamp(run.start_unix_s + r.t_s as i64, 0)
                .expect("simulated times are valid")
                .format("%Y-%m-%dT%H:%M:%SZ"),
            r.speed_mps,
            course,
            h_acc,
            v_acc
        );
    };
    for (i, r) in recs.iter().enumerate() {
        let next = recs.get(i + 1).unwrap_or(r);
        let prev = if i > 0 { &recs[i - 1] } else { r };
        // Core Location reports −1 when it has no heading (standing).
        let course = if r.speed_mps < 0.3 {
            -1.0
        } else if next.t_s != r.t_s && (next.lat_deg, next.lon_deg) != (r.lat_deg, r.lon_deg) {
            course_deg((r.lat_deg, r.lon_deg), (next.lat_deg, next.lon_deg))
        } else {
            course_deg((prev.lat_deg, prev.lon_deg), (r.lat_deg, r.lon_deg))
        };
        point(&mut x, r, course, rng);
        points += 1;
        if chance(rng, p.repeated_time_share) {
            // A second fix within the same second, a little apart.
            let mut again = *r;
            again.lat_deg += uniform(rng, -3e-6, 3e-6);
            again.lon_deg += uniform(rng, -3e-6, 3e-6);
            again.speed_mps = (r.speed_mps * uniform(rng, 0.95, 1.05)).max(0.0);
            point(&mut x, &again, course, rng);
            points += 1;
            repeated += 1;
        }
    }
    x.push_str("    </trkseg>\n  </trk>\n</gpx>\n");
    drawn.route_points = points;
    drawn.repeated_times = repeated;
    drawn.route_span_s = (
        recs.first().map_or(0, |r| r.t_s),
        recs.last().map_or(0, |r| r.t_s),
    );
    x
}

/// One `<Record>` line with its sort key.
struct RecordLine {
    rank: u8,
    source: String,
    start_unix_s: i64,
    text: String,
}

/// The `HKDevice` description Apple puts in `device` (escaped on writing).
fn device_text(a: &AppleRun) -> String {
    format!(
        "<<HKDevice: 0x{:x}>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:{}, software:{}>",
        a.device_address, a.watch.hardware, a.source_version
    )
}

#[allow(clippy::too_many_arguments)]
fn record_line(
    kind: &str,
    unit: &str,
    value: &str,
    source: &str,
    version: &str,
    device: Option<&str>,
    (created, start, end): (i64, i64, i64),
    offset_s: i32,
    metadata: &[(&str, &str)],
) -> String {
    let mut x = format!(
        " <Record type=\"{kind}\" sourceName=\"{}\" sourceVersion=\"{}\"",
        escape(source),
        escape(version)
    );
    if let Some(d) = device {
        let _ = write!(x, " device=\"{}\"", escape(d));
    }
    let _ = write!(
        x,
        " unit=\"{unit}\" creationDate=\"{}\" startDate=\"{}\" endDate=\"{}\" value=\"{value}\"",
        apple_date(created, offset_s),
        apple_date(start, offset_s),
        apple_date(end, offset_s)
    );
    if metadata.is_empty() {
        x.push_str("/>\n");
    } else {
        x.push_str(">\n");
        for (k, v) in metadata {
            let _ = writeln!(x, "  <MetadataEntry key=\"{k}\" value=\"{v}\"/>");
        }
        x.push_str(" </Record>\n");
    }
    x
}

const HR: &str = "HKQuantityTypeIdentifierHeartRate";
const STEPS: &str = "HKQuantityTypeIdentifierStepCount";
const DISTANCE: &str = "HKQuantityTypeIdentifierDistanceWalkingRunning";
const ENERGY: &str = "HKQuantityTypeIdentifierActiveEnergyBurned";

/// Totals of one run, as the workout states them.
struct Totals {
    distance_km: f64,
    energy_kcal: f64,
    steps: f64,
    hr_avg: f64,
    hr_min: u8,
    hr_max: u8,
    ascent_cm: f64,
}

fn totals(run: &SimRun, a: &AppleRun) -> Totals {
    let recs = &run.recorded.records;
    let distance_km = recs.last().map_or(0.0, |r| r.distance_m) / 1000.0;
    let steps = recs
        .iter()
        .map(|r| r.cadence_rpm.map_or(0.0, |c| c as f64 * 2.0 / 60.0))
        .sum();
    let bpm: Vec<f64> = a.hr.iter().map(|&(_, b)| b as f64).collect();
    let (ascent_m, _) = super::climb_m(recs.iter().map(|r| r.altitude_m));
    Totals {
        distance_km,
        energy_kcal: distance_km * BODY_MASS_KG * KCAL_PER_KG_KM,
        steps,
        hr_avg: if bpm.is_empty() {
            0.0
        } else {
            bpm.iter().sum::<f64>() / bpm.len() as f64
        },
        hr_min: a.hr.iter().map(|h| h.1).min().unwrap_or(0),
        hr_max: a.hr.iter().map(|h| h.1).max().unwrap_or(0),
        ascent_cm: (ascent_m * 100.0).round(),
    }
}

/// Every `<Record>` of one Apple run.
fn run_records(owner: &str, run: &SimRun, a: &AppleRun, out: &mut Vec<RecordLine>) {
    let t0 = run.start_unix_s;
    let off = run.utc_offset_s;
    let end = run.end_s();
    let watch = AppleRun::source_name(owner);
    let device = device_text(a);
    let push = |out: &mut Vec<RecordLine>, rank, source: &str, start, text| {
        out.push(RecordLine {
            rank,
            source: source.to_string(),
            start_unix_s: start,
            text,
        })
    };
    // The watch hands its samples to Health in batches, about every minute.
    let batch = |t: i64| (t / 60 + 1) * 60 + 2;
    for &(t, bpm) in &a.hr {
        let at = t0 + t as i64;
        let text = record_line(
            HR,
            "count/min",
            &bpm.to_string(),
            &watch,
            a.source_version,
            Some(&device),
            (batch(at), at, at),
            off,
            &[("HKMetadataKeyHeartRateMotionContext", "2")],
        );
        push(out, 3, &watch, at, text);
    }
    if let Some((app, version)) = a.duplicate_source {
        // The other app writes when it syncs, after the run.
        let synced = t0 + end as i64 + 95;
        for &(t, bpm) in &a.duplicate_hr {
            let at = t0 + t as i64;
            let text = record_line(
                HR,
                "count/min",
                &bpm.to_string(),
                app,
                version,
                None,
                (synced, at, at),
                off,
                &[],
            );
            push(out, 3, app, at, text);
        }
    }
    for &(t, bpm) in &a.resting_hr {
        let at = t0 + t;
        let text = record_line(
            HR,
            "count/min",
            &bpm.to_string(),
            &watch,
            a.source_version,
            Some(&device),
            (batch(at), at, at),
            off,
            &[("HKMetadataKeyHeartRateMotionContext", "1")],
        );
        push(out, 3, &watch, at, text);
    }
    // Steps, distance and energy in one-minute chunks of workout time.
    let recs = &run.recorded.records;
    let mut w0 = 0u32;
    while w0 < end {
        let w1 = (w0 + CHUNK_S).min(end);
        let inside: Vec<_> = recs.iter().filter(|r| r.t_s >= w0 && r.t_s < w1).collect();
        if !inside.is_empty() {
            let steps: f64 = inside
                .iter()
                .map(|r| r.cadence_rpm.map_or(0.0, |c| c as f64 * 2.0 / 60.0))
                .sum();
            let km = (run.distance_at(w1) - run.distance_at(w0)).max(0.0) / 1000.0;
            let kcal = km * BODY_MASS_KG * KCAL_PER_KG_KM;
            let (s, e) = (t0 + w0 as i64, t0 + w1 as i64);
            let span = (batch(e), s, e);
            for (rank, kind, unit, value) in [
                (0, STEPS, "count", format!("{}", steps.round() as u64)),
                (1, DISTANCE, "km", format!("{km:.5}")),
                (2, ENERGY, "kcal", format!("{kcal:.3}")),
            ] {
                if value.trim_start_matches(['0', '.']).is_empty() {
                    continue; // nothing moved in this chunk
                }
                let text = record_line(
                    kind,
                    unit,
                    &value,
                    &watch,
                    a.source_version,
                    Some(&device),
                    span,
                    off,
                    &[],
                );
                push(out, rank, &watch, s, text);
            }
        }
        w0 = w1;
    }
}

/// A workout's events: (second since the start, `type`, duration in s for
/// segments and laps), in time order.
fn events(run: &SimRun, a: &AppleRun) -> Vec<(u32, &'static str, Option<u32>)> {
    let mut v: Vec<(u32, &'static str, Option<u32>)> = Vec::new();
    // Splits: one segment per full kilometre.
    let mut split_start = 0u32;
    let mut next_m = SPLIT_M;
    for r in &run.recorded.records {
        if r.distance_m >= next_m {
            v.push((
                split_start,
                "HKWorkoutEventTypeSegment",
                Some(r.t_s - split_start),
            ));
            split_start = r.t_s;
            next_m += SPLIT_M;
        }
    }
    // Auto-laps, when the runner has them on.
    let mut lap_start = 0u32;
    for (t, how) in run.laps() {
        if how == LapEnd::Distance {
            v.push((lap_start, "HKWorkoutEventTypeLap", Some(t - lap_start)));
            lap_start = t;
        }
    }
    for (&(stop, restart), kind) in run.recorded.pauses.iter().zip(&a.pause_kinds) {
        let (p, r) = match kind {
            PauseKind::Manual => ("HKWorkoutEventTypePause", "HKWorkoutEventTypeResume"),
            PauseKind::Motion => (
                "HKWorkoutEventTypeMotionPaused",
                "HKWorkoutEventTypeMotionResumed",
            ),
        };
        v.push((stop, p, None));
        v.push((restart, r, None));
    }
    v.sort_by_key(|e| e.0);
    v
}

fn minutes(s: f64) -> String {
    format!("{}", s / 60.0)
}

/// The `<Workout>` element of one Apple run.
fn workout(owner: &str, run: &SimRun, a: &AppleRun) -> String {
    let t0 = run.start_unix_s;
    let off = run.utc_offset_s;
    let end = run.end_s();
    let d = |t: u32| apple_date(t0 + t as i64, off);
    let tot = totals(run, a);
    let watch = escape(&AppleRun::source_name(owner));
    let device = escape(&device_text(a));
    let active_s = (end - run.paused_s()) as f64;
    let mut x = format!(
        " <Workout workoutActivityType=\"HKWorkoutActivityTypeRunning\" duration=\"{}\" durationUnit=\"min\"",
        minutes(active_s)
    );
    if a.layout == Layout::Classic {
        let _ = write!(
            x,
            " totalDistance=\"{}\" totalDistanceUnit=\"km\" totalEnergyBurned=\"{}\" totalEnergyBurnedUnit=\"kcal\"",
            tot.distance_km, tot.energy_kcal
        );
    }
    let _ = writeln!(
        x,
        " sourceName=\"{watch}\" sourceVersion=\"{}\" device=\"{device}\" creationDate=\"{}\" startDate=\"{}\" endDate=\"{}\">",
        a.source_version,
        d(end + 5),
        d(0),
        d(end)
    );
    let mets = if active_s > 0.0 {
        tot.energy_kcal / BODY_MASS_KG / (active_s / 3600.0)
    } else {
        0.0
    };
    for (k, v) in [
        ("HKIndoorWorkout", "0".to_string()),
        ("HKTimeZone", escape(&run.zone)),
        ("HKElevationAscended", format!("{} cm", tot.ascent_cm)),
        ("HKAverageMETs", format!("{mets:.4} kcal/hr\u{b7}kg")),
    ] {
        let _ = writeln!(x, "  <MetadataEntry key=\"{k}\" value=\"{v}\"/>");
    }
    let evs = events(run, a);
    let write_events = |x: &mut String, indent: &str| {
        for (t, kind, dur) in &evs {
            match dur {
                Some(s) => {
                    let _ = writeln!(
                        x,
                        "{indent}<WorkoutEvent type=\"{kind}\" date=\"{}\" duration=\"{}\" durationUnit=\"min\"/>",
                        d(*t),
                        minutes(*s as f64)
                    );
                }
                None => {
                    let _ = writeln!(
                        x,
                        "{indent}<WorkoutEvent type=\"{kind}\" date=\"{}\"/>",
                        d(*t)
                    );
                }
            }
        }
    };
    write_events(&mut x, "  ");
    let stats = |x: &mut String, indent: &str| {
        let span = format!("startDate=\"{}\" endDate=\"{}\"", d(0), d(end));
        let _ = writeln!(
            x,
            "{indent}<WorkoutStatistics type=\"{ENERGY}\" {span} sum=\"{}\" unit=\"kcal\"/>",
            tot.energy_kcal
        );
        let _ = writeln!(
            x,
            "{indent}<WorkoutStatistics type=\"{DISTANCE}\" {span} sum=\"{}\" unit=\"km\"/>",
            tot.distance_km
        );
        if !a.hr.is_empty() {
            let _ = writeln!(
                x,
                "{indent}<WorkoutStatistics type=\"{HR}\" {span} average=\"{}\" minimum=\"{}\" maximum=\"{}\" unit=\"count/min\"/>",
                tot.hr_avg, tot.hr_min, tot.hr_max
            );
        }
        let _ = writeln!(
            x,
            "{indent}<WorkoutStatistics type=\"{STEPS}\" {span} sum=\"{}\" unit=\"count\"/>",
            tot.steps.round()
        );
    };
    if a.layout == Layout::WorkoutActivity {
        let _ = writeln!(
            x,
            "  <WorkoutActivity uuid=\"{}\" startDate=\"{}\" endDate=\"{}\" duration=\"{}\" durationUnit=\"min\">",
            a.uuids[1],
            d(0),
            d(end),
            minutes(active_s)
        );
        write_events(&mut x, "   ");
        stats(&mut x, "   ");
        x.push_str("  </WorkoutActivity>\n");
        stats(&mut x, "  ");
    }
    let (r0, r1) = a.route_span_s;
    let _ = writeln!(
        x,
        "  <WorkoutRoute sourceName=\"{watch}\" sourceVersion=\"{}\" creationDate=\"{}\" startDate=\"{}\" endDate=\"{}\">\n   \
         <MetadataEntry key=\"HKMetadataKeySyncVersion\" value=\"2\"/>\n   \
         <MetadataEntry key=\"HKMetadataKeySyncIdentifier\" value=\"{}\"/>\n   \
         <FileReference path=\"/workout-routes/{}\"/>\n  </WorkoutRoute>\n </Workout>",
        a.source_version,
        d(end + 10),
        d(r0),
        d(r1),
        a.uuids[0],
        escape(&a.route_file)
    );
    x
}

/// An internal DTD in the Health app's style (written for cramplab:
/// element and attribute lists for what this export holds).
const DTD: &str = r#"<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 (as simulated by cramplab) -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex               CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record (MetadataEntry*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutActivity|WorkoutStatistics|WorkoutRoute)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutActivity ((MetadataEntry|WorkoutEvent|WorkoutStatistics)*)>
<!ATTLIST WorkoutActivity
  uuid         CDATA #REQUIRED
  startDate    CDATA #REQUIRED
  endDate      CDATA #IMPLIED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutEvent EMPTY>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference)*)>
<!ATTLIST WorkoutRoute
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference
  path CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents         CDATA #IMPLIED
  activeEnergyBurned     CDATA #IMPLIED
  activeEnergyBurnedGoal CDATA #IMPLIED
  activeEnergyBurnedUnit CDATA #IMPLIED
  appleExerciseTime      CDATA #IMPLIED
  appleExerciseTimeGoal  CDATA #IMPLIED
  appleStandHours        CDATA #IMPLIED
  appleStandHoursGoal    CDATA #IMPLIED
>
]>
"#;

/// When the history's export was made: a day after its last Apple run, in
/// that run's offset.
fn export_time(apple_runs: &[&SimRun]) -> (i64, i32) {
    apple_runs
        .iter()
        .map(|r| {
            (
                r.start_unix_s + r.end_s() as i64 + 26 * 3600 + 787,
                r.utc_offset_s,
            )
        })
        .max_by_key(|&(t, _)| t)
        .unwrap_or((0, 0))
}

/// `export.xml` for the Apple runs of a history (in time order).
pub fn export_xml(p: &AppleParams, apple_runs: &[&SimRun]) -> String {
    let (export_s, export_off) = export_time(apple_runs);
    let mut lines = Vec::new();
    for run in apple_runs {
        if let Some(a) = &run.apple {
            run_records(&p.owner, run, a, &mut lines);
        }
    }
    // Health groups records by type, then by source, each in time order.
    lines.sort_by(|a, b| {
        (a.rank, &a.source, a.start_unix_s).cmp(&(b.rank, &b.source, b.start_unix_s))
    });
    let size: usize = lines.iter().map(|l| l.text.len()).sum();
    let mut x = String::with_capacity(size + apple_runs.len() * 4096 + DTD.len() + 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(DTD);
    x.push_str("<HealthData locale=\"en_US\">\n");
    let _ = writeln!(
        x,
        " <ExportDate value=\"{}\"/>\n <Me HKCharacteristicTypeIdentifierDateOfBirth=\"1988-04-12\" \
         HKCharacteristicTypeIdentifierBiologicalSex=\"HKBiologicalSexNotSet\" \
         HKCharacteristicTypeIdentifierBloodType=\"HKBloodTypeNotSet\" \
         HKCharacteristicTypeIdentifierFitzpatrickSkinType=\"HKFitzpatrickSkinTypeNotSet\" \
         HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse=\"None\"/>",
        apple_date(export_s, export_off)
    );
    for l in &lines {
        x.push_str(&l.text);
    }
    for run in apple_runs {
        if let Some(a) = &run.apple {
            x.push_str(&workout(&p.owner, run, a));
        }
    }
    // One activity-ring summary per day with a run.
    let mut days: Vec<(String, f64, u32)> = Vec::new();
    for run in apple_runs {
        let Some(a) = &run.apple else { continue };
        let day = local(run.start_unix_s, run.utc_offset_s)
            .format("%Y-%m-%d")
            .to_string();
        let kcal = totals(run, a).energy_kcal;
        let minutes = (run.end_s() - run.paused_s()) / 60;
        match days.last_mut() {
            Some(last) if last.0 == day => {
                last.1 += kcal;
                last.2 += minutes;
            }
            _ => days.push((day, kcal, minutes)),
        }
    }
    for (day, kcal, minutes) in days {
        let _ = writeln!(
            x,
            " <ActivitySummary dateComponents=\"{day}\" activeEnergyBurned=\"{:.3}\" activeEnergyBurnedGoal=\"600\" \
             activeEnergyBurnedUnit=\"kcal\" appleExerciseTime=\"{}\" appleExerciseTimeGoal=\"30\" \
             appleStandHours=\"12\" appleStandHoursGoal=\"12\"/>",
            kcal + 180.0,
            minutes + 12
        );
    }
    x.push_str("</HealthData>\n");
    x
}

/// A short clinical-document export (`export_cda.xml`), as every Health
/// export carries next to `export.xml`: a reader must skip it.
fn export_cda(export_s: i64, export_off: i32) -> String {
    let t = local(export_s, export_off).format("%Y%m%d%H%M%S%z");
    format!(
        "<?xml version=\"1.0\"?>\n\
         <ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         classCode=\"DOCCLIN\" moodCode=\"EVN\">\n\
         <realmCode code=\"US\"/>\n\
         <typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>\n\
         <title>Health Export CDA</title>\n\
         <effectiveTime value=\"{t}\"/>\n\
         <component><structuredBody><component><section>\n\
         <title>Vital Signs</title>\n\
         </section></component></structuredBody></component>\n\
         </ClinicalDocument>\n"
    )
}

/// Pack `export.zip` for the Apple runs among `runs` (none: `None`).
/// Entries are stamped with the export's local time and fixed
/// permissions, so the archive is byte-identical for a seed.
pub fn export_zip(p: &AppleParams, runs: &[SimRun]) -> Result<Option<Vec<u8>>, SimError> {
    let apple_runs: Vec<&SimRun> = runs
        .iter()
        .filter(|r| r.format == FileFormat::Apple && r.apple.is_some())
        .collect();
    if apple_runs.is_empty() {
        return Ok(None);
    }
    let err = |e: &dyn std::fmt::Display| SimError::Zip {
        file: EXPORT_ZIP.to_string(),
        reason: e.to_string(),
    };
    let (export_s, export_off) = export_time(&apple_runs);
    let t = local(export_s, export_off);
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).map_err(|e| err(&e))?,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .map_err(|e| err(&e))?;
    let xml = export_xml(p, &apple_runs);
    let cda = export_cda(export_s, export_off);
    let mut entries: Vec<(String, &[u8])> = vec![
        (format!("{EXPORT_DIR}/export.xml"), xml.as_bytes()),
        (format!("{EXPORT_DIR}/export_cda.xml"), cda.as_bytes()),
    ];
    for run in &apple_runs {
        if let Some(a) = &run.apple {
            entries.push((
                format!("{EXPORT_DIR}/workout-routes/{}", a.route_file),
                run.bytes.as_slice(),
            ));
        }
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(stamp)
            .unix_permissions(0o644)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        w.start_file(name, options).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    let cursor = w.finish().map_err(|e| err(&e))?;
    Ok(Some(cursor.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    #[test]
    fn route_names_use_the_local_twelve_hour_clock_as_apple_does() {
        // 2019-06-11T22:00:42Z is 3:00pm at −07:00 (the real export's
        // route_2019-06-11_3.00pm.gpx).
        let t = DateTime::parse_from_rfc3339("2019-06-11T22:00:42Z")
            .unwrap()
            .timestamp();
        assert_eq!(route_file_name(t, -7 * 3600), "route_2019-06-11_3.00pm.gpx");
        assert_eq!(route_title(t, -7 * 3600), "Route 2019-06-11 3:00pm");
        // Past midnight locally the date moves on: at +02:04:18 it is
        // 00:05:00 the next day, which the 12-hour clock calls 12.05am.
        assert_eq!(
            route_file_name(t, 2 * 3600 + 4 * 60 + 18),
            "route_2019-06-12_12.05am.gpx"
        );
        let noon = DateTime::parse_from_rfc3339("2025-03-02T12:07:00Z")
            .unwrap()
            .timestamp();
        assert_eq!(route_file_name(noon, 0), "route_2025-03-02_12.07pm.gpx");
        assert_eq!(
            route_file_name(noon - 12 * 3600, 0),
            "route_2025-03-02_12.07am.gpx"
        );
        // Kolkata's half hour: 12:07Z is 17:37 there.
        assert_eq!(route_file_name(noon, 19800), "route_2025-03-02_5.37pm.gpx");
    }

    #[test]
    fn dates_carry_the_runners_offset_without_a_colon() {
        let t = DateTime::parse_from_rfc3339("2025-02-03T06:12:05Z")
            .unwrap()
            .timestamp();
        assert_eq!(apple_date(t, 3600), "2025-02-03 07:12:05 +0100");
        assert_eq!(apple_date(t, -5 * 3600), "2025-02-03 01:12:05 -0500");
        assert_eq!(apple_date(t, 19800), "2025-02-03 11:42:05 +0530");
    }

    #[test]
    fn uuids_have_the_version_4_form() {
        let mut rng = sub_rng(1, 9);
        for _ in 0..50 {
            let u = uuid_v4(&mut rng, true);
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                vec![8, 4, 4, 4, 12],
                "{u}"
            );
            assert!(parts[2].starts_with('4'), "{u}");
            assert!(matches!(&parts[3][..1], "8" | "9" | "A" | "B"), "{u}");
            assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
            assert_eq!(u, u.to_uppercase());
        }
    }

    #[test]
    fn courses_point_the_way_the_runner_moves() {
        let north = course_deg((48.0, 11.0), (48.001, 11.0));
        let east = course_deg((48.0, 11.0), (48.0, 11.001));
        let west = course_deg((48.0, 11.0), (48.0, 10.999));
        assert!(north.abs() < 1e-9, "{north}");
        assert!((east - 90.0).abs() < 1e-9, "{east}");
        assert!((west - 270.0).abs() < 1e-9, "{west}");
    }

    #[test]
    fn the_dtd_is_well_formed_enough_to_close_before_the_root() {
        assert!(DTD.starts_with("<!DOCTYPE HealthData ["));
        assert!(DTD.trim_end().ends_with("]>"));
        // Every declaration opened is closed (the DOCTYPE by its `]>`).
        assert_eq!(DTD.matches("<!").count(), DTD.matches('>').count());
    }
}
