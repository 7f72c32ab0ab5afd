//! Finding a batch's tag files and reading them all: every `cramps.csv`
//! under the input folders tags its own folder and below, and files named
//! with `--tags` tag every activity. Bad rows and header warnings become
//! the batch's warnings; an unreadable tag file stops the batch.

use std::path::{Path, PathBuf};

use super::csv::{ParsedTags, TagRow, read_csv_file};
use super::problem::TagFileError;

/// Every tag row the batch will use.
#[derive(Debug, Clone, Default)]
pub struct TagSet {
    /// Good rows from every tag file.
    pub rows: Vec<TagRow>,
    /// Bad rows (with file and line) and other tag-file warnings, as the
    /// batch prints them, file by file.
    pub warnings: Vec<String>,
    /// The tag files read.
    pub files: Vec<PathBuf>,
}

/// Every `cramps.csv` under the given folders (and next to named files).
pub fn find_tag_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            for e in walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .flatten()
            {
                if e.file_type().is_file() && e.file_name().eq_ignore_ascii_case("cramps.csv") {
                    out.push(e.path().to_path_buf());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Read every tag file: those found under `inputs` tag their folder and
/// below; `tag_files` (`--tags`) tag everything, and one of them that also
/// lies under the inputs is read once, as a `--tags` file. An unreadable
/// tag file stops the batch (exit 1): analysing without the runner's tags
/// would be misleading.
pub fn read_tags(inputs: &[PathBuf], tag_files: &[PathBuf]) -> Result<TagSet, TagFileError> {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut take = |parsed: ParsedTags| {
        warnings.extend(parsed.problems.iter().map(ToString::to_string));
        warnings.extend(parsed.warnings.iter().map(ToString::to_string));
        rows.extend(parsed.rows);
    };
    let mut read = Vec::new();
    for f in find_tag_files(inputs) {
        if tag_files.iter().any(|t| same_file(t, &f)) {
            continue;
        }
        take(read_csv_file(&f)?);
        read.push(f);
    }
    for f in tag_files {
        take(read_csv_file(f)?.for_all_activities());
        read.push(f.clone());
    }
    Ok(TagSet {
        rows,
        warnings,
        files: read,
    })
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

    #[test]
    fn a_tag_file_under_the_inputs_and_named_with_tags_is_read_once_for_every_activity() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        std::fs::create_dir_all(runs.join("may")).unwrap();
        let here = runs.join("cramps.csv");
        let below = runs.join("may").join("CRAMPS.csv");
        std::fs::write(&here, "file,start\na.fit,+1:00\n").unwrap();
        std::fs::write(&below, "file,start,mood\nb.fit,+2:00\nb.fit,noon\n").unwrap();
        assert_eq!(
            find_tag_files(std::slice::from_ref(&runs)),
            vec![here.clone(), below.clone()]
        );

        let set = read_tags(std::slice::from_ref(&runs), std::slice::from_ref(&here)).unwrap();
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
    }

    #[test]
    fn an_unreadable_tag_file_stops_the_batch() {
        let e = read_tags(&[], &[PathBuf::from("no/such/cramps.csv")]).unwrap_err();
        assert!(matches!(e, TagFileError::Io { .. }), "{e}");
    }
}
