//! Direct FIT decoder: walks the FIT framing itself and turns `record`
//! messages straight into samples, so the thousands of records in a run cost
//! a few loads each instead of a rustyfit `Message` apiece (issue 6: the
//! per-record `Message` was most of the FIT read).
//!
//! It gives exactly what the rustyfit path gives — the same fields, the same
//! values, the same order — or steps aside: anything it does not handle as
//! rustyfit 0.11 does (damage, a segment boundary inside a message) returns
//! [`Fallback`] and the caller reads the file again with rustyfit, which
//! also words the damage warnings. The equivalence is
//! tested on every FIT file in the corpus and on simulated histories
//! (`tests/oracle_fit.rs`), and fuzzed (`fuzz/fuzz_targets/fit_direct.rs`).
//!
//! What it mirrors from rustyfit's decoder (`decoder/mod.rs`):
//! - a field's type is the profile's for fields the profile knows
//!   (`lookup::field_reference`), else the declared base type;
//! - a field shorter than its type is zero-extended in its byte order, a
//!   longer non-array field reads its first bytes;
//! - the running timestamp follows every `uint32` field 253, and a
//!   compressed-timestamp header adds its 5-bit offset to it (FIT protocol,
//!   "Compressed Timestamp Header") and puts a timestamp field first.

use rustyfit::profile::lookup::field_reference;
use rustyfit::profile::mesgdef;
use rustyfit::profile::typedef::{FitBaseType, MesgNum};
use rustyfit::proto::{Field, Message, Value};

use super::{Collector, RecordField, RecordState};

/// The file is left to the rustyfit path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fallback;

// Record header bits (FIT protocol, "Record Header").
const COMPRESSED_HEADER: u8 = 0x80;
const DEFINITION_HEADER: u8 = 0x40;
const HEADER_KIND_MASK: u8 = COMPRESSED_HEADER | DEFINITION_HEADER;
const DEVELOPER_DATA_FLAG: u8 = 0x20;
const LOCAL_NUM_MASK: u8 = 0x0F;
const COMPRESSED_TIME_MASK: u8 = 0x1F;
const TIMESTAMP_FIELD: u8 = 253;

/// Decode every segment of `bytes` into `col`. `Err(Fallback)` leaves `col`
/// half-filled: the caller must start again with a fresh one.
pub(super) fn decode(bytes: &[u8], col: &mut Collector) -> Result<(), Fallback> {
    if bytes.is_empty() {
        return Err(Fallback);
    }
    let mut pos = 0usize;
    let mut defs: [Option<Definition>; 16] = std::array::from_fn(|_| None);
    while pos < bytes.len() {
        let header_len = usize::from(bytes[pos]);
        let header = bytes.get(pos..pos + header_len).ok_or(Fallback)?;
        if !(header_len == 12 || header_len == 14) || &header[8..12] != b".FIT" {
            return Err(Fallback);
        }
        let data_len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let data_start = pos + header_len;
        let data_end = data_start.checked_add(data_len).ok_or(Fallback)?;
        // rustyfit reads a message header before it checks the size.
        if data_len == 0 || data_end.checked_add(2).is_none_or(|e| e > bytes.len()) {
            return Err(Fallback);
        }
        col.start_segment();
        defs.iter_mut().for_each(|d| *d = None);
        segment(&bytes[data_start..data_end], &mut defs, col)?;
        pos = data_end + 2; // the segment's CRC, checked by `check_segments`
    }
    Ok(())
}

