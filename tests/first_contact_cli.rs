//! Issue 13, the command line a runner meets first: nothing found is said
//! as such, outputs are written all or none, folders are never replaced,
//! every error is one `cramplab: …` line saying each thing once, and the
//! conventions (completions, a man page, no colour on a dumb terminal).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{FAST_STATS, cramplab, root};

/// A folder with one real run and a `cramps.csv` tagging two cramps on it.
fn tagged_run(dir: &Path) -> PathBuf {
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).expect("mkdir");
    std::fs::copy(
        root().join("sample-data/history/run-004_2025-02-10.fit"),
        runs.join("run-004.fit"),
    )
    .expect("copy");
    std::fs::write(
        runs.join("cramps.csv"),
        "file,start,end,severity\nrun-004.fit,+9:27,+10:26,1\nrun-004.fit,+28:38,+29:24,2\n",
    )
    .expect("write tags");
    runs
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn an_empty_folder_or_a_mistyped_path_is_nothing_found_and_exits_1_in_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    std::fs::write(empty.join("notes.txt"), "not an activity").expect("write");
    let mistyped = dir.path().join("rnus");
    for path in [&empty, &mistyped] {
        for args in [
            vec!["analyze"],
            vec!["inspect"],
            vec!["export", "--csv", "tracks"],
        ] {
            let o = cramplab()
                .current_dir(dir.path())
                .args(&args)
                .arg(path)
                .output()
                .expect("runs");
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?} {path:?}: {err}");
            assert!(
                err.contains(&format!(
                    "cramplab: found no activity files under {}",
                    path.display()
                )) && err.contains(".fit, .gpx")
                    && err.contains(".zip"),
                "{args:?}: {err}"
            );
            assert!(
                !stdout(&o).contains("No cramps are tagged"),
                "{args:?}: the tagging tutorial is not the answer: {}",
                stdout(&o)
            );
        }
    }
    assert!(
        !dir.path().join("tracks").exists(),
        "export wrote nothing for nothing found"
    );
}

#[test]
fn outputs_are_all_checked_first_so_a_refused_table_writes_neither_html_nor_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("tables")).expect("mkdir");
    std::fs::write(out.join("tables/cramp_results.csv"), "old").expect("write");
    let o = cramplab()
        .arg("analyze")
        .arg(&runs)
        .args(FAST_STATS)
        .arg("--html")
        .arg(out.join("report.html"))
        .arg("--csv")
        .arg(out.join("tables"))
        .arg("--json")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cramp_results.csv already exists"));
    assert!(!out.join("report.html").exists(), "no HTML was written");
    assert!(stdout(&o).is_empty(), "no JSON was printed: {}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("tables/cramp_results.csv")).expect("kept"),
        "old"
    );
    let mut others: Vec<_> = std::fs::read_dir(out.join("tables"))
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    others.sort();
    assert_eq!(others, ["cramp_results.csv"], "no other table was written");

    // With --force, every output is written.
    let o = cramplab()
        .arg("analyze")
        .arg(&runs)
        .args(FAST_STATS)
        .arg("--html")
        .arg(out.join("report.html"))
        .arg("--csv")
        .arg(out.join("tables"))
        .args(["--json", "--force"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("report.html").is_file());
    assert!(out.join("tables/run_summary.csv").is_file());
    assert!(stdout(&o).starts_with('{'));
}

#[test]
fn a_folder_named_as_an_output_is_never_replaced_and_force_is_not_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("keep.txt"), "precious").expect("write");
    for force in [false, true] {
        let o = cramplab()
            .arg("analyze")
            .arg(&runs)
            .args(FAST_STATS)
            .args(force.then_some("--force"))
            .arg("--html")
            .arg(&out)
            .output()
            .expect("runs");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("is a folder") && err.contains("never replaces a folder"),
            "{err}"
        );
        assert!(!err.contains("use --force"), "--force cannot help: {err}");
        assert!(!err.contains("os error"), "no raw OS error: {err}");
        assert_eq!(
            std::fs::read_to_string(out.join("keep.txt")).expect("kept"),
            "precious"
        );
    }
    // A table whose file name is taken by a folder, too.
    let tables = dir.path().join("tables");
    std::fs::create_dir_all(tables.join("run_summary.csv")).expect("mkdir");
    let o = cramplab()
        .arg("analyze")
        .arg(&runs)
        .args(FAST_STATS)
        .args(["--force", "--csv"])
        .arg(&tables)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
}

#[test]
fn an_error_is_one_cramplab_line_that_says_each_thing_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    let o = cramplab()
        .current_dir(dir.path())
        .arg("analyze")
        .arg(&runs)
        .args(["--tags", "missing.csv"])
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("cramplab: "), "{err}");
    assert!(!err.contains("error:"), "one prefix: {err}");
    assert!(err.contains("missing.csv"), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "said once: {err}");

    // clap's argument errors get the same prefix, and status 1.
    let o = cramplab()
        .args(["analyze", "--no-such-flag"])
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("cramplab: unexpected argument '--no-such-flag'"),
        "{err}"
    );
    assert!(!err.contains("error:"), "{err}");
}

