//! Apple Health exports (DESIGN §6): `export.xml` streamed once, its
//! running workouts joined with the heart-rate records written during them
//! and with their route files, one activity per workout.
//!
//! An `export.xml` of several GB is normal, so nothing reads it whole:
//! [`scan`] pulls events from a `Read` (a file or a zip entry being
//! inflated), keeps every workout (small) and every heart-rate record
//! compactly (16 bytes each), and at the end hands each workout the records
//! of its own window. The route GPX files are read later, one workout at a
//! time, by [`build`].
//!
//! The export's known damage is read through and said: the malformed DTD
//! iOS 16 wrote (an unclosed `<!ATTLIST VisionPrescription`) and stray
//! control bytes such as `\x0B`, which no XML may hold.

use std::collections::HashMap;
use std::io::{BufReader, Read};

use chrono::NaiveDateTime;
use quick_xml::events::{BytesStart, Event};

use super::gpx;
use crate::activity::{
    Activity, ActivityMeta, Format, OffsetSource, RawSample, Sport, TrackBuilder, UtcOffset,
};
use crate::error::IngestError;

/// The root element that marks an Apple Health export's main XML, whatever
/// its (localised) file name.
pub const ROOT_TAG: &str = "<HealthData";

/// How far into a file [`looks_like_export`] searches for the root (the DTD
/// before it is ~15 KB in recent exports).
pub const SNIFF_BYTES: usize = 256 * 1024;

/// Whether these first bytes of an `.xml` file are an Apple Health export's
/// main XML (its root is `<HealthData>`; `export_cda.xml` is not).
pub fn looks_like_export(head: &[u8]) -> bool {
    memchr::memmem::find(head, ROOT_TAG.as_bytes()).is_some()
}

/// The heart-rate record type (`count/min`).
const HR_TYPE: &str = "HKQuantityTypeIdentifierHeartRate";

/// Heart-rate records further apart than this are not interpolated between
/// onto route points: the watch wrote none for that stretch (a pause, a
/// loose strap). Apple Watch writes one about every 5 s during a workout.
const HR_MAX_BRACKET_S: f64 = 30.0;

/// A route point this close to a lone heart-rate record takes its value.
const HR_NEAREST_S: f64 = 5.0;

/// How far (seconds) route points may lie outside the workout's start and
/// end and still belong to it (the route starts as GPS locks on).
const ROUTE_SLACK_S: i64 = 60;

/// One workout as `export.xml` describes it, with its heart rate joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Workout {
    /// `HKWorkoutActivityTypeRunning` and the like.
    pub activity_type: String,
    /// `startDate` exactly as written (`2019-06-11 15:00:42 -0700`): a tag
    /// file's `file` may name the workout by it.
    pub start_text: String,
    /// Start, UTC milliseconds.
    pub start_ms: i64,
    /// End, UTC milliseconds.
    pub end_ms: i64,
    /// The runner's offset on `startDate`, seconds east of UTC.
    pub offset_s: i32,
    /// The app that recorded it (`Anna’s Apple Watch`).
    pub source_name: Option<String>,
    /// The device's name and hardware, from the `device` attribute.
    pub device: Option<String>,
    /// Active time in seconds (`duration`, pauses excluded).
    pub duration_s: Option<f64>,
    /// Distance in metres (`totalDistance`, else `WorkoutStatistics`).
    pub distance_m: Option<f64>,
    /// Whether `HKIndoorWorkout` is 1 (a treadmill run).
    pub indoor: bool,
    /// The route file's base name (`route_2019-06-11_3.00pm.gpx`).
    pub route_file: Option<String>,
    /// Positions written inline as `<Location>` (exports before iOS 11).
    pub locations: Vec<RawSample>,
    /// Paused stretches from the workout's events, UTC ms.
    pub pauses_ms: Vec<(i64, i64)>,
    /// The heart-rate records of the workout's window from its chosen
    /// source: (UTC ms, bpm), in time order.
    pub hr: Vec<(i64, f32)>,
    /// What was guessed or dropped for this workout.
    pub warnings: Vec<String>,
}

impl Workout {
    /// The sport the workout type names (`HKWorkoutActivityTypeOther` is
    /// another sport, not an unstated one).
    pub fn sport(&self) -> Sport {
        let name = self
            .activity_type
            .strip_prefix("HKWorkoutActivityType")
            .unwrap_or(&self.activity_type);
        match name.to_ascii_lowercase().as_str() {
            "other" | "" => Sport::Other("other".into()),
            "mixedcardio" => Sport::Other("mixed cardio".into()),
            n => Sport::from_name(n),
        }
    }

    /// Names a tag file's `file` column may give this workout besides its
    /// route file: its start as written, to the second or to the minute.
    pub fn aliases(&self) -> Vec<String> {
        let mut v = vec![self.start_text.clone()];
        for n in [19, 16] {
            if let Some(s) = self.start_text.get(..n)
                && !v.iter().any(|x| x == s)
            {
                v.push(s.to_string());
            }
        }
        v
    }
}

