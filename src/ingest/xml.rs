//! Small helpers shared by the XML readers (GPX, TCX): fast number and time
//! parsing, namespace classes, text collection that never expands custom
//! entities, encoding clean-up and error messages with byte positions.
//!
//! Safety: quick-xml never expands entities by itself; [`TextBuf`] resolves
//! only the five predefined entities and character references, so a
//! `<!DOCTYPE>` with custom or external entities (billion laughs, XXE) is
//! inert. Readers keep their own element stack on the heap, so deep nesting
//! cannot overflow the call stack.

use std::borrow::Cow;

use chrono::DateTime;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{LocalName, NamespaceError, NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::Reader;

use crate::activity::{OffsetSource, UtcOffset};
use crate::error::IngestError;

/// Namespace URIs the readers recognise. Elements are matched by these,
/// never by their prefix (`gpxtpx:`, `ns3:`, `tp1:` all name the same thing).
pub mod ns {
    /// GPX 1.0 and 1.1 share this stem (`.../GPX/1/0`, `.../GPX/1/1`).
    pub const GPX_STEM: &str = "http://www.topografix.com/GPX/1/";
    /// Garmin TrackPointExtension v1.
    pub const TPX_V1: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1";
    /// Garmin TrackPointExtension v2.
    pub const TPX_V2: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2";
    /// Garmin PowerExtension v1 (`PowerInWatts`).
    pub const POWER_V1: &str = "http://www.garmin.com/xmlschemas/PowerExtension/v1";
    /// Cluetrust GPX data extension (`gpxdata:hr`, `cadence`, `temp`).
    pub const CLUETRUST: &str = "http://www.cluetrust.com/XML/GPXDATA/1/0";
    /// Garmin Training Center Database v2 (TCX); v1 differs only in the last digit.
    pub const TCD_STEM: &str = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v";
    /// Garmin ActivityExtension (TCX `TPX`, `LX`); v1 and v2.
    pub const ACTIVITY_EXT_STEM: &str = "http://www.garmin.com/xmlschemas/ActivityExtension/v";
}

/// What an element's namespace is, as far as the readers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsClass {
    /// No namespace (files that omit `xmlns`).
    Unbound,
    /// GPX 1.0 or 1.1.
    Gpx,
    /// Garmin TrackPointExtension v1 or v2.
    Tpx,
    /// Garmin PowerExtension v1.
    Power,
    /// Cluetrust GPX data.
    Cluetrust,
    /// Garmin Training Center Database (TCX).
    Tcd,
    /// Garmin ActivityExtension (TCX).
    ActivityExt,
    /// A prefix that was never declared (the file is not namespace-well-formed).
    Undeclared,
    /// Any other namespace.
    Other,
}

/// Classify a resolved namespace.
pub fn ns_class(r: &ResolveResult<'_>) -> NsClass {
    match r {
        ResolveResult::Unbound => NsClass::Unbound,
        ResolveResult::Unknown(_) => NsClass::Undeclared,
        ResolveResult::Bound(n) => {
            let uri = n.into_inner().trim_end_matches('/');
            if uri.starts_with(ns::GPX_STEM) {
                NsClass::Gpx
            } else if uri == ns::TPX_V1 || uri == ns::TPX_V2 {
                NsClass::Tpx
            } else if uri == ns::POWER_V1 {
                NsClass::Power
            } else if uri == ns::CLUETRUST {
                NsClass::Cluetrust
            } else if uri.starts_with(ns::TCD_STEM) {
                NsClass::Tcd
            } else if uri.starts_with(ns::ACTIVITY_EXT_STEM) {
                NsClass::ActivityExt
            } else {
                NsClass::Other
            }
        }
    }
}

