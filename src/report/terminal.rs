//! The text summary of `cramplab analyze`: the verdict in one plain
//! sentence, then the numbers, then the caveats (issue 4: association, not
//! causation; severity; tag precision).

use std::collections::HashSet;
use std::fmt::Write as _;

use comfy_table::{
    Attribute, Cell, CellAlignment, Color as TableColor, ContentArrangement, Table, presets,
};

use super::Exporter;
use super::text;
use crate::analysis::Response;
use crate::analysis::compare::Comparison;
use crate::analysis::verdict::{self, Verdict};
use crate::results::{Batch, CrampOutcome, FileStatus};
use crate::tags::TagSummary;

/// The plain-text exporter.
pub struct Terminal;

/// A number, or "not computed" when there is none.
fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "not computed".to_string(), |v| text::fixed(v, decimals))
}

/// A p-value cell: three decimals as in the sentence, "< 0.001" below
/// that; empty without a test (the CI cell beside it says why).
fn p_cell(p: Option<f64>) -> String {
    p.map_or_else(String::new, |p| verdict::p_value_text(p, 3))
}

fn ratio_line(c: &Comparison) -> String {
    match c.duration_ratio {
        Some(r) => format!(
            "duration ratio {} ({})",
            text::fixed(r, 2),
            text::ratio_cis(c)
        ),
        None => format!("duration ratio not computed: {}", text::why_no_ratio_ci(c)),
    }
}

/// The 95 % CI as a table cell: the range, or "not computed:" above the
/// reason (two short lines keep the column narrow).
fn ci_cell(c: &Comparison) -> String {
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => text::range(lo, hi, 2),
        _ => format!("not computed:\n{}", text::why_no_ratio_ci(c)),
    }
}

/// A median in seconds, or why there is none.
fn median_s(x: Option<f64>) -> String {
    x.map_or_else(
        || "no median".to_string(),
        |v| format!("median {} s", text::fixed(v, 0)),
    )
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
        render(b, false)
    }
}

/// Whether to colour the report (and bold its headers): only when stdout is
/// a terminal, `NO_COLOR` is unset or empty (<https://no-color.org>) and
/// `TERM` is not `dumb` (a terminal that shows escape codes as text).
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && color_allowed(|k| std::env::var_os(k))
}

/// The environment's part of [`use_color`], `var` looking a variable up.
fn color_allowed(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    var("NO_COLOR").is_none_or(|v| v.is_empty()) && var("TERM").is_none_or(|t| t != "dumb")
}

/// Widest line of the tables, in columns.
pub const TABLE_WIDTH: u16 = 100;

pub(super) fn new_table(color: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH)
        .force_no_tty();
    if color {
        t.enforce_styling();
    }
    t
}

pub(super) fn header(names: &[&str]) -> Vec<Cell> {
    names
        .iter()
        .map(|n| Cell::new(n).add_attribute(Attribute::Bold))
        .collect()
}

pub(super) fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

/// Responses (rows) × outcomes (columns), with totals.
fn counts_table(b: &Batch, color: bool) -> Table {
    const OUTCOMES: [(CrampOutcome, &str); 5] = [
        (CrampOutcome::Landmark, "going at landmark"),
        (CrampOutcome::EndedInWindow, "over by then"),
        (CrampOutcome::NoEnd, "no end tagged"),
        (CrampOutcome::Censored, "past recording"),
        (CrampOutcome::Excluded, "overlapping"),
    ];
    let mut t = new_table(color);
    let mut names = vec!["response"];
    names.extend(OUTCOMES.iter().map(|o| o.1));
    names.push("total");
    t.set_header(header(&names));
    let n = |r: Option<Response>, o: Option<CrampOutcome>| {
        b.cramps
            .iter()
            .filter(|x| r.is_none_or(|r| x.response == r) && o.is_none_or(|o| x.outcome == o))
            .count()
    };
    for r in [
        Some(Response::KeptPace),
        Some(Response::Slowed),
        Some(Response::Walked),
        Some(Response::Stopped),
        Some(Response::Unknown),
        None,
    ] {
        let mut row = vec![Cell::new(r.map_or("total", text::response))];
        row.extend(OUTCOMES.iter().map(|o| right(n(r, Some(o.0)))));
        row.push(right(n(r, None)));
        t.add_row(row);
    }
    t
}

