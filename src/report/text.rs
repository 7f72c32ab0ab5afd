//! How numbers, ranges, times and names read in the outputs people read
//! (the terminal summary, `report`'s text and the HTML pages), so that
//! they agree: responses and verdicts in words (`kept pace`, not the
//! JSON's `kept_pace`), negative numbers with a plain hyphen and never as
//! `-0.00`, ranges with an en dash unless an end is negative (then "to":
//! `-0.29 to -0.06`), durations as `h:mm:ss`, and a missing number as
//! "not computed: why" instead of a dash.

use chrono::{DateTime, FixedOffset, Offset, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

use crate::analysis::compare::Comparison;
use crate::analysis::stats::VanElteren;
use crate::analysis::{Response, Verdict};
use crate::tags::TagZone;

/// `x` with `decimals` decimals; a value that rounds to zero prints as
/// `0.00`, never `-0.00`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// A range: `0.36–0.75`, or `-0.29 to -0.06` when an end is negative (an
/// en dash between two negative numbers reads as a subtraction).
pub fn range(lo: f64, hi: f64, decimals: usize) -> String {
    let (a, b) = (fixed(lo, decimals), fixed(hi, decimals));
    if a.starts_with('-') || b.starts_with('-') {
        format!("{a} to {b}")
    } else {
        format!("{a}–{b}")
    }
}

/// A whole number with thousands separators: `9,999`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A length of time as a clock shows it: `1:02:05`, or `58:12` under an
/// hour (as `inspect` prints them).
pub fn clock(seconds: f64) -> String {
    let t = seconds.max(0.0).round() as u64;
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A moment since the run's start, as `cramps.csv` takes it: `+9:27`,
/// `+1:05:37`.
pub fn since_start(seconds: f64) -> String {
    format!("+{}", clock(seconds))
}

/// Where the runner's local clock time comes from: `--tz` (which also
/// decides how tag times are read), else the offset the file recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LocalTime {
    /// A fixed offset from UTC, as a file records it.
    Offset(FixedOffset),
    /// A time zone (`--tz`), whose offset may change within a run.
    Zone(Tz),
}

impl LocalTime {
    /// `--tz` if given, else the file's own offset (seconds east of UTC).
    pub fn of(tz: Option<TagZone>, file_offset_s: Option<i32>) -> Option<LocalTime> {
        match tz {
            Some(TagZone::Named(z)) => Some(LocalTime::Zone(z)),
            Some(TagZone::Fixed(o)) => Some(LocalTime::Offset(o)),
            None => file_offset_s
                .and_then(FixedOffset::east_opt)
                .map(LocalTime::Offset),
        }
    }

    /// The offset in force at `t`.
    pub fn offset_at(self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            LocalTime::Offset(o) => o,
            LocalTime::Zone(z) => z.offset_from_utc_datetime(&t.naive_utc()).fix(),
        }
    }
}

/// A run's start as `inspect` prints it: `2025-02-10 05:28:11 UTC (local
/// 2025-02-10 06:28:11 +01:00)`, or `(local time unknown)`.
pub fn start(t: DateTime<Utc>, local: Option<LocalTime>) -> String {
    let t = t.round_subsecs(0);
    let utc = t.format("%Y-%m-%d %H:%M:%S");
    match local {
        Some(l) => format!(
            "{utc} UTC (local {})",
            t.with_timezone(&l.offset_at(t))
                .format("%Y-%m-%d %H:%M:%S %:z")
        ),
        None => format!("{utc} UTC (local time unknown)"),
    }
}