/// What one pass over `export.xml` found.
#[derive(Debug, Default)]
pub struct Export {
    /// Every workout, in file order.
    pub workouts: Vec<Workout>,
    /// Heart-rate records in the whole file.
    pub hr_records: usize,
    /// Records of all types.
    pub records: usize,
    /// What was read through (DTD, control bytes, a broken-off file).
    pub warnings: Vec<String>,
    /// Whether the file reached `</HealthData>` (a cut or damaged one
    /// loses its workouts, which come after every record).
    pub complete: bool,
}

/// One heart-rate record, kept compact: millions are normal.
#[derive(Debug, Clone, Copy)]
struct HrRecord {
    time_ms: i64,
    bpm: f32,
    source: u32,
}

/// A workout event (`HKWorkoutEventTypePause` …) at UTC ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct WorkoutEvent {
    time_ms: i64,
    kind: EventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    /// `HKWorkoutEventTypePause` (the runner pressed pause).
    Pause,
    /// `HKWorkoutEventTypeResume`.
    Resume,
    /// `HKWorkoutEventTypeMotionPaused` (auto-pause).
    MotionPaused,
    /// `HKWorkoutEventTypeMotionResumed`.
    MotionResumed,
}

/// Parse `yyyy-MM-dd HH:mm:ss ±hhmm` into UTC ms and the offset in seconds.
pub fn parse_date(text: &str) -> Option<(i64, i32)> {
    let t = text.trim();
    let (local, off) = t.rsplit_once(' ')?;
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").ok()?;
    let sign = match off.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    // `hhmm` (or `hh:mm`), read without allocating: millions of records.
    let mut d = off.bytes().skip(1).filter(|&b| b != b':');
    let mut digit = || -> Option<i32> {
        let b = d.next()?;
        b.is_ascii_digit().then(|| i32::from(b - b'0'))
    };
    let (h1, h2, m1, m2) = (digit()?, digit()?, digit()?, digit()?);
    if d.next().is_some() {
        return None;
    }
    let (h, m) = (h1 * 10 + h2, m1 * 10 + m2);
    if h > 18 || m > 59 {
        return None;
    }
    let offset_s = sign * (h * 3600 + m * 60);
    let utc_ms = naive.and_utc().timestamp_millis() - i64::from(offset_s) * 1000;
    Some((utc_ms, offset_s))
}

/// A length in metres from a value and Apple's unit name.
fn metres(value: f64, unit: &str) -> Option<f64> {
    let f = match unit {
        "km" => 1000.0,
        "m" => 1.0,
        "mi" => 1609.344,
        "yd" => 0.9144,
        "ft" => 0.3048,
        "cm" => 0.01,
        _ => return None,
    };
    Some(value * f)
}

/// A duration in seconds from a value and Apple's unit name.
fn seconds(value: f64, unit: &str) -> Option<f64> {
    let f = match unit {
        "min" => 60.0,
        "s" => 1.0,
        "hr" | "h" => 3600.0,
        "ms" => 0.001,
        _ => return None,
    };
    Some(value * f)
}

