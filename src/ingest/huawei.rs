//! Huawei Health HiTrack files (`HiTrack_<start ms><end ms><5 digits>`, from
//! the app's data folder or a backup): one activity per file, from text
//! lines of `;`-separated `key=value` fields.
//!
//! What the lines mean is what the published converters found by reading
//! real files (aricooperdavis/Huawei-TCX-Converter, `Huawei-TCX-Converter.py`,
//! and its successor CTHRU/Hitrava, `Hitrava.py`), checked here against the
//! four real files in `tests/corpus/health-apps/huawei/`:
//!
//! - `tp=lbs;k=<n>;lat=;lon=;alt=;t=<time>` — a position. `lat=90;lon=-80`
//!   is no place but a pause or stop record: the converters end a segment at
//!   the last position before it and start the next at the first position
//!   after it, so the stretch between those two positions is a pause (a
//!   marker with no later position is the stop). Phone-recorded files give
//!   markers a time; device files write `t=0`, placed by file order. The
//!   `alt` field is 0.0 in every real file (the converter notes feet in
//!   phone files, unconfirmed): it is not read; `tp=alti` is.
//! - `tp=h-r;k=<time>;v=<bpm>`, `tp=alti;k=<time>;v=<m>`,
//!   `tp=s-r;k=<time>;v=<steps/min>` (steps, not strides: the converter
//!   halves it for TCX; the real runs read 158–190). A negative step rate
//!   is a swimming stroke type and is left out.
//! - `tp=rs;k=<seconds>;v=<dm/s>` — speed in decimetres per second, with
//!   `k` counting 5 s steps of recording time, not a clock. The converters
//!   place it at start + k + 5 s, which drifts across pauses (by 630 s over
//!   the 5-hour real ride). The watch writes one `rs` record with each
//!   `h-r` record (equal counts in every real file), so the i-th speed goes
//!   to the i-th heart-rate time; against speed from the positions this
//!   misses by 0.46 m/s on that ride where start + k + 5 s misses by
//!   1.87 m/s (0.37 and 0.42 against 0.45 and 0.39 on the others). When the
//!   counts differ the converters' placement is used, with a warning.
//! - `tp=p-m`, `tp=b-p-m` — pace summaries whose `k` is not a time: ignored.
//!
//! Times are seconds or milliseconds since 1970, often in scientific
//! notation (`1.55173212E12`), decided per value by magnitude. The file
//! holds no UTC offset (`utc_offset` is `None`). The file name's first 26
//! digits are the start and end in ms; the last 5 digits are decoded by no
//! published converter (both call them unknown), so the sport is not read
//! from them. The file does not state its sport either: the converter's
//! step-rate rule is used (all step rates 0, or some 0 and a mean under 70:
//! cycling; none reaching 135 steps/min: walking, after the walk-to-run
//! transition near 70 strides/min, PMC5435734), said in a warning;
//! otherwise the sport is unknown (counted as running).

use std::collections::BTreeMap;

use super::xml;
use crate::activity::{Activity, ActivityMeta, Format, RawSample, Sport, TrackBuilder};
use crate::error::IngestError;

/// The converters' reading of a `tp=rs` record's `k`: the first (k = 0) is
/// the speed 5 s into the activity.
const RS_FIRST_AFTER_S: f64 = 5.0;

/// Step rates below this never reach running (the converter's walking rule).
const WALK_MAX_STEPS_PER_MIN: f64 = 135.0;

/// The converter's cycling rule: some step rates 0 and a mean below this.
const CYCLE_MEAN_STEPS_PER_MIN: f64 = 70.0;

/// One line's fields (`tp` and the values the reader uses).
#[derive(Debug, Default)]
struct Fields<'a> {
    tp: &'a [u8],
    k: Option<&'a [u8]>,
    v: Option<&'a [u8]>,
    lat: Option<&'a [u8]>,
    lon: Option<&'a [u8]>,
    alt: Option<&'a [u8]>,
    t: Option<&'a [u8]>,
}

