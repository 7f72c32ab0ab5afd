//! FIT reader: decodes a FIT file with rustyfit's streaming decoder and turns
//! it into [`Activity`] values — records, timer pauses, laps, one activity per
//! session, heart rate from buffered `hr` messages — recovering what it can
//! from damaged files and saying what was lost.
//!
//! Conventions the rest of the crate relies on:
//! - Times are UTC. A FIT `date_time` counts seconds from 1989-12-31T00:00Z.
//! - Cadence: FIT `cadence` (+ `fractional_cadence` / 128) is revolutions per
//!   minute. For running, walking and files that name no sport a revolution is
//!   a stride, so the value is doubled into steps/min (`cadence_spm`). For
//!   cycling it stays pedal rpm and for every other sport (swim strokes,
//!   rowing strokes) it stays as recorded: `cadence_spm` then holds that unit.
//! - Power is the native `power` field, else a developer field named "Power"
//!   (Stryd) or declared as native record power.
//! - A chained FIT (several FIT segments back to back) is one recording:
//!   segments only add messages. Sessions decide how many activities a file
//!   yields (a triathlon gives swim, transition, bike, … activities).
//! - Buffered heart rate (`hr` messages written by chest straps that store
//!   beats under water) is averaged onto records the way Garmin's FIT SDK
//!   does (21.218, `merge_heart_rates`; `HrToRecordMesgBroadcastPlugin` in
//!   the C#/Java SDKs), overriding the record's own value where the strap
//!   has beats, as the SDK does.
//!
//! rustyfit 0.11 does not expand `byte`-typed component fields (its validity
//! check ignores the `byte` base type), so `compressed_speed_distance` and
//! `event_timestamp_12` are unpacked here; component expansion is switched
//! off, which is also faster.

use rustyfit::profile::mesgdef;
use rustyfit::profile::typedef::{
    Event as FitEvent, EventType, File, GarminProduct, LapTrigger, Manufacturer, MesgNum,
    Sport as FitSport, SubSport,
};
use rustyfit::proto::{Message, Value};
use rustyfit::{Decoder, DecoderError, DecoderEvent, StreamingIterator};

mod direct;

use crate::activity::{
    Activity, ActivityMeta, Format, OffsetSource, RawSample, Sport, TrackBuilder, UtcOffset,
};
use crate::error::IngestError;

/// Seconds from the Unix epoch to the FIT epoch 1989-12-31T00:00:00Z (FIT SDK
/// Profile.xlsx, type `date_time`: "seconds since UTC 00:00 Dec 31 1989").
const FIT_EPOCH_UNIX_S: i64 = 631_065_600;

/// FIT `date_time` values below this are "system time": seconds since the
/// device powered up, not a date (FIT SDK Profile.xlsx, type `date_time`:
/// "if date_time is < 0x10000000 then it is system time").
const FIT_MIN_ABSOLUTE_TIME: u32 = 0x1000_0000;

/// Degrees per semicircle: a signed 32-bit semicircle spans 180° in 2^31
/// steps (FIT SDK, `record.position_lat` units "semicircles").
const DEG_PER_SEMICIRCLE: f64 = 180.0 / 2_147_483_648.0;

/// Largest plausible UTC offset: the zones in use run from UTC-12 to UTC+14
/// (IANA tz database, Pacific/Kiritimati), docs/METHOD.md §2 bounds it at ±14 h.
const MAX_UTC_OFFSET_S: i64 = 14 * 3600;

/// Every zone in use is a whole number of quarter hours from UTC (Nepal
/// +5:45, Chatham +12:45), so a FIT local/UTC difference is rounded to this.
const UTC_OFFSET_STEP_S: i64 = 15 * 60;

/// Across a gap between buffered beats the previous heart rate is carried
/// forward in steps of this many seconds, at most `HR_GAP_MAX_STEPS` times
/// (5 s) (Garmin FIT SDK 21.218, `hr_mesg_utils.expand_heart_rates`:
/// GAP_INCREMENT_MILLISECONDS = 250, GAP_MAX_MILLISECONDS = 5000).
const HR_GAP_STEP_S: f64 = 0.25;
/// See [`HR_GAP_STEP_S`].
const HR_GAP_MAX_STEPS: u32 = 20;

/// Records more than this from the recording's median time are damage (a
/// garbled timestamp decades off), not data: no single recording lasts a week.
const STRAY_RECORD_MS: i64 = 7 * 24 * 3600 * 1000;

/// FIT `event_timestamp` unit: 1/1024 s (Profile.xlsx, hr.event_timestamp scale 1024).
const HR_EVENT_TICKS_PER_S: f64 = 1024.0;

/// Read a FIT file's bytes: one activity per session (all records when the
/// file has no session message). `path` is only used in messages and
/// recorded on the activities.
///
/// Errors: [`IngestError::Malformed`] when the bytes are not FIT (or break
/// before any record), [`IngestError::NotAnActivity`] for settings, workout,
/// monitoring and other non-activity files, [`IngestError::Empty`] when a
/// valid activity file holds no record. A bad CRC, a truncated file or an
/// undefined local message part-way keep every record decoded before the
/// damage, with a warning on each activity.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let mut col = Collector::new(path, bytes.len());
    let stop = match direct::decode(bytes, &mut col) {
        Ok(()) => None,
        Err(direct::Fallback) => {
            col = Collector::new(path, bytes.len());
            decode(bytes, &mut col)
        }
    };
    finish(path, bytes, col, stop)
}

/// [`read`] through rustyfit alone, never the direct decoder: the reference
/// the direct decoder is tested against.
#[doc(hidden)]
pub fn read_with_rustyfit(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let mut col = Collector::new(path, bytes.len());
    let stop = decode(bytes, &mut col);
    finish(path, bytes, col, stop)
}

/// Whether [`read`] decodes these bytes directly, without rustyfit (tests
/// use it to show the comparison with [`read_with_rustyfit`] is not empty).
#[doc(hidden)]
pub fn decodes_directly(bytes: &[u8]) -> bool {
    direct::decode(bytes, &mut Collector::new("", bytes.len())).is_ok()
}

/// Turn what the decoder collected (and where it stopped) into activities.
fn finish(
    path: &str,
    bytes: &[u8],
    mut col: Collector,
    stop: Option<Stop>,
) -> Result<Vec<Activity>, IngestError> {
    if !col.saw_activity
        && let Some(t) = col.other_file_type
    {
        return Err(IngestError::NotAnActivity {
            path: path.to_string(),
            file_type: format!(
                "FIT {} file",
                enum_name(File(t).to_string()).unwrap_or_else(|| format!("type {t}"))
            ),
        });
    }
    let malformed = |reason: String| IngestError::Malformed {
        path: path.to_string(),
        format: "FIT",
        reason,
    };
    if col.segments == 0 {
        return Err(malformed(match stop.map(|s| s.kind) {
            Some(StopKind::NotFit) => {
                "no FIT header (a FIT file starts with a 12- or 14-byte header holding '.FIT')"
                    .to_string()
            }
            _ => format!("{} byte(s) are too few for a FIT header", bytes.len()),
        }));
    }
    if col.track.is_empty() {
        return match stop {
            Some(s) => Err(malformed(format!(
                "{} before any record",
                s.describe(bytes.len())
            ))),
            None => Err(IngestError::Empty {
                path: path.to_string(),
            }),
        };
    }

    let (mut warnings, segments_end) = check_segments(bytes);
    if let Some(s) = stop {
        warnings.push(match s.kind {
            StopKind::NotFit => format!(
                "{} byte(s) after the last FIT segment are not FIT data and were ignored",
                bytes.len().saturating_sub(segments_end)
            ),
            _ => format!(
                "{}; kept the {} record(s) decoded before the damage, anything after it is lost",
                s.describe(bytes.len()),
                col.track.len()
            ),
        });
    }
    col.file_warnings(&mut warnings);
    col.drop_stray_records(&mut warnings);
    let utc_offset = col.utc_offset(&mut warnings);
    if !col.hr_samples.is_empty() {
        let n = col.merge_buffered_hr();
        warnings.push(format!(
            "heart rate on {n} record(s) comes from {} buffered beat(s) in `hr` messages (chest strap memory), averaged onto records as Garmin's FIT SDK does",
            col.hr_samples.len()
        ));
    }
    Ok(col.into_activities(utc_offset, warnings))
}

/// Why decoding stopped early, and where.
#[derive(Debug, Clone, Copy)]
struct Stop {
    /// Byte offset at which the failing read began.
    at: usize,
    kind: StopKind,
}

#[derive(Debug, Clone, Copy)]
enum StopKind {
    Truncated,
    MissingDefinition(u8),
    NotFit,
    Other,
}

