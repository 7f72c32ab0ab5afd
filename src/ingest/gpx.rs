//! GPX reader (quick-xml, namespace-aware): every track and segment of a file
//! merged into one activity in time order, heart rate, cadence, temperature
//! and power from the extensions matched by namespace URI (never by prefix),
//! waypoints kept for in-file cramp tags. Routes (`<rte>`) are plans, not
//! recordings, and are ignored.
//!
//! One streaming pass over the bytes with an explicit element stack: no
//! recursion, no allocation per point, no entity expansion.

use quick_xml::events::BytesStart;
use quick_xml::name::ResolveResult;

use super::xml::{self, NsClass, TextBuf};
use crate::activity::{Activity, ActivityMeta, Format, RawSample, Sport, TrackBuilder, Waypoint};
use crate::error::IngestError;

/// A file in which fewer than this share of the track points carry a time is
/// a planned route with a few stray times, not a recording (a recording
/// device stamps every point). A design choice: the corpus's
/// `cerknicko-without-times.gpx` has 5 of 296 (1.7 %), while genuine mixed
/// files (`korita-zbevnica.gpx` 59 %, `osm.gpx` 42 %) are far above it.
pub const MIN_TIMED_SHARE: f64 = 0.10;

/// Start of GPS time, 1980-01-06T00:00:00Z (IS-GPS-200, §20.3.3.5.2.4): a
/// recording stamped earlier comes from a device whose clock was wrong.
const GPS_EPOCH_MS: i64 = 315_964_800_000;

/// Running cadence in files is strides (one foot's revolutions) per minute;
/// steps per minute is twice that (docs/METHOD.md §2). Pedalling rpm is doubled
/// alike, so `cadence_spm` always counts single-leg movements.
const STEPS_PER_REVOLUTION: f64 = 2.0;

/// What an open element means to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Gpx,
    Trk,
    TrkSeg,
    TrkPt,
    Wpt,
    Rte,
    /// `<extensions>` of a track point, or any element inside it that is
    /// not a value we read (such as `TrackPointExtension`).
    Ext,
    Field(Field),
    /// Anything else; its whole subtree is skipped.
    Other,
}

/// Leaf elements whose text the reader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    TrkType,
    Ele,
    Time,
    Speed,
    Hr,
    Cad,
    AirTemp,
    WaterTemp,
    Power,
    WptTime,
    WptName,
    WptDesc,
    WptCmt,
}

/// Counters behind the warnings.
#[derive(Debug, Default)]
struct Tally {
    trkpts: usize,
    timed: usize,
    rtepts: usize,
    bad_position: usize,
    bad_time: usize,
    bad_number: usize,
    bad_waypoints: usize,
    undeclared_prefix: usize,
}

/// The waypoint being read.
#[derive(Debug, Default)]
struct WptState {
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    time_ms: Option<i64>,
    name: Option<String>,
    desc: Option<String>,
    cmt: Option<String>,
}

/// Read a GPX file's bytes as one activity.
///
/// Errors: [`IngestError::Malformed`] when the bytes are not XML or the root
/// is not `<gpx>` (with quick-xml's reason and the byte position);
/// [`IngestError::NoTimes`] for a route or planned course (points without
/// times); [`IngestError::Empty`] when there are no points at all. An XML
/// error after some points were read keeps those points, with a warning.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let (text, encoding_warning) =
        xml::as_utf8(bytes).map_err(|reason| xml::malformed(path, "GPX", reason, 0))?;
    let mut r = Reader::new(path);
    if let Some(w) = encoding_warning {
        r.b.warnings.push(w);
    }
    r.run(&text)?;
    r.finish()
}

/// The state of one pass over a GPX document.
struct Reader<'p> {
    path: &'p str,
    b: TrackBuilder,
    stack: Vec<El>,
    /// Namespace URI of the root `<gpx>` (accepted for child elements too).
    root_ns: Option<String>,
    text: TextBuf,
    pt: RawSample,
    pt_time: Option<(i64, Option<i32>)>,
    wpt: WptState,
    offsets: xml::Offsets,
    tally: Tally,
    /// [`Reader::resolve`]'s answers, valid for bindings `ns_memo_version`.
    ns_memo: Vec<NsMemo>,
    ns_memo_version: u64,
}

