//! Writing outputs so that nothing the user gave us is lost: every file is
//! written whole or not at all (a temporary name in the same folder, then a
//! rename), no output ever replaces a file that was read as input (not even
//! with `--force`), and any other existing file is replaced only with
//! `--force` (docs/METHOD.md §4). A folder is never replaced, and `-` is
//! refused (these outputs are files, not standard output). Several outputs
//! of one command go through one [`OutputSet`]: all are checked before any
//! is written, so a refusal writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output would replace an input.
    #[error("refusing to write {0}: it is one of the inputs (choose another output path)")]
    IsInput(String),
    /// The output exists and `--force` was not given.
    #[error("{0} already exists; use --force to replace it")]
    Exists(String),
    /// The output path is a folder: never replaced, not even with `--force`.
    #[error(
        "{0} is a folder, and cramplab never replaces a folder (not even with --force): name a file, e.g. one inside it"
    )]
    IsFolder(String),
    /// A folder was asked for (or is needed to hold an output), and a file
    /// is there.
    #[error("{0} is a file, not a folder: name a folder that is new or already holds outputs")]
    NotAFolder(String),
    /// `-`: these outputs are files, never standard output.
    #[error(
        "`-` is not a place to write this output (it is written to files, not to standard output): name a file or folder"
    )]
    Dash,
    /// Two outputs of one command would be the same file.
    #[error("{0} would be written twice: give each output its own path")]
    Twice(String),
    /// A folder to hold the output could not be made.
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing failed; the old file (if any) is untouched.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The output path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Decides which paths may be written.
#[derive(Debug, Clone, Default)]
pub struct OutputGuard {
    inputs: Vec<PathBuf>,
    force: bool,
}

fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    // Not there yet: canonicalise the folder, keep the name.
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
}

impl OutputGuard {
    /// A guard for these input files (activity files, archives, tag files).
    pub fn new<'a>(inputs: impl IntoIterator<Item = &'a Path>, force: bool) -> OutputGuard {
        let mut inputs: Vec<PathBuf> = inputs.into_iter().map(canonical).collect();
        inputs.sort();
        inputs.dedup();
        OutputGuard { inputs, force }
    }

    /// Whether `path` may be written as a file (its folder is made if
    /// missing); the error says why not.
    pub fn check(&self, path: &Path) -> Result<(), OutputError> {
        if path.as_os_str() == "-" {
            return Err(OutputError::Dash);
        }
        let c = canonical(path);
        if self.inputs.binary_search(&c).is_ok() {
            return Err(OutputError::IsInput(path.display().to_string()));
        }
        if path.is_dir() {
            return Err(OutputError::IsFolder(path.display().to_string()));
        }
        if path.exists() && !self.force {
            return Err(OutputError::Exists(path.display().to_string()));
        }
        if let Some(parent) = path.parent() {
            check_folder_path(parent)?;
        }
        Ok(())
    }

    /// Whether every path may be written, as by [`OutputGuard::check`], and
    /// no two of them are the same file.
    pub fn check_all<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p Path>,
    ) -> Result<(), OutputError> {
        let mut seen = Vec::new();
        for p in paths {
            self.check(p)?;
            let c = canonical(p);
            if seen.contains(&c) {
                return Err(OutputError::Twice(p.display().to_string()));
            }
            seen.push(c);
        }
        Ok(())
    }

    /// Whether `dir` may hold outputs: a folder, or a path where one can be
    /// made (the files inside are checked one by one with
    /// [`OutputGuard::check`]).
    pub fn check_folder(&self, dir: &Path) -> Result<(), OutputError> {
        if dir.as_os_str() == "-" {
            return Err(OutputError::Dash);
        }
        check_folder_path(dir)
    }

    /// Write `bytes` to `path` whole or not at all, making its folder if
    /// missing.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        self.check(path)?;
        make_parent(path)?;
        write_atomic(path, bytes)
    }
}

/// `dir` is a folder, or can become one: its nearest existing ancestor is a
/// folder.
fn check_folder_path(dir: &Path) -> Result<(), OutputError> {
    for a in dir.ancestors() {
        if a.as_os_str().is_empty() {
            break;
        }
        match std::fs::metadata(a) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => return Err(OutputError::NotAFolder(a.display().to_string())),
            Err(_) => continue,
        }
    }
    Ok(())
}