/// `tp=…;k=…;…` split into its fields; `None` when the line does not
/// start with `tp=`.
fn fields(line: &[u8]) -> Option<Fields<'_>> {
    let mut f = Fields::default();
    let mut parts = line.split(|&b| b == b';');
    f.tp = parts.next()?.strip_prefix(b"tp=")?;
    for part in parts {
        let Some(eq) = part.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (key, value) = (&part[..eq], &part[eq + 1..]);
        let slot = match key {
            b"k" => &mut f.k,
            b"v" => &mut f.v,
            b"lat" => &mut f.lat,
            b"lon" => &mut f.lon,
            b"alt" => &mut f.alt,
            b"t" => &mut f.t,
            _ => continue,
        };
        *slot = Some(value);
    }
    Some(f)
}

fn number(v: Option<&[u8]>) -> Option<f64> {
    xml::parse_f64(std::str::from_utf8(v?).ok()?)
}

/// A HiTrack time in UTC milliseconds: seconds when below 10^11 (a date
/// before 1973 in ms, after 5138 in s), milliseconds up to 10^14; anything
/// else (0, negative, absurd) is no time.
fn epoch_ms(x: f64) -> Option<i64> {
    if (1e8..1e11).contains(&x) {
        Some((x * 1000.0).round() as i64)
    } else if (1e11..1e14).contains(&x) {
        Some(x.round() as i64)
    } else {
        None
    }
}

/// The start and end (UTC ms) and the trailing code a HiTrack file name
/// carries: `HiTrack_` + 13 + 13 digits + the rest.
pub fn name_times(path: &str) -> Option<(i64, i64, String)> {
    let base = path.rsplit(['/', '\\']).next()?;
    let base = match base.len().checked_sub(3) {
        Some(n) if base.get(n..).is_some_and(|s| s.eq_ignore_ascii_case(".gz")) => &base[..n],
        _ => base,
    };
    let digits = base
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("hitrack_"))
        .and(base.get(8..))?;
    if digits.len() < 26 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let start = epoch_ms(digits[..13].parse().ok()?)?;
    let end = epoch_ms(digits[13..26].parse().ok()?)?;
    (end >= start).then(|| (start, end, digits[26..].to_string()))
}

/// A `tp=lbs` record.
#[derive(Debug, Clone, Copy)]
struct Location {
    time_ms: Option<i64>,
    lat_deg: f64,
    lon_deg: f64,
    /// A `lat=90;lon=-80` pause or stop record.
    marker: bool,
}

/// Counters behind the warnings.
#[derive(Debug, Default)]
struct Tally {
    not_tp: usize,
    first_not_tp: Option<usize>,
    bad_values: usize,
    repeats: usize,
    nonzero_lbs_alt: usize,
    negative_step_rate: usize,
    unknown_types: BTreeMap<String, usize>,
}