/// A moment of a run: `05:37:38 UTC`, and beside it the runner's local
/// clock time when known (`05:37:38 UTC, 06:37:38 local`). The date is
/// added when it differs from the run's `start` date (a run past
/// midnight).
pub fn moment(t: DateTime<Utc>, local: Option<LocalTime>, start: DateTime<Utc>) -> String {
    let t = t.round_subsecs(0);
    let date_if_new = |a: chrono::NaiveDate, b: chrono::NaiveDate| {
        if a == b {
            String::new()
        } else {
            format!("{} ", a.format("%Y-%m-%d"))
        }
    };
    let utc = format!(
        "{}{} UTC",
        date_if_new(t.date_naive(), start.date_naive()),
        t.format("%H:%M:%S")
    );
    match local {
        Some(l) => {
            let here = t.with_timezone(&l.offset_at(t));
            let began = start.with_timezone(&l.offset_at(start));
            format!(
                "{utc}, {}{} local",
                date_if_new(here.date_naive(), began.date_naive()),
                here.format("%H:%M:%S")
            )
        }
        None => utc,
    }
}

/// A response in words: `kept pace`.
pub fn response(r: Response) -> &'static str {
    match r {
        Response::KeptPace => "kept pace",
        Response::Slowed => "slowed",
        Response::Walked => "walked",
        Response::Stopped => "stopped",
        Response::Unknown => "unknown",
    }
}

/// A verdict in words: `not enough data`.
pub fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::NotEnoughData => "not enough data",
        Verdict::Exploratory => "exploratory",
        Verdict::Shorter => "shorter",
        Verdict::Longer => "longer",
        Verdict::NoMeaningfulDifference => "no meaningful difference",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// Why a comparison has no duration ratio or no confidence interval, in
/// a runner's words.
pub fn why_no_ratio_ci(c: &Comparison) -> String {
    if c.n_group == 0 || c.n_reference == 0 {
        let missing = if c.n_group == 0 { c.group } else { c.reference };
        format!("no {} cramps", response(missing))
    } else if c.duration_ratio.is_none() {
        format!(
            "no severity level has both {} and {} cramps",
            response(c.group),
            response(c.reference)
        )
    } else {
        "too few cramps".to_string()
    }
}

/// The 95 % CI of the duration ratio, or "not computed: why".
pub fn ratio_ci(c: &Comparison) -> String {
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => range(lo, hi, 2),
        _ => format!("not computed: {}", why_no_ratio_ci(c)),
    }
}

/// The 90 % CI of the duration ratio, or "not computed: why".
pub fn ratio_ci90(c: &Comparison) -> String {
    match (c.ci90_low, c.ci90_high) {
        (Some(lo), Some(hi)) => range(lo, hi, 2),
        _ => format!("not computed: {}", why_no_ratio_ci(c)),
    }
}

/// Both CIs of the duration ratio: `95 % CI 0.36–0.75, 90 % CI
/// 0.37–0.70`, or `confidence intervals not computed: why` when neither is.
pub fn ratio_cis(c: &Comparison) -> String {
    if c.ci_low.is_none() && c.ci90_low.is_none() {
        format!("confidence intervals not computed: {}", why_no_ratio_ci(c))
    } else {
        format!("95 % CI {}, 90 % CI {}", ratio_ci(c), ratio_ci90(c))
    }
}

/// Fewest cramps for which Kendall's τ gets a confidence interval (its
/// standard error needs n > 4; see `stats::kendall_tau_ci`).
const MIN_TAU_CI_N: usize = 5;

/// Kendall's τ-b of slowdown against duration with its 95 % CI, or why
/// they are missing: `-0.18 (95 % CI -0.29 to -0.06, n = 127)`.
pub fn kendall(c: &Comparison) -> String {
    let n = c.kendall_n;
    match (c.kendall_tau, c.kendall_tau_ci_low, c.kendall_tau_ci_high) {
        (Some(t), Some(lo), Some(hi)) => {
            format!("{} (95 % CI {}, n = {n})", fixed(t, 2), range(lo, hi, 2))
        }
        (Some(t), _, _) if n < MIN_TAU_CI_N => format!(
            "{} (95 % CI not computed: too few cramps, n = {n})",
            fixed(t, 2)
        ),
        (Some(t), _, _) => format!(
            "{} (95 % CI not computed: every pair of cramps agrees, n = {n})",
            fixed(t, 2)
        ),
        (None, _, _) if n < 2 => format!("not computed: too few cramps (n = {n})"),
        (None, _, _) => {
            format!("not computed: slowdown or time never varies (n = {n})")
        }
    }
}

