//! `analyze --html FILE` and `report RUN --html FILE`: one self-contained
//! page that opens offline (inline CSS and SVG, no scripts, no external
//! fonts or URLs). The batch page puts the verdict first, then the charts,
//! the runs, and every setting needed to reproduce the result. All user
//! text (paths, notes, muscles, warnings) is HTML-escaped.

use std::fmt::Write;

use super::Exporter;
use super::charts;
use super::text::{self, LocalTime};
use crate::analysis::compare::Comparison;
use crate::analysis::verdict;
use crate::results::{Batch, CrampResult, FileStatus};
use crate::tags::TagZone;
use crate::timeline::Timeline;

/// At most this many cramp panels are drawn; a note says how many were left out.
pub const MAX_PANELS: usize = 200;

/// Escape text for HTML content and quoted attribute values (`&`, `<`,
/// `>`, `"` and `'`; quick-xml's escaper).
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;\
max-width:1180px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
.verdict{font-size:1.25em;font-weight:600;background:#f4f7fb;border-left:5px solid #1f77b4;padding:.6em .9em}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.panels{display:flex;flex-wrap:wrap;gap:8px}.panel{margin:0;border:1px solid #e3e3e3;width:370px}\
.panel figcaption{font-size:.8em;padding:.2em .4em;color:#444;overflow-wrap:anywhere}\
.note{color:#666;font-style:italic}svg{max-width:100%;height:auto;display:block}\
.legend span{display:inline-block;width:1em;height:.8em;margin:0 .3em 0 .8em;vertical-align:middle}";

fn num(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => text::fixed(v, decimals),
        _ => "–".to_string(),
    }
}

/// A p-value cell: three decimals, "< 0.001" below that; empty without
/// a test (the CI cell beside it says why).
fn p_cell(p: Option<f64>) -> String {
    match p {
        Some(p) if p.is_finite() => verdict::p_value_text(p, 3),
        _ => String::new(),
    }
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    )
}

/// The batch report.
pub struct Html;

impl Exporter for Html {
    fn render(&self, b: &Batch) -> Vec<u8> {
        let mut s = head("cramplab: did slowing down go with shorter cramps?");
        verdict_section(&mut s, b);
        if let Some(cohort) = &b.cohort {
            cohort_sections(&mut s, b, cohort);
        }
        // A `pool` batch holds no cramps or files: only its comparisons.
        if !b.cramps.is_empty() || b.cohort.is_none() {
            durations_section(&mut s, b);
            dose_section(&mut s, b);
            panels_section(
                &mut s,
                &b.cramps,
                b,
                "cramps",
                "4. Every cramp, minute by minute",
            );
        }
        if !b.files.is_empty() || b.cohort.is_none() {
            runs_section(&mut s, b, "5. Runs");
        }
        method_section(&mut s, b);
        s.push_str("</body></html>\n");
        s.into_bytes()
    }
}

/// A cohort's runners table, the between-runner line and the forest plot
/// (docs/METHOD.md §5), after the pooled verdict.
fn cohort_sections(s: &mut String, b: &Batch, cohort: &crate::results::Cohort) {
    let c = &b.comparison;
    s.push_str("<section id=\"runners\"><h2>1a. Runners</h2>\n");
    let _ = writeln!(
        s,
        "<p>Pooled over {} of {} runners, each compared only with themselves (strata: runner × \
         severity); left out: {} cramps without severity (see the sensitivity analysis \
         \"missing severity as strata\") and {} in a runner's stratum without the other \
         response. The pooled ratio averages the runners' own ratios, weighted by the \
         slowed–kept pairs each contributes; the prediction interval below, not this ratio, \
         describes a typical runner.</p>",
        c.runners_contributing.unwrap_or(0),
        cohort.runners.len(),
        c.left_out_no_severity.unwrap_or(0),
        c.not_contributing.unwrap_or(0),
    );
    s.push_str(
        "<p>Each runner's own comparison, exactly as <code>analyze</code> on that runner alone.</p>\n\
         <table><tr><th>runner</th><th>activities</th><th>cramps</th><th>slowed</th><th>kept pace</th>\
         <th>ratio</th><th>95 % CI</th><th>T %</th><th>verdict</th></tr>\n",
    );
    for r in &cohort.runners {
        let rc = &r.comparison;
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&r.runner),
            r.activities,
            r.cramps,
            rc.n_group,
            rc.n_reference,
            num(rc.duration_ratio, 2),
            match (rc.ci_low, rc.ci_high) {
                (Some(lo), Some(hi)) => escape(&text::range(lo, hi, 2)),
                _ => String::new(),
            },
            num(r.threshold_pct, 1),
            escape(text::verdict(rc.verdict)),
        );
    }
    s.push_str("</table>\n</section>\n<section id=\"between\"><h2>1b. Between runners</h2>\n");
    let _ = writeln!(
        s,
        "<p>{}</p>",
        escape(&super::cohort_text::meta_line(&cohort.meta))
    );
    let pooled = match (c.duration_ratio, c.ci_low, c.ci_high) {
        (Some(r), Some(lo), Some(hi)) => Some((r, lo, hi)),
        _ => None,
    };
    let _ = writeln!(
        s,
        "<figure id=\"forest\">{}</figure>",
        charts::forest_plot(&cohort.meta, pooled)
    );
    s.push_str("</section>\n");
}

