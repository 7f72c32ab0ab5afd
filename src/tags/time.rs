//! Tag times: the forms a runner may write (docs/METHOD.md §2), and placing each
//! in UTC for one activity — a local time with `--tz` or the file's own
//! offset (and what a DST change does to it), a relative time as wall-clock
//! or timer time. Also the formatting that messages show times in. Nothing
//! here reads the machine's time zone.

use std::fmt;

use chrono::{
    DateTime, FixedOffset, MappedLocalTime, NaiveDateTime, Offset, SecondsFormat, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;

use super::TagOptions;
use super::problem::{DstProblem, SpanError, TimeError};
use super::zone::TagZone;
use crate::activity::Activity;

/// Longest relative time or duration accepted (30 days, in seconds): longer
/// values are typing errors, and refusing them keeps time arithmetic in range.
pub const MAX_SPAN_S: f64 = 30.0 * 86_400.0;

/// A time as written in a tag: its meaning may depend on the activity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSpec {
    /// An instant: RFC 3339 with `Z` or an offset.
    Absolute(DateTime<Utc>),
    /// A wall-clock time without zone, read with `--tz` or the activity's
    /// own UTC offset.
    Local(NaiveDateTime),
    /// Seconds since the activity's first sample (wall-clock, or timer time
    /// with `--timer-offsets`).
    Relative(f64),
}

impl TimeSpec {
    /// Parse one of the time forms of docs/METHOD.md §2; the error says which
    /// forms are accepted.
    pub fn parse(text: &str) -> Result<TimeSpec, TimeError> {
        let s = text.trim();
        if let Some(rest) = s.strip_prefix('+') {
            return parse_clock_span_s(rest)
                .map(TimeSpec::Relative)
                .map_err(|why| TimeError::NotASpan {
                    text: s.to_string(),
                    why,
                });
        }
        let b = s.as_bytes();
        let date_first =
            b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
        if !date_first {
            if s.contains(':')
                && s.bytes()
                    .all(|c| c.is_ascii_digit() || c == b':' || c == b'.')
            {
                return Err(TimeError::ClockWithoutDate {
                    text: s.to_string(),
                });
            }
            return Err(TimeError::NotATime {
                text: s.to_string(),
            });
        }
        let (naive_part, offset) = split_zone(s).map_err(|offset| TimeError::BadOffset {
            text: s.to_string(),
            offset: offset.to_string(),
        })?;
        let naive = parse_naive(naive_part).ok_or_else(|| TimeError::NotADateTime {
            text: s.to_string(),
        })?;
        Ok(match offset {
            Some(off) => TimeSpec::Absolute((naive - TimeDelta::seconds(off.into())).and_utc()),
            None => TimeSpec::Local(naive),
        })
    }
}

impl fmt::Display for TimeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeSpec::Absolute(t) => write!(f, "{}", fmt_utc(*t)),
            TimeSpec::Local(n) => write!(f, "{}", n.format("%Y-%m-%d %H:%M:%S%.f")),
            TimeSpec::Relative(s) => write!(f, "+{}", fmt_clock_span(*s)),
        }
    }
}

/// Split a date-time into its local part and its offset (seconds east of
/// UTC), if it has one: `Z`, ` UTC`, `±hh:mm`, `±hhmm` or `±hh`. The error
/// is the offset text that is not one of those.
fn split_zone(s: &str) -> Result<(&str, Option<i32>), &str> {
    for z in ["Z", "z", " UTC", "UTC"] {
        if let Some(rest) = s.strip_suffix(z) {
            return Ok((rest, Some(0)));
        }
    }
    // The date's own dashes end at byte 10; a sign after that starts an offset.
    // A multi-byte character across byte 10 is no date: leave it to the
    // date parser's error (slicing there panicked; found by fuzz/tags).
    let Some(pos) = s
        .get(10..)
        .and_then(|tail| tail.rfind(['+', '-']))
        .map(|p| p + 10)
    else {
        return Ok((s, None));
    };
    let sign = if s.as_bytes()[pos] == b'-' { -1 } else { 1 };
    let digits: String = s[pos + 1..].chars().filter(|c| *c != ':').collect();
    let ok = matches!(digits.len(), 2 | 4) && digits.bytes().all(|c| c.is_ascii_digit());
    let bad = &s[pos..];
    if !ok {
        return Err(bad);
    }
    let h: i32 = digits[..2].parse().map_err(|_| bad)?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().map_err(|_| bad)?
    } else {
        0
    };
    // Real offsets span −12:00 … +14:00.
    if h > 14 || m > 59 {
        return Err(bad);
    }
    Ok((&s[..pos], Some(sign * (h * 3600 + m * 60))))
}