impl Stop {
    fn describe(&self, len: usize) -> String {
        match self.kind {
            StopKind::Truncated => format!("file ends abruptly at byte {len} (truncated)"),
            StopKind::MissingDefinition(l) => format!(
                "data at byte {} uses local message type {l}, which was never defined (damaged file)",
                self.at
            ),
            StopKind::NotFit => format!("bytes from {} on are not FIT data", self.at),
            StopKind::Other => format!("decoding failed at byte {}", self.at),
        }
    }
}

/// Stream every message of every chained segment into `col`; `Some` when the
/// stream broke off before the end.
fn decode(bytes: &[u8], col: &mut Collector) -> Option<Stop> {
    // Checksums are verified separately (`crc_warnings`) so a bad CRC cannot
    // cost the records; components are unpacked here (module docs).
    let mut dec = Decoder::builder()
        .checksum(false)
        .expand_components(false)
        .build();
    let mut rest: &[u8] = bytes;
    let kind = {
        let mut stream = dec.stream(&mut rest);
        loop {
            let skip_segment = match stream.next() {
                None => break None,
                Some(Ok(DecoderEvent::FileHeader(_))) => {
                    col.start_segment();
                    false
                }
                Some(Ok(DecoderEvent::Message(m))) => col.message(m),
                Some(Ok(DecoderEvent::MessageDefinition(def))) => {
                    // Sizes that are not a whole number of the base type
                    // (a real COROS watch writes them): readable leniently,
                    // but the values of those fields are guesses.
                    col.misaligned_fields += def
                        .field_definitions
                        .iter()
                        .filter(|f| {
                            let unit = f.base_type.size();
                            unit > 1 && f.size % unit != 0
                        })
                        .count();
                    false
                }
                Some(Ok(_)) => false,
                Some(Err(e)) => break Some(e),
            };
            if skip_segment && let Err(e) = stream.discard() {
                break Some(e);
            }
        }
    };
    let at = bytes.len() - rest.len();
    kind.map(|e| Stop {
        at,
        kind: match e {
            DecoderError::UnexpectedEof => StopKind::Truncated,
            DecoderError::MissingMessageDefinition { local_mesg_num } => {
                StopKind::MissingDefinition(local_mesg_num)
            }
            DecoderError::NotFITFile => StopKind::NotFit,
            _ => StopKind::Other,
        },
    })
}

/// One `session` message.
#[derive(Debug, Clone, Copy)]
struct SessionInfo {
    start_ms: i64,
    end_ms: Option<i64>,
    sport: Option<u8>,
    sub_sport: Option<u8>,
    timer_s: Option<f64>,
}

/// A developer field cramplab uses.
#[derive(Debug, Clone, Copy)]
struct DevField {
    developer_data_index: u8,
    field_number: u8,
    scale: f64,
    offset: f64,
    /// The description's `fit_base_type_id` byte (255 when absent or not a
    /// `uint8`), as rustyfit keeps it to decode the field: the direct
    /// decoder reads the field's bytes with it.
    base_type: u8,
}

/// The `record` fields the reader uses, each as the FIT profile types it
/// (Profile.xlsx, message `record`), with FIT's invalid value as `None`.
/// Both decoders hand fields over in this form, in file order.
#[derive(Debug, Clone, Copy)]
enum RecordField<'a> {
    Time(Option<u32>),
    Lat(Option<i32>),
    Lon(Option<i32>),
    Altitude(Option<u16>),
    EnhancedAltitude(Option<u32>),
    HeartRate(Option<u8>),
    Cadence(Option<u8>),
    FractionalCadence(Option<u8>),
    Distance(Option<u32>),
    Speed(Option<u16>),
    EnhancedSpeed(Option<u32>),
    Power(Option<u16>),
    Temperature(Option<i8>),
    /// The raw bytes of `compressed_speed_distance` (a `byte` array).
    CompressedSpeedDistance(&'a [u8]),
}

impl<'a> RecordField<'a> {
    /// The field as rustyfit decoded it; `None` for fields the reader ignores.
    /// `direct::SlotKind::of` must take the same field numbers (tested).
    fn from_value(num: u8, v: &'a Value) -> Option<Self> {
        type R = mesgdef::Record;
        Some(match num {
            R::TIMESTAMP => RecordField::Time(as_u32(v)),
            R::POSITION_LAT => RecordField::Lat(as_i32(v)),
            R::POSITION_LONG => RecordField::Lon(as_i32(v)),
            R::ALTITUDE => RecordField::Altitude(as_u16(v)),
            R::ENHANCED_ALTITUDE => RecordField::EnhancedAltitude(as_u32(v)),
            R::HEART_RATE => RecordField::HeartRate(as_u8(v)),
            R::CADENCE => RecordField::Cadence(as_u8(v)),
            R::FRACTIONAL_CADENCE => RecordField::FractionalCadence(as_u8(v)),
            R::DISTANCE => RecordField::Distance(as_u32(v)),
            R::SPEED => RecordField::Speed(as_u16(v)),
            R::ENHANCED_SPEED => RecordField::EnhancedSpeed(as_u32(v)),
            R::POWER => RecordField::Power(as_u16(v)),
            R::TEMPERATURE => RecordField::Temperature(as_i8(v)),
            R::COMPRESSED_SPEED_DISTANCE => match v {
                Value::ArrayUint8(b) => RecordField::CompressedSpeedDistance(b),
                _ => return None,
            },
            _ => return None,
        })
    }
}

/// One record being assembled from its fields.
#[derive(Debug, Default)]
struct RecordState {
    sample: RawSample,
    time: Option<u32>,
    speed: Option<f64>,
    enhanced_speed: Option<f64>,
    altitude: Option<f64>,
    enhanced_altitude: Option<f64>,
    cadence: Option<f64>,
    fractional_cadence: Option<f64>,
}

/// Everything read from the messages, before it becomes activities.
struct Collector {
    /// Every record, in file order; the single activity's builder when the
    /// file has at most one session (no copy), split by session otherwise.
    track: TrackBuilder,
    records_without_time: usize,
    records_in_system_time: usize,
    /// Field definitions whose size is not a multiple of their base type.
    misaligned_fields: usize,
    sessions: Vec<SessionInfo>,
    laps_ms: Vec<(i64, i64, String)>,
    /// Timer events in file order: (time, true for stop / false for start).
    timer_events: Vec<(i64, bool)>,
    hr: HrDecoder,
    /// Buffered beats, gap-filled: (seconds since the FIT epoch, bpm).
    hr_samples: Vec<(f64, f64)>,
    /// Developer fields that carry running power, for the current segment.
    dev_power: Vec<DevField>,
    /// Running state of `compressed_speed_distance`'s accumulated distance,
    /// in 1/16 m (FIT SDK accumulation: add the 12-bit difference).
    compressed_distance_16: Option<u32>,
    device: Option<String>,
    sport_message: Option<(u8, u8)>,
    /// `activity` message (timestamp, local_timestamp).
    activity_times: Option<(u32, u32)>,
    saw_activity: bool,
    other_file_type: Option<u8>,
    segments: usize,
}

impl Collector {
    fn new(path: &str, file_len: usize) -> Self {
        let mut track = TrackBuilder::new(ActivityMeta::new(path, Format::Fit));
        // A record with position, HR, speed and distance takes ~25–35 bytes.
        track.reserve(file_len / 32);
        Collector {
            track,
            records_without_time: 0,
            records_in_system_time: 0,
            misaligned_fields: 0,
            sessions: Vec::new(),
            laps_ms: Vec::new(),
            timer_events: Vec::new(),
            hr: HrDecoder::default(),
            hr_samples: Vec::new(),
            dev_power: Vec::new(),
            compressed_distance_16: None,
            device: None,
            sport_message: None,
            activity_times: None,
            saw_activity: false,
            other_file_type: None,
            segments: 0,
        }
    }

    fn start_segment(&mut self) {
        self.segments += 1;
        // rustyfit forgets field descriptions at each segment; so do we.
        self.dev_power.clear();
    }

    /// Take one message; `true` asks to skip the rest of its segment (a
    /// segment that is not an activity).
    ///
    /// `direct::collector_reads` lists these arms (the direct decoder builds
    /// a `Message` only for them), and on that path handlers see only the
    /// fields the FIT profile knows, with no developer fields: keep both in
    /// step when a handler is added or reads more.
    fn message(&mut self, m: &Message) -> bool {
        match m.num {
            MesgNum::RECORD => self.record(m),
            MesgNum::HR => self.hr_message(m),
            MesgNum::EVENT => self.event(m),
            MesgNum::LAP => self.lap(m),
            MesgNum::SESSION => self.session(m),
            MesgNum::FILE_ID => return self.file_id(m),
            MesgNum::ACTIVITY => self.activity(m),
            MesgNum::SPORT => self.sport(m),
            MesgNum::FIELD_DESCRIPTION => self.field_description(m),
            _ => {}
        }
        false
    }