/// Parse a decimal number, ignoring surrounding whitespace; `None` for
/// anything else (`undefined`, `bad data`, `NaN`, infinities).
///
/// XML whitespace is ASCII (XML 1.0 §2.3, production S), so the byte-wise
/// `trim_ascii` is the right trim, and much cheaper than the Unicode-aware
/// `trim` on a path taken several times per track point.
pub fn parse_f64(text: &str) -> Option<f64> {
    let t = text.trim_ascii();
    if let Some(v) = parse_plain_decimal(t.as_bytes()) {
        return Some(v);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Powers of ten up to the most a 15-digit mantissa needs; each is exact
/// in an `f64` (every power up to 10^22 is).
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-+]digits[.digits]` with at most 15 digits in all: the number is an
/// integer below 2^53 divided by an exact power of ten, and one IEEE
/// division of two exact values is correctly rounded, so this is the value
/// `str::parse` gives (Clinger, "How to read floating point numbers
/// accurately", PLDI 1990, the fast path). Anything else (exponents, long
/// mantissas, `.5`, `5.`) is `None`, for the general parser.
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut mantissa, mut count, mut fraction) = (0u64, 0usize, None::<usize>);
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if fraction.is_none() && i > 0 && i + 1 < digits.len() => {
                fraction = Some(digits.len() - i - 1)
            }
            _ => return None,
        }
    }
    if count > 15 {
        return None;
    }
    let v = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction.unwrap_or(0)];
    Some(if negative { -v } else { v })
}

/// Parse an XML `dateTime` (RFC 3339, `Z` or an offset; a missing zone is
/// taken as UTC, as GPX 1.1 requires) to UTC milliseconds and the offset in
/// seconds it was written with (`None` for `Z` or no zone). Fractions of a
/// millisecond are truncated, as chrono's `timestamp_millis` does.
pub fn parse_time(text: &str) -> Option<(i64, Option<i32>)> {
    let t = text.trim_ascii();
    if let Some(r) = parse_time_fast(t.as_bytes()) {
        return Some(r);
    }
    parse_time_chrono(t)
}

/// The general (slow) path: chrono's RFC 3339 parser, then a zone-less form.
fn parse_time_chrono(t: &str) -> Option<(i64, Option<i32>)> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        let off = dt.offset().local_minus_utc();
        let zulu = t.ends_with('Z') || t.ends_with('z');
        return Some((dt.timestamp_millis(), if zulu { None } else { Some(off) }));
    }
    // No zone: UTC by the GPX 1.1 schema.
    let naive = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some((naive.and_utc().timestamp_millis(), None))
}

/// Fast path for `YYYY-MM-DDTHH:MM:SS(.f+)?(Z|±HH:MM)?`, the form every
/// device writes. Anything else (leap seconds, odd separators, out-of-range
/// fields) returns `None` and goes to chrono.
fn parse_time_fast(b: &[u8]) -> Option<(i64, Option<i32>)> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])? as i64;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_s: Option<i32> = match &b[i..] {
        [] | [b'Z'] => None,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let s = (h * 3600 + m * 60) as i32;
            Some(if *sign == b'-' { -s } else { s })
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local_s = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let utc_s = local_s - i64::from(offset_s.unwrap_or(0));
    Some((utc_s * 1000 + millis, offset_s))
}

/// ASCII digits to a number; `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date. Howard Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms", `days_from_civil`
/// (<http://howardhinnant.github.io/date_algorithms.html#days_from_civil>).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Text content of one element, collected from text, CDATA and reference
/// events into one reused buffer (no allocation per element once warm).
#[derive(Debug, Default)]
pub struct TextBuf {
    buf: String,
    /// Custom entity references met and left unexpanded (`&name;`).
    pub unexpanded_entities: usize,
}

impl TextBuf {
    /// Forget the current content (keeps the allocation).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Append literal text.
    pub fn push(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    /// Append a reference (`lt`, `#65`, `#x41`, `name`): predefined entities
    /// and character references are resolved; anything else is left out and
    /// counted, never expanded.
    pub fn push_ref(&mut self, name: &str) {
        match resolve_ref(name) {
            Some(c) => self.buf.push(c),
            None => self.unexpanded_entities += 1,
        }
    }

    /// Note a reference met in text the reader does not keep: only custom
    /// entities are counted (for the warning).
    pub fn skip_ref(&mut self, name: &str) {
        if resolve_ref(name).is_none() {
            self.unexpanded_entities += 1;
        }
    }

    /// The content collected so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// The content, trimmed, or `None` when blank.
    pub fn non_blank(&self) -> Option<String> {
        let t = self.buf.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

/// The character a predefined entity or character reference stands for;
/// `None` for a custom entity (which is never expanded).
fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => name.strip_prefix('#').and_then(|n| {
            let v = match n.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse::<u32>().ok(),
            };
            v.and_then(char::from_u32)
        }),
    }
}

/// Make the bytes UTF-8 for quick-xml: a file that is not valid UTF-8 is
/// read as ISO-8859-1 (what such files almost always are: old GPSBabel and
/// Windows tools), with a warning unless the file declares it. UTF-16 is
/// refused with a message saying so.
pub fn as_utf8(bytes: &[u8]) -> Result<(Cow<'_, [u8]>, Option<String>), String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("the file is UTF-16, which is not supported; save it as UTF-8".into());
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Ok((Cow::Borrowed(bytes), None));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let declared_latin1 = [
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "windows-1252",
    ]
    .iter()
    .any(|e| head.contains(e));
    // ISO-8859-1 maps each byte to the code point of the same value.
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let warning = (!declared_latin1)
        .then(|| "the file is not valid UTF-8; it was read as ISO-8859-1 (Latin-1)".to_string());
    Ok((Cow::Owned(text.into_bytes()), warning))
}

/// A `Malformed` error naming quick-xml's reason and the byte position.
pub fn malformed(
    path: &str,
    format: &'static str,
    reason: impl std::fmt::Display,
    at_byte: u64,
) -> IngestError {
    IngestError::Malformed {
        path: path.to_string(),
        format,
        reason: format!("{reason} (at byte {at_byte})"),
    }
}

/// The warning for a document whose XML breaks off after good data was read.
pub fn broken_off_warning(reason: impl std::fmt::Display, at_byte: u64) -> String {
    format!(
        "XML error at byte {at_byte}: {reason}; the file is damaged or cut short: \
         the data before the error was kept"
    )
}

/// Where the reader's last error happened. quick-xml records a position
/// for syntax errors only; for others the current position is the best
/// there is.
pub fn error_at(reader: &NsPull<'_>) -> u64 {
    match reader.reader.error_position() {
        0 => reader.reader.buffer_position(),
        at => at,
    }
}

/// The UTC offsets a document's times were written with: the first is the
/// recording's own (docs/METHOD.md §2, local time for tags); later ones that
/// differ are counted for a warning. Shared by the GPX and TCX readers.
#[derive(Debug, Default)]
pub struct Offsets {
    /// The first time's offset (`Some(None)`: written in UTC, `Z`).
    first: Option<Option<i32>>,
    /// Later times written with another offset.
    differ: usize,
}

impl Offsets {
    /// Note the offset of one more time.
    pub fn see(&mut self, offset_s: Option<i32>) {
        match self.first {
            None => self.first = Some(offset_s),
            Some(first) if first != offset_s => self.differ += 1,
            Some(_) => {}
        }
    }

    /// The recording's offset, when its first time carried one.
    pub fn utc_offset(&self) -> Option<UtcOffset> {
        let seconds = self.first.flatten()?;
        Some(UtcOffset {
            seconds,
            source: OffsetSource::TimeOffset,
        })
    }

    /// The warning when later times used another offset.
    pub fn warning(&self) -> Option<String> {
        (self.differ > 0).then(|| {
            format!(
                "{} time(s) were written with a different UTC offset than the first; the first is used",
                self.differ
            )
        })
    }
}

/// Warnings the XML readers share, each for a count of values (none for 0).
pub mod warn {
    /// Times that did not parse.
    pub fn bad_times(n: usize) -> Option<String> {
        (n > 0).then(|| format!("{n} time(s) could not be read"))
    }

    /// Values that were not numbers.
    pub fn bad_numbers(n: usize) -> Option<String> {
        (n > 0).then(|| format!("{n} value(s) could not be read as numbers and were left out"))
    }

    /// Custom entity references (only XML's predefined ones are read).
    pub fn unexpanded_entities(n: usize) -> Option<String> {
        (n > 0).then(|| {
            format!(
                "{n} custom entity reference(s) were left unexpanded (only XML's predefined entities are read)"
            )
        })
    }
}

/// Open elements allowed at once: quick-xml's `NsReader` limit (`u16::MAX`).
const MAX_OPEN_ELEMENTS: usize = u16::MAX as usize;

/// A namespace-aware pull reader over a document in memory: quick-xml's
/// [`Reader`] and its [`NamespaceResolver`], as quick-xml's `NsReader`
/// combines them, except that a resolver scope is opened only for an element
/// whose attributes declare a namespace. `NsReader` parses every element's
/// attributes to look for declarations; in a GPX or TCX file almost none
/// has one (callgrind on 21 one-hour GPX files: 4 % of the reader's
/// instructions, 7 % with the read loop inlined). Resolution is the same:
/// it depends only on the bindings in force.
pub struct NsPull<'a> {
    reader: Reader<&'a [u8]>,
    resolver: NamespaceResolver,
    /// One entry per open element: whether it opened a resolver scope.
    scopes: Vec<bool>,
    /// The last event closed an element (`End`, or `Empty`); its scope ends
    /// before the next event is read, so the caller can still resolve it.
    pending_pop: bool,
    /// Bumped whenever a resolver scope opens or closes.
    bindings_version: u64,
}