/// Read a HiTrack file's bytes as one activity.
///
/// Errors: [`IngestError::Malformed`] when no line is a `tp=` record, or
/// the speed records cannot be placed because nothing gives a time;
/// [`IngestError::Empty`] when the records hold no timed sample.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut t = Tally::default();
    let mut locations: Vec<Location> = Vec::new();
    let mut timed: Vec<(u8, i64, f64)> = Vec::new();
    let mut speeds: Vec<(f64, f64)> = Vec::new();
    let mut records = 0usize;
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = raw.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let Some(f) = fields(line) else {
            t.not_tp += 1;
            t.first_not_tp.get_or_insert(n + 1);
            continue;
        };
        records += 1;
        match f.tp {
            b"lbs" => match (number(f.lat), number(f.lon)) {
                (Some(lat_deg), Some(lon_deg)) => {
                    let marker = lat_deg == 90.0 && lon_deg == -80.0;
                    let time_ms = number(f.t).and_then(epoch_ms);
                    if time_ms.is_none() && !marker {
                        t.bad_values += 1;
                        continue;
                    }
                    if number(f.alt).is_some_and(|a| a != 0.0) {
                        t.nonzero_lbs_alt += 1;
                    }
                    locations.push(Location {
                        time_ms,
                        lat_deg,
                        lon_deg,
                        marker,
                    });
                }
                _ => t.bad_values += 1,
            },
            b"h-r" | b"alti" | b"s-r" => {
                let kind = f.tp[0];
                match (number(f.k).and_then(epoch_ms), number(f.v)) {
                    (Some(_), Some(v)) if kind == b's' && v < 0.0 => t.negative_step_rate += 1,
                    (Some(time), Some(v)) => timed.push((kind, time, v)),
                    _ => t.bad_values += 1,
                }
            }
            b"rs" => match (number(f.k), number(f.v)) {
                (Some(k), Some(v)) if (0.0..1e7).contains(&k) => speeds.push((k, v)),
                _ => t.bad_values += 1,
            },
            b"p-m" | b"b-p-m" => {}
            other => {
                let name = String::from_utf8_lossy(other).into_owned();
                if t.unknown_types.len() < 20 || t.unknown_types.contains_key(&name) {
                    *t.unknown_types.entry(name).or_default() += 1;
                }
            }
        }
    }
    if records == 0 {
        return Err(match t.first_not_tp {
            Some(line) => IngestError::Malformed {
                path: path.to_string(),
                format: "HiTrack",
                reason: format!("no `tp=` record (line {line} is not one)"),
            },
            None => IngestError::Empty {
                path: path.to_string(),
            },
        });
    }

    let mut meta = ActivityMeta::new(path, Format::Huawei);
    let mut warnings = Vec::new();
    let step_rates: Vec<f64> = timed
        .iter()
        .filter(|(k, _, _)| *k == b's')
        .map(|r| r.2)
        .collect();
    if let Some((sport, why)) = sport_from_step_rates(&step_rates) {
        meta.sport = sport;
        warnings.push(why);
    }

    let mut samples: BTreeMap<i64, RawSample> = BTreeMap::new();
    for p in locations.iter().filter(|p| !p.marker) {
        if let Some(time) = p.time_ms {
            let r = sample_at(&mut samples, time);
            if r.lat_deg.is_some() {
                t.repeats += 1;
            } else {
                r.lat_deg = Some(p.lat_deg);
                r.lon_deg = Some(p.lon_deg);
            }
        }
    }
    let mut hr_times = Vec::new();
    for &(kind, time, v) in &timed {
        let r = sample_at(&mut samples, time);
        let slot = match kind {
            b'h' => &mut r.hr_bpm,
            b'a' => &mut r.altitude_m,
            _ => &mut r.cadence_spm,
        };
        if slot.is_some() {
            t.repeats += 1;
        } else {
            *slot = Some(v);
            if kind == b'h' {
                hr_times.push(time);
            }
        }
    }

    let start = name_times(path).map(|(s, _, _)| s).or_else(|| {
        let first_location = locations.iter().filter_map(|p| p.time_ms).min();
        let first_record = timed.iter().map(|r| r.1).min();
        first_location.into_iter().chain(first_record).min()
    });
    place_speeds(
        path,
        speeds,
        &mut hr_times,
        start,
        &mut samples,
        &mut warnings,
    )?;

    let mut b = TrackBuilder::new(meta);
    b.detect_gap_pauses = false;
    b.pauses_ms = pauses(&locations);
    b.reserve(samples.len());
    for r in samples.into_values() {
        b.push(r);
    }
    warnings.extend(tally_warnings(&t));
    b.warnings = warnings;
    let activity = b.finish().ok_or(IngestError::Empty {
        path: path.to_string(),
    })?;
    Ok(vec![activity])
}

fn sample_at(samples: &mut BTreeMap<i64, RawSample>, time_ms: i64) -> &mut RawSample {
    samples.entry(time_ms).or_insert_with(|| RawSample {
        time_ms,
        ..RawSample::default()
    })
}

