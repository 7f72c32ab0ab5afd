//! Finding activity files in what the user names: plain files, `.gz`,
//! `.zip` archives (nested too, as in Garmin's data export), folders, and
//! Strava bulk exports. Discovery is cheap (names only, archives' central
//! directories); [`load`] reads one source at a time so a batch never holds
//! more than the files being worked on, and an archive is read entry by
//! entry from disk, never whole.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::{apple, detect, format_from_name, read_bytes};
use crate::activity::{Activity, Format};
use crate::error::IngestError;

/// Limits that keep hostile archives from exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest inflated size of one file or archive entry, in bytes.
    pub max_entry_bytes: u64,
    /// How many zips deep nesting may go.
    pub max_zip_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // The longest real activity files are tens of MB (a 24 h ultra at
        // 1 Hz in GPX is ~40 MB); 512 MB leaves room and still refuses bombs.
        Limits {
            max_entry_bytes: 512 * 1024 * 1024,
            max_zip_depth: 4,
        }
    }
}

/// Where one candidate activity file lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file on disk (maybe `.gz`).
    File(PathBuf),
    /// An entry of a zip archive on disk, by index.
    ZipEntry {
        /// The archive.
        archive: PathBuf,
        /// The entry's index in the central directory.
        index: usize,
        /// The entry's name inside the archive.
        name: String,
    },
    /// One workout of an Apple Health export, read from its `export.xml`
    /// during discovery; its route file is read when it is loaded.
    AppleWorkout(AppleWorkoutRef),
    /// An adidas Running / Runtastic session (`Sport-sessions/<id>.json`)
    /// with its GPS and heart-rate files, each with the path shown.
    RuntasticSession {
        /// The session summary.
        session: Box<Location>,
        /// `Sport-sessions/GPS-data/<id>.json` (or `.gpx`).
        gps: Option<(Box<Location>, String)>,
        /// `Sport-sessions/Heart-rate-data/<id>.json`.
        hr: Option<(Box<Location>, String)>,
    },
}

impl Location {
    /// Every file on disk this is read from: the file or archive, and for
    /// an Apple workout its route file, for an adidas session its GPS and
    /// heart-rate files (no output may ever replace one of them).
    pub fn files_on_disk(&self) -> Vec<PathBuf> {
        let mut v = vec![self.file_on_disk().to_path_buf()];
        match self {
            Location::AppleWorkout(w) => {
                v.extend(
                    w.route
                        .iter()
                        .map(|(at, _)| at.file_on_disk().to_path_buf()),
                );
            }
            Location::RuntasticSession { gps, hr, .. } => {
                v.extend(
                    gps.iter()
                        .chain(hr.iter())
                        .map(|(at, _)| at.file_on_disk().to_path_buf()),
                );
            }
            _ => {}
        }
        v
    }

    /// The file on disk this is read from (a plain file, or the archive).
    pub fn file_on_disk(&self) -> &Path {
        match self {
            Location::File(p) => p,
            Location::ZipEntry { archive, .. } => archive,
            Location::AppleWorkout(w) => w.export_on_disk.as_path(),
            Location::RuntasticSession { session, .. } => session.file_on_disk(),
        }
    }
}

/// A workout of an Apple Health export ([`Location::AppleWorkout`]).
#[derive(Debug, Clone)]
pub struct AppleWorkoutRef {
    /// The workout, its heart rate joined.
    pub workout: Arc<apple::Workout>,
    /// Its route file, when the export holds it: where, and the path shown.
    pub route: Option<(Box<Location>, String)>,
    /// The file on disk the export is read from (`export.xml` or the zip).
    pub export_on_disk: PathBuf,
}

impl PartialEq for AppleWorkoutRef {
    /// The same workout of the same export (an export named twice is read
    /// once, but its workouts are compared by what they are).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.workout, &other.workout)
            || (self.export_on_disk == other.export_on_disk
                && self.workout.start_ms == other.workout.start_ms
                && self.workout.activity_type == other.workout.activity_type
                && self.workout.route_file == other.workout.route_file)
    }
}

impl Eq for AppleWorkoutRef {}

/// One candidate found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path shown to the user (`export.zip/activities/1.fit.gz`).
    pub display: String,
    /// Where to read it.
    pub location: Location,
    /// Named on the command line (errors are errors), or found inside a
    /// folder or archive (non-activities are skipped and counted).
    pub explicit: bool,
    /// A sport stated beside the file (Strava's `activities.csv`).
    pub sport_hint: Option<String>,
}

impl Source {
    /// A source with no sport stated beside it.
    pub fn new(display: String, location: Location, explicit: bool) -> Source {
        Source {
            display,
            location,
            explicit,
            sport_hint: None,
        }
    }
}

/// What became of one file.
#[derive(Debug)]
pub enum LoadResult {
    /// Read: one or more activities (a multisport FIT gives several).
    Read(Vec<Activity>),
    /// Not an activity (settings FIT, route GPX) found inside a folder or
    /// archive: skipped and counted, not an error.
    Skipped(String),
    /// Could not be read.
    Failed(IngestError),
}

/// One loaded file (a nested zip yields several).
#[derive(Debug)]
pub struct Loaded {
    /// The path shown to the user.
    pub display: String,
    /// What became of it.
    pub result: LoadResult,
}