/// Most qualified names [`Reader::resolve`] keeps at once.
const NS_MEMO_MAX: usize = 32;

/// One qualified name's resolution.
#[derive(Debug)]
struct NsMemo {
    qname: Box<str>,
    class: NsClass,
    gpx_ns: bool,
    /// Where the local name starts in `qname`.
    local_at: usize,
}

impl<'p> Reader<'p> {
    fn new(path: &'p str) -> Self {
        let mut meta = ActivityMeta::new(path, Format::Gpx);
        meta.sport = Sport::Unknown;
        Reader {
            path,
            b: TrackBuilder::new(meta),
            stack: Vec::with_capacity(16),
            root_ns: None,
            text: TextBuf::default(),
            pt: RawSample::default(),
            pt_time: None,
            wpt: WptState::default(),
            offsets: xml::Offsets::default(),
            tally: Tally::default(),
            ns_memo: Vec::new(),
            ns_memo_version: u64::MAX,
        }
    }

    /// Stream the document. `Err` only when nothing could be read.
    fn run(&mut self, text: &[u8]) -> Result<(), IngestError> {
        // A rough size hint: one point per ~200 bytes in typical exports.
        self.b.reserve(text.len() / 200);
        let complete = xml::drive(self, self.path, text)?;
        if complete && let Some(open) = self.stack.last() {
            self.b.warnings.push(format!(
                "the file ends inside an open element ({open:?}); it was probably cut short, \
                 and an unfinished point was dropped"
            ));
        }
        Ok(())
    }

