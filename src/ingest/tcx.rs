//! TCX reader (quick-xml, namespace-aware): one activity per `<Activity>`
//! (also inside a `MultiSportSession`), with trackpoints, laps, sport and
//! device; speed, running cadence and power from Garmin's ActivityExtension
//! matched by namespace URI. A file of `<Courses>` (planned routes) or
//! `<Workouts>` is not an activity.
//!
//! One streaming pass with an explicit element stack: no recursion, no
//! allocation per trackpoint, no entity expansion.

use quick_xml::events::BytesStart;
use quick_xml::name::ResolveResult;

use super::xml::{self, NsClass, TextBuf};
use crate::activity::{Activity, ActivityMeta, Format, RawSample, Sport, TrackBuilder};
use crate::error::IngestError;

/// `RunCadence` (and `Cadence`, which devices also use for running) counts
/// strides (one foot's revolutions) per minute; steps per minute is twice
/// that (docs/METHOD.md §2). Pedalling rpm is doubled alike, so `cadence_spm`
/// always counts single-leg movements.
const STEPS_PER_REVOLUTION: f64 = 2.0;

/// What an open element means to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Root,
    Activities,
    /// `MultiSportSession`, `FirstSport`, `NextSport`.
    MultiSport,
    Activity,
    Creator,
    Lap,
    Track,
    Trackpoint,
    Position,
    HeartRate,
    /// A trackpoint's `<Extensions>` or a wrapper inside it (`TPX`).
    Ext,
    Courses,
    Workouts,
    Field(Field),
    /// Anything else; its whole subtree is skipped.
    Other,
}

/// Leaf elements whose text the reader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Time,
    Lat,
    Lon,
    Alt,
    Dist,
    Hr,
    Cad,
    Speed,
    RunCad,
    Watts,
    LapTotal,
    LapTrigger,
    CreatorName,
}

/// One lap as read: start, timer time, trigger, last trackpoint time.
#[derive(Debug, Clone)]
struct LapState {
    start_ms: Option<i64>,
    total_s: Option<f64>,
    trigger: String,
    last_point_ms: Option<i64>,
}

/// The activity being read.
struct ActivityState {
    b: TrackBuilder,
    laps: Vec<LapState>,
    offsets: xml::Offsets,
    trackpoints: usize,
    untimed: usize,
    bad_number: usize,
    bad_time: usize,
    /// Lap `TotalTimeSeconds` outside 0…[`MAX_LAP_S`], ignored.
    bad_lap_time: usize,
}

/// The longest lap timer time believed: a week (longer recordings are
/// skipped as impossible anyway). A fuzzed `TotalTimeSeconds` of 10⁸⁰
/// overflowed the lap's end time.
const MAX_LAP_S: f64 = 7.0 * 86_400.0;

/// Read a TCX file's bytes: one activity per `<Activity>`.
///
/// Errors: [`IngestError::Malformed`] when the bytes are not XML or the root
/// is not `<TrainingCenterDatabase>` (with quick-xml's reason and the byte
/// position); [`IngestError::NotAnActivity`] for a file of courses or
/// workouts; [`IngestError::Empty`] when no activity holds a timed
/// trackpoint. An XML error after some data was read keeps what was read,
/// with a warning.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let (text, encoding_warning) =
        xml::as_utf8(bytes).map_err(|reason| xml::malformed(path, "TCX", reason, 0))?;
    let mut r = Reader {
        path,
        stack: Vec::with_capacity(16),
        root_ns: None,
        text: TextBuf::default(),
        cur: None,
        pt: RawSample::default(),
        pt_time: None,
        done: Vec::new(),
        empty_activities: 0,
        courses: 0,
        workouts: 0,
        file_warnings: encoding_warning.into_iter().collect(),
    };
    r.run(&text)?;
    r.finish()
}

/// The state of one pass over a TCX document.
struct Reader<'p> {
    path: &'p str,
    stack: Vec<El>,
    root_ns: Option<String>,
    text: TextBuf,
    cur: Option<ActivityState>,
    pt: RawSample,
    pt_time: Option<(i64, Option<i32>)>,
    done: Vec<Activity>,
    empty_activities: usize,
    courses: usize,
    workouts: usize,
    /// Warnings about the whole file, given to every activity.
    file_warnings: Vec<String>,
}

