//! Finding a batch's tag files and reading them all. A `cramps.csv` tags
//! the activities in its own folder and below; it is found under a folder
//! given as a PATH, beside a file given as a PATH (or given itself), and
//! inside a zip archive (where "its folder" is its folder in the archive).
//! Files named with `--tags` tag every activity. Bad rows and header
//! warnings become the batch's warnings; an unreadable tag file stops the
//! batch.
//!
//! Whether a row that tags no activity was lost or is simply for a run not
//! given depends on how much of the tag file's reach was read: all of it
//! for a folder or an archive given, maybe not for a `cramps.csv` beside a
//! file given ([`Reach`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::csv::{ParsedTags, TagRow, parse_bytes, read_csv_file};
use super::matching::file_matches;
use super::problem::{TagFileError, TagProblem};

/// The name a tag file has (any letter case).
pub const TAG_FILE_NAME: &str = "cramps.csv";

/// Whether a file name is [`TAG_FILE_NAME`] (any letter case).
pub fn is_tag_file_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(TAG_FILE_NAME)
}

/// How a tag file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TagFileOrigin {
    /// Under a folder given as a PATH.
    InFolder,
    /// Beside a file given as a PATH, or given as a PATH itself.
    Beside,
}

/// A tag file on disk, found from the PATHs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTagFile {
    /// Its path, as found.
    pub path: PathBuf,
    /// How it was found.
    pub origin: TagFileOrigin,
}

/// How much of a tag file's reach (the activities its rows may tag) the
/// batch read, when not all of it (then a row that tags no activity read is
/// lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// All but these activity files (paths on disk), which lie in its
    /// folder but were not given.
    NotGiven(Vec<String>),
    /// Unknown: a `--tags` file when single files were given.
    Unknown,
}

/// Every tag row the batch will use.
#[derive(Debug, Clone, Default)]
pub struct TagSet {
    /// Good rows from every tag file.
    pub rows: Vec<TagRow>,
    /// Bad rows (with file and line) and other tag-file warnings, as the
    /// batch prints them, file by file.
    pub warnings: Vec<String>,
    /// The bad rows among [`TagSet::warnings`]: rows that cannot be used.
    pub bad_rows: Vec<TagProblem>,
    /// The header warnings among [`TagSet::warnings`] (rows still used).
    pub header_warnings: Vec<String>,
    /// The tag files on disk read.
    pub files: Vec<PathBuf>,
    /// Tag files (by the path their rows carry) whose reach was not read
    /// whole; a tag file not listed was.
    pub partial: HashMap<PathBuf, Reach>,
}

impl TagSet {
    /// Whether `row`, which tagged no activity read, may well be for an
    /// activity that was not given (rather than lost): its tag file's reach
    /// was not read whole, and it names no file, or a file that exists
    /// there but was not given, or (reach unknown) a file that no activity
    /// read nearly matches (`nearly_named`: letter case, extension, typo).
    pub fn may_be_for_another_activity(&self, row: &TagRow, nearly_named: bool) -> bool {
        match (self.partial.get(&row.csv_path), &row.file) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(Reach::NotGiven(others)), Some(f)) => others.iter().any(|p| file_matches(p, f)),
            (Some(Reach::Unknown), Some(_)) => !nearly_named,
        }
    }
}

