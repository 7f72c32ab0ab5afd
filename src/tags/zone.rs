//! `--tz`: the zone local tag times are read in — an IANA zone name
//! (`Europe/Berlin`, any letter case) or a fixed UTC offset (`+02:00`) —
//! and, for a name that is neither, the nearest zone names.

use std::fmt;
use std::str::FromStr;

use chrono::FixedOffset;
use chrono_tz::Tz;

use super::suggest::edit_distance;

/// The zone `--tz` names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TagZone {
    /// An IANA zone, with its DST rules.
    Named(Tz),
    /// A fixed offset from UTC, the same all year.
    Fixed(FixedOffset),
}

impl From<Tz> for TagZone {
    fn from(tz: Tz) -> TagZone {
        TagZone::Named(tz)
    }
}

/// The zone's name, or the offset as `±hh:mm`.
impl fmt::Display for TagZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagZone::Named(tz) => f.write_str(tz.name()),
            TagZone::Fixed(o) => f.write_str(&super::time::fmt_offset(o.local_minus_utc())),
        }
    }
}

/// Why a `--tz` value is no zone: the nearest names, if any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a time zone{}; give an IANA zone name (Europe/Berlin, America/New_York, UTC) \
     or a fixed UTC offset (+02:00, -05:30)",
    did_you_mean(.nearest)
)]
pub struct ZoneError {
    /// The value as given.
    pub text: String,
    /// Zone names close to it, nearest first (at most three).
    pub nearest: Vec<&'static str>,
}

fn did_you_mean(nearest: &[&str]) -> String {
    match nearest {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        more => format!(" (did you mean one of {}?)", more.join(", ")),
    }
}

impl FromStr for TagZone {
    type Err = ZoneError;

    /// A zone name (exact, else in any letter case) or `±hh:mm`, `±hhmm`,
    /// `±hh` (also after `UTC` or `GMT`: `UTC+2`).
    fn from_str(text: &str) -> Result<TagZone, ZoneError> {
        let s = text.trim();
        if let Ok(tz) = s.parse::<Tz>() {
            return Ok(TagZone::Named(tz));
        }
        if let Some(tz) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(s))
        {
            return Ok(TagZone::Named(*tz));
        }
        if let Some(o) = parse_fixed(s) {
            return Ok(TagZone::Fixed(o));
        }
        Err(ZoneError {
            text: s.to_string(),
            nearest: nearest_zones(s),
        })
    }
}

/// `+02:00`, `-0530`, `+2`, `UTC+02:00`, `GMT-5`: a fixed offset within
/// ±14:59.
fn parse_fixed(s: &str) -> Option<FixedOffset> {
    let upper = s.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || !(h.bytes().chain(m.bytes())).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Up to three zone names nearest to `s` (by edit distance, in any letter
/// case, on the whole name or on its city part), or none when nothing is
/// close.
fn nearest_zones(s: &str) -> Vec<&'static str> {
    let lower = s.to_lowercase();
    let mut scored: Vec<(usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let name = tz.name();
            let whole = edit_distance(&lower, &name.to_lowercase());
            let city = name
                .rsplit('/')
                .next()
                .map_or(usize::MAX, |c| edit_distance(&lower, &c.to_lowercase()));
            let d = whole.min(city);
            (d <= (lower.chars().count() / 4).max(2)).then_some((d, name))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_in_any_case_and_fixed_offsets_are_zones() {
        let berlin = TagZone::Named(chrono_tz::Europe::Berlin);
        assert_eq!("Europe/Berlin".parse(), Ok(berlin));
        assert_eq!("europe/berlin".parse(), Ok(berlin));
        // +02:00 = 7200 s east of UTC; −05:30 = −19800 s.
        for (s, secs) in [
            ("+02:00", 7200),
            ("+0200", 7200),
            ("+2", 7200),
            ("UTC+2", 7200),
            ("-05:30", -19_800),
            ("GMT-5", -18_000),
        ] {
            let want = TagZone::Fixed(FixedOffset::east_opt(secs).unwrap());
            assert_eq!(s.parse(), Ok(want), "{s}");
        }
        assert_eq!("+02:00".parse::<TagZone>().unwrap().to_string(), "+02:00");
        assert_eq!(berlin.to_string(), "Europe/Berlin");
        for bad in ["+25:00", "+02:7", "2", "+", "+123"] {
            assert!(bad.parse::<TagZone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_mistyped_zone_is_refused_with_the_nearest_names() {
        let e = "Europe/Berln".parse::<TagZone>().unwrap_err();
        assert_eq!(e.nearest.first(), Some(&"Europe/Berlin"), "{e}");
        assert!(e.to_string().contains("did you mean"), "{e}");
        assert!(e.to_string().contains("+02:00"), "{e}");
        // A city alone finds its zone.
        let e = "Berlin".parse::<TagZone>().unwrap_err();
        assert!(e.nearest.contains(&"Europe/Berlin"), "{e}");
        // Nothing near: no guess, still the forms.
        let e = "qqqqqqqqqqqq".parse::<TagZone>().unwrap_err();
        assert!(e.nearest.is_empty(), "{e}");
        assert!(!e.to_string().contains("did you mean"), "{e}");
    }
}
