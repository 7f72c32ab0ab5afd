//! Which tag rows belong to which activity. [`resolve_for`] decides for one
//! row and one activity (the folder rule, `file` as a path suffix, or the
//! span that holds the onset) and places the row's times in UTC;
//! [`TagIndex`] narrows the rows each activity asks about to a handful;
//! [`resolve_rows`] asks them; [`check_matches`] finally reports rows that
//! no activity, or several, claimed.

use std::collections::HashMap;
use std::path::{Component, Path};

use chrono::{DateTime, Utc};

use super::csv::TagRow;
use super::problem::{TagProblem, TagProblemKind, TimeColumn};
use super::suggest::near_files;
use super::time::{TimeReading, TimeSpec, Unplaced, fmt_for, place, plus_seconds, seconds_between};
use super::{CrampTag, END_DURATION_AGREEMENT_S, Resolution, TagOptions, TagSource};
use crate::activity::Activity;

/// How far (seconds) a resolved onset may fall outside an activity's first
/// and last sample and still belong to it: a tag marked as the watch stops
/// lands a sample interval (1 s, or several with "smart" recording) after
/// the last sample. Our choice (docs/METHOD.md §2, *Matching*).
pub const SPAN_TOLERANCE_S: f64 = 5.0;

/// Whether an instant lies within the activity's recording (± [`SPAN_TOLERANCE_S`]).
pub(super) fn within_span(t: DateTime<Utc>, act: &Activity) -> bool {
    let from_start_s = seconds_between(act.start_utc, t);
    from_start_s >= -SPAN_TOLERANCE_S && from_start_s <= act.elapsed_s() + SPAN_TOLERANCE_S
}

/// Whether the activity's display path lies in `dir` or below (compared by
/// path components, ignoring `.`).
fn path_is_under(act_path: &str, dir: &Path) -> bool {
    let norm = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    norm(Path::new(act_path)).starts_with(&norm(dir))
}

/// Whether a `file` cell names this activity: the display path equals it
/// or ends with `/` + it, also with `.gz` dropped on either side. Names are
/// case-sensitive; `\` counts as `/`.
pub fn file_matches(act_path: &str, file: &str) -> bool {
    let f = file.trim().replace('\\', "/");
    let f = f.trim_start_matches("./");
    if f.is_empty() {
        return false;
    }
    let p = act_path.replace('\\', "/");
    let strip_gz = |s: &str| -> String {
        if s.len() > 3 && s[s.len() - 3..].eq_ignore_ascii_case(".gz") {
            s[..s.len() - 3].to_string()
        } else {
            s.to_string()
        }
    };
    let (p_gz, f_gz) = (strip_gz(&p), strip_gz(f));
    [p.as_str(), p_gz.as_str()].iter().any(|pa| {
        [f, f_gz.as_str()]
            .iter()
            .any(|fa| pa == fa || pa.ends_with(&format!("/{fa}")))
    })
}

/// The problem of a row whose time could not be placed in the activity it
/// names.
fn unplaced(row: &TagRow, column: TimeColumn, why: Unplaced, act: &Activity) -> Resolution {
    Resolution::Problem(row.problem(match why {
        Unplaced::Dst(p) => TagProblemKind::Dst(p),
        Unplaced::NoZone(local) => TagProblemKind::LocalTimeWithoutZone {
            column,
            local,
            activity: act.path.clone(),
        },
    }))
}

