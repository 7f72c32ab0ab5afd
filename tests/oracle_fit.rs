//! Oracle test of the FIT reader: every corpus FIT file that `fitparser`
//! (an independent decoder) reads must give the same record times, positions
//! and heart rates through `cramplab::ingest::fit::read`; the catalog's
//! heart-rate counts must hold; damaged files must keep what precedes the
//! damage and give warnings or a clear error (tests/damage.rs mangles every
//! corpus file and checks that nothing panics).
//!
//! Time zones: fitparser 0.11 renders every timestamp as `DateTime<Local>`
//! (fitparse-rs#53). For `date_time` fields (record timestamps included) it
//! builds the reference date with `TimeZone::from_utc_datetime(&Local, …)`
//! and adds seconds (fitparser src/profile/mod.rs `TimestampField::Utc`), so
//! the *instant* is right and only its display zone is the machine's:
//! `.with_timezone(&Utc)` recovers UTC exactly. Only `local_date_time` fields
//! (`activity.local_timestamp`) go through `from_local_datetime` and shift
//! with `TZ`; this test never reads them. It passes under `TZ=UTC`,
//! `TZ=America/New_York` and `TZ=Asia/Kolkata`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use cramplab::activity::Activity;
use cramplab::ingest::fit;
use fitparser::Value;
use fitparser::de::DecodeOption;
use fitparser::profile::MesgNum;
use rand::{Rng, SeedableRng};

use crate::common::corpus;

fn fit_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus().join("fit"))
        .expect("corpus/fit exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fit"))
        .collect();
    v.sort();
    assert!(v.len() >= 20, "corpus has {} FIT files", v.len());
    v
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// One `record` as fitparser decodes it.
#[derive(Debug, Clone, Copy)]
struct OracleRecord {
    time_ms: i64,
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    hr_bpm: Option<f64>,
}

/// fitparser's records, and whether the file has `hr` messages.
fn oracle(bytes: &[u8]) -> Result<(Vec<OracleRecord>, bool), fitparser::Error> {
    // CRC checks off: old files with a 0x0000 header CRC are valid FIT.
    let opts = [
        DecodeOption::SkipHeaderCrcValidation,
        DecodeOption::SkipDataCrcValidation,
    ]
    .into_iter()
    .collect();
    let msgs = fitparser::de::from_bytes_with_options(bytes, &opts)?;
    let has_hr = msgs.iter().any(|m| m.kind() == MesgNum::Hr);
    let mut out = Vec::new();
    for m in msgs.iter().filter(|m| m.kind() == MesgNum::Record) {
        let mut r = OracleRecord {
            time_ms: i64::MIN,
            lat_deg: None,
            lon_deg: None,
            hr_bpm: None,
        };
        for f in m.fields() {
            match (f.name(), f.value()) {
                ("timestamp", Value::Timestamp(t)) => {
                    r.time_ms = t.with_timezone(&Utc).timestamp_millis()
                }
                // Semicircles → degrees: 180 / 2^31 (FIT SDK).
                ("position_lat", v) => r.lat_deg = num(v).map(|x| x * 180.0 / 2_147_483_648.0),
                ("position_long", v) => r.lon_deg = num(v).map(|x| x * 180.0 / 2_147_483_648.0),
                ("heart_rate", v) => r.hr_bpm = num(v),
                _ => {}
            }
        }
        if r.time_ms != i64::MIN {
            out.push(r);
        }
    }
    Ok((out, has_hr))
}

fn num(v: &Value) -> Option<f64> {
    Some(match *v {
        Value::SInt32(x) => f64::from(x),
        Value::UInt8(x) | Value::Byte(x) | Value::UInt8z(x) => f64::from(x),
        Value::UInt16(x) => f64::from(x),
        Value::Float64(x) => x,
        Value::Float32(x) => f64::from(x),
        _ => return None,
    })
}

/// What cramplab should show at one instant: FIT records sharing a
/// timestamp are merged (the first value of each channel wins), a position
/// needs both coordinates, and heart rate outside 20–250 bpm is blanked
/// (cramplab's absurd-value rule) — as is 0 bpm, which FIT devices write
/// when no sensor is paired.
#[derive(Debug, Default, Clone, Copy)]
struct Expected {
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    hr_bpm: Option<f64>,
}

