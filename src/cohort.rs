//! Who is a runner of a cohort (DESIGN §5 "Input"): `--cohort DIR...`
//! makes every entry directly under each DIR one runner, `--runners FILE`
//! reads a `runner,path` manifest for layouts that do not fit. A runner
//! named twice, an empty runner, and a file that belongs to no runner are
//! reported, not guessed: each is a [`CohortError`] that says which file
//! and what to change.
//!
//! This module only decides who owns which paths; reading the activities
//! and tag files under them is the pipeline's business.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::ingest::container::may_hold_activities;

/// One runner of a cohort: a name and everything that belongs to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerInput {
    /// The runner's name, usable as a folder or file name in outputs.
    pub name: String,
    /// Folders, `.zip` exports and activity files that are this runner's
    /// alone, sorted. Tag files (`cramps.csv`) inside them are found as
    /// for any PATH and belong to this runner too.
    pub paths: Vec<PathBuf>,
    /// Tag files named on their own (a manifest row whose path ends in
    /// `.csv`), sorted; empty for runners of a `--cohort` folder.
    pub tag_files: Vec<PathBuf>,
}

/// The runners of a cohort.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Sorted by name; names are distinct, even ignoring letter case.
    pub runners: Vec<RunnerInput>,
    /// Entries that were ignored and why, one sentence each (e.g. a
    /// `README.txt` directly under a cohort folder).
    pub notes: Vec<String>,
}

/// A manifest row: `runners.csv:3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLine {
    /// The manifest.
    pub manifest: PathBuf,
    /// Physical line number (header = line 1).
    pub line: usize,
}

impl fmt::Display for ManifestLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.manifest.display(), self.line)
    }
}

/// `runners.csv:3: ` before a message about a manifest row, nothing
/// before one about a cohort folder's entry.
fn prefix(at: &Option<ManifestLine>) -> String {
    at.as_ref().map(|l| format!("{l}: ")).unwrap_or_default()
}

/// Why a cohort DIR is no folder.
fn exists_as(exists: &bool) -> &'static str {
    if *exists {
        "is not a folder"
    } else {
        "does not exist"
    }
}

/// What to do about a bad name: in a manifest, or of a folder entry.
fn rename_hint(at: &Option<ManifestLine>) -> &'static str {
    if at.is_some() {
        "write another name in the runner column"
    } else {
        "rename the entry"
    }
}

/// `, line 4` after another runner's path from the same manifest.
fn line_suffix(line: &Option<usize>) -> String {
    line.map(|l| format!(", line {l}")).unwrap_or_default()
}

/// Why a name cannot be a runner's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    /// Contains `/` or `\`.
    Separator,
    /// Contains a control character (a newline, a tab, …).
    Control,
    /// Is `.` or `..`.
    Dots,
    /// Is not valid UTF-8 text (a file name only).
    NotUtf8,
}

impl fmt::Display for NameFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameFault::Separator => "it contains / or \\",
            NameFault::Control => "it contains a control character (a newline, a tab, …)",
            NameFault::Dots => "`.` and `..` name folders, not runners",
            NameFault::NotUtf8 => "it is not valid UTF-8 text",
        })
    }
}

/// How one path lies against another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// The same file or folder.
    Same,
    /// Inside the other (a file in its folder).
    Inside,
    /// Contains the other.
    Contains,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Overlap::Same => "is the same as",
            Overlap::Inside => "is inside",
            Overlap::Contains => "contains",
        })
    }
}

/// Two runners claim the same file: a path of one is, is inside, or
/// contains a path of the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manifest row of `path`, if it comes from a manifest.
    pub at: Option<ManifestLine>,
    /// The runner named with `path`.
    pub runner: String,
    /// The path.
    pub path: PathBuf,
    /// How it lies against the other.
    pub overlap: Overlap,
    /// The other runner.
    pub other_runner: String,
    /// The other runner's path.
    pub other_path: PathBuf,
    /// The other path's line in the same manifest.
    pub other_line: Option<usize>,
}

/// `runners.csv:3: club/bob (runner `bob`) is inside club (runner `alice`, line 2); …`
impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{} (runner `{}`) {} {} (runner `{}`{}); a file belongs to one runner only: move it, or list the runners' files separately",
            prefix(&self.at),
            self.path.display(),
            self.runner,
            self.overlap,
            self.other_path.display(),
            self.other_runner,
            line_suffix(&self.other_line)
        )
    }
}

