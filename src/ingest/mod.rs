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

/// Guess a format from a file name, ignoring a trailing `.gz`.
pub fn format_from_name(name: &str) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    if base.ends_with(".fit") {
        Some(Format::Fit)
    } else if base.ends_with(".gpx") {
        Some(Format::Gpx)
    } else if base.ends_with(".tcx") {
        Some(Format::Tcx)
    } else {
        None
    }
}

/// Guess a format from the first bytes: the FIT header carries `.FIT` at
/// offset 8; XML formats are told apart by their root element.
pub fn format_from_content(head: &[u8]) -> Option<Format> {
    if head.len() >= 12 && &head[8..12] == b".FIT" {
        return Some(Format::Fit);
    }
    let probe = &head[..head.len().min(4096)];
    let text = String::from_utf8_lossy(probe);
    if text.contains("<TrainingCenterDatabase") {
        Some(Format::Tcx)
    } else if apple::looks_like_export(probe) {
        Some(Format::Apple)
    } else if text.contains("<gpx") {
        Some(Format::Gpx)
    } else {
        None
    }
}

/// Read one file's bytes as `format`. `path` is only used in messages and
/// recorded on the activities.
pub fn read_bytes(path: &str, bytes: &[u8], format: Format) -> Result<Vec<Activity>, IngestError> {
    match format {
        Format::Fit => fit::read(path, bytes),
        Format::Gpx => gpx::read(path, bytes),
        Format::Tcx => tcx::read(path, bytes),
        Format::Apple => apple::read(path, bytes),
        // Not yet read (issue #15 adds the readers one by one).
        Format::Polar | Format::Runtastic | Format::Huawei => Err(IngestError::UnknownFormat {
            path: path.to_string(),
        }),
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