/// `2026-05-03T08:42:10`, with `T`, `t` or a space, optional fraction,
/// optional seconds.
fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let (date, time) = (s.get(..10)?, s.get(10..)?);
    let time = time.strip_prefix(['T', 't', ' ']).map(str::trim_start)?;
    let joined = format!("{date}T{time}");
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&joined, f).ok())
}

/// `95`, `95.5`, `41:30` (m:ss) or `1:05:00` (h:mm:ss) as seconds.
pub(super) fn parse_clock_span_s(s: &str) -> Result<f64, SpanError> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(':').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(SpanError::NotAClockSpan);
    }
    let (last, whole) = parts.split_last().expect("split yields at least one part");
    let digits_dot = |p: &str| {
        p.bytes().all(|c| c.is_ascii_digit() || c == b'.')
            && p.bytes().filter(|c| *c == b'.').count() <= 1
    };
    if !digits_dot(last) || whole.iter().any(|p| !p.bytes().all(|c| c.is_ascii_digit())) {
        return Err(SpanError::NotAClockSpan);
    }
    let secs: f64 = last.parse().map_err(|_| SpanError::NotAClockSpan)?;
    let nums: Vec<f64> = whole
        .iter()
        .map(|p| p.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| SpanError::NotAClockSpan)?;
    if !whole.is_empty() && secs >= 60.0 {
        return Err(SpanError::SecondsOver59);
    }
    if nums.len() == 2 && nums[1] >= 60.0 {
        return Err(SpanError::MinutesOver59);
    }
    // m:ss → m·60 + s; h:mm:ss → (h·60 + m)·60 + s.
    let total = nums.iter().fold(0.0, |acc, n| (acc + n) * 60.0) + secs;
    if total > MAX_SPAN_S {
        return Err(SpanError::TooLong);
    }
    Ok(total)
}

/// A cramp's length as a runner writes it: a clock span ([`parse_clock_span_s`]:
/// `75`, `1:15`, `0:01:15`) or with units: `90s`, `1m30s`, `1m 30s`,
/// `2 min`, `1h5m` (units h/hr, m/min, s/sec, largest first, each once; a
/// fraction only in the last; minutes and seconds below 60 after a larger
/// unit).
pub(super) fn parse_duration_s(s: &str) -> Result<f64, SpanError> {
    let s = s.trim();
    match parse_clock_span_s(s) {
        Err(SpanError::NotAClockSpan) if s.bytes().any(|c| c.is_ascii_alphabetic()) => {
            parse_unit_span_s(s)
        }
        other => other,
    }
}

/// `1h5m30s` and friends (see [`parse_duration_s`]).
fn parse_unit_span_s(s: &str) -> Result<f64, SpanError> {
    const UNITS: [(&[&str], f64); 3] = [
        (&["h", "hr", "hrs", "hour", "hours"], 3600.0),
        (&["m", "min", "mins", "minute", "minutes"], 60.0),
        (&["s", "sec", "secs", "second", "seconds"], 1.0),
    ];
    let lower = s.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut total = 0.0;
    // The index in UNITS the next part's unit must come at or after.
    let mut next_unit = 0;
    let mut had_fraction = false;
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let tail = tail.trim_start();
        let unit_len = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let (unit, after) = tail.split_at(unit_len);
        let k = UNITS
            .iter()
            .position(|(names, _)| names.contains(&unit))
            .ok_or(SpanError::NotAClockSpan)?;
        if num.is_empty() || had_fraction || k < next_unit {
            return Err(SpanError::NotAClockSpan);
        }
        let value: f64 = num.parse().map_err(|_| SpanError::NotAClockSpan)?;
        if next_unit > 0 && k > 0 && value >= 60.0 {
            return Err(if k == 2 {
                SpanError::SecondsOver59
            } else {
                SpanError::MinutesOver59
            });
        }
        had_fraction = num.contains('.');
        total += value * UNITS[k].1;
        next_unit = k + 1;
        rest = after;
    }
    if next_unit == 0 {
        return Err(SpanError::NotAClockSpan);
    }
    if total > MAX_SPAN_S {
        return Err(SpanError::TooLong);
    }
    Ok(total)
}