/// The device's name and hardware from Apple's `device` attribute
/// (`<<HKDevice: 0x…>, name:Apple Watch, …, hardware:Watch2,4, software:4.3.1>`).
fn device_name(attr: &str) -> Option<String> {
    let field = |key: &str| -> Option<String> {
        let at = attr.find(&format!("{key}:"))? + key.len() + 1;
        let rest = &attr[at..];
        // A value ends at the next `, key:` (hardware names hold commas:
        // `Watch2,4`) or at the closing `>`.
        let next_key = rest.match_indices(", ").map(|(i, _)| i).find(|&i| {
            let after = &rest[i + 2..];
            after
                .find(':')
                .is_some_and(|c| c > 0 && after[..c].bytes().all(|b| b.is_ascii_alphabetic()))
        });
        let end = next_key
            .or_else(|| rest.find('>'))
            .unwrap_or(rest.len())
            .min(rest.find('>').unwrap_or(rest.len()));
        let v = rest[..end].trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    match (field("name"), field("hardware")) {
        (Some(n), Some(h)) => Some(format!("{n} ({h})")),
        (Some(n), None) => Some(n),
        _ => None,
    }
}

/// A `Read` that hides the export's known damage from the XML parser: the
/// internal DTD in the header (never needed; malformed in iOS 16's exports)
/// and control bytes XML forbids.
struct Cleaner<R> {
    inner: R,
    /// Header bytes with the DTD cut out, served before `inner`.
    head: Vec<u8>,
    head_at: usize,
    control_bytes: u64,
    bytes_read: u64,
}

impl<R: Read> Cleaner<R> {
    /// Read the header up to the root element and cut the DTD out of it.
    /// Returns the cleaner and whether the DTD was malformed.
    fn new(mut inner: R) -> std::io::Result<(Self, bool)> {
        let mut head = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let mut bytes_read = 0u64;
        let root_at = loop {
            if let Some(i) = memchr::memmem::find(&head, ROOT_TAG.as_bytes()) {
                break Some(i);
            }
            if head.len() >= 4 * SNIFF_BYTES {
                break None;
            }
            let n = inner.read(&mut chunk)?;
            if n == 0 {
                break None;
            }
            bytes_read += n as u64;
            head.extend_from_slice(&chunk[..n]);
        };
        let mut malformed = false;
        if let Some(root) = root_at
            && let Some(start) = memchr::memmem::find(&head[..root], b"<!DOCTYPE")
        {
            let dtd = &head[start..root];
            // The DTD ends at its last `>` before the root.
            let end = start + dtd.iter().rposition(|&b| b == b'>').map_or(0, |i| i + 1);
            malformed = dtd_is_malformed(&head[start..end]);
            head.drain(start..end);
        }
        Ok((
            Cleaner {
                inner,
                head,
                head_at: 0,
                control_bytes: 0,
                bytes_read,
            },
            malformed,
        ))
    }

    /// Drop the bytes XML 1.0 forbids (C0 controls but tab, LF, CR).
    fn scrub(&mut self, buf: &mut [u8], n: usize) -> usize {
        let bad = |b: u8| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r';
        if !buf[..n].iter().any(|&b| bad(b)) {
            return n;
        }
        let mut w = 0;
        for r in 0..n {
            let b = buf[r];
            if bad(b) {
                self.control_bytes += 1;
            } else {
                buf[w] = b;
                w += 1;
            }
        }
        w
    }
}

/// Whether a DTD's declarations are unbalanced: a `<!` opened before the
/// previous one closed (iOS 16's `<!ATTLIST VisionPrescription` without
/// its `>`).
fn dtd_is_malformed(dtd: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'[', dtd) else {
        return false;
    };
    let mut inside = false;
    let mut i = open + 1;
    while i < dtd.len() {
        if dtd[i..].starts_with(b"<!--") {
            match memchr::memmem::find(&dtd[i..], b"-->") {
                Some(e) => i += e + 3,
                None => return true,
            }
            continue;
        }
        match dtd[i] {
            b'<' if inside => return true,
            b'<' => inside = true,
            b'>' => inside = false,
            _ => {}
        }
        i += 1;
    }
    false
}

impl<R: Read> Read for Cleaner<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = if self.head_at < self.head.len() {
                let n = (self.head.len() - self.head_at).min(buf.len());
                buf[..n].copy_from_slice(&self.head[self.head_at..self.head_at + n]);
                self.head_at += n;
                if self.head_at == self.head.len() {
                    self.head = Vec::new();
                    self.head_at = 0;
                }
                n
            } else {
                let n = self.inner.read(buf)?;
                self.bytes_read += n as u64;
                n
            };
            if n == 0 {
                return Ok(0);
            }
            let kept = self.scrub(buf, n);
            // A buffer of nothing but control bytes is not the end.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// The workout being read.
#[derive(Debug, Default)]
struct Open {
    w: Option<Workout>,
    events: Vec<WorkoutEvent>,
    stat_distance_m: Option<f64>,
    in_route: bool,
    bad_locations: usize,
}

