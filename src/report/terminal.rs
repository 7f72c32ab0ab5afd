//! The text summary of `cramplab analyze`: the verdict in one plain
//! sentence, then the numbers, then the caveats (issue 4: association, not
//! causation; severity; tag precision).

use std::fmt::Write as _;

use super::Exporter;
use crate::analysis::Response;
use crate::analysis::compare::Comparison;
use crate::pipeline::{Batch, CrampOutcome, FileStatus};

/// The plain-text exporter.
pub struct Terminal;

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.decimals$}"))
}

fn ratio_line(c: &Comparison) -> String {
    match c.duration_ratio {
        Some(r) => format!(
            "duration ratio {r:.2} (95 % CI {}–{}, 90 % CI {}–{})",
            opt(c.ci_low, 2),
            opt(c.ci_high, 2),
            opt(c.ci90_low, 2),
            opt(c.ci90_high, 2)
        ),
        None => "duration ratio — (too few cramps to estimate)".to_string(),
    }
}

fn name(r: Response) -> &'static str {
    match r {
        Response::KeptPace => "kept pace",
        Response::Slowed => "slowed",
        Response::Walked => "walked",
        Response::Stopped => "stopped",
        Response::Unknown => "unknown",
    }
}

/// How to start tagging, printed when no cramp was tagged at all.
pub const HOW_TO_TAG: &str = "\
No cramps are tagged in these activities, so there is nothing to compare yet.
How to tag them:
  - during a run: press the lap button when a cramp starts and again when it is
    over, then run `cramplab analyze --lap-tags …`; or drop a waypoint named
    \"cramp\" (and \"cramp end\") on a GPX recording;
  - afterwards: write cramps.csv next to your activity files, e.g.
      file,start,end,severity,approx,muscle,note
      run-0412.fit,+41:30,+42:45,moderate,no,calf,hill at km 9
      ,2026-05-03T08:42:10+02:00,,severe,yes,hamstring,typed in at home
      run-0413.fit,2026-05-04 07:15:00,,mild,yes,calf,
    (start: since the run's start as +m:ss, an absolute time with offset, or a
    local wall-clock time; end or duration in seconds; severity 1-3 or
    mild/moderate/severe; approx=yes when the time was typed in afterwards).
";

impl Exporter for Terminal {
    fn render(&self, b: &Batch) -> Vec<u8> {
        let mut s = String::new();
        let ok = b
            .files
            .iter()
            .filter(|f| f.status == FileStatus::Ok)
            .count();
        let skipped = b
            .files
            .iter()
            .filter(|f| f.status == FileStatus::Skipped)
            .count();
        let _ = writeln!(
            s,
            "cramplab: {ok} activit{} analysed, {skipped} skipped, {} failed; {} cramp(s) tagged",
            if ok == 1 { "y" } else { "ies" },
            b.failed(),
            b.cramps.len()
        );
        if b.cramps.is_empty() {
            let _ = writeln!(s, "\n{HOW_TO_TAG}");
            write_warnings(&mut s, b);
            return s.into_bytes();
        }
        let c = &b.comparison;
        let _ = writeln!(s, "\n{}\n", c.summary);
        let _ = writeln!(
            s,
            "Verdict: {}",
            serde_json::to_value(c.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        let _ = writeln!(
            s,
            "Primary: time a cramp lasted beyond +{:.0} s, precise onsets, severity strata",
            b.landmark_s
        );
        let _ = writeln!(
            s,
            "  slowed     {:>4} cramps  median {} s\n  kept pace  {:>4} cramps  median {} s   ({} runs)",
            c.n_group,
            opt(c.median_group_s, 0),
            c.n_reference,
            opt(c.median_reference_s, 0),
            c.n_runs
        );
        let _ = writeln!(s, "  {}", ratio_line(c));
        let _ = writeln!(
            s,
            "  {}: p = {}; Cliff's δ = {}; median difference {} s",
            c.test.as_deref().unwrap_or("test"),
            opt(c.p_value, 4),
            opt(c.cliffs_delta, 2),
            opt(c.median_diff_s, 0)
        );
        let _ = writeln!(
            s,
            "  slowdown vs time beyond +18 s: Kendall τ-b = {} (95 % CI {}–{}, n = {})",
            opt(c.kendall_tau, 2),
            opt(c.kendall_tau_ci_low, 2),
            opt(c.kendall_tau_ci_high, 2),
            c.kendall_n
        );
        let _ = writeln!(
            s,
            "  smallest ratio this data could detect with 80 % power: {}",
            opt(c.detectable_ratio, 2)
        );
        let _ = writeln!(
            s,
            "  slowdown threshold T = {:.1} % (the runner's own); placebo moments called slowed: {} % of {} (should be near 5 %)",
            b.threshold_pct,
            opt(b.placebo_slowed_pct, 1),
            b.placebo_moments
        );

        let count = |r: Response| b.cramps.iter().filter(|x| x.response == r).count();
        let _ = writeln!(
            s,
            "\nResponses: {}",
            [
                Response::KeptPace,
                Response::Slowed,
                Response::Walked,
                Response::Stopped,
                Response::Unknown
            ]
            .map(|r| format!("{} {}", name(r), count(r)))
            .join(", ")
        );
        let oc = |o: CrampOutcome| b.cramps.iter().filter(|x| x.outcome == o).count();
        let _ = writeln!(
            s,
            "Outcomes: {} still going at +18 s, {} over by then, {} without an end, {} running past the recording, {} overlapping an earlier cramp",
            oc(CrampOutcome::Landmark),
            oc(CrampOutcome::EndedInWindow),
            oc(CrampOutcome::NoEnd),
            oc(CrampOutcome::Censored),
            oc(CrampOutcome::Excluded)
        );
        for (title, list) in [
            ("Secondary comparisons", &c.secondary),
            ("Sensitivity analyses", &c.sensitivity),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{title}:");
            for x in list {
                let _ = writeln!(
                    s,
                    "  {:<28} n {:>3} vs {:>3}  {}  p = {}  → {}",
                    x.label,
                    x.n_group,
                    x.n_reference,
                    ratio_line(x),
                    opt(x.p_value, 4),
                    serde_json::to_value(x.verdict)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                );
            }
        }
        let _ = writeln!(
            s,
            "\nCaveats: this is an observational n-of-1 comparison — it shows association, not \
             causation (a cramp that eases may let you slow down, not the other way round). \
             Severity is the main confounder and is adjusted for only as well as it was tagged \
             ({} of the compared cramps lack it). Onsets typed in afterwards are left out of the \
             primary analysis; their precision limits every window.",
            c.missing_severity
        );
        write_warnings(&mut s, b);
        s.into_bytes()
    }
}

fn write_warnings(s: &mut String, b: &Batch) {
    let per_file: usize = b.files.iter().map(|f| f.warnings.len()).sum();
    if b.warnings.is_empty() && per_file == 0 {
        return;
    }
    let _ = writeln!(
        s,
        "\nWarnings ({} general, {per_file} in files; all in --json):",
        b.warnings.len()
    );
    for w in b.warnings.iter().take(15) {
        let _ = writeln!(s, "  {w}");
    }
    if b.warnings.len() > 15 {
        let _ = writeln!(s, "  … and {} more", b.warnings.len() - 15);
    }
}
