//! `truth.json`: what really happened in a simulated history — every run's
//! setup and every cramp's true onset, end, response and tag — so tests and
//! people can score the analysis against it. Floats are rounded to fixed
//! decimals and fields come in a fixed order, so the file is byte-stable.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::apple::{AppleParams, Layout, PauseKind};
use super::course::CourseKind;
use super::cramps::{Muscle, Response};
use super::polar::{PolarParams, Shape};
use super::sensors::{HrSensor, RecordingMode};
use super::tags::TagSource;
use super::{FileFormat, Params, SimRun};

/// The `generator` field; `--force` only removes files listed by a
/// `truth.json` carrying it.
pub const GENERATOR: &str = "cramplab simulate";

/// Round to `d` decimals.
fn r(x: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    let v = (x * m).round() / m;
    if v == 0.0 { 0.0 } else { v } // no "-0.0"
}

pub(crate) fn utc(unix_s: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix_s, 0)
        .expect("simulated times are valid")
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Counts per response.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ByResponse {
    /// Kept pace.
    pub kept_pace: usize,
    /// Slowed.
    pub slowed: usize,
    /// Walked.
    pub walked: usize,
    /// Stopped.
    pub stopped: usize,
}

impl ByResponse {
    fn add(&mut self, r: Response) {
        match r {
            Response::KeptPace => self.kept_pace += 1,
            Response::Slowed => self.slowed += 1,
            Response::Walked => self.walked += 1,
            Response::Stopped => self.stopped += 1,
        }
    }
}

/// Headline counts.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Runs.
    pub runs: usize,
    /// FIT files.
    pub fit_files: usize,
    /// GPX files.
    pub gpx_files: usize,
    /// TCX files.
    pub tcx_files: usize,
    /// Apple workouts (all in one `export.zip`; absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub apple_workouts: usize,
    /// Polar session files (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub polar_files: usize,
    /// Gzipped files.
    pub gzipped_files: usize,
    /// All cramps.
    pub cramps: usize,
    /// Cramps tagged in `cramps.csv` or in a file.
    pub tagged: usize,
    /// Tagged with a precise onset (`approx = no`).
    pub tagged_precise: usize,
    /// Rows in `cramps.csv`.
    pub csv_rows: usize,
    /// Cramps by true response.
    pub by_response: ByResponse,
    /// Tagged cramps by true response.
    pub tagged_by_response: ByResponse,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How an Apple run appears in the export.
#[derive(Debug, Clone, Serialize)]
pub struct AppleTruth {
    /// The route's file name in `workout-routes/` (the name `cramps.csv`
    /// uses).
    pub route_file: String,
    /// Workout layout.
    pub layout: Layout,
    /// `sourceName` of the workout and its own heart-rate records.
    pub source_name: String,
    /// `sourceVersion` (watchOS).
    pub source_version: &'static str,
    /// The workout's own heart-rate records.
    pub hr_records: usize,
    /// The app that duplicated the heart rate, if any.
    pub duplicate_source: Option<&'static str>,
    /// Its records.
    pub duplicate_hr_records: usize,
    /// Resting heart-rate records around the workout (outside it).
    pub resting_hr_records: usize,
    /// What each of `pauses` was.
    pub pause_kinds: Vec<PauseKind>,
    /// Points in the route GPX, repeated times included.
    pub route_points: usize,
    /// Route points that repeat the previous point's time.
    pub repeated_times: usize,
}

/// How a Polar run's session file is written.
#[derive(Debug, Clone, Serialize)]
pub struct PolarTruth {
    /// Shape.
    pub shape: Shape,
    /// Session id.
    pub session_id: u64,
    /// Seconds before the first GPS fix.
    pub first_fix_s: u32,
    /// Samples per channel.
    pub samples: usize,
    /// Bare `NaN` values (newer shape).
    pub nan_values: usize,
    /// Samples without a `value` (older shape).
    pub missing_values: usize,
    /// Route points.
    pub route_points: usize,
}