/// Read an `export.xml` stream once. `shown` names it in messages.
///
/// Errors: [`IngestError::Malformed`] when the stream is not an Apple
/// Health export or breaks off before any workout. An XML error after some
/// workouts keeps them, with a warning.
pub fn scan<R: Read>(shown: &str, input: R) -> Result<Export, IngestError> {
    let io = |source| IngestError::Io {
        path: shown.to_string(),
        source,
    };
    let (cleaner, dtd_malformed) = Cleaner::new(input).map_err(io)?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(1 << 20, cleaner));
    reader.config_mut().check_end_names = false;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut export = Export::default();
    if dtd_malformed {
        export.warnings.push(
            "the DTD in its header is malformed (iOS 16 wrote an unclosed `<!ATTLIST`); it was ignored"
                .to_string(),
        );
    }
    let mut hr: Vec<HrRecord> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut source_ids: HashMap<String, u32> = HashMap::new();
    let mut open = Open::default();
    let mut seen_root = false;
    let mut root_closed = false;
    let mut broke_off = false;
    let mut bad_records = 0usize;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position();
                if !seen_root {
                    return Err(super::xml::malformed(
                        shown,
                        "Apple Health export",
                        e.to_string(),
                        at,
                    ));
                }
                export.warnings.push(super::xml::broken_off_warning(
                    format!("{e}; the workouts after it were not read"),
                    at,
                ));
                broke_off = true;
                break;
            }
        };
        // A self-closing element has no end event: `<Workout …/>` (a
        // summary without children) ends where it starts.
        let self_closing = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "Record" => {
                    export.records += 1;
                    match hr_record(&e) {
                        HrRead::Not => {}
                        HrRead::Bad => bad_records += 1,
                        HrRead::Ok(t, bpm, source) => {
                            let id = match source_ids.get(source.as_ref()) {
                                Some(&id) => id,
                                None => {
                                    let id = sources.len() as u32;
                                    sources.push(source.to_string());
                                    source_ids.insert(source.to_string(), id);
                                    id
                                }
                            };
                            hr.push(HrRecord {
                                time_ms: t,
                                bpm,
                                source: id,
                            });
                        }
                    }
                }
                "HealthData" => seen_root = true,
                "Workout" => {
                    finish_workout(&mut open, &mut export);
                    open.w = workout_start(&e, &mut export.warnings);
                    if self_closing {
                        finish_workout(&mut open, &mut export);
                    }
                }
                "WorkoutRoute" if self_closing => {}
                _ if open.w.is_some() => workout_child(&e, &mut open),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "HealthData" => root_closed = true,
                "Workout" => finish_workout(&mut open, &mut export),
                "WorkoutRoute" => open.in_route = false,
                _ => {}
            },
            _ => {}
        }
    }
    finish_workout(&mut open, &mut export);
    if !seen_root {
        return Err(super::xml::malformed(
            shown,
            "Apple Health export",
            "its root element is not <HealthData>".to_string(),
            0,
        ));
    }
    if !root_closed && !broke_off {
        export.warnings.push(
            "the file ends before </HealthData>: it was cut short, and what followed (workouts come last) is missing"
                .to_string(),
        );
    }
    export.complete = root_closed;
    let cleaner = reader.into_inner().into_inner();
    if cleaner.control_bytes > 0 {
        export.warnings.push(format!(
            "{} control byte(s) that XML forbids (such as \\x0B) were dropped",
            cleaner.control_bytes
        ));
    }
    if bad_records > 0 {
        export.warnings.push(format!(
            "{bad_records} heart-rate record(s) without a readable date or value were left out"
        ));
    }
    export.hr_records = hr.len();
    join_heart_rate(&mut export.workouts, hr, &sources);
    Ok(export)
}

enum HrRead<'a> {
    Not,
    Bad,
    Ok(i64, f32, std::borrow::Cow<'a, str>),
}

/// A `<Record>`'s heart rate: its time, bpm and source, if it is one.
fn hr_record<'a>(e: &'a BytesStart<'_>) -> HrRead<'a> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    let mut is_hr = false;
    let (mut time, mut value, mut unit_per_s, mut source) = (None, None, false, None);
    for a in attrs.flatten() {
        match a.key.as_ref() {
            "type" => {
                if a.value != HR_TYPE {
                    return HrRead::Not;
                }
                is_hr = true;
            }
            "startDate" => time = parse_date(&a.value).map(|(t, _)| t),
            "value" => value = a.value.trim().parse::<f32>().ok(),
            "unit" => unit_per_s = a.value == "count/s",
            "sourceName" => {
                source = Some(match a.value {
                    std::borrow::Cow::Borrowed(s) if !s.contains('&') => {
                        std::borrow::Cow::Borrowed(s)
                    }
                    v => std::borrow::Cow::Owned(
                        quick_xml::escape::unescape(&v)
                            .map(|c| c.into_owned())
                            .unwrap_or_else(|_| v.to_string()),
                    ),
                })
            }
            _ => {}
        }
    }
    if !is_hr {
        return HrRead::Not;
    }
    match (time, value) {
        (Some(t), Some(v)) if v.is_finite() => HrRead::Ok(
            t,
            if unit_per_s { v * 60.0 } else { v },
            source.unwrap_or(std::borrow::Cow::Borrowed("")),
        ),
        _ => HrRead::Bad,
    }
}

/// An attribute's unescaped value.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs.flatten().find(|a| a.key.as_ref() == name).map(|a| {
        quick_xml::escape::unescape(&a.value)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| a.value.to_string())
    })
}

