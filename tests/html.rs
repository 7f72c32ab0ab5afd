//! The HTML reports through the real binary: `analyze --html` and
//! `report --html` write one self-contained page (no scripts, no remote
//! resources), escape every piece of user text, and obey the output rules
//! (never over an input, never over an existing file without --force).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{cramplab, root};

/// The six sections of the batch page, by id, in order.
const SECTIONS: [&str; 6] = [
    "verdict",
    "durations",
    "dose-response",
    "cramps",
    "runs",
    "method",
];

/// Fewer resamples: the statistics are tested elsewhere, the page here.
const FAST: [&str; 4] = ["--bootstrap", "199", "--permutations", "199"];

/// `analyze PATHS --html OUT --json`: the page and the JSON of the same batch.
pub fn analyze_html(paths: &[&Path], out: &Path, extra: &[&str]) -> (String, Value) {
    let o = cramplab()
        .arg("analyze")
        .args(paths)
        .args(FAST)
        .args(extra)
        .arg("--json")
        .arg("--html")
        .arg(out)
        .output()
        .expect("runs");
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(2),
        "analyze failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let page = std::fs::read_to_string(out).expect("the page was written");
    (page, json)
}

/// Every value of an attribute (`src="…"`) in the page.
fn attribute_values<'a>(page: &'a str, name: &str) -> Vec<&'a str> {
    let key = format!("{name}=\"");
    page.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &page[i + key.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// One sample run and a tag file beside it, in a fresh folder.
fn one_run_with_tags(dir: &Path, csv: &str) -> (PathBuf, PathBuf) {
    let run = dir.join("run-004_2025-02-10.fit");
    std::fs::copy(
        root().join("sample-data/history/run-004_2025-02-10.fit"),
        &run,
    )
    .expect("copy");
    let tags = dir.join("cramps.csv");
    std::fs::write(&tags, csv).expect("write tags");
    (run, tags)
}

const HOSTILE_TAGS: &str = "file,start,end,severity,muscle,approx,note\n\
    run-004_2025-02-10.fit,+9:27,+10:26,1,<b>calf</b>,no,<script>alert(1)</script>\n\
    run-004_2025-02-10.fit,+28:38,+29:24,1,calf,no,\"a & b \"\"quoted\"\"\"\n";

#[test]
fn the_batch_page_is_self_contained_with_every_section_and_a_panel_per_cramp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.html");
    // One runner's sample (the simulated history and the real recordings),
    // not `sample-data/cohort/`: twelve runners analysed as one would mix
    // people, and their club runs overlap as if duplicates.
    let (page, json) = analyze_html(
        &[
            &root().join("sample-data/history"),
            &root().join("sample-data/real"),
        ],
        &out,
        &[],
    );
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.to_ascii_lowercase().contains("<script"), "no scripts");
    for attr in ["src", "href", "xlink:href", "srcset", "action"] {
        for v in attribute_values(&page, attr) {
            assert!(
                !v.contains("://") && !v.starts_with("//"),
                "{attr}={v:?} refers to something outside the page"
            );
        }
    }
    assert!(
        !page.contains("@import") && !page.contains("url("),
        "no CSS fetches"
    );
    // Every http(s) URI in the page is an SVG/XLink namespace, nothing fetched.
    for (i, _) in page.match_indices("http") {
        let rest = &page[i..];
        assert!(
            rest.starts_with("http://www.w3.org/2000/svg")
                || rest.starts_with("http://www.w3.org/1999/xlink"),
            "unexpected URI: {}",
            &rest[..rest.len().min(60)]
        );
    }
    // The sections in the promised order.
    let mut last = 0;
    for id in SECTIONS {
        let at = page
            .find(&format!("<section id=\"{id}\""))
            .unwrap_or_else(|| panic!("section {id} missing"));
        assert!(at > last, "section {id} out of order");
        last = at;
    }
    let cramps = json["cramps"].as_array().expect("cramps").len();
    assert!(cramps > 0);
    let panels = page.matches("<figure class=\"panel\">").count();
    assert_eq!(
        panels,
        cramps.min(200),
        "one panel per cramp, capped at 200"
    );
    if cramps > 200 {
        assert!(page.contains(&format!("Showing the first 200 of {cramps} cramps")));
    }
    // Each panel draws an SVG (the cramps here all have samples around them).
    let svgs = page.matches("<svg").count();
    assert!(svgs >= panels + 2, "{svgs} charts for {panels} panels");
    // The verdict sentence of the JSON is the page's first statement.
    let summary = json["comparison"]["summary"].as_str().expect("summary");
    let verdict_at = page
        .find(&format!(
            "<p class=\"verdict\">{}</p>",
            escape_like_page(summary)
        ))
        .expect("verdict sentence");
    assert!(verdict_at < page.find("id=\"durations\"").expect("durations"));
    // Every setting needed to reproduce it, with the values given.
    assert!(page.contains("<td>bootstrap resamples (whole runs)</td><td>199</td>"));
    assert!(page.contains("<td>permutations (van Elteren)</td><td>199</td>"));
    assert!(page.contains("<td>seed</td><td>20260503</td>"));
}

