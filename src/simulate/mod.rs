//! `cramplab simulate`: realistic runs with cramps and a planted truth,
//! written as real FIT, GPX and TCX files (or as the health apps hand them
//! out: an Apple Health `export.zip`, Polar Flow JSON sessions) plus the
//! `cramps.csv` a runner would keep and a `truth.json` holding what really
//! happened.
//!
//! It exists so the analysis can be checked against a known answer: plant
//! "slowed cramps last half as long" (`effect_ratio = 0.5`) and the report
//! should find it; plant nothing and it should not. The simulator shares no
//! code with the readers or the analysis (not even the cost-of-running
//! curve), so a mistake on one side cannot hide the same mistake on the
//! other.
//!
//! Every number is a documented parameter in [`Params`]; output is
//! byte-identical for a seed.
//!
//! ```
//! use cramplab::simulate::{Params, generate};
//! let mut p = Params { runs: 2, ..Params::default() };
//! p.runner.duration_min_s = 900.0;
//! p.runner.duration_max_s = 1200.0;
//! let sim = generate(&p, 7)?;
//! assert_eq!(sim.runs.len(), 2);
//! assert!(sim.cramps_csv.starts_with("file,start,end"));
//! # Ok::<(), cramplab::simulate::SimError>(())
//! ```

pub mod apple;
pub mod cohort;
pub mod course;
pub mod cramps;
pub mod fit;
pub mod gpx;
pub mod polar;
mod random;
pub mod runner;
pub mod sensors;
pub mod tags;
pub mod tcx;
pub mod truth;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use rand::Rng;
use rand::seq::SliceRandom;
use serde::Serialize;
use thiserror::Error;

use course::{Course, CourseKind, CourseParams};
use cramps::CrampParams;
use random::{SimRng, chance, int_in, pick, sub_rng, uniform};
use runner::{CadenceParams, HeartParams, Model, RunDraw, RunnerParams, TrueTrack};
use sensors::{Device, Recorded, SensorParams, Setup};
use tags::{Habit, Tag, TagParams, TagSource};

/// What went wrong while simulating or writing.
#[derive(Debug, Error)]
pub enum SimError {
    /// A parameter is out of range.
    #[error("invalid simulation parameter: {0}")]
    Param(String),
    /// The output folder already holds files.
    #[error(
        "{0}: output folder is not empty; simulate writes into a new or empty folder (--force replaces a previous simulation there)"
    )]
    NotEmpty(String),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The FIT encoder refused a message.
    #[error("cannot encode {file} as FIT: {reason}")]
    Fit {
        /// The file being written.
        file: String,
        /// The encoder's complaint.
        reason: String,
    },
    /// Writing the tag file failed.
    #[error("cannot write cramps.csv: {0}")]
    Csv(#[from] csv::Error),
    /// Packing the Apple Health `export.zip` failed.
    #[error("cannot pack {file}: {reason}")]
    Zip {
        /// The archive being written.
        file: String,
        /// The zip writer's complaint.
        reason: String,
    },
}

/// An activity file format the simulator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Garmin FIT.
    Fit,
    /// GPX 1.1 with Garmin TrackPointExtension.
    Gpx,
    /// Garmin Training Center XML.
    Tcx,
    /// A workout in an Apple Health export: every Apple run of a history
    /// goes into one `export.zip` (`export.xml` with heart-rate records and
    /// the workout, plus the route GPX), see [`apple`].
    Apple,
    /// A Polar Flow account-export training session (JSON, older or newer
    /// shape), see [`polar`].
    Polar,
}

impl FileFormat {
    /// Extension of the file a run is written to (for Apple: the route).
    pub fn ext(self) -> &'static str {
        match self {
            FileFormat::Fit => "fit",
            FileFormat::Gpx | FileFormat::Apple => "gpx",
            FileFormat::Tcx => "tcx",
            FileFormat::Polar => "json",
        }
    }

    /// The name `--formats` knows the format by.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Fit => "fit",
            FileFormat::Gpx => "gpx",
            FileFormat::Tcx => "tcx",
            FileFormat::Apple => "apple",
            FileFormat::Polar => "polar",
        }
    }

    /// Parse `fit`, `gpx`, `tcx`, `apple` or `polar`.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fit" => Some(FileFormat::Fit),
            "gpx" => Some(FileFormat::Gpx),
            "tcx" => Some(FileFormat::Tcx),
            "apple" => Some(FileFormat::Apple),
            "polar" => Some(FileFormat::Polar),
            _ => None,
        }
    }

    /// A health app's export rather than a watch's activity file: recorded
    /// every second, never gzipped, the runner's offset always in the file.
    pub fn is_health_app(self) -> bool {
        matches!(self, FileFormat::Apple | FileFormat::Polar)
    }
}

/// Which files to write and how they are mixed.
#[derive(Debug, Clone, Serialize)]
pub struct OutputParams {
    /// Relative share of FIT files (most watch exports are FIT).
    pub fit_weight: f64,
    /// Relative share of GPX files.
    pub gpx_weight: f64,
    /// Relative share of TCX files.
    pub tcx_weight: f64,
    /// With `gzip`: share of FIT files written gzipped (as Strava bulk
    /// exports mix `.fit` and `.fit.gz`).
    pub gzip_share_fit: f64,
    /// With `gzip`: share of GPX and TCX files written gzipped (bulky XML is
    /// what people compress most).
    pub gzip_share_xml: f64,
}

