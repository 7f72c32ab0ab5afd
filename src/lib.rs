//! cramplab: when a muscle cramp hits mid-run, does easing off the pace make
//! it pass sooner? This crate reads FIT, GPX and TCX watch exports, lines up
//! pace and heart rate with the moments a runner tagged cramps, and reports
//! with honest uncertainty whether slowing down went with shorter cramps.
//!
//! ```no_run
//! let acts = cramplab::ingest::read_any("run.fit", &std::fs::read("run.fit")?)?;
//! for a in &acts {
//!     println!("{} {} samples", a.start_utc, a.samples.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod activity;
pub mod align;
pub mod analysis;
pub mod anonymize;
pub mod cohort;
pub mod config;
pub mod duplicates;
pub mod error;
#[cfg(feature = "tables")]
pub mod export;
#[cfg(feature = "tables")]
pub mod frame;
pub mod ingest;
pub(crate) mod measure;
pub mod output;
pub mod pipeline;
#[cfg(feature = "tables")]
pub mod pool;
pub mod report;
pub mod results;
pub mod simulate;
pub mod tags;
pub mod timeline;