/// Seconds as `m:ss` or `h:mm:ss` (fraction kept when there is one); a
/// negative span gets a leading `-` (`-0:01`).
pub(super) fn fmt_clock_span(s: f64) -> String {
    if s < 0.0 {
        return format!("-{}", fmt_clock_span(-s));
    }
    let whole = s.trunc() as i64;
    let frac = s - s.trunc();
    let (h, m, sec) = (whole / 3600, whole % 3600 / 60, whole % 60);
    let sec = if frac.abs() > 1e-9 {
        format!("{:04.1}", sec as f64 + frac)
    } else {
        format!("{sec:02}")
    };
    if h > 0 {
        format!("{h}:{m:02}:{sec}")
    } else {
        format!("{m}:{sec}")
    }
}

/// An instant as RFC 3339 UTC with `Z`.
pub(super) fn fmt_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A UTC offset in seconds as `±hh:mm`.
pub(super) fn fmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// A UTC instant as the runner would read it: in `--tz`, else in the
/// activity's own offset, else in UTC.
pub(super) fn fmt_for(t: DateTime<Utc>, act: &Activity, opts: &TagOptions) -> String {
    match opts.tz {
        Some(TagZone::Named(tz)) => {
            return t
                .with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true);
        }
        Some(TagZone::Fixed(fo)) => {
            return t
                .with_timezone(&fo)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true);
        }
        None => {}
    }
    if let Some(o) = act.utc_offset
        && let Some(fo) = FixedOffset::east_opt(o.seconds)
    {
        return t
            .with_timezone(&fo)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    fmt_utc(t)
}

pub(super) fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

pub(super) fn plus_seconds(t: DateTime<Utc>, s: f64) -> Option<DateTime<Utc>> {
    TimeDelta::try_milliseconds((s * 1000.0).round() as i64).and_then(|d| t.checked_add_signed(d))
}

/// Wall-clock (elapsed) seconds at which the watch's timer showed
/// `timer_s`: add the pauses that began before that moment. A timer value
/// reached exactly as a pause begins maps to the pause's start.
pub fn timer_to_elapsed_s(act: &Activity, timer_s: f64) -> f64 {
    let mut elapsed_s = timer_s;
    for p in &act.pauses {
        if p.start_s < elapsed_s {
            elapsed_s += p.duration_s();
        } else {
            break;
        }
    }
    elapsed_s
}

/// How a written time was read for an activity, so a message about where
/// it landed can say why it landed there.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeReading {
    /// An absolute time: read as written (also a local time that had no
    /// zone to be read in; no message explains how such a time was read).
    AsWritten,
    /// A local time read in `--tz`.
    LocalIn(TagZone),
    /// A local time read with the activity file's UTC offset (seconds).
    LocalAtFileOffset(i32),
    /// A relative time read as timer time, with pauses before it.
    TimerAfterPauses {
        /// Seconds paused before the moment.
        paused_s: f64,
        /// Wall-clock seconds from the start to the moment.
        elapsed_s: f64,
    },
    /// A relative time read as timer time, with no pause before it.
    TimerNoPause,
    /// A relative time read as wall-clock time since the start.
    WallClock,
}

impl TimeReading {
    /// How `spec` is read for `act` under `opts`.
    pub(super) fn of(spec: &TimeSpec, act: &Activity, opts: &TagOptions) -> TimeReading {
        match spec {
            TimeSpec::Absolute(_) => TimeReading::AsWritten,
            TimeSpec::Local(_) => match (opts.tz, act.utc_offset) {
                (Some(tz), _) => TimeReading::LocalIn(tz),
                (None, Some(o)) => TimeReading::LocalAtFileOffset(o.seconds),
                (None, None) => TimeReading::AsWritten,
            },
            TimeSpec::Relative(s) if opts.timer_offsets => {
                let elapsed_s = timer_to_elapsed_s(act, *s);
                if elapsed_s > *s {
                    TimeReading::TimerAfterPauses {
                        paused_s: elapsed_s - s,
                        elapsed_s,
                    }
                } else {
                    TimeReading::TimerNoPause
                }
            }
            TimeSpec::Relative(_) => TimeReading::WallClock,
        }
    }
}