impl Default for OutputParams {
    fn default() -> Self {
        OutputParams {
            fit_weight: 0.75,
            gpx_weight: 0.20,
            tcx_weight: 0.05,
            gzip_share_fit: 0.3,
            gzip_share_xml: 0.6,
        }
    }
}

/// A place the runner runs from.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    /// IANA time zone.
    pub zone: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Ground elevation, m.
    pub elevation_m: f64,
}

/// When and where the runs happen.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarParams {
    /// Date of the first run (local), `YYYY-MM-DD`.
    pub first_day: String,
    /// Days between runs: uniform whole days in this range.
    pub days_between_min: i64,
    /// See [`CalendarParams::days_between_min`].
    pub days_between_max: i64,
    /// Share of morning runs (06:00–09:00 local; the rest 17:00–19:30).
    pub morning_share: f64,
    /// Home (a zone with daylight saving, so offsets change mid-history).
    pub home: Place,
    /// Share of runs away from home.
    pub travel_share: f64,
    /// Places travelled to (one with a half-hour offset).
    pub travel: Vec<Place>,
}

impl Default for CalendarParams {
    fn default() -> Self {
        let place = |zone: &str, lat_deg, lon_deg, elevation_m| Place {
            zone: zone.to_string(),
            lat_deg,
            lon_deg,
            elevation_m,
        };
        CalendarParams {
            first_day: "2025-02-03".into(),
            days_between_min: 1,
            days_between_max: 5,
            morning_share: 0.6,
            home: place("Europe/Berlin", 48.1374, 11.5755, 520.0),
            travel_share: 0.1,
            travel: vec![
                place("America/New_York", 40.7812, -73.9665, 30.0),
                place("Asia/Kolkata", 19.0760, 72.8777, 10.0),
                place("Europe/London", 51.5074, -0.1278, 20.0),
            ],
        }
    }
}

/// Every number of the simulation, with defaults describing a cramp-prone
/// recreational runner. Written into `truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// Number of runs (activity files).
    pub runs: usize,
    /// Planted duration multiplier for slowed cramps (1.0 = no effect).
    pub effect_ratio: f64,
    /// Severity confounds response and duration (severe cramps are more
    /// often slowed, walked or stopped, and last longer).
    pub confound: bool,
    /// Formats to draw from.
    pub formats: Vec<FileFormat>,
    /// Gzip some of the files (shares in [`OutputParams`]).
    pub gzip: bool,
    /// Format mix.
    pub output: OutputParams,
    /// Dates and places.
    pub calendar: CalendarParams,
    /// Courses.
    pub course: CourseParams,
    /// Runner.
    pub runner: RunnerParams,
    /// Heart rate.
    pub heart: HeartParams,
    /// Cadence.
    pub cadence: CadenceParams,
    /// Cramps.
    pub cramps: CrampParams,
    /// Sensors and recording.
    pub sensors: SensorParams,
    /// Tagging habits.
    pub tags: TagParams,
    /// Apple Health exports. Not serialised with the other parameters, so
    /// a history without Apple runs keeps its `truth.json` byte for byte;
    /// `truth.json` carries them as `apple_params` when Apple runs exist.
    #[serde(skip)]
    pub apple: apple::AppleParams,
    /// Polar Flow sessions (in `truth.json` as `polar_params` when Polar
    /// runs exist, like [`Params::apple`]).
    #[serde(skip)]
    pub polar: polar::PolarParams,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            runs: 20,
            effect_ratio: 1.0,
            confound: false,
            formats: vec![FileFormat::Fit, FileFormat::Gpx, FileFormat::Tcx],
            gzip: false,
            output: OutputParams::default(),
            calendar: CalendarParams::default(),
            course: CourseParams::default(),
            runner: RunnerParams::default(),
            heart: HeartParams::default(),
            cadence: CadenceParams::default(),
            cramps: CrampParams::default(),
            sensors: SensorParams::default(),
            tags: TagParams::default(),
            apple: apple::AppleParams::default(),
            polar: polar::PolarParams::default(),
        }
    }
}

impl Params {
    /// Check the parameters a user can set from the command line.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.runs == 0 || self.runs > 10_000 {
            return Err(SimError::Param(format!(
                "runs must be 1–10000, got {}",
                self.runs
            )));
        }
        if !(self.effect_ratio.is_finite() && self.effect_ratio > 0.05 && self.effect_ratio < 20.0)
        {
            return Err(SimError::Param(format!(
                "effect ratio must be between 0.05 and 20, got {}",
                self.effect_ratio
            )));
        }
        if self.formats.is_empty() {
            return Err(SimError::Param("no format to write".into()));
        }
        if self.runner.duration_min_s < 300.0
            || self.runner.duration_max_s < self.runner.duration_min_s
        {
            return Err(SimError::Param(
                "run durations must be at least 300 s and min ≤ max".into(),
            ));
        }
        NaiveDate::parse_from_str(&self.calendar.first_day, "%Y-%m-%d").map_err(|e| {
            SimError::Param(format!("first_day {:?}: {e}", self.calendar.first_day))
        })?;
        for place in std::iter::once(&self.calendar.home).chain(&self.calendar.travel) {
            place
                .zone
                .parse::<Tz>()
                .map_err(|e| SimError::Param(format!("zone {:?}: {e}", place.zone)))?;
        }
        self.apple.validate()?;
        self.polar.validate()?;
        Ok(())
    }
}

