//! `cramplab inspect`'s output: what each input holds, as readable blocks
//! or one JSON array. The command reads the inputs into [`Row`]s; this
//! module only renders them, so both forms are testable without a file.

use chrono::FixedOffset;
use serde_json::{Value, json};

use super::{round, text};
use crate::activity::{Activity, Holes, Samples};
use crate::results::rfc3339;
use crate::timeline::TimelineOptions;

/// Holes covering more than this share of the elapsed time get a warning.
const HOLES_WARN_SHARE: f64 = 0.1;

/// The activity's holes: gaps longer than the timeline interpolates by
/// default that are not pauses ([`Activity::holes`]).
fn holes(a: &Activity) -> Holes {
    a.holes(TimelineOptions::default().max_interp_gap_s)
}

/// A warning when the holes cover more than a tenth of the run.
fn holes_warning(a: &Activity, h: &Holes) -> Option<String> {
    (h.total_s > HOLES_WARN_SHARE * a.elapsed_s()).then(|| {
        format!(
            "{} of the {} elapsed has no samples ({} gap(s) over {} s that are not pauses, \
             the longest {}): pace there is unknown, so a cramp in or just after a hole gets \
             no response",
            hms(h.total_s),
            hms(a.elapsed_s()),
            h.count,
            TimelineOptions::default().max_interp_gap_s,
            hms(h.longest_s)
        )
    })
}

/// One input as `inspect` reports it: an activity, a failure, or a skip.
pub enum Row {
    /// An activity that was read.
    Activity(Box<Activity>),
    /// An input that could not be read.
    Failed {
        /// The input's display path.
        path: String,
        /// Why it could not be read.
        error: String,
    },
    /// An input that holds no activity (settings, monitoring, routes…).
    Skipped {
        /// The input's display path.
        path: String,
        /// Why it was skipped.
        reason: String,
    },
}

/// The rows as one pretty-printed JSON array, newline-terminated.
pub fn json(rows: &[Row]) -> Vec<u8> {
    let arr: Vec<Value> = rows.iter().map(row_json).collect();
    let mut out = serde_json::to_vec_pretty(&arr).expect("a JSON value always serialises");
    out.push(b'\n');
    out
}

/// One readable block per activity, then how many inputs were skipped
/// (failures are the caller's to print on stderr).
pub fn text(rows: &[Row]) -> Vec<u8> {
    let mut out = String::new();
    for row in rows {
        if let Row::Activity(a) = row {
            out += &text_block(a);
            out += "\n";
        }
    }
    let skipped: Vec<&str> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Skipped { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        out += &format!(
            "{} file(s) skipped (not activities: settings, monitoring, routes, workouts with nothing recorded…):\n",
            skipped.len()
        );
        // Each with its reason, which names it; a long list is cut short.
        const SHOWN: usize = 10;
        for reason in skipped.iter().take(SHOWN) {
            out += &format!("  {reason}\n");
        }
        if skipped.len() > SHOWN {
            out += &format!(
                "  … and {} more (--json lists them all)\n",
                skipped.len() - SHOWN
            );
        }
    }
    out.into_bytes()
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
            let h = holes(a);
            let mut warnings = a.warnings.clone();
            warnings.extend(holes_warning(a, &h));
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
                "holes": h.count,
                "holes_s": round(h.total_s, 3),
                "longest_hole_s": round(h.longest_s, 3),
                "channels": channels(s),
                "laps": a.laps.len(),
                "pauses": a.pauses.len(),
                "paused_s": round(a.paused_s(), 3),
                "waypoints": a.waypoints.len(),
                "warnings": warnings,
            })
        }
    }
}

/// `h:mm:ss` (or `m:ss` under an hour) of the whole seconds completed, as
/// a watch's clock shows them ([`text::clock`] of the floor). Elapsed, timer
/// and paused times are all cut this way, so an elapsed 33:12.0 never shows
/// under a timer of 33:12.8.
fn hms(seconds: f64) -> String {
    text::clock(seconds.floor())
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
    let h = holes(a);
    out += &if h.count == 0 {
        "  holes     0\n".to_string()
    } else {
        format!(
            "  holes     {} ({} without samples, longest {})\n",
            h.count,
            hms(h.total_s),
            hms(h.longest_s)
        )
    };
    if !a.waypoints.is_empty() {
        out += &format!("  waypoints {}\n", a.waypoints.len());
    }
    for w in a.warnings.iter().cloned().chain(holes_warning(a, &h)) {
        out += &format!("  warning   {w}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        vec![
            Row::Failed {
                path: "bad.fit".to_string(),
                error: "bad.fit: truncated".to_string(),
            },
            Row::Skipped {
                path: "settings.fit".to_string(),
                reason: "a FIT settings file holds no activity".to_string(),
            },
        ]
    }

    #[test]
    fn text_counts_skipped_inputs_and_leaves_failures_to_stderr() {
        let text = String::from_utf8(text(&rows())).expect("UTF-8");
        assert_eq!(
            text,
            "1 file(s) skipped (not activities: settings, monitoring, routes, workouts with nothing recorded…):\n  a FIT settings file holds no activity\n"
        );
    }

    #[test]
    fn json_lists_every_input_with_its_status() {
        let v: Value = serde_json::from_slice(&json(&rows())).expect("JSON");
        assert_eq!(v[0]["status"], "error");
        assert_eq!(v[0]["error"], "bad.fit: truncated");
        assert_eq!(v[1]["status"], "skipped");
        assert_eq!(v[1]["path"], "settings.fit");
    }

    #[test]
    fn durations_read_as_a_clock() {
        assert_eq!(hms(59.6), "0:59");
        assert_eq!(hms(1_992.78), hms(1_992.0));
        assert_eq!(hms(3_725.0), "1:02:05");
        assert_eq!(hms(-3.0), "0:00");
    }
}