/// Decide what `row` means for `act` under `opts`.
///
/// The row must come from a tag file in the activity's folder or above
/// (unless `origin_dir` is `None`). A row with `file` belongs to the
/// activity whose display path ends with it ([`file_matches`]); any trouble
/// placing its times is then a [`Resolution::Problem`]. A row without
/// `file` belongs to the activity whose span (± [`SPAN_TOLERANCE_S`])
/// contains its onset; a local time the activity cannot place (no `--tz`,
/// no recorded offset) is [`Resolution::NotThis`] and [`check_matches`]
/// explains it, while a DST-ambiguous or nonexistent local time is a
/// Problem only for an activity that one of its readings falls in.
pub fn resolve_for(row: &TagRow, act: &Activity, opts: &TagOptions) -> Resolution {
    if let Some(dir) = &row.origin_dir
        && !path_is_under(&act.path, dir)
    {
        return Resolution::NotThis;
    }
    let onset = match &row.file {
        Some(f) => {
            if !file_matches(&act.path, f)
                && !act.aliases.iter().any(|a| name_key(a) == name_key(f))
            {
                return Resolution::NotThis;
            }
            let onset = match place(&row.start, act, opts) {
                Ok(t) => t,
                Err(why) => return unplaced(row, TimeColumn::Start, why, act),
            };
            if !within_span(onset, act) {
                return Resolution::Problem(row.problem(TagProblemKind::StartOutsideActivity {
                    start: row.start,
                    onset: fmt_for(onset, act, opts),
                    reading: TimeReading::of(&row.start, act, opts),
                    activity: act.path.clone(),
                    from: fmt_for(act.start_utc, act, opts),
                    to: fmt_for(act.end_utc(), act, opts),
                    length_s: act.elapsed_s().round(),
                }));
            }
            onset
        }
        // A relative onset needs `file` (parse_csv refuses it without).
        None if matches!(row.start, TimeSpec::Relative(_)) => return Resolution::NotThis,
        None => match place(&row.start, act, opts) {
            Ok(t) if within_span(t, act) => t,
            Err(Unplaced::Dst(p)) if p.candidates().iter().any(|c| within_span(*c, act)) => {
                return Resolution::Problem(row.problem(TagProblemKind::Dst(p)));
            }
            _ => return Resolution::NotThis,
        },
    };

    let end_from_column = match &row.end {
        None => None,
        Some(spec) => match place(spec, act, opts) {
            Ok(t) => Some(t),
            Err(why) => return unplaced(row, TimeColumn::End, why, act),
        },
    };
    let end_from_duration = row.duration_s.and_then(|d| plus_seconds(onset, d));
    if let (Some(e), Some(d)) = (end_from_column, row.duration_s) {
        let span_s = seconds_between(onset, e);
        if span_s > 0.0 && (span_s - d).abs() > END_DURATION_AGREEMENT_S {
            return Resolution::Problem(row.problem(TagProblemKind::EndDisagreesWithDuration {
                span_s,
                duration_s: d,
            }));
        }
    }
    let end = end_from_column.or(end_from_duration);
    if let (Some(e), Some(spec)) = (end_from_column, &row.end)
        && e <= onset
    {
        return Resolution::Problem(row.problem(TagProblemKind::EndNotAfterOnset {
            end: *spec,
            at: fmt_for(e, act, opts),
            reading: TimeReading::of(spec, act, opts),
            onset: fmt_for(onset, act, opts),
        }));
    }
    Resolution::Matches(CrampTag {
        line: Some(row.line),
        source: TagSource::Csv(row.csv_path.clone()),
        onset_utc: onset,
        end_utc: end,
        severity: row.severity,
        approx: row.approx,
        muscle: row.muscle.clone(),
        note: row.note.clone(),
        row_id: format!("{}:{}", row.csv_path.display(), row.line),
    })
}