/// How the XML writers style a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlStyle {
    /// Prefix bound to the TrackPointExtension namespace (`gpxtpx`, `ns3`).
    pub gpx_prefix: &'static str,
    /// Times carry the runner's offset (`+02:00`) rather than `Z`.
    pub times_with_offset: bool,
    /// GPX states `<type>running</type>`.
    pub gpx_type: bool,
}

/// One simulated run: what happened, how it was recorded and tagged, and
/// the file's bytes.
#[derive(Debug, Clone)]
pub struct SimRun {
    /// Position in the history (0-based).
    pub index: usize,
    /// File name written (with `.gz` when gzipped).
    pub file_name: String,
    /// Format.
    pub format: FileFormat,
    /// Gzipped.
    pub gzip: bool,
    /// Recording device or app.
    pub device: Device,
    /// IANA zone the runner was in.
    pub zone: String,
    /// UTC offset during the run, s.
    pub utc_offset_s: i32,
    /// Start, Unix seconds (UTC).
    pub start_unix_s: i64,
    /// Ground.
    pub course_kind: CourseKind,
    /// The day's draws (pace, HR kinetics, stops).
    pub draw: RunDraw,
    /// Recording setup.
    pub setup: Setup,
    /// Tagging habit.
    pub habit: Habit,
    /// XML style (GPX/TCX).
    pub style: XmlStyle,
    /// The true run, 1 Hz.
    pub track: TrueTrack,
    /// What the device wrote.
    pub recorded: Recorded,
    /// One tag per cramp in `track.cramps`.
    pub tags: Vec<Tag>,
    /// The file's bytes as written (gzipped when `gzip`; for an Apple run
    /// the route GPX, which goes into the history's `export.zip`).
    pub bytes: Vec<u8>,
    /// How an Apple run was written (Apple runs only).
    pub apple: Option<apple::AppleRun>,
    /// How a Polar run was written (Polar runs only).
    pub polar: Option<polar::PolarRun>,
}

/// How a lap ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LapEnd {
    /// Lap button.
    Manual,
    /// Auto-lap distance.
    Distance,
    /// The end of the activity.
    SessionEnd,
}

impl SimRun {
    /// Last second of the recording.
    pub fn end_s(&self) -> u32 {
        self.track.end_s()
    }

    /// The name `cramps.csv` gives the run's file in its `file` column: the
    /// file's own name (for an Apple run, the route GPX's name inside the
    /// export, as the runner sees it in `workout-routes/`).
    pub fn csv_file(&self) -> &str {
        self.file_name
            .rsplit('/')
            .next()
            .unwrap_or(self.file_name.as_str())
    }

    /// Start as a UTC time.
    pub fn start_utc(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.start_unix_s, 0).expect("simulated starts are valid times")
    }

    /// Seconds of pause (timer stopped).
    pub fn paused_s(&self) -> u32 {
        self.recorded.pauses.iter().map(|(a, b)| b - a).sum()
    }

    /// Lap-button presses kept in a FIT file: onset and end of each
    /// FIT-lap-tagged cramp, in seconds since the start.
    pub fn manual_laps_s(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .tags
            .iter()
            .filter(|t| t.source == TagSource::FitLap)
            .flat_map(|t| [Some(t.onset_s), t.end_s])
            .flatten()
            .map(|s| s.clamp(1, self.end_s() as i64 - 1) as u32)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// GPX waypoints: (second, name) for each waypoint-tagged cramp.
    pub fn waypoints(&self) -> Vec<(u32, &'static str)> {
        let mut v = Vec::new();
        for t in self
            .tags
            .iter()
            .filter(|t| t.source == TagSource::GpxWaypoint)
        {
            v.push((t.onset_s.clamp(0, self.end_s() as i64) as u32, "cramp"));
            if let Some(e) = t.end_s {
                v.push((e.clamp(0, self.end_s() as i64) as u32, "cramp end"));
            }
        }
        v
    }

    /// Device distance at second `t` (the last sample at or before it).
    pub fn distance_at(&self, t: u32) -> f64 {
        let r = &self.recorded.records;
        let i = r.partition_point(|x| x.t_s <= t);
        r[i.saturating_sub(1)].distance_m
    }

    /// Lap boundaries: (end second, how it ended), the last at the end.
    pub fn laps(&self) -> Vec<(u32, LapEnd)> {
        let end = self.end_s();
        let mut v: Vec<(u32, LapEnd)> = Vec::new();
        if self.format == FileFormat::Fit {
            v.extend(
                self.manual_laps_s()
                    .into_iter()
                    .map(|t| (t, LapEnd::Manual)),
            );
        }
        if let Some(step) = self.setup.auto_lap_m {
            let mut next = step;
            for r in &self.recorded.records {
                if r.distance_m >= next {
                    v.push((r.t_s, LapEnd::Distance));
                    next = (r.distance_m / step).floor() * step + step;
                }
            }
        }
        v.retain(|(t, _)| *t > 0 && *t < end);
        v.sort_by_key(|(t, k)| (*t, *k as u8));
        v.dedup_by_key(|(t, _)| *t);
        v.push((end, LapEnd::SessionEnd));
        v
    }

    /// Paused seconds between `a` and `b`.
    pub fn paused_between(&self, a: u32, b: u32) -> u32 {
        self.recorded
            .pauses
            .iter()
            .map(|&(p, q)| q.min(b).saturating_sub(p.max(a)))
            .sum()
    }
}

