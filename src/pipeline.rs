//! The batch behind `cramplab analyze`: every activity under the given paths
//! is read and reduced to a small result in parallel (the only place with
//! rayon; an activity's samples are dropped as soon as its cramps and
//! placebo moments are measured), then one aggregation step removes
//! duplicate recordings, checks the tags, sets the runner's own threshold,
//! classifies responses, derives outcomes and runs the comparison. Results
//! are sorted by path so output never depends on thread timing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::activity::{Activity, Format, Samples, Sport};
use crate::align::{self, Observation, PlaceboOptions, WindowOptions, WindowSample};
use crate::analysis::compare::{self, CompareOptions, Comparison};
use crate::analysis::response::{self, ResponseOptions, ThresholdOptions};
use crate::analysis::{CrampRecord, Response};
use crate::ingest::container::{self, Limits, Outcome as LoadOutcome, Source};
use crate::tags::{self, CrampTag, Resolved, TagIndex, TagOptions, TagSet, TagSource};
use crate::timeline::{Timeline, TimelineOptions};

/// Which sports are analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SportFilter {
    /// Running of any kind, and files that state no sport (DESIGN.md §2).
    Running,
    /// Every activity.
    All,
    /// One named sport.
    Only(Sport),
}

impl SportFilter {
    /// Parse `--sport`: `running` (default), `all`, or a sport name.
    pub fn parse(s: &str) -> SportFilter {
        match s.trim().to_ascii_lowercase().as_str() {
            "running" | "run" => SportFilter::Running,
            "all" | "any" => SportFilter::All,
            other => SportFilter::Only(Sport::from_name(other)),
        }
    }

    fn accepts(&self, sport: &Sport) -> bool {
        match self {
            SportFilter::Running => sport.is_running(),
            SportFilter::All => true,
            SportFilter::Only(s) => s == sport,
        }
    }
}

/// Everything the batch needs to know, built from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Files, archives and folders to analyse.
    pub paths: Vec<PathBuf>,
    /// Tag files named with `--tags` (they tag every activity).
    pub tag_files: Vec<PathBuf>,
    /// How tag times are resolved.
    pub tag_options: TagOptions,
    /// Which sports are analysed.
    pub sport: SportFilter,
    /// 1 Hz timeline settings.
    pub timeline: TimelineOptions,
    /// Baseline/response windows.
    pub windows: WindowOptions,
    /// Response class rules.
    pub response: ResponseOptions,
    /// The personal threshold T.
    pub threshold: ThresholdOptions,
    /// Random non-cramp moments.
    pub placebo: PlaceboOptions,
    /// Statistics.
    pub compare: CompareOptions,
    /// Collect the −180…+300 s samples around each onset (tables, HTML).
    pub keep_windows: bool,
    /// Archive limits.
    pub limits: Limits,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
}

impl Config {
    /// Defaults of DESIGN.md §3 for the given inputs.
    pub fn new(paths: Vec<PathBuf>) -> Config {
        Config {
            paths,
            tag_files: Vec::new(),
            tag_options: TagOptions::default(),
            sport: SportFilter::Running,
            timeline: TimelineOptions::default(),
            windows: WindowOptions::default(),
            response: ResponseOptions::default(),
            threshold: ThresholdOptions::default(),
            placebo: PlaceboOptions::default(),
            compare: CompareOptions::default(),
            keep_windows: false,
            limits: Limits::default(),
            threads: None,
        }
    }
}

