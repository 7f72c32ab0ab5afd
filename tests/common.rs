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

/// Zip every file under `dir` into `zip_path`, named relative to `dir`, in
/// path order. With `mac_litter`, each also gets the `__MACOSX/…/._name`
/// resource fork that macOS's Archive Utility adds beside it.
pub fn zip_dir(dir: &std::path::Path, zip_path: &std::path::Path, mac_litter: bool) {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::fs::File::create(zip_path).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .expect("under dir")
            .to_string_lossy()
            .replace('\\', "/");
        w.start_file(rel.as_str(), opts).expect("entry");
        w.write_all(&std::fs::read(&f).expect("read"))
            .expect("write");
        if mac_litter {
            let fork = match rel.rsplit_once('/') {
                Some((folder, base)) => format!("__MACOSX/{folder}/._{base}"),
                None => format!("__MACOSX/._{rel}"),
            };
            w.start_file(fork, opts).expect("entry");
            w.write_all(b"\x00\x05\x16\x07 resource fork")
                .expect("write");
        }
    }
    w.finish().expect("finish");
}

/// Copy the folder `from` with everything under it to `to`.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let dest = to.join(e.path().strip_prefix(from).expect("under"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}
