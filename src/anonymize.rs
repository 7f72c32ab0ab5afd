//! `--anonymize KEY` (DESIGN §5 "Privacy"): runner names become `R001`,
//! `R002`, … and file paths `R001/0001`, … so a cohort's outputs can be
//! shared without saying who ran or where their files live.
//!
//! The order of the pseudonyms is the order of a keyed hash of each name,
//! HMAC-SHA256(KEY, name) (RFC 2104 with SHA-256, FIPS 180-4), not the
//! order of the names: without the key, `R001` says nothing about the name
//! (alphabetical numbering would give away the first letters), and with
//! the same key the same cohort gets the same pseudonyms next time. A
//! runner added or removed shifts the numbers of the runners after it in
//! hash order; the hash itself never changes.
//!
//! Pure: names in, pseudonyms out; no I/O.

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Fewest digits in a runner pseudonym (`R001`); more once there are more
/// than 999 runners (`R0001`), so every pseudonym of a cohort has the same
/// width and they sort as they are numbered.
const MIN_RUNNER_DIGITS: usize = 3;

/// Fewest digits in a file number (`R001/0001`); more past 9999 files.
const MIN_FILE_DIGITS: usize = 4;

/// HMAC-SHA256 (RFC 2104; SHA-256 per FIPS 180-4) of `name` under `key`,
/// as 64 lowercase hex digits. The same as Python's
/// `hmac.new(key, name, hashlib.sha256).hexdigest()`.
pub fn keyed_hash_hex(key: &str, name: &str) -> String {
    keyed_hash(key, name)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn keyed_hash(key: &str, name: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(name.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Digits needed to write `count` (at least `min`).
fn width(count: usize, min: usize) -> usize {
    count.to_string().len().max(min)
}

/// The pseudonyms of one cohort: runner names → `R001`…, and each
/// runner's files → `R001/0001`…
///
/// ```
/// use cramplab::anonymize::Pseudonyms;
/// let runners = vec!["alice".to_string(), "bob".to_string()];
/// let p = Pseudonyms::new("study-2026", &runners)
///     .with_files([("alice", "alice/b.fit"), ("alice", "alice/a.fit")]);
/// assert_eq!(p.runner("alice"), Some("R001"));
/// assert_eq!(p.file("alice", "alice/a.fit").as_deref(), Some("R001/0001"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Pseudonyms {
    /// Runner name → pseudonym.
    runners: BTreeMap<String, String>,
    /// Runner name → that runner's paths, sorted and without repeats; a
    /// path's file number is its index + 1.
    files: BTreeMap<String, Vec<String>>,
}

/// Shows the pseudonyms only: the point of this type is that names do not
/// leak, and a `{:?}` in a log would otherwise print them.
impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonyms")
            .field("runners", &self.runners.len())
            .field("files", &self.files.values().map(Vec::len).sum::<usize>())
            .finish()
    }
}

impl Pseudonyms {
    /// Number `runners` in the order of their keyed hash under `key`
    /// (names given twice count once). Ties of the hash, which SHA-256
    /// makes practically impossible, fall back to the name.
    pub fn new(key: &str, runners: &[String]) -> Self {
        let mut hashed: Vec<([u8; 32], &str)> = runners
            .iter()
            .map(|name| (keyed_hash(key, name), name.as_str()))
            .collect();
        hashed.sort_unstable();
        hashed.dedup_by(|a, b| a.1 == b.1);
        let digits = width(hashed.len(), MIN_RUNNER_DIGITS);
        let runners = hashed
            .iter()
            .enumerate()
            .map(|(i, (_, name))| (name.to_string(), format!("R{:0digits$}", i + 1)))
            .collect();
        Pseudonyms {
            runners,
            files: BTreeMap::new(),
        }
    }

    /// Add files as `(runner, path)`: each runner's files are numbered
    /// `0001`, `0002`, … in the sorted order of all the paths given for it
    /// so far, so call this once with every file (or with the same files
    /// again: repeats count once). Files of a runner not passed to
    /// [`Pseudonyms::new`] get no pseudonym.
    pub fn with_files<'a>(mut self, files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (runner, path) in files {
            if self.runners.contains_key(runner) {
                self.files
                    .entry(runner.to_string())
                    .or_default()
                    .push(path.to_string());
            }
        }
        for paths in self.files.values_mut() {
            paths.sort_unstable();
            paths.dedup();
        }
        self
    }

    /// The runner's pseudonym (`R001`), if it is one of the cohort.
    pub fn runner(&self, name: &str) -> Option<&str> {
        self.runners.get(name).map(String::as_str)
    }

    /// The file's pseudonym (`R001/0001`), if the runner is one of the
    /// cohort and the path was given to [`Pseudonyms::with_files`].
    pub fn file(&self, runner: &str, path: &str) -> Option<String> {
        let pseudonym = self.runner(runner)?;
        let paths = self.files.get(runner)?;
        let index = paths.binary_search_by(|p| p.as_str().cmp(path)).ok()?;
        let digits = width(paths.len(), MIN_FILE_DIGITS);
        Some(format!("{pseudonym}/{:0digits$}", index + 1))
    }

    /// How many runners have a pseudonym.
    pub fn len(&self) -> usize {
        self.runners.len()
    }

    /// No runners at all.
    pub fn is_empty(&self) -> bool {
        self.runners.is_empty()
    }
}