/// Why the cohort could not be laid out (the run stops).
#[derive(Debug, Error)]
pub enum CohortError {
    /// A `--cohort` DIR that does not exist or is not a folder.
    #[error(
        "cohort folder {dir} {}: --cohort takes folders with one entry per runner (a folder, a .zip export or an activity file)",
        exists_as(.exists)
    )]
    NotAFolder {
        /// The DIR as given.
        dir: PathBuf,
        /// It exists (as a file).
        exists: bool,
    },
    /// A folder or manifest that could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A tag file (any `.csv`) directly under a cohort folder.
    #[error(
        "{file} is directly under the cohort folder {dir}, so it belongs to no runner; move it into the folder of the runner whose cramps it lists ({dir}/NAME/{name})",
        dir = .dir.display(),
        file = .file.display()
    )]
    OutsideRunners {
        /// The file.
        file: PathBuf,
        /// The cohort folder.
        dir: PathBuf,
        /// Its file name.
        name: String,
    },
    /// Two entries or rows give the same runner name.
    #[error(
        "runner `{runner}` is named twice: by {} and by {}; rename one of them (names that differ only in letter case are the same runner), or put both into one folder",
        .first.display(),
        .second.display()
    )]
    NamedTwice {
        /// The name (as the second one spells it).
        runner: String,
        /// The first path named so.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// A runner with no activity or archive file anywhere below its paths.
    #[error(
        "{}runner `{runner}` has no activity file: nothing under {} is a .fit, .gpx or .tcx file (maybe .gz), a .zip export or a health app's export; add the runner's activities or remove it",
        prefix(.at),
        .path.display()
    )]
    EmptyRunner {
        /// Its manifest row (the first), or `None` for a cohort folder entry.
        at: Option<ManifestLine>,
        /// The runner.
        runner: String,
        /// Its (first) path.
        path: PathBuf,
    },
    /// A runner name that cannot be a folder or file name in outputs.
    #[error(
        "{}`{name}` cannot be a runner's name: {fault}; {}",
        prefix(.at),
        rename_hint(.at)
    )]
    BadName {
        /// The manifest row, or `None` for a cohort folder entry.
        at: Option<ManifestLine>,
        /// The name (lossy if not UTF-8).
        name: String,
        /// What is wrong with it.
        fault: NameFault,
    },
    /// A path inside (or equal to, or containing) another runner's path.
    #[error("{0}")]
    InsideAnotherRunner(Box<Conflict>),

    // ---- found reading a manifest ----
    /// The manifest's first line is not `runner,path`.
    #[error(
        "{at}: the first line of a runners manifest must be the header runner,path (found: {found}); then one row per runner and path, e.g. alice,alice/"
    )]
    ManifestHeader {
        /// Line 1 (or where the header should have been).
        at: ManifestLine,
        /// What it holds instead (`nothing` for an empty file).
        found: String,
    },
    /// A row the CSV layer cannot split, or without exactly two cells.
    #[error("{at}: {reason}; write each row as runner,path")]
    ManifestRow {
        /// The row.
        at: ManifestLine,
        /// What is wrong.
        reason: String,
    },
    /// A row with an empty runner cell.
    #[error("{at}: the runner cell is empty (path {path}); write the runner's name")]
    EmptyName {
        /// The row.
        at: ManifestLine,
        /// The path cell.
        path: String,
    },
    /// A row with an empty path cell.
    #[error(
        "{at}: the path cell of runner `{runner}` is empty; write a folder, .zip export, activity file or tag file (.csv), relative to the manifest's folder"
    )]
    EmptyPath {
        /// The row.
        at: ManifestLine,
        /// The runner cell.
        runner: String,
    },
    /// A path that does not exist.
    #[error(
        "{at}: {} does not exist (paths are relative to the manifest's folder); correct the path",
        .path.display()
    )]
    MissingPath {
        /// The row.
        at: ManifestLine,
        /// The path, joined to the manifest's folder.
        path: PathBuf,
    },
    /// A file that is neither an activity file, an archive nor a tag file.
    #[error(
        "{at}: {} is not a folder, a .zip export, an activity file (.fit, .gpx, .tcx, maybe .gz) or a tag file (.csv); remove the row or correct the path",
        .path.display()
    )]
    NotAnInput {
        /// The row.
        at: ManifestLine,
        /// The path.
        path: PathBuf,
    },
    /// The same path (or one inside another) twice for one runner.
    #[error(
        "{at}: {} {overlap} {} (line {other_line}), already given for runner `{runner}`; delete one of the two rows",
        .path.display(),
        .other_path.display()
    )]
    PathTwice {
        /// The later row.
        at: ManifestLine,
        /// The runner.
        runner: String,
        /// The later path.
        path: PathBuf,
        /// How it lies against the earlier one.
        overlap: Overlap,
        /// The earlier path.
        other_path: PathBuf,
        /// The earlier row's line.
        other_line: usize,
    },
}

/// Lay out the runners of `--cohort DIR...`: every entry directly under
/// each DIR is one runner. A folder is named by its whole name, a `.zip`
/// export or an activity file by its name without the extension
/// (`alice.fit.gz` → `alice`, `bob.zip` → `bob`). Hidden entries (`.…`)
/// and `__MACOSX` are passed over; any `.csv` directly under a DIR is an
/// error ([`CohortError::OutsideRunners`]); other files are noted and
/// passed over. The same DIR given twice counts once.
pub fn from_dirs(dirs: &[PathBuf]) -> Result<Layout, CohortError> {
    let mut parts = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let meta = std::fs::metadata(dir).map_err(|_| CohortError::NotAFolder {
            dir: dir.clone(),
            exists: false,
        })?;
        if !meta.is_dir() {
            return Err(CohortError::NotAFolder {
                dir: dir.clone(),
                exists: true,
            });
        }
        let canonical = canonical(dir)?;
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        parts.push(from_dir(dir)?);
    }
    combine(parts)
}

