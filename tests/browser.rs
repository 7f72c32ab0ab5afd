//! The batch HTML report in a real browser: headless Chromium renders it
//! offline without console errors, and the screenshot shows charts, not a
//! blank page. scripts/test.sh installs Chromium; without it this test fails
//! (a silently skipped browser check would hide a broken report).

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

use crate::common::root;
use crate::html::analyze_html;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 3000;

/// `chromium` on PATH, or a failure that says how to get it.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not on PATH: run `bash scripts/test.sh` (it installs Debian's chromium) \
             or `apt-get install chromium`; the HTML report's browser test needs it"
        )
    })
}

/// Headless Chromium with everything that could reach the network turned off.
fn headless(profile: &Path) -> Command {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .timeout(Duration::from_secs(30));
    cmd
}

/// RGB pixels of a PNG, row by row.
fn decode_rgb(png_path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(png_path).expect("screenshot written");
    let mut reader = png::Decoder::new(file).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("one frame");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit screenshot");
    let step = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let pixels = buf[..info.buffer_size()]
        .chunks(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

#[test]
fn the_batch_report_renders_in_headless_chromium_with_charts_and_no_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page_path = dir.path().join("report.html");
    let (_, json) = analyze_html(&[&root().join("sample-data/history")], &page_path, &[]);
    let url = format!("file://{}", page_path.display());
    let profile = dir.path().join("profile");

    // The DOM as Chromium parsed it, with console messages on stderr.
    let o = headless(&profile)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    // The page has no scripts, so any console line (`INFO:CONSOLE`,
    // `ERROR:CONSOLE`, "Uncaught …") or failed fetch means something is wrong.
    for bad in ["Uncaught", ":CONSOLE", "net::ERR_"] {
        assert!(!stderr.contains(bad), "console message {bad}: {stderr}");
    }
    let dom = String::from_utf8_lossy(&o.stdout);
    for id in [
        "verdict",
        "durations",
        "dose-response",
        "cramps",
        "runs",
        "method",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "section {id} in the DOM"
        );
    }
    let cramps = json["cramps"].as_array().expect("cramps").len();
    assert_eq!(
        dom.matches("class=\"panel\"").count(),
        cramps.min(200),
        "the browser sees one panel per cramp"
    );

    // The screenshot: charts in several bands down the page.
    let png_path = dir.path().join("shot.png");
    let o = headless(&profile)
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (w, h, pixels) = decode_rgb(&png_path);
    assert_eq!((w, h), (WIDTH, HEIGHT));
    // Chart colours (the blue, orange and red of dots and lines), not the
    // black and grey of text: a channel spread over 80.
    let coloured = |p: &[u8; 3]| {
        let hi = p.iter().max().copied().unwrap_or(0);
        let lo = p.iter().min().copied().unwrap_or(0);
        hi - lo > 80
    };
    const BANDS: u32 = 10;
    let band_h = h / BANDS;
    let counts: Vec<usize> = (0..BANDS)
        .map(|b| {
            let rows = (b * band_h) as usize..((b + 1) * band_h) as usize;
            pixels[rows.start * w as usize..rows.end * w as usize]
                .iter()
                .filter(|p| coloured(p))
                .count()
        })
        .collect();
    eprintln!("chart-coloured pixels per band: {counts:?}");
    let with_charts = counts.iter().filter(|&&c| c >= 1000).count();
    assert!(
        with_charts >= 5,
        "only {with_charts} of {BANDS} bands show chart colours: {counts:?}"
    );
    let non_white = pixels.iter().filter(|p| p.iter().any(|&c| c < 230)).count();
    assert!(
        non_white > pixels.len() / 50,
        "the page is nearly blank: {non_white} non-white pixels"
    );
}

/// The cohort report (docs/METHOD.md §5) in the browser: the runners table
/// and the forest plot are there, and the screenshot of the plot shows its
/// orange runner squares and blue diamonds.
#[test]
fn the_cohort_report_renders_its_forest_plot_in_headless_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Six simulated runners with enough cramps for a meta-analysis (the
    // bundled sample cohort has realistic, fewer tags).
    let cohort = dir.path().join("club");
    Command::cargo_bin("cramplab")
        .expect("the binary is built by cargo test")
        .args(["simulate", "--runners", "6", "--runs", "12", "--seed", "5"])
        .args(["--effect", "0.6", "--cramp-rate", "2", "--quiet", "--out"])
        .arg(&cohort)
        .assert()
        .success();
    let page_path = dir.path().join("cohort.html");
    let (page, json) = analyze_html(
        &[],
        &page_path,
        &["--cohort", cohort.to_str().expect("UTF-8 path")],
    );
    let k = json["meta"]["k"].as_u64().expect("meta.k");
    assert!(k >= 3, "the bundled cohort has a meta-analysis: k = {k}");
    assert!(page.contains("id=\"forest\""));
    let url = format!("file://{}", page_path.display());
    let profile = dir.path().join("profile");
    let o = headless(&profile)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dom = String::from_utf8_lossy(&o.stdout);
    for id in ["verdict", "runners", "between", "forest", "method"] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "section {id} in the DOM"
        );
    }
    // Only the forest plot, as its own page, so its pixels are counted.
    let start = page.find("<figure id=\"forest\">").expect("forest figure") + 20;
    let end = start + page[start..].find("</figure>").expect("figure closed");
    let svg_path = dir.path().join("forest.svg");
    std::fs::write(&svg_path, &page[start..end]).expect("svg written");
    let png_path = dir.path().join("forest.png");
    let o = headless(&profile)
        .arg(format!("--screenshot={}", png_path.display()))
        .arg("--window-size=920,900")
        .arg(format!("file://{}", svg_path.display()))
        .output()
        .expect("chromium runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, _, pixels) = decode_rgb(&png_path);
    let near = |p: &[u8; 3], c: [u8; 3]| p.iter().zip(c).all(|(a, b)| a.abs_diff(b) < 12);
    let orange = pixels.iter().filter(|p| near(p, [230, 85, 13])).count();
    let blue = pixels.iter().filter(|p| near(p, [31, 119, 180])).count();
    eprintln!("forest plot: {orange} orange, {blue} blue pixels");
    assert!(
        orange >= 25 * k as usize,
        "runner squares drawn: {orange} px for {k} runners"
    );
    assert!(
        blue >= 500,
        "diamonds and prediction interval drawn: {blue} px"
    );
}