/// Problems for rows that no activity, or several, claimed.
///
/// `activities` are the display paths of every activity read: a `file`
/// cell that names none of them is told which ones it nearly names
/// (letter case, extension, a typo among those its tag file may tag).
/// `claimed_by[i]` lists the display paths of the activities for which
/// [`resolve_for`]`(&rows[i], …)` returned `Matches` or `Problem` (a
/// Problem is already reported, so it counts as claimed). Contract: the
/// pipeline drops duplicate activities of one run (FIT and GPX of the same
/// run) before filling `claimed_by`, so a row matching both is not flagged.
/// The slices run in parallel; extra entries in either are ignored.
pub fn check_matches(
    rows: &[TagRow],
    claimed_by: &[Vec<String>],
    activities: &[String],
    opts: &TagOptions,
) -> Vec<TagProblem> {
    debug_assert_eq!(rows.len(), claimed_by.len(), "one claim list per row");
    let mut out = Vec::new();
    for (row, claims) in rows.iter().zip(claimed_by) {
        let searched = row.origin_dir.clone();
        match claims.len() {
            0 => {
                out.push(row.problem(match (&row.file, &row.start) {
                    (Some(f), _) => TagProblemKind::NoActivityFile {
                        file: f.clone(),
                        nearest:
                            near_files(
                                f,
                                activities.iter().map(String::as_str).filter(|a| {
                                    searched.as_ref().is_none_or(|d| path_is_under(a, d))
                                }),
                            ),
                        searched,
                    },
                    (None, TimeSpec::Local(local)) => TagProblemKind::NoActivityRecordingLocal {
                        local: *local,
                        tz: opts.tz,
                        searched,
                    },
                    (None, start) => TagProblemKind::NoActivityRecording {
                        start: *start,
                        searched,
                    },
                }))
            }
            1 => {}
            _ => {
                let mut activities = claims.clone();
                activities.sort();
                out.push(row.problem(TagProblemKind::SeveralActivities {
                    activities,
                    names_file: row.file.is_some(),
                }));
            }
        }
    }
    out
}

/// Which tag rows could belong to an activity, so each activity checks a
/// handful of rows instead of every row of every tag file (which made the
/// batch quadratic in the size of the history).
pub(crate) struct TagIndex<'a> {
    rows: &'a [TagRow],
    /// Rows with a `file`, by the file's base name without `.gz`.
    by_name: HashMap<String, Vec<usize>>,
    /// Rows without `file`, by their start read as UTC (a local time's
    /// true instant lies within ±14 h of that), sorted.
    by_time: Vec<(i64, usize)>,
}

/// Widest UTC offset in use (UTC+14, Kiribati) plus a margin: a local tag
/// time lies within this of the instant it names.
const MAX_OFFSET_MS: i64 = 15 * 3600 * 1000;

/// A path's last component without `.gz` (any case): `runs/a.fit.gz` →
/// `a.fit`. The key [`TagIndex`] files rows under, and the name part of an
/// activity's placebo seed.
pub(crate) fn base_name(path: &str) -> String {
    let p = path.trim().replace('\\', "/");
    let name = p.rsplit('/').next().unwrap_or("");
    match name.len().checked_sub(3) {
        Some(k) if name.is_char_boundary(k) && name[k..].eq_ignore_ascii_case(".gz") => {
            name[..k].to_string()
        }
        _ => name.to_string(),
    }
}

/// What a `file` cell and an activity's alias are compared by: a date-time
/// (an Apple Health workout's start) by the wall-clock time or instant it
/// names, so `2022-10-02 7:15` finds the workout named `2022-10-02 07:15`;
/// anything else by its base name.
pub(crate) fn name_key(s: &str) -> String {
    match TimeSpec::parse(s) {
        Ok(TimeSpec::Local(n)) => format!("local {n}"),
        Ok(TimeSpec::Absolute(t)) => format!("utc {}", t.timestamp_millis()),
        _ => base_name(s),
    }
}

impl<'a> TagIndex<'a> {
    /// Index `rows` (the batch's good rows, in order).
    pub(crate) fn new(rows: &'a [TagRow]) -> TagIndex<'a> {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_time = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            match (&row.file, &row.start) {
                (Some(f), _) => {
                    let (base, key) = (base_name(f), name_key(f));
                    if key != base {
                        by_name.entry(key).or_default().push(i);
                    }
                    by_name.entry(base).or_default().push(i);
                }
                (None, TimeSpec::Absolute(t)) => by_time.push((t.timestamp_millis(), i)),
                (None, TimeSpec::Local(n)) => by_time.push((n.and_utc().timestamp_millis(), i)),
                // A relative time needs `file`; the parser already refused it.
                (None, TimeSpec::Relative(_)) => {}
            }
        }
        by_time.sort_unstable();
        TagIndex {
            rows,
            by_name,
            by_time,
        }
    }

