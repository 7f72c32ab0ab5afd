//! One way in for every command: the paths a user named, walked into the
//! files they hold ([`Inputs::find`]) and read one file at a time
//! ([`Inputs::read`]) into activities, skipped non-activities and failures.
//! `analyze`, `report`, `export` and `inspect` all come in here, so they
//! find, name and read files alike, and none reads a file twice.

use std::path::PathBuf;

pub use super::container::Limits;
use super::container::{self, ArchivedTag, Discovery, LoadResult, Loaded, Source};
use crate::activity::Activity;
use crate::error::IngestError;

/// Everything found under the paths the user named.
#[derive(Debug)]
pub struct Inputs {
    sources: Vec<Source>,
    failures: Vec<FileContent>,
    archived_tags: Vec<ArchivedTag>,
    notes: Vec<String>,
    limits: Limits,
}

/// What one file (or archive member) held.
#[derive(Debug)]
pub enum Content {
    /// Its activities, each with the name it is shown and tagged by: the
    /// file's path, with `#n` for the sessions of a multisport file.
    Activities(Vec<(String, Activity)>),
    /// Not an activity (a settings FIT, a route GPX) inside a folder or an
    /// archive: skipped, with the reason.
    Skipped(String),
    /// Could not be read.
    Failed(IngestError),
}

/// One file's content, with the path shown to the user.
#[derive(Debug)]
pub struct FileContent {
    /// The path shown to the user (`export.zip/activities/1.fit.gz`).
    pub display: String,
    /// What it held.
    pub content: Content,
}

impl Inputs {
    /// Find every candidate file under `paths` (names only, and archives'
    /// central directories: cheap). Paths that cannot be looked at are
    /// failures from the start.
    pub fn find(paths: &[PathBuf], limits: Limits) -> Inputs {
        let Discovery {
            sources,
            failures,
            archived_tag_files,
            skipped,
            notes,
            ..
        } = container::discover(paths);
        let failures = failures
            .into_iter()
            .map(|(display, e)| FileContent {
                display,
                content: Content::Failed(e),
            })
            .chain(skipped.into_iter().map(|(display, why)| FileContent {
                display,
                content: Content::Skipped(why),
            }))
            .collect();
        Inputs {
            sources,
            failures,
            archived_tags: archived_tag_files,
            notes,
            limits,
        }
    }

    /// The tag files (`cramps.csv`) inside the archives found, read: the
    /// path their rows carry (`export.zip/cramps.csv`) and their bytes.
    pub fn read_archived_tag_files(&self) -> Vec<crate::tags::ArchivedTagFile> {
        self.archived_tags
            .iter()
            .map(|t| {
                let bytes = container::read_archived_tag(t, &self.limits)
                    .map_err(|e| std::io::Error::other(e.to_string()));
                (PathBuf::from(&t.display), bytes)
            })
            .collect()
    }

    /// The files to read, in path order; [`Inputs::read`] takes an index
    /// into this list.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Paths that could not be looked at (missing, unreadable, an unknown
    /// type named explicitly, a damaged archive), as failed file contents;
    /// taken once.
    pub fn take_failures(&mut self) -> Vec<FileContent> {
        std::mem::take(&mut self.failures)
    }

    /// Warnings about a whole input rather than one of its activities
    /// (`path: what`; an Apple export's malformed DTD), taken once.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// The files on disk the inputs are read from (plain files and whole
    /// archives): no output may ever replace one of them.
    pub fn files_on_disk(&self) -> Vec<PathBuf> {
        self.sources
            .iter()
            .flat_map(|s| s.location.files_on_disk())
            .collect()
    }

    /// Read source `index` (a nested zip gives several files).
    pub fn read(&self, index: usize) -> Vec<FileContent> {
        container::load(&self.sources[index], &self.limits)
            .into_iter()
            .map(FileContent::from)
            .collect()
    }

    /// Every failure, then every source's files in path order, one source
    /// at a time: for the commands that need no parallelism.
    pub fn read_all(mut self) -> impl Iterator<Item = FileContent> {
        let failures = self.take_failures();
        let n = self.sources.len();
        failures
            .into_iter()
            .chain((0..n).flat_map(move |i| self.read(i)))
    }
}

impl From<Loaded> for FileContent {
    fn from(l: Loaded) -> FileContent {
        let content = match l.result {
            LoadResult::Read(acts) => {
                let several = acts.len() > 1;
                Content::Activities(
                    acts.into_iter()
                        .enumerate()
                        .map(|(k, a)| {
                            let name = if several {
                                format!("{}#{}", a.path, k + 1)
                            } else {
                                a.path.clone()
                            };
                            (name, a)
                        })
                        .collect(),
                )
            }
            LoadResult::Skipped(reason) => Content::Skipped(reason),
            LoadResult::Failed(e) => Content::Failed(e),
        };
        FileContent {
            display: l.display,
            content,
        }
    }
}