/// One run's truth.
#[derive(Debug, Clone, Serialize)]
pub struct RunTruth {
    /// The run's file, relative to the output folder (an Apple run's is
    /// its route inside the export,
    /// `export.zip/apple_health_export/workout-routes/route_….gpx`).
    pub file: String,
    /// Format.
    pub format: FileFormat,
    /// Gzipped.
    pub gzip: bool,
    /// Device or app.
    pub device: &'static str,
    /// HR sensor.
    pub hr_sensor: HrSensor,
    /// Recording mode.
    pub recording: RecordingMode,
    /// Auto-pause on.
    pub auto_pause: bool,
    /// Auto-lap distance, m.
    pub auto_lap_m: Option<f64>,
    /// Ground.
    pub course: CourseKind,
    /// Zone.
    pub zone: String,
    /// UTC offset, s.
    pub utc_offset_s: i32,
    /// Whether the file itself records the offset (FIT `local_timestamp`,
    /// GPX times with an offset).
    pub file_has_offset: bool,
    /// Start, RFC 3339 UTC.
    pub start_utc: String,
    /// End, RFC 3339 UTC.
    pub end_utc: String,
    /// Wall-clock duration, s.
    pub elapsed_s: u32,
    /// Timer duration (pauses excluded), s.
    pub timer_s: u32,
    /// Auto-pauses, [stop s, restart s].
    pub pauses: Vec<[u32; 2]>,
    /// Samples written.
    pub samples: usize,
    /// Planned duration, s.
    pub planned_s: f64,
    /// Base effort, m/s.
    pub base_pace_mps: f64,
    /// Late fade, percent.
    pub fade_pct: f64,
    /// HR time constant, s.
    pub hr_tau_s: f64,
    /// Extra wrist-sensor lag, s.
    pub optical_lag_s: u32,
    /// Cadence-lock episodes, [start s, end s].
    pub cadence_lock: Vec<[u32; 2]>,
    /// Where cramps were tagged: `csv`, `fit_laps` or `gpx_waypoints`.
    pub tag_habit: &'static str,
    /// Cramps in this run.
    pub cramps: usize,
    /// Apple runs: how the export shows the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple: Option<AppleTruth>,
    /// Polar runs: how the session file is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polar: Option<PolarTruth>,
}

/// One cramp's truth.
#[derive(Debug, Clone, Serialize)]
pub struct CrampTruth {
    /// `c001`, … in order of onset.
    pub cramp_id: String,
    /// The run's file, as in [`RunTruth::file`].
    pub file: String,
    /// True onset, RFC 3339 UTC.
    pub onset_utc: String,
    /// True end, RFC 3339 UTC.
    pub end_utc: String,
    /// Onset, s since the run's start.
    pub onset_elapsed_s: u32,
    /// True duration, s.
    pub duration_s: u32,
    /// True response.
    pub response: Response,
    /// Effort reduction applied, percent (kept pace: a small dip; walked
    /// and stopped: 0, the speed is set directly).
    pub slowdown_pct: f64,
    /// Seconds from onset until the response shows.
    pub response_delay_s: f64,
    /// Seconds the runner stays slow after the end.
    pub recovery_s: f64,
    /// Walking speed, m/s (walked only).
    pub walk_mps: Option<f64>,
    /// Severity 1–3.
    pub severity: u8,
    /// Muscle.
    pub muscle: Muscle,
    /// Effort ÷ usual pace at onset.
    pub effort_rel: f64,
    /// Tagged anywhere.
    pub tagged: bool,
    /// How.
    pub tag_source: TagSource,
    /// `approx` as the tag says it (null when untagged or in-file).
    pub approx: Option<bool>,
    /// Tagged onset, RFC 3339 UTC.
    pub tag_start_utc: Option<String>,
    /// Tagged end, RFC 3339 UTC.
    pub tag_end_utc: Option<String>,
    /// Severity as tagged.
    pub tag_severity: Option<u8>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize)]
pub struct Truth<'a> {
    /// Always [`GENERATOR`].
    pub generator: &'static str,
    /// Format version of this file.
    pub version: u32,
    /// The seed.
    pub seed: u64,
    /// All parameters.
    pub params: &'a Params,
    /// Counts.
    pub summary: Summary,
    /// Runs, in time order.
    pub runs: Vec<RunTruth>,
    /// Cramps, in time order.
    pub cramps: Vec<CrampTruth>,
    /// Apple parameters, when the history has Apple runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_params: Option<&'a AppleParams>,
    /// Polar parameters, when the history has Polar runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polar_params: Option<&'a PolarParams>,
}

