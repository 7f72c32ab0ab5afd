//! Writes a simulated run as a FIT activity file with rustyfit's encoder, in
//! the shape Garmin watches use: file_id, device_info, timer events (start,
//! stop/start around auto-pauses), 1 Hz or smart records, laps, session,
//! activity (with `local_timestamp`, which tells readers the UTC offset).

use std::io::Cursor;

use embedded_io_adapters::std::FromStd;
use rustyfit::Encoder;
use rustyfit::profile::mesgdef;
use rustyfit::profile::typedef::{
    self, DateTime as FitTime, DeviceIndex, Event, EventType, LapTrigger, LocalDateTime,
    Manufacturer, MesgNum, SessionTrigger, SourceType, Sport, SubSport, TimerTrigger,
};
use rustyfit::proto::{FIT, Message};

use super::course::CourseKind;
use super::sensors::{HrSensor, Record};
use super::{LapEnd, SimError, SimRun};

/// Semicircles per degree: 2³¹ / 180 (FIT profile, `position_lat` units).
const SEMICIRCLES_PER_DEG: f64 = 2_147_483_648.0 / 180.0;

fn fit_time(unix_s: i64) -> FitTime {
    FitTime::from_unix_timestamp(unix_s)
}

fn semicircles(deg: f64) -> i32 {
    (deg * SEMICIRCLES_PER_DEG).round() as i32
}

/// Scale and offset a value into a FIT integer field, rounding to nearest
/// (rustyfit's setters truncate).
fn scaled_u32(v: f64, scale: f64, offset: f64) -> u32 {
    ((v + offset) * scale)
        .round()
        .clamp(0.0, (u32::MAX - 1) as f64) as u32
}

fn scaled_u16(v: f64, scale: f64) -> u16 {
    (v * scale).round().clamp(0.0, (u16::MAX - 1) as f64) as u16
}

fn sub_sport(kind: CourseKind) -> SubSport {
    match kind {
        CourseKind::Road => SubSport::ROAD,
        CourseKind::Trail => SubSport::TRAIL,
        CourseKind::Flat => SubSport::STREET,
    }
}

fn record_message(start_unix_s: i64, r: &Record) -> Message {
    let mut m = mesgdef::Record::new();
    m.timestamp = fit_time(start_unix_s + r.t_s as i64);
    m.position_lat = semicircles(r.lat_deg);
    m.position_long = semicircles(r.lon_deg);
    // enhanced_altitude: scale 5, offset 500 m; distance: scale 100;
    // enhanced_speed: scale 1000 (FIT profile).
    m.enhanced_altitude = scaled_u32(r.altitude_m, 5.0, 500.0);
    m.distance = scaled_u32(r.distance_m, 100.0, 0.0);
    m.enhanced_speed = scaled_u32(r.speed_mps, 1000.0, 0.0);
    if let Some(hr) = r.hr_bpm {
        m.heart_rate = hr;
    }
    if let Some(c) = r.cadence_rpm {
        m.cadence = c;
    }
    Message::from(m)
}

fn timer_event(unix_s: i64, event_type: EventType, trigger: TimerTrigger) -> Message {
    let mut e = mesgdef::Event::new();
    e.timestamp = fit_time(unix_s);
    e.event = Event::TIMER;
    e.event_type = event_type;
    e.data = trigger.0 as u32;
    e.event_group = 0;
    Message::from(e)
}

/// Summary of records between two seconds.
struct Stats {
    avg_hr: Option<u8>,
    max_hr: Option<u8>,
    avg_cad: Option<u8>,
    max_speed_mps: f64,
}

fn stats(records: &[Record]) -> Stats {
    let hrs: Vec<u32> = records
        .iter()
        .filter_map(|r| r.hr_bpm.map(u32::from))
        .collect();
    let cads: Vec<u32> = records
        .iter()
        .filter_map(|r| r.cadence_rpm.map(u32::from))
        .filter(|&c| c > 0)
        .collect();
    let avg = |v: &[u32]| {
        (!v.is_empty()).then(|| (v.iter().sum::<u32>() as f64 / v.len() as f64).round() as u8)
    };
    Stats {
        avg_hr: avg(&hrs),
        max_hr: hrs.iter().max().map(|&h| h as u8),
        avg_cad: avg(&cads),
        max_speed_mps: records.iter().map(|r| r.speed_mps).fold(0.0, f64::max),
    }
}