    /// Indices of the rows that may tag `act`, ascending.
    fn candidates(&self, act: &Activity) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .by_name
            .get(&base_name(&act.path))
            .cloned()
            .unwrap_or_default();
        for alias in &act.aliases {
            out.extend(self.by_name.get(&name_key(alias)).into_iter().flatten());
        }
        let lo = act.start_utc.timestamp_millis() - MAX_OFFSET_MS;
        let hi = act.end_utc().timestamp_millis() + MAX_OFFSET_MS;
        let from = self.by_time.partition_point(|&(t, _)| t < lo);
        out.extend(
            self.by_time[from..]
                .iter()
                .take_while(|&&(t, _)| t <= hi)
                .map(|&(_, i)| i),
        );
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The tag rows that belong to one activity.
pub(crate) struct Resolved {
    /// (row index, tag) for rows that tag a cramp in it.
    pub(crate) found: Vec<(usize, CrampTag)>,
    /// (row index, problem) for rows that belong to it but cannot be used.
    pub(crate) problems: Vec<(usize, TagProblem)>,
}

/// Ask every candidate row of `index` what it means for `act`.
pub(crate) fn resolve_rows(act: &Activity, index: &TagIndex, opts: &TagOptions) -> Resolved {
    let mut r = Resolved {
        found: Vec::new(),
        problems: Vec::new(),
    };
    for i in index.candidates(act) {
        match resolve_for(&index.rows[i], act, opts) {
            Resolution::NotThis => {}
            Resolution::Matches(tag) => r.found.push((i, tag)),
            Resolution::Problem(problem) => r.problems.push((i, problem)),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::tags::parse_csv;
    use crate::tags::test_support::{
        activity, berlin, matched, one_row, problem, secs, utc, with_offset,
    };

    /// check_matches, as the batch prints it.
    fn unclaimed(rows: &[TagRow], claimed_by: &[Vec<String>], opts: &TagOptions) -> Vec<String> {
        check_matches(rows, claimed_by, &[], opts)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    // ---- local times and zones ----

    #[test]
    fn a_local_time_is_read_in_the_tz_zone() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let row = one_row("file,start\nrun.fit,2026-05-03 08:42:10\n");
        // May: Berlin keeps CEST, +02:00, so 08:42:10 local = 06:42:10 UTC.
        let t = matched(resolve_for(&row, &act, &berlin()));
        assert_eq!(t.onset_utc, utc(2026, 5, 3, 6, 42, 10));
        assert_eq!(t.onset_elapsed_s(&act), 2530.0);
    }

    #[test]
    fn a_local_time_is_read_at_a_fixed_tz_offset_without_dst() {
        let plus2: TagOptions = TagOptions {
            tz: Some("+02:00".parse().unwrap()),
            ..TagOptions::default()
        };
        // 08:42:10 at +02:00 = 06:42:10 UTC; in October as in May.
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let row = one_row("file,start\nrun.fit,2026-05-03 08:42:10\n");
        let t = matched(resolve_for(&row, &act, &plus2));
        assert_eq!(t.onset_utc, utc(2026, 5, 3, 6, 42, 10));
        // 02:30 on the night Berlin falls back is no problem at a fixed
        // offset: 00:30 UTC.
        let night = activity("runs/run.fit", utc(2026, 10, 25, 0, 0, 0), 7200, |_| {});
        let row = one_row("file,start\nrun.fit,2026-10-25 02:30:00\n");
        let t = matched(resolve_for(&row, &night, &plus2));
        assert_eq!(t.onset_utc, utc(2026, 10, 25, 0, 30, 0));
        // Messages show times at the offset.
        let late = one_row("file,start\nrun.fit,2026-05-03 10:00:00\n");
        let p = problem(resolve_for(&late, &act, &plus2));
        assert!(
            p.contains("2026-05-03T10:00:00+02:00 (local time read in +02:00)"),
            "{p}"
        );
    }

    #[test]
    fn a_local_time_at_the_autumn_fall_back_is_ambiguous_with_both_readings() {
        // 2026-10-25 (last Sunday of October) at 01:00 UTC Berlin goes from
        // CEST +02:00 back to CET +01:00, so 02:00–03:00 local happens twice:
        // 02:30 CEST = 00:30 UTC and 02:30 CET = 01:30 UTC.
        let act = activity("runs/run.fit", utc(2026, 10, 25, 0, 0, 0), 7200, |_| {});
        let row = one_row("file,start\nrun.fit,2026-10-25 02:30:00\n");
        let p = problem(resolve_for(&row, &act, &berlin()));
        for part in [
            "ambiguous",
            "Europe/Berlin",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-25T02:30:00+02:00",
            "2026-10-25T02:30:00+01:00",
            "offset",
        ] {
            assert!(p.contains(part), "missing {part}: {p}");
        }
        // A file-less row is a problem for the activity it falls in, and
        // none of a run on another day's business.
        let free = one_row("start\n2026-10-25 02:30:00\n");
        problem(resolve_for(&free, &act, &berlin()));
        let other = activity("runs/b.fit", utc(2026, 10, 26, 0, 0, 0), 7200, |_| {});
        assert_eq!(resolve_for(&free, &other, &berlin()), Resolution::NotThis);
        // Written with its offset, it resolves.
        let fixed = one_row("file,start\nrun.fit,2026-10-25T02:30:00+01:00\n");
        let t = matched(resolve_for(&fixed, &act, &berlin()));
        assert_eq!(t.onset_utc, utc(2026, 10, 25, 1, 30, 0));
    }

    #[test]
    fn a_local_time_skipped_by_the_spring_forward_does_not_exist() {
        // 2026-03-29 (last Sunday of March) at 01:00 UTC Berlin jumps from
        // 02:00 CET (+01:00) to 03:00 CEST (+02:00): 02:30 never happens.
        // Read at +01:00 it would be 01:30 UTC, at +02:00 00:30 UTC.
        let act = activity("runs/run.fit", utc(2026, 3, 29, 0, 0, 0), 7200, |_| {});
        let row = one_row("file,start\nrun.fit,2026-03-29 02:30:00\n");
        let p = problem(resolve_for(&row, &act, &berlin()));
        for part in [
            "does not exist",
            "Europe/Berlin",
            "2026-03-29T02:30:00+01:00 (= 2026-03-29T01:30:00Z)",
            "2026-03-29T02:30:00+02:00 (= 2026-03-29T00:30:00Z)",
        ] {
            assert!(p.contains(part), "missing {part}: {p}");
        }
    }

    #[test]
    fn without_tz_a_local_time_uses_the_activitys_own_offset() {
        let act = activity(
            "runs/run.fit",
            utc(2026, 5, 3, 6, 0, 0),
            3600,
            with_offset(7200),
        );
        // 08:42:10 at the file's +02:00 = 06:42:10 UTC, inside 06:00–07:00.
        let row = one_row("start\n2026-05-03 08:42:10\n");
        let t = matched(resolve_for(&row, &act, &TagOptions::default()));
        assert_eq!(t.onset_utc, utc(2026, 5, 3, 6, 42, 10));
        // --tz wins over the file's offset: 08:42:10 EDT (−04:00) is
        // 12:42:10 UTC, after this run.
        let ny = TagOptions {
            tz: Some(chrono_tz::America::New_York.into()),
            ..TagOptions::default()
        };
        assert_eq!(resolve_for(&row, &act, &ny), Resolution::NotThis);
    }

    #[test]
    fn a_local_time_with_neither_tz_nor_file_offset_names_tz() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let opts = TagOptions::default();
        let named = one_row("file,start\nrun.fit,2026-05-03 08:42:10\n");
        let p = problem(resolve_for(&named, &act, &opts));
        assert!(p.contains("--tz") && p.contains("runs/run.fit"), "{p}");
        let free = one_row("start\n2026-05-03 08:42:10\n");
        assert_eq!(resolve_for(&free, &act, &opts), Resolution::NotThis);
        let w = unclaimed(&[free], &[vec![]], &opts);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("runs/cramps.csv:2: matches no activity (") && w[0].contains("--tz"),
            "{w:?}"
        );
    }

    // ---- relative times and pauses ----

    fn paused_run() -> Activity {
        // Paused from 600 s to 720 s elapsed (two minutes stopped).
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        activity("runs/run.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            b.pauses_ms.push((ms + 600_000, ms + 720_000));
        })
    }

