//! `cramplab simulate --runners N`: a cohort of runners who differ — in how
//! often and how long they cramp, how readily they slow down, what they
//! record with and how they tag — each written as a complete single-runner
//! history in its own folder, plus a top-level `truth.json` with every
//! runner's true parameters.
//!
//! It exists so pooling across runners (docs/METHOD.md §5) can be checked
//! against a known answer, including the trap §5 warns about: with
//! `confound_runners`, runners who slow down readily have short cramps
//! whatever they do, so a comparison that mixes runners finds an "effect"
//! that is only the difference between people.
//!
//! Each runner is an ordinary [`Params`] drawn around the common one, and is
//! simulated by [`super::generate_with_club`] with a seed derived from
//! (cohort seed, runner index) alone: runner k's files do not depend on how
//! many runners there are (only the folder name's zero padding does). A few
//! runs are club runs, started together (± a minute, a few metres apart) by
//! several runners, so activities of different runners overlap in time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use rand::Rng;
use serde::Serialize;

use super::random::{SimRng, chance, int_in, normal, pick, sub_rng, uniform};
use super::truth::{self, ByResponse, GENERATOR};
use super::{ClubStart, FileFormat, Params, Place, SimError, Simulation};

/// Random stream of runner k's traits is `RUNNER_STREAM + k` (streams 0–5
/// are the single-runner history's own, see `generate` and `simulate_run`).
const RUNNER_STREAM: u64 = 1_000;
/// Random stream of the club's calendar.
const CLUB_STREAM: u64 = 999;
/// One metre in degrees of latitude (WGS84 mean meridian degree ≈ 111.2 km).
const DEG_PER_M: f64 = 1.0 / 111_200.0;

/// How runners differ from one another. Log-scale spreads are standard
/// deviations of a normal draw on the log of the multiplier.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    /// SD of log cramp rate (0.6: the most cramp-prone runner of a dozen
    /// cramps about 5–8 times as often as the least).
    pub log_rate_sd: f64,
    /// SD of log duration scale (multiplies the median cramp duration).
    pub log_duration_sd: f64,
    /// SD of the log multiplier of the weight of "slowed" responses.
    pub log_slowing_sd: f64,
    /// With `confound_runners`: correlation between a runner's log slowing
    /// multiplier and log duration scale (negative: slowers cramp short).
    pub confound_correlation: f64,
    /// Each runner's runs: `runs` × a uniform draw in this range, rounded.
    pub runs_factor_min: f64,
    /// See [`Spread::runs_factor_min`].
    pub runs_factor_max: f64,
    /// Every this-many-th runner (runner03, runner06, … with 3) leaves
    /// severity empty on some rows; the rest always note it. A fixed
    /// pattern rather than a draw, so a small cohort has its third too.
    pub severity_gaps_every: usize,
    /// Those runners note severity on this share of rows (range).
    pub severity_gaps_min: f64,
    /// See [`Spread::severity_gaps_min`].
    pub severity_gaps_max: f64,
    /// Homes lie within this many metres (north and east) of the club's
    /// home place.
    pub home_radius_m: f64,
}

impl Default for Spread {
    fn default() -> Self {
        Spread {
            log_rate_sd: 0.6,
            log_duration_sd: 0.35,
            log_slowing_sd: 0.7,
            confound_correlation: -0.8,
            runs_factor_min: 0.6,
            runs_factor_max: 1.4,
            severity_gaps_every: 3,
            severity_gaps_min: 0.5,
            severity_gaps_max: 0.85,
            home_radius_m: 3000.0,
        }
    }
}

/// The club's runs together.
#[derive(Debug, Clone, Serialize)]
pub struct ClubParams {
    /// Club runs in the season.
    pub events: usize,
    /// Club runs fall this many days after the first day (range).
    pub day_min: i64,
    /// See [`ClubParams::day_min`].
    pub day_max: i64,
    /// Runner k always joins club run k mod `events` when k < 2 × `events`
    /// (so any cohort of more than `events` runners has an overlap), and
    /// otherwise with this chance.
    pub join_share: f64,
    /// Runners start within ± this many seconds of each other.
    pub start_spread_s: i64,
    /// … and within ± this many metres of the meeting point.
    pub place_spread_m: f64,
}