/// Decode one segment's messages.
fn segment(
    data: &[u8],
    defs: &mut [Option<Definition>; 16],
    col: &mut Collector,
) -> Result<(), Fallback> {
    let mut timestamp = 0u32;
    let mut p = 0usize;
    while p < data.len() {
        let header = data[p];
        p += 1;
        if header & HEADER_KIND_MASK == DEFINITION_HEADER {
            let (def, len) = Definition::parse(&data[p..], header)?;
            p += len;
            // rustyfit only ends a segment after a data message.
            if p >= data.len() {
                return Err(Fallback);
            }
            col.misaligned_fields += def.misaligned;
            defs[usize::from(header & LOCAL_NUM_MASK)] = Some(def);
            continue;
        }
        let compressed = header & COMPRESSED_HEADER != 0;
        let local = if compressed {
            (header >> 5) & 0x03
        } else {
            header & LOCAL_NUM_MASK
        };
        let def = defs[usize::from(local)].as_ref().ok_or(Fallback)?;
        let body = data.get(p..p + def.len).ok_or(Fallback)?;
        p += def.len;
        if compressed {
            let offset = header & COMPRESSED_TIME_MASK;
            let last = (timestamp as u8) & COMPRESSED_TIME_MASK;
            timestamp =
                timestamp.wrapping_add(u32::from(offset.wrapping_sub(last) & COMPRESSED_TIME_MASK));
        }
        let stamp = compressed.then_some(timestamp);
        let skip_segment = match &def.kind {
            Kind::Record(plan) => {
                record(
                    plan,
                    &def.developer_fields,
                    body,
                    def.big_endian,
                    stamp,
                    col,
                );
                false
            }
            Kind::Message(fields) => col.message(&message(def, fields, body, stamp)),
            Kind::Ignored => false,
        };
        if let Some((at, size)) = def.timestamp_field {
            timestamp = read_uint(&body[at..at + size], 4, def.big_endian) as u32;
        }
        if skip_segment {
            return Ok(());
        }
    }
    Ok(())
}

/// Hand a record's fields to the collector in definition order, as the
/// rustyfit path does.
#[inline]
fn record(
    plan: &[Slot],
    developer_fields: &[DevSlot],
    body: &[u8],
    be: bool,
    stamp: Option<u32>,
    col: &mut Collector,
) {
    let mut r = RecordState::default();
    if let Some(t) = stamp {
        col.record_field(&mut r, RecordField::Time(valid(t, u32::MAX)));
    }
    for slot in plan {
        let b = &body[slot.at..slot.at + slot.size];
        let field = match slot.kind {
            SlotKind::Time => RecordField::Time(valid(u32_of(b, be), u32::MAX)),
            SlotKind::Lat => RecordField::Lat(valid(u32_of(b, be) as i32, i32::MAX)),
            SlotKind::Lon => RecordField::Lon(valid(u32_of(b, be) as i32, i32::MAX)),
            SlotKind::Altitude => RecordField::Altitude(valid(u16_of(b, be), u16::MAX)),
            SlotKind::EnhancedAltitude => {
                RecordField::EnhancedAltitude(valid(u32_of(b, be), u32::MAX))
            }
            SlotKind::HeartRate => RecordField::HeartRate(valid(u8_of(b), u8::MAX)),
            SlotKind::Cadence => RecordField::Cadence(valid(u8_of(b), u8::MAX)),
            SlotKind::FractionalCadence => RecordField::FractionalCadence(valid(u8_of(b), u8::MAX)),
            SlotKind::Distance => RecordField::Distance(valid(u32_of(b, be), u32::MAX)),
            SlotKind::Speed => RecordField::Speed(valid(u16_of(b, be), u16::MAX)),
            SlotKind::EnhancedSpeed => RecordField::EnhancedSpeed(valid(u32_of(b, be), u32::MAX)),
            SlotKind::Power => RecordField::Power(valid(u16_of(b, be), u16::MAX)),
            SlotKind::Temperature => RecordField::Temperature(valid(u8_of(b) as i8, i8::MAX)),
            // A `byte` array: a zero-length field reads as one zero byte.
            SlotKind::CompressedSpeedDistance => {
                RecordField::CompressedSpeedDistance(if b.is_empty() { &[0] } else { b })
            }
        };
        col.record_field(&mut r, field);
    }
    let dev_power = if r.sample.power_w.is_none() && !col.dev_power.is_empty() {
        developer_power(developer_fields, body, be, col)
    } else {
        None
    };
    col.finish_record(r, dev_power);
}