    fn record(&mut self, m: &Message) {
        let mut r = RecordState::default();
        for f in &m.fields {
            if let Some(field) = RecordField::from_value(f.num, &f.value) {
                self.record_field(&mut r, field);
            }
        }
        let dev_power = if r.sample.power_w.is_none() && !self.dev_power.is_empty() {
            self.developer_power(m)
        } else {
            None
        };
        self.finish_record(r, dev_power);
    }

    /// Take one field of a record, in the record's field order: a field
    /// repeated within one record overwrites the earlier one, as a value-less
    /// (invalid) repeat does too.
    #[inline]
    fn record_field(&mut self, r: &mut RecordState, field: RecordField) {
        let s = &mut r.sample;
        match field {
            RecordField::Time(v) => r.time = v,
            RecordField::Lat(v) => s.lat_deg = v.map(semicircles_to_deg),
            RecordField::Lon(v) => s.lon_deg = v.map(semicircles_to_deg),
            // Profile.xlsx: altitude scale 5, offset 500 m; distance scale 100;
            // speed scale 1000; fractional_cadence scale 128.
            RecordField::Altitude(v) => r.altitude = v.map(|x| f64::from(x) / 5.0 - 500.0),
            RecordField::EnhancedAltitude(v) => {
                r.enhanced_altitude = v.map(|x| f64::from(x) / 5.0 - 500.0)
            }
            // 0 bpm is what devices write with no sensor paired: missing, not absurd.
            RecordField::HeartRate(v) => s.hr_bpm = v.filter(|&h| h != 0).map(f64::from),
            RecordField::Cadence(v) => r.cadence = v.map(f64::from),
            RecordField::FractionalCadence(v) => r.fractional_cadence = v.map(f64::from),
            RecordField::Distance(v) => s.distance_m = v.map(|x| f64::from(x) / 100.0),
            RecordField::Speed(v) => r.speed = v.map(|x| f64::from(x) / 1000.0),
            RecordField::EnhancedSpeed(v) => r.enhanced_speed = v.map(|x| f64::from(x) / 1000.0),
            RecordField::Power(v) => s.power_w = v.map(f64::from),
            RecordField::Temperature(v) => s.temperature_c = v.map(f64::from),
            RecordField::CompressedSpeedDistance(b) => {
                if let Some((sp, d)) = self.compressed_speed_distance(b) {
                    r.speed = r.speed.or(Some(sp));
                    r.sample.distance_m = r.sample.distance_m.or(Some(d));
                }
            }
        }
    }

    /// A record's fields are all in: place it in time and keep it.
    /// `dev_power` is the developer-field power, looked up only when the
    /// record has no native power.
    fn finish_record(&mut self, r: RecordState, dev_power: Option<f64>) {
        let mut s = r.sample;
        let Some(t) = r.time else {
            self.records_without_time += 1;
            return;
        };
        if t < FIT_MIN_ABSOLUTE_TIME {
            self.records_in_system_time += 1;
        }
        s.time_ms = fit_time_ms(t);
        s.speed_mps = r.enhanced_speed.or(r.speed);
        s.altitude_m = r.enhanced_altitude.or(r.altitude);
        s.cadence_spm = r
            .cadence
            .map(|c| c + r.fractional_cadence.unwrap_or(0.0) / 128.0);
        if s.power_w.is_none() {
            s.power_w = dev_power;
        }
        self.track.push(s);
    }

    /// Unpack `compressed_speed_distance` (Profile.xlsx: 12 bits speed at
    /// scale 100 m/s, then 12 bits accumulated distance at scale 16 m).
    fn compressed_speed_distance(&mut self, b: &[u8]) -> Option<(f64, f64)> {
        let &[b0, b1, b2] = b else { return None };
        if b0 == 0xFF && b1 == 0xFF && b2 == 0xFF {
            return None; // invalid value
        }
        let speed = u32::from(b0) | (u32::from(b1 & 0x0F) << 8);
        let dist12 = u32::from(b1 >> 4) | (u32::from(b2) << 4);
        let total = match self.compressed_distance_16 {
            Some(last) => accumulate(last, dist12, 12),
            None => dist12,
        };
        self.compressed_distance_16 = Some(total);
        Some((f64::from(speed) / 100.0, f64::from(total) / 16.0))
    }

    fn developer_power(&self, m: &Message) -> Option<f64> {
        m.developer_fields.iter().find_map(|d| {
            let f = self.power_field(d.developer_data_index, d.num)?;
            Some(as_f64(&d.value)? / f.scale - f.offset)
        })
    }

    /// The developer field described as power under this key, if any.
    fn power_field(&self, developer_data_index: u8, field_number: u8) -> Option<&DevField> {
        self.dev_power.iter().find(|f| {
            f.developer_data_index == developer_data_index && f.field_number == field_number
        })
    }

    fn hr_message(&mut self, m: &Message) {
        type H = mesgdef::Hr;
        let mut msg = HrMessage::default();
        for f in &m.fields {
            let v = &f.value;
            match f.num {
                H::TIMESTAMP => msg.timestamp = as_u32(v),
                // Profile.xlsx: fractional_timestamp scale 32768 s, time256 scale 256 s.
                H::FRACTIONAL_TIMESTAMP => {
                    msg.fraction_s = as_u16(v).map(|x| f64::from(x) / 32768.0).or(msg.fraction_s)
                }
                H::TIME256 => {
                    msg.fraction_s = msg.fraction_s.or(as_u8(v).map(|x| f64::from(x) / 256.0))
                }
                H::FILTERED_BPM => msg.bpm = array_u8(v),
                H::EVENT_TIMESTAMP => msg.event_ticks = array_u32(v),
                H::EVENT_TIMESTAMP_12 => msg.event_ticks_12 = array_u8(v),
                _ => {}
            }
        }
        self.hr.push(&msg, &mut self.hr_samples);
    }

    fn event(&mut self, m: &Message) {
        type E = mesgdef::Event;
        let (mut time, mut event, mut kind) = (None, None, None);
        for f in &m.fields {
            match f.num {
                E::TIMESTAMP => time = as_u32(&f.value),
                E::EVENT => event = as_u8(&f.value),
                E::EVENT_TYPE => kind = as_u8(&f.value),
                _ => {}
            }
        }
        if let (Some(t), Some(e), Some(k)) = (time, event, kind)
            && FitEvent(e) == FitEvent::TIMER
            && let Some(stop) = timer_action(EventType(k))
        {
            self.timer_events.push((fit_time_ms(t), stop));
        }
    }

    fn lap(&mut self, m: &Message) {
        type L = mesgdef::Lap;
        let (mut start, mut end, mut elapsed, mut trigger) = (None, None, None, None);
        for f in &m.fields {
            let v = &f.value;
            match f.num {
                L::START_TIME => start = as_u32(v),
                L::TIMESTAMP => end = as_u32(v),
                L::TOTAL_ELAPSED_TIME => elapsed = as_u32(v),
                L::LAP_TRIGGER => trigger = as_u8(v),
                _ => {}
            }
        }
        let Some(start) = start.map(fit_time_ms) else {
            return;
        };
        // Profile.xlsx: total_elapsed_time scale 1000 (ms).
        let Some(end) = end
            .map(fit_time_ms)
            .or(elapsed.map(|e| start + i64::from(e)))
        else {
            return;
        };
        let trigger = trigger
            .and_then(|t| enum_name(LapTrigger(t).to_string()))
            .unwrap_or_else(|| "unknown".to_string());
        self.laps_ms.push((start, end, trigger));
    }

    fn session(&mut self, m: &Message) {
        type S = mesgdef::Session;
        let (mut start, mut time, mut elapsed, mut timer) = (None, None, None, None);
        let (mut sport, mut sub_sport) = (None, None);
        for f in &m.fields {
            let v = &f.value;
            match f.num {
                S::START_TIME => start = as_u32(v),
                S::TIMESTAMP => time = as_u32(v),
                S::TOTAL_ELAPSED_TIME => elapsed = as_u32(v),
                S::TOTAL_TIMER_TIME => timer = as_u32(v),
                S::SPORT => sport = as_u8(v),
                S::SUB_SPORT => sub_sport = as_u8(v),
                _ => {}
            }
        }
        // Profile.xlsx: total_elapsed_time and total_timer_time scale 1000 (ms).
        let start_ms = match (start, time, elapsed) {
            (Some(s), _, _) => fit_time_ms(s),
            (None, Some(t), Some(e)) => fit_time_ms(t) - i64::from(e),
            _ => i64::MIN, // unknown: sorts first, takes what no other session claims
        };
        let end_ms = match (start, elapsed, time) {
            (Some(s), Some(e), _) => Some(fit_time_ms(s) + i64::from(e)),
            (_, _, Some(t)) => Some(fit_time_ms(t)),
            _ => None,
        };
        self.sessions.push(SessionInfo {
            start_ms,
            end_ms,
            sport,
            sub_sport,
            timer_s: timer.map(|t| f64::from(t) / 1000.0),
        });
    }