impl Default for ClubParams {
    fn default() -> Self {
        ClubParams {
            events: 3,
            day_min: 4,
            day_max: 24,
            join_share: 0.35,
            start_spread_s: 60,
            place_spread_m: 30.0,
        }
    }
}

/// Everything of a cohort simulation. Written into the top-level
/// `truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct CohortParams {
    /// Number of runners.
    pub runners: usize,
    /// The common parameters: `base.runs` is the typical number of runs per
    /// runner (each runner draws around it, [`Spread::runs_factor_min`]),
    /// `base.effect_ratio` the median true ratio, `base.cramps` the typical
    /// cramp rate and duration.
    pub base: Params,
    /// SD of the runners' log true ratios: runner k's ratio is
    /// exp(N(ln `base.effect_ratio`, `effect_sd`)).
    pub effect_sd: f64,
    /// Runners who tend to slow have shorter cramps whatever they do.
    pub confound_runners: bool,
    /// How runners differ.
    pub spread: Spread,
    /// Club runs.
    pub club: ClubParams,
}

impl CohortParams {
    /// A cohort of `runners` around `base`, with default spreads.
    pub fn new(runners: usize, base: Params) -> CohortParams {
        CohortParams {
            runners,
            base,
            effect_sd: 0.0,
            confound_runners: false,
            spread: Spread::default(),
            club: ClubParams::default(),
        }
    }

    /// Check what a user can set.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.runners == 0 || self.runners > 999 {
            return Err(SimError::Param(format!(
                "runners must be 1–999, got {}",
                self.runners
            )));
        }
        if !(self.effect_sd.is_finite() && (0.0..=2.0).contains(&self.effect_sd)) {
            return Err(SimError::Param(format!(
                "effect SD must be between 0 and 2, got {}",
                self.effect_sd
            )));
        }
        self.base.validate()
    }

    /// Folder name of runner `k` (0-based): `runner01`…, zero-padded to the
    /// width of the number of runners (at least two digits).
    pub fn runner_name(&self, k: usize) -> String {
        let width = self.runners.to_string().len().max(2);
        format!("runner{:0width$}", k + 1)
    }
}

/// Which files a runner's history holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatProfile {
    /// A Garmin/Coros user exporting FIT (a few GPX from a phone).
    MostlyFit,
    /// A phone-app or Strava-GPX user.
    MostlyGpx,
    /// The simulator's usual mix.
    Mixed,
}

impl FormatProfile {
    /// FIT, GPX, TCX weights.
    pub fn weights(self) -> [f64; 3] {
        match self {
            FormatProfile::MostlyFit => [0.92, 0.08, 0.0],
            FormatProfile::MostlyGpx => [0.12, 0.85, 0.03],
            FormatProfile::Mixed => [0.6, 0.3, 0.1],
        }
    }
}

/// How a runner tags cramps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagStyle {
    /// Presses the lap button at onset and end (often kept in the FIT file).
    LapButton,
    /// Types times into `cramps.csv` afterwards.
    TypedIn,
    /// Some of each.
    Mixed,
}

impl TagStyle {
    /// (button share, FIT-lap run share, GPX-waypoint run share).
    pub fn shares(self) -> (f64, f64, f64) {
        match self {
            TagStyle::LapButton => (0.95, 0.5, 0.5),
            TagStyle::TypedIn => (0.1, 0.0, 0.0),
            TagStyle::Mixed => (0.6, 0.2, 0.3),
        }
    }
}