/// The whole simulated history.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The seed.
    pub seed: u64,
    /// The parameters.
    pub params: Params,
    /// The runs, in time order.
    pub runs: Vec<SimRun>,
    /// `cramps.csv`.
    pub cramps_csv: String,
    /// `truth.json`.
    pub truth_json: String,
    /// The Apple Health `export.zip` holding every Apple run (none without
    /// Apple runs).
    pub apple_export: Option<Vec<u8>>,
}

impl Simulation {
    /// Every output file: (name, bytes), activity files first. Apple runs
    /// are not files of their own: they are inside `export.zip`, which
    /// follows the other activity files.
    pub fn files(&self) -> Vec<(&str, &[u8])> {
        let mut v: Vec<(&str, &[u8])> = self
            .runs
            .iter()
            .filter(|r| r.format != FileFormat::Apple)
            .map(|r| (r.file_name.as_str(), r.bytes.as_slice()))
            .collect();
        if let Some(zip) = &self.apple_export {
            v.push((apple::EXPORT_ZIP, zip.as_slice()));
        }
        v.push(("cramps.csv", self.cramps_csv.as_bytes()));
        v.push(("truth.json", self.truth_json.as_bytes()));
        v
    }
}

/// Split `n` runs over the chosen formats in proportion to their weights
/// (largest remainder; each chosen format at least once when n allows).
fn format_counts(p: &Params) -> Vec<(FileFormat, usize)> {
    let mut formats = p.formats.clone();
    formats.sort();
    formats.dedup();
    let w = |f: FileFormat| match f {
        FileFormat::Fit => p.output.fit_weight,
        FileFormat::Gpx => p.output.gpx_weight,
        FileFormat::Tcx => p.output.tcx_weight,
        FileFormat::Apple => p.apple.weight,
        FileFormat::Polar => p.polar.weight,
    };
    let total: f64 = formats.iter().map(|&f| w(f)).sum();
    let n = p.runs;
    let exact: Vec<f64> = formats
        .iter()
        .map(|&f| {
            if total > 0.0 {
                n as f64 * w(f) / total
            } else {
                n as f64 / formats.len() as f64
            }
        })
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..formats.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = n - counts.iter().sum::<usize>();
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    if n >= formats.len() {
        for i in 0..formats.len() {
            if counts[i] == 0 {
                let j = (0..formats.len())
                    .max_by_key(|&j| (counts[j], usize::MAX - j))
                    .expect("formats is not empty");
                counts[j] -= 1;
                counts[i] += 1;
            }
        }
    }
    formats.into_iter().zip(counts).collect()
}

/// When and where each run starts.
struct Slot {
    start_utc: DateTime<Utc>,
    offset_s: i32,
    zone: String,
    place: Place,
}

fn calendar(rng: &mut SimRng, p: &Params) -> Result<Vec<Slot>, SimError> {
    let c = &p.calendar;
    let mut day = NaiveDate::parse_from_str(&c.first_day, "%Y-%m-%d")
        .map_err(|e| SimError::Param(format!("first_day: {e}")))?;
    let mut out = Vec::with_capacity(p.runs);
    for i in 0..p.runs {
        if i > 0 {
            day += chrono::Duration::days(int_in(rng, c.days_between_min, c.days_between_max));
        }
        let place = if !c.travel.is_empty() && chance(rng, c.travel_share) {
            c.travel[pick(rng, &vec![1.0; c.travel.len()])].clone()
        } else {
            c.home.clone()
        };
        let tz: Tz = place
            .zone
            .parse()
            .map_err(|e| SimError::Param(format!("zone {:?}: {e}", place.zone)))?;
        let secs = if chance(rng, c.morning_share) {
            uniform(rng, 6.0 * 3600.0, 9.0 * 3600.0)
        } else {
            uniform(rng, 17.0 * 3600.0, 19.5 * 3600.0)
        } as u32;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
            .expect("seconds are within a day");
        let local = tz
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .ok_or_else(|| SimError::Param(format!("{day} {time} does not exist in {tz}")))?;
        out.push(Slot {
            start_utc: local.with_timezone(&Utc),
            offset_s: local.offset().fix().local_minus_utc(),
            zone: place.zone.clone(),
            place,
        });
    }
    Ok(out)
}

/// Shortest time between the starts of two runs of one runner when a run
/// is moved onto a club run: longer than any simulated run, so the moved
/// run never overlaps the runner's own runs.
const CLUB_MIN_GAP_S: i64 = 6 * 3600;

/// Move the run nearest in time to `club` onto it, provided it then stays
/// at least [`CLUB_MIN_GAP_S`] from its neighbours; otherwise try the next
/// nearest, and when none fits the runner misses that club run.
fn join_club(slots: &mut [Slot], club: &ClubStart) -> Result<(), SimError> {
    let t = club.start_utc.timestamp();
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by_key(|&i| ((slots[i].start_utc.timestamp() - t).abs(), i));
    for i in order {
        let prev_ok = i == 0 || t - slots[i - 1].start_utc.timestamp() >= CLUB_MIN_GAP_S;
        let next_ok =
            i + 1 == slots.len() || slots[i + 1].start_utc.timestamp() - t >= CLUB_MIN_GAP_S;
        if !(prev_ok && next_ok) {
            continue;
        }
        let tz: Tz = club
            .place
            .zone
            .parse()
            .map_err(|e| SimError::Param(format!("zone {:?}: {e}", club.place.zone)))?;
        let local = club.start_utc.with_timezone(&tz);
        slots[i] = Slot {
            start_utc: club.start_utc,
            offset_s: local.offset().fix().local_minus_utc(),
            zone: club.place.zone.clone(),
            place: club.place.clone(),
        };
        return Ok(());
    }
    Ok(())
}