fn attr_f64(e: &BytesStart<'_>, name: &str) -> Option<f64> {
    attr(e, name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// A `<Workout>` start tag as a new workout (`None`, with a warning, when
/// its dates cannot be read).
fn workout_start(e: &BytesStart<'_>, warnings: &mut Vec<String>) -> Option<Workout> {
    let activity_type = attr(e, "workoutActivityType").unwrap_or_default();
    let start_text = attr(e, "startDate").unwrap_or_default();
    let end_text = attr(e, "endDate").unwrap_or_default();
    let (Some((start_ms, offset_s)), Some((end_ms, _))) =
        (parse_date(&start_text), parse_date(&end_text))
    else {
        warnings.push(format!(
            "a workout ({activity_type}) with unreadable dates (start {start_text:?}, end {end_text:?}) was left out"
        ));
        return None;
    };
    let duration_s = attr_f64(e, "duration")
        .and_then(|d| seconds(d, &attr(e, "durationUnit").unwrap_or_else(|| "min".into())));
    let distance_m = attr_f64(e, "totalDistance").and_then(|d| {
        metres(
            d,
            &attr(e, "totalDistanceUnit").unwrap_or_else(|| "km".into()),
        )
    });
    Some(Workout {
        activity_type,
        start_text,
        start_ms,
        end_ms: end_ms.max(start_ms),
        offset_s,
        source_name: attr(e, "sourceName"),
        device: attr(e, "device").and_then(|d| device_name(&d)),
        duration_s,
        distance_m,
        indoor: false,
        route_file: None,
        locations: Vec::new(),
        pauses_ms: Vec::new(),
        hr: Vec::new(),
        warnings: Vec::new(),
    })
}

/// An element inside a `<Workout>` (at any depth: newer exports repeat the
/// events under `<WorkoutActivity>`).
fn workout_child(e: &BytesStart<'_>, open: &mut Open) {
    let Some(w) = open.w.as_mut() else {
        return;
    };
    match e.local_name().as_ref() {
        "WorkoutEvent" => {
            let kind = match attr(e, "type").as_deref() {
                Some("HKWorkoutEventTypePause") => EventKind::Pause,
                Some("HKWorkoutEventTypeResume") => EventKind::Resume,
                Some("HKWorkoutEventTypeMotionPaused") => EventKind::MotionPaused,
                Some("HKWorkoutEventTypeMotionResumed") => EventKind::MotionResumed,
                _ => return,
            };
            if let Some((t, _)) = attr(e, "date").and_then(|d| parse_date(&d)) {
                open.events.push(WorkoutEvent { time_ms: t, kind });
            }
        }
        "WorkoutStatistics" => {
            let ty = attr(e, "type").unwrap_or_default();
            if ty.starts_with("HKQuantityTypeIdentifierDistance")
                && let Some(sum) = attr_f64(e, "sum")
                && let Some(m) = metres(sum, &attr(e, "unit").unwrap_or_default())
            {
                open.stat_distance_m = Some(m);
            }
        }
        "MetadataEntry"
            if !open.in_route && attr(e, "key").as_deref() == Some("HKIndoorWorkout") =>
        {
            w.indoor = attr(e, "value").is_some_and(|v| v.trim() == "1");
        }
        "WorkoutRoute" => open.in_route = true,
        "FileReference" => {
            if let Some(p) = attr(e, "path") {
                let base = p.rsplit(['/', '\\']).next().unwrap_or(&p).to_string();
                if !base.is_empty() {
                    w.route_file = Some(base);
                }
            }
        }
        "Location" => {
            let date = attr(e, "date").and_then(|d| parse_date(&d));
            let (lat, lon) = (attr_f64(e, "latitude"), attr_f64(e, "longitude"));
            match (date, lat, lon) {
                (Some((t, _)), Some(lat), Some(lon)) => w.locations.push(RawSample {
                    time_ms: t,
                    lat_deg: Some(lat),
                    lon_deg: Some(lon),
                    altitude_m: attr_f64(e, "altitude"),
                    speed_mps: attr_f64(e, "speed").filter(|s| *s >= 0.0),
                    ..RawSample::default()
                }),
                _ => open.bad_locations += 1,
            }
        }
        _ => {}
    }
}

/// Close the open workout: pauses from its events, distance from its
/// statistics when the attribute is missing.
fn finish_workout(open: &mut Open, export: &mut Export) {
    let Some(mut w) = open.w.take() else {
        return;
    };
    let mut events = std::mem::take(&mut open.events);
    // Newer exports repeat each event under <WorkoutActivity>: count once.
    events.sort();
    events.dedup();
    // Manual and automatic pauses pair separately (an auto-pause may end
    // inside a manual one); their stretches are merged when the activity
    // is built.
    for (pause, resume) in [
        (EventKind::Pause, EventKind::Resume),
        (EventKind::MotionPaused, EventKind::MotionResumed),
    ] {
        let mut since: Option<i64> = None;
        for ev in &events {
            match (ev.kind, since) {
                (k, None) if k == pause => since = Some(ev.time_ms),
                (k, Some(s)) if k == resume => {
                    w.pauses_ms.push((s, ev.time_ms));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(s) = since {
            w.pauses_ms.push((s, w.end_ms));
        }
    }
    w.pauses_ms.sort_unstable();
    if w.distance_m.is_none() {
        w.distance_m = open.stat_distance_m;
    }
    if open.bad_locations > 0 {
        w.warnings.push(format!(
            "{} route location(s) without a readable date or position were left out",
            open.bad_locations
        ));
    }
    *open = Open::default();
    export.workouts.push(w);
}

/// Give each workout the heart-rate records of its window, from its own
/// source when that source wrote any (other apps write duplicates), else
/// from the source that wrote most.
fn join_heart_rate(workouts: &mut [Workout], mut hr: Vec<HrRecord>, sources: &[String]) {
    hr.sort_unstable_by_key(|r| (r.time_ms, r.source));
    for w in workouts {
        let from = hr.partition_point(|r| r.time_ms < w.start_ms);
        let to = hr.partition_point(|r| r.time_ms <= w.end_ms);
        let window = &hr[from..to];
        if window.is_empty() {
            continue;
        }
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for r in window {
            *counts.entry(r.source).or_default() += 1;
        }
        let own = w
            .source_name
            .as_deref()
            .and_then(|n| sources.iter().position(|s| s == n))
            .map(|i| i as u32)
            .filter(|id| counts.contains_key(id));
        let chosen = own.unwrap_or_else(|| {
            *counts
                .iter()
                .max_by_key(|(id, n)| (**n, std::cmp::Reverse(**id)))
                .map(|(id, _)| id)
                .expect("the window holds at least one record")
        });
        w.hr = window
            .iter()
            .filter(|r| r.source == chosen)
            .map(|r| (r.time_ms, r.bpm))
            .collect();
        let others: Vec<&str> = {
            let mut ids: Vec<u32> = counts.keys().copied().filter(|&i| i != chosen).collect();
            ids.sort_unstable();
            ids.iter().map(|&i| sources[i as usize].as_str()).collect()
        };
        if !others.is_empty() {
            let dropped = window.len() - w.hr.len();
            let chosen_name = &sources[chosen as usize];
            let why = if own.is_some() {
                "the workout's own source"
            } else {
                "the source with most records (the workout's own wrote none)"
            };
            w.warnings.push(format!(
                "{dropped} heart-rate record(s) from {} left out: {why}, {chosen_name}, recorded {} in the workout",
                others.join(", "),
                w.hr.len()
            ));
        }
    }
}

/// Linear interpolation of heart rate at `t_ms` between the records that
/// bracket it (≤ [`HR_MAX_BRACKET_S`] apart), else the nearest record
/// within [`HR_NEAREST_S`].
fn hr_at(hr: &[(i64, f32)], t_ms: i64) -> Option<f64> {
    let i = hr.partition_point(|r| r.0 < t_ms);
    let after = hr.get(i);
    let before = i.checked_sub(1).and_then(|j| hr.get(j));
    match (before, after) {
        (_, Some(&(ta, v))) if ta == t_ms => Some(f64::from(v)),
        (Some(&(t0, v0)), Some(&(t1, v1))) if (t1 - t0) as f64 / 1000.0 <= HR_MAX_BRACKET_S => {
            let f = (t_ms - t0) as f64 / (t1 - t0) as f64;
            Some(f64::from(v0) + f * (f64::from(v1) - f64::from(v0)))
        }
        (b, a) => [b, a]
            .into_iter()
            .flatten()
            .filter(|r| ((r.0 - t_ms).abs() as f64) / 1000.0 <= HR_NEAREST_S)
            .min_by_key(|r| (r.0 - t_ms).abs())
            .map(|r| f64::from(r.1)),
    }
}

/// A route file for [`build`]: its path as shown, and its bytes (or why
/// they could not be read).
pub type RouteFile = (String, Result<Vec<u8>, IngestError>);

/// Build one workout's activity. `path` is the name it is shown and tagged
/// by; `route` is its route file when the export holds it (`None`: the
/// workout names none, or the file is missing; said in a warning).
pub fn build(w: &Workout, path: &str, route: Option<RouteFile>) -> Result<Activity, IngestError> {
    let mut meta = ActivityMeta::new(path, Format::Apple);
    meta.sport = w.sport();
    meta.sub_sport = w.indoor.then(|| "indoor".to_string());
    meta.device = w.device.clone().or_else(|| w.source_name.clone());
    meta.utc_offset = Some(UtcOffset {
        seconds: w.offset_s,
        source: OffsetSource::AppleWorkoutDate,
    });
    meta.timer_s = w.duration_s;
    let mut b = TrackBuilder::new(meta);
    b.warnings.extend(w.warnings.iter().cloned());
    b.aliases = w.aliases();
    let mut points: Vec<RawSample> = Vec::new();
    match (&w.route_file, route) {
        (_, Some((shown, Ok(bytes)))) => match gpx::read(&shown, &bytes) {
            Ok(acts) => {
                for a in acts {
                    let start = a.start_utc.timestamp_millis();
                    let s = &a.samples;
                    let col = |c: &Option<Vec<f64>>, i: usize| {
                        c.as_ref().map(|v| v[i]).filter(|x| x.is_finite())
                    };
                    for i in 0..s.len() {
                        points.push(RawSample {
                            time_ms: start + (s.elapsed_s[i] * 1000.0).round() as i64,
                            lat_deg: col(&s.lat_deg, i),
                            lon_deg: col(&s.lon_deg, i),
                            altitude_m: col(&s.altitude_m, i),
                            speed_mps: col(&s.speed_mps, i),
                            ..RawSample::default()
                        });
                    }
                    b.warnings
                        .extend(a.warnings.into_iter().map(|x| format!("route file: {x}")));
                }
            }
            Err(e) => b.warnings.push(format!(
                "its route file could not be read ({e}); heart rate kept without positions"
            )),
        },
        (_, Some((shown, Err(e)))) => b.warnings.push(format!(
            "its route file {shown} could not be read ({e}); heart rate kept without positions"
        )),
        (Some(name), None) => b.warnings.push(format!(
            "its route file {name} is not in the export; heart rate kept without positions"
        )),
        (None, None) => points.extend(w.locations.iter().copied()),
    }
    let from = w.start_ms - ROUTE_SLACK_S * 1000;
    let to = w.end_ms + ROUTE_SLACK_S * 1000;
    let before = points.len();
    points.retain(|p| (from..=to).contains(&p.time_ms));
    if before > 0 && points.is_empty() {
        b.warnings.push(format!(
            "its route ({before} points) lies outside the workout's time, so its positions were left out"
        ));
    } else if points.len() < before {
        b.warnings.push(format!(
            "{} route point(s) outside the workout's time were left out",
            before - points.len()
        ));
    }
    if points.is_empty() {
        // No positions: the workout keeps its heart rate on the records' times.
        for &(t, bpm) in &w.hr {
            b.push(RawSample {
                time_ms: t,
                hr_bpm: Some(f64::from(bpm)),
                ..RawSample::default()
            });
        }
        if !w.hr.is_empty() && w.route_file.is_none() && w.locations.is_empty() {
            let what = if w.indoor {
                "an indoor workout"
            } else {
                "a workout"
            };
            b.warnings.push(format!(
                "{what} without a route: heart rate only, so its pace is unknown"
            ));
        }
    } else {
        let mut with_hr = 0usize;
        for mut p in points {
            p.hr_bpm = hr_at(&w.hr, p.time_ms);
            with_hr += usize::from(p.hr_bpm.is_some());
            b.push(p);
        }
        if w.hr.is_empty() {
            b.warnings
                .push("no heart-rate record falls in the workout's time".to_string());
        } else if with_hr == 0 {
            b.warnings
                .push("no heart-rate record lies near its route's points".to_string());
        }
    }
    b.pauses_ms.extend(w.pauses_ms.iter().copied());
    // The watch's events say when it paused; without any, a gap in the
    // route that goes nowhere is one (as in any GPX).
    b.detect_gap_pauses = w.pauses_ms.is_empty();
    let sport = w.sport();
    b.finish().ok_or_else(|| {
        let summary = match (w.distance_m, w.duration_s) {
            (Some(d), Some(t)) => format!(" (it states {:.2} km in {:.0} min)", d / 1000.0, t / 60.0),
            (None, Some(t)) => format!(" (it states {:.0} min)", t / 60.0),
            (Some(d), None) => format!(" (it states {:.2} km)", d / 1000.0),
            _ => String::new(),
        };
        if sport.is_running() {
            IngestError::NothingRecorded {
                path: path.to_string(),
                why: format!(
                    "the export holds this running workout{summary} but no route points in its time and no heart-rate record"
                ),
            }
        } else {
            IngestError::NotAnActivity {
                path: path.to_string(),
                file_type: format!(
                    "workout of another sport ({}) with nothing recorded in it",
                    sport.as_str()
                ),
            }
        }
    })
}

/// Read an export's XML from bytes, every workout without its route file
/// (for an `export.xml` met alone, and the fuzz target). Folders and zips
/// go through discovery, which finds the routes.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let export = scan(path, bytes)?;
    if export.workouts.is_empty() {
        return Err(IngestError::NotAnActivity {
            path: path.to_string(),
            file_type: format!(
                "health-app export (Apple Health) without workouts ({} records, {} of them heart rate)",
                export.records, export.hr_records
            ),
        });
    }
    export
        .workouts
        .into_iter()
        .map(|mut w| {
            // Read alone, the export's own warnings go with each workout.
            w.warnings.extend(export.warnings.iter().cloned());
            build(&w, path, None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_dates_carry_the_runners_offset() {
        let (t, off) = parse_date("2019-06-11 15:00:42 -0700").expect("a date");
        assert_eq!(off, -7 * 3600);
        assert_eq!(
            chrono::DateTime::from_timestamp_millis(t)
                .expect("valid")
                .to_rfc3339(),
            "2019-06-11T22:00:42+00:00"
        );
        assert_eq!(
            parse_date("2019-06-11 15:00:42 +0530").map(|d| d.1),
            Some(19_800)
        );
        assert!(parse_date("2019-06-11T15:00:42Z").is_none());
        assert!(parse_date("2019-06-11 15:00:42 0700").is_none());
    }

    #[test]
    fn the_ios16_dtd_is_malformed_and_a_sound_one_is_not() {
        let bad = b"<!DOCTYPE HealthData [\n<!ELEMENT VisionPrescription EMPTY>\n<!ATTLIST VisionPrescription\n  type CDATA #REQUIRED\n<!ELEMENT Me EMPTY>\n]>";
        let good = b"<!DOCTYPE HealthData [\n<!-- a <comment> -->\n<!ELEMENT Me EMPTY>\n<!ATTLIST Me\n  x CDATA #IMPLIED\n>\n]>";
        assert!(dtd_is_malformed(bad));
        assert!(!dtd_is_malformed(good));
    }

    #[test]
    fn heart_rate_is_interpolated_between_close_records_only() {
        let hr = [(0, 100.0), (5_000, 110.0), (60_000, 150.0)];
        assert_eq!(hr_at(&hr, 2_500), Some(105.0));
        assert_eq!(hr_at(&hr, 5_000), Some(110.0));
        // 55 s apart: no interpolation; 8 s from the nearest: nothing.
        assert_eq!(hr_at(&hr, 13_000), None);
        assert_eq!(hr_at(&hr, 58_000), Some(150.0));
        assert_eq!(hr_at(&[], 0), None);
    }

    #[test]
    fn a_scan_joins_own_heart_rate_and_counts_repeated_events_once() {
        let xml = r#"<?xml version="1.0"?>
<HealthData locale="en_US">
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/min" startDate="2024-05-03 08:00:05 +0200" endDate="2024-05-03 08:00:05 +0200" value="120"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Other &amp; Co" unit="count/min" startDate="2024-05-03 08:00:06 +0200" endDate="2024-05-03 08:00:06 +0200" value="99"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/s" startDate="2024-05-03 08:00:10 +0200" endDate="2024-05-03 08:00:10 +0200" value="2.5"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="W" unit="count" startDate="2024-05-03 08:00:10 +0200" endDate="2024-05-03 08:00:10 +0200" value="12"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeWalking" startDate="2024-05-02 08:00:00 +0200" endDate="2024-05-02 08:30:00 +0200"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" sourceName="W" duration="30" durationUnit="min" startDate="2024-05-03 08:00:00 +0200" endDate="2024-05-03 08:40:00 +0200">
  <WorkoutEvent type="HKWorkoutEventTypePause" date="2024-05-03 08:10:00 +0200"/>
  <WorkoutEvent type="HKWorkoutEventTypeResume" date="2024-05-03 08:12:00 +0200"/>
  <WorkoutActivity>
   <WorkoutEvent type="HKWorkoutEventTypePause" date="2024-05-03 08:10:00 +0200"/>
   <WorkoutEvent type="HKWorkoutEventTypeResume" date="2024-05-03 08:12:00 +0200"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" sum="5.5" unit="km"/>
  </WorkoutActivity>
  <WorkoutEvent type="HKWorkoutEventTypeMotionPaused" date="2024-05-03 08:39:00 +0200"/>
 </Workout>
</HealthData>"#;
        let e = scan("x.xml", xml.as_bytes()).expect("scans");
        assert_eq!((e.records, e.hr_records, e.workouts.len()), (4, 3, 2));
        let walk = &e.workouts[0];
        assert_eq!(walk.sport(), Sport::Walking);
        let run = &e.workouts[1];
        // 08:00:00 +0200 is 06:00:00 UTC, 1 714 716 000 s after 1970 (by Python).
        let at = |h: i64, m: i64, s: i64| 1_714_716_000_000 + ((h - 6) * 3600 + m * 60 + s) * 1000;
        assert_eq!(run.start_ms, at(6, 0, 0));
        assert_eq!(run.hr, vec![(at(6, 0, 5), 120.0), (at(6, 0, 10), 150.0)]);
        assert_eq!(
            run.pauses_ms,
            vec![(at(6, 10, 0), at(6, 12, 0)), (at(6, 39, 0), at(6, 40, 0))]
        );
        assert_eq!(run.distance_m, Some(5500.0));
        assert_eq!(run.duration_s, Some(1800.0));
        assert!(
            run.warnings[0].contains("1 heart-rate record(s) from Other & Co"),
            "{:?}",
            run.warnings
        );
    }

    #[test]
    fn an_auto_pause_inside_a_manual_pause_loses_no_paused_time() {
        let ev = |ty: &str, m: u32| {
            format!(
                r#"<WorkoutEvent type="HKWorkoutEventType{ty}" date="2024-05-03 08:{m:02}:00 +0000"/>"#
            )
        };
        let xml = format!(
            r#"<HealthData><Workout workoutActivityType="HKWorkoutActivityTypeRunning" startDate="2024-05-03 08:00:00 +0000" endDate="2024-05-03 08:30:00 +0000">{}{}{}{}</Workout></HealthData>"#,
            ev("MotionPaused", 10),
            ev("Pause", 11),
            ev("MotionResumed", 12),
            ev("Resume", 20)
        );
        let e = scan("x.xml", xml.as_bytes()).expect("scans");
        let at = |m: i64| 1_714_723_200_000 + m * 60_000;
        // Two stretches, 08:10–08:12 and 08:11–08:20, merged into 08:10–08:20
        // when the activity is built.
        assert_eq!(
            e.workouts[0].pauses_ms,
            vec![(at(10), at(12)), (at(11), at(20))]
        );
    }

    #[test]
    fn device_attribute_gives_name_and_hardware() {
        let d = "<<HKDevice: 0x2836ce6c0>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch2,4, software:4.3.1>";
        assert_eq!(device_name(d).as_deref(), Some("Apple Watch (Watch2,4)"));
    }
}