fn comparison_row(s: &mut String, name: &str, c: &Comparison) {
    let _ = writeln!(
        s,
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
        escape(name),
        c.n_group,
        c.n_reference,
        c.duration_ratio
            .filter(|r| r.is_finite())
            .map_or(String::new(), |r| text::fixed(r, 2)),
        escape(&text::ratio_ci(c)),
        escape(&p_cell(c.p_value)),
        escape(text::verdict(c.verdict))
    );
}

fn verdict_section(s: &mut String, b: &Batch) {
    let c = &b.comparison;
    s.push_str("<section id=\"verdict\"><h2>1. Verdict</h2>\n");
    let _ = writeln!(s, "<p class=\"verdict\">{}</p>", escape(&c.summary));
    let _ = writeln!(
        s,
        "<p>Duration ratio, slowed ÷ kept pace (time a cramp lasted beyond +{:.0} s): \
         <b>{}</b> ({}{}), p {} ({}). Cramps compared: {} slowed, \
         {} kept pace, from {} runs; {} ended by +{:.0} s and {} had no usable end.</p>",
        b.landmark_s,
        c.duration_ratio
            .filter(|r| r.is_finite())
            .map_or_else(|| "not computed".to_string(), |r| text::fixed(r, 2)),
        escape(&text::ratio_cis(c)),
        c.ci_method
            .as_deref()
            .filter(|_| c.ci_low.is_some() || c.ci90_low.is_some())
            .map_or(String::new(), |m| format!("; {}", escape(m))),
        escape(&match c.p_value {
            Some(p) if p.is_finite() => verdict::p_value_relation(p, 3),
            _ => "not computed".to_string(),
        }),
        escape(&text::test_words(c.test_result.as_ref())),
        c.n_group,
        c.n_reference,
        c.n_runs,
        c.ended_in_window,
        b.landmark_s,
        c.without_outcome,
    );
    let _ = writeln!(
        s,
        "<p>What these data could have detected: {}</p>",
        match c.detectable_ratio {
            Some(r) => format!(
                "a ratio of {r:.2} or further from 1 (80 % power at these group sizes and \
                 spread). A true effect smaller than that could easily go unseen."
            ),
            None => "not computed: too few cramps.".to_string(),
        }
    );
    s.push_str(
        "<table><tr><th>analysis</th><th>n group</th><th>n kept pace</th><th>ratio</th>\
         <th>95 % CI</th><th>p</th><th>verdict</th></tr>\n",
    );
    comparison_row(s, "primary: slowed vs kept pace", c);
    for x in &c.secondary {
        comparison_row(s, &format!("secondary: {}", x.label.replace('_', " ")), x);
    }
    for x in &c.sensitivity {
        comparison_row(s, &format!("sensitivity: {}", x.label.replace('_', " ")), x);
    }
    s.push_str("</table>\n");
    let range = b.threshold_range_pct.map_or(String::new(), |(lo, hi)| {
        format!(" (runs' own thresholds {} %)", text::range(lo, hi, 1))
    });
    let _ = writeln!(
        s,
        "<p id=\"placebo\">Placebo check: slowdown threshold T = {} %{range}. At {} random \
         non-cramp moments classified the same way, {} % were called slowed; it should sit \
         near 5 %.</p>",
        text::fixed(b.threshold_pct, 1),
        text::count(b.placebo_moments),
        num(b.placebo_slowed_pct, 1)
    );
    s.push_str(
        "<p><b>Caveats.</b></p><ul>\
         <li>This is an association, not cause and effect: runners may slow down for cramps \
         that already feel bad, and those may last longer for that reason alone.</li>\
         <li>Severity is the main confounder; comparisons are stratified by it, so cramps \
         without a severity tag weaken the result.</li>\
         <li>The result is only as precise as the tags: onsets typed in afterwards are left \
         out of the primary analysis, and a late or early end tag shifts every duration.</li>\
         </ul></section>\n",
    );
}