/// One cohort folder.
fn from_dir(dir: &Path) -> Result<Layout, CohortError> {
    let io = |source| CohortError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    let mut layout = Layout::default();
    for path in entries {
        let Some(file_name) = path.file_name() else {
            continue;
        };
        let lossy = file_name.to_string_lossy().into_owned();
        if is_passed_over(&lossy) {
            continue;
        }
        // Follows symbolic links, as reading the activities does.
        let meta = std::fs::metadata(&path).map_err(|source| CohortError::Io {
            path: path.clone(),
            source,
        })?;
        let name = if meta.is_dir() {
            lossy.clone()
        } else if lossy.to_ascii_lowercase().ends_with(".csv") {
            return Err(CohortError::OutsideRunners {
                file: path.clone(),
                dir: dir.to_path_buf(),
                name: lossy,
            });
        } else if meta.is_file() && may_hold_activities(&path) {
            strip_extensions(&lossy).to_string()
        } else {
            layout.notes.push(format!(
                "{}: not a runner (a runner is a folder, a .zip export or an activity file); ignored",
                path.display()
            ));
            continue;
        };
        let fault = if file_name.to_str().is_none() {
            Some(NameFault::NotUtf8)
        } else {
            name_fault(&name)
        };
        if let Some(fault) = fault {
            return Err(CohortError::BadName {
                at: None,
                name,
                fault,
            });
        }
        if meta.is_dir() && !has_activity(&path) {
            return Err(CohortError::EmptyRunner {
                at: None,
                runner: name,
                path,
            });
        }
        layout.runners.push(RunnerInput {
            name,
            paths: vec![path],
            tag_files: Vec::new(),
        });
    }
    Ok(layout)
}

/// Entries nobody means as data: hidden ones and macOS's zip debris.
fn is_passed_over(file_name: &str) -> bool {
    file_name.starts_with('.') || file_name == "__MACOSX"
}

/// `alice.fit.gz` → `alice`, `bob.zip` → `bob`, `j.doe.gpx` → `j.doe`:
/// only the extensions that made the file a candidate come off.
fn strip_extensions(file_name: &str) -> &str {
    let mut name = file_name;
    if let Some(stem) = strip_suffix_ignore_case(name, ".gz") {
        name = stem;
    }
    for ext in [".fit", ".gpx", ".tcx", ".zip"] {
        if let Some(stem) = strip_suffix_ignore_case(name, ext) {
            return stem;
        }
    }
    name
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let (stem, tail) = (s.get(..cut)?, s.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(stem)
}

/// What makes `name` unusable as a folder or file name in outputs.
fn name_fault(name: &str) -> Option<NameFault> {
    if name.contains(['/', '\\']) {
        Some(NameFault::Separator)
    } else if name.chars().any(char::is_control) {
        Some(NameFault::Control)
    } else if name == "." || name == ".." {
        Some(NameFault::Dots)
    } else {
        None
    }
}

/// Is there an activity file or archive at `path` or anywhere below it
/// (hidden entries and `__MACOSX` passed over)? An archive counts without
/// being opened.
fn has_activity(path: &Path) -> bool {
    walkdir::WalkDir::new(path)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_passed_over(&e.file_name().to_string_lossy()))
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && may_hold_activities(e.path()))
}

