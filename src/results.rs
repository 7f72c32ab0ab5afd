//! The results of a batch: what `analyze`, `report` and every exporter
//! read. This is the contract between the analysis and the output (as
//! hyperfine keeps `BenchmarkResult` apart from its exporters): the
//! pipeline fills these types, `report/` and `frame` only read them, and
//! their serialised field names are the JSON schema of docs/METHOD.md §4.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::activity::{Activity, Samples};
use crate::align::{Observation, WindowOptions, WindowSample};
pub use crate::analysis::outcome::CrampOutcome;
use crate::analysis::{Comparison, Response};
use crate::tags::TagProblem;
use crate::timeline::Timeline;

/// What became of one input file or activity (`files[]` of the JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Read and analysed.
    Ok,
    /// Could not be read.
    Error,
    /// Read or recognised, but not analysed (other sport, duplicate,
    /// not an activity).
    Skipped,
}

/// One row of `files[]` / the `run_summary` table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileResult {
    /// The runner this belongs to, in a cohort (`None` for one runner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// Display path (an activity of a multisport file gets `#n`).
    pub path: String,
    /// ok, error or skipped.
    pub status: FileStatus,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// fit, gpx or tcx.
    pub format: Option<&'static str>,
    /// The sport the file states.
    pub sport: Option<String>,
    /// First sample, UTC.
    #[serde(serialize_with = "ser_time")]
    pub start_utc: Option<DateTime<Utc>>,
    /// The runner's offset from UTC in seconds east, when the file tells
    /// it (`report` shows local times beside UTC; not in the JSON).
    #[serde(skip)]
    pub utc_offset_s: Option<i32>,
    /// Wall-clock seconds, first to last sample.
    pub elapsed_s: Option<f64>,
    /// Distance in metres.
    pub distance_m: Option<f64>,
    /// Whether heart rate was recorded.
    pub has_hr: bool,
    /// Cramps analysed in this activity.
    pub cramps: usize,
    /// What was recovered, skipped or guessed.
    pub warnings: Vec<String>,
}

/// One analysed cramp (`cramps[]` / the `cramp_results` table).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrampResult {
    /// The runner this belongs to, in a cohort (`None` for one runner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// 1-based, in path then onset order.
    pub cramp_id: usize,
    /// The activity's display path.
    pub file: String,
    /// Tagged onset.
    #[serde(serialize_with = "ser_time1")]
    pub start_utc: DateTime<Utc>,
    /// Tagged end.
    #[serde(serialize_with = "ser_time")]
    pub end_utc: Option<DateTime<Utc>>,
    /// Tagged duration in seconds.
    pub duration_s: Option<f64>,
    /// 1 mild, 2 moderate, 3 severe.
    pub severity: Option<u8>,
    /// Which muscle.
    pub muscle: Option<String>,
    /// Free text from the tag.
    pub note: Option<String>,
    /// Onset typed in afterwards.
    pub approx: bool,
    /// Where the tag came from (`cramps.csv:7`, `gpx waypoint`, `fit lap`).
    pub tag_source: String,
    /// What the runner did.
    pub response: Response,
    /// 100·(1 − GAP(response)/GAP(baseline)); negative = sped up.
    pub slowdown_pct: Option<f64>,
    /// The threshold T of this cramp's run, percent.
    pub threshold_pct: f64,
    /// Mean raw speed, baseline window.
    pub baseline_speed_mps: Option<f64>,
    /// Mean raw speed, response window (paused = 0).
    pub response_speed_mps: Option<f64>,
    /// Mean grade-adjusted speed, baseline window.
    pub baseline_gap_mps: Option<f64>,
    /// Mean grade-adjusted speed, response window (paused = 0).
    pub response_gap_mps: Option<f64>,
    /// Mean HR −120…−15 s.
    pub hr_baseline_bpm: Option<f64>,
    /// Mean HR −30…0 s.
    pub hr_onset_bpm: Option<f64>,
    /// Mean HR +60…+120 s.
    pub hr_response_bpm: Option<f64>,
    /// The HR drop the slowdown predicts.
    pub hr_drop_predicted_bpm: Option<f64>,
    /// The HR drop observed (baseline − response).
    pub hr_drop_observed_bpm: Option<f64>,
    /// Optical HR locked onto cadence near the onset.
    pub cadence_lock: bool,
    /// Seconds since the activity's start.
    pub elapsed_at_onset_s: f64,
    /// landmark, ended_in_window, no_end, censored or excluded.
    pub outcome: CrampOutcome,
    /// Seconds the cramp lasted beyond +18 s (landmark outcome only).
    pub remaining_s: Option<f64>,
    /// Marks: overlapping cramps, no baseline, …
    pub flags: Vec<String>,
    /// 1 Hz samples around the onset (only with `keep_windows`).
    #[serde(skip)]
    pub window: Vec<WindowSample>,
    /// Index of the cramp's run among the analysed activities (the
    /// bootstrap's resampling unit).
    #[serde(skip)]
    pub(crate) run: u32,
    /// The measured windows behind the cramp.
    #[serde(skip)]
    pub(crate) obs: Observation,
}

