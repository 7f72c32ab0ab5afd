//! How a runner tags cramps — a lap-button press at the moment, or a time
//! typed in afterwards, sometimes a waypoint on the watch — and the
//! `cramps.csv` they end up keeping (docs/METHOD.md §2 columns and time forms).

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::cramps::Muscle;
use super::random::{SimRng, chance, int_in, pick, uniform};
use super::runner::CrampEvent;

/// How a cramp was tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagSource {
    /// Lap button at onset and end, times copied into `cramps.csv`
    /// (precise, `approx = no`).
    LapButton,
    /// Typed into `cramps.csv` after the run (`approx = yes`).
    Typed,
    /// Lap button, and the presses are in the FIT file as manual laps (and
    /// also in `cramps.csv`).
    FitLap,
    /// GPX waypoints named "cramp" / "cramp end"; not in `cramps.csv`.
    GpxWaypoint,
    /// Not tagged at all (forgotten).
    Untagged,
}

impl TagSource {
    /// Whether the tag appears as a row in `cramps.csv`.
    pub fn in_csv(self) -> bool {
        matches!(
            self,
            TagSource::LapButton | TagSource::Typed | TagSource::FitLap
        )
    }
}

/// How a time is written in `cramps.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeForm {
    /// `2026-05-03T08:42:10+02:00`.
    Absolute,
    /// `2026-05-03T06:42:10Z`.
    AbsoluteUtc,
    /// `2026-05-03 08:42:10` (the runner's wall clock).
    Local,
    /// `+41:30` since the activity's start (needs `file`).
    Relative,
}

/// How the cramp's end is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndForm {
    /// No end noted.
    None,
    /// An `end` time.
    End,
    /// A `duration` instead.
    Duration,
    /// Both (agreeing within 5 s).
    Both,
}

/// Parameters of the runner's tagging habits.
#[derive(Debug, Clone, Serialize)]
pub struct TagParams {
    /// Share of cramps never tagged.
    pub untagged_share: f64,
    /// Share of tagged cramps (outside in-file tag runs) marked with the
    /// lap button; the rest are typed in afterwards.
    pub button_share: f64,
    /// Lap-button timing error: uniform whole seconds within ±this.
    pub button_error_s: i64,
    /// Typed-in error: uniform within ±this many seconds …
    pub typed_error_s: f64,
    /// … then rounded to this many seconds.
    pub typed_round_s: i64,
    /// Typed durations are rounded to this many seconds.
    pub typed_duration_round_s: i64,
    /// Share of CSV rows without an end.
    pub no_end_share: f64,
    /// Share of rows with an end that give `duration` instead of `end`.
    pub duration_share: f64,
    /// Share of rows with an end that give both.
    pub both_share: f64,
    /// Share of rows with a severity.
    pub severity_share: f64,
    /// Share of severities written as words (`mild`) rather than digits.
    pub severity_word_share: f64,
    /// Share of rows naming the muscle.
    pub muscle_share: f64,
    /// Weights of absolute, local and relative time forms.
    pub form_weights: [f64; 3],
    /// Share of absolute times written in UTC (`Z`) rather than with the
    /// runner's offset.
    pub absolute_utc_share: f64,
    /// Share of absolute and local rows that name the file anyway.
    pub file_column_share: f64,
    /// Share of precise rows that leave `approx` blank (it defaults to no).
    pub approx_blank_share: f64,
    /// Share of rows with a note.
    pub note_share: f64,
    /// Share of FIT runs whose lap presses stay in the file as manual laps.
    pub fit_lap_run_share: f64,
    /// Share of GPX runs tagged with waypoints instead of the CSV.
    pub gpx_waypoint_run_share: f64,
}

impl Default for TagParams {
    fn default() -> Self {
        TagParams {
            untagged_share: 0.05,
            button_share: 0.70,
            button_error_s: 3,
            typed_error_s: 20.0,
            typed_round_s: 15,
            typed_duration_round_s: 5,
            no_end_share: 0.17,
            duration_share: 0.25,
            both_share: 0.05,
            severity_share: 0.92,
            severity_word_share: 0.3,
            muscle_share: 0.9,
            form_weights: [0.35, 0.35, 0.30],
            absolute_utc_share: 0.3,
            file_column_share: 0.75,
            approx_blank_share: 0.25,
            note_share: 0.1,
            fit_lap_run_share: 0.3,
            gpx_waypoint_run_share: 0.5,
        }
    }
}

/// How tags may be kept for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Habit {
    /// Lap presses stay in the FIT file as manual laps.
    pub fit_laps: bool,
    /// Cramps are marked as GPX waypoints.
    pub waypoints: bool,
    /// The file records the runner's local offset (local times resolve).
    pub file_has_offset: bool,
}

