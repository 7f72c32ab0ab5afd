//! One integration-test binary (as ripgrep does): each module tests one
//! subcommand or one promise, running the real `cramplab` binary where it can.

mod analyze;
mod browser;
mod cohort;
mod common;
mod conformance;
mod damage;
mod faults;
mod first_contact_cli;
mod first_contact_method;
mod first_contact_report;
mod first_contact_tags;
mod fuzz_regressions;
mod health_apple;
mod health_discovery;
mod health_json;
mod hostile;
mod html;
mod inspect;
mod oracle_fit;
mod oracle_gpx;
mod oracle_tcx;
mod simulate;
mod simulate_cohort;
mod simulate_health;
mod tables;
mod xml_corpus;