/// The batch's result.
#[derive(Debug, Clone)]
pub struct Batch {
    /// One row per input file or activity, sorted by path.
    pub files: Vec<FileResult>,
    /// Every analysed cramp, in path then onset order.
    pub cramps: Vec<CrampResult>,
    /// The comparison and verdict.
    pub comparison: Comparison,
    /// The threshold T: the median of the runs' own thresholds, percent.
    pub threshold_pct: f64,
    /// Lowest and highest per-run threshold, percent.
    pub threshold_range_pct: Option<(f64, f64)>,
    /// Share of placebo moments called slowed, percent.
    pub placebo_slowed_pct: Option<f64>,
    /// Placebo moments measured.
    pub placebo_moments: usize,
    /// Bad tag rows, tags that matched nothing, duplicates dropped, …
    pub warnings: Vec<String>,
    /// The tag rows that no activity, or several, claimed, as problems
    /// (each is also among `warnings`): `report` tells this run's from
    /// other runs' by them.
    pub unmatched_tags: Vec<TagProblem>,
    /// Non-activity files skipped inside folders and archives.
    pub skipped_non_activities: usize,
    /// Tag rows read (all files).
    pub tag_rows: usize,
    /// What became of every tag: used, lost (named), with a caveat.
    pub tag_summary: crate::tags::TagSummary,
    /// Every file read (activity files, archives, tag files): outputs must
    /// never replace one of them.
    pub inputs: Vec<PathBuf>,
    /// The end of the response window, seconds after onset: the landmark.
    pub landmark_s: f64,
    /// The baseline, response and HR windows used (charts shade them).
    pub windows: WindowOptions,
    /// Every setting of the method as (name, value), in a fixed order, so a
    /// report can say how to reproduce its result (`Config::settings`).
    pub settings: Vec<(String, String)>,
    /// The 1 Hz timelines of the analysed activities by path, kept only
    /// when the configuration asks (`report` draws the whole run).
    pub timelines: BTreeMap<String, Timeline>,
}

impl Batch {
    /// Inputs that failed.
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.status == FileStatus::Error)
            .count()
    }
}

impl FileResult {
    /// The row of an activity that was read, analysed unless the caller
    /// says otherwise.
    pub fn of_activity(path: String, act: &Activity) -> FileResult {
        FileResult {
            runner: None,
            path,
            status: FileStatus::Ok,
            error: None,
            format: Some(act.format.as_str()),
            sport: Some(act.sport.as_str().to_string()),
            start_utc: Some(act.start_utc),
            utc_offset_s: act.utc_offset.map(|o| o.seconds),
            elapsed_s: Some(act.elapsed_s()),
            distance_m: act.distance_m(),
            has_hr: Samples::has(&act.samples.hr_bpm),
            cramps: 0,
            warnings: Vec::new(),
        }
    }

    /// The row of an input that could not be read.
    pub fn failed(path: String, error: String) -> FileResult {
        FileResult::unread(path, FileStatus::Error, error)
    }

    /// The row of a file that holds no activity (a settings FIT, a route
    /// GPX) found inside a folder or archive.
    pub fn skipped(path: String, reason: String) -> FileResult {
        FileResult::unread(path, FileStatus::Skipped, reason)
    }

    fn unread(path: String, status: FileStatus, why: String) -> FileResult {
        FileResult {
            runner: None,
            path,
            status,
            error: Some(why),
            format: None,
            sport: None,
            start_utc: None,
            utc_offset_s: None,
            elapsed_s: None,
            distance_m: None,
            has_hr: false,
            cramps: 0,
            warnings: Vec::new(),
        }
    }
}

fn ser_time<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

fn ser_time1<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// RFC 3339 UTC with `Z`, sub-seconds only when present.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl CrampResult {
    /// The measured windows behind this cramp.
    pub fn observation(&self) -> &Observation {
        &self.obs
    }
}
