//! Reading watch exports: pick the reader by content (then by name), and hand
//! back [`Activity`] values. One file per format; `container` walks folders,
//! `.gz` and `.zip`.

pub mod container;
pub mod fit;
pub mod gpx;
pub mod inputs;
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
    }
}

/// Read one file's bytes, deciding the format from content first (a file
/// named `.gpx` that is really TCX is read as TCX), then from the name.
pub fn read_any(path: &str, bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let format = format_from_content(bytes)
        .or_else(|| format_from_name(path))
        .ok_or_else(|| IngestError::UnknownFormat {
            path: path.to_string(),
        })?;
    read_bytes(path, bytes, format)
}