/// Every `cramps.csv` under the given folders, beside the given files, or
/// given itself, once each (by its canonical path; one found under a folder
/// counts as found there).
pub fn find_tag_files(paths: &[PathBuf]) -> Vec<FoundTagFile> {
    let mut out: Vec<FoundTagFile> = Vec::new();
    // `runs/*` gives every file of a folder: list each folder once.
    let mut in_folder: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    for p in paths {
        if p.is_dir() {
            for e in walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                // A cohort's runners keep their tags (docs/METHOD.md §5).
                .filter_entry(|e| !crate::ingest::container::is_nested_cohort(e))
                .flatten()
            {
                if e.file_type().is_file() && is_tag_file_name(&e.file_name().to_string_lossy()) {
                    out.push(FoundTagFile {
                        path: e.path().to_path_buf(),
                        origin: TagFileOrigin::InFolder,
                    });
                }
            }
        } else if p.is_file() {
            let named = p
                .file_name()
                .is_some_and(|n| is_tag_file_name(&n.to_string_lossy()));
            let found = if named {
                Some(p.clone())
            } else {
                let dir = folder_of(p);
                in_folder
                    .entry(dir.clone())
                    .or_insert_with(|| tag_file_in(&dir))
                    .clone()
            };
            out.extend(found.map(|path| FoundTagFile {
                path,
                origin: TagFileOrigin::Beside,
            }));
        }
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut once: Vec<FoundTagFile> = Vec::new();
    // Folder finds first, so a file found both ways counts as found there.
    out.sort_by_key(|f| f.origin);
    for f in out {
        let key = f.path.canonicalize().unwrap_or_else(|_| f.path.clone());
        if !seen.contains(&key) {
            seen.push(key);
            once.push(f);
        }
    }
    once.sort_by(|a, b| a.path.cmp(&b.path));
    once
}

/// The folder a file given as a PATH lies in (`runs/a.fit` → `runs`;
/// `a.fit` → the empty path, shown as no folder).
fn folder_of(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The `cramps.csv` (any letter case) directly in `dir`, if there is one.
fn tag_file_in(dir: &Path) -> Option<PathBuf> {
    let listed = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(listed)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .map(|e| e.file_name())
        .filter(|n| is_tag_file_name(&n.to_string_lossy()))
        .collect();
    names.sort();
    names.first().map(|n| dir.join(n))
}

/// A tag file read from inside an archive: the path its rows carry
/// (`export.zip/cramps.csv`) and its bytes, or why they could not be read.
pub type ArchivedTagFile = (PathBuf, std::io::Result<Vec<u8>>);

/// Read every tag file: those found from `paths` ([`find_tag_files`]) and
/// `archived` ones tag their folder and below; `tag_files` (`--tags`) tag
/// everything, and one of them that was also found is read once, as a
/// `--tags` file. `is_activity_name` tells activity files by name (to see
/// whether a tag file's folder was given whole). An unreadable tag file
/// stops the batch (exit 1): analysing without the runner's tags would be
/// misleading.
pub fn read_tags(
    paths: &[PathBuf],
    tag_files: &[PathBuf],
    archived: Vec<ArchivedTagFile>,
    is_activity_name: &dyn Fn(&str) -> bool,
) -> Result<TagSet, TagFileError> {
    let mut set = TagSet::default();
    let take = |set: &mut TagSet, parsed: ParsedTags| {
        for p in &parsed.problems {
            set.bad_rows.push(p.clone());
            set.warnings.push(p.to_string());
        }
        for w in &parsed.warnings {
            set.header_warnings.push(w.to_string());
            set.warnings.push(w.to_string());
        }
        set.rows.extend(parsed.rows);
    };
    let mut given: Option<Given> = None;
    for f in find_tag_files(paths) {
        if tag_files.iter().any(|t| same_file(t, &f.path)) {
            continue;
        }
        take(&mut set, read_csv_file(&f.path)?);
        if f.origin == TagFileOrigin::Beside {
            let missing = given
                .get_or_insert_with(|| Given::new(paths))
                .not_given_under(&folder_of(&f.path), is_activity_name);
            if !missing.is_empty() {
                set.partial.insert(f.path.clone(), Reach::NotGiven(missing));
            }
        }
        set.files.push(f.path);
    }
    for (path, bytes) in archived {
        let bytes = bytes.map_err(|source| TagFileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        take(&mut set, parse_bytes(bytes, &path)?);
    }
    // Folders and archives only: every activity a `--tags` row may name was given.
    let whole = paths.iter().all(|p| {
        let name = p.to_string_lossy().to_ascii_lowercase();
        p.is_dir() || name.ends_with(".zip") || name.ends_with(TAG_FILE_NAME)
    });
    for f in tag_files {
        take(&mut set, read_csv_file(f)?.for_all_activities());
        if !whole {
            set.partial.insert(f.clone(), Reach::Unknown);
        }
        set.files.push(f.clone());
    }
    Ok(set)
}

/// The PATHs given, canonical, to tell which files on disk were given.
struct Given {
    files: HashSet<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Given {
    fn new(paths: &[PathBuf]) -> Given {
        let mut g = Given {
            files: HashSet::new(),
            dirs: Vec::new(),
        };
        for p in paths {
            let c = p.canonicalize().unwrap_or_else(|_| p.clone());
            if p.is_dir() {
                g.dirs.push(c);
            } else {
                g.files.insert(c);
            }
        }
        g
    }

    /// Activity files (by name) in `dir` and below that no PATH gave, as
    /// paths under `dir`.
    fn not_given_under(&self, dir: &Path, is_activity_name: &dyn Fn(&str) -> bool) -> Vec<String> {
        let root = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .filter(|e| is_activity_name(&e.file_name().to_string_lossy()))
            .filter(|e| {
                let c = e
                    .path()
                    .canonicalize()
                    .unwrap_or_else(|_| e.path().to_path_buf());
                !self.files.contains(&c) && !self.dirs.iter().any(|d| c.starts_with(d))
            })
            .map(|e| e.path().display().to_string())
            .collect()
    }
}

/// Whether two paths name one file (by their canonical paths when both
/// exist, else as written).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_fit(name: &str) -> bool {
        name.ends_with(".fit")
    }

    #[test]
    fn a_tag_file_under_the_inputs_and_named_with_tags_is_read_once_for_every_activity() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        std::fs::create_dir_all(runs.join("may")).unwrap();
        let here = runs.join("cramps.csv");
        let below = runs.join("may").join("CRAMPS.csv");
        std::fs::write(&here, "file,start\na.fit,+1:00\n").unwrap();
        std::fs::write(&below, "file,start,mood\nb.fit,+2:00\nb.fit,noon\n").unwrap();
        let found: Vec<PathBuf> = find_tag_files(std::slice::from_ref(&runs))
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(found, vec![here.clone(), below.clone()]);

        let set = read_tags(
            std::slice::from_ref(&runs),
            std::slice::from_ref(&here),
            Vec::new(),
            &is_fit,
        )
        .unwrap();
        assert_eq!(set.files, vec![below.clone(), here.clone()]);
        let origins: Vec<Option<&Path>> =
            set.rows.iter().map(|r| r.origin_dir.as_deref()).collect();
        assert_eq!(origins, vec![Some(runs.join("may").as_path()), None]);
        // The bad row as `path:line:`, then the header warning.
        assert_eq!(set.warnings.len(), 2, "{:?}", set.warnings);
        assert!(
            set.warnings[0].starts_with(&format!("{}:3: start `noon`", below.display())),
            "{:?}",
            set.warnings
        );
        assert!(set.warnings[1].contains("`mood`"), "{:?}", set.warnings);
        assert_eq!(set.bad_rows[0].to_string(), set.warnings[0]);
        assert_eq!(set.header_warnings, set.warnings[1..]);
        // A folder was given: everything the rows may tag was read.
        assert!(set.partial.is_empty(), "{:?}", set.partial);
    }

    #[test]
    fn a_file_given_takes_the_tag_file_of_its_folder_and_a_tag_file_given_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        std::fs::create_dir_all(&runs).unwrap();
        for f in ["a.fit", "b.fit", "Cramps.CSV"] {
            std::fs::write(runs.join(f), "file,start\nb.fit,+1:00\nc.fit,+1:00\n").unwrap();
        }
        let tags = runs.join("Cramps.CSV");
        let beside = |paths: &[PathBuf]| -> Vec<FoundTagFile> { find_tag_files(paths) };
        let want = vec![FoundTagFile {
            path: tags.clone(),
            origin: TagFileOrigin::Beside,
        }];
        assert_eq!(beside(&[runs.join("a.fit")]), want);
        assert_eq!(beside(&[tags.clone(), runs.join("a.fit")]), want);
        // Found under a folder too: found there.
        assert_eq!(
            beside(&[runs.join("a.fit"), runs.clone()])[0].origin,
            TagFileOrigin::InFolder
        );

        // Only a.fit given: b.fit lies beside, not given, so a row naming
        // it is for another activity; c.fit exists nowhere, so that row is lost.
        let set = read_tags(&[runs.join("a.fit")], &[], Vec::new(), &is_fit).unwrap();
        assert_eq!(
            set.partial.get(&tags),
            Some(&Reach::NotGiven(vec![
                runs.join("b.fit").display().to_string()
            ]))
        );
        assert!(set.may_be_for_another_activity(&set.rows[0], true));
        assert!(!set.may_be_for_another_activity(&set.rows[1], false));
        // Every file of the folder given (as `runs/*` does): nothing is elsewhere.
        let all = [runs.join("a.fit"), runs.join("b.fit"), tags.clone()];
        let set = read_tags(&all, &[], Vec::new(), &is_fit).unwrap();
        assert!(set.partial.is_empty(), "{:?}", set.partial);
        assert_eq!(set.rows.len(), 2);
    }

    #[test]
    fn a_tag_file_from_an_archive_tags_its_folder_in_the_archive() {
        let set = read_tags(
            &[],
            &[],
            vec![(
                PathBuf::from("runs/export.zip/cramps.csv"),
                Ok(b"file,start\na.fit,+1:00\n".to_vec()),
            )],
            &is_fit,
        )
        .unwrap();
        assert_eq!(
            set.rows[0].origin_dir.as_deref(),
            Some(Path::new("runs/export.zip"))
        );
        assert!(set.files.is_empty(), "not a file on disk");
        let e = read_tags(
            &[],
            &[],
            vec![(
                PathBuf::from("x.zip/cramps.csv"),
                Err(std::io::Error::other("damaged")),
            )],
            &is_fit,
        )
        .unwrap_err();
        assert!(e.to_string().contains("x.zip/cramps.csv"), "{e}");
    }

    #[test]
    fn an_unreadable_tag_file_stops_the_batch() {
        let e = read_tags(
            &[],
            &[PathBuf::from("no/such/cramps.csv")],
            Vec::new(),
            &is_fit,
        )
        .unwrap_err();
        assert!(matches!(e, TagFileError::Io { .. }), "{e}");
    }
}