impl<'p> Reader<'p> {
    /// Stream the document. `Err` only when nothing could be read.
    fn run(&mut self, text: &[u8]) -> Result<(), IngestError> {
        let complete = xml::drive(self, self.path, text)?;
        if complete && let Some(open) = self.stack.last() {
            self.file_warnings.push(format!(
                "the file ends inside an open element ({open:?}); it was probably cut short, \
                 and an unfinished trackpoint was dropped"
            ));
            self.activity_done();
        }
        Ok(())
    }

    fn check_root(
        &mut self,
        reader: &xml::NsPull<'_>,
        e: &BytesStart<'_>,
    ) -> Result<(), IngestError> {
        let (res, local) = reader.resolve_element(e.name());
        if local.as_ref() != "TrainingCenterDatabase" {
            return Err(xml::malformed(
                self.path,
                "TCX",
                format!(
                    "the root element is <{}>, not <TrainingCenterDatabase>",
                    e.name().as_ref()
                ),
                reader.buffer_position(),
            ));
        }
        if let ResolveResult::Bound(n) = res {
            self.root_ns = Some(n.into_inner().to_string());
        }
        Ok(())
    }

    /// Decide what a newly opened element is, from its parent, namespace
    /// and local name.
    fn classify(&mut self, reader: &xml::NsPull<'_>, e: &BytesStart<'_>) -> El {
        let Some(&parent) = self.stack.last() else {
            return El::Other;
        };
        match parent {
            El::Field(_) | El::Other => return El::Other,
            El::Courses | El::Workouts => {
                let local = e.local_name();
                if parent == El::Courses && local.as_ref() == "Course" {
                    self.courses += 1;
                } else if parent == El::Workouts && local.as_ref() == "Workout" {
                    self.workouts += 1;
                }
                return El::Other;
            }
            _ => {}
        }
        let (res, local) = reader.resolve_element(e.name());
        let class = xml::ns_class(&res);
        let local = local.as_ref();
        if parent == El::Ext {
            return match (class, local) {
                (NsClass::ActivityExt, "Speed") => El::Field(Field::Speed),
                (NsClass::ActivityExt, "RunCadence") => El::Field(Field::RunCad),
                (NsClass::ActivityExt, "Watts") => El::Field(Field::Watts),
                _ => El::Ext,
            };
        }
        let tcd_ns = match class {
            NsClass::Tcd | NsClass::Unbound => true,
            _ => match (&res, &self.root_ns) {
                (ResolveResult::Bound(n), Some(root)) => n.as_ref() == root,
                _ => false,
            },
        };
        if !tcd_ns {
            return El::Other;
        }
        match (parent, local) {
            (El::Root, "Activities") => El::Activities,
            (El::Root, "Courses") => El::Courses,
            (El::Root, "Workouts") => El::Workouts,
            (El::Activities, "Activity") | (El::MultiSport, "Activity") => El::Activity,
            (El::Activities, "MultiSportSession")
            | (El::MultiSport, "FirstSport" | "NextSport") => El::MultiSport,
            (El::Activity, "Lap") => El::Lap,
            (El::Activity, "Creator") => El::Creator,
            (El::Creator, "Name") => El::Field(Field::CreatorName),
            (El::Lap, "TotalTimeSeconds") => El::Field(Field::LapTotal),
            (El::Lap, "TriggerMethod") => El::Field(Field::LapTrigger),
            (El::Lap, "Track") => El::Track,
            (El::Track, "Trackpoint") => El::Trackpoint,
            (El::Trackpoint, "Time") => El::Field(Field::Time),
            (El::Trackpoint, "Position") => El::Position,
            (El::Trackpoint, "AltitudeMeters") => El::Field(Field::Alt),
            (El::Trackpoint, "DistanceMeters") => El::Field(Field::Dist),
            (El::Trackpoint, "HeartRateBpm") => El::HeartRate,
            (El::Trackpoint, "Cadence") => El::Field(Field::Cad),
            (El::Trackpoint, "Extensions") => El::Ext,
            (El::Position, "LatitudeDegrees") => El::Field(Field::Lat),
            (El::Position, "LongitudeDegrees") => El::Field(Field::Lon),
            (El::HeartRate, "Value") => El::Field(Field::Hr),
            _ => El::Other,
        }
    }

