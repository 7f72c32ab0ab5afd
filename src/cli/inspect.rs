//! `cramplab inspect`: what each file holds, as readable blocks or JSON.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};
use cramplab::activity::{Activity, Samples};
use cramplab::ingest::inputs::{Content, Inputs, Limits};
use serde_json::{Value, json};

use super::Status;

/// What `inspect` was asked to do.
pub struct Config {
    /// Files, archives or folders.
    pub paths: Vec<PathBuf>,
    /// JSON instead of text.
    pub json: bool,
}

/// One row of the report: an activity, a failure, or a skip.
enum Row {
    Activity(Box<Activity>),
    Failed { path: String, error: String },
    Skipped { path: String, reason: String },
}

pub fn run(cfg: &Config) -> anyhow::Result<Status> {
    let mut rows: Vec<Row> = Vec::new();
    for file in Inputs::find(&cfg.paths, Limits::default()).read_all() {
        match file.content {
            Content::Activities(acts) => {
                rows.extend(acts.into_iter().map(|(_, a)| Row::Activity(Box::new(a))))
            }
            Content::Skipped(reason) => rows.push(Row::Skipped {
                path: file.display,
                reason,
            }),
            Content::Failed(e) => rows.push(Row::Failed {
                path: file.display,
                error: e.to_string(),
            }),
        }
    }
    let failed = rows
        .iter()
        .filter(|r| matches!(r, Row::Failed { .. }))
        .count();
    let mut out = std::io::stdout().lock();
    if cfg.json {
        let arr: Vec<Value> = rows.iter().map(row_json).collect();
        serde_json::to_writer_pretty(&mut out, &arr)?;
        writeln!(out)?;
    } else {
        let skipped = rows
            .iter()
            .filter(|r| matches!(r, Row::Skipped { .. }))
            .count();
        for row in &rows {
            if let Row::Activity(a) = row {
                write!(out, "{}", text_block(a))?;
                writeln!(out)?;
            }
        }
        if skipped > 0 {
            writeln!(
                out,
                "{skipped} file(s) skipped (not activities: settings, monitoring, routes…)"
            )?;
        }
    }
    for row in &rows {
        if let Row::Failed { error, .. } = row {
            eprintln!("cramplab: {error}");
        }
    }
    Ok(if failed > 0 {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Round to `d` decimals for display (JSON keeps a few, not float noise).
fn round(x: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    (x * m).round() / m
}

fn channels(s: &Samples) -> Vec<&'static str> {
    let mut c = Vec::new();
    if Samples::has(&s.lat_deg) {
        c.push("gps");
    }
    for (name, ch) in [
        ("altitude", &s.altitude_m),
        ("distance", &s.distance_m),
        ("speed", &s.speed_mps),
        ("heart_rate", &s.hr_bpm),
        ("cadence", &s.cadence_spm),
        ("temperature", &s.temperature_c),
        ("power", &s.power_w),
    ] {
        if Samples::has(ch) {
            c.push(name);
        }
    }
    c
}

fn row_json(row: &Row) -> Value {
    match row {
        Row::Failed { path, error } => json!({"path": path, "status": "error", "error": error}),
        Row::Skipped { path, reason } => {
            json!({"path": path, "status": "skipped", "error": reason})
        }
        Row::Activity(a) => {
            let s = &a.samples;
            json!({
                "path": a.path,
                "status": "ok",
                "error": null,
                "format": a.format.as_str(),
                "sport": a.sport.as_str(),
                "sub_sport": a.sub_sport,
                "device": a.device,
                "start_utc": rfc3339(a.start_utc),
                "utc_offset_s": a.utc_offset.map(|o| o.seconds),
                "utc_offset_source": a.utc_offset.map(|o| o.source),
                "elapsed_s": round(a.elapsed_s(), 3),
                "timer_s": a.timer_s.map(|t| round(t, 3)),
                "distance_m": a.distance_m().map(|d| round(d, 1)),
                "samples": s.len(),
                "sampling_interval_s": s.median_interval_s().map(|x| round(x, 3)),
                "has_gps": Samples::has(&s.lat_deg),
                "has_hr": Samples::has(&s.hr_bpm),
                "has_cadence": Samples::has(&s.cadence_spm),
                "channels": channels(s),
                "laps": a.laps.len(),
                "pauses": a.pauses.len(),
                "paused_s": round(a.paused_s(), 3),
                "waypoints": a.waypoints.len(),
                "warnings": a.warnings,
            })
        }
    }
}

/// `h:mm:ss` (or `m:ss` under an hour).
pub fn hms(seconds: f64) -> String {
    let t = seconds.round().max(0.0) as i64;
    let (h, m, s) = (t / 3600, (t / 60) % 60, t % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn text_block(a: &Activity) -> String {
    let s = &a.samples;
    let mut out = format!("{}\n", a.path);
    let sport = match &a.sub_sport {
        Some(sub) => format!("{} ({sub})", a.sport.as_str()),
        None => a.sport.as_str().to_string(),
    };
    out += &format!("  format    {}   sport {sport}\n", a.format.as_str());
    if let Some(d) = &a.device {
        out += &format!("  device    {d}\n");
    }
    let local = match a.utc_offset.and_then(|o| FixedOffset::east_opt(o.seconds)) {
        Some(off) => format!(
            "local {}",
            a.start_utc
                .with_timezone(&off)
                .format("%Y-%m-%d %H:%M:%S %:z")
        ),
        None => "local time unknown".to_string(),
    };
    out += &format!(
        "  start     {} UTC ({local})\n",
        a.start_utc.format("%Y-%m-%d %H:%M:%S")
    );
    let timer = a
        .timer_s
        .map(|t| format!("   timer {}", hms(t)))
        .unwrap_or_default();
    let dist = a
        .distance_m()
        .map(|d| format!("   distance {:.2} km", d / 1000.0))
        .unwrap_or_default();
    out += &format!("  elapsed   {}{timer}{dist}\n", hms(a.elapsed_s()));
    let interval = s
        .median_interval_s()
        .map(|i| format!(", every {i} s (median)"))
        .unwrap_or_default();
    out += &format!("  samples   {}{interval}\n", s.len());
    let ch = channels(s);
    out += &format!(
        "  channels  {}\n",
        if ch.is_empty() {
            "time only".to_string()
        } else {
            ch.join(", ")
        }
    );
    out += &format!("  laps      {}\n", a.laps.len());
    out += &format!(
        "  pauses    {} ({} paused)\n",
        a.pauses.len(),
        hms(a.paused_s())
    );
    if !a.waypoints.is_empty() {
        out += &format!("  waypoints {}\n", a.waypoints.len());
    }
    for w in &a.warnings {
        out += &format!("  warning   {w}\n");
    }
    out
}
