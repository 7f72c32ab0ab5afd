//! The integration tests, built as one binary (one module per area).

mod oracle_fit;