/// One runner's true parameters: the cheap part of a cohort, drawn without
/// simulating any run.
#[derive(Debug, Clone, Serialize)]
pub struct RunnerTraits {
    /// 0-based index.
    pub index: usize,
    /// Folder name.
    pub name: String,
    /// Seed of the runner's own history.
    pub seed: u64,
    /// Runs.
    pub runs: usize,
    /// True duration ratio, slowed ÷ kept pace.
    pub true_ratio: f64,
    /// Cramp onset rate, per hour (before late-run and pace factors).
    pub cramp_rate_per_hour: f64,
    /// Multiplier of the median cramp duration (the runner's baseline).
    pub duration_scale: f64,
    /// Typical (median) cramp duration before any planted effect, s.
    pub duration_median_s: f64,
    /// Multiplier of the weight of "slowed" responses.
    pub slowing_factor: f64,
    /// Chance that a cramp met by slowing or keeping pace is slowed.
    pub slowing_propensity: f64,
    /// Files recorded.
    pub format_profile: FormatProfile,
    /// Tagging habit.
    pub tag_style: TagStyle,
    /// Share of `cramps.csv` rows with a severity.
    pub severity_share: f64,
    /// Where the runner lives.
    pub home: Place,
    /// Club runs joined (indices into the cohort's club runs).
    pub club_events: Vec<usize>,
    /// Start offset from the club's time, s, per joined club run.
    #[serde(skip)]
    club_offsets_s: Vec<i64>,
    /// Meeting-point offset (north, east) in metres, per joined club run.
    #[serde(skip)]
    club_shifts_m: Vec<(f64, f64)>,
}

/// Round to `d` decimals (stable text in `truth.json`).
fn r(x: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    let v = (x * m).round() / m;
    if v == 0.0 { 0.0 } else { v }
}

fn shifted(p: &Place, north_m: f64, east_m: f64) -> Place {
    // Degrees of longitude shrink with cos(latitude).
    let lon_scale = p.lat_deg.to_radians().cos().max(0.1);
    Place {
        zone: p.zone.clone(),
        lat_deg: r(p.lat_deg + north_m * DEG_PER_M, 6),
        lon_deg: r(p.lon_deg + east_m * DEG_PER_M / lon_scale, 6),
        elevation_m: p.elevation_m,
    }
}