    /// Check the root element and read `creator` (the device or app).
    fn check_root(
        &mut self,
        reader: &xml::NsPull<'_>,
        e: &BytesStart<'_>,
    ) -> Result<(), IngestError> {
        let (res, local) = reader.resolve_element(e.name());
        if local.as_ref() != "gpx" {
            return Err(xml::malformed(
                self.path,
                "GPX",
                format!("the root element is <{}>, not <gpx>", e.name().as_ref()),
                reader.buffer_position(),
            ));
        }
        if let ResolveResult::Bound(n) = res {
            self.root_ns = Some(n.into_inner().to_string());
        }
        for a in e.attributes().with_checks(false).flatten() {
            if a.key.local_name().as_ref() == "creator" {
                let v = quick_xml::escape::unescape(&a.value)
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| a.value.to_string());
                let v = v.trim();
                if !v.is_empty() {
                    self.b.meta.device = Some(v.to_string());
                }
            }
        }
        Ok(())
    }

    /// Decide what a newly opened element is, from its parent, namespace
    /// and local name.
    fn classify(&mut self, reader: &xml::NsPull<'_>, e: &BytesStart<'_>) -> El {
        let Some(&parent) = self.stack.last() else {
            // A second root-level element after </gpx>: not well-formed XML,
            // quick-xml accepts it; skip its subtree.
            return El::Other;
        };
        if matches!(parent, El::Field(_) | El::Other | El::Rte) {
            if parent == El::Rte && e.local_name().as_ref() == "rtept" {
                self.tally.rtepts += 1;
            }
            return El::Other;
        }
        let (class, gpx_ns, local) = self.resolve(reader, e);
        if parent == El::Ext {
            return self.classify_extension(class, local);
        }
        if !gpx_ns {
            return El::Other;
        }
        match (parent, local) {
            (El::Gpx, "trk") => El::Trk,
            (El::Gpx, "wpt") => El::Wpt,
            (El::Gpx, "rte") => El::Rte,
            (El::Trk, "trkseg") => El::TrkSeg,
            (El::Trk, "type") => El::Field(Field::TrkType),
            (El::TrkSeg, "trkpt") => El::TrkPt,
            (El::TrkPt, "ele") => El::Field(Field::Ele),
            (El::TrkPt, "time") => El::Field(Field::Time),
            // GPX 1.0 only; 1.1 moved speed into extensions.
            (El::TrkPt, "speed") => El::Field(Field::Speed),
            (El::TrkPt, "extensions") => El::Ext,
            (El::Wpt, "time") => El::Field(Field::WptTime),
            (El::Wpt, "name") => El::Field(Field::WptName),
            (El::Wpt, "desc") => El::Field(Field::WptDesc),
            (El::Wpt, "cmt") => El::Field(Field::WptCmt),
            _ => El::Other,
        }
    }

    /// An element's namespace class, whether it is in the document's GPX
    /// namespace, and its local name. A track repeats the same few names
    /// thousands of times, so the answers are kept per qualified name while
    /// the namespace bindings stay the same (resolving and classifying each
    /// element anew was a tenth of the GPX reader, by callgrind).
    fn resolve<'e>(
        &mut self,
        reader: &xml::NsPull<'_>,
        e: &'e BytesStart<'_>,
    ) -> (NsClass, bool, &'e str) {
        let name = e.name();
        let qname: &'e str = name.into_inner();
        if self.ns_memo_version != reader.bindings_version() {
            self.ns_memo.clear();
            self.ns_memo_version = reader.bindings_version();
        }
        if let Some(m) = self.ns_memo.iter().find(|m| *m.qname == *qname) {
            return (m.class, m.gpx_ns, &qname[m.local_at..]);
        }
        let (res, local) = reader.resolve_element(name);
        let class = xml::ns_class(&res);
        let gpx_ns = match class {
            NsClass::Gpx | NsClass::Unbound => true,
            _ => match (&res, &self.root_ns) {
                (ResolveResult::Bound(n), Some(root)) => n.as_ref() == root,
                _ => false,
            },
        };
        let local: &'e str = local.into_inner();
        // Bounded: a document of endless distinct names just misses.
        if self.ns_memo.len() < NS_MEMO_MAX {
            self.ns_memo.push(NsMemo {
                qname: qname.into(),
                class,
                gpx_ns,
                local_at: qname.len() - local.len(),
            });
        }
        (class, gpx_ns, local)
    }

    /// Values inside a track point's `<extensions>`, by namespace URI.
    fn classify_extension(&mut self, class: NsClass, local: &str) -> El {
        let field = match (class, local) {
            (NsClass::Tpx, "hr") | (NsClass::Cluetrust, "hr") => Some(Field::Hr),
            (NsClass::Tpx, "cad") | (NsClass::Cluetrust, "cadence") => Some(Field::Cad),
            (NsClass::Tpx, "atemp") | (NsClass::Cluetrust, "temp") => Some(Field::AirTemp),
            (NsClass::Tpx, "wtemp") => Some(Field::WaterTemp),
            // TrackPointExtension v2 only.
            (NsClass::Tpx, "speed") => Some(Field::Speed),
            // Apple Health's route files: a bare <speed> in m/s in the GPX
            // namespace (beside <course>, <hAcc>, <vAcc>; DESIGN §6).
            (NsClass::Gpx | NsClass::Unbound, "speed") => Some(Field::Speed),
            // Garmin PowerExtension; Apple Watch exports put `PowerInWatts`
            // under the TrackPointExtension namespace.
            (NsClass::Power | NsClass::Tpx, "PowerInWatts") => Some(Field::Power),
            // Strava writes a bare <power> in the GPX namespace.
            (_, "power") => Some(Field::Power),
            // A prefix the file never declared: the document is not
            // namespace-well-formed; recover the common values by local name.
            (NsClass::Undeclared, "hr" | "cad" | "atemp") => {
                self.tally.undeclared_prefix += 1;
                Some(match local {
                    "hr" => Field::Hr,
                    "cad" => Field::Cad,
                    _ => Field::AirTemp,
                })
            }
            _ => None,
        };
        field.map_or(El::Ext, El::Field)
    }

    fn open(&mut self, el: El, e: &BytesStart<'_>) {
        match el {
            El::TrkPt => {
                self.pt = RawSample::default();
                self.pt_time = None;
                let (lat, lon) = lat_lon(e);
                self.pt.lat_deg = lat;
                self.pt.lon_deg = lon;
            }
            El::Wpt => {
                let (lat, lon) = lat_lon(e);
                self.wpt = WptState {
                    lat_deg: lat,
                    lon_deg: lon,
                    ..WptState::default()
                };
            }
            El::Field(_) => self.text.clear(),
            _ => {}
        }
        self.stack.push(el);
    }

    fn close(&mut self) {
        match self.stack.pop() {
            Some(El::Field(f)) => self.field_done(f),
            Some(El::TrkPt) => self.point_done(),
            Some(El::Wpt) => self.waypoint_done(),
            _ => {}
        }
    }

    fn number(&mut self) -> Option<f64> {
        let t = self.text.as_str();
        if t.trim_ascii().is_empty() {
            return None;
        }
        let v = xml::parse_f64(t);
        if v.is_none() {
            self.tally.bad_number += 1;
        }
        v
    }

    fn field_done(&mut self, f: Field) {
        match f {
            Field::TrkType => {
                if self.b.meta.sport == Sport::Unknown
                    && let Some(t) = self.text.non_blank()
                {
                    self.b.meta.sport = Sport::from_name(&t);
                }
            }
            Field::Ele => self.pt.altitude_m = self.number(),
            Field::Time => {
                self.pt_time = xml::parse_time(self.text.as_str());
                if self.pt_time.is_none() && !self.text.as_str().trim_ascii().is_empty() {
                    self.tally.bad_time += 1;
                }
            }
            Field::Speed => self.pt.speed_mps = self.number(),
            Field::Hr => self.pt.hr_bpm = self.number(),
            Field::Cad => self.pt.cadence_spm = self.number().map(|c| c * STEPS_PER_REVOLUTION),
            Field::AirTemp => self.pt.temperature_c = self.number(),
            Field::WaterTemp => {
                let v = self.number();
                if self.pt.temperature_c.is_none() {
                    self.pt.temperature_c = v;
                }
            }
            Field::Power => self.pt.power_w = self.number(),
            Field::WptTime => self.wpt.time_ms = xml::parse_time(self.text.as_str()).map(|t| t.0),
            Field::WptName => self.wpt.name = self.text.non_blank(),
            Field::WptDesc => self.wpt.desc = self.text.non_blank(),
            Field::WptCmt => self.wpt.cmt = self.text.non_blank(),
        }
    }

    fn point_done(&mut self) {
        self.tally.trkpts += 1;
        if self.pt.lat_deg.is_none() || self.pt.lon_deg.is_none() {
            self.tally.bad_position += 1;
        }
        let Some((time_ms, offset_s)) = self.pt_time else {
            return;
        };
        self.tally.timed += 1;
        self.offsets.see(offset_s);
        self.pt.time_ms = time_ms;
        self.b.push(self.pt);
    }

    fn waypoint_done(&mut self) {
        let w = std::mem::take(&mut self.wpt);
        let (Some(lat_deg), Some(lon_deg)) = (w.lat_deg, w.lon_deg) else {
            self.tally.bad_waypoints += 1;
            return;
        };
        let name = [w.name, w.desc, w.cmt]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
        self.b.waypoints.push(Waypoint {
            time_utc: w.time_ms.and_then(chrono::DateTime::from_timestamp_millis),
            name,
            lat_deg,
            lon_deg,
        });
    }

    fn finish(mut self) -> Result<Vec<Activity>, IngestError> {
        let t = &self.tally;
        let path = self.path.to_string();
        if t.timed == 0 {
            return Err(if t.trkpts > 0 || t.rtepts > 0 {
                IngestError::NoTimes { path }
            } else {
                IngestError::Empty { path }
            });
        }
        if (t.timed as f64) < MIN_TIMED_SHARE * t.trkpts as f64 {
            return Err(IngestError::NoTimes { path });
        }
        let mut warnings = Vec::new();
        let untimed = t.trkpts - t.timed;
        if untimed > 0 {
            warnings.push(format!(
                "{untimed} of {} track point(s) had no time and were left out",
                t.trkpts
            ));
        }
        warnings.extend(xml::warn::bad_times(t.bad_time));
        if t.bad_position > 0 {
            warnings.push(format!(
                "{} track point(s) had no valid lat/lon",
                t.bad_position
            ));
        }
        warnings.extend(xml::warn::bad_numbers(t.bad_number));
        if t.bad_waypoints > 0 {
            warnings.push(format!(
                "{} waypoint(s) without a valid position were skipped",
                t.bad_waypoints
            ));
        }
        warnings.extend(self.offsets.warning());
        if t.undeclared_prefix > 0 {
            warnings.push(format!(
                "{} extension value(s) use an undeclared namespace prefix and were read by name",
                t.undeclared_prefix
            ));
        }
        warnings.extend(xml::warn::unexpanded_entities(
            self.text.unexpanded_entities,
        ));
        if let Some(offset) = self.offsets.utc_offset() {
            self.b.meta.utc_offset = Some(offset);
        }
        self.b.warnings.extend(warnings);
        let first_ms = self.b.samples().iter().map(|s| s.time_ms).min();
        if first_ms.is_some_and(|ms| ms < GPS_EPOCH_MS) {
            self.b.warnings.push(
                "times fall before 1980-01-06, the start of GPS time: the device clock was wrong"
                    .to_string(),
            );
        }
        let activity = self.b.finish().ok_or(IngestError::Empty { path })?;
        Ok(vec![activity])
    }
}