/// `Collector::developer_power` on the raw bytes: the first developer field
/// described as power whose value rustyfit would decode to a single valid
/// number, scaled and offset as its description says. rustyfit types a
/// developer field by its description's `fit_base_type_id`, zero-extends a
/// short one, and makes an array of a field several values long (no number).
fn developer_power(fields: &[DevSlot], body: &[u8], be: bool, col: &Collector) -> Option<f64> {
    fields.iter().find_map(|d| {
        let f = col.power_field(d.developer_data_index, d.num)?;
        let base = FitBaseType(f.base_type);
        let unit = usize::from(base.size());
        let array = base != FitBaseType::STRING && unit > 0 && d.size > unit && d.size % unit == 0;
        let value = value_of(&body[d.at..d.at + d.size], base, array, be);
        Some(super::as_f64(&value)? / f.scale - f.offset)
    })
}

/// FIT's invalid value (all bits set; largest value for signed types) as `None`.
#[inline]
fn valid<T: PartialEq>(x: T, invalid: T) -> Option<T> {
    (x != invalid).then_some(x)
}

#[inline]
fn u8_of(b: &[u8]) -> u8 {
    b.first().copied().unwrap_or(0)
}

#[inline]
fn u16_of(b: &[u8], be: bool) -> u16 {
    match (b, be) {
        ([x, y, ..], false) => u16::from_le_bytes([*x, *y]),
        _ => read_uint(b, 2, be) as u16,
    }
}

#[inline]
fn u32_of(b: &[u8], be: bool) -> u32 {
    match (b, be) {
        ([w, x, y, z, ..], false) => u32::from_le_bytes([*w, *x, *y, *z]),
        _ => read_uint(b, 4, be) as u32,
    }
}

/// An unsigned value of `n` bytes as rustyfit reads it: the first `n` bytes
/// of a longer field; a shorter field zero-extended in its byte order.
fn read_uint(b: &[u8], n: usize, be: bool) -> u64 {
    let b = &b[..b.len().min(n)];
    if be {
        b.iter().fold(0, |v, &x| (v << 8) | u64::from(x))
    } else {
        b.iter().rev().fold(0, |v, &x| (v << 8) | u64::from(x))
    }
}

/// A message definition, compiled for the data messages that follow it.
#[derive(Debug)]
struct Definition {
    mesg_num: MesgNum,
    big_endian: bool,
    /// Bytes of one data message after its header.
    len: usize,
    /// The developer fields, in order (only records read them).
    developer_fields: Vec<DevSlot>,
    /// Where the last field that moves the running timestamp sits.
    timestamp_field: Option<(usize, usize)>,
    /// Fields whose size is not a whole number of their declared type.
    misaligned: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// `record`: the fields the reader uses, in order.
    Record(Vec<Slot>),
    /// A message the collector reads: every field, to build a `Message`.
    Message(Vec<FieldPlan>),
    /// Messages nobody reads (device info, HRV, …): only the timestamp.
    Ignored,
}

/// One developer field of a message.
#[derive(Debug, Clone, Copy)]
struct DevSlot {
    at: usize,
    size: usize,
    num: u8,
    developer_data_index: u8,
}

/// One `record` field the reader uses.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: usize,
    size: usize,
    kind: SlotKind,
}

#[derive(Debug, Clone, Copy)]
enum SlotKind {
    Time,
    Lat,
    Lon,
    Altitude,
    EnhancedAltitude,
    HeartRate,
    Cadence,
    FractionalCadence,
    Distance,
    Speed,
    EnhancedSpeed,
    Power,
    Temperature,
    CompressedSpeedDistance,
}

