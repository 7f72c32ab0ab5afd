//! Writing outputs so that nothing the user gave us is lost: every file is
//! written whole or not at all (a temporary name in the same folder, then a
//! rename), no output ever replaces a file that was read as input (not even
//! with `--force`), and any other existing file is replaced only with
//! `--force` (docs/METHOD.md §4).

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

    /// Whether `path` may be written; the error says why not.
    pub fn check(&self, path: &Path) -> Result<(), OutputError> {
        let c = canonical(path);
        if self.inputs.binary_search(&c).is_ok() {
            return Err(OutputError::IsInput(path.display().to_string()));
        }
        if path.exists() && !self.force {
            return Err(OutputError::Exists(path.display().to_string()));
        }
        Ok(())
    }

    /// Write `bytes` to `path` whole or not at all.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        self.check(path)?;
        write_atomic(path, bytes)
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
        let e = OutputGuard::new([], true)
            .write(&out, b"new")
            .expect_err("cannot replace a folder");
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
}