/// Draw runner `k`'s traits. Every draw happens whatever the flags, so
/// `effect_sd` and `confound_runners` change only what they are about.
pub fn runner_traits(cp: &CohortParams, seed: u64, k: usize) -> RunnerTraits {
    let s = &cp.spread;
    let mut rng = sub_rng(seed, RUNNER_STREAM + k as u64);
    let runner_seed: u64 = rng.random();
    let z_ratio = normal(&mut rng);
    let z_rate = normal(&mut rng);
    let z_duration = normal(&mut rng);
    let z_slowing = normal(&mut rng);
    let runs_factor = uniform(&mut rng, s.runs_factor_min, s.runs_factor_max);
    let format_profile = [
        FormatProfile::MostlyFit,
        FormatProfile::MostlyGpx,
        FormatProfile::Mixed,
    ][pick(&mut rng, &[0.5, 0.25, 0.25])];
    let tag_style =
        [TagStyle::LapButton, TagStyle::TypedIn, TagStyle::Mixed][pick(&mut rng, &[0.4, 0.3, 0.3])];
    // `is_multiple_of(0)` is false for k + 1 ≥ 1: every = 0 means nobody.
    let gaps = (k + 1).is_multiple_of(s.severity_gaps_every);
    let gaps_share = uniform(&mut rng, s.severity_gaps_min, s.severity_gaps_max);
    let north_m = uniform(&mut rng, -s.home_radius_m, s.home_radius_m);
    let east_m = uniform(&mut rng, -s.home_radius_m, s.home_radius_m);
    let events = cp.club.events.max(1);
    let mut club_events = Vec::new();
    let mut club_offsets_s = Vec::new();
    let mut club_shifts_m = Vec::new();
    let joins = chance(&mut rng, cp.club.join_share);
    let offset_s = int_in(&mut rng, -cp.club.start_spread_s, cp.club.start_spread_s);
    let shift = (
        uniform(&mut rng, -cp.club.place_spread_m, cp.club.place_spread_m),
        uniform(&mut rng, -cp.club.place_spread_m, cp.club.place_spread_m),
    );
    if cp.club.events > 0 && (k < 2 * events || joins) {
        club_events.push(k % events);
        club_offsets_s.push(offset_s);
        club_shifts_m.push(shift);
    }

    let ln_ratio = cp.base.effect_ratio.ln() + cp.effect_sd * z_ratio;
    // Clamped into what `Params::validate` accepts (reached only with a
    // very large --effect-sd).
    let true_ratio = ln_ratio.exp().clamp(0.06, 19.0);
    // With confound_runners the log duration scale shares a correlation ρ
    // with the log slowing multiplier: ρ·z₁ + √(1−ρ²)·z₂ is standard
    // normal with correlation ρ to z₁ (the bivariate-normal construction).
    let z_dur = if cp.confound_runners {
        let rho = s.confound_correlation.clamp(-1.0, 1.0);
        rho * z_slowing + (1.0 - rho * rho).sqrt() * z_duration
    } else {
        z_duration
    };
    let duration_scale = (s.log_duration_sd * z_dur).exp();
    let slowing_factor = (s.log_slowing_sd * z_slowing).exp();
    let w = cp.base.cramps.response_weights;
    let slowing_propensity = w[1] * slowing_factor / (w[0] + w[1] * slowing_factor);
    RunnerTraits {
        index: k,
        name: cp.runner_name(k),
        seed: runner_seed,
        runs: ((cp.base.runs as f64 * runs_factor).round() as usize).max(1),
        true_ratio: r(true_ratio, 4),
        cramp_rate_per_hour: r(
            cp.base.cramps.rate_per_hour * (s.log_rate_sd * z_rate).exp(),
            3,
        ),
        duration_scale: r(duration_scale, 4),
        duration_median_s: r(cp.base.cramps.duration_median_s * duration_scale, 1),
        slowing_factor: r(slowing_factor, 4),
        slowing_propensity: r(slowing_propensity, 4),
        format_profile,
        tag_style,
        severity_share: if gaps { r(gaps_share, 3) } else { 1.0 },
        home: shifted(&cp.base.calendar.home, north_m, east_m),
        club_events,
        club_offsets_s,
        club_shifts_m,
    }
}

/// Every runner's traits: the cheap path (no run is simulated).
pub fn cohort_traits(cp: &CohortParams, seed: u64) -> Vec<RunnerTraits> {
    (0..cp.runners)
        .map(|k| runner_traits(cp, seed, k))
        .collect()
}

/// The runner's own parameters: the common ones with the traits applied.
pub fn runner_params(cp: &CohortParams, t: &RunnerTraits) -> Params {
    let mut p = cp.base.clone();
    p.runs = t.runs;
    p.effect_ratio = t.true_ratio;
    p.cramps.rate_per_hour = t.cramp_rate_per_hour;
    p.cramps.duration_median_s = t.duration_median_s;
    p.cramps.response_weights[1] *= t.slowing_factor;
    let [fit, gpx, tcx] = t.format_profile.weights();
    p.output.fit_weight = fit;
    p.output.gpx_weight = gpx;
    p.output.tcx_weight = tcx;
    // With `gzip`, a cohort gzips nearly all bulky XML (as Strava's bulk
    // export does), which keeps a dozen histories small enough to bundle.
    p.output.gzip_share_xml = p.output.gzip_share_xml.max(0.95);
    // A runner records only what their devices write: a FIT-only watch
    // user has no TCX, whatever `formats` allows.
    p.formats.retain(|f| match f {
        FileFormat::Fit => fit > 0.0,
        FileFormat::Gpx => gpx > 0.0,
        FileFormat::Tcx => tcx > 0.0,
        // A health app is the runner's whatever watch profile they drew.
        FileFormat::Apple | FileFormat::Polar => true,
    });
    if p.formats.is_empty() {
        p.formats = cp.base.formats.clone();
    }
    let (button, fit_laps, waypoints) = t.tag_style.shares();
    p.tags.button_share = button;
    p.tags.fit_lap_run_share = fit_laps;
    p.tags.gpx_waypoint_run_share = waypoints;
    p.tags.severity_share = t.severity_share;
    p.calendar.home = t.home.clone();
    // The export names the watch after its owner.
    p.apple.owner = t.name.clone();
    p
}