impl xml::Handler for Reader<'_> {
    const FORMAT: &'static str = "GPX";

    fn root(
        &mut self,
        reader: &xml::NsPull<'_>,
        e: &BytesStart<'_>,
        open: bool,
    ) -> Result<(), IngestError> {
        self.check_root(reader, e)?;
        if open {
            self.stack.push(El::Gpx);
        }
        Ok(())
    }

    fn start(&mut self, reader: &xml::NsPull<'_>, e: &BytesStart<'_>) {
        let el = self.classify(reader, e);
        self.open(el, e);
    }

    fn end(&mut self) {
        self.close();
    }

    fn text(&mut self) -> (&mut TextBuf, bool) {
        let keep = matches!(self.stack.last(), Some(El::Field(_)));
        (&mut self.text, keep)
    }

    fn has_data(&self) -> bool {
        !(self.b.is_empty() && self.b.waypoints.is_empty())
    }

    fn broken_off(&mut self, warning: String) {
        self.b.warnings.push(warning);
    }
}

/// The `lat` and `lon` attributes of a point, `None` when absent or not numbers.
fn lat_lon(e: &BytesStart<'_>) -> (Option<f64>, Option<f64>) {
    lat_lon_plain(e.attributes_raw()).unwrap_or_else(|| lat_lon_attributes(e))
}