/// The converter's step-rate rules (module docs), with the warning saying
/// what was inferred; `None` when they say nothing (no step rates, or a run).
fn sport_from_step_rates(rates: &[f64]) -> Option<(Sport, String)> {
    if rates.is_empty() {
        return None;
    }
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    let said = |sport: &str, why: String| {
        format!(
            "HiTrack files do not state their sport: read as {sport} because {why} \
             (the Huawei-TCX-Converter's rule)"
        )
    };
    if max == 0.0 || (min == 0.0 && mean < CYCLE_MEAN_STEPS_PER_MIN) {
        Some((
            Sport::Cycling,
            said(
                "cycling",
                format!(
                    "its {} step-rate record(s) average {mean:.1} steps/min with zeros",
                    rates.len()
                ),
            ),
        ))
    } else if max < WALK_MAX_STEPS_PER_MIN {
        Some((
            Sport::Walking,
            said(
                "walking",
                format!(
                    "its step rate never reaches {WALK_MAX_STEPS_PER_MIN} steps/min (at most {max})"
                ),
            ),
        ))
    } else {
        None
    }
}

/// Put the `tp=rs` speeds (dm/s) in time: with the heart-rate times when
/// the counts match, else at start + k + 5 s (module docs).
fn place_speeds(
    path: &str,
    mut speeds: Vec<(f64, f64)>,
    hr_times: &mut [i64],
    start: Option<i64>,
    samples: &mut BTreeMap<i64, RawSample>,
    warnings: &mut Vec<String>,
) -> Result<(), IngestError> {
    if speeds.is_empty() {
        return Ok(());
    }
    speeds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let placed: Vec<(i64, f64)> = if speeds.len() == hr_times.len() {
        hr_times.sort_unstable();
        hr_times
            .iter()
            .zip(&speeds)
            .map(|(t, s)| (*t, s.1))
            .collect()
    } else {
        let Some(start) = start else {
            return Err(IngestError::Malformed {
                path: path.to_string(),
                format: "HiTrack",
                reason: "its speed records count seconds from a start that neither the file \
                         name nor any timed record gives"
                    .to_string(),
            });
        };
        warnings.push(format!(
            "{} speed record(s) were timed as the start + k + 5 s (the Huawei-TCX-Converter's \
             reading), as their count differs from the {} heart-rate record(s) they are \
             written with; their times may drift after a pause",
            speeds.len(),
            hr_times.len()
        ));
        speeds
            .iter()
            .map(|(k, v)| {
                let at = start.saturating_add(((k + RS_FIRST_AFTER_S) * 1000.0).round() as i64);
                (at, *v)
            })
            .collect()
    };
    for (time, dm_per_s) in placed {
        let r = sample_at(samples, time);
        if r.speed_mps.is_none() {
            r.speed_mps = Some(dm_per_s / 10.0);
        }
    }
    Ok(())
}

/// The pauses the `lat=90;lon=-80` records mark: from the last position
/// before each to the first position after it (module docs).
fn pauses(locations: &[Location]) -> Vec<(i64, i64)> {
    let mut real: Vec<i64> = locations
        .iter()
        .filter(|p| !p.marker)
        .filter_map(|p| p.time_ms)
        .collect();
    real.sort_unstable();
    let mut out = Vec::new();
    for (i, m) in locations.iter().enumerate().filter(|(_, p)| p.marker) {
        let (before, after) = match m.time_ms {
            Some(t) => {
                let at = real.partition_point(|&r| r <= t);
                (at.checked_sub(1).map(|j| real[j]), real.get(at).copied())
            }
            // `t=0`: by file order.
            None => (
                locations[..i]
                    .iter()
                    .rev()
                    .find(|p| !p.marker)
                    .and_then(|p| p.time_ms),
                locations[i + 1..]
                    .iter()
                    .find(|p| !p.marker)
                    .and_then(|p| p.time_ms),
            ),
        };
        if let (Some(a), Some(b)) = (before, after)
            && b > a
        {
            out.push((a, b));
        }
    }
    out
}