/// One club run: the day and time the club meets, and where.
#[derive(Debug, Clone, Serialize)]
pub struct ClubEvent {
    /// Start, RFC 3339 UTC.
    pub start_utc: String,
    /// Meeting point.
    pub place: Place,
    #[serde(skip)]
    start_unix_s: i64,
}

/// The club's runs for `seed` (the same whatever the number of runners).
pub fn club_events(cp: &CohortParams, seed: u64) -> Result<Vec<ClubEvent>, SimError> {
    let mut rng: SimRng = sub_rng(seed, CLUB_STREAM);
    let home = &cp.base.calendar.home;
    let tz: Tz = home
        .zone
        .parse()
        .map_err(|e| SimError::Param(format!("zone {:?}: {e}", home.zone)))?;
    let first = NaiveDate::parse_from_str(&cp.base.calendar.first_day, "%Y-%m-%d")
        .map_err(|e| SimError::Param(format!("first_day: {e}")))?;
    let mut out = Vec::with_capacity(cp.club.events);
    for _ in 0..cp.club.events {
        let day =
            first + chrono::Duration::days(int_in(&mut rng, cp.club.day_min, cp.club.day_max));
        // Club runs start on the quarter hour, 07:00–09:30 local.
        let secs = 7 * 3600 + 900 * int_in(&mut rng, 0, 10) as u32;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
            .expect("seconds are within a day");
        let local = tz
            .from_local_datetime(&day.and_time(time))
            .earliest()
            .ok_or_else(|| SimError::Param(format!("{day} {time} does not exist in {tz}")))?;
        let place = shifted(
            home,
            uniform(&mut rng, -1000.0, 1000.0),
            uniform(&mut rng, -1000.0, 1000.0),
        );
        let start_unix_s = local.timestamp();
        out.push(ClubEvent {
            start_utc: truth::utc(start_unix_s),
            place,
            start_unix_s,
        });
    }
    Ok(out)
}

/// Runner `t`'s starts on the club runs it joins.
fn club_starts(t: &RunnerTraits, events: &[ClubEvent]) -> Vec<ClubStart> {
    t.club_events
        .iter()
        .zip(&t.club_offsets_s)
        .zip(&t.club_shifts_m)
        .filter_map(|((&e, &dt), &(n, east))| {
            let ev = events.get(e)?;
            Some(ClubStart {
                start_utc: chrono::DateTime::from_timestamp(ev.start_unix_s + dt, 0)
                    .expect("club starts are valid times"),
                place: shifted(&ev.place, n, east),
            })
        })
        .collect()
}

/// Simulate runner `k`'s whole history (its files are those of a
/// single-runner simulation with the runner's own parameters and seed).
pub fn generate_runner(
    cp: &CohortParams,
    seed: u64,
    k: usize,
) -> Result<(RunnerTraits, Simulation), SimError> {
    let t = runner_traits(cp, seed, k);
    let events = club_events(cp, seed)?;
    let sim = super::generate_with_club(&runner_params(cp, &t), t.seed, &club_starts(&t, &events))?;
    Ok((t, sim))
}

/// A run started with club-mates.
#[derive(Debug, Clone, Serialize)]
pub struct ClubRun {
    /// Club run index.
    pub event: usize,
    /// Runner folder.
    pub runner: String,
    /// The run's file in the runner's folder (as in the runner's own
    /// `truth.json`).
    pub file: String,
    /// Start, RFC 3339 UTC.
    pub start_utc: String,
}