impl<'a> NsPull<'a> {
    /// A reader over `text` (UTF-8 bytes).
    pub fn new(text: &'a [u8]) -> Self {
        NsPull {
            reader: Reader::from_reader(text),
            resolver: NamespaceResolver::default(),
            scopes: Vec::with_capacity(16),
            pending_pop: false,
            bindings_version: 0,
        }
    }

    /// The next event; namespace declarations of `Start` and `Empty`
    /// elements are in force when it is returned.
    #[inline(always)]
    pub fn read_event(&mut self) -> quick_xml::Result<Event<'a>> {
        if self.pending_pop {
            self.pending_pop = false;
            if self.scopes.pop() == Some(true) {
                self.resolver.pop();
                self.bindings_version += 1;
            }
        }
        let ev = self.reader.read_event()?;
        match &ev {
            Event::Start(e) => self.open(e)?,
            Event::Empty(e) => {
                self.open(e)?;
                self.pending_pop = true;
            }
            Event::End(_) => self.pending_pop = true,
            _ => {}
        }
        Ok(ev)
    }

    fn open(&mut self, e: &BytesStart<'_>) -> quick_xml::Result<()> {
        // NsReader's bound, kept: it counted every element, so a document
        // nested deeper than this stopped with an error (a partial read)
        // instead of growing the open-element stacks by the million.
        if self.scopes.len() >= MAX_OPEN_ELEMENTS {
            return Err(NamespaceError::TooDeeplyNested(MAX_OPEN_ELEMENTS).into());
        }
        // `xmlns` and `xmlns:p` attributes both contain the substring; a
        // value that merely mentions it only costs a needless scope.
        // Most elements have no attributes or no 'x' in them: the byte
        // search (memchr) settles those before the substring search.
        let raw = e.attributes_raw();
        let declares = raw.as_bytes().contains(&b'x') && raw.contains("xmlns");
        if declares {
            self.resolver.push(e)?;
            self.bindings_version += 1;
        }
        self.scopes.push(declares);
        Ok(())
    }

    /// The namespace and local name of an element name.
    pub fn resolve_element<'n>(&self, name: QName<'n>) -> (ResolveResult<'_>, LocalName<'n>) {
        self.resolver.resolve_element(name)
    }

    /// Changes whenever the namespace bindings in force may have changed:
    /// a name resolved under one version resolves the same while it lasts.
    pub fn bindings_version(&self) -> u64 {
        self.bindings_version
    }

    /// Bytes consumed so far.
    pub fn buffer_position(&self) -> u64 {
        self.reader.buffer_position()
    }
}