fn expected(records: &[OracleRecord]) -> BTreeMap<i64, Expected> {
    let mut m: BTreeMap<i64, Expected> = BTreeMap::new();
    for r in records {
        let e = m.entry(r.time_ms).or_default();
        e.lat_deg = e.lat_deg.or(r.lat_deg);
        e.lon_deg = e.lon_deg.or(r.lon_deg);
        e.hr_bpm = e.hr_bpm.or(r.hr_bpm.filter(|&h| h > 0.0));
    }
    for e in m.values_mut() {
        if e.lat_deg.is_none() || e.lon_deg.is_none() || !e.lat_deg.is_some_and(|x| x.abs() <= 90.0)
        {
            (e.lat_deg, e.lon_deg) = (None, None);
        }
        e.hr_bpm = e.hr_bpm.filter(|h| (20.0..=250.0).contains(h));
    }
    m
}

/// Our samples by UTC millisecond: (lat, lon, hr), NaN for missing.
fn ours_by_time(acts: &[Activity]) -> BTreeMap<i64, (f64, f64, f64)> {
    let mut m = BTreeMap::new();
    for a in acts {
        let s = &a.samples;
        let at = |c: &Option<Vec<f64>>, i: usize| c.as_ref().map_or(f64::NAN, |v| v[i]);
        for i in 0..s.len() {
            let t = a.start_utc.timestamp_millis() + (s.elapsed_s[i] * 1000.0).round() as i64;
            let prev = m.insert(t, (at(&s.lat_deg, i), at(&s.lon_deg, i), at(&s.hr_bpm, i)));
            assert!(prev.is_none(), "{}: time {t} appears twice", a.path);
        }
    }
    m
}

fn same(ours: f64, want: Option<f64>, tol: f64) -> bool {
    match want {
        Some(w) => (ours - w).abs() <= tol,
        None => ours.is_nan(),
    }
}

