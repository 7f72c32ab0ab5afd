//! One activity measured: its 1 Hz timeline built, each tagged cramp's
//! windows and the run's placebo moments measured, and then everything
//! dropped but the small results the batch aggregates (so a history of
//! thousands of runs never sits in memory). Once the batch knows each run's
//! threshold, [`finish_cramps`] turns the measurements into results.

use crate::activity::{Activity, MAX_ACTIVITY_S};
use crate::align::{self, Observation, WindowSample};
use crate::analysis::outcome::{self, CrampTiming};
use crate::analysis::placebo::PlaceboMoment;
use crate::analysis::response;
use crate::config::{Config, SportFilter};
use crate::duplicates::{self, Recording};
use crate::results::{CrampOutcome, CrampResult, FileResult, FileStatus};
use crate::tags::{self, CrampTag, Resolved, TagSource, base_name};
use crate::timeline::Timeline;

/// The placebo seed of an activity: an FNV-1a 64-bit hash of its file's
/// base name and its start time, so the random moments depend on the
/// recording — not on thread order, and not on which folder the history
/// was copied to.
fn activity_seed(path: &str, start_ms: i64, base: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ base;
    for b in base_name(path).bytes().chain(start_ms.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A cramp measured inside its activity, before the threshold is known.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    pub(crate) tag: CrampTag,
    timing: CrampTiming,
    obs: Observation,
    window: Vec<WindowSample>,
}

/// One activity reduced to what the aggregation needs.
#[derive(Debug, Clone)]
pub(crate) struct Reduced {
    pub(crate) file: FileResult,
    /// Span and richness, for duplicate detection.
    pub(crate) recording: Recording,
    pub(crate) analysed: bool,
    pub(crate) cramps: Vec<Measured>,
    pub(crate) placebo: Vec<PlaceboMoment>,
    /// Indices of tag rows this activity claimed.
    pub(crate) claims: Vec<usize>,
    /// Indices of the tag rows that tag a cramp in it (repeats merged
    /// away included).
    pub(crate) matched_rows: Vec<usize>,
    /// Tag rows that belong to it but cannot be used: (row index, message).
    pub(crate) row_problems: Vec<(usize, String)>,
    /// Its cramp markers (waypoints) that tag nothing, named with its path.
    pub(crate) infile_lost: Vec<String>,
    /// Its tags used with a caveat (kept without an end, merged repeats),
    /// named with its path or their rows.
    pub(crate) tag_caveats: Vec<String>,
    /// Tag rows merged into an earlier row tagging the same cramp.
    pub(crate) rows_merged: usize,
    /// Where to read it again (re-homing tags of a dropped duplicate).
    pub(crate) source_index: usize,
    /// Index of the activity among its source's activities.
    pub(crate) activity_index: usize,
    /// The 1 Hz timeline, kept only with [`Config::keep_timelines`].
    pub(crate) timeline: Option<Timeline>,
}

/// Where an activity was read from: its source and its place among that
/// source's activities.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    pub(crate) index: usize,
    pub(crate) activity: usize,
}

