//! The plain configuration the library sees (as fd's `Config`): what the
//! command line asked for, turned into the option structs of each stage
//! before any library code runs. Each stage's options keep their own
//! defaults (docs/METHOD.md §3) and describe themselves for the settings table
//! a report prints; this module only gathers them and adds what belongs to
//! no single stage (inputs, tag files, sport, threads).

use std::path::PathBuf;

use crate::activity::Sport;
use crate::align::{PlaceboOptions, WindowOptions};
use crate::analysis::compare::CompareOptions;
use crate::analysis::response::ResponseOptions;
use crate::analysis::threshold::ThresholdOptions;
use crate::ingest::inputs::Limits;
use crate::tags::TagOptions;
use crate::timeline::TimelineOptions;

/// Which sports are analysed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SportFilter {
    /// Running of any kind, and files that state no sport (docs/METHOD.md §2).
    #[default]
    Running,
    /// Every activity.
    All,
    /// One named sport.
    Only(Sport),
}

impl SportFilter {
    /// Parse `--sport`: `running` (default), `all`, or a sport name.
    pub fn parse(s: &str) -> SportFilter {
        match s.trim().to_ascii_lowercase().as_str() {
            "running" | "run" => SportFilter::Running,
            "all" | "any" => SportFilter::All,
            other => SportFilter::Only(Sport::from_name(other)),
        }
    }

    /// Whether an activity of this sport is analysed.
    pub fn accepts(&self, sport: &Sport) -> bool {
        match self {
            SportFilter::Running => sport.is_running(),
            SportFilter::All => true,
            SportFilter::Only(s) => s == sport,
        }
    }
}

/// The `--sport` value [`SportFilter::parse`] reads back.
impl std::fmt::Display for SportFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SportFilter::Running => f.write_str("running"),
            SportFilter::All => f.write_str("all"),
            SportFilter::Only(s) => f.write_str(s.as_str()),
        }
    }
}

/// Everything the batch needs to know, built from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Files, archives and folders to analyse.
    pub paths: Vec<PathBuf>,
    /// Tag files named with `--tags` (they tag every activity).
    pub tag_files: Vec<PathBuf>,
    /// How tag times are resolved.
    pub tag_options: TagOptions,
    /// Which sports are analysed.
    pub sport: SportFilter,
    /// 1 Hz timeline settings.
    pub timeline: TimelineOptions,
    /// Baseline/response windows.
    pub windows: WindowOptions,
    /// Response class rules.
    pub response: ResponseOptions,
    /// The personal threshold T.
    pub threshold: ThresholdOptions,
    /// Random non-cramp moments.
    pub placebo: PlaceboOptions,
    /// Statistics.
    pub compare: CompareOptions,
    /// Collect the −180…+300 s samples around each onset (tables, HTML).
    pub keep_windows: bool,
    /// Keep each analysed activity's 1 Hz timeline in the batch (`report`
    /// draws the whole run; a whole history's would not fit in memory).
    pub keep_timelines: bool,
    /// Archive limits.
    pub limits: Limits,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
}

impl Config {
    /// Defaults of docs/METHOD.md §3 for the given inputs.
    pub fn new(paths: Vec<PathBuf>) -> Config {
        Config {
            paths,
            tag_files: Vec::new(),
            tag_options: TagOptions::default(),
            sport: SportFilter::default(),
            timeline: TimelineOptions::default(),
            windows: WindowOptions::default(),
            response: ResponseOptions::default(),
            threshold: ThresholdOptions::default(),
            placebo: PlaceboOptions::default(),
            compare: CompareOptions::default(),
            keep_windows: false,
            keep_timelines: false,
            limits: Limits::default(),
            threads: None,
        }
    }

    /// Every setting that changes a result, as (name, value) pairs in a
    /// fixed order: what a report prints so the analysis can be repeated.
    /// Each stage's options list their own rows.
    pub fn settings(&self) -> Vec<(String, String)> {
        let sport = ("sport", format!("{:?}", self.sport));
        std::iter::once(sport)
            .chain(self.tag_options.settings())
            .chain(self.timeline.settings())
            .chain(self.windows.settings())
            .chain(self.response.settings())
            .chain(self.threshold.settings())
            .chain(self.placebo.settings())
            .chain(self.compare.settings())
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::RelWindow;

    #[test]
    fn the_settings_table_keeps_its_rows_and_their_order() {
        let names: Vec<String> = Config::new(vec![])
            .settings()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            names,
            [
                "sport",
                "tag time zone (--tz)",
                "relative tags are timer time",
                "FIT lap presses are tags",
                "interpolate gaps up to",
                "speed rolling median",
                "reject accelerations above",
                "grade measured over",
                "grade clipped to",
                "reject noisy grade",
                "baseline window",
                "baseline needs moving samples",
                "response window",
                "response window needs present share",
                "HR baseline window",
                "HR onset window",
                "HR response window",
                "stopped: paused share at least",
                "stopped: median speed below",
                "walked: median cadence below",
                "walked (no cadence): median speed below",
                "running baseline: mean GAP and median cadence at least",
                "threshold T fixed (--threshold)",
                "threshold T percentile of placebo slowdowns",
                "threshold T floor / cap",
                "placebo moments per run",
                "placebo moments keep away from tags and ends by",
                "bootstrap resamples (whole runs)",
                "permutations (van Elteren)",
                "seed",
                "detectable-ratio simulations",
                "alpha",
                "equivalence bounds",
                "minimum cramps per group / for a verdict",
                "minimum runs / for the run bootstrap",
                "most cramps without severity for a verdict",
            ]
        );
    }

    #[test]
    fn the_settings_table_shows_the_default_values_as_before() {
        let settings = Config::new(vec![]).settings();
        let value = |name: &str| {
            settings
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .expect("the row exists")
        };
        assert_eq!(value("sport"), "Running");
        assert_eq!(value("tag time zone (--tz)"), "each activity's own offset");
        assert_eq!(value("reject accelerations above"), "3 m/s²");
        assert_eq!(value("grade clipped to"), "±25 %");
        assert_eq!(value("baseline window"), "-120 s to -15 s");
        assert_eq!(value("response window"), "+3 s to +18 s");
        assert_eq!(
            value("threshold T fixed (--threshold)"),
            "no (the runner's own)"
        );
        assert_eq!(value("threshold T floor / cap"), "10 % / 30 %");
        assert_eq!(value("detectable-ratio simulations"), "500 at power 0.8");
        assert_eq!(value("equivalence bounds"), "0.8 – 1.25");
        assert_eq!(value("most cramps without severity for a verdict"), "25 %");
    }

    #[test]
    fn a_window_reads_back_what_it_writes() {
        let defaults = WindowOptions::default();
        for w in [
            defaults.baseline,
            defaults.response,
            defaults.hr_onset,
            RelWindow::new(-7.5, 0.25),
        ] {
            let text = w.to_string();
            assert_eq!(text.parse::<RelWindow>(), Ok(w), "{text}");
        }
        assert_eq!(defaults.baseline.to_string(), "-120:-15");
        assert_eq!(defaults.response.to_string(), "3:18");
        assert!("18:3".parse::<RelWindow>().is_err());
        assert!("3-18".parse::<RelWindow>().is_err());
    }

    #[test]
    fn the_sport_filter_reads_back_what_it_writes() {
        for f in [SportFilter::Running, SportFilter::All] {
            assert_eq!(SportFilter::parse(&f.to_string()), f);
        }
        assert_eq!(SportFilter::default(), SportFilter::Running);
    }
}
