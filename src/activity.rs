//! The activity model: one recorded activity, whatever file it came from.
//!
//! Samples are stored column by column (one `Vec` per channel) because every
//! later stage — the 1 Hz timeline, the windows around a cramp, the batch
//! pipeline — walks one or two channels over the whole recording. A missing
//! value inside a channel is `NaN`; a channel the file never recorded is `None`.
//! Times are UTC inside the tool: `start_utc` plus `elapsed_s` (wall-clock
//! seconds since the first sample, pauses included).
//!
//! Readers do not fill this type directly: they push raw samples into a
//! [`TrackBuilder`], which puts time in order, drops repeated timestamps,
//! turns absurd values into missing ones and records what it did as warnings.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

/// The file format an activity was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Garmin's Flexible and Interoperable Data Transfer protocol.
    Fit,
    /// GPS Exchange Format 1.0 or 1.1.
    Gpx,
    /// Garmin Training Center XML.
    Tcx,
    /// An Apple Health export (`export.xml` with its route GPX files).
    Apple,
    /// A Polar Flow training-session JSON file (both shapes).
    Polar,
    /// An adidas Running / Runtastic sport session with its GPS and
    /// heart-rate JSON.
    Runtastic,
    /// A Huawei Health HiTrack text file.
    Huawei,
}

impl Format {
    /// Lower-case name as used in output (`fit`, `gpx`, `tcx`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Fit => "fit",
            Format::Gpx => "gpx",
            Format::Tcx => "tcx",
            Format::Apple => "apple",
            Format::Polar => "polar",
            Format::Runtastic => "runtastic",
            Format::Huawei => "huawei",
        }
    }
}

/// The sport an activity states, reduced to what cramplab needs to decide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sport {
    /// Running of any kind: road, trail, track, treadmill.
    Running,
    /// Cycling of any kind.
    Cycling,
    /// Walking or hiking.
    Walking,
    /// Swimming.
    Swimming,
    /// Any other named sport (as the file names it, lower case).
    Other(String),
    /// The file does not say (most GPX files); counted as running.
    Unknown,
}

impl Sport {
    /// Map a sport name as files write it (FIT enum names, TCX `Sport`
    /// attribute, GPX `<type>`, Strava's activity type) to a [`Sport`].
    pub fn from_name(name: &str) -> Sport {
        let n = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match n.as_str() {
            "" | "generic" | "other" | "unknown" | "all" => Sport::Unknown,
            "running" | "run" | "trail_running" | "trail_run" | "trailrun" | "treadmill"
            | "treadmill_running" | "track" | "track_running" | "street" | "virtual_run"
            | "virtualrun" | "indoor_running" | "ultra" | "9" => Sport::Running,
            "cycling" | "biking" | "bike" | "ride" | "virtual_ride" | "virtualride" | "road"
            | "mountain" | "e_bike_ride" | "ebikeride" | "1" => Sport::Cycling,
            "walking" | "walk" | "hiking" | "hike" | "11" | "17" => Sport::Walking,
            "swimming" | "swim" | "lap_swimming" | "open_water" | "5" => Sport::Swimming,
            _ => Sport::Other(n),
        }
    }

    /// Whether cramplab analyses this sport by default (a file that states
    /// no sport counts as running, docs/METHOD.md §2).
    pub fn is_running(&self) -> bool {
        matches!(self, Sport::Running | Sport::Unknown)
    }

    /// Name used in output.
    pub fn as_str(&self) -> &str {
        match self {
            Sport::Running => "running",
            Sport::Cycling => "cycling",
            Sport::Walking => "walking",
            Sport::Swimming => "swimming",
            Sport::Other(s) => s,
            Sport::Unknown => "unknown",
        }
    }

    /// Highest plausible speed in m/s for the sport; faster samples are
    /// recording glitches (the fastest humans sprint ~12 m/s).
    pub fn max_plausible_speed_mps(&self) -> f64 {
        match self {
            Sport::Running | Sport::Walking | Sport::Unknown => 12.0,
            Sport::Swimming => 5.0,
            Sport::Cycling => 35.0,
            Sport::Other(_) => 70.0,
        }
    }
}