impl Config {
    /// Every setting that changes a result, as (name, value) pairs in a
    /// fixed order: what a report prints so the analysis can be repeated.
    pub fn settings(&self) -> Vec<(String, String)> {
        let w = |r: &crate::align::RelWindow| format!("{:+} s to {:+} s", r.from_s, r.to_s);
        let t = &self.threshold;
        let c = &self.compare;
        let pairs: Vec<(&str, String)> = vec![
            ("sport", format!("{:?}", self.sport)),
            (
                "tag time zone (--tz)",
                self.tag_options
                    .tz
                    .map_or("each activity's own offset".to_string(), |z| {
                        z.name().to_string()
                    }),
            ),
            (
                "relative tags are timer time",
                self.tag_options.timer_offsets.to_string(),
            ),
            (
                "FIT lap presses are tags",
                self.tag_options.lap_tags.to_string(),
            ),
            (
                "interpolate gaps up to",
                format!("{} s", self.timeline.max_interp_gap_s),
            ),
            (
                "speed rolling median",
                format!("{} s", self.timeline.median_window_s),
            ),
            (
                "reject accelerations above",
                format!("{} m/s²", self.timeline.max_accel_mps2),
            ),
            (
                "grade measured over",
                format!("{} m", self.timeline.grade_window_m),
            ),
            (
                "grade clipped to",
                format!("±{} %", 100.0 * self.timeline.max_grade),
            ),
            (
                "reject noisy grade",
                self.timeline.reject_noisy_grade.to_string(),
            ),
            ("baseline window", w(&self.windows.baseline)),
            (
                "baseline needs moving samples",
                format!("{}", self.windows.baseline_min_moving_s),
            ),
            ("response window", w(&self.windows.response)),
            (
                "response window needs present share",
                format!("{}", self.windows.response_min_present),
            ),
            ("HR baseline window", w(&self.windows.hr_baseline)),
            ("HR onset window", w(&self.windows.hr_onset)),
            ("HR response window", w(&self.windows.hr_response)),
            (
                "stopped: paused share at least",
                format!("{}", self.response.stopped_paused_fraction),
            ),
            (
                "stopped: median speed below",
                format!("{} m/s", self.response.stopped_speed_mps),
            ),
            (
                "walked: median cadence below",
                format!("{} steps/min", self.response.walk_cadence_spm),
            ),
            (
                "walked (no cadence): median speed below",
                format!("{} m/s", self.response.walk_speed_mps),
            ),
            (
                "threshold T fixed (--threshold)",
                t.fixed_pct
                    .map_or("no (the runner's own)".to_string(), |x| format!("{x} %")),
            ),
            (
                "threshold T percentile of placebo slowdowns",
                format!("{}", t.percentile),
            ),
            (
                "threshold T floor / cap",
                format!("{} % / {} %", t.floor_pct, t.cap_pct),
            ),
            (
                "placebo moments per run",
                format!("{}", self.placebo.moments),
            ),
            (
                "placebo moments keep away from tags and ends by",
                format!("{} s", self.placebo.min_gap_s),
            ),
            (
                "bootstrap resamples (whole runs)",
                format!("{}", c.bootstrap_resamples),
            ),
            ("permutations (van Elteren)", format!("{}", c.permutations)),
            ("seed", format!("{}", c.seed)),
            (
                "detectable-ratio simulations",
                format!("{} at power {}", c.power_sims, c.power),
            ),
            ("alpha", format!("{}", c.alpha)),
            (
                "equivalence bounds",
                format!("{} – {}", c.equivalence.0, c.equivalence.1),
            ),
            (
                "minimum cramps per group / for a verdict",
                format!("{} / {}", c.min_group_n, c.min_verdict_n),
            ),
            (
                "minimum runs / for the run bootstrap",
                format!("{} / {}", c.min_runs, c.min_bootstrap_runs),
            ),
            (
                "most cramps without severity for a verdict",
                format!("{} %", 100.0 * c.max_missing_severity_fraction),
            ),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

/// The 1 Hz timeline of the first activity in `path` that `cfg` analyses
/// (the per-run report draws its whole profile). The batch drops samples
/// as soon as an activity is measured, so this reads the file once more;
/// `None` when nothing in it could be read or analysed.
pub fn timeline_of(path: &Path, cfg: &Config) -> Option<Timeline> {
    let discovery = container::discover(&[path.to_path_buf()]);
    for source in &discovery.sources {
        for loaded in container::load(source, &cfg.limits) {
            if let LoadOutcome::Read(acts) = loaded.outcome
                && let Some(act) = acts.into_iter().find(|a| cfg.sport.accepts(&a.sport))
            {
                return Some(Timeline::build(&act, &cfg.timeline));
            }
        }
    }
    None
}

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
    #[serde(skip)]
    richness: (u8, usize, usize),
}

/// One analysed cramp (`cramps[]` / the `cramp_results` table).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrampResult {
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
    #[serde(skip)]
    run: u32,
    #[serde(skip)]
    obs: Observation,
}

/// Which outcome a cramp contributes (DESIGN.md §3, *outcome*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrampOutcome {
    /// Still going at the end of the response window: primary outcome.
    Landmark,
    /// Ended by the end of the response window: counted and shown.
    EndedInWindow,
    /// No end was tagged.
    NoEnd,
    /// The tagged end lies beyond the end of the recording.
    Censored,
    /// Began while an earlier cramp was still going: its response belongs
    /// to the earlier one.
    Excluded,
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
    /// Non-activity files skipped inside folders and archives.
    pub skipped_non_activities: usize,
    /// Tag rows read (all files).
    pub tag_rows: usize,
    /// Every file read (activity files, archives, tag files): outputs must
    /// never replace one of them.
    pub inputs: Vec<PathBuf>,
    /// The end of the response window, seconds after onset: the landmark.
    pub landmark_s: f64,
    /// The baseline, response and HR windows used (charts shade them).
    pub windows: WindowOptions,
    /// Every setting of the method as (name, value), in a fixed order, so a
    /// report can say how to reproduce its result ([`Config::settings`]).
    pub settings: Vec<(String, String)>,
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

/// Why the batch could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A tag file could not be read.
    #[error(transparent)]
    Tags(#[from] tags::TagFileError),
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
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

/// Whether two tags mark the same cramp (one recorded twice: a lap press
/// also typed into cramps.csv, or tags of two exports of one run): onsets
/// within 10 s, or within 30 s when either was typed in afterwards
/// (DESIGN.md's typed-in onsets are off by up to ±20 s).
fn same_cramp(a: &CrampTag, b: &CrampTag) -> bool {
    let limit_s = if a.approx || b.approx { 30 } else { 10 };
    (a.onset_utc - b.onset_utc).num_seconds().abs() <= limit_s
}

/// `compare::compare`, with its six analyses (primary, two secondary, three
/// sensitivity) run on the batch's threads: each is independent and seeded
/// by its own spec, so the result is the same as the sequential call's.
fn compare_in_parallel(
    records: &[CrampRecord],
    opts: &CompareOptions,
    pool: &rayon::ThreadPool,
) -> Comparison {
    use crate::analysis::compare::AnalysisSpec;
    let secondary = AnalysisSpec::secondary();
    let sensitivity = AnalysisSpec::sensitivity();
    let mut specs = vec![AnalysisSpec::primary()];
    specs.extend(secondary.iter().cloned());
    specs.extend(sensitivity.iter().cloned());
    let mut done: Vec<Comparison> = pool.install(|| {
        specs
            .par_iter()
            .map(|s| compare::compare_one(records, s, opts))
            .collect()
    });
    let sens = done.split_off(1 + secondary.len());
    let sec = done.split_off(1);
    let mut primary = done.pop().expect("the primary analysis is always first");
    primary.secondary = sec;
    primary.sensitivity = sens;
    primary
}

/// Fewer placebo moments than this in a run (a run under ~10 minutes): its
/// threshold is the pooled one.
pub const MIN_RUN_PLACEBO: usize = 50;

fn median_of(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

fn range_of(v: &[f64]) -> Option<(f64, f64)> {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The placebo seed of an activity: an FNV-1a 64-bit hash of its file's
/// base name and its start time, so the random moments depend on the
/// recording — not on thread order, and not on which folder the history
/// was copied to.
fn activity_seed(path: &str, start_ms: i64, base: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ base;
    for b in tags::base_name(path).bytes().chain(start_ms.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One placebo moment, reduced to what the threshold and the placebo check
/// need (a full `Observation` per moment would cost ~40 KB a run, which at
/// thousands of runs is most of the batch's memory).
#[derive(Debug, Clone, Copy)]
struct PlaceboMoment {
    /// The moment's slowdown, percent (NaN when unknown).
    slowdown_pct: f64,
    /// Its class with a threshold of ∞: kept_pace means "ran on", so the
    /// class at threshold T is slowed when `slowdown_pct ≥ T`.
    class: Response,
}

impl PlaceboMoment {
    fn new(o: &Observation, opts: &ResponseOptions) -> PlaceboMoment {
        PlaceboMoment {
            slowdown_pct: o.slowdown_pct.unwrap_or(f64::NAN),
            class: response::classify(o, f64::INFINITY, opts),
        }
    }

    /// The class at threshold `t_pct` (same first-match rules as
    /// `response::classify`, whose only threshold-dependent step is slowed).
    fn class_at(&self, t_pct: f64) -> Response {
        if self.class == Response::KeptPace && self.slowdown_pct >= t_pct {
            Response::Slowed
        } else {
            self.class
        }
    }

    /// The slowdown of a moment the runner ran on (the ones that set T).
    fn running_slowdown(&self) -> Option<f64> {
        (self.class == Response::KeptPace && self.slowdown_pct.is_finite())
            .then_some(self.slowdown_pct)
    }
}

/// A cramp measured inside its activity, before the threshold is known.
#[derive(Debug, Clone)]
struct Measured {
    tag: CrampTag,
    onset_s: f64,
    end_s: Option<f64>,
    recording_end_s: f64,
    obs: Observation,
    window: Vec<WindowSample>,
}

/// One activity reduced to what the aggregation needs.
#[derive(Debug, Clone)]
struct Reduced {
    file: FileResult,
    analysed: bool,
    start_utc: DateTime<Utc>,
    end_utc: DateTime<Utc>,
    cramps: Vec<Measured>,
    placebo: Vec<PlaceboMoment>,
    /// Indices of tag rows this activity claimed.
    claims: Vec<usize>,
    /// Where to read it again (re-homing tags of a dropped duplicate).
    source_index: usize,
    /// Index of the activity inside its file (multisport).
    activity_index: usize,
}

/// Run the batch. `on_file` is called once per input file as it finishes
/// (true when it failed), for progress display.
pub fn run(cfg: &Config, on_file: &(dyn Fn(bool) + Sync)) -> Result<Batch, BatchError> {
    let TagSet {
        rows,
        mut warnings,
        files: tag_files,
    } = tags::read_tags(&cfg.paths, &cfg.tag_files)?;
    let discovery = container::discover(&cfg.paths);
    let mut inputs: Vec<PathBuf> = discovery
        .sources
        .iter()
        .map(|s| match &s.location {
            container::Location::File(p) => p.clone(),
            container::Location::ZipEntry { archive, .. } => archive.clone(),
        })
        .chain(tag_files)
        .collect();
    inputs.sort();
    inputs.dedup();
    let mut files: Vec<FileResult> = discovery
        .failures
        .iter()
        .map(|(path, e)| error_row(path, e.to_string()))
        .collect();

    let sources = &discovery.sources;
    let index = TagIndex::new(&rows);
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cfg.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool
        .build()
        .map_err(|_| BatchError::Threads(cfg.threads.unwrap_or(0)))?;
    let per_source: Vec<(Vec<Reduced>, Vec<FileResult>, usize)> = pool.install(|| {
        sources
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                let r = process_source(s, i, cfg, &index, &[]);
                on_file(r.1.iter().any(|f| f.status == FileStatus::Error));
                r
            })
            .collect()
    });

    let mut reduced: Vec<Reduced> = Vec::new();
    let mut skipped_non_activities = 0;
    for (acts, others, skipped) in per_source {
        reduced.extend(acts);
        files.extend(others);
        skipped_non_activities += skipped;
    }

    // Duplicates: the same run recorded or exported twice.
    let dropped = find_duplicates(&reduced);
    let mut rehome: BTreeMap<usize, Vec<CrampTag>> = BTreeMap::new();
    for (dup, kept) in &dropped {
        let kept_path = reduced[*kept].file.path.clone();
        let d = &mut reduced[*dup];
        warnings.push(format!(
            "{} is the same run as {}; analysed once, from {}",
            d.file.path, kept_path, kept_path
        ));
        d.file.status = FileStatus::Skipped;
        d.file.error = Some(format!(
            "duplicate of {kept_path} (the richer recording was analysed)"
        ));
        d.analysed = false;
        let tags: Vec<CrampTag> = d.cramps.drain(..).map(|m| m.tag).collect();
        d.file.cramps = 0;
        d.placebo.clear();
        if !tags.is_empty() {
            rehome.entry(*kept).or_default().extend(tags);
        }
    }
    // Tags that lived only in a dropped duplicate move to the kept recording.
    for (kept, extra) in rehome {
        let k = &reduced[kept];
        let mut extra: Vec<CrampTag> = extra
            .into_iter()
            .filter(|t| !k.cramps.iter().any(|m| same_cramp(&m.tag, t)))
            .collect();
        if extra.is_empty() {
            continue;
        }
        extra.sort_by_key(|t| t.onset_utc);
        let (src_i, act_i) = (k.source_index, k.activity_index);
        let (mut again, _, _) = process_source(&sources[src_i], src_i, cfg, &index, &extra);
        if act_i < again.len() {
            let new = again.swap_remove(act_i);
            let old = &mut reduced[kept];
            old.cramps = new.cramps;
            old.placebo = new.placebo;
            old.file.cramps = old.cramps.len();
        }
    }

    // Tag rows: each should tag exactly one activity; a row that tagged a
    // dropped duplicate counts for the recording that was kept.
    let kept_of: BTreeMap<usize, usize> = dropped.iter().copied().collect();
    let mut claimed_by: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
    for (k, r) in reduced.iter().enumerate() {
        let owner = kept_of.get(&k).map_or(k, |&kept| kept);
        for &i in &r.claims {
            let path = &reduced[owner].file.path;
            if let Some(c) = claimed_by.get_mut(i)
                && !c.contains(path)
            {
                c.push(path.clone());
            }
        }
    }
    warnings.extend(
        tags::check_matches(&rows, &claimed_by, &cfg.tag_options)
            .iter()
            .map(ToString::to_string),
    );

    // Sort by path: output never depends on thread timing.
    reduced.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    let analysed: Vec<&Reduced> = reduced.iter().filter(|r| r.analysed).collect();

    // The threshold T (DESIGN.md §3), measured per run: the same runner's
    // runs differ most in how noisy the measurement is (a barometric watch
    // with a footpod against GPS-only speed and GPS altitude on a trail),
    // and one pooled T would either call noise "slowed" on the noisy runs
    // or miss real slowing on the clean ones. Each run's T is its own 95th
    // percentile (floor 10 %, cap 30 %); a run with too few moments (under
    // MIN_RUN_PLACEBO) uses the pooled value. `--threshold` fixes T for all.
    //
    // Only moments that a threshold of ∞ calls kept_pace count: moments the
    // runner stood or walked (traffic lights, a steep ramp) say nothing about
    // the boundary between slowing and keeping pace, and their near-100 %
    // slowdowns would push the percentile past every real slowdown.
    let slowdowns = |p: &[PlaceboMoment]| -> Vec<f64> {
        p.iter()
            .filter_map(PlaceboMoment::running_slowdown)
            .collect()
    };
    let pooled: Vec<f64> = analysed
        .iter()
        .flat_map(|r| slowdowns(&r.placebo))
        .collect();
    let pooled_t = response::personal_threshold(&pooled, &cfg.threshold);
    let run_t: Vec<f64> = analysed
        .iter()
        .map(|r| {
            let own = slowdowns(&r.placebo);
            if own.len() >= MIN_RUN_PLACEBO {
                response::personal_threshold(&own, &cfg.threshold)
            } else {
                pooled_t
            }
        })
        .collect();
    // The placebo check: the share of classifiable moments (not unknown)
    // that their run's T calls slowed; near 5 % when T is the 95th percentile.
    let (mut called, mut classifiable) = (0usize, 0usize);
    for (r, &t) in analysed.iter().zip(&run_t) {
        for m in &r.placebo {
            match m.class_at(t) {
                Response::Unknown => {}
                Response::Slowed => {
                    called += 1;
                    classifiable += 1;
                }
                _ => classifiable += 1,
            }
        }
    }
    let placebo_slowed_pct =
        (classifiable > 0).then(|| 100.0 * called as f64 / classifiable as f64);
    let threshold_pct = median_of(&run_t).unwrap_or(pooled_t);
    let placebo_moments: usize = analysed.iter().map(|r| r.placebo.len()).sum();

    let mut cramps = Vec::new();
    for (run, (r, &t)) in analysed.iter().zip(&run_t).enumerate() {
        let mut c = finish_cramps(r, run as u32, t, cfg);
        for x in &mut c {
            x.threshold_pct = t;
        }
        cramps.extend(c);
    }
    for (i, c) in cramps.iter_mut().enumerate() {
        c.cramp_id = i + 1;
    }
    let records = records(&cramps);
    let mut comparison = compare_in_parallel(&records, &cfg.compare, &pool);
    comparison.threshold_pct = Some(threshold_pct);
    comparison.placebo_slowed_pct = placebo_slowed_pct;

    files.extend(reduced.into_iter().map(|r| r.file));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Batch {
        files,
        cramps,
        comparison,
        threshold_pct,
        placebo_slowed_pct,
        placebo_moments,
        threshold_range_pct: range_of(&run_t),
        warnings,
        skipped_non_activities,
        tag_rows: rows.len(),
        inputs,
        landmark_s: cfg.windows.response.to_s,
        windows: cfg.windows.clone(),
        settings: cfg.settings(),
    })
}

fn error_row(path: &str, error: String) -> FileResult {
    FileResult {
        path: path.to_string(),
        status: FileStatus::Error,
        error: Some(error),
        format: None,
        sport: None,
        start_utc: None,
        elapsed_s: None,
        distance_m: None,
        has_hr: false,
        cramps: 0,
        warnings: Vec::new(),
        richness: (0, 0, 0),
    }
}

/// Read one source and reduce each of its activities.
fn process_source(
    source: &Source,
    source_index: usize,
    cfg: &Config,
    index: &TagIndex,
    extra_tags: &[CrampTag],
) -> (Vec<Reduced>, Vec<FileResult>, usize) {
    let mut reduced = Vec::new();
    let mut others = Vec::new();
    let mut skipped = 0;
    for loaded in container::load(source, &cfg.limits) {
        match loaded.outcome {
            LoadOutcome::Read(acts) => {
                let mut resolved: Vec<Resolved> = acts
                    .iter()
                    .map(|a| tags::resolve_rows(a, index, &cfg.tag_options))
                    .collect();
                // A row that tags one session of a multisport file is no
                // problem for the file's other sessions.
                let matched: std::collections::HashSet<usize> = resolved
                    .iter()
                    .flat_map(|r| r.found.iter().map(|(i, _)| *i))
                    .collect();
                for r in &mut resolved {
                    r.problems.retain(|(i, _)| !matched.contains(i));
                }
                let several = acts.len() > 1;
                for (k, (act, res)) in acts.into_iter().zip(resolved).enumerate() {
                    let display = if several {
                        format!("{}#{}", act.path, k + 1)
                    } else {
                        act.path.clone()
                    };
                    reduced.push(reduce(act, display, res, source_index, k, cfg, extra_tags));
                }
            }
            LoadOutcome::Skipped(_) => skipped += 1,
            LoadOutcome::Failed(e) => others.push(error_row(&loaded.display, e.to_string())),
        }
    }
    (reduced, others, skipped)
}

fn richness(act: &Activity) -> (u8, usize, usize) {
    let s = &act.samples;
    let channels = [
        &s.lat_deg,
        &s.altitude_m,
        &s.distance_m,
        &s.speed_mps,
        &s.hr_bpm,
        &s.cadence_spm,
        &s.temperature_c,
        &s.power_w,
    ]
    .iter()
    .filter(|c| Samples::has(c))
    .count();
    (u8::from(act.format == Format::Fit), channels, s.len())
}

/// One activity: build the timeline, measure each cramp and the placebo
/// moments, keep only the small results.
fn reduce(
    act: Activity,
    display: String,
    resolved: Resolved,
    source_index: usize,
    activity_index: usize,
    cfg: &Config,
    extra_tags: &[CrampTag],
) -> Reduced {
    let mut warnings = act.warnings.clone();
    let mut claims: Vec<usize> = resolved.found.iter().map(|(i, _)| *i).collect();
    claims.extend(resolved.problems.iter().map(|(i, _)| *i));
    warnings.extend(resolved.problems.iter().map(|(_, p)| p.to_string()));
    let mut found: Vec<CrampTag> = resolved.found.into_iter().map(|(_, t)| t).collect();
    let (infile, infile_warnings) = tags::infile_tags(&act, &cfg.tag_options);
    warnings.extend(infile_warnings.iter().map(ToString::to_string));
    // An in-file tag that the CSV repeats (a lap press also typed in) counts once.
    for t in infile {
        if !found.iter().any(|f| same_cramp(f, &t)) {
            found.push(t);
        }
    }
    found.extend(extra_tags.iter().cloned());
    found.sort_by_key(|t| t.onset_utc);

    // A file spanning more than a week is a merged history or has a wrong
    // clock: its 1 Hz timeline could need gigabytes, so it is listed, not
    // analysed (found by tests/hostile.rs).
    let too_long = act.elapsed_s() > crate::activity::MAX_ACTIVITY_S;
    let analysed = cfg.sport.accepts(&act.sport) && !too_long;
    let file = FileResult {
        path: display,
        status: if analysed {
            FileStatus::Ok
        } else {
            FileStatus::Skipped
        },
        error: (!analysed).then(|| {
            if too_long {
                return format!(
                    "spans {:.0} days; one activity is analysed up to {:.0} days (a merged \
                     history or a wrong clock?)",
                    act.elapsed_s() / 86_400.0,
                    crate::activity::MAX_ACTIVITY_S / 86_400.0
                );
            }
            format!(
                "sport is {}; only {} is analysed (see --sport)",
                act.sport.as_str(),
                match &cfg.sport {
                    SportFilter::Running => "running".to_string(),
                    SportFilter::All => "every sport".to_string(),
                    SportFilter::Only(s) => s.as_str().to_string(),
                }
            )
        }),
        format: Some(act.format.as_str()),
        sport: Some(act.sport.as_str().to_string()),
        start_utc: Some(act.start_utc),
        elapsed_s: Some(act.elapsed_s()),
        distance_m: act.distance_m(),
        has_hr: Samples::has(&act.samples.hr_bpm),
        cramps: 0,
        warnings: Vec::new(),
        richness: richness(&act),
    };
    let mut r = Reduced {
        file,
        analysed,
        start_utc: act.start_utc,
        end_utc: act.end_utc(),
        cramps: Vec::new(),
        placebo: Vec::new(),
        claims,
        source_index,
        activity_index,
    };
    if !analysed {
        if !found.is_empty() {
            warnings.push(format!(
                "{} cramp tag(s) on a {} activity were not analysed ({})",
                found.len(),
                act.sport.as_str(),
                if too_long { "too long" } else { "see --sport" }
            ));
        }
        r.file.warnings = warnings;
        return r;
    }
    let tl = Timeline::build(&act, &cfg.timeline);
    let onsets: Vec<f64> = found.iter().map(|t| t.onset_elapsed_s(&act)).collect();
    for (tag, &onset_s) in found.iter().zip(&onsets) {
        let obs = align::observe(&tl, onset_s, &cfg.windows);
        let window = if cfg.keep_windows {
            align::window_samples(&tl, onset_s, align::CRAMP_WINDOW_TABLE_S)
        } else {
            Vec::new()
        };
        r.cramps.push(Measured {
            end_s: tag.end_elapsed_s(&act),
            tag: tag.clone(),
            onset_s,
            recording_end_s: act.elapsed_s(),
            obs,
            window,
        });
    }
    r.placebo = align::placebo_moments(
        &tl,
        &onsets,
        &cfg.placebo,
        &cfg.windows,
        activity_seed(
            &r.file.path,
            act.start_utc.timestamp_millis(),
            cfg.compare.seed,
        ),
    )
    .moments
    .iter()
    .map(|o| PlaceboMoment::new(o, &cfg.response))
    .collect();
    r.file.cramps = r.cramps.len();
    r.file.warnings = warnings;
    r
}

/// Pairs (dropped, kept) of activities that overlap in time by more than
/// half of the shorter one (DESIGN.md §2); the richest is kept: FIT first,
/// then most channels, then most samples, then path order.
fn find_duplicates(acts: &[Reduced]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..acts.len())
        .filter(|&i| acts[i].file.status != FileStatus::Error)
        .collect();
    order.sort_by_key(|&i| (acts[i].start_utc, acts[i].file.path.clone()));
    let better = |a: usize, b: usize| {
        let (ra, rb) = (acts[a].file.richness, acts[b].file.richness);
        ra > rb || (ra == rb && acts[a].file.path < acts[b].file.path)
    };
    let mut dropped: BTreeMap<usize, usize> = BTreeMap::new();
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            if acts[j].start_utc >= acts[i].end_utc {
                break;
            }
            if dropped.contains_key(&i) || dropped.contains_key(&j) {
                continue;
            }
            let overlap = (acts[i].end_utc.min(acts[j].end_utc)
                - acts[j].start_utc.max(acts[i].start_utc))
            .num_milliseconds() as f64;
            let shorter = (acts[i].end_utc - acts[i].start_utc)
                .min(acts[j].end_utc - acts[j].start_utc)
                .num_milliseconds() as f64;
            if shorter > 0.0 && overlap > 0.5 * shorter {
                let (keep, drop) = if better(i, j) { (i, j) } else { (j, i) };
                dropped.insert(drop, keep);
            }
        }
    }
    // A kept activity may itself have been dropped for a third: follow the chain.
    let resolve = |mut k: usize| {
        while let Some(&next) = dropped.get(&k) {
            k = next;
        }
        k
    };
    dropped.keys().map(|&d| (d, resolve(dropped[&d]))).collect()
}