/// Everything found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Candidates in path order.
    pub sources: Vec<Source>,
    /// Paths that could not be looked at (missing, unreadable, unknown
    /// type named explicitly, damaged archive).
    pub failures: Vec<(String, IngestError)>,
    /// Tag files (`cramps.csv`) inside the zip archives found, in path order.
    pub archived_tag_files: Vec<ArchivedTag>,
    /// Folders passed over, with why: a cohort folder inside a folder
    /// analysed as one runner's ([`COHORT_MARKER`]); route files of an
    /// Apple Health export that no workout names; an export without
    /// workouts.
    pub skipped: Vec<(String, String)>,
    /// Warnings about a whole input rather than one activity (an Apple
    /// export's malformed DTD), each naming it: `path: what`.
    pub notes: Vec<String>,
    /// Apple Health exports' main XML files, expanded into one source per
    /// workout at the end of [`discover`].
    apple_exports: Vec<Source>,
    /// Route files named on the command line inside an unpacked Apple
    /// export, by the export XML's path shown: only their workouts are
    /// read from it (so `report …/workout-routes/route_….gpx` gets the
    /// workout's heart rate, which the route file does not hold).
    apple_only: Vec<(String, Source)>,
    /// The exports of [`Discovery::apple_only`]'s routes, read only for
    /// those routes' workouts unless the export is also asked for whole.
    apple_partial: Vec<Source>,
    /// adidas Running session files (`Sport-sessions/<id>.json`), joined
    /// with their GPS and heart-rate files at the end of [`discover`].
    runtastic_sessions: Vec<Source>,
    /// The GPS and heart-rate files under `Sport-sessions/`.
    runtastic_parts: Vec<Source>,
}

/// A file that marks its folder as a cohort (one runner per entry; written
/// by `simulate --runners`, or by hand): `analyze` on a folder above it
/// passes it over rather than mixing its runners into one, and says so
/// (docs/METHOD.md §5). `analyze --cohort` ignores it like any hidden entry.
pub const COHORT_MARKER: &str = ".cramplab-cohort";

/// Does this folder, below the folder given, hold a cohort?
pub fn is_nested_cohort(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_type().is_dir() && entry.path().join(COHORT_MARKER).is_file()
}

/// A tag file (`cramps.csv`, any letter case) inside a zip archive on disk
/// (not one nested in another zip): it tags that archive's activities in
/// its folder and below (`tags::read_tags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedTag {
    /// The path shown, and carried by its rows: `export.zip/cramps.csv`.
    pub display: String,
    /// The archive.
    pub archive: PathBuf,
    /// The entry's index in the central directory.
    pub index: usize,
}

/// Read an archived tag file's bytes (within the entry size limit).
pub fn read_archived_tag(tag: &ArchivedTag, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    read_zip_entry(&tag.archive, tag.index, limits, &tag.display)
}

/// Is this name one we read (activity file, maybe gzipped, or a zip)?
pub fn is_candidate(name: &str) -> bool {
    format_from_name(name).is_some() || is_zip_name(name)
}

/// Does this file on disk hold activities, as far as its name (or, for
/// `.xml` and `.json`, its first bytes) tells: what [`is_candidate`] reads,
/// an Apple Health export's XML, a Polar Flow or adidas Running session.
/// For a cohort's check that a runner is not empty, and that a file
/// directly under a cohort folder is a runner (`truth.json` is not).
pub fn may_hold_activities(path: &Path) -> bool {
    let name = path.to_string_lossy();
    if is_candidate(&name) {
        return true;
    }
    if is_xml_name(&name) {
        return file_is_apple_export(path);
    }
    if is_json_name(&name) {
        return runtastic_role(&name) == Some(RuntasticRole::Session)
            || file_head(path)
                .is_some_and(|h| super::format_from_content(&h) == Some(Format::Polar));
    }
    false
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Find every candidate under `paths`, sorted by display path.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut d = Discovery::default();
    for p in paths {
        let shown = p.display().to_string();
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(source) => {
                d.failures.push((
                    shown.clone(),
                    IngestError::Io {
                        path: shown,
                        source,
                    },
                ));
                continue;
            }
        };
        let is_tag_file = p
            .file_name()
            .is_some_and(|n| crate::tags::is_tag_file_name(&n.to_string_lossy()));
        if meta.is_dir() {
            discover_dir(p, &mut d);
        } else if is_tag_file {
            // A tag file given as a PATH: `tags::find_tag_files` reads it.
            continue;
        } else if is_zip_name(&shown) {
            discover_zip(p, &shown, &mut d);
        } else if runtastic_role(&shown) == Some(RuntasticRole::Session) {
            d.runtastic_sessions
                .push(Source::new(shown, Location::File(p.clone()), true));
        } else if let Some(xml) = apple_export_of_route(p) {
            let route = Source::new(shown, Location::File(p.clone()), true);
            let xml_shown = xml.display().to_string();
            if !d.apple_partial.iter().any(|e| e.display == xml_shown) {
                d.apple_partial
                    .push(Source::new(xml_shown.clone(), Location::File(xml), true));
            }
            d.apple_only.push((xml_shown, route));
        } else if is_xml_name(&shown) && file_is_apple_export(p) {
            d.apple_exports
                .push(Source::new(shown, Location::File(p.clone()), true));
        } else {
            d.sources
                .push(Source::new(shown, Location::File(p.clone()), true));
        }
    }
    expand_apple_exports(&mut d);
    join_runtastic_sessions(&mut d);
    d.sources.sort_by(|a, b| a.display.cmp(&b.display));
    d.sources.dedup_by(|a, b| a.location == b.location);
    d.archived_tag_files
        .sort_by(|a, b| a.display.cmp(&b.display));
    d.archived_tag_files
        .dedup_by(|a, b| a.archive == b.archive && a.index == b.index);
    d
}