/// What a message becomes under `--anonymize`: it may name a file, a
/// muscle or a note, so only that there was one is kept.
const WITHHELD: &str = "withheld (--anonymize)";

/// Rewrite a cohort's batch for `--anonymize KEY` (docs/METHOD.md §5,
/// *Privacy*): runners become `R001`…, file paths `R001/0001`…, muscles and
/// notes are dropped, and every free-text message (errors, warnings, tag
/// problems) is replaced by a count, because any of them may quote a file
/// name or a tag row. Rows are reordered by pseudonym, so the output's
/// order gives nothing of the names away either.
pub fn apply(batch: &mut crate::results::Batch, key: &str) {
    let names: Vec<String> = match &batch.cohort {
        Some(c) => c.runners.iter().map(|r| r.runner.clone()).collect(),
        None => Vec::new(),
    };
    let mut paths: Vec<(String, String)> = batch
        .files
        .iter()
        .map(|f| (f.runner.clone().unwrap_or_default(), f.path.clone()))
        .chain(
            batch
                .cramps
                .iter()
                .map(|c| (c.runner.clone().unwrap_or_default(), c.file.clone())),
        )
        .collect();
    paths.sort();
    paths.dedup();
    let ps = Pseudonyms::new(key, &names)
        .with_files(paths.iter().map(|(r, p)| (r.as_str(), p.as_str())));
    let runner = |r: &Option<String>| r.as_deref().and_then(|n| ps.runner(n)).map(str::to_string);
    for f in &mut batch.files {
        let who = f.runner.clone().unwrap_or_default();
        f.path = ps
            .file(&who, &f.path)
            .unwrap_or_else(|| WITHHELD.to_string());
        f.runner = runner(&f.runner);
        if f.error.is_some() {
            f.error = Some(WITHHELD.to_string());
        }
        let n = f.warnings.len();
        f.warnings = (0..n).map(|_| WITHHELD.to_string()).collect();
    }
    for c in &mut batch.cramps {
        let who = c.runner.clone().unwrap_or_default();
        c.file = ps
            .file(&who, &c.file)
            .unwrap_or_else(|| WITHHELD.to_string());
        c.runner = runner(&c.runner);
        c.muscle = None;
        c.note = None;
        c.tag_source = match c.tag_source.split(" (").next() {
            Some(kind @ ("gpx waypoint" | "fit lap press")) => kind.to_string(),
            _ => "tag file".to_string(),
        };
    }
    batch
        .files
        .sort_by(|a, b| (&a.runner, &a.path).cmp(&(&b.runner, &b.path)));
    batch
        .cramps
        .sort_by(|a, b| (&a.runner, &a.file, a.start_utc).cmp(&(&b.runner, &b.file, b.start_utc)));
    for (i, c) in batch.cramps.iter_mut().enumerate() {
        c.cramp_id = i + 1;
    }
    let n = batch.warnings.len();
    batch.warnings = if n == 0 {
        Vec::new()
    } else {
        vec![format!("{n} warnings {WITHHELD}")]
    };
    batch.unmatched_tags.clear();
    let t = &mut batch.tag_summary;
    for list in [&mut t.lost, &mut t.caveats, &mut t.elsewhere] {
        let n = list.len();
        *list = (0..n).map(|_| WITHHELD.to_string()).collect();
    }
    batch.timelines.clear();
    if let Some(c) = &mut batch.cohort {
        for r in &mut c.runners {
            r.runner = ps.runner(&r.runner).unwrap_or(WITHHELD).to_string();
        }
        c.runners.sort_by(|a, b| a.runner.cmp(&b.runner));
        for r in &mut c.meta.runners {
            r.runner = ps.runner(&r.runner).unwrap_or(WITHHELD).to_string();
        }
        c.meta.runners.sort_by(|a, b| a.runner.cmp(&b.runner));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Reference values from Python's standard library, not from the code
    /// under test:
    /// python3 -c "import hmac,hashlib; print(hmac.new(b'study-2026', b'alice', hashlib.sha256).hexdigest())"
    #[test]
    fn keyed_hash_matches_python_hmac_sha256() {
        assert_eq!(
            keyed_hash_hex("study-2026", "alice"),
            "5682ae31729131a0c25e1d9dd4096310ebc85de013b62504dc54af565be00927"
        );
        assert_eq!(
            keyed_hash_hex("other-key", "dave"),
            "207ab6f550ee6cf5907bd4cfd4152806e52a43f25ea40d0fca979703943175e3"
        );
    }

    /// Hashes (same python one-liner, names alice, bob, carol, dave):
    /// study-2026: carol 1a26…, alice 5682…, dave 61d9…, bob a9b2…
    /// other-key:  dave 207a…, alice 71e0…, carol cc91…, bob ea0c…
    #[test]
    fn runners_are_numbered_in_keyed_hash_order() {
        let cohort = names(&["alice", "bob", "carol", "dave"]);
        let p = Pseudonyms::new("study-2026", &cohort);
        let got: Vec<_> = cohort.iter().map(|n| p.runner(n)).collect();
        assert_eq!(
            got,
            [Some("R002"), Some("R004"), Some("R001"), Some("R003")]
        );
    }

    #[test]
    fn a_different_key_gives_a_different_order() {
        let cohort = names(&["alice", "bob", "carol", "dave"]);
        let a = Pseudonyms::new("study-2026", &cohort);
        let b = Pseudonyms::new("other-key", &cohort);
        assert_eq!(b.runner("dave"), Some("R001"));
        assert_eq!(b.runner("carol"), Some("R003"));
        assert_ne!(a.runner("dave"), b.runner("dave"));
    }

    #[test]
    fn the_same_key_gives_the_same_pseudonyms_whatever_the_input_order() {
        let cohort = names(&["alice", "bob", "carol", "dave"]);
        let mut shuffled = names(&["dave", "bob", "alice", "carol", "bob"]);
        let a = Pseudonyms::new("study-2026", &cohort);
        let b = Pseudonyms::new("study-2026", &shuffled);
        shuffled.reverse();
        let c = Pseudonyms::new("study-2026", &shuffled);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(b.len(), 4, "bob given twice counts once");
    }

    #[test]
    fn no_pseudonym_contains_the_name_or_the_key() {
        // Real-looking names: a name made of digits ("0001") could appear
        // inside a pseudonym by coincidence, which says nothing about leaks.
        let cohort = names(&["alice", "bob", "carol", "dave", "Rob", "Eve Smith"]);
        let files: Vec<(String, String)> = cohort
            .iter()
            .map(|n| (n.clone(), format!("{n}/2026-05-03-{n}.fit")))
            .collect();
        let p = Pseudonyms::new("study-2026", &cohort)
            .with_files(files.iter().map(|(r, f)| (r.as_str(), f.as_str())));
        for (runner, file) in &files {
            let r = p.runner(runner).expect("every runner has one");
            let f = p.file(runner, file).expect("every file has one");
            assert!(!r.contains(runner.as_str()), "{r} contains {runner}");
            assert!(!f.contains(runner.as_str()), "{f} contains {runner}");
            assert!(!f.contains("study"), "{f} contains the key");
            assert!(f.starts_with(&format!("{r}/")));
        }
    }

    #[test]
    fn files_are_numbered_in_each_runners_sorted_path_order() {
        let cohort = names(&["alice", "bob"]);
        let p = Pseudonyms::new("study-2026", &cohort).with_files([
            ("alice", "alice/c.fit"),
            ("bob", "bob/z.gpx"),
            ("alice", "alice/a.fit"),
            ("alice", "alice/b.tcx"),
            ("alice", "alice/a.fit"),
            ("eve", "eve/x.fit"),
        ]);
        let alice = p.runner("alice").expect("alice is in the cohort");
        let bob = p.runner("bob").expect("bob is in the cohort");
        assert_eq!(
            p.file("alice", "alice/a.fit"),
            Some(format!("{alice}/0001"))
        );
        assert_eq!(
            p.file("alice", "alice/b.tcx"),
            Some(format!("{alice}/0002"))
        );
        assert_eq!(
            p.file("alice", "alice/c.fit"),
            Some(format!("{alice}/0003"))
        );
        assert_eq!(p.file("bob", "bob/z.gpx"), Some(format!("{bob}/0001")));
        assert_eq!(p.file("alice", "bob/z.gpx"), None, "another runner's file");
        assert_eq!(p.file("eve", "eve/x.fit"), None, "not in the cohort");
        assert_eq!(p.runner("eve"), None);
    }

    #[test]
    fn widths_grow_past_999_runners_and_9999_files() {
        let small = Pseudonyms::new("k", &names(&["a"]));
        assert_eq!(small.runner("a"), Some("R001"));
        let cohort: Vec<String> = (0..1000).map(|i| format!("runner{i}")).collect();
        let big = Pseudonyms::new("k", &cohort);
        let mut all: Vec<&str> = cohort
            .iter()
            .map(|n| big.runner(n).expect("in the cohort"))
            .collect();
        all.sort_unstable();
        assert_eq!(all.first(), Some(&"R0001"));
        assert_eq!(all.last(), Some(&"R1000"));
        assert!(all.windows(2).all(|w| w[0] < w[1]), "all distinct");

        let paths: Vec<String> = (0..10_000).map(|i| format!("a/{i:05}.fit")).collect();
        let p = small.with_files(paths.iter().map(|f| ("a", f.as_str())));
        assert_eq!(p.file("a", "a/00000.fit").as_deref(), Some("R001/00001"));
        assert_eq!(p.file("a", "a/09999.fit").as_deref(), Some("R001/10000"));
    }

    #[test]
    fn debug_output_shows_no_names() {
        let p = Pseudonyms::new("k", &names(&["alice"])).with_files([("alice", "alice/x.fit")]);
        let shown = format!("{p:?}");
        assert!(!shown.contains("alice"), "{shown}");
    }
}