fn durations_section(s: &mut String, b: &Batch) {
    s.push_str("<section id=\"durations\"><h2>2. Durations by response</h2>\n");
    let _ = writeln!(
        s,
        "<p class=\"legend\">Each dot is one cramp's tagged duration.<span style=\"background:#1f77b4\">\
         </span>kept pace<span style=\"background:#e6550d\"></span>slowed\
         <span style=\"background:#969696\"></span>other</p>"
    );
    s.push_str(&charts::durations_by_group(&b.cramps));
    s.push_str("</section>\n");
}

fn dose_section(s: &mut String, b: &Batch) {
    let c = &b.comparison;
    let title = format!("Slowdown vs duration: Kendall τ = {}", text::kendall(c));
    s.push_str("<section id=\"dose-response\"><h2>3. Slowdown and duration</h2>\n");
    let _ = writeln!(
        s,
        "<p>τ is computed among cramps the runner ran through (slowed and kept pace); the \
         chart shows every cramp with a slowdown and a duration, coloured by severity.</p>"
    );
    s.push_str(&charts::slowdown_vs_duration(&b.cramps, &title));
    s.push_str("</section>\n");
}

fn panels_section(s: &mut String, cramps: &[CrampResult], b: &Batch, id: &str, heading: &str) {
    let _ = writeln!(s, "<section id=\"{id}\"><h2>{}</h2>", escape(heading));
    let _ = writeln!(
        s,
        "<p class=\"legend\">Grade-adjusted pace (blue, left axis, faster up, clipped at 15 \
         min/km) and heart rate (red, right axis) from -180 s to +300 s around the onset (red \
         line); baseline window<span style=\"background:rgba(31,119,180,.15)\"></span> and \
         response window<span style=\"background:rgba(230,85,13,.25)\"></span>shaded; the \
         dashed line is the tagged end.</p>"
    );
    if cramps.is_empty() {
        s.push_str("<p class=\"note\">No cramps were tagged.</p>");
    }
    if cramps.len() > MAX_PANELS {
        let _ = writeln!(
            s,
            "<p class=\"note\">Showing the first {MAX_PANELS} of {} cramps.</p>",
            cramps.len()
        );
    }
    s.push_str("<div class=\"panels\">\n");
    for c in cramps.iter().take(MAX_PANELS) {
        let _ = write!(s, "<figure class=\"panel\">");
        s.push_str(&charts::cramp_panel(c, &b.windows));
        let mut cap = format!("{} · {}", c.file, crate::results::rfc3339(c.start_utc));
        if let Some(d) = c.duration_s {
            let _ = write!(cap, " · {d:.0} s");
        }
        if let Some(sev) = c.severity {
            let _ = write!(cap, " · severity {sev}");
        }
        if let Some(m) = &c.muscle {
            let _ = write!(cap, " · {m}");
        }
        if c.approx {
            cap.push_str(" · approximate onset");
        }
        if let Some(n) = &c.note {
            let _ = write!(cap, " · “{n}”");
        }
        for f in &c.flags {
            let _ = write!(cap, " · {f}");
        }
        let _ = writeln!(s, "<figcaption>{}</figcaption></figure>", escape(&cap));
    }
    s.push_str("</div></section>\n");
}