fn discover_dir(dir: &Path, d: &mut Discovery) {
    let mut walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    let mut strava_roots: Vec<(PathBuf, StravaIndex)> = Vec::new();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                d.failures.push((
                    path.clone(),
                    IngestError::Io {
                        path,
                        source: std::io::Error::other(e.to_string()),
                    },
                ));
                continue;
            }
        };
        let path = entry.path();
        if is_nested_cohort(&entry) {
            d.skipped.push((
                path.display().to_string(),
                format!(
                    "a cohort of runners (it holds {COHORT_MARKER}): not mixed into one runner's analysis; analyse it with `cramplab analyze --cohort {}`",
                    path.display()
                ),
            ));
            walker.skip_current_dir();
            continue;
        }
        if is_macos_metadata(&entry.file_name().to_string_lossy()) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            if path.join("activities.csv").is_file() {
                strava_roots.push((
                    path.to_path_buf(),
                    StravaIndex::read(&path.join("activities.csv")),
                ));
            }
            // A Strava export's routes/ holds planned routes, not recordings.
            let is_routes = entry.file_name() == "routes"
                && path
                    .parent()
                    .is_some_and(|p| p.join("activities.csv").is_file());
            if is_routes {
                walker.skip_current_dir();
            }
            continue;
        }
        let shown = path.display().to_string();
        if is_zip_name(&shown) {
            discover_zip(path, &shown, d);
        } else if let Some(role) = runtastic_role(&shown) {
            let s = Source::new(shown, Location::File(path.to_path_buf()), false);
            match role {
                RuntasticRole::Session => d.runtastic_sessions.push(s),
                RuntasticRole::Part => d.runtastic_parts.push(s),
            }
        } else if is_json_name(&shown) {
            // Only JSON that a reader knows (Polar Flow sessions); a
            // health-app export's other files are passed over quietly.
            if file_head(path)
                .is_some_and(|h| super::format_from_content(&h) == Some(Format::Polar))
            {
                d.sources.push(Source::new(
                    shown,
                    Location::File(path.to_path_buf()),
                    false,
                ));
            }
        } else if is_xml_name(&shown) {
            if file_is_apple_export(path) {
                d.apple_exports.push(Source::new(
                    shown,
                    Location::File(path.to_path_buf()),
                    false,
                ));
            }
        } else if is_candidate(&shown) {
            let sport_hint = strava_roots
                .iter()
                .rev()
                .find(|(root, _)| path.starts_with(root))
                .and_then(|(root, idx)| idx.sport_for(path.strip_prefix(root).ok()?));
            d.sources.push(Source {
                display: shown,
                location: Location::File(path.to_path_buf()),
                explicit: false,
                sport_hint,
            });
        }
    }
}

fn discover_zip(path: &Path, shown: &str, d: &mut Discovery) {
    let mut archive = match File::open(path)
        .map_err(|source| IngestError::Io {
            path: shown.to_string(),
            source,
        })
        .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(shown, &e)))
    {
        Ok(a) => a,
        Err(e) => {
            d.failures.push((shown.to_string(), e));
            return;
        }
    };
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let strava = names
        .iter()
        .any(|n| n == "activities.csv" || n.ends_with("/activities.csv"));
    let mut entries: Vec<(usize, String)> = Vec::new();
    for i in 0..archive.len() {
        let Some(name) = archive.name_for_index(i) else {
            continue;
        };
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if is_macos_metadata(name) {
            continue;
        }
        if crate::tags::is_tag_file_name(base) {
            d.archived_tag_files.push(ArchivedTag {
                display: format!("{shown}/{name}"),
                archive: path.to_path_buf(),
                index: i,
            });
            continue;
        }
        if !name.ends_with('/') && (runtastic_role(name).is_some() || is_json_name(name)) {
            let name = name.to_string();
            let s = Source {
                display: format!("{shown}/{name}"),
                location: Location::ZipEntry {
                    archive: path.to_path_buf(),
                    index: i,
                    name: name.clone(),
                },
                explicit: false,
                sport_hint: None,
            };
            match runtastic_role(&name) {
                Some(RuntasticRole::Session) => d.runtastic_sessions.push(s),
                Some(RuntasticRole::Part) => d.runtastic_parts.push(s),
                None => {
                    let polar = archive.by_index(i).is_ok_and(|e| {
                        let mut head = Vec::new();
                        e.take(4096).read_to_end(&mut head).is_ok()
                            && super::format_from_content(&head) == Some(Format::Polar)
                    });
                    if polar {
                        entries.push((i, name));
                    }
                }
            }
            continue;
        }
        if !name.ends_with('/') && is_xml_name(name) {
            let name = name.to_string();
            let is_export = archive.by_index(i).is_ok_and(|e| {
                let mut head = Vec::new();
                e.take(apple::SNIFF_BYTES as u64)
                    .read_to_end(&mut head)
                    .is_ok()
                    && apple::looks_like_export(&head)
            });
            if is_export {
                d.apple_exports.push(Source {
                    display: format!("{shown}/{name}"),
                    location: Location::ZipEntry {
                        archive: path.to_path_buf(),
                        index: i,
                        name,
                    },
                    explicit: false,
                    sport_hint: None,
                });
            }
            continue;
        }
        if name.ends_with('/') || !is_candidate(name) {
            continue;
        }
        if strava && (name.starts_with("routes/") || name.contains("/routes/")) {
            continue;
        }
        entries.push((i, name.to_string()));
    }
    for (index, name) in entries {
        d.sources.push(Source {
            display: format!("{shown}/{name}"),
            location: Location::ZipEntry {
                archive: path.to_path_buf(),
                index,
                name,
            },
            explicit: false,
            sport_hint: None,
        });
    }
}