/// One cramp's tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// How it was tagged.
    pub source: TagSource,
    /// Time form of the CSV row.
    pub form: TimeForm,
    /// Tagged onset, seconds since the run's start.
    pub onset_s: i64,
    /// Tagged end, seconds since the run's start.
    pub end_s: Option<i64>,
    /// How the end is written.
    pub end_form: EndForm,
    /// Duration as written, s (when `end_form` has one).
    pub duration_s: Option<i64>,
    /// Duration written as `m:ss` rather than seconds.
    pub duration_mss: bool,
    /// Severity as noted.
    pub severity: Option<u8>,
    /// Severity written as a word.
    pub severity_word: bool,
    /// Muscle as noted.
    pub muscle: Option<Muscle>,
    /// `approx` column: `Some(true)` yes, `Some(false)` no, `None` blank.
    pub approx: Option<bool>,
    /// Whether the row names the file.
    pub with_file: bool,
    /// Free-text note.
    pub note: Option<&'static str>,
}

impl Tag {
    /// Whether the onset is precise (`approx = no`).
    pub fn precise(&self) -> bool {
        !matches!(self.source, TagSource::Typed | TagSource::Untagged)
    }
}

const NOTES: [&str; 6] = [
    "felt it coming",
    "hot day, forgot salt",
    "left leg",
    "right leg, after the long hill",
    "stretched it out",
    "\"the usual\" one",
];

fn round_to(x: f64, step: i64) -> i64 {
    ((x / step as f64).round() as i64) * step
}

/// Decide how each cramp of a run is tagged. `start_unix_s` is the run's
/// start (typed times are rounded on the clock the runner reads).
pub fn decide(
    rng: &mut SimRng,
    p: &TagParams,
    habit: Habit,
    cramps: &[CrampEvent],
    start_unix_s: i64,
) -> Vec<Tag> {
    let mut out = Vec::with_capacity(cramps.len());
    for ev in cramps {
        let onset = ev.onset_s as f64;
        let end = ev.end_s() as f64;
        let source = if chance(rng, p.untagged_share) {
            TagSource::Untagged
        } else if habit.waypoints {
            TagSource::GpxWaypoint
        } else if habit.fit_laps {
            TagSource::FitLap
        } else if chance(rng, p.button_share) {
            TagSource::LapButton
        } else {
            TagSource::Typed
        };
        let mut form = match pick(rng, &p.form_weights) {
            0 => TimeForm::Absolute,
            1 => TimeForm::Local,
            _ => TimeForm::Relative,
        };
        if form == TimeForm::Local && !habit.file_has_offset {
            form = TimeForm::Absolute;
        }
        if form == TimeForm::Absolute && chance(rng, p.absolute_utc_share) {
            form = TimeForm::AbsoluteUtc;
        }
        let typed = source == TagSource::Typed;
        let tagged_time = |rng: &mut SimRng, t: f64| -> i64 {
            if typed {
                let noisy = t + uniform(rng, -p.typed_error_s, p.typed_error_s);
                if form == TimeForm::Relative {
                    round_to(noisy, p.typed_round_s)
                } else {
                    round_to(start_unix_s as f64 + noisy, p.typed_round_s) - start_unix_s
                }
            } else {
                t as i64 + int_in(rng, -p.button_error_s, p.button_error_s)
            }
        };
        let onset_s = tagged_time(rng, onset).max(0);
        // In-file tags always come in start/end pairs; CSV rows may lack an end.
        let has_end = match source {
            TagSource::FitLap | TagSource::GpxWaypoint => true,
            TagSource::Untagged => false,
            _ => !chance(rng, p.no_end_share),
        };
        let end_s = has_end.then(|| {
            let e = tagged_time(rng, end);
            let min_gap = if typed { p.typed_round_s } else { 2 };
            e.max(onset_s + min_gap)
        });
        let end_form = match end_s {
            None => EndForm::None,
            Some(_) if source == TagSource::FitLap => EndForm::End,
            Some(_) => {
                let u = uniform(rng, 0.0, 1.0);
                if u < p.both_share {
                    EndForm::Both
                } else if u < p.both_share + p.duration_share {
                    EndForm::Duration
                } else {
                    EndForm::End
                }
            }
        };
        let duration_s = match (end_form, end_s) {
            (EndForm::Duration | EndForm::Both, Some(e)) => Some(if typed {
                round_to((e - onset_s) as f64, p.typed_duration_round_s)
                    .max(p.typed_duration_round_s)
            } else {
                e - onset_s
            }),
            _ => None,
        };
        let approx = if typed {
            Some(true)
        } else if chance(rng, p.approx_blank_share) {
            None
        } else {
            Some(false)
        };
        out.push(Tag {
            source,
            form,
            onset_s,
            end_s,
            end_form,
            duration_s,
            duration_mss: chance(rng, 0.4),
            severity: chance(rng, p.severity_share).then_some(ev.plan.severity),
            severity_word: chance(rng, p.severity_word_share),
            muscle: chance(rng, p.muscle_share).then_some(ev.plan.muscle),
            approx,
            with_file: form == TimeForm::Relative || chance(rng, p.file_column_share),
            note: chance(rng, p.note_share).then(|| NOTES[pick(rng, &[1.0; NOTES.len()])]),
        });
    }
    out
}