/// One activity: build the timeline, measure each cramp and the placebo
/// moments, keep only the small results.
pub(crate) fn reduce(
    act: Activity,
    display: String,
    resolved: Resolved,
    at: Source,
    cfg: &Config,
    extra_tags: &[CrampTag],
) -> Reduced {
    let mut warnings = act.warnings.clone();
    let matched_rows: Vec<usize> = resolved.found.iter().map(|(i, _)| *i).collect();
    let mut claims = matched_rows.clone();
    claims.extend(resolved.problems.iter().map(|(i, _)| *i));
    let row_problems: Vec<(usize, String)> = resolved
        .problems
        .iter()
        .map(|(i, p)| (*i, p.to_string()))
        .collect();
    warnings.extend(row_problems.iter().map(|(_, p)| p.clone()));
    let not_analysed = not_analysed_because(&act, &cfg.sport);
    // The same cramp tagged by two rows counts once.
    let (found_rows, repeats) = tags::merge_repeats(resolved.found, &display);
    let mut tag_caveats: Vec<String> = repeats.iter().map(ToString::to_string).collect();
    warnings.extend(tag_caveats.iter().cloned());
    let mut found: Vec<CrampTag> = found_rows.into_iter().map(|(_, t)| t).collect();
    let (infile, infile_warnings) = tags::infile_tags(&act, &cfg.tag_options);
    warnings.extend(infile_warnings.iter().map(ToString::to_string));
    let mut infile_lost = Vec::new();
    for w in &infile_warnings {
        let named = format!("{display}: {w}");
        if w.loses_tag() && not_analysed.is_none() {
            infile_lost.push(named);
        } else {
            tag_caveats.push(named);
        }
    }
    // An in-file tag that the CSV repeats (a lap press also typed in) counts once.
    let mut infile_kept = 0;
    for t in infile {
        if !found.iter().any(|f| duplicates::same_cramp(f, &t)) {
            found.push(t);
            infile_kept += 1;
        }
    }
    found.extend(extra_tags.iter().cloned());
    found.sort_by_key(|t| t.onset_utc);

    let mut file = FileResult::of_activity(display, &act);
    if let Some(reason) = &not_analysed {
        file.status = FileStatus::Skipped;
        file.error = Some(reason.clone());
    }
    let mut r = Reduced {
        recording: Recording {
            path: file.path.clone(),
            start_utc: act.start_utc,
            end_utc: act.end_utc(),
            richness: duplicates::richness(&act),
        },
        file,
        analysed: not_analysed.is_none(),
        cramps: Vec::new(),
        placebo: Vec::new(),
        claims,
        matched_rows,
        row_problems,
        infile_lost,
        rows_merged: repeats.len(),
        tag_caveats: Vec::new(),
        source_index: at.index,
        activity_index: at.activity,
        timeline: None,
    };
    if let Some(reason) = &not_analysed
        && infile_kept > 0
    {
        tag_caveats.push(format!(
            "{}: {infile_kept} cramp tag(s) inside the file were not analysed: {reason}",
            r.file.path
        ));
    }
    r.tag_caveats = tag_caveats;
    if !r.analysed {
        if !found.is_empty() {
            warnings.push(format!(
                "{} cramp tag(s) on a {} activity were not analysed ({})",
                found.len(),
                act.sport.as_str(),
                if act.elapsed_s() > MAX_ACTIVITY_S {
                    "too long"
                } else {
                    "see --sport"
                }
            ));
        }
        r.file.warnings = warnings;
        return r;
    }
    let tl = Timeline::build(&act, &cfg.timeline);
    let onsets: Vec<f64> = found.iter().map(|t| t.onset_elapsed_s(&act)).collect();
    for (tag, &onset_s) in found.iter().zip(&onsets) {
        let window = if cfg.keep_windows {
            align::window_samples(&tl, onset_s, align::CRAMP_WINDOW_TABLE_S)
        } else {
            Vec::new()
        };
        r.cramps.push(Measured {
            timing: CrampTiming {
                onset_s,
                end_s: tag.end_elapsed_s(&act),
                recording_end_s: act.elapsed_s(),
            },
            obs: align::observe(&tl, onset_s, &cfg.windows),
            tag: tag.clone(),
            window,
        });
    }
    let seed = activity_seed(
        &r.file.path,
        act.start_utc.timestamp_millis(),
        cfg.compare.seed,
    );
    r.placebo = align::placebo_moments(&tl, &onsets, &cfg.placebo, &cfg.windows, seed)
        .moments
        .iter()
        .map(|o| PlaceboMoment::new(o, &cfg.response))
        .collect();
    r.file.cramps = r.cramps.len();
    r.file.warnings = warnings;
    if cfg.keep_timelines {
        r.timeline = Some(tl);
    }
    r
}

/// Why an activity is listed but not analysed: another sport than asked
/// for, or longer than a week — a merged history or a wrong clock, whose
/// 1 Hz timeline could need gigabytes (found by tests/hostile.rs).
fn not_analysed_because(act: &Activity, sport: &SportFilter) -> Option<String> {
    if act.elapsed_s() > MAX_ACTIVITY_S {
        return Some(format!(
            "spans {:.0} days; one activity is analysed up to {:.0} days (a merged \
             history or a wrong clock?)",
            act.elapsed_s() / 86_400.0,
            MAX_ACTIVITY_S / 86_400.0
        ));
    }
    (!sport.accepts(&act.sport)).then(|| {
        format!(
            "sport is {}; only {} is analysed (see --sport)",
            act.sport.as_str(),
            match sport {
                SportFilter::Running => "running".to_string(),
                SportFilter::All => "every sport".to_string(),
                SportFilter::Only(s) => s.as_str().to_string(),
            }
        )
    })
}

/// Classify each of an activity's cramps at its run's threshold and assign
/// its outcome (docs/METHOD.md §3; the rules are analysis::response and
/// analysis::outcome).
pub(crate) fn finish_cramps(
    r: &Reduced,
    run: u32,
    threshold_pct: f64,
    cfg: &Config,
) -> Vec<CrampResult> {
    let timings: Vec<CrampTiming> = r.cramps.iter().map(|m| m.timing).collect();
    let assigned = outcome::assign(&timings, cfg.windows.response.to_s);
    r.cramps
        .iter()
        .zip(assigned)
        .map(|(m, a)| {
            let mut flags = Vec::new();
            if a.outcome == CrampOutcome::Excluded {
                flags.push("began while an earlier cramp was still going".to_string());
            }
            if m.obs.baseline_gap_mps.is_none() {
                flags.push(if m.timing.onset_s < -cfg.windows.baseline.from_s {
                    "too near the start for a baseline".to_string()
                } else {
                    "not enough moving samples for a baseline".to_string()
                });
            }
            flags.extend(response::not_running_before(&m.obs, &cfg.response));
            let t = &m.tag;
            CrampResult {
                runner: None,
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
                response: response::classify(&m.obs, threshold_pct, &cfg.response),
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
                elapsed_at_onset_s: m.timing.onset_s,
                outcome: a.outcome,
                remaining_s: a.remaining_s,
                flags,
                window: m.window.clone(),
                run,
                obs: m.obs.clone(),
            }
        })
        .collect()
}