/// Counts of files a runner wrote.
#[derive(Debug, Clone, Serialize)]
pub struct FileCounts {
    /// FIT.
    pub fit: usize,
    /// GPX.
    pub gpx: usize,
    /// TCX.
    pub tcx: usize,
    /// Apple workouts, in the runner's `export.zip` (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub apple: usize,
    /// Polar sessions (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub polar: usize,
    /// Gzipped.
    pub gzipped: usize,
    /// Files per device or app.
    pub devices: BTreeMap<&'static str, usize>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One runner in the top-level `truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunnerTruth {
    /// True parameters.
    #[serde(flatten)]
    pub traits: RunnerTraits,
    /// Files written.
    pub files: FileCounts,
    /// Cramps planted, per true response.
    pub cramps: ByResponse,
    /// Cramps tagged (in `cramps.csv` or in a file), per true response.
    pub tagged: ByResponse,
    /// Cramps planted.
    pub cramps_total: usize,
    /// Cramps tagged.
    pub tagged_total: usize,
    /// `cramps.csv` rows without a severity.
    pub csv_rows_without_severity: usize,
}

/// The top-level `truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct CohortTruth<'a> {
    /// Always [`GENERATOR`].
    pub generator: &'static str,
    /// Format version.
    pub version: u32,
    /// `cohort` (a single-runner `truth.json` has `runs` instead).
    pub kind: &'static str,
    /// The seed.
    pub seed: u64,
    /// Common parameters.
    pub params: &'a CohortParams,
    /// The club's runs.
    pub club_events: Vec<ClubEvent>,
    /// Runs started with club-mates (overlapping other runners' runs).
    pub club_runs: Vec<ClubRun>,
    /// Runners: each folder also holds its own single-runner `truth.json`.
    pub runners: Vec<RunnerTruth>,
}

/// Summarise one simulated runner for the top-level truth.
pub fn runner_truth(t: RunnerTraits, sim: &Simulation) -> RunnerTruth {
    let doc = truth::build(&sim.params, sim.seed, &sim.runs);
    let mut devices = BTreeMap::new();
    for run in &sim.runs {
        *devices.entry(run.device.name).or_insert(0) += 1;
    }
    let s = &doc.summary;
    RunnerTruth {
        traits: t,
        files: FileCounts {
            fit: s.fit_files,
            gpx: s.gpx_files,
            tcx: s.tcx_files,
            apple: s.apple_workouts,
            polar: s.polar_files,
            gzipped: s.gzipped_files,
            devices,
        },
        cramps: s.by_response.clone(),
        tagged: s.tagged_by_response.clone(),
        cramps_total: s.cramps,
        tagged_total: s.tagged,
        csv_rows_without_severity: sim
            .runs
            .iter()
            .flat_map(|r| &r.tags)
            .filter(|t| t.source.in_csv() && t.severity.is_none())
            .count(),
    }
}

/// The runs of `sim` that are club runs of runner `t`.
fn club_runs_of(t: &RunnerTraits, events: &[ClubEvent], sim: &Simulation) -> Vec<ClubRun> {
    club_starts(t, events)
        .iter()
        .zip(&t.club_events)
        .filter_map(|(c, &e)| {
            let start = c.start_utc.timestamp();
            let run = sim.runs.iter().find(|r| r.start_unix_s == start)?;
            Some(ClubRun {
                event: e,
                runner: t.name.clone(),
                file: run.file_name.clone(),
                start_utc: truth::utc(start),
            })
        })
        .collect()
}

/// What [`write_cohort`] wrote.
#[derive(Debug, Clone)]
pub struct CohortWritten {
    /// Every file written.
    pub paths: Vec<PathBuf>,
    /// Top-level `truth.json` text.
    pub truth_json: String,
    /// Per runner, as in `truth.json`.
    pub runners: Vec<RunnerTruth>,
    /// Club runs.
    pub club_runs: Vec<ClubRun>,
}