/// [`lat_lon`] through quick-xml's attribute iterator: any attribute form,
/// the last `lat` and `lon` (whatever their prefix) winning.
fn lat_lon_attributes(e: &BytesStart<'_>) -> (Option<f64>, Option<f64>) {
    let (mut lat, mut lon) = (None, None);
    for a in e.attributes().with_checks(false).flatten() {
        match a.key.local_name().as_ref() {
            "lat" => lat = xml::parse_f64(&a.value),
            "lon" => lon = xml::parse_f64(&a.value),
            _ => {}
        }
    }
    (lat, lon)
}

/// The form nearly every writer uses, read without quick-xml's attribute
/// iterator (which cost most of a track point's own work, by callgrind):
/// exactly `lat="…"` and `lon="…"`, in either order, separated and
/// followed only by whitespace. Anything else is `None`, for [`lat_lon`]'s
/// general path, so both paths give the same values.
fn lat_lon_plain(raw: &str) -> Option<(Option<f64>, Option<f64>)> {
    fn attr(s: &str) -> Option<(&str, &str, &str)> {
        let s = s.trim_ascii_start();
        let (name, rest) = s.split_at_checked(3)?;
        let rest = rest.strip_prefix("=\"")?;
        let end = rest.find('"')?;
        Some((name, &rest[..end], &rest[end + 1..]))
    }
    let (n1, v1, rest) = attr(raw)?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let (n2, v2, rest) = attr(rest)?;
    if !rest.trim_ascii().is_empty() {
        return None;
    }
    match (n1, n2) {
        ("lat", "lon") => Some((xml::parse_f64(v1), xml::parse_f64(v2))),
        ("lon", "lat") => Some((xml::parse_f64(v2), xml::parse_f64(v1))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{OffsetSource, UtcOffset};

    /// What quick-xml's attribute iterator makes of `attrs` on a `trkpt`.
    fn lat_lon_general(attrs: &str) -> (Option<f64>, Option<f64>) {
        let doc = format!("<trkpt{attrs}/>");
        let mut r = quick_xml::Reader::from_str(&doc);
        match r.read_event() {
            Ok(quick_xml::events::Event::Empty(e)) => lat_lon_attributes(&e),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_lat_lon_reads_as_the_attribute_iterator_does() {
        for attrs in [
            r#" lat="45.1" lon="14.0""#,
            r#" lon="14.0" lat="45.1""#,
            " lat=\"45.1\"\n\t lon=\" -14.5 \" ",
            r#" lat="" lon="x""#,
            r#" lat="1e3" lon="NaN""#,
            r#" lat="4&#53;.1" lon="14.0""#,
        ] {
            assert_eq!(
                lat_lon_plain(attrs),
                Some(lat_lon_general(attrs)),
                "{attrs:?}"
            );
        }
        // Other shapes are left to the general path, which reads them.
        for attrs in [
            r#" lat='45.1' lon='14.0'"#,
            r#" lat = "45.1" lon="14.0""#,
            r#" lat="45.1"lon="14.0""#,
            r#" lat="45.1" lon="14.0" ele="3""#,
            r#" a:lat="45.1" lon="14.0""#,
            r#" lat="45.1""#,
            r#" lat="45.1" lat="46.0""#,
            r#" lat="45.1" lon="14.0"#,
        ] {
            assert_eq!(lat_lon_plain(attrs), None, "{attrs:?}");
        }
        assert_eq!(
            lat_lon_general(r#" lat='45.1' lon='14.0'"#),
            (Some(45.1), Some(14.0))
        );
    }

    const TPX1: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1";

    /// A GPX 1.1 document with one segment of the given `<trkpt>` bodies,
    /// one per second from 2026-05-03T06:42:10Z, and extra root attributes.
    fn doc(root_attrs: &str, points: &[&str]) -> String {
        let mut s = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Test Watch" xmlns="http://www.topografix.com/GPX/1/1" {root_attrs}>
<trk><type>running</type><trkseg>"#
        );
        for (i, body) in points.iter().enumerate() {
            s.push_str(&format!(
                r#"<trkpt lat="45.{i}" lon="14.0"><ele>100</ele><time>2026-05-03T06:42:1{i}Z</time>{body}</trkpt>"#
            ));
        }
        s.push_str("</trkseg></trk></gpx>");
        s
    }

    fn one(text: &str) -> Activity {
        let mut acts = read("t.gpx", text.as_bytes()).expect("reads");
        assert_eq!(acts.len(), 1);
        acts.remove(0)
    }

    #[test]
    fn heart_rate_is_found_by_namespace_uri_whatever_the_prefix() {
        let with = |prefix: &str| {
            doc(
                &format!(r#"xmlns:{prefix}="{TPX1}""#),
                &[&format!(
                    "<extensions><{prefix}:TrackPointExtension><{prefix}:hr>141</{prefix}:hr>\
                     </{prefix}:TrackPointExtension></extensions>"
                )],
            )
        };
        for prefix in ["gpxtpx", "ns3", "tp1"] {
            let a = one(&with(prefix));
            assert_eq!(a.samples.hr_bpm, Some(vec![141.0]), "prefix {prefix}");
        }
        // The namespace declared as default on the extension element itself.
        let a = one(&doc(
            "",
            &[&format!(
                r#"<extensions><TrackPointExtension xmlns="{TPX1}"><hr>142</hr></TrackPointExtension></extensions>"#
            )],
        ));
        assert_eq!(a.samples.hr_bpm, Some(vec![142.0]));
        // The usual prefix bound to some other namespace is not heart rate.
        let a = one(&doc(
            r#"xmlns:gpxtpx="http://example.com/not-garmin""#,
            &[
                "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>143</gpxtpx:hr>\
               </gpxtpx:TrackPointExtension></extensions>",
            ],
        ));
        assert_eq!(a.samples.hr_bpm, None);
    }

    #[test]
    fn trackpointextension_v2_and_cluetrust_values_are_read() {
        let a = one(&doc(
            r#"xmlns:t2="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
               xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0""#,
            &[
                "<extensions><t2:TrackPointExtension><t2:hr>150</t2:hr><t2:atemp>21.5</t2:atemp>\
                 <t2:speed>3.2</t2:speed></t2:TrackPointExtension></extensions>",
                "<extensions><gpxdata:hr>151</gpxdata:hr><gpxdata:cadence>88</gpxdata:cadence>\
                 <gpxdata:temp>19</gpxdata:temp></extensions>",
            ],
        ));
        assert_eq!(a.samples.hr_bpm, Some(vec![150.0, 151.0]));
        assert_eq!(a.samples.temperature_c, Some(vec![21.5, 19.0]));
        assert_eq!(a.samples.speed_mps.as_ref().map(|v| v[0]), Some(3.2));
        assert_eq!(a.samples.cadence_spm.as_ref().map(|v| v[1]), Some(176.0));
    }

    #[test]
    fn running_cadence_in_strides_is_doubled_to_steps() {
        let a = one(&doc(
            &format!(r#"xmlns:gpxtpx="{TPX1}""#),
            &[
                "<extensions><gpxtpx:TrackPointExtension><gpxtpx:cad>87</gpxtpx:cad>\
               </gpxtpx:TrackPointExtension></extensions>",
            ],
        ));
        // 87 strides/min = 174 steps/min.
        assert_eq!(a.samples.cadence_spm, Some(vec![174.0]));
    }

    #[test]
    fn strava_power_sport_and_creator_are_read() {
        let a = one(&doc("", &["<extensions><power>250</power></extensions>"]));
        assert_eq!(a.samples.power_w, Some(vec![250.0]));
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.device.as_deref(), Some("Test Watch"));
    }

    #[test]
    fn an_explicit_offset_becomes_the_utc_offset_and_times_become_utc() {
        let text = r#"<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
            <trkpt lat="1" lon="2"><time>2026-05-03T08:42:10+02:00</time></trkpt>
            <trkpt lat="1" lon="2"><time>2026-05-03T08:42:11.5+02:00</time></trkpt>
            </trkseg></trk></gpx>"#;
        let a = one(text);
        assert_eq!(a.start_utc.to_rfc3339(), "2026-05-03T06:42:10+00:00");
        assert_eq!(
            a.utc_offset,
            Some(UtcOffset {
                seconds: 7200,
                source: OffsetSource::TimeOffset
            })
        );
        assert_eq!(a.samples.elapsed_s, vec![0.0, 1.5]);
    }

    #[test]
    fn tracks_and_segments_merge_into_one_activity_in_time_order() {
        let text = r#"<gpx xmlns="http://www.topografix.com/GPX/1/0" version="1.0">
            <trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:20Z</time><speed>2.5</speed></trkpt></trkseg></trk>
            <trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:00Z</time></trkpt></trkseg>
                 <trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:10Z</time></trkpt></trkseg></trk>
            </gpx>"#;
        let a = one(text);
        assert_eq!(a.samples.elapsed_s, vec![0.0, 10.0, 20.0]);
        let speed = a.samples.speed_mps.expect("GPX 1.0 speed");
        assert!(speed[0].is_nan() && speed[2] == 2.5);
    }

    #[test]
    fn waypoints_keep_name_description_time_and_position() {
        let text = r#"<gpx xmlns="http://www.topografix.com/GPX/1/1">
            <wpt lat="45.5" lon="14.25"><time>2026-05-03T06:00:05Z</time><name>cramp</name><desc>left calf</desc></wpt>
            <trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:00Z</time></trkpt></trkseg></trk>
            </gpx>"#;
        let a = one(text);
        assert_eq!(a.waypoints.len(), 1);
        let w = &a.waypoints[0];
        assert!(w.name.contains("cramp") && w.name.contains("left calf"));
        assert_eq!((w.lat_deg, w.lon_deg), (45.5, 14.25));
        assert_eq!(
            w.time_utc.map(|t| t.to_rfc3339()),
            Some("2026-05-03T06:00:05+00:00".to_string())
        );
    }

    #[test]
    fn points_without_times_are_a_route_not_an_activity() {
        let planned = r#"<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
            <trkpt lat="1" lon="2"><ele>3</ele></trkpt><trkpt lat="1.1" lon="2"/>
            </trkseg></trk></gpx>"#;
        assert!(matches!(
            read("p.gpx", planned.as_bytes()),
            Err(IngestError::NoTimes { .. })
        ));
        let route_only = r#"<gpx xmlns="http://www.topografix.com/GPX/1/1"><rte>
            <rtept lat="1" lon="2"><time>2026-05-03T06:00:00Z</time></rtept></rte></gpx>"#;
        assert!(matches!(
            read("r.gpx", route_only.as_bytes()),
            Err(IngestError::NoTimes { .. })
        ));
        let nothing =
            r#"<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg/></trk></gpx>"#;
        assert!(matches!(
            read("e.gpx", nothing.as_bytes()),
            Err(IngestError::Empty { .. })
        ));
    }

    #[test]
    fn custom_and_external_entities_are_never_expanded() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE gpx [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<gpx xmlns="http://www.topografix.com/GPX/1/1" creator="&lol2;">
  <wpt lat="1" lon="2"><name>cramp &amp; &lol2;&xxe;</name></wpt>
  <trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:00Z</time></trkpt></trkseg></trk>
</gpx>"#;
        let a = one(text);
        assert_eq!(a.waypoints[0].name, "cramp &");
        assert!(!a.device.unwrap_or_default().contains("lollol"));
        assert!(a.warnings.iter().any(|w| w.contains("2 custom entity")));
        // Predefined entities in text the reader skips raise no warning.
        let plain = doc("", &[""]).replace("<trk>", "<trk><name>Up &amp; down &#233;</name>");
        assert_eq!(one(&plain).warnings, Vec::<String>::new());
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // quick-xml refuses nesting deeper than 65 535 (its own guard);
        // below that our heap stack takes any depth.
        let depth = 60_000;
        let mut text = String::from(
            r#"<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-03T06:00:00Z</time><extensions>"#,
        );
        text.push_str(&"<a>".repeat(depth));
        text.push_str(&"</a>".repeat(depth));
        text.push_str("</extensions></trkpt></trkseg></trk></gpx>");
        assert_eq!(one(&text).samples.len(), 1);
        let deeper = text.replace("<a>", "<a><a><a><a>");
        assert!(matches!(
            read("deep.gpx", deeper.as_bytes()),
            Err(IngestError::Malformed { .. })
        ));
    }

    #[test]
    fn not_xml_or_not_gpx_is_malformed_with_a_byte_position() {
        for bad in [
            &b"PK\x03\x04 binary junk"[..],
            b"<gpx><trk></wrong></gpx>",
            b"<TrainingCenterDatabase/>",
            b"",
        ] {
            match read("x.gpx", bad) {
                Err(IngestError::Malformed { reason, format, .. }) => {
                    assert_eq!(format, "GPX");
                    assert!(reason.contains("at byte"), "{reason}");
                }
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bad)),
            }
        }
    }

    #[test]
    fn a_file_cut_short_keeps_its_points_with_a_warning() {
        let full = doc("", &["", "", ""]);
        let third = full.find("<trkpt lat=\"45.2\"").expect("third point");
        // Cut inside a tag (an XML error) and between elements (open
        // elements at the end of input).
        for cut in [&full[..third + 30], &full[..third + 50]] {
            let a = one(cut);
            assert_eq!(a.samples.len(), 2, "{cut}");
            assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
            assert!(a.warnings[0].contains("cut short"), "{:?}", a.warnings);
        }
    }

    #[test]
    fn a_bom_and_leading_whitespace_are_accepted() {
        let text = format!("\u{feff}\n  {}", doc("", &[""]));
        assert_eq!(one(&text).samples.len(), 1);
    }

    #[test]
    fn timestamps_before_gps_time_are_read_with_a_warning() {
        let text = r#"<gpx><trk><trkseg>
            <trkpt lat="46.4" lon="13.7"><time>1901-12-13T20:45:52.2073437Z</time></trkpt>
            <trkpt lat="46.4" lon="13.7"><time>1901-12-13T20:45:53Z</time></trkpt>
            </trkseg></trk></gpx>"#;
        let a = one(text);
        // -2^31 s + 0.207 s: the signed 32-bit Unix time underflow.
        assert_eq!(a.start_utc.timestamp_millis(), -2_147_483_648_000 + 207);
        assert!(a.warnings.iter().any(|w| w.contains("1980")));
    }
}
