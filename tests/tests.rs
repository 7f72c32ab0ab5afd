//! cramplab's integration tests, built as one binary: each module covers one
//! part (see Cargo.toml: `autotests = false`).

mod oracle_gpx;
mod oracle_tcx;
mod xml_corpus;