    fn open(&mut self, el: El, e: &BytesStart<'_>) {
        match el {
            El::Activity => {
                // An <Activity> inside an unfinished one cannot happen in
                // well-formed TCX; close the old one to be safe.
                self.activity_done();
                let mut meta = ActivityMeta::new(self.path, Format::Tcx);
                if let Some(sport) = attribute(e, "Sport") {
                    meta.sport = tcx_sport(&sport);
                }
                self.cur = Some(ActivityState {
                    b: TrackBuilder::new(meta),
                    laps: Vec::new(),
                    offsets: xml::Offsets::default(),
                    trackpoints: 0,
                    untimed: 0,
                    bad_number: 0,
                    bad_time: 0,
                    bad_lap_time: 0,
                });
            }
            El::Lap => {
                if let Some(a) = &mut self.cur {
                    let start_ms = attribute(e, "StartTime")
                        .and_then(|t| xml::parse_time(&t))
                        .map(|t| t.0);
                    a.laps.push(LapState {
                        start_ms,
                        total_s: None,
                        trigger: String::new(),
                        last_point_ms: None,
                    });
                }
            }
            El::Trackpoint => {
                self.pt = RawSample::default();
                self.pt_time = None;
            }
            El::Field(_) => self.text.clear(),
            _ => {}
        }
        self.stack.push(el);
    }

    fn close(&mut self) {
        match self.stack.pop() {
            Some(El::Field(f)) => self.field_done(f),
            Some(El::Trackpoint) => self.point_done(),
            Some(El::Activity) => self.activity_done(),
            _ => {}
        }
    }

    fn field_done(&mut self, f: Field) {
        let Some(a) = &mut self.cur else {
            return;
        };
        let text = self.text.as_str();
        let mut number = || {
            if text.trim_ascii().is_empty() {
                return None;
            }
            let v = xml::parse_f64(text);
            if v.is_none() {
                a.bad_number += 1;
            }
            v
        };
        match f {
            Field::Lat => self.pt.lat_deg = number(),
            Field::Lon => self.pt.lon_deg = number(),
            Field::Alt => self.pt.altitude_m = number(),
            Field::Dist => self.pt.distance_m = number(),
            Field::Hr => self.pt.hr_bpm = number(),
            Field::Cad => {
                // RunCadence from the extension wins when both are present.
                let v = number().map(|c| c * STEPS_PER_REVOLUTION);
                if self.pt.cadence_spm.is_none() {
                    self.pt.cadence_spm = v;
                }
            }
            Field::RunCad => self.pt.cadence_spm = number().map(|c| c * STEPS_PER_REVOLUTION),
            Field::Speed => self.pt.speed_mps = number(),
            Field::Watts => self.pt.power_w = number(),
            Field::LapTotal => {
                let v = number();
                let v = match v {
                    Some(s) if !(0.0..=MAX_LAP_S).contains(&s) => {
                        a.bad_lap_time += 1;
                        None
                    }
                    v => v,
                };
                if let Some(lap) = a.laps.last_mut() {
                    lap.total_s = v;
                }
            }
            Field::LapTrigger => {
                if let Some(lap) = a.laps.last_mut() {
                    lap.trigger = text.trim().to_ascii_lowercase();
                }
            }
            Field::CreatorName => {
                if let Some(name) = self.text.non_blank() {
                    a.b.meta.device = Some(name);
                }
            }
            Field::Time => {
                self.pt_time = xml::parse_time(text);
                if self.pt_time.is_none() && !text.trim_ascii().is_empty() {
                    a.bad_time += 1;
                }
            }
        }
    }