#[test]
fn fit_records_agree_with_fitparser_on_time_position_and_heart_rate() {
    let mut compared = 0;
    for path in fit_files() {
        let bytes = std::fs::read(&path).unwrap();
        let file = name(&path);
        let Ok((records, has_hr_messages)) = oracle(&bytes) else {
            continue; // fitparser cannot read it: covered by the damage tests
        };
        let acts = fit::read(&file, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = expected(&records);
        let ours = ours_by_time(&acts);
        let want_times: Vec<i64> = want.keys().copied().collect();
        let our_times: Vec<i64> = ours.keys().copied().collect();
        assert_eq!(our_times, want_times, "{file}: record times differ");
        for (t, e) in &want {
            let (lat, lon, hr) = ours[t];
            assert!(
                same(lat, e.lat_deg, 1e-6) && same(lon, e.lon_deg, 1e-6),
                "{file} @ {t}: position ({lat}, {lon}) vs fitparser {e:?}"
            );
            if has_hr_messages {
                // Buffered beats are merged onto records (FIT SDK behaviour),
                // so only require heart rate wherever the record had one.
                assert!(
                    e.hr_bpm.is_none() || hr.is_finite(),
                    "{file} @ {t}: hr lost"
                );
            } else {
                assert!(same(hr, e.hr_bpm, 0.0), "{file} @ {t}: hr {hr} vs {e:?}");
            }
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} files compared");
}

/// One row of CATALOG.tsv.
struct CatalogRow {
    file: String,
    has_heart_rate: String,
    expected: String,
}

fn catalog_fit_rows() -> Vec<CatalogRow> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(corpus().join("CATALOG.tsv"))
        .expect("catalog");
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (f, h, e) = (col("file"), col("has_heart_rate"), col("expected"));
    rdr.records()
        .map(|r| r.unwrap())
        .filter(|r| r[f].starts_with("fit/"))
        .map(|r| CatalogRow {
            file: r[f].to_string(),
            has_heart_rate: r[h].to_string(),
            expected: r[e].to_string(),
        })
        .collect()
}

/// `y (n/N records)` → n.
fn catalog_hr_records(s: &str) -> Option<usize> {
    let inner = s.strip_prefix("y (")?;
    let (n, rest) = inner.split_once('/')?;
    rest.contains("records").then(|| n.parse().ok())?
}

#[test]
fn catalog_ok_files_read_with_the_heart_rate_the_catalog_counts() {
    let rows = catalog_fit_rows();
    assert_eq!(
        rows.len(),
        fit_files().len(),
        "one catalog row per FIT file"
    );
    let mut checked = 0;
    for row in rows.iter().filter(|r| r.expected.starts_with("ok")) {
        let bytes = std::fs::read(corpus().join(&row.file)).unwrap();
        let acts = fit::read(&row.file, &bytes).unwrap_or_else(|e| panic!("{}: {e}", row.file));
        let with_hr: usize = acts
            .iter()
            .map(|a| {
                a.samples
                    .hr_bpm
                    .as_ref()
                    .map_or(0, |v| v.iter().filter(|x| x.is_finite()).count())
            })
            .sum();
        match catalog_hr_records(&row.has_heart_rate) {
            Some(n) => {
                // The catalog counts FIT records with 0 < HR < 255. cramplab
                // merges records that repeat a timestamp into one sample
                // (e.g. 7 in python-fitparse__2013-02-06-12-11-14.fit, 15 in
                // …garmin-edge-500-activity.fit) and blanks HR outside
                // 20–250 bpm, so the number of samples with HR is the number
                // of distinct times with such a heart rate. fitparser (an
                // independent decoder) confirms both the catalog's n and
                // that distinct-time count.
                let (records, _) = oracle(&bytes).expect("fitparser reads every ok file");
                let raw = records
                    .iter()
                    .filter(|r| r.hr_bpm.is_some_and(|h| h > 0.0 && h < 255.0))
                    .count();
                assert_eq!(raw, n, "{}: catalog count vs fitparser", row.file);
                let distinct = expected(&records)
                    .values()
                    .filter(|e| e.hr_bpm.is_some())
                    .count();
                assert_eq!(with_hr, distinct, "{}: samples with HR", row.file);
                assert!(
                    n - with_hr <= records.len() - expected(&records).len(),
                    "{}",
                    row.file
                );
            }
            None if row.has_heart_rate == "n" => assert_eq!(with_hr, 0, "{}", row.file),
            None => assert!(with_hr > 0, "{}: {}", row.file, row.has_heart_rate),
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} ok files");
}

/// Heart rate merged from `hr` messages as Garmin's own FIT SDK does it,
/// summarised. Computed with the Garmin FIT Python SDK 21.218.0
/// (`garmin_fit_sdk.Decoder(stream).read(merge_heart_rates=True,
/// convert_datetimes_to_dates=False)`), then reduced the way cramplab keeps
/// samples: per distinct record time the first record's heart rate (a later
/// one fills a gap), only 20–250 bpm. Fields: times with HR, Σ HR,
/// Σ (t − t_first)·HR in seconds, and (t − t_first, HR) of the first six times.
struct SdkMerge {
    file: &'static str,
    with_hr: usize,
    sum_bpm: i64,
    weighted: i64,
    first: [(i64, i64); 6],
}

const SDK_MERGED: [SdkMerge; 3] = [
    SdkMerge {
        file: "fit/python-fitparse__event_timestamp.fit",
        with_hr: 4374,
        sum_bpm: 604_893,
        weighted: 1_399_534_230,
        first: [(0, 95), (2, 92), (3, 91), (4, 90), (5, 91), (6, 92)],
    },
    SdkMerge {
        file: "fit/fitdecode__garmin-fr935-cr.fit",
        with_hr: 7483,
        sum_bpm: 638_688,
        weighted: 2_400_793_819,
        first: [(0, 110), (1, 110), (2, 109), (3, 106), (4, 103), (5, 100)],
    },
    SdkMerge {
        file: "fit/python-fitparse__sample_mulitple_header.fit",
        with_hr: 1773,
        sum_bpm: 304_358,
        weighted: 1_470_699_375,
        first: [(0, 138), (1, 138), (3, 139), (7, 143), (13, 148), (19, 156)],
    },
];

#[test]
fn heart_rate_from_hr_messages_is_merged_exactly_as_garmins_sdk_does() {
    for want in &SDK_MERGED {
        let bytes = std::fs::read(corpus().join(want.file)).unwrap();
        let acts = fit::read(want.file, &bytes).unwrap();
        let ours = ours_by_time(&acts);
        let t0 = *ours.keys().next().unwrap() / 1000;
        let hr: Vec<(i64, i64)> = ours
            .iter()
            .filter(|(_, s)| s.2.is_finite())
            .map(|(t, s)| (t / 1000 - t0, s.2 as i64))
            .collect();
        assert_eq!(hr.len(), want.with_hr, "{}", want.file);
        assert_eq!(
            hr.iter().map(|x| x.1).sum::<i64>(),
            want.sum_bpm,
            "{}",
            want.file
        );
        assert_eq!(
            hr.iter().map(|x| x.0 * x.1).sum::<i64>(),
            want.weighted,
            "{}",
            want.file
        );
        assert_eq!(hr[..6], want.first, "{}", want.file);
    }
}

#[test]
fn heart_rate_held_only_in_hr_messages_reaches_records_that_had_none() {
    for file in [
        "fit/python-fitparse__event_timestamp.fit",
        "fit/fitdecode__garmin-fr935-cr.fit",
    ] {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let (records, has_hr) = oracle(&bytes).unwrap();
        assert!(has_hr, "{file} has hr messages");
        let in_records = expected(&records)
            .values()
            .filter(|e| e.hr_bpm.is_some())
            .count();
        let acts = fit::read(file, &bytes).unwrap();
        assert_eq!(acts.len(), 1, "{file}: a chained file is one recording");
        let hr = acts[0].samples.hr_bpm.as_ref().expect("heart rate channel");
        let with_hr = hr.iter().filter(|x| x.is_finite()).count();
        assert!(with_hr > in_records, "{file}: {with_hr} vs {in_records}");
    }
}

#[test]
fn a_multisport_file_gives_one_activity_per_session() {
    let file = "fit/tormoder-fit__activity-large-fenxi2-multisport.fit";
    let acts = fit::read(file, &std::fs::read(corpus().join(file)).unwrap()).unwrap();
    let sports: Vec<&str> = acts.iter().map(|a| a.sport.as_str()).collect();
    // Seven sessions (checked with fitparser's session messages below).
    let (records, _) = oracle(&std::fs::read(corpus().join(file)).unwrap()).unwrap();
    assert_eq!(acts.len(), 7, "{sports:?}");
    assert!(
        sports.contains(&"running") && sports.contains(&"cycling"),
        "{sports:?}"
    );
    let samples: usize = acts.iter().map(|a| a.samples.len()).sum();
    assert_eq!(samples, expected(&records).len());
    for w in acts.windows(2) {
        assert!(
            w[0].end_utc() < w[1].start_utc,
            "sessions in order, not overlapping"
        );
    }
}

#[test]
fn damaged_files_keep_what_precedes_the_damage_with_a_warning() {
    let cases = [
        ("python-fitparse__nick.fit", "truncated"),
        (
            "python-fitparse__strava-android-app-201.10-b1218918.fit",
            "never defined",
        ),
        ("tormoder-fit__0134902991.fit", "local_timestamp"),
        ("python-fitparse__antfs-dump.63.fit", "system time"),
    ];
    for (file, needle) in cases {
        let bytes = std::fs::read(corpus().join("fit").join(file)).unwrap();
        let acts = fit::read(file, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!acts.is_empty() && acts[0].samples.len() > 100, "{file}");
        assert!(
            acts[0].warnings.iter().any(|w| w.contains(needle)),
            "{file}: {:?}",
            acts[0].warnings
        );
    }
    // The Strava file's only time outside the recording (a garbled record
    // just before the damage) is dropped rather than stretching it by decades.
    let file = "python-fitparse__strava-android-app-201.10-b1218918.fit";
    let acts = fit::read(
        file,
        &std::fs::read(corpus().join("fit").join(file)).unwrap(),
    )
    .unwrap();
    assert!(
        acts[0].elapsed_s() < 4.0 * 3600.0,
        "{}",
        acts[0].elapsed_s()
    );
}

#[test]
fn every_corpus_fit_reads_or_fails_clearly() {
    for path in fit_files() {
        let bytes = std::fs::read(&path).unwrap();
        match fit::read(&name(&path), &bytes) {
            Ok(acts) => assert!(acts.iter().all(|a| !a.samples.is_empty())),
            Err(e) => assert!(e.to_string().contains(&name(&path)), "{e}"),
        }
    }
}

/// Both FIT decoders on the same bytes: the direct decoder must give what
/// the rustyfit path gives, activities, warnings and errors alike (compared
/// through `Debug`, so a missing value must be missing in both).
fn same_through_both_decoders(file: &str, bytes: &[u8]) {
    let direct = format!("{:?}", fit::read(file, bytes));
    let reference = format!("{:?}", fit::read_with_rustyfit(file, bytes));
    assert!(
        direct == reference,
        "{file}: the direct decoder differs from rustyfit\n direct: {:.600}\n rustyfit: {:.600}",
        direct,
        reference
    );
}

#[test]
fn the_direct_fit_decoder_reads_every_corpus_file_exactly_as_rustyfit_does() {
    for path in fit_files() {
        let file = name(&path);
        let bytes = std::fs::read(&path).unwrap();
        same_through_both_decoders(&file, &bytes);
        // Only damage sends a file to rustyfit (its stop warnings name the
        // byte where decoding broke off); every other file must really take
        // the direct path, or this comparison would prove little.
        if !fit::decodes_directly(&bytes) {
            let acts = fit::read(&file, &bytes).unwrap_or_default();
            assert!(
                acts.iter()
                    .any(|a| a.warnings.iter().any(|w| w.contains("byte"))),
                "{file} is not damaged but was left to rustyfit"
            );
        }
    }
    // Developer-field power (a Connect IQ power field, an indoor rower's
    // app) is read on the direct path too.
    for file in [
        "tormoder-fit__mornindew-broken.fit",
        "python-fitparse__20170518-191602-1740899583.fit",
    ] {
        let bytes = std::fs::read(corpus().join("fit").join(file)).unwrap();
        assert!(fit::decodes_directly(&bytes), "{file}");
        let acts = fit::read(file, &bytes).unwrap();
        let powered = acts
            .iter()
            .filter_map(|a| a.samples.power_w.as_ref())
            .flatten()
            .filter(|p| p.is_finite())
            .count();
        assert!(powered > 1000, "{file}: {powered} records with power");
    }
}

#[test]
fn the_direct_fit_decoder_reads_simulated_runs_exactly_as_rustyfit_does() {
    let mut p = cramplab::simulate::Params {
        runs: 6,
        formats: vec![cramplab::simulate::FileFormat::Fit],
        gzip: false,
        ..Default::default()
    };
    p.runner.duration_min_s = 900.0;
    p.runner.duration_max_s = 1800.0;
    let sim = cramplab::simulate::generate(&p, 17).unwrap();
    for run in &sim.runs {
        assert!(fit::decodes_directly(&run.bytes), "{}", run.file_name);
        same_through_both_decoders(&run.file_name, &run.bytes);
    }
}

#[test]
fn the_direct_fit_decoder_agrees_with_rustyfit_on_mangled_bytes() {
    // Seeded damage like that of tests/damage.rs (flips, cuts, inserted
    // bytes), on files that take the direct path: the direct decoder must
    // either hand over to rustyfit or agree with it.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_261_126);
    let (mut direct, mut total) = (0, 0);
    for (file, tries) in [
        ("python-fitparse__garmin-fenix-5-run.fit", 200),
        ("python-fitparse__event_timestamp.fit", 200),
        ("python-fitparse__compressed-speed-distance.fit", 200),
        ("tormoder-fit__unterminated-strings.fit", 200),
        // Developer-field power, on a larger file: fewer tries.
        ("python-fitparse__20170518-191602-1740899583.fit", 60),
    ] {
        let good = std::fs::read(corpus().join("fit").join(file)).unwrap();
        for _ in 0..tries {
            let mut b = good.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                match rng.random_range(0..4) {
                    0 | 1 => b[i] = rng.random(),
                    2 => b.truncate(i.max(1)),
                    _ => b.insert(i, rng.random()),
                }
            }
            same_through_both_decoders(file, &b);
            direct += usize::from(fit::decodes_directly(&b));
            total += 1;
        }
    }
    assert!(
        direct * 5 > total,
        "only {direct} of {total} took the direct path"
    );
}
