//! The text summary of `cramplab analyze --cohort`: the pooled sentence
//! first, then one row per runner, then the between-runner line — what a
//! coach reads to answer "does it work for my runners, and for whom?"
//! (docs/METHOD.md §5).

use std::fmt::Write as _;

use comfy_table::Cell;

use super::terminal::{
    comparisons_table, header, new_table, right, verdict_cell, write_tags, write_warnings,
};
use super::text;
use crate::results::{Batch, Cohort, FileStatus, MetaResult};

/// The between-runner line: the average runner, the heterogeneity and
/// what a new runner may expect; or why there is no such analysis.
pub fn meta_line(m: &MetaResult) -> String {
    match (m.duration_ratio, m.ci_low, m.ci_high) {
        (Some(r), Some(lo), Some(hi)) => {
            let mut s = format!(
                "Between runners ({} runners with at least 3 slowed and 3 kept-pace cramps): the average runner's ratio is {} (95 % CI {}, Hartung–Knapp–Sidik–Jonkman); τ² = {}, I² = {} %",
                m.k,
                text::fixed(r, 2),
                text::range(lo, hi, 2),
                m.tau2.map_or("–".into(), |t| text::fixed(t, 3)),
                m.i2_pct.map_or("–".into(), |i| text::fixed(i, 0)),
            );
            if let (Some(a), Some(b)) = (m.pi_low, m.pi_high) {
                let _ = write!(
                    s,
                    "; a new runner's own ratio would lie within {} (95 % prediction interval)",
                    text::range(a, b, 2)
                );
            }
            s.push('.');
            if let Some(note) = &m.note {
                let _ = write!(s, " Note: {note}.");
            }
            s
        }
        _ => format!(
            "Between runners: no meta-analysis — {}.",
            m.note.as_deref().unwrap_or("not computed")
        ),
    }
}

/// The cohort report, with colours in the tables when `color` is true.
pub fn render(b: &Batch, cohort: &Cohort, color: bool) -> Vec<u8> {
    let mut s = String::new();
    let activities: usize = cohort.runners.iter().map(|r| r.activities).sum();
    let cramps: usize = cohort.runners.iter().map(|r| r.cramps).sum();
    let skipped = b
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Skipped)
        .count();
    let _ = writeln!(
        s,
        "cramplab: {} runners; {activities} activit{} analysed, {skipped} skipped, {} failed; {cramps} cramp(s) tagged",
        cohort.runners.len(),
        if activities == 1 { "y" } else { "ies" },
        b.failed(),
    );
    let c = &b.comparison;
    let _ = writeln!(s, "\n{}\n", c.summary);
    let _ = writeln!(s, "Verdict: {}", text::verdict(c.verdict));
    let _ = writeln!(
        s,
        "Pooled: time a cramp lasted beyond +{:.0} s, precise onsets, each runner compared only with themselves (strata: runner × severity)",
        b.landmark_s
    );
    let _ = writeln!(
        s,
        "  slowed {} and kept pace {} cramps from {} of {} runners who each had both in a stratum",
        c.n_group,
        c.n_reference,
        c.runners_contributing.unwrap_or(0),
        cohort.runners.len()
    );
    let ratio = match c.duration_ratio {
        Some(r) => format!(
            "  pooled duration ratio {} ({})",
            text::fixed(r, 2),
            text::ratio_cis(c)
        ),
        None => format!(
            "  pooled duration ratio not computed: {}",
            text::why_no_ratio_ci(c)
        ),
    };
    let _ = writeln!(s, "{ratio}");
    let _ = writeln!(
        s,
        "  {}: p {}; smallest ratio these data could detect with 80 % power: {}",
        text::cohort_test_words(c.test_result.as_ref()),
        c.p_value.map_or_else(
            || "not computed".to_string(),
            |p| crate::analysis::verdict::p_value_text(p, 3)
        ),
        c.detectable_ratio
            .map_or_else(|| "not computed".to_string(), |r| text::fixed(r, 2))
    );
    let _ = writeln!(
        s,
        "  left out: {} cramps without severity (they enter the sensitivity analysis \"missing severity as strata\"), {} in a runner's stratum without the other response",
        c.left_out_no_severity.unwrap_or(0),
        c.not_contributing.unwrap_or(0)
    );
    let _ = writeln!(
        s,
        "  The pooled ratio averages the runners' own ratios, weighted by the slowed–kept pairs each contributes; the prediction interval below, not this ratio, describes a typical runner."
    );

    let _ = writeln!(
        s,
        "\nRunners (each one's own comparison, as `analyze` on them alone):"
    );
    let mut t = new_table(color);
    t.set_header(header(&[
        "runner",
        "activities",
        "cramps",
        "slowed",
        "kept",
        "ratio",
        "95 % CI",
        "T %",
        "verdict",
    ]));
    for r in &cohort.runners {
        let rc = &r.comparison;
        t.add_row(vec![
            Cell::new(&r.runner),
            right(r.activities),
            right(r.cramps),
            right(rc.n_group),
            right(rc.n_reference),
            right(
                rc.duration_ratio
                    .map_or(String::new(), |x| text::fixed(x, 2)),
            ),
            right(match (rc.ci_low, rc.ci_high) {
                (Some(lo), Some(hi)) => text::range(lo, hi, 2),
                _ => String::new(),
            }),
            right(r.threshold_pct.map_or(String::new(), |x| text::fixed(x, 1))),
            verdict_cell(rc.verdict, color),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let _ = writeln!(s, "\n{}", meta_line(&cohort.meta));
    let _ = writeln!(
        s,
        "\nPooled comparisons (duration ratio = group / kept pace; < 1: shorter):"
    );
    let _ = writeln!(s, "{}", comparisons_table(c, color));
    let _ = writeln!(
        s,
        "\nCaveats: observational comparisons within each runner — association, not causation (a cramp that eases may let a runner slow down, not the other way round). Runners who did only one thing in a stratum cannot be compared with themselves and are left out of the pooled estimate."
    );
    write_tags(&mut s, &b.tag_summary);
    write_warnings(&mut s, b);
    s.into_bytes()
}