    fn file_id(&mut self, m: &Message) -> bool {
        type F = mesgdef::FileId;
        let (mut kind, mut manufacturer, mut product, mut product_name) = (None, None, None, None);
        for f in &m.fields {
            let v = &f.value;
            match f.num {
                F::TYPE => kind = as_u8(v),
                F::MANUFACTURER => manufacturer = as_u16(v),
                F::PRODUCT => product = as_u16(v),
                F::PRODUCT_NAME => {
                    product_name = first_string(v)
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                }
                _ => {}
            }
        }
        match kind {
            Some(k) if File(k) != File::ACTIVITY => {
                self.other_file_type.get_or_insert(k);
                return true;
            }
            _ => self.saw_activity = true,
        }
        if self.device.is_none() {
            self.device = device_name(manufacturer, product, product_name.as_deref());
        }
        false
    }

    fn activity(&mut self, m: &Message) {
        type A = mesgdef::Activity;
        let (mut time, mut local) = (None, None);
        for f in &m.fields {
            match f.num {
                A::TIMESTAMP => time = as_u32(&f.value),
                A::LOCAL_TIMESTAMP => local = as_u32(&f.value),
                _ => {}
            }
        }
        if let (Some(t), Some(l)) = (time, local) {
            self.activity_times = Some((t, l));
        }
    }

    fn sport(&mut self, m: &Message) {
        type S = mesgdef::Sport;
        let (mut sport, mut sub) = (None, None);
        for f in &m.fields {
            match f.num {
                S::SPORT => sport = as_u8(&f.value),
                S::SUB_SPORT => sub = as_u8(&f.value),
                _ => {}
            }
        }
        if let Some(s) = sport
            && self.sport_message.is_none()
        {
            self.sport_message = Some((s, sub.unwrap_or(u8::MAX)));
        }
    }

    fn field_description(&mut self, m: &Message) {
        type D = mesgdef::FieldDescription;
        let (mut index, mut number, mut name) = (None, None, None);
        let (mut scale, mut offset, mut native_mesg, mut native_field) = (None, None, None, None);
        let mut base_type = u8::MAX;
        for f in &m.fields {
            let v = &f.value;
            match f.num {
                D::FIT_BASE_TYPE_ID => {
                    base_type = match *v {
                        Value::Uint8(x) => x,
                        _ => u8::MAX,
                    }
                }
                D::DEVELOPER_DATA_INDEX => index = as_u8(v),
                D::FIELD_DEFINITION_NUMBER => number = as_u8(v),
                D::FIELD_NAME => name = first_string(v).map(|s| s.trim().to_ascii_lowercase()),
                D::SCALE => scale = as_u8(v).filter(|&s| s != 0),
                D::OFFSET => offset = as_i8(v),
                D::NATIVE_MESG_NUM => native_mesg = as_u16(v),
                D::NATIVE_FIELD_NUM => native_field = as_u8(v),
                _ => {}
            }
        }
        let (Some(index), Some(number)) = (index, number) else {
            return;
        };
        self.dev_power
            .retain(|f| !(f.developer_data_index == index && f.field_number == number));
        let is_record_power =
            native_mesg == Some(MesgNum::RECORD.0) && native_field == Some(mesgdef::Record::POWER);
        if name.as_deref() == Some("power") || is_record_power {
            self.dev_power.push(DevField {
                developer_data_index: index,
                field_number: number,
                scale: scale.map_or(1.0, f64::from),
                offset: offset.map_or(0.0, f64::from),
                base_type,
            });
        }
    }

    /// Warnings about records that could not be placed in time.
    fn file_warnings(&self, warnings: &mut Vec<String>) {
        if self.records_without_time > 0 {
            warnings.push(format!(
                "{} record(s) without a timestamp were skipped",
                self.records_without_time
            ));
        }
        if self.misaligned_fields > 0 {
            warnings.push(format!(
                "{} field definition(s) have a size that is not a whole number of their type (the file breaks the FIT spec); those fields were read leniently",
                self.misaligned_fields
            ));
        }
        if self.records_in_system_time > 0 {
            warnings.push(format!(
                "{} record(s) carry device-relative times (FIT system time: the watch's clock was not set), so their dates are not real",
                self.records_in_system_time
            ));
        }
    }

    /// Drop records whose time is far from all the others (garbled timestamps).
    fn drop_stray_records(&mut self, warnings: &mut Vec<String>) {
        let (min, max) = self
            .track
            .samples()
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), r| {
                (lo.min(r.time_ms), hi.max(r.time_ms))
            });
        if max.saturating_sub(min) <= STRAY_RECORD_MS {
            return;
        }
        let mut times: Vec<i64> = self.track.samples().iter().map(|r| r.time_ms).collect();
        let mid = times.len() / 2;
        let median = *times.select_nth_unstable(mid).1;
        let mut kept = TrackBuilder::new(self.track.meta.clone());
        kept.reserve(self.track.len());
        for r in self.track.samples() {
            if (r.time_ms - median).abs() <= STRAY_RECORD_MS {
                kept.push(*r);
            }
        }
        warnings.push(format!(
            "{} record(s) with timestamps more than 7 days from the rest were dropped as damaged",
            self.track.len() - kept.len()
        ));
        self.track = kept;
    }

    /// The runner's UTC offset from the `activity` message, if sane.
    fn utc_offset(&self, warnings: &mut Vec<String>) -> Option<UtcOffset> {
        let (t, local) = self.activity_times?;
        match utc_offset_s(t, local) {
            Ok(seconds) => Some(UtcOffset {
                seconds,
                source: OffsetSource::FitLocalTimestamp,
            }),
            Err(diff_s) => {
                warnings.push(format!(
                    "the file's local time (activity.local_timestamp) is {} h {} its UTC time, \
                     more than any time zone (±14 h), so it was ignored and the runner's UTC \
                     offset is unknown: cramp tags written as local clock times need --tz ZONE; \
                     absolute times (with Z or an offset) and +m:ss from the start need nothing",
                    crate::report::text::count((diff_s.unsigned_abs() / 3600) as usize),
                    if diff_s < 0 { "behind" } else { "ahead of" }
                ));
                None
            }
        }
    }

    /// Average buffered `hr` beats onto records; returns how many records
    /// got a value.
    fn merge_buffered_hr(&mut self) -> usize {
        merge_hr(self.track.samples_mut(), &self.hr_samples)
    }

    /// Split records, pauses and laps by session and build the activities.
    fn into_activities(
        self,
        utc_offset: Option<UtcOffset>,
        warnings: Vec<String>,
    ) -> Vec<Activity> {
        let mut sessions = self.sessions.clone();
        sessions.sort_by_key(|s| s.start_ms);
        // A chained file may repeat a session: keep one per start time.
        sessions.dedup_by_key(|s| s.start_ms);
        let starts: Vec<i64> = sessions.iter().map(|s| s.start_ms).collect();
        let slot = |t: i64| starts.partition_point(|&s| s <= t).saturating_sub(1);

        let meta_for = |session: Option<&SessionInfo>| {
            let mut meta = self.track.meta.clone();
            let (sport, sub_sport) = match (session, self.sport_message) {
                (Some(s), _) if s.sport.is_some() => (s.sport, s.sub_sport),
                (_, Some((s, sub))) => (Some(s), Some(sub)),
                _ => (None, None),
            };
            meta.sport = sport
                .and_then(|s| enum_name(FitSport(s).to_string()))
                .map_or(Sport::Unknown, |n| Sport::from_name(&n));
            meta.sub_sport = sub_sport
                .filter(|&s| SubSport(s) != SubSport::GENERIC)
                .and_then(|s| enum_name(SubSport(s).to_string()));
            meta.device = self.device.clone();
            meta.utc_offset = utc_offset;
            meta.timer_s = session.and_then(|s| s.timer_s);
            meta
        };
        let mut builders: Vec<TrackBuilder> = if sessions.len() <= 1 {
            // The common case: the records become the activity as they are.
            let meta = meta_for(sessions.first());
            let mut track = self.track;
            track.meta = meta;
            vec![track]
        } else {
            let mut counts = vec![0usize; sessions.len()];
            for r in self.track.samples() {
                counts[slot(r.time_ms)] += 1;
            }
            let mut split: Vec<TrackBuilder> = sessions
                .iter()
                .zip(&counts)
                .map(|(s, &n)| {
                    let mut b = TrackBuilder::new(meta_for(Some(s)));
                    b.reserve(n);
                    b
                })
                .collect();
            for r in self.track.samples() {
                split[slot(r.time_ms)].push(*r);
            }
            split
        };
        for b in &mut builders {
            if cadence_is_strides(&b.meta.sport) {
                for r in b.samples_mut() {
                    r.cadence_spm = r.cadence_spm.map(|c| c * 2.0);
                }
            }
            b.warnings = warnings.clone();
        }
        for (start, end) in pair_pauses(&self.timer_events) {
            let i = slot(start);
            let end = match sessions.get(i).and_then(|s| s.end_ms) {
                Some(e) => end.min(e),
                None => end,
            };
            builders[i].pauses_ms.push((start, end));
        }
        for (start, end, trigger) in self.laps_ms {
            builders[slot(start)].laps_ms.push((start, end, trigger));
        }
        builders
            .into_iter()
            .filter(|b| !b.is_empty())
            .filter_map(TrackBuilder::finish)
            .collect()
    }
}