/// A parenthesis after the time it explains, with its leading space; empty
/// when the time was read as written.
impl fmt::Display for TimeReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeReading::AsWritten => Ok(()),
            TimeReading::LocalIn(tz) => write!(f, " (local time read in {tz})"),
            TimeReading::LocalAtFileOffset(s) => write!(
                f,
                " (local time read with the file's UTC offset {})",
                fmt_offset(*s)
            ),
            TimeReading::TimerAfterPauses {
                paused_s,
                elapsed_s,
            } => write!(
                f,
                " (timer time: with the {paused_s:.0} s of pauses before it, {} after the start)",
                fmt_clock_span(*elapsed_s)
            ),
            TimeReading::TimerNoPause => f.write_str(" (timer time; no pause before it)"),
            TimeReading::WallClock => {
                f.write_str(" (wall-clock time since the start, pauses included)")
            }
        }
    }
}

/// Why a time could not be placed in UTC for an activity.
pub(super) enum Unplaced {
    /// A local time (this one), no `--tz`, and the activity records no
    /// offset.
    NoZone(NaiveDateTime),
    /// `--tz` makes the local time ambiguous or nonexistent.
    Dst(DstProblem),
}

/// Place a local time in UTC with `--tz`, else with the activity's offset.
fn place_local(
    naive: NaiveDateTime,
    act: &Activity,
    opts: &TagOptions,
) -> Result<DateTime<Utc>, Unplaced> {
    match opts.tz {
        Some(TagZone::Named(tz)) => return place_in_zone(naive, tz).map_err(Unplaced::Dst),
        Some(TagZone::Fixed(fo)) => {
            return Ok((naive - TimeDelta::seconds(fo.local_minus_utc().into())).and_utc());
        }
        None => {}
    }
    match act.utc_offset {
        Some(o) => Ok((naive - TimeDelta::seconds(o.seconds.into())).and_utc()),
        None => Err(Unplaced::NoZone(naive)),
    }
}