/// Classify and derive outcomes for one activity's cramps.
fn finish_cramps(r: &Reduced, run: u32, threshold_pct: f64, cfg: &Config) -> Vec<CrampResult> {
    let landmark_s = cfg.windows.response.to_s;
    let mut out: Vec<CrampResult> = Vec::new();
    let mut latest_end: Option<f64> = None;
    for m in &r.cramps {
        let response = response::classify(&m.obs, threshold_pct, &cfg.response);
        let mut flags = Vec::new();
        let overlaps = latest_end.is_some_and(|e| m.onset_s < e);
        if overlaps {
            flags.push("began while an earlier cramp was still going".to_string());
        }
        if m.obs.baseline_gap_mps.is_none() {
            flags.push(if m.onset_s < -cfg.windows.baseline.from_s {
                "too near the start for a baseline".to_string()
            } else {
                "not enough moving samples for a baseline".to_string()
            });
        }
        let end_rel = m.end_s.map(|e| e - m.onset_s);
        let (outcome, remaining_s) = match end_rel {
            _ if overlaps => (CrampOutcome::Excluded, None),
            None => (CrampOutcome::NoEnd, None),
            Some(_) if m.end_s.is_some_and(|e| e > m.recording_end_s + 1.0) => {
                (CrampOutcome::Censored, None)
            }
            Some(d) if d <= landmark_s => (CrampOutcome::EndedInWindow, None),
            Some(d) => (CrampOutcome::Landmark, Some(d - landmark_s)),
        };
        if let Some(e) = m.end_s {
            latest_end = Some(latest_end.map_or(e, |l: f64| l.max(e)));
        } else if latest_end.is_none_or(|l| l < m.onset_s) {
            // Without an end, assume nothing about overlap with later cramps.
            latest_end = None;
        }
        let t = &m.tag;
        out.push(CrampResult {
            cramp_id: 0,
            file: r.file.path.clone(),
            start_utc: t.onset_utc,
            end_utc: t.end_utc,
            duration_s: t.duration_s(),
            severity: t.severity,
            muscle: t.muscle.clone(),
            note: t.note.clone(),
            approx: t.approx,
            tag_source: match &t.source {
                TagSource::Csv(_) => t.row_id.clone(),
                TagSource::GpxWaypoint => format!("gpx waypoint ({})", t.row_id),
                TagSource::FitLap => format!("fit lap press ({})", t.row_id),
            },
            response,
            slowdown_pct: m.obs.slowdown_pct,
            threshold_pct,
            baseline_speed_mps: m.obs.baseline_speed_mps,
            response_speed_mps: m.obs.response_speed_mps,
            baseline_gap_mps: m.obs.baseline_gap_mps,
            response_gap_mps: m.obs.response_gap_mps,
            hr_baseline_bpm: m.obs.hr_baseline_bpm,
            hr_onset_bpm: m.obs.hr_onset_bpm,
            hr_response_bpm: m.obs.hr_response_bpm,
            hr_drop_predicted_bpm: m.obs.hr_drop_predicted_bpm,
            hr_drop_observed_bpm: m.obs.hr_drop_observed_bpm,
            cadence_lock: m.obs.cadence_lock,
            elapsed_at_onset_s: m.onset_s,
            outcome,
            remaining_s,
            flags,
            window: m.window.clone(),
            run,
            obs: m.obs.clone(),
        });
    }
    out
}

/// The statistics' view of the cramps.
fn records(cramps: &[CrampResult]) -> Vec<CrampRecord> {
    let mut seen_runs = std::collections::HashSet::new();
    cramps
        .iter()
        .map(|c| {
            let first_in_run = seen_runs.insert(c.run);
            let usable = !matches!(
                c.outcome,
                CrampOutcome::Excluded | CrampOutcome::NoEnd | CrampOutcome::Censored
            );
            CrampRecord {
                run: c.run,
                severity: c.severity,
                response: c.response,
                approx: c.approx,
                first_in_run,
                slowdown_pct: c.slowdown_pct,
                duration_s: if usable { c.duration_s } else { None },
                remaining_s: c.remaining_s,
                ended_in_window: c.outcome == CrampOutcome::EndedInWindow,
            }
        })
        .collect()
}

impl CrampResult {
    /// The measured windows behind this cramp.
    pub fn observation(&self) -> &Observation {
        &self.obs
    }
}