impl SlotKind {
    /// The record field number's slot, with the profile type and array-ness
    /// the reading above assumes.
    fn of(num: u8) -> Option<(SlotKind, FitBaseType, bool)> {
        type R = mesgdef::Record;
        Some(match num {
            R::TIMESTAMP => (SlotKind::Time, FitBaseType::UINT32, false),
            R::POSITION_LAT => (SlotKind::Lat, FitBaseType::SINT32, false),
            R::POSITION_LONG => (SlotKind::Lon, FitBaseType::SINT32, false),
            R::ALTITUDE => (SlotKind::Altitude, FitBaseType::UINT16, false),
            R::ENHANCED_ALTITUDE => (SlotKind::EnhancedAltitude, FitBaseType::UINT32, false),
            R::HEART_RATE => (SlotKind::HeartRate, FitBaseType::UINT8, false),
            R::CADENCE => (SlotKind::Cadence, FitBaseType::UINT8, false),
            R::FRACTIONAL_CADENCE => (SlotKind::FractionalCadence, FitBaseType::UINT8, false),
            R::DISTANCE => (SlotKind::Distance, FitBaseType::UINT32, false),
            R::SPEED => (SlotKind::Speed, FitBaseType::UINT16, false),
            R::ENHANCED_SPEED => (SlotKind::EnhancedSpeed, FitBaseType::UINT32, false),
            R::POWER => (SlotKind::Power, FitBaseType::UINT16, false),
            R::TEMPERATURE => (SlotKind::Temperature, FitBaseType::SINT8, false),
            R::COMPRESSED_SPEED_DISTANCE => {
                (SlotKind::CompressedSpeedDistance, FitBaseType::BYTE, true)
            }
            _ => return None,
        })
    }
}

/// One field of a message the collector reads.
#[derive(Debug, Clone, Copy)]
struct FieldPlan {
    num: u8,
    at: usize,
    size: usize,
    /// The profile's type and array-ness; `None` for fields the profile does
    /// not know, which no collector handler reads.
    profile: Option<(FitBaseType, bool)>,
}

/// The messages [`Collector::message`] reads, besides `record`.
fn collector_reads(num: MesgNum) -> bool {
    [
        MesgNum::HR,
        MesgNum::EVENT,
        MesgNum::LAP,
        MesgNum::SESSION,
        MesgNum::FILE_ID,
        MesgNum::ACTIVITY,
        MesgNum::SPORT,
        MesgNum::FIELD_DESCRIPTION,
    ]
    .contains(&num)
}

impl Definition {
    /// Parse a definition message's content (after its header byte);
    /// returns it and its length.
    fn parse(b: &[u8], header: u8) -> Result<(Definition, usize), Fallback> {
        let fixed = b.get(..5).ok_or(Fallback)?;
        let big_endian = fixed[1] != 0;
        let mesg_num = MesgNum(if big_endian {
            u16::from_be_bytes([fixed[2], fixed[3]])
        } else {
            u16::from_le_bytes([fixed[2], fixed[3]])
        });
        let n = usize::from(fixed[4]);
        let mut p = 5 + 3 * n;
        let field_defs = b.get(5..p).ok_or(Fallback)?;
        let mut dev_defs: &[u8] = &[];
        if header & DEVELOPER_DATA_FLAG != 0 {
            let nd = usize::from(*b.get(p).ok_or(Fallback)?);
            dev_defs = b.get(p + 1..p + 1 + 3 * nd).ok_or(Fallback)?;
            p += 1 + 3 * nd;
        }

        let is_record = mesg_num == MesgNum::RECORD;
        let reads = collector_reads(mesg_num);
        let (mut slots, mut fields) = (Vec::new(), Vec::new());
        let (mut at, mut misaligned, mut timestamp_field) = (0usize, 0usize, None);
        for d in field_defs.chunks_exact(3) {
            let (num, size, declared) = (d[0], usize::from(d[1]), FitBaseType(d[2]));
            let unit = usize::from(declared.size());
            if unit > 1 && size % unit != 0 {
                misaligned += 1;
            }
            let profile = field_reference(mesg_num, num).map(|r| (r.base_type(), r.array()));
            let (base, array) =
                profile.unwrap_or((declared, unit > 0 && size > unit && size % unit == 0));
            if num == TIMESTAMP_FIELD && base == FitBaseType::UINT32 && !array {
                timestamp_field = Some((at, size));
            }
            if is_record {
                if let Some((kind, want_base, want_array)) = SlotKind::of(num) {
                    // A rustyfit whose profile types record fields otherwise
                    // would decode different values: leave it to rustyfit.
                    if profile != Some((want_base, want_array)) {
                        return Err(Fallback);
                    }
                    slots.push(Slot { at, size, kind });
                }
            } else if reads {
                fields.push(FieldPlan {
                    num,
                    at,
                    size,
                    profile,
                });
            }
            at += size;
        }
        let mut developer_fields = Vec::with_capacity(dev_defs.len() / 3);
        for d in dev_defs.chunks_exact(3) {
            let size = usize::from(d[1]);
            developer_fields.push(DevSlot {
                at,
                size,
                num: d[0],
                developer_data_index: d[2],
            });
            at += size;
        }
        let kind = if is_record {
            Kind::Record(slots)
        } else if reads {
            Kind::Message(fields)
        } else {
            Kind::Ignored
        };
        Ok((
            Definition {
                mesg_num,
                big_endian,
                len: at,
                developer_fields,
                timestamp_field,
                misaligned,
                kind,
            },
            p,
        ))
    }
}