fn tally_warnings(t: &Tally) -> Vec<String> {
    let mut w = Vec::new();
    if t.not_tp > 0 {
        w.push(format!(
            "{} line(s) were not `tp=` records and were skipped (the first is line {})",
            t.not_tp,
            t.first_not_tp.unwrap_or(0)
        ));
    }
    if t.bad_values > 0 {
        w.push(format!(
            "{} record(s) had an unreadable time or value and were left out",
            t.bad_values
        ));
    }
    if t.repeats > 0 {
        w.push(format!(
            "{} record(s) repeated the type and time of an earlier one; the first was kept",
            t.repeats
        ));
    }
    if t.nonzero_lbs_alt > 0 {
        w.push(format!(
            "{} position altitude(s) (`alt=`) were not read: their unit is not known",
            t.nonzero_lbs_alt
        ));
    }
    if t.negative_step_rate > 0 {
        w.push(format!(
            "{} negative step rate(s) (swimming stroke types) were left out",
            t.negative_step_rate
        ));
    }
    if !t.unknown_types.is_empty() {
        let names: Vec<String> = t
            .unknown_types
            .iter()
            .map(|(name, n)| format!("tp={name} ×{n}"))
            .collect();
        w.push(format!("record types not read: {}", names.join(", ")));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Pause;

    fn one(path: &str, text: &str) -> Activity {
        let mut acts = read(path, text.as_bytes()).expect("reads");
        assert_eq!(acts.len(), 1);
        acts.remove(0)
    }

    #[test]
    fn times_in_seconds_and_milliseconds_and_scientific_notation_agree() {
        let text = "tp=lbs;k=0;lat=50.1;lon=-3.5;alt=0.0;t=1.55173212E12;\n\
                    tp=lbs;k=1;lat=50.2;lon=-3.5;alt=0.0;t=1.551732121E9;\n\
                    tp=h-r;k=1551732122000;v=150;\n";
        let a = one("HiTrack_x", text);
        assert_eq!(a.start_utc.timestamp_millis(), 1_551_732_120_000);
        assert_eq!(a.samples.elapsed_s, vec![0.0, 1.0, 2.0]);
        assert_eq!(a.utc_offset, None);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn pause_markers_bracket_a_pause_and_the_last_one_is_the_stop() {
        let text = "tp=lbs;k=0;lat=50.1;lon=-3.5;alt=0.0;t=1.0E9;\n\
                    tp=lbs;k=1;lat=50.1;lon=-3.5;alt=0.0;t=1.000000010E9;\n\
                    tp=lbs;k=2;lat=90.0;lon=-80.0;alt=0.0;t=1.000000011E9;\n\
                    tp=lbs;k=3;lat=50.1;lon=-3.5;alt=0.0;t=1.000000070E9;\n\
                    tp=lbs;k=4;lat=90.0;lon=-80.0;alt=0.0;t=1.000000071E9;\n";
        let a = one("HiTrack_x", text);
        assert_eq!(a.samples.len(), 3, "markers are not places");
        assert_eq!(
            a.pauses,
            vec![Pause {
                start_s: 10.0,
                end_s: 70.0
            }]
        );
    }

    #[test]
    fn a_device_marker_without_time_is_placed_by_file_order() {
        let text = "tp=lbs;k=0;lat=50.1;lon=-3.5;alt=0.0;t=1.0E12;\n\
                    tp=lbs;k=1;lat=90.0;lon=-80.0;alt=0.0;t=0;\n\
                    tp=lbs;k=2;lat=50.1;lon=-3.5;alt=0.0;t=1.00000003E12;\n";
        let a = one("HiTrack_x", text);
        assert_eq!(a.pauses.len(), 1);
        assert_eq!(a.pauses[0].duration_s(), 30.0);
    }

    #[test]
    fn speed_goes_with_heart_rate_times_in_metres_per_second() {
        // Two h-r records 7 s apart; rs k counts 5 s steps regardless.
        let text = "tp=h-r;k=1000000000000;v=120;\ntp=h-r;k=1000000007000;v=121;\n\
                    tp=rs;k=0;v=25;\ntp=rs;k=5;v=31;\n\
                    tp=p-m;k=10000133;v=264.0;\ntp=b-p-m;k=10000214;v=426.0;\n";
        let a = one("HiTrack_x", text);
        assert_eq!(a.samples.elapsed_s, vec![0.0, 7.0]);
        assert_eq!(a.samples.speed_mps, Some(vec![2.5, 3.1]));
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn unmatched_speeds_are_placed_from_the_file_name_start_with_a_warning() {
        let text = "tp=h-r;k=1551732125000;v=120;\ntp=rs;k=0;v=25;\ntp=rs;k=5;v=31;\n";
        let a = one("dir/HiTrack_1551732120000155173259000030001", text);
        // k=0 at start + 5 s (the h-r time), k=5 at start + 10 s.
        assert_eq!(a.samples.elapsed_s, vec![0.0, 5.0]);
        assert!(
            a.warnings.iter().any(|w| w.contains("k + 5 s")),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn the_file_name_gives_start_end_and_an_undecoded_code() {
        assert_eq!(
            name_times("x/HiTrack_1551732120000155173259000030001"),
            Some((1_551_732_120_000, 1_551_732_590_000, "30001".to_string()))
        );
        assert_eq!(
            name_times("HiTrack_1551732120000155173259000030001.gz").map(|t| t.0),
            Some(1_551_732_120_000)
        );
        assert_eq!(name_times("HiTrack_1"), None);
        assert_eq!(
            name_times("HiTrack_15517325900001551732120000"),
            None,
            "ends before it starts"
        );
    }

    #[test]
    fn step_rates_are_steps_and_zeros_mean_cycling() {
        let run = "tp=s-r;k=1000000000000;v=170;\ntp=s-r;k=1000000060000;v=172;\n";
        let a = one("HiTrack_x", run);
        assert_eq!(a.samples.cadence_spm, Some(vec![170.0, 172.0]));
        assert_eq!(a.sport, Sport::Unknown);
        let ride = "tp=s-r;k=1000000000000;v=0;\ntp=s-r;k=1000000060000;v=4;\n";
        let a = one("HiTrack_x", ride);
        assert_eq!(a.sport, Sport::Cycling);
        assert!(a.warnings[0].contains("cycling"), "{:?}", a.warnings);
        let walk = "tp=s-r;k=1000000000000;v=110;\ntp=s-r;k=1000000060000;v=119;\n";
        assert_eq!(one("HiTrack_x", walk).sport, Sport::Walking);
    }

    #[test]
    fn repeated_records_are_read_once_and_counted() {
        let text = "tp=s-r;k=1000000000000;v=170;\ntp=s-r;k=1000000000000;v=170;\n";
        let a = one("HiTrack_x", text);
        assert_eq!(a.samples.len(), 1);
        assert!(
            a.warnings
                .iter()
                .any(|w| w.starts_with("1 record(s) repeated"))
        );
    }

    #[test]
    fn text_that_is_not_hitrack_is_malformed_and_unknown_types_are_named() {
        let e = read("HiTrack_x", b"hello\nworld\n").expect_err("no tp= line");
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(matches!(
            read("HiTrack_x", b""),
            Err(IngestError::Empty { .. })
        ));
        let a = one(
            "HiTrack_x",
            "tp=h-r;k=1000000000000;v=120;\ntp=swf;k=0;v=40;\n",
        );
        assert!(
            a.warnings.iter().any(|w| w.contains("tp=swf ×1")),
            "{:?}",
            a.warnings
        );
    }
}
