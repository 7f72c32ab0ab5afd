//! "Did you mean …?": the activity a `file` cell nearly names (off by
//! letter case, by extension, or by a typo), and the edit distance that
//! `--tz` suggestions share.

use super::matching::base_name;

/// Levenshtein distance between two strings, in characters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let swap = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = swap.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A file name without `.gz` and without its extension, lower case:
/// `Run-3.FIT.gz` → `run-3`.
fn stem(name: &str) -> String {
    let lower = base_name(name).to_lowercase();
    match lower.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s.to_string(),
        _ => lower,
    }
}

/// The base names of `activities` (display paths) that a `file` cell
/// nearly names, nearest first (at most three): the same name in another
/// letter case, the same name with another extension (or none), or a name
/// one or two typos away. A `file` cell that names an activity exactly is
/// matched, never suggested.
pub(crate) fn near_files<'a>(file: &str, activities: impl Iterator<Item = &'a str>) -> Vec<String> {
    let want = base_name(file);
    let (want_lower, want_stem) = (want.to_lowercase(), stem(&want));
    let mut scored: Vec<(usize, String)> = Vec::new();
    for path in activities {
        // A multisport file's sessions are `run.fit#2`.
        let path = path.split_once('#').map_or(path, |(p, _)| p);
        let name = base_name(path);
        let score = if name.to_lowercase() == want_lower {
            0
        } else if stem(&name) == want_stem {
            1
        } else {
            let d = edit_distance(&want_lower, &name.to_lowercase());
            if d > 2 || d * 4 > want_lower.chars().count() {
                continue;
            }
            1 + d
        };
        let shown = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        if !scored.iter().any(|(_, n)| *n == shown) {
            scored.push((score, shown));
        }
    }
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("berln", "berlin"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn a_file_cell_off_by_case_extension_or_a_typo_finds_the_activity() {
        let acts = [
            "runs/stryd-run.fit",
            "runs/morning.gpx.gz",
            "runs/multi.fit#2",
        ];
        let near = |f: &str| near_files(f, acts.iter().copied());
        assert_eq!(near("Stryd-Run.fit"), vec!["stryd-run.fit"]);
        assert_eq!(near("stryd-run.gpx"), vec!["stryd-run.fit"]);
        assert_eq!(near("stryd-run"), vec!["stryd-run.fit"]);
        assert_eq!(near("stryd-rnu.fit"), vec!["stryd-run.fit"]);
        assert_eq!(near("MORNING.GPX"), vec!["morning.gpx.gz"]);
        assert_eq!(near("multi.FIT"), vec!["multi.fit"]);
        assert!(near("evening.fit").is_empty());
    }
}