/// Whether FIT cadence counts strides (doubled into steps) for this sport.
fn cadence_is_strides(sport: &Sport) -> bool {
    matches!(sport, Sport::Running | Sport::Walking | Sport::Unknown)
}

/// Timer event types: `Some(true)` stops the timer, `Some(false)` starts it.
fn timer_action(t: EventType) -> Option<bool> {
    match t {
        EventType::START => Some(false),
        EventType::STOP
        | EventType::STOP_ALL
        | EventType::STOP_DISABLE
        | EventType::STOP_DISABLE_ALL => Some(true),
        _ => None,
    }
}

/// Pair timer stops with the next start into paused intervals (UTC ms). A
/// stop never followed by a start ends the recording and is not a pause.
fn pair_pauses(events: &[(i64, bool)]) -> Vec<(i64, i64)> {
    let mut ev = events.to_vec();
    ev.sort_by_key(|e| e.0); // stable: simultaneous events keep file order
    let mut out = Vec::new();
    let mut stopped_at = None;
    for (t, stop) in ev {
        match (stop, stopped_at) {
            (true, None) => stopped_at = Some(t),
            (false, Some(s)) => {
                if t > s {
                    out.push((s, t));
                }
                stopped_at = None;
            }
            _ => {}
        }
    }
    out
}

/// One `hr` message's fields.
#[derive(Debug, Default)]
struct HrMessage<'a> {
    timestamp: Option<u32>,
    fraction_s: Option<f64>,
    bpm: &'a [u8],
    event_ticks: &'a [u32],
    event_ticks_12: &'a [u8],
}

/// Turns `hr` messages into timed beats. An `hr` message with a timestamp
/// anchors the clock: its `event_timestamp` (1/1024 s ticks of the strap's
/// clock) happened at `timestamp + fractional_timestamp`; later messages
/// carry only ticks, as full 32-bit values or packed 12-bit differences
/// (`event_timestamp_12`), and each beat's time is the anchor time plus the
/// tick difference. Between beats the previous rate is carried forward every
/// 0.25 s for up to 5 s. All as Garmin's FIT SDK 21.218 does
/// (`hr_mesg_utils.expand_heart_rates`).
#[derive(Debug, Default)]
struct HrDecoder {
    /// (anchor time in s since the FIT epoch, anchor tick).
    anchor: Option<(f64, u32)>,
    /// Last tick seen, for accumulating 12-bit differences.
    last_tick: Option<u32>,
    /// Last beat placed: (s since the FIT epoch, bpm).
    last_beat: Option<(f64, f64)>,
    ticks: Vec<u32>,
}

impl HrDecoder {
    /// Append this message's beats (and the gap fill before each) to `out`.
    fn push(&mut self, m: &HrMessage, out: &mut Vec<(f64, f64)>) {
        self.ticks.clear();
        for &t in m.event_ticks {
            self.ticks.push(t);
            self.last_tick = Some(t);
        }
        // event_timestamp_12: 12-bit values packed little-endian, two per
        // three bytes (Profile.xlsx: bits 12 ×10, accumulate).
        for chunk in m.event_ticks_12.chunks(3) {
            let (first, second) = match *chunk {
                [a, b, c] => (
                    Some(u32::from(a) | (u32::from(b & 0x0F) << 8)),
                    Some(u32::from(b >> 4) | (u32::from(c) << 4)),
                ),
                [a, b] => (Some(u32::from(a) | (u32::from(b & 0x0F) << 8)), None),
                _ => (None, None),
            };
            for v in [first, second].into_iter().flatten() {
                // Without a full tick first, differences have nothing to add to.
                let Some(last) = self.last_tick else { break };
                let t = accumulate(last, v, 12);
                self.ticks.push(t);
                self.last_tick = Some(t);
            }
        }
        if let Some(ts) = m.timestamp.filter(|&t| t != 0)
            && let Some(&first) = self.ticks.first()
        {
            self.anchor = Some((f64::from(ts) + m.fraction_s.unwrap_or(0.0), first));
        }
        let Some((anchor_s, anchor_tick)) = self.anchor else {
            return; // no anchor yet: these beats cannot be placed in time
        };
        for (&tick, &bpm) in self.ticks.iter().zip(m.bpm) {
            // Ticks wrap at 2^32; a difference past 2^31 is a beat before the anchor.
            let d = tick.wrapping_sub(anchor_tick);
            if d > i32::MAX as u32 || bpm == 0 || bpm == u8::MAX {
                continue;
            }
            let t_s = anchor_s + f64::from(d) / HR_EVENT_TICKS_PER_S;
            if let Some((prev_s, prev_bpm)) = self.last_beat {
                let mut gap_s = (t_s - prev_s).abs();
                let mut step = 1;
                while gap_s > HR_GAP_STEP_S && step <= HR_GAP_MAX_STEPS {
                    out.push((prev_s + HR_GAP_STEP_S * f64::from(step), prev_bpm));
                    gap_s -= HR_GAP_STEP_S;
                    step += 1;
                }
            }
            let beat = (t_s, f64::from(bpm));
            out.push(beat);
            self.last_beat = Some(beat);
        }
    }
}

/// FIT SDK accumulation of a `bits`-wide counter onto a running total: add
/// the wrapped difference between the new value and the total's low bits.
fn accumulate(total: u32, value: u32, bits: u32) -> u32 {
    let mask = (1u32 << bits) - 1;
    total.wrapping_add(value.wrapping_sub(total) & mask)
}

/// Average buffered beats (s since the FIT epoch, bpm; from [`HrDecoder`])
/// onto records in file order, as Garmin's FIT SDK 21.218 does
/// (`hr_mesg_utils.merge_heart_rates`): a record gets the mean of the beats
/// in (previous record's time, its time], rounded half up, replacing its own
/// value; the first record's interval is the second before it, and a record
/// repeating the previous time looks one second back. A record is only set
/// once a later beat shows its interval is complete, so records after the
/// last beat keep their own value. Returns how many records were set.
fn merge_hr(records: &mut [RawSample], beats: &[(f64, f64)]) -> usize {
    let mut idx = 0usize;
    let mut range_start: Option<f64> = None;
    let mut n = 0;
    for r in records {
        let end = r.time_ms as f64 / 1000.0 - FIT_EPOCH_UNIX_S as f64;
        let start = range_start.get_or_insert(end);
        if *start == end {
            *start -= 1.0;
            idx = idx.saturating_sub(1);
        }
        let (mut sum, mut count) = (0.0, 0u32);
        while let Some(&(t, bpm)) = beats.get(idx) {
            if t > *start && t <= end {
                sum += bpm;
                count += 1;
            } else if t > end {
                if count > 0 {
                    r.hr_bpm = Some((sum / f64::from(count) + 0.5).floor());
                    n += 1;
                }
                *start = end;
                break;
            }
            idx += 1;
        }
    }
    n
}

/// UTC offset in seconds from a FIT `activity` message's `timestamp` and
/// `local_timestamp`, rounded to the nearest quarter hour; `Err(difference)`
/// when it is beyond ±14 h and so not an offset at all.
fn utc_offset_s(timestamp: u32, local_timestamp: u32) -> Result<i32, i64> {
    let diff = i64::from(local_timestamp) - i64::from(timestamp);
    let rounded = (diff as f64 / UTC_OFFSET_STEP_S as f64).round() as i64 * UTC_OFFSET_STEP_S;
    if rounded.abs() > MAX_UTC_OFFSET_S {
        return Err(diff);
    }
    i32::try_from(rounded).map_err(|_| diff)
}

/// Semicircles to degrees.
fn semicircles_to_deg(semicircles: i32) -> f64 {
    f64::from(semicircles) * DEG_PER_SEMICIRCLE
}

/// A FIT `date_time` as UTC milliseconds since the Unix epoch.
fn fit_time_ms(t: u32) -> i64 {
    (i64::from(t) + FIT_EPOCH_UNIX_S) * 1000
}