/// A rustyfit `Message` of the fields the collector reads, valued as
/// rustyfit values them (developer fields are left out: only records read
/// them).
fn message(def: &Definition, fields: &[FieldPlan], body: &[u8], stamp: Option<u32>) -> Message {
    let mut out = Vec::with_capacity(fields.len() + 1);
    if let Some(t) = stamp {
        out.push(Field {
            num: TIMESTAMP_FIELD,
            base_type: FitBaseType::UINT32,
            value: Value::Uint32(t),
            is_expanded: false,
        });
    }
    for f in fields {
        let raw = &body[f.at..f.at + f.size];
        let (base_type, value) = match f.profile {
            Some((base, array)) => (base, value_of(raw, base, array, def.big_endian)),
            None => (FitBaseType(0xFF), Value::Invalid),
        };
        out.push(Field {
            num: f.num,
            base_type,
            value,
            is_expanded: false,
        });
    }
    Message {
        header: 0,
        num: def.mesg_num,
        fields: out,
        developer_fields: Vec::new(),
    }
}

/// rustyfit's `Value::from_parts`, after its zero-extension of short fields.
fn value_of(raw: &[u8], base: FitBaseType, array: bool, be: bool) -> Value {
    let unit = usize::from(base.size());
    let mut padded = [0u8; 8];
    let buf: &[u8] = if raw.len() < unit && unit <= 8 {
        if be {
            padded[unit - raw.len()..unit].copy_from_slice(raw);
        } else {
            padded[..raw.len()].copy_from_slice(raw);
        }
        &padded[..unit]
    } else {
        raw
    };
    macro_rules! num {
        ($t:ty, $n:literal, $one:ident, $many:ident) => {{
            let get = |c: [u8; $n]| {
                if be {
                    <$t>::from_be_bytes(c)
                } else {
                    <$t>::from_le_bytes(c)
                }
            };
            let (chunks, _) = buf.as_chunks::<$n>();
            if array {
                Value::$many(chunks.iter().map(|&c| get(c)).collect())
            } else {
                match chunks.first() {
                    Some(&c) => Value::$one(get(c)),
                    None => Value::Invalid,
                }
            }
        }};
    }
    match base {
        FitBaseType::SINT8 => match array {
            true => Value::ArrayInt8(buf.iter().map(|&x| x as i8).collect()),
            false => buf
                .first()
                .map_or(Value::Invalid, |&x| Value::Int8(x as i8)),
        },
        FitBaseType::ENUM | FitBaseType::BYTE | FitBaseType::UINT8 | FitBaseType::UINT8Z => {
            match array {
                true => Value::ArrayUint8(Box::from(buf)),
                false => buf.first().map_or(Value::Invalid, |&x| Value::Uint8(x)),
            }
        }
        FitBaseType::SINT16 => num!(i16, 2, Int16, ArrayInt16),
        FitBaseType::UINT16 | FitBaseType::UINT16Z => num!(u16, 2, Uint16, ArrayUint16),
        FitBaseType::SINT32 => num!(i32, 4, Int32, ArrayInt32),
        FitBaseType::UINT32 | FitBaseType::UINT32Z => num!(u32, 4, Uint32, ArrayUint32),
        FitBaseType::FLOAT32 => num!(f32, 4, Float32, ArrayFloat32),
        FitBaseType::FLOAT64 => num!(f64, 8, Float64, ArrayFloat64),
        FitBaseType::SINT64 => num!(i64, 8, Int64, ArrayInt64),
        FitBaseType::UINT64 | FitBaseType::UINT64Z => num!(u64, 8, Uint64, ArrayUint64),
        FitBaseType::STRING => string_value(buf, array),
        _ => Value::Invalid,
    }
}