pub(super) fn verdict_cell(v: Verdict, color: bool) -> Cell {
    let cell = Cell::new(text::verdict(v));
    if !color {
        return cell;
    }
    match v {
        Verdict::Shorter => cell.fg(TableColor::Green),
        Verdict::Longer => cell.fg(TableColor::Red),
        Verdict::NoMeaningfulDifference => cell.fg(TableColor::Cyan),
        _ => cell.fg(TableColor::Yellow),
    }
}

/// Primary, secondary and sensitivity comparisons, one row each.
pub(super) fn comparisons_table(c: &Comparison, color: bool) -> Table {
    let mut t = new_table(color);
    t.set_header(header(&[
        "comparison",
        "n group",
        "n kept",
        "ratio",
        "95 % CI",
        "p",
        "verdict",
    ]));
    let rows = std::iter::once(c)
        .chain(c.secondary.iter())
        .chain(c.sensitivity.iter());
    for x in rows {
        let label = x.label.replace('_', " ");
        t.add_row(vec![
            Cell::new(label),
            right(x.n_group),
            right(x.n_reference),
            right(
                x.duration_ratio
                    .map_or(String::new(), |r| text::fixed(r, 2)),
            ),
            right(ci_cell(x)),
            right(p_cell(x.p_value)),
            verdict_cell(x.verdict, color),
        ]);
    }
    t
}

/// The report, with colours in the tables when `color` is true.
pub fn render(b: &Batch, color: bool) -> Vec<u8> {
    if let Some(cohort) = &b.cohort {
        return super::cohort_text::render(b, cohort, color);
    }
    {
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
        if let Some(line) = tag_line(&b.tag_summary) {
            let _ = writeln!(s, "{line}");
        }
        if b.cramps.is_empty() {
            if b.tag_summary.lost_any() {
                let _ = writeln!(
                    s,
                    "\nNone of the tags could be used, so there is nothing to compare yet: fix \
                     the ones under \"Tags not used\" below and run again."
                );
            } else {
                let _ = writeln!(s, "\n{HOW_TO_TAG}");
            }
            write_tags(&mut s, &b.tag_summary);
            write_warnings(&mut s, b);
            return s.into_bytes();
        }
        let c = &b.comparison;
        let _ = writeln!(s, "\n{}\n", c.summary);
        let _ = writeln!(s, "Verdict: {}", text::verdict(c.verdict));
        let _ = writeln!(
            s,
            "Primary: time a cramp lasted beyond +{:.0} s, precise onsets, severity strata",
            b.landmark_s
        );
        let _ = writeln!(
            s,
            "  slowed     {:>4} cramps  {}\n  kept pace  {:>4} cramps  {}   ({} run{})",
            c.n_group,
            median_s(c.median_group_s),
            c.n_reference,
            median_s(c.median_reference_s),
            c.n_runs,
            if c.n_runs == 1 { "" } else { "s" }
        );
        let _ = writeln!(s, "  {}", ratio_line(c));
        let _ = writeln!(
            s,
            "  {}: p {}; Cliff's δ = {}; median difference {}",
            text::test_words(c.test_result.as_ref()),
            c.p_value.map_or_else(
                || "not computed".to_string(),
                |p| verdict::p_value_relation(p, 3)
            ),
            opt(c.cliffs_delta, 2),
            c.median_diff_s.map_or_else(
                || "not computed".to_string(),
                |d| format!("{} s", text::fixed(d, 0))
            )
        );
        let _ = writeln!(
            s,
            "  slowdown vs time beyond +{:.0} s: Kendall τ-b = {}",
            b.landmark_s,
            text::kendall(c)
        );
        let _ = writeln!(
            s,
            "  smallest ratio this data could detect with 80 % power: {}",
            c.detectable_ratio.map_or_else(
                || "not computed, too few cramps".to_string(),
                |r| text::fixed(r, 2)
            )
        );
        let _ = writeln!(
            s,
            "  slowdown threshold T = {} % (the runner's own); placebo moments called slowed: {} of {} (should be near 5 %)",
            text::fixed(b.threshold_pct, 1),
            b.placebo_slowed_pct.map_or_else(
                || "not computed".to_string(),
                |p| format!("{} %", text::fixed(p, 1))
            ),
            text::count(b.placebo_moments)
        );

        let _ = writeln!(s, "\nResponses × outcomes (cramps):");
        let _ = writeln!(s, "{}", counts_table(b, color));
        let _ = writeln!(
            s,
            "\nComparisons (duration ratio = group / kept pace; < 1: shorter):"
        );
        let _ = writeln!(s, "{}", comparisons_table(c, color));
        let _ = writeln!(
            s,
            "\nCaveats: this is an observational n-of-1 comparison — it shows association, not \
             causation (a cramp that eases may let you slow down, not the other way round). \
             Severity is the main confounder and is adjusted for only as well as it was tagged \
             ({} of the compared cramps lack it). Onsets typed in afterwards are left out of the \
             primary analysis; their precision limits every window.",
            c.missing_severity
        );
        write_tags(&mut s, &b.tag_summary);
        write_warnings(&mut s, b);
        s.into_bytes()
    }
}