/// A `.json` file (Polar Flow sessions; told apart by content).
fn is_json_name(name: &str) -> bool {
    ends_with_ignore_case(name, ".json")
}

/// The first 4 KiB of a file on disk (`None` when it cannot be read).
fn file_head(path: &Path) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

/// A file's part in an adidas Running export, by where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuntasticRole {
    /// `Sport-sessions/<id>.json`: a session's summary.
    Session,
    /// `Sport-sessions/GPS-data/<id>.json|.gpx` or
    /// `Sport-sessions/Heart-rate-data/<id>.json`.
    Part,
}

/// The folders of an adidas Running export's session files.
const RUNTASTIC_SESSIONS: &str = "sport-sessions";
const RUNTASTIC_PARTS: [&str; 2] = ["gps-data", "heart-rate-data"];

fn runtastic_role(name: &str) -> Option<RuntasticRole> {
    if !ends_with_ignore_case(name, ".json") && !ends_with_ignore_case(name, ".gpx") {
        return None;
    }
    let lower = name.replace('\\', "/").to_ascii_lowercase();
    let mut parts = lower.rsplit('/');
    let (file, parent, grand) = (parts.next()?, parts.next()?, parts.next());
    if parent == RUNTASTIC_SESSIONS && file.ends_with(".json") {
        return Some(RuntasticRole::Session);
    }
    let is_part = RUNTASTIC_PARTS.contains(&parent)
        && grand == Some(RUNTASTIC_SESSIONS)
        && (file.ends_with(".json") || (parent == "gps-data" && file.ends_with(".gpx")));
    is_part.then_some(RuntasticRole::Part)
}

/// `dir/name` as shown, and the name's stem (`Sport-sessions/abc.json` →
/// (`Sport-sessions`, `abc`)).
fn dir_and_stem(display: &str) -> (String, String) {
    let d = display.replace('\\', "/");
    let (dir, file) = d.rsplit_once('/').unwrap_or(("", d.as_str()));
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    (dir.to_string(), stem.to_string())
}

/// Give each adidas Running session its GPS and heart-rate files (same id,
/// under `GPS-data/` and `Heart-rate-data/` beside it), as one source.
/// A GPX in `GPS-data/` is a part, not an activity of its own.
fn join_runtastic_sessions(d: &mut Discovery) {
    if d.runtastic_sessions.is_empty() && d.runtastic_parts.is_empty() {
        return;
    }
    let mut parts = std::mem::take(&mut d.runtastic_parts);
    // GPX parts were found as activity files too: they are parts (a GPX
    // named on the command line stays the activity it was named as).
    d.sources.retain(|s| {
        if !s.explicit && runtastic_role(&s.display) == Some(RuntasticRole::Part) {
            parts.push(s.clone());
            false
        } else {
            true
        }
    });
    let mut used = vec![false; parts.len()];
    // Each part by (its folder in lower case, its id): a lookup per
    // session, not a scan (an export holds thousands of sessions).
    let mut part_at: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for (k, p) in parts.iter().enumerate() {
        let (pdir, pstem) = dir_and_stem(&p.display);
        part_at
            .entry((pdir.to_ascii_lowercase(), pstem))
            .or_insert(k);
    }
    for session in std::mem::take(&mut d.runtastic_sessions) {
        let (dir, stem) = dir_and_stem(&session.display);
        let mut find = |folder: &str| -> Option<(Box<Location>, String)> {
            let k = part_at
                .get(&(format!("{dir}/{folder}").to_ascii_lowercase(), stem.clone()))
                .copied();
            if let Some(k) = k {
                used[k] = true;
                return Some((
                    Box::new(parts[k].location.clone()),
                    parts[k].display.clone(),
                ));
            }
            // A session named on the command line: its parts on disk.
            if let Location::File(p) = &session.location {
                let parent = p.parent()?;
                let folder_name = if folder == "gps-data" {
                    "GPS-data"
                } else {
                    "Heart-rate-data"
                };
                for ext in ["json", "gpx"] {
                    let cand = parent.join(folder_name).join(format!("{stem}.{ext}"));
                    if cand.is_file() {
                        return Some((
                            Box::new(Location::File(cand.clone())),
                            cand.display().to_string(),
                        ));
                    }
                }
            }
            None
        };
        let gps = find("gps-data");
        let hr = find("heart-rate-data");
        d.sources.push(Source {
            display: session.display.clone(),
            location: Location::RuntasticSession {
                session: Box::new(session.location),
                gps,
                hr,
            },
            explicit: session.explicit,
            sport_hint: None,
        });
    }
    for (p, used) in parts.into_iter().zip(used) {
        if !used {
            d.skipped.push((
                p.display,
                "an adidas Running GPS or heart-rate file whose session file (Sport-sessions/<id>.json) is not in the export".to_string(),
            ));
        }
    }
}