/// Make the folder that will hold `path`, as `mkdir -p` does.
fn make_parent(path: &Path) -> Result<(), OutputError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| OutputError::Folder {
                path: dir.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// The outputs of one command, written together: every path is checked
/// before anything is written, each file is written under a temporary name,
/// and only when all are complete are they renamed into place. A refusal or
/// a failed write leaves every output path as it was.
#[derive(Debug)]
pub struct OutputSet<'g> {
    guard: &'g OutputGuard,
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl<'g> OutputSet<'g> {
    /// An empty set, checked by `guard`.
    pub fn new(guard: &'g OutputGuard) -> OutputSet<'g> {
        OutputSet {
            guard,
            files: Vec::new(),
        }
    }

    /// Add a file to write.
    pub fn add(&mut self, path: PathBuf, bytes: Vec<u8>) {
        self.files.push((path, bytes));
    }

    /// Whether every file may be written (and no two are the same file).
    pub fn check(&self) -> Result<(), OutputError> {
        self.guard
            .check_all(self.files.iter().map(|(p, _)| p.as_path()))
    }

    /// Check every file, write each under a temporary name, then rename
    /// them all into place; returns the paths written.
    pub fn write(self) -> Result<Vec<PathBuf>, OutputError> {
        self.check()?;
        let mut pending = Vec::with_capacity(self.files.len());
        for (p, bytes) in &self.files {
            make_parent(p)?;
            let mut f = self.guard.begin(p)?;
            f.file()
                .write_all(bytes)
                .map_err(|source| OutputError::Io {
                    path: p.display().to_string(),
                    source,
                })?;
            pending.push(f);
        }
        let mut written = Vec::with_capacity(pending.len());
        for f in pending {
            written.push(f.path().to_path_buf());
            f.commit()?;
        }
        Ok(written)
    }
}

/// An output being written under a temporary name beside its final path
/// (for outputs streamed piece by piece, like `export`'s tracks). It becomes
/// visible only on [`PendingFile::commit`]; dropped uncommitted, the
/// temporary is removed and any old file stays as it was.
#[derive(Debug)]
pub struct PendingFile {
    file: Option<std::fs::File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl PendingFile {
    /// The open temporary file to write into.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.file
            .as_mut()
            .expect("the file is only taken by commit, which consumes self")
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flush to disk and rename over the final path.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let err = |source| OutputError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let f = self
            .file
            .take()
            .expect("the file is only taken by commit, which consumes self");
        f.sync_all().map_err(err)?;
        drop(f);
        std::fs::rename(&self.tmp, &self.path).map_err(err)?;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl OutputGuard {
    /// Start writing `path` (checked as by [`OutputGuard::check`]) under a
    /// temporary name beside it.
    pub fn begin(&self, path: &Path) -> Result<PendingFile, OutputError> {
        self.check(path)?;
        let tmp = temp_path(path);
        let file = std::fs::File::create(&tmp).map_err(|source| OutputError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(PendingFile {
            file: Some(file),
            tmp,
            path: path.to_path_buf(),
        })
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    dir.join(format!(".{name}.cramplab-{}.tmp", std::process::id()))
}

/// Write to a temporary file beside `path`, flush it to disk, then rename it
/// over `path`: a reader sees the old file or the new one, never half of one,
/// and a failed write leaves the old file as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let err = |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    };
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_never_replaced_even_with_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("cramps.csv");
        std::fs::write(&input, "file,start\n").expect("write");
        let guard = OutputGuard::new([input.as_path()], true);
        let e = guard.write(&input, b"oops").expect_err("refused");
        assert!(matches!(e, OutputError::IsInput(_)), "{e}");
        // Through another spelling of the same path, too.
        let other = dir.path().join(".").join("cramps.csv");
        assert!(matches!(
            guard.write(&other, b"oops"),
            Err(OutputError::IsInput(_))
        ));
        assert_eq!(
            std::fs::read_to_string(&input).expect("read"),
            "file,start\n"
        );
    }

    #[test]
    fn an_existing_output_is_replaced_only_with_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("report.html");
        std::fs::write(&out, "old").expect("write");
        let e = OutputGuard::new([], false)
            .write(&out, b"new")
            .expect_err("refused");
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "old");
        OutputGuard::new([], true)
            .write(&out, b"new")
            .expect("forced");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "new");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_intact_and_no_temporary_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The target is a non-empty directory: the final rename must fail.
        let out = dir.path().join("table.csv");
        std::fs::create_dir(&out).expect("mkdir");
        std::fs::write(out.join("keep.txt"), "precious").expect("write");
        let e = write_atomic(&out, b"new").expect_err("cannot replace a folder");
        assert!(matches!(e, OutputError::Io { .. }), "{e}");
        assert_eq!(
            std::fs::read_to_string(out.join("keep.txt")).expect("read"),
            "precious"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_folder_is_never_replaced_and_the_refusal_does_not_offer_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        for force in [false, true] {
            let e = OutputGuard::new([], force)
                .write(dir.path(), b"new")
                .expect_err("a folder");
            assert!(matches!(e, OutputError::IsFolder(_)), "{e}");
            assert!(!e.to_string().contains("use --force"), "{e}");
        }
    }

    #[test]
    fn dash_and_a_file_in_a_folders_place_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let guard = OutputGuard::new([], true);
        assert!(matches!(
            guard.check(Path::new("-")),
            Err(OutputError::Dash)
        ));
        assert!(matches!(
            guard.check_folder(Path::new("-")),
            Err(OutputError::Dash)
        ));
        let file = dir.path().join("notes");
        std::fs::write(&file, "x").expect("write");
        assert!(matches!(
            guard.check_folder(&file.join("deeper")),
            Err(OutputError::NotAFolder(_))
        ));
        assert!(matches!(
            guard.check(&file.join("report.html")),
            Err(OutputError::NotAFolder(_))
        ));
    }

    #[test]
    fn a_set_writes_all_its_files_or_none_and_makes_missing_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let taken = dir.path().join("b.csv");
        std::fs::write(&taken, "old").expect("write");
        let guard = OutputGuard::new([], false);
        let mut set = OutputSet::new(&guard);
        set.add(dir.path().join("new/a.html"), b"a".to_vec());
        set.add(taken.clone(), b"b".to_vec());
        let e = set.write().expect_err("b.csv exists");
        assert!(matches!(e, OutputError::Exists(_)), "{e}");
        assert!(!dir.path().join("new").exists(), "nothing was written");
        assert_eq!(std::fs::read_to_string(&taken).expect("read"), "old");

        let mut set = OutputSet::new(&guard);
        set.add(dir.path().join("new/a.html"), b"a".to_vec());
        set.add(dir.path().join("new/./a.html"), b"b".to_vec());
        assert!(matches!(set.check(), Err(OutputError::Twice(_))));

        let mut set = OutputSet::new(&guard);
        set.add(dir.path().join("new/deeper/a.html"), b"a".to_vec());
        set.add(dir.path().join("c.csv"), b"c".to_vec());
        let written = set.write().expect("written");
        assert_eq!(written.len(), 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("new/deeper/a.html")).expect("read"),
            "a"
        );
    }
}