fn runs_section(s: &mut String, b: &Batch, heading: &str) {
    let _ = writeln!(s, "<section id=\"runs\"><h2>{heading}</h2>");
    s.push_str(
        "<table><tr><th>file</th><th>date (UTC)</th>\
                <th>distance, km</th><th>time</th><th>cramps</th><th>status</th></tr>\n",
    );
    for f in &b.files {
        let status = match f.status {
            FileStatus::Ok => "ok",
            FileStatus::Error => "error",
            FileStatus::Skipped => "skipped",
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{status}</td></tr>",
            escape(&f.path),
            f.start_utc.map_or("–".to_string(), |t| t
                .format("%Y-%m-%d %H:%M")
                .to_string()),
            num(f.distance_m.map(|d| d / 1000.0), 2),
            f.elapsed_s.map_or("–".to_string(), text::clock),
            f.cramps,
        );
    }
    s.push_str("</table>\n<h3>Inputs that failed, were skipped or partly recovered</h3>\n");
    let troubled: Vec<_> = b
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Ok || !f.warnings.is_empty())
        .collect();
    if troubled.is_empty() {
        s.push_str("<p>None: every input was read whole.</p>\n");
    } else {
        s.push_str("<table id=\"problems\"><tr><th>file</th><th>status</th><th>reason</th></tr>\n");
        for f in troubled {
            let mut why: Vec<String> = f.error.iter().cloned().collect();
            why.extend(f.warnings.iter().cloned());
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.path),
                match f.status {
                    FileStatus::Ok => "partly recovered",
                    FileStatus::Error => "failed",
                    FileStatus::Skipped => "skipped",
                },
                why.iter()
                    .map(|w| escape(w))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        s.push_str("</table>\n");
    }
    if b.skipped_non_activities > 0 {
        let _ = writeln!(
            s,
            "<p>{} file(s) inside folders or archives were not activities and were skipped.</p>",
            b.skipped_non_activities
        );
    }
    if !b.warnings.is_empty() {
        s.push_str("<h3>Tag warnings</h3><ul>\n");
        for w in &b.warnings {
            let _ = writeln!(s, "<li>{}</li>", escape(w));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

fn method_section(s: &mut String, b: &Batch) {
    s.push_str(
        "<section id=\"method\"><h2>6. Method and settings</h2>\n<p>Each activity is put on a \
         1 Hz timeline; speed is grade-adjusted with Minetti et al.'s cost of running (J Appl \
         Physiol 2002). A cramp's slowdown compares mean grade-adjusted speed in the response \
         window with the baseline window; its response is unknown (a window lacks data, or the \
         runner was not running before the onset), stopped, walked, slowed (slowdown at least \
         the runner's own threshold T, set from random non-cramp moments) or kept pace. \
         The primary outcome is the time a cramp lasted beyond the end of the response window, \
         among cramps still going then. Slowed and kept-pace cramps are compared within \
         severity strata (Hodges–Lehmann ratio, run-level bootstrap CI, van Elteren test).</p>\n\
         <table><tr><th>setting</th><th>value</th></tr>\n",
    );
    for (k, v) in &b.settings {
        let _ = writeln!(s, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(v));
    }
    let _ = writeln!(
        s,
        "<tr><td>cramplab version</td><td>{}</td></tr></table></section>",
        env!("CARGO_PKG_VERSION")
    );
}

/// The per-run report: the run's whole profile with cramps and pauses
/// marked, then its cramp panels and table.
pub struct RunHtml<'a> {
    /// The run's 1 Hz timeline (`None`: the profile is left out with a note).
    pub timeline: Option<&'a Timeline>,
    /// The run's path as given.
    pub path: String,
    /// `--tz`: local times in this zone instead of the file's own offset.
    pub tz: Option<TagZone>,
}

impl Exporter for RunHtml<'_> {
    fn render(&self, b: &Batch) -> Vec<u8> {
        let mut s = head(&format!("cramplab: {}", self.path));
        if let Some(f) = b.files.iter().find(|f| f.status == FileStatus::Ok) {
            let _ = writeln!(
                s,
                "<p>{} · {} km · {} · {} cramp(s) · threshold T {} %</p>",
                escape(&f.start_utc.map_or("–".to_string(), |t| text::start(
                    t,
                    LocalTime::of(self.tz, f.utc_offset_s)
                ))),
                num(f.distance_m.map(|d| d / 1000.0), 2),
                f.elapsed_s.map_or("–".to_string(), text::clock),
                b.cramps.len(),
                text::fixed(b.threshold_pct, 1)
            );
        }
        s.push_str("<section id=\"profile\"><h2>The run</h2>\n<p class=\"legend\">Pauses shaded grey, cramps (onset to tagged end) shaded red.</p>\n");
        match self.timeline {
            Some(tl) => s.push_str(&charts::run_profile(tl, &b.cramps)),
            None => {
                s.push_str("<p class=\"note\">The run could not be read again for its profile.</p>")
            }
        }
        s.push_str("</section>\n");
        panels_section(&mut s, &b.cramps, b, "cramps", "Its cramps");
        if !b.cramps.is_empty() {
            s.push_str(
                "<table><tr><th>#</th><th>onset</th><th>duration, s</th><th>severity</th>\
             <th>muscle</th><th>response</th><th>slowdown, %</th><th>note</th></tr>\n",
            );
            for c in &b.cramps {
                let run = b.files.iter().find(|f| f.path == c.file);
                let onset = format!(
                    "{} ({})",
                    text::since_start(c.elapsed_at_onset_s),
                    text::moment(
                        c.start_utc,
                        run.and_then(|f| LocalTime::of(self.tz, f.utc_offset_s)),
                        run.and_then(|f| f.start_utc).unwrap_or(c.start_utc)
                    )
                );
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    c.cramp_id,
                    escape(&onset),
                    num(c.duration_s, 0),
                    c.severity.map_or("–".to_string(), |x| x.to_string()),
                    escape(c.muscle.as_deref().unwrap_or("")),
                    text::response(c.response),
                    num(c.slowdown_pct, 1),
                    escape(c.note.as_deref().unwrap_or(""))
                );
            }
            s.push_str("</table>\n");
        }
        runs_section(&mut s, b, "Run and inputs");
        s.push_str("</body></html>\n");
        s.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_turns_markup_into_text() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;"
        );
    }
}
