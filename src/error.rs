//! The library's one error type: every message says what is wrong and, where
//! it can, what to do about it.

use thiserror::Error;

/// Why an input could not be read.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not in the format the name or content suggests.
    #[error("{path}: not a valid {format} file: {reason}")]
    Malformed {
        /// The path.
        path: String,
        /// The expected format.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A file that holds no activity (FIT settings, workout, monitoring…;
    /// a TCX course).
    #[error("{path}: a {file_type} holds no activity (only activity files can be analysed)")]
    NotAnActivity {
        /// The path.
        path: String,
        /// What it holds instead (`FIT monitoring file`, `TCX course`).
        file_type: String,
    },
    /// A file with positions but no times (a planned route or course).
    #[error("{path}: has no timestamps — it is a route or course, not a recorded activity")]
    NoTimes {
        /// The path.
        path: String,
    },
    /// A workout a health-app export lists with nothing recorded in it
    /// (no route points in its time, no heart rate).
    #[error("{path}: nothing recorded to analyse: {why}")]
    NothingRecorded {
        /// The path.
        path: String,
        /// What the export holds for it instead.
        why: String,
    },
    /// A file that parsed but holds no sample at all.
    #[error("{path}: holds no recorded samples")]
    Empty {
        /// The path.
        path: String,
    },
    /// A summary whose samples live in other files that were missing or
    /// unreadable (an adidas Running session without its GPS-data and
    /// Heart-rate-data files).
    #[error("{path}: holds no recorded samples: {reason}")]
    NoSamples {
        /// The path.
        path: String,
        /// Where the samples should have been, and what became of them.
        reason: String,
    },
    /// The name says one format, and the first bytes cannot begin a file of
    /// it (a renamed PDF, an empty file).
    #[error("{path}: not a {format} file ({start})")]
    NotThisFormat {
        /// The path.
        path: String,
        /// The format its name says (`GPX`).
        format: &'static str,
        /// What it starts with instead (`it starts with `%PDF`, as a PDF does`).
        start: String,
    },
    /// The file's kind is not one cramplab reads.
    #[error(
        "{path}: unknown file type (cramplab reads .fit, .gpx, .tcx, each also as .gz, .zip archives, Apple Health exports, Polar Flow and adidas Running JSON, and Huawei HiTrack files)"
    )]
    UnknownFormat {
        /// The path.
        path: String,
    },
    /// An archive entry that would inflate beyond the limit.
    #[error(
        "{path}: refused: inflates past the {limit_mb} MB limit for one entry (a decompression bomb or an absurdly large file)"
    )]
    TooLarge {
        /// The path.
        path: String,
        /// The limit in MB.
        limit_mb: u64,
    },
    /// A zip archive that could not be read.
    #[error("{path}: not a readable zip archive ({reason})")]
    Archive {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl IngestError {
    /// Whether this error, met inside a folder or archive, means "not for
    /// us" (skip and count) rather than "damaged" (report). A health-app
    /// session or workout with nothing recorded is one: exports hold many
    /// (a run typed in by hand, a treadmill session without a strap).
    pub fn is_skippable_in_container(&self) -> bool {
        matches!(
            self,
            IngestError::NotAnActivity { .. }
                | IngestError::NoTimes { .. }
                | IngestError::NothingRecorded { .. }
                | IngestError::NoSamples { .. }
        )
    }
}