/// `garmin fenix2`, `wahoo_fitness 37`, `coros COROS PACE 2`.
fn device_name(
    manufacturer: Option<u16>,
    product: Option<u16>,
    product_name: Option<&str>,
) -> Option<String> {
    let maker = manufacturer.map(|m| {
        enum_name(Manufacturer(m).to_string()).unwrap_or_else(|| format!("manufacturer {m}"))
    });
    // Profile.xlsx: file_id.product reads as garmin_product for these makers.
    let garmin_like = manufacturer.is_some_and(|m| {
        [
            Manufacturer::GARMIN,
            Manufacturer::DYNASTREAM,
            Manufacturer::DYNASTREAM_OEM,
            Manufacturer::TACX,
        ]
        .contains(&Manufacturer(m))
    });
    let model = match (product_name, product) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some(p)) if garmin_like => {
            Some(enum_name(GarminProduct(p).to_string()).unwrap_or_else(|| p.to_string()))
        }
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    };
    match (maker, model) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    }
}

/// rustyfit renders unknown enum values as `TypeName(123)`: keep only names.
fn enum_name(s: String) -> Option<String> {
    (!s.contains('(')).then_some(s)
}

fn as_u8(v: &Value) -> Option<u8> {
    match *v {
        Value::Uint8(x) if x != u8::MAX => Some(x),
        _ => None,
    }
}

fn as_i8(v: &Value) -> Option<i8> {
    match *v {
        Value::Int8(x) if x != i8::MAX => Some(x),
        _ => None,
    }
}

fn as_u16(v: &Value) -> Option<u16> {
    match *v {
        Value::Uint16(x) if x != u16::MAX => Some(x),
        _ => None,
    }
}

fn as_u32(v: &Value) -> Option<u32> {
    match *v {
        Value::Uint32(x) if x != u32::MAX => Some(x),
        _ => None,
    }
}

fn as_i32(v: &Value) -> Option<i32> {
    match *v {
        Value::Int32(x) if x != i32::MAX => Some(x),
        _ => None,
    }
}

/// A string field; profile "array" strings decode as a list: take the first.
fn first_string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::ArrayString(a) => a.first().map(|s| &**s),
        _ => None,
    }
}

fn array_u8(v: &Value) -> &[u8] {
    match v {
        Value::ArrayUint8(a) => a,
        Value::Uint8(x) => std::slice::from_ref(x),
        _ => &[],
    }
}

fn array_u32(v: &Value) -> &[u32] {
    match v {
        Value::ArrayUint32(a) => a,
        Value::Uint32(x) => std::slice::from_ref(x),
        _ => &[],
    }
}

/// Any single numeric value (developer fields come in any base type), with
/// FIT's invalid markers (all bits set / max signed) as `None`.
fn as_f64(v: &Value) -> Option<f64> {
    match *v {
        Value::Uint8(x) if x != u8::MAX => Some(f64::from(x)),
        Value::Int8(x) if x != i8::MAX => Some(f64::from(x)),
        Value::Uint16(x) if x != u16::MAX => Some(f64::from(x)),
        Value::Int16(x) if x != i16::MAX => Some(f64::from(x)),
        Value::Uint32(x) if x != u32::MAX => Some(f64::from(x)),
        Value::Int32(x) if x != i32::MAX => Some(f64::from(x)),
        Value::Float32(x) if x.is_finite() => Some(f64::from(x)),
        Value::Float64(x) if x.is_finite() => Some(x),
        _ => None,
    }
}