/// rustyfit's string values: a single string up to the first NUL, or (for
/// profile arrays) every NUL-separated non-empty string, lossily decoded.
fn string_value(buf: &[u8], array: bool) -> Value {
    if !array {
        let end = buf.iter().position(|&v| v == 0).unwrap_or(buf.len());
        return Value::String(String::from_utf8_lossy(&buf[..end]).into());
    }
    let strings: Vec<Box<str>> = buf
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into())
        .collect();
    Value::ArrayString(strings.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fit::{decodes_directly, read, read_with_rustyfit};

    /// A FIT file of three records whose power is only in developer
    /// fields: field 0 is described as `power` but recorded two values long
    /// (an array, so no number), field 1 as `power` with scale 2, offset 5.
    fn developer_power_file() -> Vec<u8> {
        let mut d: Vec<u8> = Vec::new();
        // file_id: type = activity (4).
        d.extend([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00]);
        d.extend([0x00, 4]);
        // field_description: index, number, base type, name[6], scale, offset.
        d.extend([0x41, 0, 0, 206, 0, 6]);
        d.extend([
            0, 1, 0x02, 1, 1, 0x02, 2, 1, 0x02, 3, 6, 0x07, 6, 1, 0x02, 7, 1, 0x01,
        ]);
        for number in [0u8, 1] {
            d.extend([0x01, 0, number, 0x84]);
            d.extend(b"power\0");
            d.extend([2, 5]);
        }
        // record: timestamp, heart rate; developer fields 0 (4 bytes), 1 (2).
        d.extend([
            0x62, 0, 0, 20, 0, 2, 253, 4, 0x86, 3, 1, 0x02, 2, 0, 4, 0, 1, 2, 0,
        ]);
        for (i, raw) in [300u16, 310, 320].into_iter().enumerate() {
            d.push(0x02);
            d.extend((1_000_000_000u32 + i as u32).to_le_bytes());
            d.push(150);
            d.extend(1000u16.to_le_bytes());
            d.extend(1000u16.to_le_bytes());
            d.extend(raw.to_le_bytes());
        }
        let mut f = vec![12, 0x20, 0x54, 0x08];
        f.extend((d.len() as u32).to_le_bytes());
        f.extend(b".FIT");
        f.extend(d);
        let c = crate::ingest::fit::crc16(&f);
        f.extend(c.to_le_bytes());
        f
    }

    #[test]
    fn developer_power_is_read_directly_as_rustyfit_reads_it() {
        let bytes = developer_power_file();
        assert!(decodes_directly(&bytes));
        assert_eq!(
            format!("{:?}", read("dev.fit", &bytes)),
            format!("{:?}", read_with_rustyfit("dev.fit", &bytes))
        );
        let direct = read("dev.fit", &bytes).expect("reads");
        // 300/2 − 5: the array field before it gives no number.
        assert_eq!(direct[0].samples.power_w, Some(vec![145.0, 150.0, 155.0]));
        assert!(direct[0].warnings.is_empty(), "{:?}", direct[0].warnings);
    }

    #[test]
    fn the_direct_decoder_reads_the_record_fields_the_rustyfit_path_reads() {
        // One value of each shape `RecordField::from_value` accepts.
        let shapes = [
            Value::Uint8(1),
            Value::Int8(1),
            Value::Uint16(1),
            Value::Uint32(1),
            Value::Int32(1),
            Value::ArrayUint8(Box::new([1, 2, 3])),
        ];
        for num in 0..=u8::MAX {
            let rustyfit_reads = shapes
                .iter()
                .any(|v| RecordField::from_value(num, v).is_some());
            assert_eq!(
                SlotKind::of(num).is_some(),
                rustyfit_reads,
                "record field {num}"
            );
        }
    }
}