/// Simulate the cohort and write it into `dir`: one folder per runner
/// (a complete single-runner history with its own `cramps.csv` and
/// `truth.json`) and a top-level `truth.json`. `dir` must be empty unless
/// `force`; with `force`, what a previous simulation's `truth.json` lists
/// is removed first (other files are left alone). Runners are simulated
/// and written one at a time, so memory holds one history at most.
pub fn write_cohort(
    cp: &CohortParams,
    seed: u64,
    dir: &Path,
    force: bool,
) -> Result<CohortWritten, SimError> {
    cp.validate()?;
    let events = club_events(cp, seed)?;
    super::prepare_dir(dir, force)?;
    let mut paths = Vec::new();
    let mut runners = Vec::with_capacity(cp.runners);
    let mut club_runs = Vec::new();
    for k in 0..cp.runners {
        let t = runner_traits(cp, seed, k);
        let sim =
            super::generate_with_club(&runner_params(cp, &t), t.seed, &club_starts(&t, &events))?;
        paths.extend(super::write_dir(&sim, &dir.join(&t.name), force)?);
        club_runs.extend(club_runs_of(&t, &events, &sim));
        runners.push(runner_truth(t, &sim));
    }
    club_runs.sort_by(|a, b| (a.event, &a.runner).cmp(&(b.event, &b.runner)));
    let doc = CohortTruth {
        generator: GENERATOR,
        version: 1,
        kind: "cohort",
        seed,
        params: cp,
        club_events: events,
        club_runs: club_runs.clone(),
        runners: runners.clone(),
    };
    let mut truth_json =
        serde_json::to_string_pretty(&doc).expect("the truth holds only serialisable values");
    truth_json.push('\n');
    paths.push(super::write_atomic(
        dir,
        "truth.json",
        truth_json.as_bytes(),
    )?);
    // The mark `analyze` on a folder above this one passes it over by,
    // rather than mixing the runners into one (docs/METHOD.md §5).
    paths.push(super::write_atomic(
        dir,
        ".cramplab-cohort",
        b"This folder is a cohort: one runner per entry. Analyse it with `cramplab analyze --cohort <this folder>`.\n",
    )?);
    Ok(CohortWritten {
        paths,
        truth_json,
        runners,
        club_runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort(runners: usize) -> CohortParams {
        let mut base = Params {
            runs: 6,
            effect_ratio: 0.6,
            ..Params::default()
        };
        base.runner.duration_min_s = 600.0;
        base.runner.duration_max_s = 900.0;
        base.cramps.rate_per_hour = 4.0;
        CohortParams::new(runners, base)
    }

    fn sample_sd(v: &[f64]) -> f64 {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    }

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn runner_names_are_padded_to_the_width_of_the_count() {
        assert_eq!(cohort(12).runner_name(0), "runner01");
        assert_eq!(cohort(5).runner_name(4), "runner05");
        assert_eq!(cohort(120).runner_name(7), "runner008");
    }

    #[test]
    fn a_runners_traits_do_not_depend_on_the_cohort_size_but_do_on_the_seed() {
        let small = cohort_traits(&cohort(3), 9);
        let large = cohort_traits(&cohort(40), 9);
        for (a, b) in small.iter().zip(&large) {
            assert_eq!(a.seed, b.seed);
            assert_eq!(a.true_ratio, b.true_ratio);
            assert_eq!(a.cramp_rate_per_hour, b.cramp_rate_per_hour);
            assert_eq!(a.club_events, b.club_events);
        }
        let other = cohort_traits(&cohort(3), 10);
        assert_ne!(small[0].seed, other[0].seed);
    }

    #[test]
    fn effect_sd_zero_plants_one_ratio_and_a_positive_sd_spreads_the_log_ratios() {
        let mut cp = cohort(400);
        let same = cohort_traits(&cp, 4);
        assert!(same.iter().all(|t| t.true_ratio == 0.6));
        cp.effect_sd = 0.3;
        let logs: Vec<f64> = cohort_traits(&cp, 4)
            .iter()
            .map(|t| t.true_ratio.ln())
            .collect();
        // Sample SD of 400 normal draws: SE ≈ 0.3/√800 ≈ 0.011; rounding the
        // ratio to 4 decimals adds < 0.001.
        let sd = sample_sd(&logs);
        assert!((sd - 0.3).abs() < 0.04, "sd {sd}");
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        // SE of the mean ≈ 0.3/√400 = 0.015.
        assert!((mean - 0.6f64.ln()).abs() < 0.05, "mean {mean}");
    }

    #[test]
    fn confound_runners_ties_readiness_to_slow_to_short_cramps() {
        let mut cp = cohort(400);
        let pairs = |cp: &CohortParams| -> (Vec<f64>, Vec<f64>) {
            cohort_traits(cp, 8)
                .iter()
                .map(|t| (t.slowing_factor.ln(), t.duration_scale.ln()))
                .unzip()
        };
        let (a, b) = pairs(&cp);
        // Independent draws: |r| has SE ≈ 1/√400 = 0.05.
        assert!(correlation(&a, &b).abs() < 0.15, "{}", correlation(&a, &b));
        cp.confound_runners = true;
        let (a2, b2) = pairs(&cp);
        let rho = correlation(&a2, &b2);
        assert!((rho - cp.spread.confound_correlation).abs() < 0.1, "{rho}");
        // The flag changes only the duration scale.
        assert_eq!(a, a2);
    }

    #[test]
    fn about_a_third_of_runners_leave_severity_empty_on_some_rows() {
        let traits = cohort_traits(&cohort(300), 2);
        let gaps: Vec<usize> = traits
            .iter()
            .filter(|t| t.severity_share < 1.0)
            .map(|t| t.index + 1)
            .collect();
        assert_eq!(gaps.len(), 100);
        assert_eq!(&gaps[..3], &[3, 6, 9]);
        assert!(
            traits
                .iter()
                .all(|t| t.severity_share > 0.45 && t.severity_share <= 1.0)
        );
        for t in &traits {
            let p = runner_params(&cohort(300), t);
            assert_eq!(p.tags.severity_share, t.severity_share);
        }
    }

    #[test]
    fn club_runs_overlap_across_runners_and_runner_files_match_a_lone_generate() {
        let cp = cohort(4);
        let events = club_events(&cp, 5).unwrap();
        // Runners 0 and 3 both join club run 0 (k mod 3, k < 6).
        let (t0, s0) = generate_runner(&cp, 5, 0).unwrap();
        let (t3, s3) = generate_runner(&cp, 5, 3).unwrap();
        let c0 = club_runs_of(&t0, &events, &s0);
        let c3 = club_runs_of(&t3, &events, &s3);
        assert_eq!((c0.len(), c3.len()), (1, 1));
        let r0 = s0.runs.iter().find(|r| r.file_name == c0[0].file).unwrap();
        let r3 = s3.runs.iter().find(|r| r.file_name == c3[0].file).unwrap();
        let (a0, b0) = (r0.start_unix_s, r0.start_unix_s + r0.end_s() as i64);
        let (a3, b3) = (r3.start_unix_s, r3.start_unix_s + r3.end_s() as i64);
        assert!((a0 - a3).abs() <= 2 * cp.club.start_spread_s);
        assert!(a0.max(a3) < b0.min(b3), "the two runs overlap in time");
        // The moved run stays in time order, well apart from its neighbours.
        let i = s0
            .runs
            .iter()
            .position(|r| r.file_name == c0[0].file)
            .unwrap();
        if i > 0 {
            assert!(a0 - s0.runs[i - 1].start_unix_s >= super::super::CLUB_MIN_GAP_S);
        }
        if let Some(next) = s0.runs.get(i + 1) {
            assert!(next.start_unix_s - a0 >= super::super::CLUB_MIN_GAP_S);
        }
        // Without the club run, every other file is the same.
        let lone = super::super::generate(&runner_params(&cp, &t0), t0.seed).unwrap();
        let same = lone
            .runs
            .iter()
            .zip(&s0.runs)
            .filter(|(a, b)| a.bytes == b.bytes)
            .count();
        assert_eq!(same, s0.runs.len() - 1);
    }
}
