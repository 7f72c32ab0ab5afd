//! Helpers shared by the integration tests: the binary, the corpus, the catalog.

use std::path::PathBuf;

use assert_cmd::Command;

/// The `cramplab` binary under test, with a fixed environment.
pub fn cramplab() -> Command {
    let mut cmd = Command::cargo_bin("cramplab").expect("the binary is built by cargo test");
    cmd.env_remove("NO_COLOR").env("TZ", "UTC");
    cmd
}

/// Few resamples for `analyze`: for tests about the interface, not the
/// numbers.
pub const FAST_STATS: [&str; 6] = [
    "--bootstrap",
    "99",
    "--permutations",
    "99",
    "--power-sims",
    "0",
];

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus of real activity files (`tests/corpus`, see its README).
pub fn corpus() -> PathBuf {
    let p = root().join("tests/corpus");
    assert!(
        p.is_dir(),
        "the real-file corpus is expected at {}",
        p.display()
    );
    p
}

/// One row of the corpus's CATALOG.tsv.
#[derive(Debug, Clone)]
pub struct CatalogRow {
    /// Path relative to the corpus (`fit/x.fit`).
    pub file: String,
    /// `y (…)` or `n`.
    pub has_heart_rate: String,
    /// `ok`, `unusual: …` or `corrupt: …`.
    pub expected: String,
}

/// Every row of CATALOG.tsv.
pub fn catalog() -> Vec<CatalogRow> {
    let text = std::fs::read_to_string(corpus().join("CATALOG.tsv")).expect("catalog readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).expect("catalog column");
    let (f, hr, ex) = (col("file"), col("has_heart_rate"), col("expected"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            CatalogRow {
                file: c[f].to_string(),
                has_heart_rate: c[hr].to_string(),
                expected: c[ex].trim_matches('"').to_string(),
            }
        })
        .collect()
}