/// What a CSV row needs to know about its run.
#[derive(Debug, Clone, Copy)]
pub struct RowRun<'a> {
    /// The activity file's name.
    pub file: &'a str,
    /// The run's start, Unix seconds.
    pub start_unix_s: i64,
    /// The runner's UTC offset, s.
    pub utc_offset_s: i32,
}

/// `+m:ss` under an hour, else `+h:mm:ss`.
pub fn relative_text(s: i64) -> String {
    let s = s.max(0);
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("+{h}:{m:02}:{sec:02}")
    } else {
        format!("+{m}:{sec:02}")
    }
}

fn time_text(run: RowRun, form: TimeForm, rel_s: i64) -> String {
    if form == TimeForm::Relative {
        return relative_text(rel_s);
    }
    let utc = DateTime::<Utc>::from_timestamp(run.start_unix_s + rel_s, 0)
        .expect("simulated times lie in the 21st century");
    let off = FixedOffset::east_opt(run.utc_offset_s).expect("offsets come from real zones");
    let local = utc.with_timezone(&off);
    match form {
        TimeForm::Absolute => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        TimeForm::AbsoluteUtc => utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        TimeForm::Local => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        TimeForm::Relative => unreachable!("handled above"),
    }
}

fn duration_text(s: i64, as_mss: bool) -> String {
    if as_mss {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        s.to_string()
    }
}

fn severity_text(sev: u8, word: bool) -> String {
    match (sev, word) {
        (1, true) => "mild".into(),
        (2, true) => "moderate".into(),
        (3, true) => "severe".into(),
        (n, _) => n.to_string(),
    }
}

/// The `cramps.csv` text for the CSV-tagged cramps, in order of tagged
/// onset.
pub fn csv_text(rows: &[(RowRun, &Tag)]) -> Result<String, csv::Error> {
    let mut sorted: Vec<&(RowRun, &Tag)> = rows.iter().filter(|(_, t)| t.source.in_csv()).collect();
    sorted.sort_by_key(|(r, t)| (r.start_unix_s + t.onset_s, r.file.to_string()));
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record([
        "file", "start", "end", "duration", "severity", "muscle", "approx", "note",
    ])?;
    for (run, tag) in sorted {
        let file = if tag.with_file { run.file } else { "" };
        let end = match (tag.end_form, tag.end_s) {
            (EndForm::End | EndForm::Both, Some(e)) => time_text(*run, tag.form, e),
            _ => String::new(),
        };
        let duration = tag
            .duration_s
            .map(|d| duration_text(d, tag.duration_mss))
            .unwrap_or_default();
        let severity = tag
            .severity
            .map(|s| severity_text(s, tag.severity_word))
            .unwrap_or_default();
        let approx = match tag.approx {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        w.write_record([
            file,
            &time_text(*run, tag.form, tag.onset_s),
            &end,
            &duration,
            &severity,
            tag.muscle.map(Muscle::as_str).unwrap_or(""),
            approx,
            tag.note.unwrap_or(""),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_use_minutes_under_an_hour_and_hours_beyond() {
        assert_eq!(relative_text(41 * 60 + 30), "+41:30");
        assert_eq!(relative_text(3600 + 5 * 60), "+1:05:00");
        assert_eq!(relative_text(59), "+0:59");
    }

    #[test]
    fn csv_rows_write_all_three_time_forms_in_the_runners_offset() {
        // 2025-05-03T06:42:10Z is 08:42:10 at +02:00; the run started at
        // 06:00:00Z, so the onset is 42 min 10 s in.
        let start = DateTime::parse_from_rfc3339("2025-05-03T06:00:00Z")
            .unwrap()
            .timestamp();
        let run = RowRun {
            file: "a.fit",
            start_unix_s: start,
            utc_offset_s: 7200,
        };
        let base = Tag {
            source: TagSource::LapButton,
            form: TimeForm::Absolute,
            onset_s: 42 * 60 + 10,
            end_s: Some(43 * 60 + 25),
            end_form: EndForm::End,
            duration_s: None,
            duration_mss: true,
            severity: Some(2),
            severity_word: false,
            muscle: Some(Muscle::Calf),
            approx: Some(false),
            with_file: false,
            note: Some("hot day, forgot salt"),
        };
        let local = Tag {
            form: TimeForm::Local,
            ..base.clone()
        };
        let rel = Tag {
            form: TimeForm::Relative,
            with_file: true,
            end_form: EndForm::Duration,
            duration_s: Some(75),
            onset_s: base.onset_s + 1,
            ..base.clone()
        };
        let text = csv_text(&[(run, &base), (run, &local), (run, &rel)]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "file,start,end,duration,severity,muscle,approx,note"
        );
        assert_eq!(
            lines[1],
            ",2025-05-03T08:42:10+02:00,2025-05-03T08:43:25+02:00,,2,calf,no,\"hot day, forgot salt\""
        );
        assert_eq!(
            lines[2],
            ",2025-05-03 08:42:10,2025-05-03 08:43:25,,2,calf,no,\"hot day, forgot salt\""
        );
        assert_eq!(
            lines[3],
            "a.fit,+42:11,,1:15,2,calf,no,\"hot day, forgot salt\""
        );
    }
}