/// Total ascent and descent of an altitude series, m, counting a change
/// only once it exceeds a dead band (hysteresis), so sensor noise does not
/// add up to hundreds of metres of climb; the 3 m band is our choice, for
/// the totals the health-app writers state.
pub(crate) fn climb_m(altitude_m: impl Iterator<Item = f64>) -> (f64, f64) {
    const DEAD_BAND_M: f64 = 3.0;
    let (mut up, mut down) = (0.0, 0.0);
    let mut reference: Option<f64> = None;
    for a in altitude_m {
        let r = *reference.get_or_insert(a);
        if a - r > DEAD_BAND_M {
            up += a - r;
            reference = Some(a);
        } else if r - a > DEAD_BAND_M {
            down += r - a;
            reference = Some(a);
        }
    }
    (up, down)
}

/// Gzip `bytes` deterministically: no file name, mtime 0, OS "unknown".
pub fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)
        .and_then(|_| enc.finish())
        .expect("writing into a Vec cannot fail")
}

/// Simulate the whole history for `seed`.
pub fn generate(p: &Params, seed: u64) -> Result<Simulation, SimError> {
    generate_with_club(p, seed, &[])
}

/// A run with club-mates: it starts at `start_utc` from `place`, and the
/// runner's run nearest in time to it is moved there (see
/// [`cohort`]). Club runs are what make different runners' activities
/// overlap in time.
#[derive(Debug, Clone)]
pub struct ClubStart {
    /// Start, UTC.
    pub start_utc: DateTime<Utc>,
    /// Where the run starts (the meeting point, give or take a few metres).
    pub place: Place,
}

/// [`generate`], with some runs moved onto club runs. With no club runs
/// this is exactly [`generate`]: the moves draw nothing from the random
/// streams, so the rest of the history is the same with or without them.
pub fn generate_with_club(
    p: &Params,
    seed: u64,
    club: &[ClubStart],
) -> Result<Simulation, SimError> {
    p.validate()?;
    let mut master = sub_rng(seed, 0);
    let mut slots = calendar(&mut master, p)?;
    for c in club {
        join_club(&mut slots, c)?;
    }
    let mut formats: Vec<FileFormat> = format_counts(p)
        .into_iter()
        .flat_map(|(f, n)| std::iter::repeat_n(f, n))
        .collect();
    formats.shuffle(&mut master);
    let run_seeds: Vec<u64> = (0..p.runs).map(|_| master.random()).collect();
    let model = Model {
        runner: &p.runner,
        heart: &p.heart,
        cadence: &p.cadence,
        cramps: &p.cramps,
        effect_ratio: p.effect_ratio,
        confound: p.confound,
    };
    let mut runs = Vec::with_capacity(p.runs);
    for (i, slot) in slots.into_iter().enumerate() {
        runs.push(simulate_run(p, &model, i, slot, formats[i], run_seeds[i])?);
    }
    apple::make_route_names_unique(&mut runs);
    let rows: Vec<(tags::RowRun, &Tag)> = runs
        .iter()
        .flat_map(|r| {
            let run = tags::RowRun {
                file: r.csv_file(),
                start_unix_s: r.start_unix_s,
                utc_offset_s: r.utc_offset_s,
            };
            r.tags.iter().map(move |t| (run, t))
        })
        .collect();
    let cramps_csv = tags::csv_text(&rows)?;
    let truth_json = truth::truth_json(p, seed, &runs);
    let apple_export = apple::export_zip(&p.apple, &runs)?;
    Ok(Simulation {
        seed,
        params: p.clone(),
        runs,
        cramps_csv,
        truth_json,
        apple_export,
    })
}