    fn point_done(&mut self) {
        let Some(a) = &mut self.cur else {
            return;
        };
        a.trackpoints += 1;
        let Some((time_ms, offset_s)) = self.pt_time else {
            a.untimed += 1;
            return;
        };
        a.offsets.see(offset_s);
        if let Some(lap) = a.laps.last_mut() {
            lap.last_point_ms = Some(lap.last_point_ms.map_or(time_ms, |t| t.max(time_ms)));
        }
        self.pt.time_ms = time_ms;
        a.b.push(self.pt);
    }

    /// Close the open activity (if any) and keep it when it has samples.
    fn activity_done(&mut self) {
        let Some(mut a) = self.cur.take() else {
            return;
        };
        let mut warnings = self.file_warnings.clone();
        if a.untimed > 0 {
            warnings.push(format!(
                "{} of {} trackpoint(s) had no time and were left out",
                a.untimed, a.trackpoints
            ));
        }
        warnings.extend(xml::warn::bad_times(a.bad_time));
        warnings.extend(xml::warn::bad_numbers(a.bad_number));
        if a.bad_lap_time > 0 {
            warnings.push(format!(
                "{} lap time(s) were negative or longer than a week and were ignored",
                a.bad_lap_time
            ));
        }
        warnings.extend(a.offsets.warning());
        warnings.extend(xml::warn::unexpanded_entities(
            self.text.unexpanded_entities,
        ));
        if let Some(offset) = a.offsets.utc_offset() {
            a.b.meta.utc_offset = Some(offset);
        }
        // Timer time: the laps' TotalTimeSeconds (TCX schema: "total time
        // … excluding pauses") summed.
        let totals: Vec<f64> = a.laps.iter().filter_map(|l| l.total_s).collect();
        if !totals.is_empty() {
            a.b.meta.timer_s = Some(totals.iter().sum());
        }
        a.b.laps_ms = lap_spans(&a.laps);
        a.b.warnings.extend(warnings);
        match a.b.finish() {
            Some(act) => self.done.push(act),
            None => self.empty_activities += 1,
        }
    }

    fn finish(self) -> Result<Vec<Activity>, IngestError> {
        if !self.done.is_empty() {
            return Ok(self.done);
        }
        let path = self.path.to_string();
        if self.empty_activities == 0 && (self.courses > 0 || self.workouts > 0) {
            let file_type = if self.courses > 0 {
                "TCX course"
            } else {
                "TCX workout"
            };
            return Err(IngestError::NotAnActivity {
                path,
                file_type: file_type.to_string(),
            });
        }
        Err(IngestError::Empty { path })
    }
}

impl xml::Handler for Reader<'_> {
    const FORMAT: &'static str = "TCX";

    fn root(
        &mut self,
        reader: &xml::NsPull<'_>,
        e: &BytesStart<'_>,
        open: bool,
    ) -> Result<(), IngestError> {
        self.check_root(reader, e)?;
        if open {
            self.stack.push(El::Root);
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
        !self.done.is_empty() || self.cur.as_ref().is_some_and(|a| !a.b.is_empty())
    }

    fn broken_off(&mut self, warning: String) {
        self.file_warnings.push(warning);
        self.activity_done();
    }
}

/// Lap spans in UTC milliseconds. A lap ends where the next one starts
/// (laps are contiguous in wall-clock time); the last ends at the later of
/// its start plus its timer time and its last trackpoint.
fn lap_spans(laps: &[LapState]) -> Vec<(i64, i64, String)> {
    let mut out = Vec::with_capacity(laps.len());
    for (i, lap) in laps.iter().enumerate() {
        let Some(start) = lap.start_ms else {
            continue;
        };
        // total_s is at most MAX_LAP_S; saturate anyway rather than overflow.
        let by_timer = lap
            .total_s
            .map(|s| start.saturating_add((s * 1000.0).round() as i64));
        let own_end = [by_timer, lap.last_point_ms]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(start);
        let next_start = laps[i + 1..]
            .iter()
            .find_map(|l| l.start_ms)
            .filter(|&n| n > start);
        let end = next_start.unwrap_or(own_end);
        let trigger = if lap.trigger.is_empty() {
            "unknown".to_string()
        } else {
            lap.trigger.clone()
        };
        out.push((start, end, trigger));
    }
    out
}

