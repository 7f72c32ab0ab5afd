//! What the JSON readers (Polar Flow, adidas Running) share: bytes to a
//! `serde_json` value with the damage those apps write repaired first (a
//! UTF-8 byte-order mark; Polar's bare `NaN`, which is not JSON), numbers
//! that come as JSON numbers or as strings, and the plausibility check on a
//! UTC offset. `serde_json` values never leave the readers that call this.

use std::borrow::Cow;

use serde_json::Value;

use crate::activity::{OffsetSource, UtcOffset};
use crate::error::IngestError;

/// The largest UTC offset in use anywhere (UTC+14, Kiribati's Line
/// Islands; the smallest is UTC−12): an offset beyond it is a wrong field.
pub const MAX_UTC_OFFSET_S: i64 = 14 * 3600;

/// A parsed document and what had to be repaired to parse it.
#[derive(Debug)]
pub struct Parsed {
    /// The document.
    pub value: Value,
    /// Bare `NaN`/`Infinity` tokens outside strings that were read as `null`.
    pub non_numbers: usize,
}

impl Parsed {
    /// The warning for the repaired tokens, if any.
    pub fn warning(&self) -> Option<String> {
        (self.non_numbers > 0).then(|| {
            format!(
                "{} bare NaN/Infinity value(s), which are not JSON, were read as missing",
                self.non_numbers
            )
        })
    }
}

/// Parse `bytes` as JSON for a reader of `format` (named in errors).
///
/// Errors: [`IngestError::Malformed`] with serde_json's reason (which names
/// the line and column) when the bytes are not JSON even after the repairs.
/// serde_json refuses nesting deeper than 128 levels, so no input can
/// overflow the stack.
pub fn parse(path: &str, format: &'static str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, non_numbers) = replace_non_numbers(bytes);
    let value = serde_json::from_slice::<Value>(&text).map_err(|e| IngestError::Malformed {
        path: path.to_string(),
        format,
        reason: format!("not JSON ({e})"),
    })?;
    Ok(Parsed { value, non_numbers })
}

/// Replace the bare tokens `NaN`, `-NaN`, `Infinity` and `-Infinity`
/// outside strings by `null`, counting them. Outside a string valid JSON
/// holds no letter but those of `true`, `false` and `null`, so an `N` or `I`
/// there can only begin such a token; one that does not is left for
/// serde_json to refuse. Borrows when there is nothing to replace (the
/// common case).
pub fn replace_non_numbers(bytes: &[u8]) -> (Cow<'_, [u8]>, usize) {
    const TOKENS: [&[u8]; 4] = [b"-Infinity", b"Infinity", b"-NaN", b"NaN"];
    let mut out: Option<Vec<u8>> = None;
    let mut count = 0;
    let mut copied_to = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'N' | b'I' | b'-' => {
                if let Some(t) = TOKENS.iter().find(|t| bytes[i..].starts_with(t)) {
                    let end = i + t.len();
                    let boundary = bytes
                        .get(end)
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
                    if boundary {
                        let o = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
                        o.extend_from_slice(&bytes[copied_to..i]);
                        o.extend_from_slice(b"null");
                        copied_to = end;
                        count += 1;
                        i = end;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    match out {
        Some(mut o) => {
            o.extend_from_slice(&bytes[copied_to..]);
            (Cow::Owned(o), count)
        }
        None => (Cow::Borrowed(bytes), 0),
    }
}

/// A finite number written as a JSON number or as a string (`"1"`, `" 3.5 "`).
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => super::xml::parse_f64(s),
        _ => None,
    }
}

/// A number or string rendered as text (`1` and `"1"` both give `"1"`), for
/// identifiers that exports write either way.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first byte that is not whitespace, after a UTF-8 byte-order mark.
pub fn first_significant_byte(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// A UTC offset of `seconds` east of UTC from `source`, or why it cannot be
/// one (beyond ±14 h).
pub fn utc_offset(seconds: f64, source: OffsetSource) -> Result<UtcOffset, String> {
    let s = seconds.round();
    if !s.is_finite() || s.abs() > MAX_UTC_OFFSET_S as f64 {
        return Err(format!(
            "a UTC offset of {seconds} s is beyond ±14 h and was ignored"
        ));
    }
    Ok(UtcOffset {
        seconds: s as i32,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(s: &str) -> (String, usize) {
        let (b, n) = replace_non_numbers(s.as_bytes());
        (
            String::from_utf8(b.into_owned()).expect("utf-8 in, utf-8 out"),
            n,
        )
    }

    #[test]
    fn bare_nan_and_infinity_become_null_but_not_inside_strings() {
        assert_eq!(
            replaced(r#"{"values":[1,NaN,-NaN, Infinity,-Infinity]}"#),
            (r#"{"values":[1,null,null, null,null]}"#.to_string(), 4)
        );
        // Inside strings, escaped quotes included, nothing changes.
        let s = r#"{"n":"NaN \" NaN","m":[NaN]}"#;
        assert_eq!(
            replaced(s),
            (r#"{"n":"NaN \" NaN","m":[null]}"#.to_string(), 1)
        );
        // A longer identifier is not the token: serde_json refuses it.
        assert_eq!(replaced("[NaNa]").1, 0);
        assert_eq!(replaced("[1,2]").1, 0);
    }

    #[test]
    fn the_repaired_text_parses_and_the_repair_is_counted() {
        let p = parse("x.json", "Polar Flow", b"\xEF\xBB\xBF[NaN, 2]").expect("parses");
        assert_eq!(p.value, serde_json::json!([null, 2]));
        assert_eq!(p.non_numbers, 1);
        assert!(p.warning().expect("a warning").starts_with("1 bare NaN"));
        let e = parse("x.json", "Polar Flow", b"{\"a\":").expect_err("cut short");
        assert!(e.to_string().contains("x.json") && e.to_string().contains("line 1"));
    }

    #[test]
    fn numbers_come_as_numbers_or_strings() {
        assert_eq!(number(&serde_json::json!(3.5)), Some(3.5));
        assert_eq!(number(&serde_json::json!(" 7 ")), Some(7.0));
        assert_eq!(number(&serde_json::json!("x")), None);
        assert_eq!(number(&serde_json::json!(null)), None);
        assert_eq!(text(&serde_json::json!(1)), Some("1".to_string()));
    }

    #[test]
    fn offsets_beyond_fourteen_hours_are_refused() {
        assert!(utc_offset(14.0 * 3600.0, OffsetSource::PolarOffsetField).is_ok());
        assert!(utc_offset(14.0 * 3600.0 + 1.0, OffsetSource::PolarOffsetField).is_err());
        assert_eq!(
            utc_offset(-25_200.0, OffsetSource::PolarOffsetField).map(|o| o.seconds),
            Ok(-25_200)
        );
    }
}
