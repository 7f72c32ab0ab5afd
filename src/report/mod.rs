//! Every text a command prints or writes, one file per output behind one
//! small trait (as hyperfine's exporters): each turns a finished [`Batch`]
//! into bytes, so every output is testable without touching the disk —
//! `analyze`'s [`terminal`], [`json`] and [`html`], `report`'s
//! [`run_text`] and [`html::RunHtml`]. The `--csv` / `--parquet` tables are
//! several files per run and live in [`tables`]; `inspect` reports
//! activities rather than a batch ([`inspect`]). The outputs people read
//! write numbers, ranges, times and names the same way ([`text`]).

pub mod charts;
pub mod cohort_text;
pub mod html;
pub mod inspect;
pub mod json;
pub mod run_text;
#[cfg(feature = "tables")]
pub mod tables;
pub mod terminal;
pub mod text;

use crate::results::Batch;

/// Turns a finished batch into one output document.
pub trait Exporter {
    /// The document's bytes.
    fn render(&self, batch: &Batch) -> Vec<u8>;
}

/// Round to `d` decimals so outputs carry measurement precision, not float noise.
pub fn round(x: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    (x * m).round() / m
}
