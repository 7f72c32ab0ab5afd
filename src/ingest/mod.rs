//! Reading watch exports: pick the reader by content (then by name), and hand
//! back [`Activity`] values. One file per format; `container` walks folders,
//! `.gz` and `.zip`.

pub mod apple;
pub mod container;
pub mod fit;
pub mod gpx;
pub mod huawei;
pub mod inputs;
mod json;
pub mod polar;
pub mod runtastic;
pub mod tcx;
mod xml;

use crate::activity::{Activity, Format};
use crate::error::IngestError;

/// Guess a format from a file name, ignoring a trailing `.gz`: `.fit`,
/// `.gpx`, `.tcx`, and Huawei's extension-less `HiTrack_…` files. JSON
/// names say nothing (Polar, adidas Running and many non-activity files
/// all end in `.json`): those are told apart by content.
pub fn format_from_name(name: &str) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    if base.ends_with(".fit") {
        Some(Format::Fit)
    } else if base.ends_with(".gpx") {
        Some(Format::Gpx)
    } else if base.ends_with(".tcx") {
        Some(Format::Tcx)
    } else if is_hitrack_name(base) {
        Some(Format::Huawei)
    } else {
        None
    }
}

/// `HiTrack_…` with no extension (the last path component, lower-cased).
fn is_hitrack_name(lower: &str) -> bool {
    let file = lower.rsplit(['/', '\\']).next().unwrap_or(lower);
    file.strip_prefix("hitrack_")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
}

/// Guess a format from the first bytes: the FIT header carries `.FIT` at
/// offset 8; JSON exports (Polar Flow, adidas Running) are told apart by
/// their keys within the first 4 KiB; XML formats by their root element;
/// a Huawei HiTrack file starts with a `tp=` record.
pub fn format_from_content(head: &[u8]) -> Option<Format> {
    if head.len() >= 12 && &head[8..12] == b".FIT" {
        return Some(Format::Fit);
    }
    let probe = &head[..head.len().min(4096)];
    let text = String::from_utf8_lossy(probe);
    if matches!(json::first_significant_byte(probe), Some(b'{' | b'['))
        && let Some(f) = json_format(&text)
    {
        return Some(f);
    }
    if text.contains("<TrainingCenterDatabase") {
        Some(Format::Tcx)
    } else if apple::looks_like_export(probe) {
        Some(Format::Apple)
    } else if text.contains("<gpx") {
        Some(Format::Gpx)
    } else if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("tp=")
    {
        Some(Format::Huawei)
    } else {
        None
    }
}

/// Which health app's JSON `text` (the start of a file) is, by keys only a
/// file of that app writes: no parse, as the text is usually cut short.
/// Polar writes camelCase keys, adidas Running snake_case ones.
fn json_format(text: &str) -> Option<Format> {
    let has = |key: &str| text.contains(key);
    let polar = has("\"exportVersion\"")
        || ((has("\"timezoneOffsetMinutes\"") || has("\"durationMillis\""))
            && (has("\"exercises\"") || has("\"startTime\"")))
        || ((has("\"timeZoneOffset\"") || has("\"timezoneOffset\"")) && has("\"exercises\""));
    if polar {
        return Some(Format::Polar);
    }
    let session = has("\"sport_type_id\"") || has("\"start_time_timezone_offset\"");
    let samples = has("\"timestamp\"") && (has("\"heart_rate\"") || has("\"accuracy_h\""));
    let other_files = has("\"equipment_type\"")
        || has("\"samples_ids\"")
        || has("\"photos_ids\"")
        || has("\"tos_accepted_at\"")
        || has("\"fb_proxied_email\"")
        || (has("\"created_at\"") && has("\"latitude\"") && has("\"longitude\""));
    (session || samples || other_files).then_some(Format::Runtastic)
}

/// Read one file's bytes as `format`. `path` is only used in messages and
/// recorded on the activities.
pub fn read_bytes(path: &str, bytes: &[u8], format: Format) -> Result<Vec<Activity>, IngestError> {
    match format {
        Format::Fit => fit::read(path, bytes),
        Format::Gpx => gpx::read(path, bytes),
        Format::Tcx => tcx::read(path, bytes),
        Format::Apple => apple::read(path, bytes),
        Format::Polar => polar::read(path, bytes),
        // A lone file; a session with its GPS and heart-rate files is
        // joined by `runtastic::read_session`.
        Format::Runtastic => runtastic::read(path, bytes),
        Format::Huawei => huawei::read(path, bytes),
    }
}

/// Read one file's bytes, deciding the format from content first (a file
/// named `.gpx` that is really TCX is read as TCX), then from the name.
pub fn read_any(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    read_bytes(path, bytes, detect(path, bytes)?)
}

/// The format to read `bytes` as: by content, else by name, when the first
/// bytes can begin a file of that format. A renamed PDF or photo is "not a
/// GPX file (it starts with `%PDF`, as a PDF does)", not whatever the
/// parser trips over first.
pub fn detect(path: &str, bytes: &[u8]) -> Result<Format, IngestError> {
    if let Some(f) = format_from_content(bytes) {
        return Ok(f);
    }
    let format = format_from_name(path).ok_or_else(|| IngestError::UnknownFormat {
        path: path.to_string(),
    })?;
    match wrong_start(bytes, format) {
        Some(start) => Err(IngestError::NotThisFormat {
            path: path.to_string(),
            format: match format {
                Format::Fit => "FIT",
                Format::Gpx => "GPX",
                Format::Tcx => "TCX",
                Format::Huawei => "HiTrack",
                other => other.as_str(),
            },
            start,
        }),
        None => Ok(format),
    }
}