    #[test]
    fn relative_times_are_wall_clock_unless_timer_offsets_is_given() {
        let act = paused_run();
        let t0 = act.start_utc;
        let wall = TagOptions::default();
        let timer = TagOptions {
            timer_offsets: true,
            ..TagOptions::default()
        };
        let after = one_row("file,start,end\nrun.fit,+15:00,+16:00\n");
        // Wall-clock: 15 min = 900 s after the start.
        let t = matched(resolve_for(&after, &act, &wall));
        assert_eq!(
            (t.onset_utc, t.end_utc),
            (secs(t0, 900), Some(secs(t0, 960)))
        );
        // Timer: the watch showed 15:00 after the 120 s pause too, at
        // 900 + 120 = 1020 s; the end 16:00 at 960 + 120 = 1080 s.
        let t = matched(resolve_for(&after, &act, &timer));
        assert_eq!(
            (t.onset_utc, t.end_utc),
            (secs(t0, 1020), Some(secs(t0, 1080)))
        );
        // Before the pause both readings agree: 9 min = 540 s.
        let before = one_row("file,start\nrun.fit,+9:00\n");
        assert_eq!(
            matched(resolve_for(&before, &act, &timer)).onset_utc,
            secs(t0, 540)
        );
        assert_eq!(
            matched(resolve_for(&before, &act, &wall)).onset_utc,
            secs(t0, 540)
        );
    }