/// What macOS's Archive Utility adds beside real files: `__MACOSX/` folders
/// and `._name` resource forks (an Apple Health export zipped on a Mac
/// holds both). Never activities; passed over without a word.
fn is_macos_metadata(name: &str) -> bool {
    // Asked of every entry a walk meets: no allocation.
    let base = name
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("");
    name.split(['/', '\\']).any(|c| c == "__MACOSX") || base.starts_with("._")
}

/// Whether `name` ends with `suffix` (ASCII, any letter case), without
/// allocating: the checks below run for every file a walk meets.
fn ends_with_ignore_case(name: &str, suffix: &str) -> bool {
    let (n, s) = (name.as_bytes(), suffix.as_bytes());
    n.len() >= s.len() && n[n.len() - s.len()..].eq_ignore_ascii_case(s)
}

/// An `.xml` file that may be an Apple Health export's main XML (its name
/// is localised: `export.xml`, `导出.xml`, …). `export_cda.xml` holds
/// clinical documents, never workouts.
fn is_xml_name(name: &str) -> bool {
    if !ends_with_ignore_case(name, ".xml") {
        return false;
    }
    let lower = name.to_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    base.ends_with(".xml") && base != "export_cda.xml" && !base.starts_with("._")
}

/// Whether a file on disk starts as an Apple Health export does.
fn file_is_apple_export(path: &Path) -> bool {
    let Ok(f) = File::open(path) else {
        // Unreadable: a failure for load to report.
        return true;
    };
    let mut head = Vec::new();
    f.take(apple::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .is_ok()
        && apple::looks_like_export(&head)
}

/// The Apple export XML a route file named on its own belongs to: it lies
/// in `workout-routes/` beside the export's main XML.
pub fn apple_export_of_route(route: &Path) -> Option<PathBuf> {
    if format_from_name(&route.to_string_lossy()) != Some(Format::Gpx) {
        return None;
    }
    // `route_x.gpx` named from inside workout-routes/ has an empty parent.
    let folder = match route.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::env::current_dir().ok()?,
    };
    if folder.file_name()? != "workout-routes" {
        return None;
    }
    let mut xmls: Vec<PathBuf> = std::fs::read_dir(folder.parent()?)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_xml_name(&p.to_string_lossy()))
        .collect();
    xmls.sort();
    xmls.into_iter().find(|p| file_is_apple_export(p))
}

/// The folder an Apple export's XML lies in, as shown (`export.zip/apple_health_export`).
fn parent_shown(display: &str) -> &str {
    display.rfind(['/', '\\']).map_or("", |i| &display[..i])
}