/// CRC-16 as FIT uses it: polynomial 0x8005 reflected (0xA001), initial
/// value 0 — CRC-16/ARC (FIT SDK "FIT File Protocol", section "CRC"; the SDK
/// gives a 16-entry nibble table, these are the equivalent byte tables).
/// `CRC16_TABLES[k][b]` is the CRC contribution of byte `b` followed by `k`
/// zero bytes, so eight bytes are folded in per step ("slicing-by-8",
/// Kounavis & Berry, IEEE Trans. Computers 57(11), 2008): a whole-file check
/// then costs a small fraction of the decode.
const CRC16_TABLES: [[u16; 256]; 8] = {
    let mut t = [[0u16; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

fn crc16(bytes: &[u8]) -> u16 {
    let t = &CRC16_TABLES;
    let (chunks, tail) = bytes.as_chunks::<8>();
    let mut crc = chunks.iter().fold(0u16, |crc, c| {
        let a = crc ^ u16::from_le_bytes([c[0], c[1]]);
        t[7][usize::from(a as u8)]
            ^ t[6][usize::from(a >> 8)]
            ^ t[5][usize::from(c[2])]
            ^ t[4][usize::from(c[3])]
            ^ t[3][usize::from(c[4])]
            ^ t[2][usize::from(c[5])]
            ^ t[1][usize::from(c[6])]
            ^ t[0][usize::from(c[7])]
    });
    for &b in tail {
        crc = (crc >> 8) ^ t[0][usize::from((crc as u8) ^ b)];
    }
    crc
}

/// Check every complete segment's header and file CRC; mismatches become
/// warnings (the records are read regardless). Also returns the byte offset
/// just past the last complete segment. A header CRC of 0 means "not
/// computed" (FIT protocol). The file CRC covers the header too; with a valid
/// header CRC that equals a CRC over the data alone (a CRC over data followed
/// by its own CRC is 0), which some writers use, so both are accepted.
fn check_segments(bytes: &[u8]) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut off = 0usize;
    let mut segment = 0;
    while let Some(h) = bytes.get(off..off + 12) {
        let header_len = usize::from(h[0]);
        if !(header_len == 12 || header_len == 14) || &h[8..12] != b".FIT" {
            break;
        }
        segment += 1;
        if header_len == 14
            && let Some(c) = bytes.get(off + 12..off + 14)
        {
            let stored = u16::from_le_bytes([c[0], c[1]]);
            let computed = crc16(&bytes[off..off + 12]);
            if stored != 0 && stored != computed {
                out.push(format!(
                    "FIT segment {segment}: header CRC mismatch (stored {stored:#06x}, computed {computed:#06x}); read anyway"
                ));
            }
        }
        let data_len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let end = off.saturating_add(header_len).saturating_add(data_len);
        let (Some(body), Some(c)) = (bytes.get(off..end), bytes.get(end..end.saturating_add(2)))
        else {
            break; // truncated: reported by the decoder
        };
        let stored = u16::from_le_bytes([c[0], c[1]]);
        let computed = crc16(body);
        if stored != computed && stored != crc16(&body[header_len..]) {
            out.push(format!(
                "FIT segment {segment}: file CRC mismatch (stored {stored:#06x}, computed {computed:#06x}): the data may be damaged; read anyway"
            ));
        }
        off = end + 2;
    }
    (out, off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicircles_convert_to_degrees_at_the_extremes() {
        // 2^30 semicircles is a quarter turn: 90°; -2^31 is -180°.
        assert_eq!(semicircles_to_deg(1 << 30), 90.0);
        assert_eq!(semicircles_to_deg(i32::MIN), -180.0);
        // 495280430 semicircles: 495280430 × 180 / 2147483648 = 41.513926… (hand).
        assert!((semicircles_to_deg(495_280_430) - 41.513_926).abs() < 1e-6);
    }

    #[test]
    fn fit_epoch_is_the_last_day_of_1989() {
        // date -u -d 1989-12-31T00:00:00Z +%s → 631065600
        assert_eq!(fit_time_ms(0), 631_065_600_000);
    }

    #[test]
    fn utc_offset_rounds_to_the_nearest_quarter_hour() {
        let t = 1_000_000_000;
        assert_eq!(utc_offset_s(t, t + 7200), Ok(7200));
        assert_eq!(utc_offset_s(t, t + 7203), Ok(7200));
        assert_eq!(utc_offset_s(t, t - 18_000 + 40), Ok(-18_000));
        // Nepal: +5:45 = 20700 s.
        assert_eq!(utc_offset_s(t, t + 20_700), Ok(20_700));
        // 2 h 7 min 29 s is nearer 2:00 than 2:15.
        assert_eq!(utc_offset_s(t, t + 7_649), Ok(7_200));
    }

    #[test]
    fn utc_offset_beyond_fourteen_hours_is_rejected() {
        let t = 1_000_000_000;
        assert_eq!(utc_offset_s(t, t + 14 * 3600), Ok(50_400));
        assert_eq!(utc_offset_s(t, t + 15 * 3600), Err(54_000));
        assert!(utc_offset_s(t, 0).is_err());
    }

    #[test]
    fn timer_stop_then_start_is_a_pause_and_a_final_stop_is_not() {
        let ev = [
            (0, false),
            (100, true),
            (130, false),
            (200, true),
            (210, true), // stop_all after stop: still one pause
            (260, false),
            (300, true), // end of recording
        ];
        assert_eq!(pair_pauses(&ev), vec![(100, 130), (200, 260)]);
    }

    #[test]
    fn simultaneous_stop_and_start_make_no_pause() {
        assert_eq!(pair_pauses(&[(5, true), (5, false)]), vec![]);
    }

    #[test]
    fn accumulate_adds_the_wrapped_difference() {
        // Total 0x1FFE, new 12-bit value 0x005: 0xFFE → 0x005 is +7 through the wrap.
        assert_eq!(accumulate(0x1FFE, 0x005, 12), 0x2005);
        assert_eq!(accumulate(100, 100, 12), 100);
        assert_eq!(accumulate(u32::MAX, 0x000, 12), 0); // 32-bit wrap
    }

    fn beats(h: &mut HrDecoder, m: HrMessage) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        h.push(&m, &mut out);
        out
    }

    #[test]
    fn buffered_beats_are_timed_from_the_anchor_and_packed_ticks() {
        let mut h = HrDecoder::default();
        // Anchor: tick 10240 (10 s on the strap) at FIT time 1000.5 s.
        let a = beats(
            &mut h,
            HrMessage {
                timestamp: Some(1000),
                fraction_s: Some(0.5),
                bpm: &[100],
                event_ticks: &[10_240],
                ..Default::default()
            },
        );
        assert_eq!(a, vec![(1000.5, 100.0)]);
        // Two packed 12-bit ticks: 10240 + 1024 = 11264 = 0x2C00 (low 12 bits
        // 0xC00) and 11264 + 512 = 11776 = 0x2E00 (0xE00). Packed low bits
        // first: byte 0 = 0x00, byte 1 = 0xC | (0x0 << 4) = 0x0C, byte 2 = 0xE0.
        // Beats at 1001.5 s and 1002.0 s; the 1 s gap before the first is
        // filled with the previous rate at +0.25, +0.5, +0.75 s, the 0.5 s gap
        // before the second at +0.25 s.
        let b = beats(
            &mut h,
            HrMessage {
                bpm: &[110, 120],
                event_ticks_12: &[0x00, 0x0C, 0xE0],
                ..Default::default()
            },
        );
        let want = [
            (1000.75, 100.0),
            (1001.0, 100.0),
            (1001.25, 100.0),
            (1001.5, 110.0),
            (1001.75, 110.0),
            (1002.0, 120.0),
        ];
        assert_eq!(b, want);
    }

    #[test]
    fn beats_before_any_anchor_are_dropped() {
        let mut h = HrDecoder::default();
        let b = beats(
            &mut h,
            HrMessage {
                bpm: &[110],
                event_ticks: &[5],
                ..Default::default()
            },
        );
        assert!(b.is_empty());
    }

    /// A record at `t_s` seconds since the FIT epoch.
    fn rec(t_s: u32, hr: Option<f64>) -> RawSample {
        RawSample {
            time_ms: fit_time_ms(t_s),
            hr_bpm: hr,
            ..RawSample::default()
        }
    }

    #[test]
    fn buffered_beats_average_onto_each_records_interval() {
        let mut r = vec![
            rec(10, Some(90.0)),
            rec(11, None),
            rec(12, Some(90.0)),
            rec(12, None),
            rec(13, None),
        ];
        let beats = [
            (9.0, 80.0),
            (10.5, 100.0),
            (11.0, 102.0),
            (11.4, 120.0),
            (11.9, 121.0),
            (12.5, 130.0),
        ];
        let n = merge_hr(&mut r, &beats);
        let hr: Vec<Option<f64>> = r.iter().map(|x| x.hr_bpm).collect();
        // 10: interval (9, 10] has no beat → keeps its own 90.
        // 11: (10, 11] → 100, 102 → 101. 12: (11, 12] → 120, 121 → 120.5,
        // rounded half up to 121, replacing 90. The repeated 12 looks back to
        // (11, 12] → 121. 13: (12, 13] holds 12.5, but no later beat closes
        // the interval → unchanged (as in the SDK).
        assert_eq!(
            hr,
            vec![Some(90.0), Some(101.0), Some(121.0), Some(121.0), None]
        );
        assert_eq!(n, 3);
    }

    #[test]
    fn a_heart_rate_is_carried_across_a_gap_for_five_seconds() {
        let mut h = HrDecoder::default();
        let mut b = beats(
            &mut h,
            HrMessage {
                timestamp: Some(100),
                bpm: &[60],
                event_ticks: &[0],
                ..Default::default()
            },
        );
        // Beats 10 s and 11 s after the first (ticks 10240, 11264).
        b.extend(beats(
            &mut h,
            HrMessage {
                bpm: &[120, 120],
                event_ticks: &[10_240, 11_264],
                ..Default::default()
            },
        ));
        // A first beat at FIT time 100 s; 60 bpm is carried to 105 s in 0.25 s steps (20 fills), not beyond.
        assert_eq!(b.iter().filter(|x| x.1 == 60.0).count(), 21);
        assert_eq!(b.iter().rfind(|x| x.1 == 60.0), Some(&(105.0, 60.0)));
        let mut r = vec![rec(103, None), rec(107, None), rec(110, None)];
        merge_hr(&mut r, &b);
        // (102, 103] and (103, 107] hold only carried 60s; (107, 110] the 120 beat.
        let hr: Vec<Option<f64>> = r.iter().map(|x| x.hr_bpm).collect();
        assert_eq!(hr, vec![Some(60.0), Some(60.0), Some(120.0)]);
    }

    #[test]
    fn sliced_crc16_equals_the_bitwise_definition_on_any_length() {
        // Bit-at-a-time CRC-16/ARC straight from its definition.
        fn bitwise(bytes: &[u8]) -> u16 {
            let mut crc = 0u16;
            for &b in bytes {
                crc ^= u16::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        (crc >> 1) ^ 0xA001
                    } else {
                        crc >> 1
                    };
                }
            }
            crc
        }
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 255, 1000] {
            assert_eq!(crc16(&data[..len]), bitwise(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn crc16_matches_the_crc16_arc_check_value() {
        // CRC-16/ARC check value for "123456789" is 0xBB3D (Greg Cook's CRC catalogue).
        assert_eq!(crc16(b"123456789"), 0xBB3D);
        // rustyfit's own header test vector (src/crc16.rs): 12856.
        assert_eq!(
            crc16(&[14, 32, 84, 8, 214, 204, 9, 0, 46, 70, 73, 84]),
            12856
        );
    }

    #[test]
    fn device_names_use_garmin_product_names_and_numbers_otherwise() {
        assert_eq!(
            device_name(Some(1), Some(1967), None).as_deref(),
            Some("garmin fenix2")
        );
        assert_eq!(
            device_name(Some(32), Some(28), None).as_deref(),
            Some("wahoo_fitness 28")
        );
        assert_eq!(
            device_name(Some(294), Some(802), Some("COROS PACE 2")).as_deref(),
            Some("coros COROS PACE 2")
        );
        assert_eq!(device_name(None, None, None), None);
    }

    // End-to-end cases on files written with rustyfit's encoder.
    mod encoded {
        use super::super::*;
        use embedded_io_adapters::std::FromStd;
        use rustyfit::Encoder;
        use rustyfit::profile::typedef::{self, DateTime, FitBaseType};
        use rustyfit::proto::{DeveloperField, FIT, ProtocolVersion};

        /// FIT time of the first record (2021-09-08T01:46:40Z).
        const T0: u32 = 1_000_000_000;

        fn encode(messages: Vec<Message>) -> Vec<u8> {
            let mut fit = FIT {
                messages,
                ..Default::default()
            };
            let mut out = std::io::Cursor::new(Vec::new());
            Encoder::builder()
                .protocol_version(ProtocolVersion::V2)
                .build()
                .encode(FromStd::new(&mut out), &mut fit)
                .expect("test messages encode");
            out.into_inner()
        }

        fn file_id(kind: File) -> Message {
            let mut m = mesgdef::FileId::new();
            m.r#type = kind;
            m.manufacturer = Manufacturer::GARMIN;
            m.product = GarminProduct::FENIX2.0;
            Message::from(m)
        }

        fn record(t: u32, cadence: u8) -> Message {
            let mut r = mesgdef::Record::new();
            r.timestamp = DateTime(t);
            r.heart_rate = 150;
            r.cadence = cadence;
            r.fractional_cadence = 64; // + 0.5 rpm
            Message::from(r)
        }

        fn session(start: u32, seconds: u32, sport: FitSport) -> Message {
            let mut s = mesgdef::Session::new();
            s.timestamp = DateTime(start + seconds);
            s.start_time = DateTime(start);
            s.total_elapsed_time = seconds * 1000;
            s.total_timer_time = seconds * 1000;
            s.sport = sport;
            Message::from(s)
        }

        fn timer(t: u32, kind: EventType) -> Message {
            let mut e = mesgdef::Event::new();
            e.timestamp = DateTime(t);
            e.event = FitEvent::TIMER;
            e.event_type = kind;
            Message::from(e)
        }

        fn run_of(n: u32, sport: FitSport) -> Vec<Message> {
            let mut m = vec![file_id(File::ACTIVITY)];
            m.extend((0..n).map(|i| record(T0 + i, 85)));
            m.push(session(T0, n - 1, sport));
            m
        }

        #[test]
        fn running_cadence_is_doubled_into_steps_and_cycling_keeps_rpm() {
            let run = read("r.fit", &encode(run_of(5, FitSport::RUNNING))).unwrap();
            // 85 + 64/128 = 85.5 strides/min → 171 steps/min.
            assert_eq!(run[0].samples.cadence_spm.as_ref().unwrap()[0], 171.0);
            assert_eq!(run[0].sport, Sport::Running);
            let ride = read("c.fit", &encode(run_of(5, FitSport::CYCLING))).unwrap();
            assert_eq!(ride[0].samples.cadence_spm.as_ref().unwrap()[0], 85.5);
            assert_eq!(ride[0].device.as_deref(), Some("garmin fenix2"));
            assert_eq!(ride[0].timer_s, Some(4.0));
        }

        #[test]
        fn timer_stop_and_start_events_become_a_pause() {
            let mut m = run_of(20, FitSport::RUNNING);
            m.insert(1, timer(T0, EventType::START));
            m.insert(8, timer(T0 + 5, EventType::STOP_ALL));
            m.insert(12, timer(T0 + 9, EventType::START));
            let a = read("p.fit", &encode(m)).unwrap();
            assert_eq!(a[0].pauses.len(), 1);
            assert_eq!((a[0].pauses[0].start_s, a[0].pauses[0].end_s), (5.0, 9.0));
        }

        #[test]
        fn each_session_of_a_multisport_file_is_its_own_activity() {
            let mut m = vec![file_id(File::ACTIVITY)];
            m.extend((0..10).map(|i| record(T0 + i, 80)));
            m.push(session(T0, 5, FitSport::CYCLING));
            m.push(session(T0 + 5, 4, FitSport::RUNNING));
            let a = read("m.fit", &encode(m)).unwrap();
            assert_eq!(a.len(), 2);
            assert_eq!(
                (a[0].sport.clone(), a[0].samples.len()),
                (Sport::Cycling, 5)
            );
            assert_eq!(
                (a[1].sport.clone(), a[1].samples.len()),
                (Sport::Running, 5)
            );
            // Cadence is doubled in the run only.
            assert_eq!(a[0].samples.cadence_spm.as_ref().unwrap()[0], 80.5);
            assert_eq!(a[1].samples.cadence_spm.as_ref().unwrap()[0], 161.0);
        }

        #[test]
        fn a_settings_file_is_not_an_activity() {
            let e = read("s.fit", &encode(vec![file_id(File::SETTINGS)])).unwrap_err();
            match e {
                IngestError::NotAnActivity { file_type, .. } => {
                    assert_eq!(file_type, "FIT settings file")
                }
                other => panic!("{other}"),
            }
        }

        #[test]
        fn an_activity_file_without_records_is_empty() {
            let e = read("e.fit", &encode(vec![file_id(File::ACTIVITY)])).unwrap_err();
            assert!(matches!(e, IngestError::Empty { .. }), "{e}");
        }

        #[test]
        fn local_timestamp_gives_the_utc_offset() {
            let mut m = run_of(3, FitSport::RUNNING);
            let mut act = mesgdef::Activity::new();
            act.timestamp = DateTime(T0 + 2);
            act.local_timestamp = typedef::LocalDateTime(T0 + 2 + 5 * 3600 + 1800);
            m.push(Message::from(act));
            let a = read("o.fit", &encode(m)).unwrap();
            let o = a[0].utc_offset.expect("offset");
            assert_eq!(
                (o.seconds, o.source),
                (19_800, OffsetSource::FitLocalTimestamp)
            );
        }

        fn stryd_power_file(native_power: bool) -> Vec<u8> {
            let mut m = vec![file_id(File::ACTIVITY)];
            let mut dev = mesgdef::DeveloperDataId::new();
            dev.developer_data_index = 0;
            dev.application_id = Box::new([7; 16]);
            m.push(Message::from(dev));
            let mut d = mesgdef::FieldDescription::new();
            d.developer_data_index = 0;
            d.field_definition_number = 0;
            d.fit_base_type_id = FitBaseType::UINT16;
            d.field_name = Box::new(["Power".into()]);
            d.units = Box::new(["Watts".into()]);
            m.push(Message::from(d));
            for i in 0..3 {
                let mut r = mesgdef::Record::new();
                r.timestamp = DateTime(T0 + i);
                if native_power {
                    r.power = 200;
                }
                let mut msg = Message::from(r);
                msg.developer_fields.push(DeveloperField {
                    num: 0,
                    developer_data_index: 0,
                    value: Value::Uint16(300),
                });
                m.push(msg);
            }
            encode(m)
        }

        #[test]
        fn stryd_developer_power_fills_in_only_without_native_power() {
            let a = read("d.fit", &stryd_power_file(false)).unwrap();
            assert_eq!(a[0].samples.power_w.as_deref(), Some(&[300.0; 3][..]));
            let a = read("d.fit", &stryd_power_file(true)).unwrap();
            assert_eq!(a[0].samples.power_w.as_deref(), Some(&[200.0; 3][..]));
        }

        #[test]
        fn a_bad_file_crc_is_a_warning_and_the_records_are_kept() {
            let mut bytes = encode(run_of(5, FitSport::RUNNING));
            let n = bytes.len();
            bytes[n - 1] ^= 0xFF;
            let a = read("b.fit", &bytes).unwrap();
            assert_eq!(a[0].samples.len(), 5);
            assert!(
                a[0].warnings
                    .iter()
                    .any(|w| w.contains("file CRC mismatch")),
                "{:?}",
                a[0].warnings
            );
        }

        #[test]
        fn a_clean_file_has_no_warning() {
            let a = read("c.fit", &encode(run_of(5, FitSport::RUNNING))).unwrap();
            assert!(a[0].warnings.is_empty(), "{:?}", a[0].warnings);
        }

        #[test]
        fn trailing_bytes_after_the_last_segment_are_ignored_with_a_warning() {
            let mut bytes = encode(run_of(5, FitSport::RUNNING));
            bytes.extend([0u8; 10]);
            let a = read("z.fit", &bytes).unwrap();
            assert_eq!(a[0].samples.len(), 5);
            assert!(
                a[0].warnings
                    .iter()
                    .any(|w| w.starts_with("10 byte(s) after the last FIT segment")),
                "{:?}",
                a[0].warnings
            );
        }

        #[test]
        fn a_chained_file_continuing_one_recording_is_one_activity() {
            let mut first = vec![file_id(File::ACTIVITY)];
            first.extend((0..5).map(|i| record(T0 + i, 85)));
            let mut second: Vec<Message> = (5..10).map(|i| record(T0 + i, 85)).collect();
            second.push(session(T0, 9, FitSport::RUNNING));
            let mut bytes = encode(first);
            bytes.extend(encode(second));
            let a = read("chain.fit", &bytes).unwrap();
            assert_eq!(a.len(), 1);
            assert_eq!(a[0].samples.len(), 10);
            assert!(a[0].warnings.is_empty(), "{:?}", a[0].warnings);
        }

        #[test]
        fn a_file_cut_inside_its_header_is_malformed() {
            let bytes = encode(run_of(5, FitSport::RUNNING));
            let e = read("h.fit", &bytes[..10]).unwrap_err();
            assert!(matches!(e, IngestError::Malformed { .. }), "{e}");
        }

        #[test]
        fn a_truncated_file_keeps_the_records_before_the_cut() {
            let bytes = encode(run_of(50, FitSport::RUNNING));
            // Cut inside the records: the session and some records are lost.
            let a = read("t.fit", &bytes[..bytes.len() / 2]).unwrap();
            assert!(a[0].samples.len() > 5 && a[0].samples.len() < 50);
            assert!(
                a[0].warnings.iter().any(|w| w.contains("truncated")),
                "{:?}",
                a[0].warnings
            );
        }
    }

    #[test]
    fn bytes_that_are_not_fit_are_malformed() {
        let e = read("x.fit", b"<?xml version=\"1.0\"?><gpx></gpx>").unwrap_err();
        assert!(matches!(e, IngestError::Malformed { .. }), "{e}");
        let e = read("x.fit", b"").unwrap_err();
        assert!(matches!(e, IngestError::Malformed { .. }), "{e}");
    }
}