#[test]
fn html_output_makes_its_missing_folders_as_the_tables_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    let page = dir.path().join("reports/2026/may.html");
    let o = cramplab()
        .arg("analyze")
        .arg(&runs)
        .args(FAST_STATS)
        .args(["-q", "--html"])
        .arg(&page)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("written");
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn dash_is_refused_as_an_output_folder_instead_of_becoming_a_folder_named_dash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    for args in [
        vec!["export", "--csv", "-"],
        vec!["export", "--parquet", "-"],
        vec!["analyze", "--csv", "-"],
        vec!["analyze", "--html", "-"],
    ] {
        let o = cramplab()
            .current_dir(dir.path())
            .args(&args)
            .arg(&runs)
            .args(if args[0] == "analyze" {
                &FAST_STATS[..]
            } else {
                &[]
            })
            .output()
            .expect("runs");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("`-` is not a place to write"),
            "{args:?}: {err}"
        );
        assert!(!dir.path().join("-").exists(), "{args:?} made `-`");
    }
}

#[test]
fn a_threshold_outside_0_to_100_is_refused_with_the_range_and_no_misleading_hint() {
    for value in [
        &["--threshold", "150"][..],
        &["--threshold", "-5"],
        &["--threshold=-5"],
    ] {
        let o = cramplab()
            .arg("analyze")
            .args(value)
            .arg("no-such-folder")
            .output()
            .expect("runs");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{value:?}: {err}");
        assert!(err.starts_with("cramplab: "), "{value:?}: {err}");
        assert!(err.contains("outside 0 to 100"), "{value:?}: {err}");
        assert!(!err.contains("'-- -5'"), "{value:?}: {err}");
    }
    let o = cramplab()
        .args(["analyze", "--threshold", "100", "no-such-folder"])
        .output()
        .expect("runs");
    assert!(
        stderr(&o).contains("found no activity files"),
        "100 is in range: {}",
        stderr(&o)
    );
}

#[test]
fn a_renamed_pdf_and_a_damaged_zip_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("morning-run.gpx");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n",
    )
    .expect("write");
    let zip = dir.path().join("export.zip");
    std::fs::write(&zip, b"PK\x03\x04 the rest of this archive was lost").expect("write");
    let o = cramplab()
        .arg("inspect")
        .arg(&pdf)
        .arg(&zip)
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("morning-run.gpx: not a GPX file (it starts with `%PDF`"),
        "{err}"
    );
    assert!(
        err.contains("export.zip: not a readable zip archive"),
        "{err}"
    );
    for internal in ["EOCD", "at byte", "invalid Zip archive", "XML"] {
        assert!(
            !err.contains(internal),
            "parser internals ({internal}): {err}"
        );
    }
}

#[test]
fn completions_and_a_man_page_are_printed_for_the_shell_and_for_man() {
    let o = cramplab()
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("_cramplab()"), "{}", stdout(&o));
    assert!(stdout(&o).contains("analyze"));
    let o = cramplab()
        .args(["completions", "zsh"])
        .output()
        .expect("runs");
    assert!(
        stdout(&o).starts_with("#compdef cramplab"),
        "{}",
        stdout(&o)
    );

    let o = cramplab().arg("man").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH cramplab 1"), "{page}");
    assert!(page.contains("analyze"), "{page}");
    let o = cramplab().args(["man", "analyze"]).output().expect("runs");
    assert!(
        stdout(&o).contains(".TH cramplab-analyze 1"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("threshold"));
    let o = cramplab().args(["man", "nope"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("analyze, report"), "{}", stderr(&o));
}

/// Run `cramplab ARGS` on a pseudo-terminal (util-linux `script`) with
/// `TERM` set; its stdout, or `None` where `script` is missing.
fn on_a_terminal(term: &str, args: &[&Path]) -> Option<String> {
    let bin = Path::new(env!("CARGO_BIN_EXE_cramplab"));
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let mut line = quote(bin);
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    line.push_str(" 2>/dev/null");
    let o = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("TERM", term)
        .env_remove("NO_COLOR")
        .env("TZ", "UTC")
        .output()
        .ok()?;
    Some(stdout(&o))
}

#[test]
fn no_colour_or_bold_reaches_a_dumb_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = tagged_run(dir.path());
    let args: Vec<&Path> = std::iter::once(Path::new("analyze"))
        .chain([runs.as_path()])
        .chain(FAST_STATS.iter().map(Path::new))
        .collect();
    let Some(xterm) = on_a_terminal("xterm-256color", &args) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert!(
        xterm.contains('\u{1b}'),
        "a colour terminal gets colour (the test sees the terminal): {xterm}"
    );
    let dumb = on_a_terminal("dumb", &args).expect("script ran before");
    assert!(dumb.contains("cramp"), "{dumb}");
    assert!(!dumb.contains('\u{1b}'), "{dumb}");
}