/// Turn each Apple Health export found into one source per workout: read
/// its XML once (streamed), take the route files under its
/// `workout-routes/` out of the plain sources and give each workout the
/// one it names.
fn expand_apple_exports(d: &mut Discovery) {
    let only = std::mem::take(&mut d.apple_only);
    // One entry per export however often it was named or found (a folder
    // and its export.xml both given): the XML is streamed once. Named
    // routes narrow an export to their workouts only when it was not also
    // asked for whole.
    let key = |s: &Source| -> (PathBuf, Option<usize>) {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        match &s.location {
            Location::ZipEntry { archive, index, .. } => (canon(archive), Some(*index)),
            other => (canon(other.file_on_disk()), None),
        }
    };
    let mut exports: Vec<(Source, bool)> = Vec::new();
    for s in std::mem::take(&mut d.apple_exports) {
        match exports.iter_mut().find(|(x, _)| key(x) == key(&s)) {
            Some((x, _)) => x.explicit |= s.explicit,
            None => exports.push((s, true)),
        }
    }
    for s in std::mem::take(&mut d.apple_partial) {
        if !exports.iter().any(|(x, _)| key(x) == key(&s)) {
            exports.push((s, false));
        }
    }
    for (export, whole) in exports {
        let wanted: Vec<&Source> = only
            .iter()
            .filter(|(x, _)| !whole && *x == export.display)
            .map(|(_, r)| r)
            .collect();
        let dir = parent_shown(&export.display).to_string();
        let routes_prefix = if dir.is_empty() {
            "workout-routes/".to_string()
        } else {
            format!("{dir}/workout-routes/")
        };
        let is_route = |s: &Source| {
            s.display
                .replace('\\', "/")
                .starts_with(&routes_prefix.replace('\\', "/"))
        };
        let mut routes: Vec<Source> = Vec::new();
        let mut kept = Vec::with_capacity(d.sources.len());
        for s in std::mem::take(&mut d.sources) {
            if is_route(&s) {
                routes.push(s);
            } else {
                kept.push(s);
            }
        }
        d.sources = kept;
        // A named export.xml: its routes lie beside it on disk.
        if export.explicit
            && let Location::File(p) = &export.location
            && let Some(parent) = p.parent()
        {
            let folder = parent.join("workout-routes");
            if folder.is_dir() {
                let mut sub = Discovery::default();
                discover_dir(&folder, &mut sub);
                routes.extend(sub.sources);
            }
        }
        // Found both in a folder walk and beside a named export.xml.
        routes.sort_by(|a, b| a.display.cmp(&b.display));
        routes.dedup_by(|a, b| a.location == b.location);
        let scanned = scan_export(&export.location, &export.display);
        let scanned = match scanned {
            Ok(x) => x,
            Err(e) => {
                d.failures.push((export.display.clone(), e));
                // Its routes are still GPX files worth reading.
                d.sources.extend(routes);
                continue;
            }
        };
        d.notes.extend(
            scanned
                .warnings
                .iter()
                .map(|w| format!("{}: {w}", export.display)),
        );
        if scanned.workouts.is_empty() && !scanned.complete {
            // Workouts come after every record: a damaged or cut file lost
            // them. That is damage to report, not an export without any.
            d.failures.push((
                export.display.clone(),
                IngestError::Malformed {
                    path: export.display.clone(),
                    format: "Apple Health export",
                    reason: format!(
                        "no workout was read: {}",
                        scanned
                            .warnings
                            .iter()
                            .find(|w| w.contains("cut short"))
                            .map_or("", String::as_str)
                    ),
                },
            ));
            d.sources.extend(routes);
            continue;
        }
        if scanned.workouts.is_empty() {
            d.sources.extend(routes);
            let e = IngestError::NotAnActivity {
                path: export.display.clone(),
                file_type: format!(
                    "health-app export (Apple Health) without workouts ({} records, {} of them heart rate)",
                    scanned.records, scanned.hr_records
                ),
            };
            if export.explicit {
                d.failures.push((export.display.clone(), e));
            } else {
                d.skipped.push((export.display.clone(), e.to_string()));
            }
            continue;
        }
        let base_of = |s: &Source| {
            s.display
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(&s.display)
                .to_string()
        };
        let mut workouts = scanned.workouts;
        if !wanted.is_empty() {
            let names: Vec<String> = wanted.iter().map(|r| base_of(r)).collect();
            workouts.retain(|w| w.route_file.as_ref().is_some_and(|f| names.contains(f)));
            // A named route no workout names is read as the GPX it is.
            for r in &wanted {
                let name = base_of(r);
                if !workouts
                    .iter()
                    .any(|w| w.route_file.as_deref() == Some(name.as_str()))
                {
                    d.sources.push((*r).clone());
                }
            }
            // Only the named routes' workouts: the others are not reported.
            routes.retain(|r| names.contains(&base_of(r)));
        }
        let mut used = vec![false; routes.len()];
        let route_names: Vec<String> = routes.iter().map(base_of).collect();
        // The first route of each name (names are unique in an export).
        let mut route_at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (k, n) in route_names.iter().enumerate() {
            route_at.entry(n.as_str()).or_insert(k);
        }
        let on_disk = export.location.file_on_disk().to_path_buf();
        for w in workouts {
            let route = w.route_file.as_ref().and_then(|name| {
                let k = *route_at.get(name.as_str())?;
                used[k] = true;
                Some((
                    Box::new(routes[k].location.clone()),
                    routes[k].display.clone(),
                ))
            });
            let display = match &route {
                Some((_, shown)) => shown.clone(),
                None => format!("{}#{}", export.display, w.start_text),
            };
            d.sources.push(Source {
                display,
                location: Location::AppleWorkout(AppleWorkoutRef {
                    workout: Arc::new(w),
                    route,
                    export_on_disk: on_disk.clone(),
                }),
                // The export was named, not its workouts: one of another
                // sport with nothing in it is skipped, not an error.
                explicit: false,
                sport_hint: None,
            });
        }
        for (r, used) in routes.iter().zip(used) {
            if !used {
                d.skipped.push((
                    r.display.clone(),
                    format!(
                        "a route file of the Apple Health export {} that no workout in it names",
                        export.display
                    ),
                ));
            }
        }
    }
}

/// Read an Apple export's XML in one streamed pass, from a file or from a
/// zip entry as it inflates (never whole: it reaches several GB).
fn scan_export(location: &Location, shown: &str) -> Result<apple::Export, IngestError> {
    let io = |source| IngestError::Io {
        path: shown.to_string(),
        source,
    };
    match location {
        Location::File(p) => apple::scan(shown, File::open(p).map_err(io)?),
        Location::ZipEntry { archive, index, .. } => {
            let f = File::open(archive).map_err(io)?;
            let mut zip =
                zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(shown, &e))?;
            let entry = zip.by_index(*index).map_err(|e| zip_error(shown, &e))?;
            apple::scan(shown, entry)
        }
        Location::AppleWorkout(_) | Location::RuntasticSession { .. } => {
            Err(IngestError::UnknownFormat {
                path: shown.to_string(),
            })
        }
    }
}

/// Strava's `activities.csv`: which file holds which activity type.
#[derive(Debug, Default)]
struct StravaIndex {
    sport_by_file: Vec<(String, String)>,
}

impl StravaIndex {
    /// Read `activities.csv` (Strava's columns include quoted text with
    /// commas and newlines, so a real CSV reader is used). A missing or
    /// unreadable index only means no sport hints.
    fn read(path: &Path) -> StravaIndex {
        let Ok(mut reader) = csv::ReaderBuilder::new().flexible(true).from_path(path) else {
            return StravaIndex::default();
        };
        let Ok(header) = reader.headers().cloned() else {
            return StravaIndex::default();
        };
        let find = |n: &str| header.iter().position(|c| c.trim().eq_ignore_ascii_case(n));
        let (Some(fi), Some(ti)) = (find("Filename"), find("Activity Type")) else {
            return StravaIndex::default();
        };
        let sport_by_file = reader
            .records()
            .filter_map(Result::ok)
            .filter_map(|row| Some((row.get(fi)?.to_string(), row.get(ti)?.to_string())))
            .filter(|(f, _)| !f.is_empty())
            .collect();
        StravaIndex { sport_by_file }
    }

