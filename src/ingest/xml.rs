//! Small helpers shared by the XML readers (GPX, TCX).

use chrono::DateTime;

/// Parse an XML `dateTime` (RFC 3339, `Z` or an offset; a missing zone is
/// taken as UTC, as GPX 1.1 requires) to UTC milliseconds and the offset in
/// seconds it was written with (`None` for `Z` or no zone).
pub fn parse_time(text: &str) -> Option<(i64, Option<i32>)> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        let off = dt.offset().local_minus_utc();
        let zulu = t.ends_with('Z') || t.ends_with('z');
        return Some((dt.timestamp_millis(), if zulu { None } else { Some(off) }));
    }
    // No zone: UTC by the GPX 1.1 schema.
    let naive = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some((naive.and_utc().timestamp_millis(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_z_offset_or_no_zone_parse_to_utc() {
        assert_eq!(
            parse_time("2026-05-03T06:42:10Z"),
            Some((1_777_790_530_000, None))
        );
        assert_eq!(
            parse_time("2026-05-03T08:42:10+02:00"),
            Some((1_777_790_530_000, Some(7200)))
        );
        assert_eq!(
            parse_time("2026-05-03T06:42:10.5"),
            Some((1_777_790_530_500, None))
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
