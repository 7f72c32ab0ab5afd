//! Shared by the GPX and TCX oracle tests: the corpus catalog, and a plain
//! XML read of track points that is independent of the readers under test
//! (quick-xml's namespace-blind `Reader`, element local names, chrono for
//! times — none of `cramplab::ingest`'s code).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime};
use cramplab::activity::Activity;
use quick_xml::events::Event;

/// The corpus folder (`tests/corpus` from the crate root).
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// One `CATALOG.tsv` row (the columns these tests use).
#[derive(Debug, Clone)]
pub struct Row {
    /// `gpx/name.gpx`.
    pub file: String,
    /// `y (n/N trkpts)` or `n`.
    pub has_heart_rate: String,
    /// `y (n/N trackpoints)` or `y` or `n`.
    pub has_gps: String,
    /// First-to-last time in seconds, when the catalog gives one.
    pub duration_s: Option<f64>,
    /// `ok`, `unusual: …` or `corrupt: …`.
    pub expected: String,
    /// Provenance and measured facts.
    pub notes: String,
}

/// The catalog rows whose file starts with `prefix` (`gpx/`, `tcx/`).
pub fn catalog(prefix: &str) -> Vec<Row> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(corpus_dir().join("CATALOG.tsv"))
        .expect("catalog opens");
    let headers = r.headers().expect("header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("catalog column {name}"))
    };
    let (file, hr, gps, dur, exp, notes) = (
        col("file"),
        col("has_heart_rate"),
        col("has_gps"),
        col("duration_s"),
        col("expected"),
        col("notes"),
    );
    r.records()
        .map(|rec| rec.expect("catalog row"))
        .filter(|rec| rec[file].starts_with(prefix))
        .map(|rec| Row {
            file: rec[file].to_string(),
            has_heart_rate: rec[hr].to_string(),
            has_gps: rec[gps].to_string(),
            duration_s: rec[dur].parse().ok(),
            expected: rec[exp].to_string(),
            notes: rec[notes].to_string(),
        })
        .collect()
}

/// `n` from `y (n/N …)`; `None` for `n`, plain `y` or anything else.
pub fn counted(cell: &str) -> Option<usize> {
    let inner = cell.strip_prefix("y (")?;
    inner.split('/').next()?.trim().parse().ok()
}

/// The number written just before `word` in the notes (`988 trkpt`,
/// `3 laps`), if present.
pub fn number_before(notes: &str, word: &str) -> Option<usize> {
    let words: Vec<&str> = notes
        .split(|c: char| c.is_whitespace() || c == '/' || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
}

/// A track point as the plain read sees it: its attributes and every leaf
/// element below it as (parent local name, local name, text).
#[derive(Debug, Default, Clone)]
pub struct PlainPoint {
    pub attrs: Vec<(String, String)>,
    pub leaves: Vec<(String, String, String)>,
}

impl PlainPoint {
    /// Text of the first leaf named `name` (under `parent`, if given).
    pub fn leaf(&self, parent: Option<&str>, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|(p, n, _)| n == name && parent.is_none_or(|want| p == want))
            .map(|(_, _, t)| t.as_str())
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element with local name `point` (`trkpt`, `Trackpoint`), in file
/// order, read with quick-xml's plain `Reader` by local name only.
pub fn plain_points(bytes: &[u8], point: &str) -> Vec<PlainPoint> {
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut cur: Option<PlainPoint> = None;
    let mut text = String::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_string();
                if name == point {
                    let mut p = PlainPoint::default();
                    for a in e.attributes().flatten() {
                        p.attrs
                            .push((a.key.local_name().as_ref().to_string(), a.value.to_string()));
                    }
                    cur = Some(p);
                }
                path.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if e.local_name().as_ref() == point {
                    out.push(PlainPoint::default());
                }
            }
            Ok(Event::Text(t)) => text.push_str(&t),
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                if name == point {
                    out.extend(cur.take());
                } else if let Some(p) = &mut cur {
                    let parent = path.last().cloned().unwrap_or_default();
                    p.leaves.push((parent, name, text.trim().to_string()));
                }
                text.clear();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// An XML `dateTime` to UTC milliseconds with chrono alone (a missing zone
/// is UTC, as GPX 1.1 says).
pub fn chrono_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_millis())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|n| n.and_utc().timestamp_millis())
        })
        .ok()
}

/// Our samples' UTC times in milliseconds.
pub fn our_times_ms(a: &Activity) -> Vec<i64> {
    let start = a.start_utc.timestamp_millis();
    a.samples
        .elapsed_s
        .iter()
        .map(|e| start + (e * 1000.0).round() as i64)
        .collect()
}

/// Group values by time, keeping for each time the first value present in
/// file order: what `TrackBuilder` does with repeated timestamps (it keeps
/// the first sample and fills its gaps from the repeats, after a stable sort).
pub fn first_present_by_time<T: Copy>(
    items: impl IntoIterator<Item = (i64, Option<T>)>,
) -> BTreeMap<i64, Option<T>> {
    let mut m: BTreeMap<i64, Option<T>> = BTreeMap::new();
    for (t, v) in items {
        let slot = m.entry(t).or_insert(None);
        if slot.is_none() {
            *slot = v;
        }
    }
    m
}

/// A channel as `Option`s (`NaN` and a missing channel are `None`).
pub fn channel(c: &Option<Vec<f64>>, n: usize) -> Vec<Option<f64>> {
    match c {
        Some(v) => v.iter().map(|x| x.is_finite().then_some(*x)).collect(),
        None => vec![None; n],
    }
}

/// Check what every reader promises about an activity it returns.
pub fn assert_well_formed(file: &str, a: &Activity) {
    let s = &a.samples;
    assert!(!s.is_empty(), "{file}: an activity without samples");
    assert_eq!(s.elapsed_s[0], 0.0, "{file}");
    assert!(
        s.elapsed_s.windows(2).all(|w| w[1] > w[0]),
        "{file}: elapsed time not strictly increasing"
    );
    for c in [
        &s.lat_deg,
        &s.lon_deg,
        &s.altitude_m,
        &s.distance_m,
        &s.speed_mps,
        &s.hr_bpm,
        &s.cadence_spm,
        &s.temperature_c,
        &s.power_w,
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(c.len(), s.len(), "{file}: channel length");
    }
    for p in &a.pauses {
        assert!(p.end_s > p.start_s, "{file}: empty pause");
    }
}
