//! The same cramp tagged twice by tag rows — a row repeated in one file, or
//! the same row in `cramps.csv` and in a `--tags` file — counts once: tags
//! of one activity whose onsets lie within
//! [`duplicates::REPEAT_WITHIN_S`] are merged into the first, with a
//! warning naming both rows (docs/METHOD.md §2, *Same cramp*).

use super::CrampTag;
use super::problem::RepeatedTag;
use super::time::seconds_between;
use crate::duplicates;

/// Merge the repeated tags among one activity's `found` tags (row index,
/// tag; in row order). The first of a repeat is kept, and takes from its
/// copy what it lacks (end, severity, muscle, note); the copy is dropped.
/// Returns the tags kept, in the same order, and one warning per copy.
pub fn merge_repeats(
    found: Vec<(usize, CrampTag)>,
    activity: &str,
) -> (Vec<(usize, CrampTag)>, Vec<RepeatedTag>) {
    let mut kept: Vec<(usize, CrampTag)> = Vec::with_capacity(found.len());
    let mut repeats = Vec::new();
    for (i, tag) in found {
        match kept
            .iter_mut()
            .find(|(_, k)| duplicates::repeated_tag(k, &tag))
        {
            Some((_, first)) => {
                repeats.push(RepeatedTag {
                    kept: first.row_id.clone(),
                    copy: tag.row_id.clone(),
                    activity: activity.to_string(),
                    apart_s: seconds_between(first.onset_utc, tag.onset_utc).abs(),
                });
                first.end_utc = first.end_utc.or(tag.end_utc);
                first.severity = first.severity.or(tag.severity);
                first.muscle = first.muscle.take().or(tag.muscle);
                first.note = first.note.take().or(tag.note);
            }
            None => kept.push((i, tag)),
        }
    }
    (kept, repeats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::test_support::{activity, matched, utc};
    use crate::tags::{TagOptions, parse_csv, resolve_for};

    #[test]
    fn a_row_repeated_within_two_seconds_is_merged_into_the_first_with_a_warning() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let opts = TagOptions::default();
        let rows = parse_csv(
            "file,start,end,severity\nrun.fit,+10:00,,\nrun.fit,+10:01,+11:00,2\n\
             run.fit,+10:05,,\n",
            std::path::Path::new("runs/cramps.csv"),
        )
        .unwrap()
        .rows;
        let found: Vec<(usize, CrampTag)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i, matched(resolve_for(r, &act, &opts))))
            .collect();
        let (kept, repeats) = merge_repeats(found, &act.path);
        // +10:00 and +10:01 are 1 s apart: one cramp; +10:05 is 5 s from
        // the first: another.
        let lines: Vec<usize> = kept.iter().map(|(i, _)| *i).collect();
        assert_eq!(lines, vec![0, 2]);
        assert_eq!(kept[0].1.severity, Some(2), "taken from the copy");
        assert!(kept[0].1.end_utc.is_some(), "taken from the copy");
        assert_eq!(repeats.len(), 1);
        assert_eq!(
            repeats[0].to_string(),
            "runs/cramps.csv:2 and runs/cramps.csv:3 tag the same cramp in runs/run.fit \
             (onsets 1 s apart); counted once, as runs/cramps.csv:2: delete one of them"
        );
    }
}