/// Why `bytes` cannot be a `format` file at all, from its first bytes
/// (`None`: it may be one; the reader decides).
fn wrong_start(bytes: &[u8], format: Format) -> Option<String> {
    if bytes.is_empty() {
        return Some("it is empty".to_string());
    }
    let fits = match format {
        // Every FIT file holds `.FIT` at byte 8 (read by content when it does).
        Format::Fit => false,
        // JSON: an object or an array.
        Format::Polar | Format::Runtastic => bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'{' || b == b'['),
        // HiTrack: `tp=` lines.
        Format::Huawei => bytes.starts_with(b"tp="),
        // XML: a UTF-16 byte-order mark is the XML reader's to explain.
        Format::Gpx | Format::Tcx | Format::Apple => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            bytes.starts_with(&[0xFF, 0xFE])
                || bytes.starts_with(&[0xFE, 0xFF])
                || text
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_none_or(|&b| b == b'<')
        }
    };
    if fits {
        return None;
    }
    let head: String = bytes
        .iter()
        .take(4)
        .map(|&b| match b {
            b'`' | b'\\' => format!("\\x{b:02X}"),
            0x20..=0x7E => char::from(b).to_string(),
            _ => format!("\\x{b:02X}"),
        })
        .collect();
    const KNOWN: [(&[u8], &str); 6] = [
        (b"%PDF", "a PDF"),
        (b"PK\x03\x04", "a zip archive"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"\x1F\x8B", "a gzip file"),
        (b"{", "a JSON file"),
    ];
    Some(
        match KNOWN.iter().find(|(magic, _)| bytes.starts_with(magic)) {
            Some((_, what)) => format!("it starts with `{head}`, as {what} does"),
            None => format!("it starts with `{head}`"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_file_is_named_by_what_it_starts_with() {
        let e = detect("run.gpx", b"%PDF-1.4\n...").expect_err("a PDF");
        assert_eq!(
            e.to_string(),
            "run.gpx: not a GPX file (it starts with `%PDF`, as a PDF does)"
        );
        let e = detect("run.fit", b"\x89PNG\r\n\x1a\n").expect_err("a PNG");
        assert!(
            e.to_string().contains("`\\x89PNG`, as a PNG image does"),
            "{e}"
        );
        let e = detect("run.tcx", b"").expect_err("empty");
        assert_eq!(e.to_string(), "run.tcx: not a TCX file (it is empty)");
        let e = detect("run.gpx", b"file,start\n").expect_err("a CSV");
        assert!(e.to_string().ends_with("(it starts with `file`)"), "{e}");
    }

    /// The first 4 KiB of a health-app corpus file.
    fn corpus_head(rel: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/health-apps")
            .join(rel);
        let mut b = std::fs::read(&p).expect("corpus file readable");
        b.truncate(4096);
        b
    }

    #[test]
    fn health_app_files_are_told_apart_by_their_first_bytes() {
        let rt = "runtastic/fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__";
        for (rel, want) in [
            (
                "polar/AlexanderFabisch-slither__test_data__running.json",
                Format::Polar,
            ),
            (
                "huawei/aricooperdavis-Huawei-TCX-Converter__Development_Tools__Testing__HiTrack_1",
                Format::Huawei,
            ),
            (&format!("{rt}SportSession.json"), Format::Runtastic),
            (&format!("{rt}GpsData.json"), Format::Runtastic),
            (&format!("{rt}HeartRateData.json"), Format::Runtastic),
            (&format!("{rt}Shoe.json"), Format::Runtastic),
            (&format!("{rt}user.json"), Format::Runtastic),
            (&format!("{rt}ImagesMetaData2.json"), Format::Runtastic),
            (&format!("{rt}SportSessionAlbums.json"), Format::Runtastic),
        ] {
            assert_eq!(format_from_content(&corpus_head(rel)), Some(want), "{rel}");
        }
        let newer = include_bytes!("../../tests/fixtures/health-apps/polar-newer-shape.json");
        assert_eq!(format_from_content(newer), Some(Format::Polar));
        // JSON of no app we read, and text that merely mentions `tp=`.
        assert_eq!(format_from_content(br#"{"name":"x","values":[1]}"#), None);
        assert_eq!(format_from_content(b"see tp=lbs below"), None);
        // A file that is XML stays XML whatever its text mentions.
        assert_eq!(
            format_from_content(b"<gpx><!-- \"sport_type_id\" --></gpx>"),
            Some(Format::Gpx)
        );
    }

    #[test]
    fn hitrack_files_are_known_by_name_without_an_extension() {
        for name in [
            "HiTrack_1551732120000155173259000030001",
            "backup/com.huawei.health/files/HiTrack_1",
            "HiTrack_2.gz",
            "C:\\data\\hitrack_3",
        ] {
            assert_eq!(format_from_name(name), Some(Format::Huawei), "{name}");
        }
        for name in ["HiTrack_", "HiTrack_1.json", "notes.json", "my-HiTrack_1"] {
            assert_eq!(format_from_name(name), None, "{name}");
        }
        assert_eq!(format_from_name("HiTrack_1.tcx"), Some(Format::Tcx));
        let e = detect("HiTrack_1", b"%PDF-1.4").expect_err("a PDF");
        assert!(e.to_string().contains("not a HiTrack file"), "{e}");
    }

    #[test]
    fn xml_that_may_be_the_named_format_is_left_to_its_reader() {
        for ok in [
            &b"<?xml version=\"1.0\"?><html/>"[..],
            b"\xEF\xBB\xBF  \n<root/>",
            b"\xFF\xFE<\x00",
        ] {
            assert_eq!(detect("x.gpx", ok).expect("may be GPX"), Format::Gpx);
        }
        assert_eq!(
            detect("x.gpx", b"<TrainingCenterDatabase>").expect("TCX by content"),
            Format::Tcx
        );
    }
}