fn simulate_run(
    p: &Params,
    model: &Model,
    index: usize,
    slot: Slot,
    format: FileFormat,
    seed: u64,
) -> Result<SimRun, SimError> {
    let mut rng_plan = sub_rng(seed, 1);
    let mut rng_course = sub_rng(seed, 2);
    let mut rng_runner = sub_rng(seed, 3);
    let mut rng_tags = sub_rng(seed, 4);
    let mut rng_sensor = sub_rng(seed, 5);
    // Only the health-app writers draw from this stream, so FIT, GPX and
    // TCX runs draw exactly what they drew before those writers existed.
    let mut rng_health = sub_rng(seed, 6);

    let apple_layout =
        (format == FileFormat::Apple).then(|| apple::draw_layout(&mut rng_health, &p.apple));
    let device = match format {
        FileFormat::Fit => sensors::FIT_DEVICES[pick(&mut rng_plan, &[0.35, 0.2, 0.2, 0.25])],
        FileFormat::Gpx => sensors::GPX_DEVICES[pick(&mut rng_plan, &[0.4, 0.35, 0.25])],
        FileFormat::Tcx => sensors::TCX_DEVICES[0],
        FileFormat::Apple => {
            let i = pick(&mut rng_plan, &[0.3, 0.4, 0.3]);
            apple::watch_for(apple_layout.unwrap_or(apple::Layout::WorkoutActivity), i).device
        }
        FileFormat::Polar => polar::DEVICES[pick(&mut rng_plan, &[0.4, 0.3, 0.3])],
    };
    // The Health app zips its export whole, Polar's JSON is not gzipped.
    let gzip_share = match format {
        FileFormat::Fit => p.output.gzip_share_fit,
        FileFormat::Gpx | FileFormat::Tcx => p.output.gzip_share_xml,
        FileFormat::Apple | FileFormat::Polar => 0.0,
    };
    let gzip = p.gzip && chance(&mut rng_plan, gzip_share);
    let style = XmlStyle {
        gpx_prefix: if chance(&mut rng_plan, 0.7) {
            "gpxtpx"
        } else {
            "ns3"
        },
        times_with_offset: format == FileFormat::Gpx && chance(&mut rng_plan, 0.5),
        gpx_type: chance(&mut rng_plan, 0.6),
    };
    let habit = Habit {
        fit_laps: format == FileFormat::Fit && chance(&mut rng_plan, p.tags.fit_lap_run_share),
        waypoints: format == FileFormat::Gpx
            && chance(&mut rng_plan, p.tags.gpx_waypoint_run_share),
        file_has_offset: format == FileFormat::Fit
            || style.times_with_offset
            || format.is_health_app(),
    };
    let cp = &p.course;
    let course_kind = match pick(
        &mut rng_plan,
        &[
            cp.road_share,
            cp.trail_share,
            (1.0 - cp.road_share - cp.trail_share).max(0.0),
        ],
    ) {
        0 => CourseKind::Road,
        1 => CourseKind::Trail,
        _ => CourseKind::Flat,
    };

    let draw = RunDraw::draw(&mut rng_runner, model);
    let length_m = (draw.planned_s + p.cramps.duration_max_s + 600.0) * 6.5;
    let course = Course::generate(
        &mut rng_course,
        cp,
        course_kind,
        length_m,
        (slot.place.lat_deg, slot.place.lon_deg),
        slot.place.elevation_m,
    );
    let track = runner::simulate(&mut rng_runner, model, &draw, &course);
    let start_unix_s = slot.start_utc.timestamp();
    let tags = tags::decide(&mut rng_tags, &p.tags, habit, &track.cramps, start_unix_s);
    let mut setup = Setup::draw(&mut rng_sensor, &p.sensors, &device, track.end_s());
    if format.is_health_app() {
        // An Apple Watch route and a Polar session hold a sample every
        // second: neither has "smart" recording.
        setup.recording = sensors::RecordingMode::EverySecond;
    }
    let recorded = sensors::record(&mut rng_sensor, &p.sensors, &setup, &track, &course);

    let local_date = slot
        .start_utc
        .with_timezone(
            &chrono::FixedOffset::east_opt(slot.offset_s).expect("offsets come from real zones"),
        )
        .format("%Y-%m-%d");
    let polar_session = (format == FileFormat::Polar)
        .then(|| polar::draw_session(&mut rng_health, &p.polar, index));
    let base_name = match (format, &polar_session) {
        (FileFormat::Apple, _) => format!(
            "{}/{}",
            apple::ROUTES_IN_ZIP,
            apple::route_file_name(start_unix_s, slot.offset_s)
        ),
        (FileFormat::Polar, Some(s)) => s.file_name(start_unix_s, slot.offset_s),
        _ => format!("run-{:03}_{local_date}.{}", index + 1, format.ext()),
    };
    let file_name = if gzip {
        format!("{base_name}.gz")
    } else {
        base_name
    };
    let mut run = SimRun {
        index,
        file_name,
        format,
        gzip,
        device,
        zone: slot.zone,
        utc_offset_s: slot.offset_s,
        start_unix_s,
        course_kind,
        draw,
        setup,
        habit,
        style,
        track,
        recorded,
        tags,
        bytes: Vec::new(),
        apple: None,
        polar: None,
    };
    let plain = match format {
        FileFormat::Fit => fit::encode(&run)?,
        FileFormat::Gpx => gpx::write(&run).into_bytes(),
        FileFormat::Tcx => tcx::write(&run).into_bytes(),
        FileFormat::Apple => {
            let layout = apple_layout.expect("drawn above for Apple runs");
            let (drawn, route) = apple::draw_run(&mut rng_health, &p.apple, &run, layout);
            run.apple = Some(drawn);
            route.into_bytes()
        }
        FileFormat::Polar => {
            let session = polar_session.expect("drawn above for Polar runs");
            let (text, written) = polar::write(&mut rng_health, &p.polar, &run, session);
            run.polar = Some(written);
            text.into_bytes()
        }
    };
    run.bytes = if gzip { gzip_bytes(&plain) } else { plain };
    Ok(run)
}