/// Build the truth for `runs`.
pub fn build<'a>(p: &'a Params, seed: u64, runs: &[SimRun]) -> Truth<'a> {
    let mut cramps = Vec::new();
    let mut summary = Summary {
        runs: runs.len(),
        fit_files: runs.iter().filter(|r| r.format == FileFormat::Fit).count(),
        gpx_files: runs.iter().filter(|r| r.format == FileFormat::Gpx).count(),
        tcx_files: runs.iter().filter(|r| r.format == FileFormat::Tcx).count(),
        apple_workouts: runs
            .iter()
            .filter(|r| r.format == FileFormat::Apple)
            .count(),
        polar_files: runs
            .iter()
            .filter(|r| r.format == FileFormat::Polar)
            .count(),
        gzipped_files: runs.iter().filter(|r| r.gzip).count(),
        cramps: 0,
        tagged: 0,
        tagged_precise: 0,
        csv_rows: 0,
        by_response: ByResponse::default(),
        tagged_by_response: ByResponse::default(),
    };
    for run in runs {
        for (ev, tag) in run.track.cramps.iter().zip(&run.tags) {
            let tagged = tag.source != TagSource::Untagged;
            summary.cramps += 1;
            summary.by_response.add(ev.plan.response);
            if tagged {
                summary.tagged += 1;
                summary.tagged_by_response.add(ev.plan.response);
                if tag.precise() {
                    summary.tagged_precise += 1;
                }
            }
            if tag.source.in_csv() {
                summary.csv_rows += 1;
            }
            let end_s = ev.end_s();
            cramps.push(CrampTruth {
                cramp_id: String::new(),
                file: run.file_name.clone(),
                onset_utc: utc(run.start_unix_s + ev.onset_s as i64),
                end_utc: utc(run.start_unix_s + end_s as i64),
                onset_elapsed_s: ev.onset_s,
                duration_s: end_s - ev.onset_s,
                response: ev.plan.response,
                slowdown_pct: r(100.0 * ev.plan.slowdown_frac, 1),
                response_delay_s: r(ev.plan.delay_s, 1),
                recovery_s: r(ev.plan.recovery_s, 1),
                walk_mps: (ev.plan.response == Response::Walked).then(|| r(ev.plan.walk_mps, 2)),
                severity: ev.plan.severity,
                muscle: ev.plan.muscle,
                effort_rel: r(ev.effort_rel, 3),
                tagged,
                tag_source: tag.source,
                approx: tag.source.in_csv().then(|| !tag.precise()),
                tag_start_utc: tagged.then(|| utc(run.start_unix_s + tag.onset_s)),
                tag_end_utc: tag.end_s.map(|e| utc(run.start_unix_s + e)),
                tag_severity: tag.severity.filter(|_| tag.source.in_csv()),
            });
        }
    }
    for (i, c) in cramps.iter_mut().enumerate() {
        c.cramp_id = format!("c{:03}", i + 1);
    }
    let (summary_apple, summary_polar) = (summary.apple_workouts, summary.polar_files);
    let runs = runs
        .iter()
        .map(|run| RunTruth {
            file: run.file_name.clone(),
            format: run.format,
            gzip: run.gzip,
            device: run.device.name,
            hr_sensor: run.setup.hr_sensor,
            recording: run.setup.recording,
            auto_pause: run.setup.auto_pause,
            auto_lap_m: run.setup.auto_lap_m,
            course: run.course_kind,
            zone: run.zone.clone(),
            utc_offset_s: run.utc_offset_s,
            file_has_offset: run.habit.file_has_offset,
            start_utc: utc(run.start_unix_s),
            end_utc: utc(run.start_unix_s + run.end_s() as i64),
            elapsed_s: run.end_s(),
            timer_s: run.end_s() - run.paused_s(),
            pauses: run.recorded.pauses.iter().map(|&(a, b)| [a, b]).collect(),
            samples: run.recorded.records.len(),
            planned_s: r(run.draw.planned_s, 0),
            base_pace_mps: r(run.draw.base_pace_mps, 3),
            fade_pct: r(100.0 * run.draw.fade_frac, 1),
            hr_tau_s: r(run.draw.hr_tau_s, 1),
            optical_lag_s: run.setup.optical_lag_s,
            cadence_lock: run
                .setup
                .cadence_lock
                .iter()
                .map(|&(a, b)| [a, b])
                .collect(),
            tag_habit: if run.habit.waypoints {
                "gpx_waypoints"
            } else if run.habit.fit_laps {
                "fit_laps"
            } else {
                "csv"
            },
            cramps: run.track.cramps.len(),
            apple: run.apple.as_ref().map(|a| AppleTruth {
                route_file: a.route_file.clone(),
                layout: a.layout,
                source_name: super::apple::AppleRun::source_name(&p.apple.owner),
                source_version: a.source_version,
                hr_records: a.hr.len(),
                duplicate_source: a.duplicate_source.map(|(name, _)| name),
                duplicate_hr_records: a.duplicate_hr.len(),
                resting_hr_records: a.resting_hr.len(),
                pause_kinds: a.pause_kinds.clone(),
                route_points: a.route_points,
                repeated_times: a.repeated_times,
            }),
            polar: run.polar.as_ref().map(|w| PolarTruth {
                shape: w.session.shape,
                session_id: w.session.id,
                first_fix_s: w.first_fix_s,
                samples: w.samples,
                nan_values: w.nan_values,
                missing_values: w.missing_values,
                route_points: w.route_points,
            }),
        })
        .collect();
    Truth {
        generator: GENERATOR,
        version: 1,
        seed,
        params: p,
        summary,
        runs,
        cramps,
        apple_params: (summary_apple > 0).then_some(&p.apple),
        polar_params: (summary_polar > 0).then_some(&p.polar),
    }
}

/// `truth.json` text (pretty, newline-terminated).
pub fn truth_json(p: &Params, seed: u64, runs: &[SimRun]) -> String {
    let mut s = serde_json::to_string_pretty(&build(p, seed, runs))
        .expect("the truth holds only serialisable values");
    s.push('\n');
    s
}
