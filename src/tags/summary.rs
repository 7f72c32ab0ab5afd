//! What became of the batch's tags, so that none is lost without a word:
//! how many rows were read and used, every tag lost named with its place
//! and the fix (a lost tag makes the run exit 2, like a failed input), the
//! tags used with a caveat, and the rows that are for activities not given.

use std::collections::HashMap;
use std::path::PathBuf;

use super::discover::TagSet;
use super::problem::{TagProblem, TagProblemKind};

/// What became of the batch's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagSummary {
    /// Rows read from tag files, good and bad.
    pub rows_read: usize,
    /// Rows that tag a cramp analysed (a repeated row merged into another
    /// counts: its cramp is analysed).
    pub rows_used: usize,
    /// Rows that could not be used (each is in [`TagSummary::lost`]).
    pub rows_lost: usize,
    /// Rows that tagged no activity read and may be for one not given (a
    /// `cramps.csv` beside a file given also lists the folder's other runs).
    pub rows_elsewhere: usize,
    /// Those rows, as `cramps.csv:7`: they are no problem, so no warning
    /// names them.
    pub elsewhere: Vec<String>,
    /// Rows merged into an earlier row tagging the same cramp.
    pub rows_merged: usize,
    /// Every tag lost — rows and cramp markers inside activity files — as
    /// `where: what is wrong; what to do`.
    pub lost: Vec<String>,
    /// Tags used with a caveat (kept without an end, merged with a repeat,
    /// tagging several activities) and tag-file warnings.
    pub caveats: Vec<String>,
}

impl TagSummary {
    /// Whether any tag was lost (the run then exits 2).
    pub fn lost_any(&self) -> bool {
        !self.lost.is_empty()
    }
}

/// What the batch found of one good tag row.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RowFate {
    /// It tags a cramp of an activity that was analysed.
    pub(crate) used: bool,
    /// It tags a cramp only of an activity that was not analysed:
    /// (the activity, why not).
    pub(crate) not_analysed: Option<(String, String)>,
    /// It belongs to an activity but cannot be used there (the message).
    pub(crate) problem: Option<String>,
}

/// Account for every tag. `fates` runs parallel to `set.rows`;
/// `unclaimed` is [`super::check_matches`]'s verdict on rows no activity or
/// several claimed; `infile_lost` and `caveats` come from the activities.
pub(crate) fn summarize(
    set: &TagSet,
    fates: &[RowFate],
    unclaimed: &[TagProblem],
    infile_lost: Vec<String>,
    activity_caveats: Vec<String>,
    rows_merged: usize,
) -> TagSummary {
    let mut s = TagSummary {
        rows_read: set.rows.len() + set.bad_rows.len(),
        rows_merged,
        caveats: set.header_warnings.clone(),
        ..TagSummary::default()
    };
    // Lost rows, to be listed by tag file and line.
    let mut lost_rows: Vec<(&PathBuf, usize, String)> = set
        .bad_rows
        .iter()
        .map(|p| (&p.csv_path, p.line, p.to_string()))
        .collect();
    let by_row: HashMap<(&PathBuf, usize), &TagProblem> = unclaimed
        .iter()
        .map(|p| ((&p.csv_path, p.line), p))
        .collect();
    for (row, fate) in set.rows.iter().zip(fates) {
        let verdict = by_row.get(&(&row.csv_path, row.line)).copied();
        if fate.used {
            s.rows_used += 1;
            // Tagging several activities: used, with a caveat.
            s.caveats.extend(verdict.map(ToString::to_string));
            continue;
        }
        let lost = if let Some((activity, reason)) = &fate.not_analysed {
            row.problem(TagProblemKind::ActivityNotAnalysed {
                activity: activity.clone(),
                reason: reason.clone(),
            })
            .to_string()
        } else if let Some(p) = &fate.problem {
            p.clone()
        } else if let Some(p) = verdict {
            let nearly_named = matches!(
                &p.kind,
                TagProblemKind::NoActivityFile { nearest, .. } if !nearest.is_empty()
            );
            if set.may_be_for_another_activity(row, nearly_named) {
                s.rows_elsewhere += 1;
                s.elsewhere
                    .push(format!("{}:{}", row.csv_path.display(), row.line));
                continue;
            }
            p.to_string()
        } else {
            // Claimed, by an activity dropped as a duplicate whose keeper
            // was analysed: used.
            s.rows_used += 1;
            continue;
        };
        lost_rows.push((&row.csv_path, row.line, lost));
    }
    lost_rows.sort();
    s.rows_lost = lost_rows.len();
    s.lost = lost_rows.into_iter().map(|(_, _, m)| m).collect();
    s.lost.extend(infile_lost);
    s.caveats.extend(activity_caveats);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::parse_csv;
    use crate::tags::{Reach, TagOptions, check_matches};

    #[test]
    fn every_row_is_used_lost_or_for_another_activity_and_each_lost_one_is_named() {
        let parsed = parse_csv(
            "file,start\na.fit,+1:00\na.fit,+90:00\nb.fit,+1:00\nc.fit,+1:00\nA.FIT,+2:00\n\
             a.fit,noon\n",
            std::path::Path::new("runs/cramps.csv"),
        )
        .unwrap();
        let mut set = TagSet {
            bad_rows: parsed.problems,
            rows: parsed.rows,
            ..TagSet::default()
        };
        // Only runs/a.fit was given; runs/b.fit lies beside it.
        set.partial.insert(
            PathBuf::from("runs/cramps.csv"),
            Reach::NotGiven(vec!["runs/b.fit".into()]),
        );
        let fates = [
            RowFate {
                used: true,
                ..RowFate::default()
            },
            RowFate {
                problem: Some("runs/cramps.csv:3: start `+90:00` falls …".into()),
                ..RowFate::default()
            },
            RowFate::default(),
            RowFate::default(),
            RowFate::default(),
        ];
        let claims = [vec!["runs/a.fit".into()], vec![], vec![], vec![], vec![]];
        let unclaimed = check_matches(
            &set.rows[..],
            &claims,
            &["runs/a.fit".into()],
            &TagOptions::default(),
        );
        let s = summarize(&set, &fates, &unclaimed, vec![], vec![], 0);
        // a.fit +1:00 used; +90:00 outside; b.fit for a run not given;
        // c.fit exists nowhere; A.FIT nearly names a.fit; `noon` unreadable.
        assert_eq!(
            (s.rows_read, s.rows_used, s.rows_lost, s.rows_elsewhere),
            (6, 1, 4, 1)
        );
        assert_eq!(s.elsewhere, vec!["runs/cramps.csv:4"]);
        assert!(s.lost_any());
        // In file and line order.
        assert!(s.lost[0].starts_with("runs/cramps.csv:3:"), "{s:?}");
        assert!(s.lost[1].starts_with("runs/cramps.csv:5:"), "{s:?}");
        assert!(
            s.lost[2].starts_with("runs/cramps.csv:6:") && s.lost[2].contains("`a.fit`"),
            "{s:?}"
        );
        assert!(
            s.lost[3].starts_with("runs/cramps.csv:7: start `noon`"),
            "{s:?}"
        );
    }
}