/// Where the runner's UTC offset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetSource {
    /// FIT `activity.local_timestamp` minus `activity.timestamp`.
    FitLocalTimestamp,
    /// An explicit offset on the file's times (`2026-05-03T08:42:10+02:00`).
    TimeOffset,
    /// The offset on an Apple Health workout's `startDate`
    /// (`2026-05-03 08:42:10 +0200`).
    AppleWorkoutDate,
    /// Polar Flow's `timeZoneOffset` / `timezoneOffsetMinutes` field.
    PolarOffsetField,
    /// adidas Running's `start_time_timezone_offset` field.
    RuntasticOffsetField,
}

/// The runner's offset from UTC while recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcOffset {
    /// Seconds east of UTC.
    pub seconds: i32,
    /// Where the offset was learned.
    pub source: OffsetSource,
}

/// A stretch of elapsed time during which the recording was paused (timer
/// stopped, auto-pause, or a gap with no movement). Speed is 0 inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pause {
    /// Seconds since `start_utc` at which the pause began.
    pub start_s: f64,
    /// Seconds since `start_utc` at which recording resumed.
    pub end_s: f64,
}

impl Pause {
    /// Length of the pause in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// Stretches of an activity with no data that are neither pauses nor
/// interpolated ([`Activity::holes`]): a watch that lost its signal or a
/// track with its middle cut out. `inspect` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Holes {
    /// How many.
    pub count: usize,
    /// The longest, in seconds.
    pub longest_s: f64,
    /// All of them together, in seconds.
    pub total_s: f64,
}

/// One lap as the device recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lap {
    /// Seconds since `start_utc` at which the lap began.
    pub start_s: f64,
    /// Seconds since `start_utc` at which the lap ended.
    pub end_s: f64,
    /// What ended the lap (`manual`, `distance`, `time`, `session_end`, …).
    pub trigger: String,
}

/// A named point the runner marked (GPX `<wpt>`), for in-file cramp tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Waypoint {
    /// When it was marked, if the file says.
    pub time_utc: Option<DateTime<Utc>>,
    /// Its name (and description, if any).
    pub name: String,
    /// Latitude in degrees.
    pub lat_deg: f64,
    /// Longitude in degrees.
    pub lon_deg: f64,
}

/// Per-sample channels, each `None` when the file never recorded it and
/// `NaN` where a single sample lacks it. All have the length of `elapsed_s`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    /// Wall-clock seconds since the activity's `start_utc`, strictly increasing.
    pub elapsed_s: Vec<f64>,
    /// Latitude in degrees (WGS84).
    pub lat_deg: Option<Vec<f64>>,
    /// Longitude in degrees (WGS84).
    pub lon_deg: Option<Vec<f64>>,
    /// Altitude in metres.
    pub altitude_m: Option<Vec<f64>>,
    /// Cumulative distance in metres, as the device measured it.
    pub distance_m: Option<Vec<f64>>,
    /// Speed in metres per second, as the device measured it.
    pub speed_mps: Option<Vec<f64>>,
    /// Heart rate in beats per minute.
    pub hr_bpm: Option<Vec<f64>>,
    /// Cadence in steps per minute (files store strides/min for running:
    /// readers double it).
    pub cadence_spm: Option<Vec<f64>>,
    /// Temperature in degrees Celsius.
    pub temperature_c: Option<Vec<f64>>,
    /// Power in watts (device or developer field such as Stryd's).
    pub power_w: Option<Vec<f64>>,
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.elapsed_s.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.elapsed_s.is_empty()
    }

    /// Whether a channel holds at least one real value.
    pub fn has(channel: &Option<Vec<f64>>) -> bool {
        channel
            .as_ref()
            .is_some_and(|v| v.iter().any(|x| x.is_finite()))
    }

    /// Median interval between samples in seconds (`None` with < 2 samples).
    pub fn median_interval_s(&self) -> Option<f64> {
        if self.elapsed_s.len() < 2 {
            return None;
        }
        let mut d: Vec<f64> = self.elapsed_s.windows(2).map(|w| w[1] - w[0]).collect();
        d.sort_by(f64::total_cmp);
        Some(d[d.len() / 2])
    }
}