/// The stratified test in a runner's words, saying what its p-value
/// counts: `van Elteren test, shuffled 9,999 times within severity
/// groups`, or for an exact test `van Elteren test, every one of 462
/// possible shuffles within severity groups`.
pub fn test_words(t: Option<&VanElteren>) -> String {
    test_words_within(t, "severity groups")
}

/// [`test_words`] for a cohort, whose shuffles stay within each runner's
/// severity groups.
pub fn cohort_test_words(t: Option<&VanElteren>) -> String {
    test_words_within(t, "each runner's severity groups")
}

fn test_words_within(t: Option<&VanElteren>, groups: &str) -> String {
    match t {
        Some(t) if t.exact => format!(
            "van Elteren test, every one of {} possible shuffles within {groups}",
            count(t.permutations)
        ),
        Some(t) => format!(
            "van Elteren test, shuffled {} times within {groups}",
            count(t.permutations)
        ),
        None => "stratified test".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_round_to_zero_lose_their_minus_sign() {
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.4, 0), "0");
        assert_eq!(fixed(-0.34, 2), "-0.34");
        assert_eq!(fixed(1.005, 1), "1.0");
    }

    #[test]
    fn ranges_with_a_negative_end_are_written_with_to() {
        assert_eq!(range(0.36, 0.75, 2), "0.36–0.75");
        assert_eq!(range(-0.29, -0.06, 2), "-0.29 to -0.06");
        assert_eq!(range(-0.2, 0.1, 2), "-0.20 to 0.10");
        assert_eq!(range(-0.001, 0.1, 2), "0.00–0.10");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(9_999), "9,999");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_as_a_clock_with_hours_only_when_there_are_some() {
        assert_eq!(clock(59.6), "1:00");
        assert_eq!(clock(4_346.0), "1:12:26");
        assert_eq!(clock(-3.0), "0:00");
        assert_eq!(since_start(567.0), "+9:27");
        assert_eq!(since_start(3_937.0), "+1:05:37");
    }

    #[test]
    fn a_moment_shows_local_time_beside_utc_and_the_date_only_when_it_changes() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("valid")
                .with_timezone(&Utc)
        };
        let begin = t("2025-02-10T05:28:11Z");
        let plus_one = LocalTime::of(None, Some(3600));
        assert_eq!(
            start(begin, plus_one),
            "2025-02-10 05:28:11 UTC (local 2025-02-10 06:28:11 +01:00)"
        );
        assert_eq!(
            start(begin, None),
            "2025-02-10 05:28:11 UTC (local time unknown)"
        );
        assert_eq!(
            moment(t("2025-02-10T05:37:38Z"), plus_one, begin),
            "05:37:38 UTC, 06:37:38 local"
        );
        assert_eq!(
            moment(t("2025-02-10T05:37:38Z"), None, begin),
            "05:37:38 UTC"
        );
        let late = t("2025-02-10T23:30:00Z");
        assert_eq!(
            moment(t("2025-02-11T00:10:00Z"), plus_one, late),
            "2025-02-11 00:10:00 UTC, 01:10:00 local"
        );
        // --tz wins over the file's offset, and follows the zone's rules.
        let berlin = LocalTime::of(Some(TagZone::Named(chrono_tz::Europe::Berlin)), Some(0));
        assert_eq!(
            moment(t("2025-07-01T06:00:00Z"), berlin, t("2025-07-01T05:00:00Z")),
            "06:00:00 UTC, 08:00:00 local"
        );
    }

    #[test]
    fn responses_and_verdicts_read_as_words() {
        assert_eq!(response(Response::KeptPace), "kept pace");
        assert_eq!(verdict(Verdict::NotEnoughData), "not enough data");
        assert_eq!(
            verdict(Verdict::NoMeaningfulDifference),
            "no meaningful difference"
        );
    }
}