/// The TCX `Sport` attribute. The schema's `Sport_t` allows only
/// `Running`, `Biking` and `Other`, so `Other` positively says "not running"
/// (skiing, swimming…) rather than "unknown", which would count as running.
fn tcx_sport(name: &str) -> Sport {
    if name.trim().eq_ignore_ascii_case("other") {
        Sport::Other("other".to_string())
    } else {
        Sport::from_name(name)
    }
}

/// An attribute's value by local name, predefined entities resolved.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| {
            quick_xml::escape::unescape(&a.value)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AX: &str = "http://www.garmin.com/xmlschemas/ActivityExtension/v2";

    /// A TCX document with one running activity: two laps of two points.
    fn doc(ax_prefix: &str) -> String {
        let p = ax_prefix;
        let point = |t: &str, hr: u32| {
            format!(
                "<Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>45.1</LatitudeDegrees>\
                 <LongitudeDegrees>14.2</LongitudeDegrees></Position><AltitudeMeters>300</AltitudeMeters>\
                 <DistanceMeters>12.5</DistanceMeters><HeartRateBpm><Value>{hr}</Value></HeartRateBpm>\
                 <Extensions><{p}:TPX><{p}:Speed>3.1</{p}:Speed><{p}:RunCadence>86</{p}:RunCadence>\
                 <{p}:Watts>240</{p}:Watts></{p}:TPX></Extensions></Trackpoint>"
            )
        };
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:{p}="{AX}">
<Activities><Activity Sport="Running"><Id>2026-05-03T08:42:10+02:00</Id>
<Lap StartTime="2026-05-03T08:42:10+02:00"><TotalTimeSeconds>50.5</TotalTimeSeconds><TriggerMethod>Manual</TriggerMethod>
<Track>{}{}</Track></Lap>
<Lap StartTime="2026-05-03T08:43:10+02:00"><TotalTimeSeconds>30</TotalTimeSeconds><TriggerMethod>Distance</TriggerMethod>
<Track>{}{}</Track></Lap>
<Creator><Name>Forerunner 965</Name></Creator></Activity></Activities></TrainingCenterDatabase>"#,
            point("2026-05-03T08:42:10+02:00", 140),
            point("2026-05-03T08:42:20+02:00", 141),
            point("2026-05-03T08:43:10+02:00", 150),
            point("2026-05-03T08:43:40+02:00", 151),
        )
    }

    fn one(text: &str) -> Activity {
        let mut acts = read("t.tcx", text.as_bytes()).expect("reads");
        assert_eq!(acts.len(), 1);
        acts.remove(0)
    }

    #[test]
    fn trackpoints_are_read_with_extension_values_under_any_prefix() {
        for prefix in ["ns3", "ax", "x"] {
            let a = one(&doc(prefix));
            let s = &a.samples;
            assert_eq!(s.elapsed_s, vec![0.0, 10.0, 60.0, 90.0], "{prefix}");
            assert_eq!(s.hr_bpm, Some(vec![140.0, 141.0, 150.0, 151.0]));
            assert_eq!(s.speed_mps, Some(vec![3.1; 4]));
            assert_eq!(s.power_w, Some(vec![240.0; 4]));
            assert_eq!(s.lat_deg, Some(vec![45.1; 4]));
            assert_eq!(s.altitude_m, Some(vec![300.0; 4]));
            assert_eq!(s.distance_m, Some(vec![12.5; 4]));
            // RunCadence 86 strides/min = 172 steps/min.
            assert_eq!(s.cadence_spm, Some(vec![172.0; 4]));
        }
    }

    #[test]
    fn sport_device_offset_laps_and_timer_time_are_read() {
        let a = one(&doc("ns3"));
        assert_eq!(a.sport, Sport::Running);
        assert_eq!(a.device.as_deref(), Some("Forerunner 965"));
        assert_eq!(a.start_utc.to_rfc3339(), "2026-05-03T06:42:10+00:00");
        assert_eq!(a.utc_offset.map(|o| o.seconds), Some(7200));
        // 50.5 s + 30 s of lap timer time.
        assert_eq!(a.timer_s, Some(80.5));
        assert_eq!(a.laps.len(), 2);
        assert_eq!((a.laps[0].start_s, a.laps[0].end_s), (0.0, 60.0));
        assert_eq!((a.laps[1].start_s, a.laps[1].end_s), (60.0, 90.0));
        assert_eq!(a.laps[0].trigger, "manual");
        assert_eq!(a.laps[1].trigger, "distance");
    }

    #[test]
    fn values_outside_the_extension_namespace_are_ignored() {
        let text = doc("ns3").replace(AX, "http://example.com/other");
        let a = one(&text);
        assert_eq!(a.samples.power_w, None);
        assert_eq!(a.samples.cadence_spm, None);
    }

    #[test]
    fn each_activity_in_a_file_is_its_own_activity_and_other_is_not_running() {
        let single = doc("ns3");
        let body_start = single.find("<Activity ").expect("activity");
        let body_end = single.find("</Activities>").expect("end");
        let second = single[body_start..body_end]
            .replace("Sport=\"Running\"", "Sport=\"Other\"")
            .replace("2026-05-03T08:4", "2026-05-04T08:4");
        let text = format!("{}{second}{}", &single[..body_end], &single[body_end..]);
        let acts = read("two.tcx", text.as_bytes()).expect("reads");
        assert_eq!(acts.len(), 2);
        assert!(acts[0].sport.is_running());
        assert!(!acts[1].sport.is_running());
    }

    #[test]
    fn a_multisport_session_gives_one_activity_per_sport() {
        let act = |sport: &str, t: &str| {
            format!(
                r#"<Activity Sport="{sport}"><Lap StartTime="{t}"><TotalTimeSeconds>1</TotalTimeSeconds>
                <Track><Trackpoint><Time>{t}</Time></Trackpoint></Track></Lap></Activity>"#
            )
        };
        let text = format!(
            r#"<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
            <Activities><MultiSportSession><Id>2026-05-03T06:00:00Z</Id>
            <FirstSport>{}</FirstSport><NextSport>{}</NextSport>
            </MultiSportSession></Activities></TrainingCenterDatabase>"#,
            act("Biking", "2026-05-03T06:00:00Z"),
            act("Running", "2026-05-03T07:00:00Z"),
        );
        let acts = read("m.tcx", text.as_bytes()).expect("reads");
        let sports: Vec<_> = acts.iter().map(|a| a.sport.clone()).collect();
        assert_eq!(sports, vec![Sport::Cycling, Sport::Running]);
    }

    #[test]
    fn a_course_file_is_not_an_activity() {
        let text = r#"<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
            <Courses><Course><Name>Loop</Name><Track><Trackpoint><Time>2021-08-02T18:28:31+00:00</Time>
            </Trackpoint></Track></Course></Courses></TrainingCenterDatabase>"#;
        match read("c.tcx", text.as_bytes()) {
            Err(IngestError::NotAnActivity { file_type, .. }) => {
                assert_eq!(file_type, "TCX course")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn custom_entities_are_never_expanded() {
        let text = doc("ns3")
            .replace(
                "<TrainingCenterDatabase",
                "<!DOCTYPE x [<!ENTITY e \"EVIL\">]><TrainingCenterDatabase",
            )
            .replace("Forerunner 965", "Forerunner &e;&amp;");
        let a = one(&text);
        assert_eq!(a.device.as_deref(), Some("Forerunner &"));
        assert!(a.warnings.iter().any(|w| w.contains("unexpanded")));
    }

    #[test]
    fn not_tcx_is_malformed_and_no_trackpoints_is_empty() {
        assert!(matches!(
            read("g.tcx", b"<gpx/>"),
            Err(IngestError::Malformed { .. })
        ));
        let no_points = r#"<TrainingCenterDatabase><Activities><Activity Sport="Running">
            <Lap StartTime="2026-05-03T06:00:00Z"><TotalTimeSeconds>60</TotalTimeSeconds></Lap>
            </Activity></Activities></TrainingCenterDatabase>"#;
        assert!(matches!(
            read("e.tcx", no_points.as_bytes()),
            Err(IngestError::Empty { .. })
        ));
    }
}
