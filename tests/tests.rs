//! cramplab's integration tests, built as one test binary (one module per
//! subcommand or feature) so they link once.

mod simulate;