    fn sport_for(&self, rel: &Path) -> Option<String> {
        let rel = rel.to_string_lossy().replace('\\', "/");
        self.sport_by_file
            .iter()
            .find(|(f, _)| *f == rel)
            .map(|(_, s)| s.clone())
    }
}

/// Read at most `limit` bytes; more is a refusal (decompression bomb).
fn read_limited(mut r: impl Read, limit: u64, shown: &str) -> Result<Vec<u8>, IngestError> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|source| IngestError::Io {
            path: shown.to_string(),
            source,
        })?;
    if n as u64 > limit {
        return Err(IngestError::TooLarge {
            path: shown.to_string(),
            limit_mb: limit / (1024 * 1024),
        });
    }
    Ok(buf)
}

/// Inflate `.gz` bytes if they are gzip (magic 1f 8b), within the limit.
fn gunzip_if_needed(bytes: Vec<u8>, limit: u64, shown: &str) -> Result<Vec<u8>, IngestError> {
    if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        read_limited(MultiGzDecoder::new(&bytes[..]), limit, shown)
    } else {
        Ok(bytes)
    }
}

/// Read one source into its activities (a nested zip gives many).
pub fn load(source: &Source, limits: &Limits) -> Vec<Loaded> {
    let shown = source.display.as_str();
    let bytes = match &source.location {
        at @ (Location::File(_) | Location::ZipEntry { .. }) => read_part(at, shown, limits),
        Location::RuntasticSession { session, gps, hr } => {
            // A part that cannot be read is a warning; the session is read
            // with what remains.
            let mut warnings = Vec::new();
            let mut part = |p: &Option<(Box<Location>, String)>| -> Option<(String, Vec<u8>)> {
                let (at, s) = p.as_ref()?;
                read_part(at, s, limits)
                    .map_err(|e| warnings.push(e.to_string()))
                    .ok()
                    .map(|b| (s.clone(), b))
            };
            let (g, h) = (part(gps), part(hr));
            let result = read_part(session, shown, limits).and_then(|b| {
                super::runtastic::read_session(
                    shown,
                    &b,
                    g.as_ref().map(|(s, b)| (s.as_str(), b.as_slice())),
                    h.as_ref().map(|(s, b)| (s.as_str(), b.as_slice())),
                )
            });
            let result = result.map(|mut acts| {
                for a in &mut acts {
                    a.warnings.extend(warnings.iter().cloned());
                }
                acts
            });
            return vec![Loaded {
                display: shown.to_string(),
                result: outcome(result, source.explicit),
            }];
        }
        Location::AppleWorkout(w) => {
            let route = w.route.as_ref().map(|(at, route_shown)| {
                let bytes = read_part(at, route_shown, limits)
                    .and_then(|b| gunzip_if_needed(b, limits.max_entry_bytes, route_shown));
                (route_shown.clone(), bytes)
            });
            let result = apple::build(&w.workout, shown, route).map(|a| vec![a]);
            return vec![Loaded {
                display: shown.to_string(),
                result: outcome(result, source.explicit),
            }];
        }
    };
    let mut out = Vec::new();
    match bytes {
        Ok(b) => load_bytes(
            shown,
            b,
            source.explicit,
            source.sport_hint.as_deref(),
            limits,
            0,
            &mut out,
        ),
        Err(e) => out.push(Loaded {
            display: shown.to_string(),
            result: LoadResult::Failed(e),
        }),
    }
    out
}

/// The bytes of a file or zip entry (a source of its own, or part of
/// another: an Apple workout's route, an adidas session's files), within
/// the limit.
fn read_part(at: &Location, shown: &str, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    match at {
        Location::File(p) => File::open(p)
            .map_err(|e| IngestError::Io {
                path: shown.to_string(),
                source: e,
            })
            .and_then(|f| read_limited(f, limits.max_entry_bytes, shown)),
        Location::ZipEntry { archive, index, .. } => read_zip_entry(archive, *index, limits, shown),
        Location::AppleWorkout(_) | Location::RuntasticSession { .. } => {
            Err(IngestError::UnknownFormat {
                path: shown.to_string(),
            })
        }
    }
}

/// What a reader's answer becomes: inside a folder or archive, a file
/// that holds no activity is skipped with the reason, not a failure.
fn outcome(result: Result<Vec<Activity>, IngestError>, explicit: bool) -> LoadResult {
    match result {
        Ok(acts) => LoadResult::Read(acts),
        Err(e) if !explicit && e.is_skippable_in_container() => LoadResult::Skipped(e.to_string()),
        Err(e) => LoadResult::Failed(e),
    }
}

/// What the zip reader's error means for the user, not its internals.
fn zip_error(shown: &str, e: &zip::result::ZipError) -> IngestError {
    use zip::result::ZipError;
    let reason = match e {
        ZipError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "it is cut short, or not a zip archive at all".to_string()
        }
        ZipError::Io(io) => format!("reading it failed: {io}"),
        ZipError::InvalidArchive(_) => {
            "it is damaged or cut short, or not a zip archive at all".to_string()
        }
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            "it is password-protected; unzip it first".to_string()
        }
        ZipError::UnsupportedArchive(what) => {
            format!("it uses a zip feature cramplab cannot read ({what}); unzip it first")
        }
        other => other.to_string(),
    };
    IngestError::Archive {
        path: shown.to_string(),
        reason,
    }
}