/// The summary's second line: how many tag rows were used of how many,
/// and what became of the others. `None` when there were no tags to
/// account for.
fn tag_line(t: &TagSummary) -> Option<String> {
    let markers_lost = t.lost.len() - t.rows_lost;
    if t.rows_read == 0 && markers_lost == 0 {
        return None;
    }
    let mut line = format!("tag rows: {} of {} used", t.rows_used, t.rows_read);
    if t.rows_lost > 0 {
        let _ = write!(line, "; {} could not be used", t.rows_lost);
    }
    if markers_lost > 0 {
        let _ = write!(
            line,
            "; {markers_lost} cramp marker(s) in activity files could not be used"
        );
    }
    if t.lost_any() {
        line.push_str(" (named under \"Tags not used\" below; the run exits with status 2)");
    }
    if t.rows_elsewhere > 0 {
        let _ = write!(
            line,
            "; {} are for activities not given (not checked)",
            t.rows_elsewhere
        );
    }
    if t.rows_merged > 0 {
        let _ = write!(
            line,
            "; {} repeated row(s) merged into the row they repeat",
            t.rows_merged
        );
    }
    Some(line)
}

/// Every tag lost, with its place and the fix (never cut short), then the
/// tags used with a caveat.
pub(super) fn write_tags(s: &mut String, t: &TagSummary) {
    if t.lost_any() {
        let _ = writeln!(
            s,
            "\nTags not used ({}; each cramp lost this way is missing from the results — fix \
             them and run again):",
            t.lost.len()
        );
        for l in &t.lost {
            let _ = writeln!(s, "  {l}");
        }
    }
    if !t.caveats.is_empty() {
        let _ = writeln!(s, "\nTags used with a caveat ({}):", t.caveats.len());
        for c in t.caveats.iter().take(15) {
            let _ = writeln!(s, "  {c}");
        }
        if t.caveats.len() > 15 {
            let _ = writeln!(s, "  … and {} more (all in --json)", t.caveats.len() - 15);
        }
    }
}

/// The warnings that are not about tags (those are listed by [`write_tags`]).
pub(super) fn write_warnings(s: &mut String, b: &Batch) {
    let t = &b.tag_summary;
    let about_tags: HashSet<&str> = t
        .lost
        .iter()
        .chain(&t.caveats)
        .map(String::as_str)
        .collect();
    let general: Vec<&String> = b
        .warnings
        .iter()
        .filter(|w| !about_tags.contains(w.as_str()))
        .collect();
    let per_file: Vec<(&str, &String)> = b
        .files
        .iter()
        .flat_map(|f| f.warnings.iter().map(move |w| (f.path.as_str(), w)))
        .filter(|(path, w)| {
            !about_tags.contains(w.as_str())
                && !about_tags.contains(format!("{path}: {w}").as_str())
        })
        .collect();
    if general.is_empty() && per_file.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nWarnings ({} general, {} in files; all in --json):",
        general.len(),
        per_file.len()
    );
    for w in general.iter().take(15) {
        let _ = writeln!(s, "  {w}");
    }
    if general.len() > 15 {
        let _ = writeln!(s, "  … and {} more", general.len() - 15);
    }
    // What was recovered, skipped or guessed in each file, named with it,
    // so the count above is never a number without words.
    for (path, w) in per_file.iter().take(15) {
        let _ = writeln!(s, "  {path}: {w}");
    }
    if per_file.len() > 15 {
        let _ = writeln!(s, "  … and {} more in files", per_file.len() - 15);
    }
}

#[cfg(test)]
mod color_tests {
    use super::color_allowed;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn colour_is_off_for_a_dumb_terminal_and_with_no_color() {
        assert!(color_allowed(env(&[("TERM", "xterm-256color")])));
        assert!(color_allowed(env(&[])));
        assert!(color_allowed(env(&[("NO_COLOR", "")])));
        assert!(!color_allowed(env(&[("TERM", "dumb")])));
        assert!(!color_allowed(env(&[("NO_COLOR", "1"), ("TERM", "xterm")])));
    }
}