/// Names a previous simulation wrote into `dir`, from its `truth.json`:
/// files, and (for a cohort) runner folders.
fn previous_outputs(dir: &Path) -> (Vec<String>, Vec<String>) {
    let Ok(text) = std::fs::read_to_string(dir.join("truth.json")) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return (Vec::new(), Vec::new());
    };
    if doc["generator"] != truth::GENERATOR {
        return (Vec::new(), Vec::new());
    }
    // Only plain names: never follow a path out of `dir`.
    let plain = |f: &&str| !f.contains(['/', '\\']) && !f.starts_with('.') && !f.is_empty();
    // A run inside an archive (`export.zip/apple_health_export/…`) stands
    // for the archive, a plain `.zip` name in `dir`.
    let archive = |f: &str| -> Option<String> {
        let (first, _) = f.split_once('/')?;
        (plain(&first) && first.ends_with(".zip")).then(|| first.to_string())
    };
    let listed = |key: &str, field: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|r| r[field].as_str())
                    .filter_map(|f| {
                        if plain(&f) {
                            Some(f.to_string())
                        } else {
                            archive(f)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names = listed("runs", "file");
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names.push("cramps.csv".into());
    names.push("truth.json".into());
    (names, listed("runners", "name"))
}

/// Remove what a previous simulation listed in `dir`'s `truth.json`: its
/// files, and each listed runner folder's own previous outputs (the folder
/// itself too once it is empty). Other files are left alone.
fn remove_previous(dir: &Path) -> Result<(), SimError> {
    let io = |path: &Path, source| SimError::Io {
        path: path.display().to_string(),
        source,
    };
    let (files, runners) = previous_outputs(dir);
    for name in runners {
        let sub = dir.join(&name);
        if sub.is_dir() {
            remove_previous(&sub)?;
            // Left in place when something else is in it.
            let _ = std::fs::remove_dir(&sub);
        }
    }
    for name in files {
        let path = dir.join(&name);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// Create `dir` if missing; it must be empty unless `force`, and with
/// `force` a previous simulation's outputs are removed from it.
fn prepare_dir(dir: &Path, force: bool) -> Result<(), SimError> {
    let io = |path: &Path, source| SimError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let non_empty = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .next()
        .is_some();
    if non_empty {
        if !force {
            return Err(SimError::NotEmpty(dir.display().to_string()));
        }
        remove_previous(dir)?;
    }
    Ok(())
}

/// Write `bytes` to `dir/name` through a temporary name and a rename, so
/// the file is never half-written.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, SimError> {
    let io = |path: &Path, source| SimError::Io {
        path: path.display().to_string(),
        source,
    };
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
    Ok(path)
}

/// Write the simulation into `dir` (created if missing). `dir` must be
/// empty unless `force`; with `force`, the files a previous simulation
/// listed in its `truth.json` are removed first and other files are left
/// alone (same-named ones are replaced). Each file is written to a
/// temporary name and renamed, so none is ever half-written.
pub fn write_dir(sim: &Simulation, dir: &Path, force: bool) -> Result<Vec<PathBuf>, SimError> {
    prepare_dir(dir, force)?;
    sim.files()
        .into_iter()
        .map(|(name, bytes)| write_atomic(dir, name, bytes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(runs: usize) -> Params {
        let mut p = Params {
            runs,
            ..Params::default()
        };
        p.runner.duration_min_s = 600.0;
        p.runner.duration_max_s = 900.0;
        p.cramps.rate_per_hour = 6.0;
        p
    }

    #[test]
    fn the_same_seed_gives_identical_bytes_and_another_seed_does_not() {
        let p = Params {
            gzip: true,
            ..short(6)
        };
        let a = generate(&p, 42).unwrap();
        let b = generate(&p, 42).unwrap();
        let c = generate(&p, 43).unwrap();
        let fa = a.files();
        assert_eq!(fa, b.files());
        assert_eq!(fa.len(), 8);
        for ((na, ba), (_, bc)) in fa.iter().zip(c.files()) {
            assert_ne!(*ba, bc, "{na} did not change with the seed");
        }
    }

    #[test]
    fn cramps_placed_in_simulated_runs_keep_the_planted_duration_ratio() {
        // Many short runs, true tracks only: the planted 0.5 must survive
        // placement in runs (rounding to whole seconds, run ends).
        let mut p = short(1);
        p.runner.duration_min_s = 1500.0;
        p.runner.duration_max_s = 1800.0;
        p.effect_ratio = 0.5;
        let m = Model {
            runner: &p.runner,
            heart: &p.heart,
            cadence: &p.cadence,
            cramps: &p.cramps,
            effect_ratio: p.effect_ratio,
            confound: false,
        };
        let (mut slowed, mut kept) = (Vec::new(), Vec::new());
        for seed in 0..700u64 {
            let mut rng = sub_rng(seed, 3);
            let draw = RunDraw::draw(&mut rng, &m);
            let mut crng = sub_rng(seed, 2);
            let course = Course::generate(
                &mut crng,
                &p.course,
                CourseKind::Road,
                (draw.planned_s + 1500.0) * 6.5,
                (48.0, 11.0),
                500.0,
            );
            let tr = runner::simulate(&mut rng, &m, &draw, &course);
            for ev in &tr.cramps {
                let d = (ev.end_s() - ev.onset_s) as f64;
                match ev.plan.response {
                    cramps::Response::Slowed => slowed.push(d.ln()),
                    cramps::Response::KeptPace => kept.push(d.ln()),
                    _ => {}
                }
            }
        }
        let gm = |v: &[f64]| (v.iter().sum::<f64>() / v.len() as f64).exp();
        let ratio = gm(&slowed) / gm(&kept);
        // Severity is independent of response without the confounder, so
        // the pooled geometric-mean ratio estimates the planted 0.5; its
        // standard error here is about 0.55·√(1/n₁ + 1/n₂) ≈ 3 %.
        assert!(
            slowed.len() > 500 && kept.len() > 500,
            "{} {}",
            slowed.len(),
            kept.len()
        );
        assert!((ratio / 0.5 - 1.0).abs() < 0.08, "ratio {ratio}");
    }

    #[test]
    fn formats_are_split_by_weight_and_each_asked_format_appears() {
        let p = Params {
            runs: 45,
            ..Params::default()
        };
        // 45 × (0.75, 0.20, 0.05) = 33.75, 9, 2.25 → 34, 9, 2.
        assert_eq!(
            format_counts(&p),
            vec![
                (FileFormat::Fit, 34),
                (FileFormat::Gpx, 9),
                (FileFormat::Tcx, 2)
            ]
        );
        let p = Params {
            runs: 4,
            ..Params::default()
        };
        // 3, 0.8, 0.2 → 3, 1, 0 → TCX takes one from FIT.
        assert_eq!(
            format_counts(&p),
            vec![
                (FileFormat::Fit, 2),
                (FileFormat::Gpx, 1),
                (FileFormat::Tcx, 1)
            ]
        );
    }

    #[test]
    fn local_times_use_the_zones_daylight_saving_offset() {
        let p = Params {
            runs: 60,
            ..Params::default()
        };
        let mut rng = sub_rng(1, 0);
        let slots = calendar(&mut rng, &p).unwrap();
        let berlin: Vec<&Slot> = slots.iter().filter(|s| s.zone == "Europe/Berlin").collect();
        // Berlin is +01:00 before 30 March 2025 and +02:00 after.
        let switch = DateTime::parse_from_rfc3339("2025-03-30T01:00:00Z").unwrap();
        for s in &berlin {
            let want = if s.start_utc < switch { 3600 } else { 7200 };
            assert_eq!(s.offset_s, want, "{}", s.start_utc);
        }
        assert!(berlin.iter().any(|s| s.offset_s == 3600));
        assert!(berlin.iter().any(|s| s.offset_s == 7200));
    }

    #[test]
    fn climb_ignores_noise_inside_the_dead_band_and_counts_real_hills() {
        // ±1 m of noise on the flat: no climb at all.
        let flat = [500.0, 501.0, 499.0, 500.5, 499.5, 500.0];
        assert_eq!(climb_m(flat.into_iter()), (0.0, 0.0));
        // Up 10 m in 2 m steps, then down 6 m. By hand: the reference
        // moves 100 → 104 → 108 on the way up (8 m counted; 110 is within
        // 3 m of 108), then 108 → 104 on the way down (4 m counted).
        let hill = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 8.0, 6.0, 4.0];
        let (up, down) = climb_m(hill.into_iter().map(|a| a + 100.0));
        assert_eq!((up, down), (8.0, 4.0));
    }

    #[test]
    fn apple_runs_go_into_one_export_zip_listed_once_among_the_files() {
        let p = Params {
            formats: vec![FileFormat::Fit, FileFormat::Apple, FileFormat::Polar],
            ..short(6)
        };
        let sim = generate(&p, 3).unwrap();
        let apple = sim
            .runs
            .iter()
            .filter(|r| r.format == FileFormat::Apple)
            .count();
        assert!(apple > 0);
        let names: Vec<&str> = sim.files().iter().map(|(n, _)| *n).collect();
        assert_eq!(names.iter().filter(|n| **n == "export.zip").count(), 1);
        // The other runs are files of their own; the Apple ones are not.
        assert_eq!(names.len(), sim.runs.len() - apple + 3, "{names:?}");
        assert!(names.iter().all(|n| !n.contains('/')), "{names:?}");
        for r in sim.runs.iter().filter(|r| r.format == FileFormat::Apple) {
            assert!(
                r.file_name.starts_with(apple::ROUTES_IN_ZIP),
                "{}",
                r.file_name
            );
            assert!(r.csv_file().starts_with("route_"), "{}", r.csv_file());
            assert!(!r.gzip);
        }
        // Without Apple runs there is no archive.
        let q = Params {
            formats: vec![FileFormat::Polar],
            ..short(2)
        };
        assert!(generate(&q, 3).unwrap().apple_export.is_none());
    }

    #[test]
    fn previous_outputs_stand_an_archived_run_for_its_archive_and_go_nowhere_else() {
        let dir = tempfile::tempdir().unwrap();
        let truth = serde_json::json!({
            "generator": truth::GENERATOR,
            "runs": [
                {"file": "export.zip/apple_health_export/workout-routes/route_a.gpx"},
                {"file": "training-session-2025-01-01-1-x.json"},
                {"file": "export.zip/apple_health_export/workout-routes/route_b.gpx"},
                {"file": "../outside.zip/x.gpx"},
                {"file": "sub/run.fit"},
            ]
        });
        std::fs::write(dir.path().join("truth.json"), truth.to_string()).unwrap();
        let (files, runners) = previous_outputs(dir.path());
        assert_eq!(
            files,
            [
                "export.zip",
                "training-session-2025-01-01-1-x.json",
                "cramps.csv",
                "truth.json"
            ]
        );
        assert!(runners.is_empty());
    }

    #[test]
    fn write_dir_refuses_a_non_empty_folder_and_force_replaces_a_previous_simulation() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("h");
        let a = generate(&short(3), 1).unwrap();
        write_dir(&a, &out, false).unwrap();
        std::fs::write(out.join("mine.txt"), "keep me").unwrap();
        let b = generate(&short(2), 2).unwrap();
        assert!(matches!(
            write_dir(&b, &out, false),
            Err(SimError::NotEmpty(_))
        ));
        write_dir(&b, &out, true).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut want: Vec<String> = b.files().iter().map(|(n, _)| n.to_string()).collect();
        want.push("mine.txt".into());
        want.sort();
        assert_eq!(names, want, "the 3-run files are gone, mine.txt stays");
    }
}