fn canonical(path: &Path) -> Result<PathBuf, CohortError> {
    std::fs::canonicalize(path).map_err(|source| CohortError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// How `a` lies against `b` (both canonical), if they overlap.
fn overlap(a: &Path, b: &Path) -> Option<Overlap> {
    if a == b {
        Some(Overlap::Same)
    } else if a.starts_with(b) {
        Some(Overlap::Inside)
    } else if b.starts_with(a) {
        Some(Overlap::Contains)
    } else {
        None
    }
}

/// One manifest row, read and checked on its own.
struct Row {
    line: usize,
    runner: String,
    path: PathBuf,
    canonical: PathBuf,
    is_tag_file: bool,
}

/// Lay out the runners of a `--runners FILE` manifest: a CSV with the
/// header `runner,path` and one row per runner and path (blank lines and
/// lines starting with `#` are skipped; cells are trimmed). Paths are
/// relative to the manifest's folder, or absolute. Several rows may name
/// the same runner: its paths are all of them. A path ending in `.csv` is
/// that runner's tag file and goes to [`RunnerInput::tag_files`]; any
/// other path is a folder, a `.zip` export or an activity file.
pub fn from_manifest(manifest: &Path) -> Result<Layout, CohortError> {
    let bytes = std::fs::read(manifest).map_err(|source| CohortError::Io {
        path: manifest.to_path_buf(),
        source,
    })?;
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let base = manifest.parent().unwrap_or(Path::new(""));
    let at = |line: usize| ManifestLine {
        manifest: manifest.to_path_buf(),
        line,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(CohortError::ManifestHeader {
                at: at(1),
                found: "nothing".to_string(),
            });
        }
        Some(Err(e)) => {
            return Err(CohortError::ManifestHeader {
                at: at(e.position().map_or(1, |p| p.line() as usize)),
                found: format!("an unreadable line ({e})"),
            });
        }
        Some(Ok(h)) => h,
    };
    let header_line = header.position().map_or(1, |p| p.line() as usize);
    let cells: Vec<&str> = header.iter().collect();
    let is_header = cells.len() == 2
        && cells[0].eq_ignore_ascii_case("runner")
        && cells[1].eq_ignore_ascii_case("path");
    if !is_header {
        return Err(CohortError::ManifestHeader {
            at: at(header_line),
            found: cells.join(","),
        });
    }

    let mut rows: Vec<Row> = Vec::new();
    for record in records {
        let record = record.map_err(|e| CohortError::ManifestRow {
            at: at(e.position().map_or(0, |p| p.line() as usize)),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != 2 {
            return Err(CohortError::ManifestRow {
                at: at(line),
                reason: format!("{} cells where runner,path are two", record.len()),
            });
        }
        let (runner, written) = (&record[0], &record[1]);
        if runner.is_empty() {
            return Err(CohortError::EmptyName {
                at: at(line),
                path: written.to_string(),
            });
        }
        if let Some(fault) = name_fault(runner) {
            return Err(CohortError::BadName {
                at: Some(at(line)),
                name: runner.to_string(),
                fault,
            });
        }
        if written.is_empty() {
            return Err(CohortError::EmptyPath {
                at: at(line),
                runner: runner.to_string(),
            });
        }
        let path = base.join(written);
        let Ok(meta) = std::fs::metadata(&path) else {
            return Err(CohortError::MissingPath { at: at(line), path });
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_tag_file = meta.is_file() && file_name.to_ascii_lowercase().ends_with(".csv");
        let is_input =
            meta.is_dir() || is_tag_file || (meta.is_file() && may_hold_activities(&path));
        if !is_input {
            return Err(CohortError::NotAnInput { at: at(line), path });
        }
        let canonical = canonical(&path)?;
        for earlier in &rows {
            let Some(how) = overlap(&canonical, &earlier.canonical) else {
                continue;
            };
            return Err(if earlier.runner == runner {
                CohortError::PathTwice {
                    at: at(line),
                    runner: runner.to_string(),
                    path,
                    overlap: how,
                    other_path: earlier.path.clone(),
                    other_line: earlier.line,
                }
            } else {
                CohortError::InsideAnotherRunner(Box::new(Conflict {
                    at: Some(at(line)),
                    runner: runner.to_string(),
                    path,
                    overlap: how,
                    other_runner: earlier.runner.clone(),
                    other_path: earlier.path.clone(),
                    other_line: Some(earlier.line),
                }))
            });
        }
        rows.push(Row {
            line,
            runner: runner.to_string(),
            path,
            canonical,
            is_tag_file,
        });
    }

    // Rows grouped by runner, each runner at its first row.
    let mut by_runner: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        by_runner.entry(row.runner.as_str()).or_default().push(row);
    }
    let mut groups: Vec<&Vec<&Row>> = by_runner.values().collect();
    groups.sort_by_key(|g| g[0].line);
    let mut layout = Layout::default();
    for group in groups {
        let first = group[0];
        let mut input = RunnerInput {
            name: first.runner.clone(),
            paths: Vec::new(),
            tag_files: Vec::new(),
        };
        for row in group {
            if row.is_tag_file {
                input.tag_files.push(row.path.clone());
            } else {
                input.paths.push(row.path.clone());
            }
        }
        if !input.paths.iter().any(|p| has_activity(p)) {
            return Err(CohortError::EmptyRunner {
                at: Some(at(first.line)),
                runner: input.name,
                path: first.path.clone(),
            });
        }
        input.paths.sort();
        input.tag_files.sort();
        layout.runners.push(input);
    }
    // Same runner spelt in two letter cases: two runners to the manifest,
    // one folder on a case-insensitive disk.
    combine(vec![layout])
}

/// Put layouts together (several `--cohort` folders, `--runners` with
/// `--cohort`): a name given in two of them (ignoring letter case) is
/// [`CohortError::NamedTwice`], and a path of one runner that overlaps a
/// path of another is [`CohortError::InsideAnotherRunner`]. Notes are kept
/// in order.
pub fn combine(parts: Vec<Layout>) -> Result<Layout, CohortError> {
    let mut layout = Layout::default();
    for part in parts {
        layout.runners.extend(part.runners);
        layout.notes.extend(part.notes);
    }
    layout.runners.sort_by_key(|r| r.name.to_lowercase());
    for pair in layout.runners.windows(2) {
        if pair[0].name.to_lowercase() == pair[1].name.to_lowercase() {
            let path = |r: &RunnerInput| {
                r.paths
                    .first()
                    .or(r.tag_files.first())
                    .cloned()
                    .unwrap_or_default()
            };
            return Err(CohortError::NamedTwice {
                runner: pair[1].name.clone(),
                first: path(&pair[0]),
                second: path(&pair[1]),
            });
        }
    }
    layout.runners.sort_by(|a, b| a.name.cmp(&b.name));

    // Every runner's paths against every other runner's.
    let mut owned: Vec<(usize, &Path, PathBuf)> = Vec::new();
    for (i, runner) in layout.runners.iter().enumerate() {
        for path in runner.paths.iter().chain(&runner.tag_files) {
            owned.push((i, path, canonical(path)?));
        }
    }
    for (k, (i, path, canon)) in owned.iter().enumerate() {
        for (j, other_path, other_canon) in &owned[..k] {
            if i == j {
                continue;
            }
            if let Some(how) = overlap(canon, other_canon) {
                return Err(CohortError::InsideAnotherRunner(Box::new(Conflict {
                    at: None,
                    runner: layout.runners[*i].name.clone(),
                    path: path.to_path_buf(),
                    overlap: how,
                    other_runner: layout.runners[*j].name.clone(),
                    other_path: other_path.to_path_buf(),
                    other_line: None,
                })));
            }
        }
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Create `rel` under `root` (folders for a trailing `/`), with a few
    /// bytes in files.
    fn touch(root: &Path, rel: &str) -> PathBuf {
        let path = root.join(rel);
        if rel.ends_with('/') {
            std::fs::create_dir_all(&path).expect("temp folder is writable");
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("temp folder is writable");
            }
            std::fs::write(&path, b"x").expect("temp folder is writable");
        }
        path
    }

    fn tree(rels: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp folder");
        for rel in rels {
            touch(dir.path(), rel);
        }
        dir
    }

    fn names(layout: &Layout) -> Vec<&str> {
        layout.runners.iter().map(|r| r.name.as_str()).collect()
    }

    fn manifest(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("runners.csv");
        std::fs::write(&path, text).expect("temp folder is writable");
        path
    }

    // ---- --cohort DIR ----

    #[test]
    fn every_entry_of_a_cohort_folder_is_one_runner_named_without_extensions() {
        let t = tree(&[
            "cohort/carol/2026/run1.fit",
            "cohort/carol/cramps.csv",
            "cohort/alice.fit.gz",
            "cohort/bob.zip",
            "cohort/j.doe.GPX",
            "cohort/dave.tcx",
        ]);
        let c = t.path().join("cohort");
        let layout = from_dirs(std::slice::from_ref(&c)).expect("a valid cohort");
        assert_eq!(names(&layout), ["alice", "bob", "carol", "dave", "j.doe"]);
        let carol = &layout.runners[2];
        assert_eq!(carol.paths, [c.join("carol")]);
        assert!(carol.tag_files.is_empty());
        assert_eq!(layout.runners[0].paths, [c.join("alice.fit.gz")]);
        assert!(layout.notes.is_empty());
    }

    #[test]
    fn hidden_entries_and_macosx_are_passed_over_silently() {
        let t = tree(&[
            "cohort/alice/run.fit",
            "cohort/.DS_Store",
            "cohort/.hidden/run.fit",
            "cohort/__MACOSX/alice/._run.fit",
            "cohort/bob/.trash/run.fit",
            "cohort/bob/run.gpx",
        ]);
        let layout = from_dirs(&[t.path().join("cohort")]).expect("a valid cohort");
        assert_eq!(names(&layout), ["alice", "bob"]);
        assert!(layout.notes.is_empty(), "{:?}", layout.notes);
    }

    #[test]
    fn other_files_directly_under_the_cohort_folder_are_noted_not_runners() {
        let t = tree(&[
            "cohort/alice/run.fit",
            "cohort/README.txt",
            "cohort/notes.pdf",
        ]);
        let layout = from_dirs(&[t.path().join("cohort")]).expect("a valid cohort");
        assert_eq!(names(&layout), ["alice"]);
        assert_eq!(layout.notes.len(), 2);
        assert!(
            layout.notes[0].contains("README.txt"),
            "{}",
            layout.notes[0]
        );
        assert!(layout.notes[1].contains("notes.pdf"), "{}", layout.notes[1]);
    }

    #[test]
    fn a_tag_file_directly_under_the_cohort_folder_belongs_to_no_runner() {
        let t = tree(&["cohort/alice/run.fit", "cohort/cramps.csv"]);
        let err = from_dirs(&[t.path().join("cohort")]).expect_err("cramps.csv is outside");
        assert!(matches!(err, CohortError::OutsideRunners { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("cramps.csv"), "{msg}");
        assert!(msg.contains("move it into the folder"), "{msg}");
        let t = tree(&["cohort/alice/run.fit", "cohort/Tags.CSV"]);
        let err = from_dirs(&[t.path().join("cohort")]).expect_err("any .csv is outside");
        assert!(matches!(err, CohortError::OutsideRunners { .. }), "{err:?}");
    }

    #[test]
    fn a_missing_cohort_folder_or_a_file_is_refused_by_name() {
        let t = tree(&["file.fit"]);
        let missing = t.path().join("nope");
        let err = from_dirs(std::slice::from_ref(&missing)).expect_err("missing");
        assert!(matches!(err, CohortError::NotAFolder { exists: false, .. }));
        assert!(err.to_string().contains("nope"), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = from_dirs(&[t.path().join("file.fit")]).expect_err("a file");
        assert!(err.to_string().contains("is not a folder"), "{err}");
    }

    #[test]
    fn a_runner_as_folder_and_zip_is_named_twice() {
        let t = tree(&["cohort/alice/run.fit", "cohort/alice.zip"]);
        let c = t.path().join("cohort");
        let err = from_dirs(std::slice::from_ref(&c)).expect_err("alice twice");
        let CohortError::NamedTwice {
            runner,
            first,
            second,
        } = &err
        else {
            panic!("expected NamedTwice, got {err:?}");
        };
        assert_eq!(runner, "alice");
        let mut both = [first.clone(), second.clone()];
        both.sort();
        assert_eq!(both, [c.join("alice"), c.join("alice.zip")]);
        assert!(err.to_string().contains("alice.zip"), "{err}");
    }

    #[test]
    fn the_same_name_in_two_cohort_folders_or_two_letter_cases_is_named_twice() {
        let t = tree(&["a/alice/run.fit", "b/alice.fit", "c/Alice/run.fit"]);
        let err = from_dirs(&[t.path().join("a"), t.path().join("b")]).expect_err("twice");
        assert!(matches!(err, CohortError::NamedTwice { .. }), "{err:?}");
        let err = from_dirs(&[t.path().join("a"), t.path().join("c")]).expect_err("case");
        assert!(matches!(err, CohortError::NamedTwice { .. }), "{err:?}");
    }

    #[test]
    fn the_same_cohort_folder_given_twice_counts_once() {
        let t = tree(&["cohort/alice/run.fit"]);
        let c = t.path().join("cohort");
        let layout = from_dirs(&[c.clone(), c.join(".")]).expect("same folder");
        assert_eq!(names(&layout), ["alice"]);
    }

    #[test]
    fn nested_cohort_folders_put_a_file_in_two_runners() {
        let t = tree(&["cohort/alice/run.fit"]);
        let c = t.path().join("cohort");
        let err = from_dirs(&[c.clone(), c.join("alice")]).expect_err("nested");
        assert!(
            matches!(err, CohortError::InsideAnotherRunner(_)),
            "{err:?}"
        );
    }

    #[test]
    fn a_runner_folder_without_activity_files_is_empty() {
        let t = tree(&[
            "cohort/alice/run.fit",
            "cohort/bob/cramps.csv",
            "cohort/bob/notes.txt",
            "cohort/bob/.cache/run.fit",
        ]);
        let err = from_dirs(&[t.path().join("cohort")]).expect_err("bob is empty");
        let CohortError::EmptyRunner { runner, path, at } = &err else {
            panic!("expected EmptyRunner, got {err:?}");
        };
        assert_eq!(runner, "bob");
        assert!(path.ends_with("bob"));
        assert!(at.is_none());
        assert!(
            err.to_string()
                .contains("runner `bob` has no activity file"),
            "{err}"
        );
    }

    #[test]
    fn a_nested_zip_counts_as_an_activity() {
        let t = tree(&["cohort/alice/export/garmin.zip"]);
        let layout = from_dirs(&[t.path().join("cohort")]).expect("zip is an activity source");
        assert_eq!(names(&layout), ["alice"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_whose_name_holds_a_control_character_is_refused() {
        let t = tree(&["cohort/ali\nce/run.fit"]);
        let err = from_dirs(&[t.path().join("cohort")]).expect_err("newline in name");
        assert!(
            matches!(
                err,
                CohortError::BadName {
                    fault: NameFault::Control,
                    at: None,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    // ---- --runners FILE ----

    #[test]
    fn a_manifest_gathers_each_runners_rows_relative_to_its_folder() {
        let t = tree(&[
            "data/a1/run.fit",
            "data/a2.zip",
            "data/alice-cramps.csv",
            "data/bob/x.gpx.gz",
        ]);
        let m = manifest(
            t.path(),
            "runner,path\n\
             # Alice moved watches in March\n\
             alice, data/a1\n\
             \n\
             alice,data/a2.zip\n\
             alice,data/alice-cramps.csv\n\
             bob,data/bob\n",
        );
        let layout = from_manifest(&m).expect("a valid manifest");
        assert_eq!(names(&layout), ["alice", "bob"]);
        let alice = &layout.runners[0];
        assert_eq!(
            alice.paths,
            [t.path().join("data/a1"), t.path().join("data/a2.zip")]
        );
        assert_eq!(alice.tag_files, [t.path().join("data/alice-cramps.csv")]);
        assert_eq!(layout.runners[1].paths, [t.path().join("data/bob")]);
    }

    #[test]
    fn a_manifest_takes_absolute_paths() {
        let t = tree(&["elsewhere/run.fit", "m/"]);
        let abs = t.path().join("elsewhere");
        let m = manifest(
            &t.path().join("m"),
            &format!("runner,path\nalice,{}\n", abs.display()),
        );
        let layout = from_manifest(&m).expect("absolute path");
        assert_eq!(layout.runners[0].paths, [abs]);
    }

    fn manifest_error(files: &[&str], text: &str) -> (CohortError, String) {
        let t = tree(files);
        let m = manifest(t.path(), text);
        let err = from_manifest(&m).expect_err("the manifest is wrong");
        let msg = err.to_string();
        (err, msg)
    }

    #[test]
    fn a_manifest_without_the_header_is_refused_on_line_1() {
        let (err, msg) = manifest_error(&["a/run.fit"], "alice,a\n");
        assert!(matches!(err, CohortError::ManifestHeader { .. }), "{err:?}");
        assert!(msg.contains("runners.csv:1:"), "{msg}");
        assert!(msg.contains("found: alice,a"), "{msg}");
        let (err, msg) = manifest_error(&[], "");
        assert!(matches!(err, CohortError::ManifestHeader { .. }), "{err:?}");
        assert!(msg.contains("found: nothing"), "{msg}");
    }

    #[test]
    fn an_empty_runner_cell_is_refused_with_its_line() {
        let (err, msg) = manifest_error(&["a/run.fit"], "runner,path\nalice,a\n ,a/run.fit\n");
        assert!(matches!(err, CohortError::EmptyName { .. }), "{err:?}");
        assert!(
            msg.starts_with(&format!(
                "{}:3: the runner cell is empty",
                match &err {
                    CohortError::EmptyName { at, .. } => at.manifest.display().to_string(),
                    _ => unreachable!("matched above"),
                }
            )),
            "{msg}"
        );
    }

    #[test]
    fn a_row_with_one_or_three_cells_is_refused() {
        let (err, msg) = manifest_error(&["a/run.fit"], "runner,path\nalice\n");
        assert!(matches!(err, CohortError::ManifestRow { .. }), "{err:?}");
        assert!(msg.contains("runners.csv:2:"), "{msg}");
        let (err, _) = manifest_error(&["a/run.fit"], "runner,path\nalice,a,x\n");
        assert!(matches!(err, CohortError::ManifestRow { .. }), "{err:?}");
    }

    #[test]
    fn a_path_that_does_not_exist_is_refused_with_line_and_path() {
        let (err, msg) = manifest_error(&["a/run.fit"], "runner,path\nalice,a\nbob,b/run.fit\n");
        assert!(matches!(err, CohortError::MissingPath { .. }), "{err:?}");
        assert!(msg.contains("runners.csv:3:"), "{msg}");
        assert!(msg.contains("run.fit does not exist"), "{msg}");
    }

    #[test]
    fn a_file_that_is_no_input_is_refused() {
        let (err, msg) = manifest_error(&["a/notes.txt"], "runner,path\nalice,a/notes.txt\n");
        assert!(matches!(err, CohortError::NotAnInput { .. }), "{err:?}");
        assert!(msg.contains("runners.csv:2:"), "{msg}");
    }

    #[test]
    fn the_same_path_twice_for_one_runner_is_refused() {
        let (err, msg) = manifest_error(&["a/run.fit"], "runner,path\nalice,a\nalice,./a\n");
        let CohortError::PathTwice {
            at,
            overlap,
            other_line,
            ..
        } = &err
        else {
            panic!("expected PathTwice, got {err:?}");
        };
        assert_eq!((at.line, *overlap, *other_line), (3, Overlap::Same, 2));
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn a_path_inside_another_runners_path_names_both_runners() {
        let (err, msg) = manifest_error(
            &["club/alice/run.fit", "club/bob/run.fit"],
            "runner,path\nalice,club\nbob,club/bob\n",
        );
        let CohortError::InsideAnotherRunner(conflict) = &err else {
            panic!("expected InsideAnotherRunner, got {err:?}");
        };
        let Conflict {
            at,
            runner,
            other_runner,
            overlap,
            ..
        } = conflict.as_ref();
        assert_eq!(at.as_ref().map(|a| a.line), Some(3));
        assert_eq!((runner.as_str(), other_runner.as_str()), ("bob", "alice"));
        assert_eq!(*overlap, Overlap::Inside);
        assert!(
            msg.contains("runner `bob`") && msg.contains("runner `alice`, line 2"),
            "{msg}"
        );
    }

    #[test]
    fn a_path_equal_to_or_containing_another_runners_path_is_refused() {
        let (err, _) = manifest_error(&["a/run.fit"], "runner,path\nalice,a\nbob,a\n");
        assert!(
            matches!(&err, CohortError::InsideAnotherRunner(c) if c.overlap == Overlap::Same),
            "{err:?}"
        );
        let (err, _) = manifest_error(&["a/b/run.fit"], "runner,path\nalice,a/b\nbob,a\n");
        assert!(
            matches!(&err, CohortError::InsideAnotherRunner(c) if c.overlap == Overlap::Contains),
            "{err:?}"
        );
    }

    #[test]
    fn a_manifest_runner_with_only_a_tag_file_is_empty() {
        let (err, msg) = manifest_error(
            &["a/run.fit", "b/cramps.csv", "c/"],
            "runner,path\nalice,a\nbob,b/cramps.csv\nbob,c\n",
        );
        let CohortError::EmptyRunner { at, runner, .. } = &err else {
            panic!("expected EmptyRunner, got {err:?}");
        };
        assert_eq!(runner, "bob");
        assert_eq!(at.as_ref().map(|a| a.line), Some(3), "bob's first row");
        assert!(msg.contains("runners.csv:3:"), "{msg}");
    }

    #[test]
    fn runner_names_that_cannot_be_file_names_are_refused() {
        for (name, fault) in [
            ("a/b", NameFault::Separator),
            ("a\\b", NameFault::Separator),
            ("..", NameFault::Dots),
            (".", NameFault::Dots),
            ("a\u{7}b", NameFault::Control),
        ] {
            let (err, msg) = manifest_error(&["a/run.fit"], &format!("runner,path\n{name},a\n"));
            let CohortError::BadName { at, fault: got, .. } = &err else {
                panic!("{name:?}: expected BadName, got {err:?}");
            };
            assert_eq!(*got, fault, "{name:?}");
            assert_eq!(at.as_ref().map(|a| a.line), Some(2), "{name:?}");
            assert!(msg.contains("cannot be a runner's name"), "{msg}");
        }
    }

    #[test]
    fn a_byte_order_mark_and_header_letter_case_are_accepted() {
        let t = tree(&["a/run.fit"]);
        let m = manifest(t.path(), "\u{feff}Runner,Path\nalice,a\n");
        assert_eq!(names(&from_manifest(&m).expect("BOM header")), ["alice"]);
    }

    #[test]
    fn a_missing_manifest_is_refused_by_name() {
        let t = tree(&[]);
        let err = from_manifest(&t.path().join("runners.csv")).expect_err("missing");
        assert!(matches!(err, CohortError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("runners.csv"), "{err}");
    }

    // ---- combine ----

    #[test]
    fn a_runner_in_a_cohort_folder_and_a_manifest_is_named_twice() {
        let t = tree(&["cohort/alice/run.fit", "more/alice2/run.fit"]);
        let m = manifest(t.path(), "runner,path\nalice,more/alice2\n");
        let err = combine(vec![
            from_dirs(&[t.path().join("cohort")]).expect("valid"),
            from_manifest(&m).expect("valid"),
        ])
        .expect_err("alice twice");
        let msg = err.to_string();
        assert!(matches!(err, CohortError::NamedTwice { .. }), "{err:?}");
        assert!(msg.contains("cohort") && msg.contains("alice2"), "{msg}");
    }

    #[test]
    fn combining_sorts_runners_and_keeps_notes() {
        let t = tree(&["c1/zoe/run.fit", "c1/README.txt", "c2/adam.fit"]);
        let m = manifest(t.path(), "runner,path\nmia,c2/adam.fit\n");
        let layout = combine(vec![
            from_dirs(&[t.path().join("c1")]).expect("valid"),
            from_manifest(&m).expect("valid"),
        ])
        .expect("distinct runners, no shared files");
        assert_eq!(names(&layout), ["mia", "zoe"]);
        assert_eq!(layout.notes.len(), 1);
        let err = combine(vec![
            from_dirs(&[t.path().join("c2")]).expect("valid"),
            layout,
        ])
        .expect_err("adam.fit is both adam's and mia's");
        assert!(
            matches!(&err, CohortError::InsideAnotherRunner(c) if c.at.is_none()),
            "{err:?}"
        );
    }

    #[test]
    fn strip_extensions_takes_off_only_the_known_ones() {
        assert_eq!(strip_extensions("alice.fit.gz"), "alice");
        assert_eq!(strip_extensions("bob.ZIP"), "bob");
        assert_eq!(strip_extensions("j.doe.tcx"), "j.doe");
        assert_eq!(strip_extensions("é.gpx"), "é");
    }
}