/// One recorded activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Where it came from, as shown to the user (`export.zip/activities/1.fit`).
    pub path: String,
    /// The format of the file.
    pub format: Format,
    /// The sport the file states.
    pub sport: Sport,
    /// The sport's finer name when the file gives one (`trail`, `treadmill`).
    pub sub_sport: Option<String>,
    /// Device or creating application (`garmin fenix2`, `StravaGPX`).
    pub device: Option<String>,
    /// Time of the first sample, UTC.
    pub start_utc: DateTime<Utc>,
    /// The runner's offset from UTC, when the file tells it.
    pub utc_offset: Option<UtcOffset>,
    /// Timer time in seconds as the device reports it (pauses excluded).
    pub timer_s: Option<f64>,
    /// The samples.
    pub samples: Samples,
    /// Paused stretches, in order, not overlapping.
    pub pauses: Vec<Pause>,
    /// Laps, in order.
    pub laps: Vec<Lap>,
    /// Named points (GPX waypoints).
    pub waypoints: Vec<Waypoint>,
    /// What was recovered, skipped or guessed while reading.
    pub warnings: Vec<String>,
    /// Other names a tag file's `file` may give it (an Apple Health
    /// workout's start as written in the export), besides its path.
    pub aliases: Vec<String>,
}

impl Activity {
    /// Wall-clock seconds from the first to the last sample.
    pub fn elapsed_s(&self) -> f64 {
        self.samples.elapsed_s.last().copied().unwrap_or(0.0)
    }

    /// Time of the last sample, UTC.
    pub fn end_utc(&self) -> DateTime<Utc> {
        self.start_utc + chrono::Duration::milliseconds((self.elapsed_s() * 1000.0).round() as i64)
    }

    /// Seconds spent paused (0, never −0, without pauses: Rust's empty
    /// float sum is −0.0, which JSON would print).
    pub fn paused_s(&self) -> f64 {
        self.pauses
            .iter()
            .fold(0.0, |total, p| total + p.duration_s())
    }

    /// The stretches without data that are not pauses: gaps between two
    /// consecutive samples longer than `max_interp_gap_s` (the longest gap
    /// the timeline interpolates, 10 s by default), less any part of them
    /// inside a pause. The timeline leaves these seconds missing, so no
    /// pace is known there. A remainder under a second is the rounding of
    /// a pause's ends, not a hole.
    pub fn holes(&self, max_interp_gap_s: f64) -> Holes {
        let mut h = Holes::default();
        let mut pauses = self.pauses.iter().peekable();
        for w in self.samples.elapsed_s.windows(2) {
            let (t0, t1) = (w[0], w[1]);
            if t1 - t0 <= max_interp_gap_s {
                continue;
            }
            // Pauses are sorted and disjoint: skip those ending before t0.
            while pauses.next_if(|p| p.end_s <= t0).is_some() {}
            let paused_s: f64 = pauses
                .clone()
                .take_while(|p| p.start_s < t1)
                .map(|p| p.end_s.min(t1) - p.start_s.max(t0))
                .filter(|d| *d > 0.0)
                .fold(0.0, |total, d| total + d);
            let missing_s = t1 - t0 - paused_s;
            if missing_s >= 1.0 {
                h.count += 1;
                h.total_s += missing_s;
                h.longest_s = h.longest_s.max(missing_s);
            }
        }
        h
    }

    /// Distance in metres: the device's last cumulative distance, else the
    /// sum of great-circle steps between positions.
    pub fn distance_m(&self) -> Option<f64> {
        if let Some(d) = &self.samples.distance_m
            && let Some(last) = d.iter().rev().find(|x| x.is_finite())
        {
            return Some(*last);
        }
        let (lat, lon) = (
            self.samples.lat_deg.as_ref()?,
            self.samples.lon_deg.as_ref()?,
        );
        let mut total = 0.0;
        let mut prev: Option<(f64, f64)> = None;
        for (&a, &o) in lat.iter().zip(lon) {
            if !(a.is_finite() && o.is_finite()) {
                continue;
            }
            if let Some((pa, po)) = prev {
                total += haversine_m(pa, po, a, o);
            }
            prev = Some((a, o));
        }
        prev.map(|_| total)
    }
}