/// Encode `run` as FIT bytes.
pub fn encode(run: &SimRun) -> Result<Vec<u8>, SimError> {
    let start = run.start_unix_s;
    let end_s = run.end_s();
    let end = start + end_s as i64;
    let recs = &run.recorded.records;
    let manufacturer = Manufacturer(run.device.manufacturer_id);

    // Messages keyed by (second, order within the second).
    let mut timed: Vec<(u32, u8, Message)> = Vec::with_capacity(recs.len() + 64);
    timed.push((
        0,
        0,
        timer_event(start, EventType::START, TimerTrigger::MANUAL),
    ));
    for r in recs {
        timed.push((r.t_s, 1, record_message(start, r)));
    }
    for &(a, b) in &run.recorded.pauses {
        timed.push((
            a,
            2,
            timer_event(start + a as i64, EventType::STOP_ALL, TimerTrigger::AUTO),
        ));
        timed.push((
            b,
            0,
            timer_event(start + b as i64, EventType::START, TimerTrigger::AUTO),
        ));
    }
    timed.push((
        end_s,
        2,
        timer_event(end, EventType::STOP_ALL, TimerTrigger::MANUAL),
    ));

    let laps = run.laps();
    let mut lap_start = 0u32;
    for (i, &(lap_end, how)) in laps.iter().enumerate() {
        let in_lap: Vec<Record> = recs
            .iter()
            .filter(|r| r.t_s >= lap_start && r.t_s <= lap_end)
            .copied()
            .collect();
        let s = stats(&in_lap);
        let elapsed = (lap_end - lap_start) as f64;
        let timer = elapsed - run.paused_between(lap_start, lap_end) as f64;
        let dist = run.distance_at(lap_end) - run.distance_at(lap_start);
        let mut lap = mesgdef::Lap::new();
        lap.message_index = typedef::MessageIndex(i as u16);
        lap.timestamp = fit_time(start + lap_end as i64);
        lap.start_time = fit_time(start + lap_start as i64);
        lap.event = Event::LAP;
        lap.event_type = EventType::STOP;
        lap.total_elapsed_time = scaled_u32(elapsed, 1000.0, 0.0);
        lap.total_timer_time = scaled_u32(timer, 1000.0, 0.0);
        lap.total_distance = scaled_u32(dist, 100.0, 0.0);
        if timer > 0.0 {
            lap.avg_speed = scaled_u16(dist / timer, 1000.0);
        }
        lap.max_speed = scaled_u16(s.max_speed_mps, 1000.0);
        if let (Some(a), Some(m)) = (s.avg_hr, s.max_hr) {
            lap.avg_heart_rate = a;
            lap.max_heart_rate = m;
        }
        if let Some(c) = s.avg_cad {
            lap.avg_cadence = c;
        }
        lap.lap_trigger = match how {
            LapEnd::Manual => LapTrigger::MANUAL,
            LapEnd::Distance => LapTrigger::DISTANCE,
            LapEnd::SessionEnd => LapTrigger::SESSION_END,
        };
        lap.sport = Sport::RUNNING;
        lap.sub_sport = sub_sport(run.course_kind);
        if let Some(first) = in_lap.first() {
            lap.start_position_lat = semicircles(first.lat_deg);
            lap.start_position_long = semicircles(first.lon_deg);
        }
        if let Some(last) = in_lap.last() {
            lap.end_position_lat = semicircles(last.lat_deg);
            lap.end_position_long = semicircles(last.lon_deg);
        }
        timed.push((lap_end, 3, Message::from(lap)));
        lap_start = lap_end;
    }
    // Stable sort keeps records in order within a key.
    timed.sort_by_key(|(t, k, _)| (*t, *k));

    let all = stats(recs);
    let timer_s = end_s as f64 - run.paused_s() as f64;
    let total_dist = run.distance_at(end_s);
    let mut session = mesgdef::Session::new();
    session.message_index = typedef::MessageIndex(0);
    session.timestamp = fit_time(end);
    session.start_time = fit_time(start);
    session.event = Event::SESSION;
    session.event_type = EventType::STOP;
    session.sport = Sport::RUNNING;
    session.sub_sport = sub_sport(run.course_kind);
    session.total_elapsed_time = scaled_u32(end_s as f64, 1000.0, 0.0);
    session.total_timer_time = scaled_u32(timer_s, 1000.0, 0.0);
    session.total_distance = scaled_u32(total_dist, 100.0, 0.0);
    if timer_s > 0.0 {
        session.avg_speed = scaled_u16(total_dist / timer_s, 1000.0);
    }
    session.max_speed = scaled_u16(all.max_speed_mps, 1000.0);
    if let (Some(a), Some(m)) = (all.avg_hr, all.max_hr) {
        session.avg_heart_rate = a;
        session.max_heart_rate = m;
    }
    if let Some(c) = all.avg_cad {
        session.avg_cadence = c;
    }
    session.first_lap_index = 0;
    session.num_laps = laps.len() as u16;
    session.trigger = SessionTrigger::ACTIVITY_END;
    if let Some(first) = recs.first() {
        session.start_position_lat = semicircles(first.lat_deg);
        session.start_position_long = semicircles(first.lon_deg);
    }

    let mut activity = mesgdef::Activity::new();
    activity.timestamp = fit_time(end);
    activity.total_timer_time = scaled_u32(timer_s, 1000.0, 0.0);
    activity.num_sessions = 1;
    activity.r#type = typedef::Activity::MANUAL;
    activity.event = Event::ACTIVITY;
    activity.event_type = EventType::STOP;
    // Local wall-clock time of the same instant (FIT profile: the offset
    // from `timestamp` is the runner's UTC offset).
    activity.local_timestamp = LocalDateTime::from_unix_timestamp(end + run.utc_offset_s as i64);

    let mut file_id = mesgdef::FileId::new();
    file_id.r#type = typedef::File::ACTIVITY;
    file_id.manufacturer = manufacturer;
    file_id.product = run.device.product_id;
    file_id.serial_number = run.device.serial;
    file_id.time_created = fit_time(start);

    let mut creator = mesgdef::DeviceInfo::new();
    creator.timestamp = fit_time(start);
    creator.device_index = DeviceIndex::CREATOR;
    creator.manufacturer = manufacturer;
    creator.product = run.device.product_id;
    creator.serial_number = run.device.serial;
    creator.software_version = 2150; // shown as 21.50
    creator.source_type = SourceType::LOCAL;

    let mut messages = vec![Message::from(file_id), Message::from(creator)];
    if run.setup.hr_sensor == HrSensor::Chest {
        let mut strap = mesgdef::DeviceInfo::new();
        strap.timestamp = fit_time(start);
        strap.device_index = DeviceIndex(1);
        strap.device_type = typedef::AntplusDeviceType::HEART_RATE.0;
        strap.manufacturer = Manufacturer::GARMIN;
        strap.serial_number = run.device.serial.wrapping_add(7919);
        strap.source_type = SourceType::ANTPLUS;
        messages.push(Message::from(strap));
    }
    messages.extend(timed.into_iter().map(|(_, _, m)| m));
    messages.push(Message::from(session));
    messages.push(Message::from(activity));
    // Keep the message number check explicit: the encoder trusts `num`.
    debug_assert!(messages[0].num == MesgNum::FILE_ID);

    let mut fit = FIT {
        messages,
        ..Default::default()
    };
    let mut out = FromStd::new(Cursor::new(Vec::new()));
    let mut enc = Encoder::builder()
        .header_option(rustyfit::HeaderOption::Normal(3))
        .build();
    enc.encode(&mut out, &mut fit).map_err(|e| SimError::Fit {
        file: run.file_name.clone(),
        reason: format!("{e:?}"),
    })?;
    Ok(out.into_inner().into_inner())
}
