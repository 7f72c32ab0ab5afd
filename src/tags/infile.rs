//! Cramp tags recorded inside activity files: GPX waypoints named "cramp…"
//! and, with `--lap-tags`, FIT manual lap presses. They are precise (marked
//! live), need no matching, and their warnings join the activity's own.

use chrono::{DateTime, Utc};

use super::matching::within_span;
use super::problem::InFileWarning;
use super::time::{fmt_for, plus_seconds};
use super::{CrampTag, TagOptions, TagSource};
use crate::activity::Activity;

/// Whether a waypoint name closes a cramp: it names a cramp and has the
/// word "end" (ends, ended, ending) or "over". Whole words, so "tender" or
/// "weekend" do not close one; "cramp_end" and "CrampEnd" do.
fn closes_cramp(lower_name: &str) -> bool {
    lower_name
        .split(|c: char| !c.is_alphabetic())
        .flat_map(|w| w.split("cramp"))
        .any(|w| matches!(w, "end" | "ends" | "ended" | "ending" | "over"))
}

/// Cramp tags recorded inside the activity file, and warnings about them
/// (their messages name no file: they belong in the activity's own warnings).
///
/// GPX waypoints whose name contains "cramp" (any case) open a cramp; one
/// that also has the word "end" or "over" closes the open one. A waypoint
/// needs a time within the activity's span. When the file has closing
/// waypoints, an opener left without an end (a second opener came first, or
/// the file ended) is warned about; a file with only openers is a runner
/// who marks onsets only, and is not.
///
/// With `opts.lap_tags`, every lap whose trigger is `manual` ends at a
/// button press; consecutive presses pair up as onset and end, and an odd
/// last press is an onset without an end (with a warning). In-file tags are
/// precise (`approx = false`).
pub fn infile_tags(act: &Activity, opts: &TagOptions) -> (Vec<CrampTag>, Vec<InFileWarning>) {
    let mut tags = Vec::new();
    let mut warnings = Vec::new();
    let tag = |source: TagSource, onset: DateTime<Utc>, end, note, row_id| CrampTag {
        line: None,
        source,
        onset_utc: onset,
        end_utc: end,
        severity: None,
        approx: false,
        muscle: None,
        note,
        row_id,
    };

    let mut marks = Vec::new();
    for (i, w) in act.waypoints.iter().enumerate() {
        let lower = w.name.to_lowercase();
        if !lower.contains("cramp") {
            continue;
        }
        match w.time_utc {
            None => warnings.push(InFileWarning::WaypointWithoutTime {
                index: i + 1,
                name: w.name.clone(),
            }),
            Some(t) if !within_span(t, act) => {
                warnings.push(InFileWarning::WaypointOutsideRecording {
                    index: i + 1,
                    name: w.name.clone(),
                    at: fmt_for(t, act, opts),
                    from: fmt_for(act.start_utc, act, opts),
                    to: fmt_for(act.end_utc(), act, opts),
                })
            }
            Some(t) => marks.push((t, i, closes_cramp(&lower))),
        }
    }
    marks.sort_by_key(|m| (m.0, m.1));
    let has_closers = marks.iter().any(|m| m.2);
    let mut open: Option<(DateTime<Utc>, usize)> = None;
    let wpt_tag = |(t, i): (DateTime<Utc>, usize), end| {
        tag(
            TagSource::GpxWaypoint,
            t,
            end,
            Some(act.waypoints[i].name.clone()),
            format!("{}#wpt{}", act.path, i + 1),
        )
    };
    for &(t, i, closes) in &marks {
        match (closes, open) {
            (true, Some(o)) => {
                tags.push(wpt_tag(o, Some(t)));
                open = None;
            }
            (true, None) => warnings.push(InFileWarning::CloserWithoutOpener {
                index: i + 1,
                name: act.waypoints[i].name.clone(),
                at: fmt_for(t, act, opts),
            }),
            (false, prev) => {
                if let Some(o) = prev {
                    if has_closers {
                        warnings.push(InFileWarning::OpenerWhileOpen {
                            index: i + 1,
                            name: act.waypoints[i].name.clone(),
                            at: fmt_for(t, act, opts),
                            open_index: o.1 + 1,
                        });
                    }
                    tags.push(wpt_tag(o, None));
                }
                open = Some((t, i));
            }
        }
    }
    if let Some(o) = open {
        if has_closers {
            warnings.push(InFileWarning::OpenerNeverClosed {
                index: o.1 + 1,
                name: act.waypoints[o.1].name.clone(),
            });
        }
        tags.push(wpt_tag(o, None));
    }

    if opts.lap_tags {
        let mut presses: Vec<(f64, usize)> = act
            .laps
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trigger.eq_ignore_ascii_case("manual"))
            .map(|(i, l)| (l.end_s, i))
            .collect();
        presses.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in presses.chunks(2) {
            let at = |p: (f64, usize)| plus_seconds(act.start_utc, p.0);
            let Some(onset) = at(pair[0]) else { continue };
            let end = pair.get(1).and_then(|p| at(*p));
            if pair.len() == 1 {
                warnings.push(InFileWarning::UnpairedLapPress {
                    at: fmt_for(onset, act, opts),
                    into_run_s: pair[0].0.round(),
                });
            }
            tags.push(tag(
                TagSource::FitLap,
                onset,
                end,
                None,
                format!("{}#lap{}", act.path, pair[0].1 + 1),
            ));
        }
    }
    tags.sort_by_key(|t| t.onset_utc);
    (tags, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Waypoint;
    use crate::tags::test_support::{activity, secs, utc};

    fn wpt(t0: DateTime<Utc>, at_s: Option<i64>, name: &str) -> Waypoint {
        Waypoint {
            time_utc: at_s.map(|s| secs(t0, s)),
            name: name.to_string(),
            lat_deg: 45.0,
            lon_deg: 7.0,
        }
    }

    #[test]
    fn gpx_cramp_waypoints_pair_into_onsets_and_ends() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.gpx", t0, 3600, |b| {
            b.waypoints = vec![
                wpt(t0, Some(600), "Cramp"),
                wpt(t0, Some(660), "cramp over"),
                wpt(t0, Some(1200), "Cramp calf"),
                wpt(t0, Some(1300), "cramp - tender calf"),
                wpt(t0, Some(1400), "CRAMP_END"),
                wpt(t0, Some(1500), "Water"),
                wpt(t0, None, "cramp"),
                wpt(t0, Some(1700), "CrampEnded"),
                wpt(t0, Some(2000), "cramp again"),
                wpt(t0, Some(90_000), "cramp"),
            ];
        });
        let (tags, warnings) = infile_tags(&act, &TagOptions::default());
        let got: Vec<(f64, Option<f64>)> = tags
            .iter()
            .map(|t| (t.onset_elapsed_s(&act), t.end_elapsed_s(&act)))
            .collect();
        assert_eq!(
            got,
            vec![
                (600.0, Some(660.0)),
                (1200.0, None),
                (1300.0, Some(1400.0)),
                (2000.0, None)
            ]
        );
        assert!(
            tags.iter()
                .all(|t| !t.approx && t.source == TagSource::GpxWaypoint)
        );
        assert_eq!(tags[0].row_id, "runs/run.gpx#wpt1");
        assert_eq!(tags[0].note.as_deref(), Some("Cramp"));
        // No time; a second opener; a closer with nothing open; outside
        // the recording; an opener never closed in a file that has closers.
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.to_string().contains("has no time"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.to_string().contains("still open"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.to_string().contains("none is open"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.to_string().contains("outside the recording"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.to_string().contains("no waypoint closes"))
        );
    }

    #[test]
    fn onset_only_waypoints_are_cramps_without_ends_and_without_warnings() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.gpx", t0, 3600, |b| {
            b.waypoints = vec![wpt(t0, Some(600), "cramp"), wpt(t0, Some(1800), "Cramp!")];
        });
        let (tags, warnings) = infile_tags(&act, &TagOptions::default());
        assert_eq!(tags.len(), 2);
        assert!(tags.iter().all(|t| t.end_utc.is_none()));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn fit_manual_lap_presses_pair_into_cramps_only_with_lap_tags() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            for (a, z, trig) in [
                (0, 300, "time"),
                (300, 620, "manual"),
                (620, 700, "Manual"),
                (700, 1000, "distance"),
                (1000, 1500, "manual"),
                (1500, 3600, "session_end"),
            ] {
                b.laps_ms
                    .push((ms + a * 1000, ms + z * 1000, trig.to_string()));
            }
        });
        let (none, _) = infile_tags(&act, &TagOptions::default());
        assert!(none.is_empty());
        let opts = TagOptions {
            lap_tags: true,
            ..TagOptions::default()
        };
        let (tags, warnings) = infile_tags(&act, &opts);
        // Manual laps end at presses at 620, 700 and 1500 s: (620, 700),
        // then 1500 alone.
        let got: Vec<(f64, Option<f64>)> = tags
            .iter()
            .map(|t| (t.onset_elapsed_s(&act), t.end_elapsed_s(&act)))
            .collect();
        assert_eq!(got, vec![(620.0, Some(700.0)), (1500.0, None)]);
        assert!(
            tags.iter()
                .all(|t| !t.approx && t.source == TagSource::FitLap)
        );
        assert_eq!(tags[0].row_id, "runs/run.fit#lap2");
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].to_string().contains("no second press"),
            "{warnings:?}"
        );
    }
}