/// Mean Earth radius in metres (IUGG), for the haversine distance.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 positions (haversine;
/// within 0.5 % of the ellipsoidal distance, far below GPS error).
pub fn haversine_m(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> f64 {
    let (p1, p2) = (lat1_deg.to_radians(), lat2_deg.to_radians());
    let dp = p2 - p1;
    let dl = (lon2_deg - lon1_deg).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// One raw sample as a reader found it. Every field but the time is
/// optional; cadence is already in steps per minute.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RawSample {
    /// UTC time in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Latitude in degrees.
    pub lat_deg: Option<f64>,
    /// Longitude in degrees.
    pub lon_deg: Option<f64>,
    /// Altitude in metres.
    pub altitude_m: Option<f64>,
    /// Cumulative distance in metres.
    pub distance_m: Option<f64>,
    /// Speed in m/s.
    pub speed_mps: Option<f64>,
    /// Heart rate in bpm.
    pub hr_bpm: Option<f64>,
    /// Cadence in steps per minute.
    pub cadence_spm: Option<f64>,
    /// Temperature in °C.
    pub temperature_c: Option<f64>,
    /// Power in W.
    pub power_w: Option<f64>,
}

/// What a reader knows about an activity besides its samples.
#[derive(Debug, Clone)]
pub struct ActivityMeta {
    /// Where it came from, as shown to the user.
    pub path: String,
    /// File format.
    pub format: Format,
    /// Sport.
    pub sport: Sport,
    /// Finer sport name.
    pub sub_sport: Option<String>,
    /// Device or creator.
    pub device: Option<String>,
    /// UTC offset.
    pub utc_offset: Option<UtcOffset>,
    /// Timer time in seconds.
    pub timer_s: Option<f64>,
}

impl ActivityMeta {
    /// Metadata with only the path and format known.
    pub fn new(path: &str, format: Format) -> Self {
        ActivityMeta {
            path: path.to_string(),
            format,
            sport: Sport::Unknown,
            sub_sport: None,
            device: None,
            utc_offset: None,
            timer_s: None,
        }
    }
}

/// A gap longer than this (seconds) across which the position moved less
/// than [`GAP_PAUSE_MAX_MOVE_M`] is a pause in GPX/TCX (docs/METHOD.md §2).
pub const GAP_PAUSE_MIN_S: f64 = 10.0;
/// The longest activity analysed as one run: 7 days, past the longest
/// single-stage mountain ultras (Tor des Géants' 150 h cut-off,
/// <https://www.tordesgeants.it>). Longer files (merged histories, a clock
/// reset to 1989 or a corrupt 2100 timestamp) are read and listed, but their
/// 1 Hz timeline is not built: one point stamped 2100 in a 10-minute run
/// made `analyze` allocate 20 GB (found by tests/hostile.rs).
pub const MAX_ACTIVITY_S: f64 = 7.0 * 86_400.0;
/// See [`GAP_PAUSE_MIN_S`].
pub const GAP_PAUSE_MAX_MOVE_M: f64 = 20.0;

/// Collects raw samples, pauses and laps in any order and builds a clean
/// [`Activity`].
#[derive(Debug, Clone)]
pub struct TrackBuilder {
    /// Metadata for the activity.
    pub meta: ActivityMeta,
    samples: Vec<RawSample>,
    /// Paused intervals as (start, end) UTC milliseconds.
    pub pauses_ms: Vec<(i64, i64)>,
    /// Laps as (start, end, trigger), UTC milliseconds.
    pub laps_ms: Vec<(i64, i64, String)>,
    /// Waypoints.
    pub waypoints: Vec<Waypoint>,
    /// Warnings so far.
    pub warnings: Vec<String>,
    /// Whether gaps without movement should become pauses (GPX, TCX).
    pub detect_gap_pauses: bool,
    /// Other names for tag files' `file` ([`Activity::aliases`]).
    pub aliases: Vec<String>,
}

impl TrackBuilder {
    /// An empty builder.
    pub fn new(meta: ActivityMeta) -> Self {
        let detect_gap_pauses = meta.format != Format::Fit;
        TrackBuilder {
            meta,
            samples: Vec::new(),
            pauses_ms: Vec::new(),
            laps_ms: Vec::new(),
            waypoints: Vec::new(),
            warnings: Vec::new(),
            detect_gap_pauses,
            aliases: Vec::new(),
        }
    }

    /// Add a sample.
    pub fn push(&mut self, s: RawSample) {
        self.samples.push(s);
    }

    /// Reserve room for `n` more samples.
    pub fn reserve(&mut self, n: usize) {
        self.samples.reserve(n);
    }

    /// Number of samples pushed so far.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no sample was pushed.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Raw samples pushed so far (in push order).
    pub fn samples(&self) -> &[RawSample] {
        &self.samples
    }

    /// Mutable access to the raw samples (to merge a channel by time).
    pub fn samples_mut(&mut self) -> &mut [RawSample] {
        &mut self.samples
    }

    /// Build the activity: order time, drop repeats, blank absurd values,
    /// detect gap pauses, convert to columns. `None` when no sample has a time.
    pub fn finish(mut self) -> Option<Activity> {
        if self.samples.is_empty() {
            return None;
        }
        // Time going backwards: put in order (stable, so equal times keep file order).
        let backward = self
            .samples
            .windows(2)
            .filter(|w| w[1].time_ms < w[0].time_ms)
            .count();
        if backward > 0 {
            self.samples.sort_by_key(|s| s.time_ms);
            self.warnings.push(format!(
                "time went backwards {backward} time(s); samples were put in time order"
            ));
        }
        // Repeated timestamps: keep the first, fill its gaps from the repeats.
        let before = self.samples.len();
        self.samples.dedup_by(|later, first| {
            if later.time_ms == first.time_ms {
                merge_missing(first, later);
                true
            } else {
                false
            }
        });
        let repeated = before - self.samples.len();
        if repeated > 0 {
            self.warnings.push(format!(
                "{repeated} sample(s) repeated an earlier timestamp and were merged into it"
            ));
        }
        self.blank_absurd_values();

        let start_ms = self.samples[0].time_ms;
        let start_utc = Utc.timestamp_millis_opt(start_ms).single()?;
        let n = self.samples.len();
        let mut s = Samples {
            elapsed_s: Vec::with_capacity(n),
            ..Samples::default()
        };
        s.elapsed_s.extend(
            self.samples
                .iter()
                .map(|r| (r.time_ms - start_ms) as f64 / 1000.0),
        );
        s.lat_deg = column(&self.samples, |r| r.lat_deg);
        s.lon_deg = column(&self.samples, |r| r.lon_deg);
        s.altitude_m = column(&self.samples, |r| r.altitude_m);
        s.distance_m = column(&self.samples, |r| r.distance_m);
        s.speed_mps = column(&self.samples, |r| r.speed_mps);
        s.hr_bpm = column(&self.samples, |r| r.hr_bpm);
        s.cadence_spm = column(&self.samples, |r| r.cadence_spm);
        s.temperature_c = column(&self.samples, |r| r.temperature_c);
        s.power_w = column(&self.samples, |r| r.power_w);
        if s.lat_deg.is_none() || s.lon_deg.is_none() {
            s.lat_deg = None;
            s.lon_deg = None;
        }

        let to_s = |ms: i64| (ms - start_ms) as f64 / 1000.0;
        let mut pauses: Vec<Pause> = self
            .pauses_ms
            .iter()
            .filter(|(a, b)| b > a)
            .map(|&(a, b)| Pause {
                start_s: to_s(a).max(0.0),
                end_s: to_s(b),
            })
            .filter(|p| p.end_s > p.start_s)
            .collect();
        if self.detect_gap_pauses {
            pauses.extend(gap_pauses(&s));
        }
        let pauses = merge_pauses(pauses);
        let laps = self
            .laps_ms
            .iter()
            .map(|(a, b, t)| Lap {
                start_s: to_s(*a),
                end_s: to_s(*b),
                trigger: t.clone(),
            })
            .collect();
        Some(Activity {
            path: self.meta.path,
            format: self.meta.format,
            sport: self.meta.sport,
            sub_sport: self.meta.sub_sport,
            device: self.meta.device,
            start_utc,
            utc_offset: self.meta.utc_offset,
            timer_s: self.meta.timer_s,
            samples: s,
            pauses,
            laps,
            waypoints: self.waypoints,
            warnings: self.warnings,
            aliases: self.aliases,
        })
    }

    fn blank_absurd_values(&mut self) {
        let max_speed = self.meta.sport.max_plausible_speed_mps();
        let mut counts = [0usize; 6];
        for r in &mut self.samples {
            blank_if(
                &mut r.hr_bpm,
                |v| !(20.0..=250.0).contains(&v),
                &mut counts[0],
            );
            blank_if(
                &mut r.speed_mps,
                |v| !(0.0..=max_speed).contains(&v),
                &mut counts[1],
            );
            blank_if(
                &mut r.lat_deg,
                |v| !(-90.0..=90.0).contains(&v),
                &mut counts[2],
            );
            blank_if(
                &mut r.lon_deg,
                |v| !(-180.0..=180.0).contains(&v),
                &mut counts[2],
            );
            blank_if(
                &mut r.altitude_m,
                |v| !(-500.0..=9000.0).contains(&v),
                &mut counts[3],
            );
            blank_if(
                &mut r.cadence_spm,
                |v| !(0.0..=400.0).contains(&v),
                &mut counts[4],
            );
            blank_if(&mut r.distance_m, |v| v < 0.0, &mut counts[5]);
            blank_if(
                &mut r.temperature_c,
                |v| !(-60.0..=70.0).contains(&v),
                &mut counts[5],
            );
            blank_if(
                &mut r.power_w,
                |v| !(0.0..=3000.0).contains(&v),
                &mut counts[5],
            );
            if r.lat_deg.is_none() != r.lon_deg.is_none() {
                r.lat_deg = None;
                r.lon_deg = None;
            }
        }
        let names = [
            "heart rate outside 20–250 bpm",
            "speed impossible for the sport",
            "position outside the globe",
            "altitude outside -500–9000 m",
            "cadence above 400 steps/min",
            "other impossible values (distance, temperature, power)",
        ];
        for (c, name) in counts.iter().zip(names) {
            if *c > 0 {
                self.warnings
                    .push(format!("{c} value(s) dropped as absurd: {name}"));
            }
        }
    }
}

fn blank_if(v: &mut Option<f64>, bad: impl Fn(f64) -> bool, count: &mut usize) {
    if let Some(x) = *v
        && (!x.is_finite() || bad(x))
    {
        *v = None;
        *count += 1;
    }
}

fn merge_missing(into: &mut RawSample, from: &RawSample) {
    macro_rules! fill {
        ($($f:ident),*) => { $( if into.$f.is_none() { into.$f = from.$f; } )* };
    }
    fill!(
        lat_deg,
        lon_deg,
        altitude_m,
        distance_m,
        speed_mps,
        hr_bpm,
        cadence_spm,
        temperature_c,
        power_w
    );
}

fn column(samples: &[RawSample], get: impl Fn(&RawSample) -> Option<f64>) -> Option<Vec<f64>> {
    if !samples.iter().any(|r| get(r).is_some()) {
        return None;
    }
    Some(samples.iter().map(|r| get(r).unwrap_or(f64::NAN)).collect())
}

/// Gaps over [`GAP_PAUSE_MIN_S`] across which the position moved less than
/// [`GAP_PAUSE_MAX_MOVE_M`] (docs/METHOD.md §2). Without positions, the device's
/// distance decides; with neither, a gap is not called a pause.
fn gap_pauses(s: &Samples) -> Vec<Pause> {
    let mut out = Vec::new();
    for i in 1..s.len() {
        let (t0, t1) = (s.elapsed_s[i - 1], s.elapsed_s[i]);
        if t1 - t0 <= GAP_PAUSE_MIN_S {
            continue;
        }
        let moved = match (&s.lat_deg, &s.lon_deg, &s.distance_m) {
            (Some(la), Some(lo), _) if la[i].is_finite() && la[i - 1].is_finite() => {
                Some(haversine_m(la[i - 1], lo[i - 1], la[i], lo[i]))
            }
            (_, _, Some(d)) if d[i].is_finite() && d[i - 1].is_finite() => Some(d[i] - d[i - 1]),
            _ => None,
        };
        if moved.is_some_and(|m| m < GAP_PAUSE_MAX_MOVE_M) {
            out.push(Pause {
                start_s: t0,
                end_s: t1,
            });
        }
    }
    out
}

/// Sort pauses and merge overlapping or touching ones.
fn merge_pauses(mut p: Vec<Pause>) -> Vec<Pause> {
    p.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut out: Vec<Pause> = Vec::with_capacity(p.len());
    for x in p {
        match out.last_mut() {
            Some(last) if x.start_s <= last.end_s => last.end_s = last.end_s.max(x.end_s),
            _ => out.push(x),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: i64) -> RawSample {
        RawSample {
            time_ms: 1_700_000_000_000 + t_s * 1000,
            ..RawSample::default()
        }
    }

    #[test]
    fn backward_time_is_put_in_order_with_a_warning() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.gpx", Format::Gpx));
        for t in [0, 1, 3, 2, 4] {
            b.push(sample(t));
        }
        let a = b.finish().expect("has samples");
        assert_eq!(a.samples.elapsed_s, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(a.warnings.iter().any(|w| w.contains("backwards 1 time")));
    }

    #[test]
    fn repeated_timestamps_merge_and_are_counted() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.fit", Format::Fit));
        b.push(sample(0));
        b.push(RawSample {
            hr_bpm: Some(140.0),
            ..sample(0)
        });
        b.push(sample(1));
        let a = b.finish().expect("has samples");
        assert_eq!(a.samples.len(), 2);
        assert_eq!(a.samples.hr_bpm.as_ref().map(|v| v[0]), Some(140.0));
        assert!(
            a.warnings
                .iter()
                .any(|w| w.starts_with("1 sample(s) repeated"))
        );
    }

    #[test]
    fn absurd_heart_rate_and_speed_become_missing() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.fit", Format::Fit));
        for (t, hr, v) in [(0, 0.0, 3.0), (1, 255.0, 100.0), (2, 150.0, 3.1)] {
            b.push(RawSample {
                hr_bpm: Some(hr),
                speed_mps: Some(v),
                ..sample(t)
            });
        }
        let a = b.finish().expect("has samples");
        let hr = a.samples.hr_bpm.expect("hr channel");
        assert!(hr[0].is_nan() && hr[1].is_nan() && hr[2] == 150.0);
        assert!(a.samples.speed_mps.expect("speed")[1].is_nan());
        assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
    }

    #[test]
    fn a_long_gap_without_movement_is_a_pause_but_a_moving_gap_is_not() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.gpx", Format::Gpx));
        let pts = [
            (0, 0.0),
            (1, 0.00001),
            (31, 0.00002),
            (32, 0.00003),
            (60, 0.01),
        ];
        for (t, lon) in pts {
            b.push(RawSample {
                lat_deg: Some(45.0),
                lon_deg: Some(lon),
                ..sample(t)
            });
        }
        let a = b.finish().expect("has samples");
        assert_eq!(
            a.pauses,
            vec![Pause {
                start_s: 1.0,
                end_s: 31.0
            }]
        );
    }

    #[test]
    fn gaps_over_ten_seconds_that_are_not_pauses_are_holes() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.fit", Format::Fit));
        // Gaps: 5 s (interpolated), 40 s (a hole), 30 s of which a timer
        // pause covers 25 s (a 5 s hole), and 600 s all paused (no hole).
        for t in [0, 5, 45, 75, 675, 676] {
            b.push(sample(t));
        }
        b.pauses_ms = vec![(1_700_000_050_000, 1_700_000_075_000)];
        b.pauses_ms.push((1_700_000_075_000, 1_700_000_675_000));
        let a = b.finish().expect("has samples");
        let h = a.holes(10.0);
        assert_eq!(
            h,
            Holes {
                count: 2,
                longest_s: 40.0,
                total_s: 45.0
            }
        );
        assert_eq!(a.holes(60.0).count, 0);
    }

    #[test]
    fn an_activity_without_pauses_has_paused_zero_not_minus_zero() {
        let mut b = TrackBuilder::new(ActivityMeta::new("x.fit", Format::Fit));
        b.push(sample(0));
        b.push(sample(1));
        let p = b.finish().expect("has samples").paused_s();
        assert_eq!(p, 0.0);
        assert!(p.is_sign_positive());
    }

    #[test]
    fn sport_names_from_files_map_to_running() {
        for n in [
            "running",
            "Running",
            "trail_running",
            "treadmill",
            "Run",
            "VirtualRun",
            "",
        ] {
            assert!(Sport::from_name(n).is_running(), "{n}");
        }
        assert_eq!(Sport::from_name("Biking"), Sport::Cycling);
        assert!(!Sport::from_name("rowing").is_running());
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude on the mean sphere: 2πR/360 = 111 195.08 m.
        let d = haversine_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
    }
}