fn read_zip_entry(
    archive: &Path,
    index: usize,
    limits: &Limits,
    shown: &str,
) -> Result<Vec<u8>, IngestError> {
    let f = File::open(archive).map_err(|source| IngestError::Io {
        path: shown.to_string(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(shown, &e))?;
    zip_entry_bytes(&mut zip, index, limits, shown)
}

fn zip_entry_bytes<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    limits: &Limits,
    shown: &str,
) -> Result<Vec<u8>, IngestError> {
    let entry = zip.by_index(index).map_err(|e| zip_error(shown, &e))?;
    if entry.size() > limits.max_entry_bytes {
        return Err(IngestError::TooLarge {
            path: shown.to_string(),
            limit_mb: limits.max_entry_bytes / (1024 * 1024),
        });
    }
    read_limited(entry, limits.max_entry_bytes, shown)
}

fn load_bytes(
    shown: &str,
    bytes: Vec<u8>,
    explicit: bool,
    sport_hint: Option<&str>,
    limits: &Limits,
    depth: usize,
    out: &mut Vec<Loaded>,
) {
    if is_zip_name(shown) {
        load_nested_zip(shown, bytes, limits, depth + 1, out);
        return;
    }
    let result = gunzip_if_needed(bytes, limits.max_entry_bytes, shown)
        .and_then(|b| read_bytes(shown, &b, detect(shown, &b)?));
    let result = result.map(|mut acts| {
        if let Some(hint) = sport_hint {
            for a in &mut acts {
                if a.sport == crate::activity::Sport::Unknown {
                    a.sport = crate::activity::Sport::from_name(hint);
                }
            }
        }
        acts
    });
    let result = outcome(result, explicit);
    out.push(Loaded {
        display: shown.to_string(),
        result,
    });
}

fn load_nested_zip(
    shown: &str,
    bytes: Vec<u8>,
    limits: &Limits,
    depth: usize,
    out: &mut Vec<Loaded>,
) {
    if depth > limits.max_zip_depth {
        out.push(Loaded {
            display: shown.to_string(),
            result: LoadResult::Failed(IngestError::Archive {
                path: shown.to_string(),
                reason: format!(
                    "zip archives nested deeper than {} levels are refused",
                    limits.max_zip_depth
                ),
            }),
        });
        return;
    }
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            out.push(Loaded {
                display: shown.to_string(),
                result: LoadResult::Failed(zip_error(shown, &e)),
            });
            return;
        }
    };
    let mut names: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| Some((i, zip.name_for_index(i)?.to_string())))
        .filter(|(_, n)| !n.ends_with('/') && is_candidate(n))
        .collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    for (i, name) in names {
        let inner = format!("{shown}/{name}");
        match zip_entry_bytes(&mut zip, i, limits, &inner) {
            Ok(b) => load_bytes(&inner, b, false, None, limits, depth, out),
            Err(e) => out.push(Loaded {
                display: inner,
                result: LoadResult::Failed(e),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_past_the_limit_is_refused() {
        let data = vec![0u8; 2048];
        let err = read_limited(&data[..], 1024, "bomb.gz").expect_err("over the limit");
        assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
        assert_eq!(
            read_limited(&data[..], 4096, "ok.gz").map(|v| v.len()).ok(),
            Some(2048)
        );
    }

    #[test]
    fn a_gzip_bomb_is_refused_with_a_message_naming_the_file() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b' '; 4 * 1024 * 1024]).expect("compress");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bomb.gpx.gz");
        std::fs::write(&path, e.finish().expect("compress")).expect("write");
        let d = discover(std::slice::from_ref(&path));
        let limits = Limits {
            max_entry_bytes: 1024 * 1024,
            max_zip_depth: 4,
        };
        let loaded = load(&d.sources[0], &limits);
        match &loaded[0].result {
            LoadResult::Failed(e @ IngestError::TooLarge { .. }) => {
                assert!(e.to_string().contains("bomb.gpx.gz"), "{e}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_damaged_zip_is_not_a_readable_zip_archive_in_plain_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, bytes) in [
            ("cut.zip", &b"PK\x03\x04 the rest was lost"[..]),
            ("tiny.zip", b"PK"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let d = discover(std::slice::from_ref(&path));
            let (_, e) = &d.failures[0];
            let text = e.to_string();
            assert!(
                text.contains(&format!("{name}: not a readable zip archive (it ")),
                "{text}"
            );
            assert!(
                !text.contains("EOCD") && !text.contains("i/o error"),
                "{text}"
            );
        }
    }

    #[test]
    fn zips_nested_past_the_depth_limit_are_refused() {
        use std::io::Write;
        fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            w.write_all(bytes).expect("write");
            w.finish().expect("finish").into_inner()
        }
        let mut z = zip_of("run.gpx", b"<gpx></gpx>");
        for _ in 0..6 {
            z = zip_of("inner.zip", &z);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deep.zip");
        std::fs::write(&path, z).expect("write");
        let d = discover(std::slice::from_ref(&path));
        let loaded = load(&d.sources[0], &Limits::default());
        let refused = loaded.iter().any(|l| {
            matches!(&l.result, LoadResult::Failed(IngestError::Archive { reason, .. }) if reason.contains("nested deeper"))
        });
        assert!(refused, "{loaded:?}");
    }
}