/// The page's escaping, written out independently for the test.
fn escape_like_page(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[test]
fn user_text_in_tags_shows_as_text_never_as_markup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, _) = one_run_with_tags(dir.path(), HOSTILE_TAGS);
    let out = dir.path().join("out.html");
    let (page, json) = analyze_html(&[run.parent().expect("dir")], &out, &[]);
    assert_eq!(json["cramps"].as_array().expect("cramps").len(), 2);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "note shown as text"
    );
    assert!(
        page.contains("&lt;b&gt;calf&lt;/b&gt;"),
        "muscle shown as text"
    );
    assert!(page.contains("a &amp; b &quot;quoted&quot;"));
    assert!(!page.to_ascii_lowercase().contains("<script"));
    assert!(!page.contains("<b>calf</b>"));

    // The per-run page escapes the same text.
    let run_out = dir.path().join("run.html");
    let o = cramplab()
        .arg("report")
        .arg(&run)
        .arg("--html")
        .arg(&run_out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&run_out).expect("written");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.to_ascii_lowercase().contains("<script"));
    assert!(!page.contains("<b>calf</b>"));
}

#[test]
fn html_output_over_the_tag_file_is_refused_and_the_tag_file_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, tags) = one_run_with_tags(dir.path(), HOSTILE_TAGS);
    for extra in [&[][..], &["--force"][..]] {
        let o = cramplab()
            .arg("analyze")
            .arg(&run)
            .arg("--tags")
            .arg(&tags)
            .args(FAST)
            .args(extra)
            .arg("--html")
            .arg(&tags)
            .output()
            .expect("runs");
        let code = o.status.code();
        assert!(code == Some(1) || code == Some(2), "exit {code:?}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("one of the inputs"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(&tags).expect("still there"),
            HOSTILE_TAGS
        );
    }
    // `report` guards the cramps.csv it found beside the run, too.
    let o = cramplab()
        .arg("report")
        .arg(&run)
        .args(["--force", "--html"])
        .arg(&tags)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&tags).expect("kept"), HOSTILE_TAGS);
}

#[test]
fn an_existing_report_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, _) = one_run_with_tags(dir.path(), HOSTILE_TAGS);
    let out = dir.path().join("report.html");
    std::fs::write(&out, "precious").expect("write");
    let o = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .args(FAST)
        .arg("--html")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), "precious");

    let o = cramplab()
        .arg("report")
        .arg(&run)
        .arg("--html")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), "precious");

    let o = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .args(FAST)
        .args(["--force", "--html"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&out).expect("replaced");
    assert!(page.starts_with("<!DOCTYPE html>"));
}

#[test]
fn the_run_report_draws_the_whole_run_and_each_of_its_cramps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, _) = one_run_with_tags(dir.path(), HOSTILE_TAGS);
    // Text: the run, then one line per cramp at its tagged offset.
    let o = cramplab().arg("report").arg(&run).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("2 cramp(s)"), "{text}");
    assert!(text.contains("#1 at +9:27"), "{text}");
    // The tags say +9:27 to +10:26 and +28:38 to +29:24: 59 s and 46 s.
    assert!(
        text.contains("lasted 59 s") && text.contains("lasted 46 s"),
        "{text}"
    );

    let out = dir.path().join("run.html");
    let o = cramplab()
        .arg("report")
        .arg(&run)
        .arg("--html")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&out).expect("written");
    let profile = page.find("<section id=\"profile\"").expect("profile");
    let cramps = page.find("<section id=\"cramps\"").expect("cramps");
    assert!(profile < cramps);
    assert!(
        page[profile..cramps].contains("<svg"),
        "the profile is drawn"
    );
    assert_eq!(page.matches("<figure class=\"panel\">").count(), 2);
    assert!(!page.to_ascii_lowercase().contains("<script"));
}