    // ---- which activity ----

    #[test]
    fn file_names_match_as_path_suffixes_with_or_without_gz() {
        let member = "export.zip/activities/12.fit.gz";
        for f in [
            "12.fit.gz",
            "12.fit",
            "activities/12.fit",
            "export.zip/activities/12.fit.gz",
            "activities\\12.fit",
            "./12.fit",
        ] {
            assert!(file_matches(member, f), "{f}");
        }
        for f in ["2.fit", "12.FIT", "other/12.fit", "12", ""] {
            assert!(!file_matches(member, f), "{f}");
        }
        assert!(file_matches(
            "sample-data/history/run-003.fit",
            "run-003.fit.gz"
        ));
        assert!(file_matches("run-003.fit", "run-003.fit"));
    }

    #[test]
    fn a_longer_path_in_file_tells_two_files_of_the_same_name_apart() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let a = activity("runs/a/run.fit", t0, 3600, |_| {});
        let b = activity("runs/b/run.fit", secs(t0, 86_400), 3600, |_| {});
        let opts = TagOptions::default();
        let short = one_row("file,start\nrun.fit,+5:00\n");
        let claims: Vec<String> = [&a, &b]
            .iter()
            .filter(|act| matches!(resolve_for(&short, act, &opts), Resolution::Matches(_)))
            .map(|act| act.path.clone())
            .collect();
        assert_eq!(claims.len(), 2);
        let w = unclaimed(std::slice::from_ref(&short), &[claims], &opts);
        assert_eq!(
            w,
            vec![
                "runs/cramps.csv:2: matches 2 activities (runs/a/run.fit, runs/b/run.fit); \
                 add a longer path in `file` (e.g. folder/name)"
                    .to_string()
            ]
        );
        let long = one_row("file,start\nb/run.fit,+5:00\n");
        assert_eq!(resolve_for(&long, &a, &opts), Resolution::NotThis);
        assert_eq!(
            matched(resolve_for(&long, &b, &opts)).onset_utc,
            secs(t0, 86_400 + 300)
        );
    }

    #[test]
    fn a_tag_file_tags_only_its_folder_and_below_unless_given_with_tags() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let opts = TagOptions::default();
        let p = parse_csv(
            "file,start\nrun.fit,+5:00\n",
            Path::new("runs/2026/cramps.csv"),
        )
        .unwrap();
        let below = activity("runs/2026/may/run.fit", t0, 3600, |_| {});
        let beside = activity("runs/2025/run.fit", t0, 3600, |_| {});
        let look_alike = activity("runs/2026x/run.fit", t0, 3600, |_| {});
        matched(resolve_for(&p.rows[0], &below, &opts));
        assert_eq!(resolve_for(&p.rows[0], &beside, &opts), Resolution::NotThis);
        assert_eq!(
            resolve_for(&p.rows[0], &look_alike, &opts),
            Resolution::NotThis
        );
        let everywhere = p.for_all_activities();
        matched(resolve_for(&everywhere.rows[0], &beside, &opts));
        // `./runs` and `runs` are the same folder.
        let dotted = parse_csv(
            "file,start\nrun.fit,+5:00\n",
            Path::new("./runs/cramps.csv"),
        )
        .unwrap();
        matched(resolve_for(&dotted.rows[0], &below, &opts));
    }

    #[test]
    fn a_row_without_file_goes_to_the_activity_whose_span_holds_its_onset() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let opts = TagOptions::default();
        let morning = activity("runs/am.fit", t0, 3600, |_| {});
        let evening = activity("runs/pm.fit", secs(t0, 36_000), 3600, |_| {});
        let row = one_row("start,duration\n2026-05-03T06:30:00Z,60\n");
        let t = matched(resolve_for(&row, &morning, &opts));
        assert_eq!(t.onset_elapsed_s(&morning), 1800.0);
        assert_eq!(t.duration_s(), Some(60.0));
        assert_eq!(t.source, TagSource::Csv(PathBuf::from("runs/cramps.csv")));
        assert_eq!(t.row_id, "runs/cramps.csv:2");
        assert_eq!(t.line, Some(2));
        assert_eq!(resolve_for(&row, &evening, &opts), Resolution::NotThis);
        // 3 s past the last sample (07:00:00) still belongs; 30 s does not.
        let near = one_row("start\n2026-05-03T07:00:03Z\n");
        matched(resolve_for(&near, &morning, &opts));
        let far = one_row("start\n2026-05-03T07:00:30Z\n");
        assert_eq!(resolve_for(&far, &morning, &opts), Resolution::NotThis);
        let w = unclaimed(&[far], &[vec![]], &opts);
        assert!(
            w[0].contains(
                "matches no activity (no activity under runs was recording at 2026-05-03T07:00:30Z)"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn an_onset_outside_the_named_file_is_a_problem_naming_the_file_and_its_span() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let opts = TagOptions::default();
        let row = one_row("file,start\nrun.fit,+1:05:00\n");
        let p = problem(resolve_for(&row, &act, &opts));
        assert!(
            p.contains(
                "outside runs/run.fit, which runs from 2026-05-03T06:00:00Z to 2026-05-03T07:00:00Z"
            ),
            "{p}"
        );
        let absent = one_row("file,start\nnone.fit,+1:00\n");
        let w = unclaimed(std::slice::from_ref(&absent), &[vec![]], &opts);
        assert!(
            w[0].contains("no activity file `none.fit` was read under runs")
                && w[0].contains("check `file`"),
            "{w:?}"
        );
        // Off by letter case or extension: the activity is named, never matched.
        let acts = [
            "runs/None.fit".to_string(),
            "elsewhere/none.gpx".to_string(),
        ];
        for near in [
            "file,start\nNONE.fit,+1:00\n",
            "file,start\nnone.gpx,+1:00\n",
        ] {
            let row = one_row(near);
            assert_eq!(resolve_for(&row, &act, &opts), Resolution::NotThis);
            let w = check_matches(&[row], &[vec![]], &acts, &opts);
            assert!(
                w[0].to_string().ends_with(
                    "; did you mean `None.fit`? `file` must name it exactly, letter case and \
                     extension included"
                ),
                "{}",
                w[0]
            );
        }
    }

    // ---- ends ----

    #[test]
    fn the_end_comes_from_end_or_from_duration_and_both_must_agree() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let t0 = act.start_utc;
        let opts = TagOptions::default();
        let resolve = |text: &str| resolve_for(&one_row(text), &act, &opts);
        // Duration only: onset + 75 s.
        let t = matched(resolve("file,start,duration\nrun.fit,+10:00,1:15\n"));
        assert_eq!(t.end_utc, Some(secs(t0, 675)));
        // A relative end counts from the activity's start: 11:15 = 675 s.
        let t = matched(resolve(
            "file,start,end\nrun.fit,2026-05-03T06:10:00Z,+11:15\n",
        ));
        assert_eq!(t.end_utc, Some(secs(t0, 675)));
        // End 11:18 = 678 s is 78 s after the 600 s onset, within 5 s of 75.
        let t = matched(resolve(
            "file,start,end,duration\nrun.fit,2026-05-03T06:10:00Z,+11:18,75\n",
        ));
        assert_eq!(t.end_utc, Some(secs(t0, 678)));
        // End 11:30 = 690 s is 90 s after the onset: 15 s from 75.
        let p = problem(resolve(
            "file,start,end,duration\nrun.fit,2026-05-03T06:10:00Z,+11:30,75\n",
        ));
        assert!(p.contains("90 s but duration says 75 s"), "{p}");
        // An end before the onset.
        let p = problem(resolve(
            "file,start,end\nrun.fit,2026-05-03T06:10:00Z,+9:00\n",
        ));
        assert!(p.contains("not after the onset"), "{p}");
    }

    #[test]
    fn rows_claimed_once_raise_no_warning() {
        let row = one_row("file,start\nrun.fit,+1:00\n");
        assert!(
            check_matches(
                &[row],
                &[vec!["runs/run.fit".into()]],
                &["runs/run.fit".into()],
                &TagOptions::default()
            )
            .is_empty()
        );
    }

    // ---- the index ----

    #[test]
    fn the_index_offers_an_activity_the_rows_naming_it_and_those_within_fifteen_hours() {
        let rows = crate::tags::test_support::parse(
            "file,start\nrun.fit.gz,+1:00\nother.fit,+1:00\n,2026-05-03T06:30:00Z\n\
             ,2026-05-03 20:30:00\n,2026-05-04T06:30:00Z\n",
        )
        .rows;
        let index = TagIndex::new(&rows);
        // 06:00–07:00 UTC: rows without `file` from 15:00 the day before
        // to 22:00 (a local 20:30 read as UTC is inside, the next morning not).
        let act = activity("runs/2026/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        assert_eq!(index.candidates(&act), vec![0, 2, 3]);
        assert_eq!(base_name("runs/a.fit.GZ"), "a.fit");
        assert_eq!(base_name("runs\\b\\c.gpx"), "c.gpx");
    }

    #[test]
    fn an_activitys_rows_resolve_into_cramps_and_problems_named_by_line() {
        let rows =
            crate::tags::test_support::parse("file,start\nrun.fit,+1:00\nrun.fit,+2:00:00\n").rows;
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let r = resolve_rows(&act, &TagIndex::new(&rows), &TagOptions::default());
        let found: Vec<usize> = r.found.iter().map(|(i, _)| *i).collect();
        assert_eq!(found, vec![0]);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].0, 1);
        let shown = r.problems[0].1.to_string();
        assert!(
            shown.starts_with("runs/cramps.csv:3: start `+2:00:00` falls at"),
            "{shown}"
        );
    }
}