/// Place a local time in a zone; a DST change can make it ambiguous (clocks
/// went back: it happened twice) or nonexistent (clocks jumped over it).
fn place_in_zone(naive: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, DstProblem> {
    match tz.from_local_datetime(&naive) {
        MappedLocalTime::Single(t) => Ok(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(first, second) => Err(DstProblem::Ambiguous {
            local: naive,
            tz,
            first,
            second,
        }),
        MappedLocalTime::None => {
            // The offsets in force a day either side are those just before
            // and after the jump (two changes never fall within a day).
            let off = |n: NaiveDateTime| {
                tz.offset_from_local_datetime(&n)
                    .earliest()
                    .map(|o| o.fix().local_minus_utc())
            };
            Err(DstProblem::Skipped {
                local: naive,
                tz,
                offset_before_s: off(naive - TimeDelta::days(1)).unwrap_or(0),
                offset_after_s: off(naive + TimeDelta::days(1)).unwrap_or(0),
            })
        }
    }
}

/// Place any time form for this activity.
pub(super) fn place(
    spec: &TimeSpec,
    act: &Activity,
    opts: &TagOptions,
) -> Result<DateTime<Utc>, Unplaced> {
    match *spec {
        TimeSpec::Absolute(t) => Ok(t),
        TimeSpec::Local(n) => place_local(n, act, opts),
        TimeSpec::Relative(s) => {
            let elapsed_s = if opts.timer_offsets {
                timer_to_elapsed_s(act, s)
            } else {
                s
            };
            // MAX_SPAN_S keeps this in range; fall back to the start if not.
            Ok(plus_seconds(act.start_utc, elapsed_s).unwrap_or(act.start_utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::tags::test_support::{activity, utc};

    #[test]
    fn every_time_form_parses_to_the_instant_or_clock_time_it_names() {
        // 08:42:10 at +02:00 is 06:42:10 UTC.
        let abs = TimeSpec::Absolute(utc(2026, 5, 3, 6, 42, 10));
        for s in [
            "2026-05-03T08:42:10+02:00",
            "2026-05-03T06:42:10Z",
            "2026-05-03 06:42:10z",
            "2026-05-03 08:42:10 +02:00",
            "2026-05-03T08:42:10+0200",
            "2026-05-03T08:42:10+02",
            // 03:12:10 at −03:30 is 03:12:10 + 3:30 = 06:42:10 UTC.
            "2026-05-03T03:12:10-03:30",
            "2026-05-03 06:42:10 UTC",
        ] {
            assert_eq!(TimeSpec::parse(s), Ok(abs), "{s}");
        }
        assert_eq!(
            TimeSpec::parse("2026-05-03 08:42:10.5+02:00"),
            Ok(TimeSpec::Absolute(
                utc(2026, 5, 3, 6, 42, 10) + TimeDelta::milliseconds(500)
            ))
        );
        let local = |h, m, s| {
            TimeSpec::Local(
                NaiveDate::from_ymd_opt(2026, 5, 3)
                    .unwrap()
                    .and_hms_opt(h, m, s)
                    .unwrap(),
            )
        };
        assert_eq!(TimeSpec::parse("2026-05-03 08:42:10"), Ok(local(8, 42, 10)));
        assert_eq!(TimeSpec::parse("2026-05-03T08:42:10"), Ok(local(8, 42, 10)));
        assert_eq!(TimeSpec::parse(" 2026-05-03 08:42 "), Ok(local(8, 42, 0)));
        // 41 min 30 s = 41·60 + 30 = 2490 s; 1 h 05 min = 3600 + 300 = 3900 s.
        assert_eq!(TimeSpec::parse("+41:30"), Ok(TimeSpec::Relative(2490.0)));
        assert_eq!(TimeSpec::parse("+1:05:00"), Ok(TimeSpec::Relative(3900.0)));
        assert_eq!(TimeSpec::parse("+95"), Ok(TimeSpec::Relative(95.0)));
        assert_eq!(TimeSpec::parse("+95.5"), Ok(TimeSpec::Relative(95.5)));
        assert_eq!(TimeSpec::parse("+0:07.5"), Ok(TimeSpec::Relative(7.5)));
        // 75 min in m:ss is allowed: 75·60 = 4500 s.
        assert_eq!(TimeSpec::parse("+75:00"), Ok(TimeSpec::Relative(4500.0)));
    }

    #[test]
    fn unreadable_times_are_refused_with_the_accepted_forms() {
        for s in [
            "noon",
            "2026-05-03",
            "+41:75",
            "+1:75:00",
            "+abc",
            "+1e3",
            "2026-13-03 08:00",
            "2026-05-03T08:42:10+25:00",
            "03/05/2026 08:42",
        ] {
            let e = TimeSpec::parse(s).unwrap_err().to_string();
            assert!(e.contains("+41:30") || e.contains("offset"), "{s}: {e}");
        }
        let e = TimeSpec::parse("08:42").unwrap_err().to_string();
        assert!(
            e.contains("+08:42") && e.contains("2026-05-03 08:42"),
            "{e}"
        );
    }

    #[test]
    fn durations_are_read_as_clock_spans_or_with_units() {
        // 1 min 30 s = 90 s; 1 h 5 min = 3900 s.
        for (text, want) in [
            ("90", 90.0),
            ("1:30", 90.0),
            ("0:01:30", 90.0),
            ("90s", 90.0),
            ("90 s", 90.0),
            ("90sec", 90.0),
            ("1m30s", 90.0),
            ("1m 30s", 90.0),
            ("1 min 30 s", 90.0),
            ("2min", 120.0),
            ("1.5m", 90.0),
            ("1h5m", 3900.0),
            ("1M30S", 90.0),
        ] {
            assert_eq!(parse_duration_s(text), Ok(want), "{text}");
        }
        for bad in [
            "30s1m", "1m1m", "1.5m30s", "m", "1x", "1m90s", "1:30s", "s30",
        ] {
            assert!(parse_duration_s(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration_s("1m90s"), Err(SpanError::SecondsOver59));
    }

    #[test]
    fn relative_times_display_as_the_runner_writes_them() {
        assert_eq!(fmt_clock_span(-1.0), "-0:01");
        assert_eq!(TimeSpec::Relative(2490.0).to_string(), "+41:30");
        assert_eq!(TimeSpec::Relative(3900.0).to_string(), "+1:05:00");
        assert_eq!(TimeSpec::Relative(7.5).to_string(), "+0:07.5");
    }

    #[test]
    fn timer_time_maps_to_elapsed_by_adding_earlier_pauses() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("r.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            b.pauses_ms.push((ms + 100_000, ms + 160_000));
            b.pauses_ms.push((ms + 300_000, ms + 330_000));
        });
        // Timer 0–100 runs at elapsed 0–100; paused to 160; timer 100–240
        // runs at elapsed 160–300; paused to 330; timer 250 is elapsed 340.
        assert_eq!(timer_to_elapsed_s(&act, 50.0), 50.0);
        assert_eq!(timer_to_elapsed_s(&act, 100.0), 100.0);
        assert_eq!(timer_to_elapsed_s(&act, 150.0), 210.0);
        assert_eq!(timer_to_elapsed_s(&act, 250.0), 340.0);
    }
}