/// The element-level calls of a streaming reader (GPX, TCX): [`drive`]
/// turns a document's events into them, so each reader holds only what its
/// format means.
pub trait Handler {
    /// The format's name in messages ("GPX").
    const FORMAT: &'static str;
    /// The root element (`open`: a start tag, not an empty element); `Err`
    /// when it is not the format's root.
    fn root(
        &mut self,
        reader: &NsPull<'_>,
        e: &BytesStart<'_>,
        open: bool,
    ) -> Result<(), IngestError>;
    /// A child element opened (an empty element is followed by [`Self::end`]).
    fn start(&mut self, reader: &NsPull<'_>, e: &BytesStart<'_>);
    /// The innermost open element closed.
    fn end(&mut self);
    /// The text buffer, and whether the innermost element's text is kept.
    fn text(&mut self) -> (&mut TextBuf, bool);
    /// Whether anything was read, so that a later XML error is a warning
    /// (the data before it kept) rather than a failure.
    fn has_data(&self) -> bool;
    /// The document broke off after some data: record `warning`.
    fn broken_off(&mut self, warning: String);
}

/// Stream the UTF-8 document `text` through `h`. `Ok(true)` when it was
/// read to the end, `Ok(false)` when an XML error cut it short after some
/// data (`h` has the warning); `Err` when nothing could be read or the
/// root is wrong.
pub fn drive<H: Handler>(h: &mut H, path: &str, text: &[u8]) -> Result<bool, IngestError> {
    let mut reader = NsPull::new(text);
    let mut seen_root = false;
    loop {
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = error_at(&reader);
                if !h.has_data() {
                    return Err(malformed(path, H::FORMAT, e, at));
                }
                h.broken_off(broken_off_warning(e, at));
                return Ok(false);
            }
        };
        match ev {
            Event::Start(e) if !seen_root => {
                h.root(&reader, &e, true)?;
                seen_root = true;
            }
            Event::Empty(e) if !seen_root => {
                h.root(&reader, &e, false)?;
                seen_root = true;
            }
            Event::Start(e) => h.start(&reader, &e),
            Event::Empty(e) => {
                h.start(&reader, &e);
                h.end();
            }
            Event::End(_) => h.end(),
            Event::Text(t) => {
                if let (buf, true) = h.text() {
                    buf.push(&t);
                }
            }
            Event::CData(t) => {
                if let (buf, true) = h.text() {
                    buf.push(&t);
                }
            }
            Event::GeneralRef(r) => match h.text() {
                (buf, true) => buf.push_ref(&r),
                (buf, false) => buf.skip_ref(&r),
            },
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !seen_root {
        return Err(malformed(
            path,
            H::FORMAT,
            "no XML element found",
            reader.buffer_position(),
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_to_exactly_what_the_standard_parser_gives() {
        use rand::{Rng, SeedableRng};
        let std_parse = |t: &str| t.trim_ascii().parse::<f64>().ok().filter(|v| v.is_finite());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(26);
        for _ in 0..200_000 {
            // Up to 16 digits, a point anywhere, an optional sign: inside
            // and just outside the fast path's reach.
            let n = rng.random_range(1..=17);
            let mut t: String = (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            if rng.random_bool(0.8) {
                t.insert(rng.random_range(0..=t.len()), '.');
            }
            match rng.random_range(0..4) {
                0 => t.insert(0, '-'),
                1 => t.insert(0, '+'),
                _ => {}
            }
            let got = parse_f64(&t);
            let want = std_parse(&t);
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "{t:?}: {got:?} vs {want:?}"
            );
        }
        for t in [
            "48.1599202",
            "-0",
            "-0.0",
            "0.1",
            "0.3",
            "9007199254740.993",
            "123456789012345",
            "1234567890123456",
            ".5",
            "5.",
            "1e3",
            "1.2.3",
            "-",
            "+",
            "",
            " 7.25 ",
            "--1",
            "0x10",
            "١٢",
        ] {
            assert_eq!(
                parse_f64(t).map(f64::to_bits),
                std_parse(t).map(f64::to_bits),
                "{t:?}"
            );
        }
    }

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

    #[test]
    fn the_fast_time_path_agrees_with_chrono_on_many_forms() {
        // chrono is the independent reference; the fast path must give the
        // same millisecond and offset wherever it accepts a string.
        let fracs = ["", ".5", ".25", ".207", ".2073437", ".999999999"];
        let zones = [
            "", "Z", "+00:00", "+01:00", "-08:00", "+05:45", "-00:30", "+14:00",
        ];
        let dates = [
            "1901-12-13T20:45:52",
            "1969-12-31T23:59:59",
            "1970-01-01T00:00:00",
            "2000-02-29T12:00:00",
            "2024-02-29T23:59:59",
            "2026-05-03T06:42:10",
            "2100-03-01T00:00:01",
            "0001-01-01T00:00:00",
        ];
        let mut checked = 0;
        for d in dates {
            for f in fracs {
                for z in zones {
                    let s = format!("{d}{f}{z}");
                    let fast = parse_time_fast(s.as_bytes());
                    assert!(fast.is_some(), "fast path refused {s}");
                    assert_eq!(fast, parse_time_chrono(&s), "{s}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, dates.len() * fracs.len() * zones.len());
    }

    #[test]
    fn impossible_dates_and_odd_forms_fall_back_to_chrono() {
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-03T24:00:00Z",
            "2026-05-03 06:42:10Z",
            "2026-05-03T06:42:10.Z",
            "2026-05-03T06:42:10+0200",
        ] {
            assert_eq!(parse_time_fast(s.as_bytes()), None, "{s}");
            assert_eq!(parse_time(s), parse_time_chrono(s), "{s}");
        }
        // chrono reads a space separator; the answer must not change.
        assert_eq!(
            parse_time("2026-05-03 06:42:10Z"),
            parse_time("2026-05-03T06:42:10Z")
        );
    }

    #[test]
    fn custom_entities_are_never_expanded_but_predefined_ones_are() {
        let mut t = TextBuf::default();
        t.push("a");
        t.push_ref("lt");
        t.push_ref("lol9");
        t.push_ref("#65");
        t.push_ref("#x42");
        assert_eq!(t.as_str(), "a<AB");
        assert_eq!(t.unexpanded_entities, 1);
    }

    #[test]
    fn latin1_bytes_are_transcoded_with_a_warning_unless_declared() {
        let undeclared = b"<gpx><name>Cerkni\xe8ko</name></gpx>";
        let (text, warning) = as_utf8(undeclared).unwrap();
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            "<gpx><name>Cerkni\u{e8}ko</name></gpx>"
        );
        assert!(warning.is_some());
        let declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><gpx>\xe8</gpx>";
        assert!(as_utf8(declared).unwrap().1.is_none());
        assert!(as_utf8(b"\xff\xfe<\0g\0").is_err());
    }
}
