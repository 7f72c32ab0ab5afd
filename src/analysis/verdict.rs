//! The verdict tiers of docs/METHOD.md §3 and the one plain sentence that reports a
//! comparison: "associated with", never "caused", and never "no effect" just
//! because a test was not significant.

use serde::Serialize;

use super::Response;
use super::compare::Endpoint;

/// What a comparison can honestly conclude, first matching tier wins
/// (docs/METHOD.md §3 "Verdict tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Either group has fewer than 5 cramps with an outcome, or they come
    /// from fewer than 3 runs: descriptives only.
    NotEnoughData,
    /// Either group has fewer than 15, or more than a quarter of the
    /// compared cramps lack severity: estimate and CI, no verdict.
    Exploratory,
    /// The 95 % CI lies below 1 and the stratified test gives p < 0.05.
    Shorter,
    /// The 95 % CI lies above 1 and the stratified test gives p < 0.05.
    Longer,
    /// The 90 % CI lies inside the equivalence bounds (TOST).
    NoMeaningfulDifference,
    /// None of the above: the data cannot tell.
    Inconclusive,
}

/// The thresholds the tiers use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Below this many cramps in either group: not enough data (5).
    pub min_group_n: usize,
    /// Below this many cramps in either group: exploratory (15).
    pub min_verdict_n: usize,
    /// Cramps from fewer runs than this: not enough data (3). In a cohort,
    /// fewer contributing runners than this.
    pub min_runs: usize,
    /// In a cohort, fewer contributing runners than this: exploratory (10;
    /// docs/METHOD.md §5). Not used for one runner.
    pub min_verdict_runners: usize,
    /// More than this share of compared cramps without severity:
    /// exploratory (0.25).
    pub max_missing_severity_fraction: f64,
    /// Significance level of the test (0.05).
    pub alpha: f64,
    /// Equivalence bounds on the ratio (0.8, 1.25; Lakens 2017, Soc.
    /// Psychol. Personal. Sci. 8:355).
    pub equivalence: (f64, f64),
    /// Seconds after onset where the primary outcome starts counting, the
    /// end of the response window (18): the sentence names it.
    pub landmark_s: f64,
}

/// What the tiers and the sentence are decided from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Cramps with a usable outcome in the first group.
    pub n_group: usize,
    /// Cramps with a usable outcome in the reference group.
    pub n_reference: usize,
    /// Runs those cramps come from.
    pub n_runs: usize,
    /// In a cohort, the runners who contribute (a stratum of theirs holds
    /// both groups); `None` for one runner. The tiers then count runners,
    /// not runs (docs/METHOD.md §5).
    pub n_runners: Option<usize>,
    /// Of those cramps, how many lack severity.
    pub missing_severity: usize,
    /// Duration ratio group ÷ reference.
    pub ratio: Option<f64>,
    /// (1 − α) CI of the ratio.
    pub ci: Option<(f64, f64)>,
    /// (1 − 2α) CI of the ratio, for the equivalence test.
    pub ci_equivalence: Option<(f64, f64)>,
    /// p-value of the stratified test.
    pub p_value: Option<f64>,
    /// Smallest ratio (< 1) detectable with the wanted power.
    pub detectable_ratio: Option<f64>,
}

impl Evidence {
    fn severity_missing(&self, rules: &Rules) -> bool {
        let n = self.n_group + self.n_reference;
        n > 0 && self.missing_severity as f64 > rules.max_missing_severity_fraction * n as f64
    }
}

/// The verdict, tiers in the order of docs/METHOD.md §3, *Verdict tiers* (first match wins).
pub fn decide(e: &Evidence, rules: &Rules) -> Verdict {
    let units = e.n_runners.unwrap_or(e.n_runs);
    if e.n_group < rules.min_group_n || e.n_reference < rules.min_group_n || units < rules.min_runs
    {
        return Verdict::NotEnoughData;
    }
    if e.n_group < rules.min_verdict_n
        || e.n_reference < rules.min_verdict_n
        || e.severity_missing(rules)
        || e.n_runners.is_some_and(|c| c < rules.min_verdict_runners)
    {
        return Verdict::Exploratory;
    }
    if let (Some((lo, hi)), Some(p)) = (e.ci, e.p_value)
        && p < rules.alpha
    {
        if hi < 1.0 {
            return Verdict::Shorter;
        }
        if lo > 1.0 {
            return Verdict::Longer;
        }
    }
    if let Some((lo, hi)) = e.ci_equivalence
        && lo > rules.equivalence.0
        && hi < rules.equivalence.1
    {
        return Verdict::NoMeaningfulDifference;
    }
    Verdict::Inconclusive
}

/// "slowing down", "walking", … — what the runner did, as a gerund.
fn doing(r: Response) -> &'static str {
    match r {
        Response::Slowed => "slowing down",
        Response::KeptPace => "keeping pace",
        Response::Walked => "walking",
        Response::Stopped => "stopping",
        Response::Unknown => "an unknown response",
    }
}

/// "slowed", "kept-pace", … — as an adjective before "cramps".
fn adjective(r: Response) -> &'static str {
    match r {
        Response::Slowed => "slowed",
        Response::KeptPace => "kept-pace",
        Response::Walked => "walked",
        Response::Stopped => "stopped",
        Response::Unknown => "unclassified",
    }
}

/// Percent change a ratio stands for, rounded: (amount, "shorter"/"longer"),
/// or `None` when it rounds to no change.
fn change(ratio: f64) -> Option<(f64, &'static str)> {
    let (pct, word) = if ratio < 1.0 {
        (100.0 * (1.0 - ratio), "shorter")
    } else {
        (100.0 * (ratio - 1.0), "longer")
    };
    let pct = pct.round();
    (pct >= 1.0).then_some((pct, word))
}

/// "48 % shorter", "12 % longer", "about as long".
fn change_phrase(ratio: f64) -> String {
    match change(ratio) {
        Some((pct, word)) => format!("{pct:.0} % {word}"),
        None => "about as long".to_string(),
    }
}

/// "48 % shorter cramps (95 % CI 31–61 %)", or with a CI straddling 1,
/// "… (95 % CI 40 % shorter to 15 % longer)".
fn estimate_phrase(ratio: f64, ci: Option<(f64, f64)>, level_pct: f64) -> String {
    let head = match change(ratio) {
        Some((pct, word)) => format!("{pct:.0} % {word} cramps"),
        None => "cramps about as long".to_string(),
    };
    let Some((lo, hi)) = ci else {
        return format!("{head} (no confidence interval could be computed)");
    };
    let range = match (change(lo), change(hi)) {
        (Some((a, "shorter")), Some((b, "shorter"))) => format!("{b:.0}–{a:.0} % shorter"),
        (Some((a, "longer")), Some((b, "longer"))) => format!("{a:.0}–{b:.0} % longer"),
        _ => format!("{} to {}", change_phrase(lo), change_phrase(hi)),
    };
    format!("{head} ({level_pct:.0} % CI {range})")
}

/// What the outcome measures, appended to estimates.
fn outcome_note(outcome: Endpoint, rules: &Rules) -> String {
    match outcome {
        Endpoint::RemainingS => format!(
            "counting the time a cramp lasted beyond its first {} s",
            rules.landmark_s
        ),
        Endpoint::DurationS => "counting each cramp's full tagged duration".to_string(),
    }
}

/// The sentence that reports a comparison (docs/METHOD.md §3 "wording").
pub fn summary(
    verdict: Verdict,
    e: &Evidence,
    rules: &Rules,
    group: Response,
    reference: Response,
    outcome: Endpoint,
) -> String {
    let level_pct = 100.0 * (1.0 - rules.alpha);
    let who = doing(group);
    let vs = doing(reference);
    let mut who_cap = who.to_string();
    if let Some(first) = who_cap.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let counts = match e.n_runners {
        None => format!(
            "{} {} and {} {} cramps with a usable outcome from {} run{}",
            e.n_group,
            adjective(group),
            e.n_reference,
            adjective(reference),
            e.n_runs,
            if e.n_runs == 1 { "" } else { "s" }
        ),
        Some(c) => format!(
            "{} {} and {} {} cramps with a usable outcome from {c} runner{} who each had both",
            e.n_group,
            adjective(group),
            e.n_reference,
            adjective(reference),
            if c == 1 { "" } else { "s" }
        ),
    };
    let (units, same) = match e.n_runners {
        None => ("runs", "of the same severity"),
        Some(_) => (
            "runners who each had both",
            "of the same severity and the same runner",
        ),
    };
    let severity_request = if e.severity_missing(rules) {
        format!(
            "; more than {:.0} % of these cramps have no severity, so like cannot be compared with like — please tag severity (1–3)",
            100.0 * rules.max_missing_severity_fraction
        )
    } else {
        String::new()
    };
    let detectable = match e.detectable_ratio {
        Some(r) => format!(
            "; these data would detect cramps {} with {} 80 % of the time",
            change_phrase(r),
            who
        ),
        None => "; these data are too few to detect even a large difference reliably".to_string(),
    };
    match verdict {
        Verdict::NotEnoughData => format!(
            "Not enough data to compare {who} with {vs}: {counts} (at least {} in each group, from at least {} {units}, are needed), so only descriptives are shown{severity_request}.",
            rules.min_group_n, rules.min_runs
        ),
        Verdict::Exploratory => {
            let estimate = match e.ratio {
                Some(r) => format!(
                    "{who} was associated with {}, {}",
                    estimate_phrase(r, e.ci, level_pct),
                    outcome_note(outcome, rules)
                ),
                None => "no estimate could be computed".to_string(),
            };
            let needs = match e.n_runners {
                None => format!(
                    "a verdict needs at least {} in each group and severity on at least {:.0} % of them",
                    rules.min_verdict_n,
                    100.0 * (1.0 - rules.max_missing_severity_fraction)
                ),
                Some(_) => format!(
                    "a verdict needs at least {} in each group, from at least {} {units}",
                    rules.min_verdict_n, rules.min_verdict_runners
                ),
            };
            format!("Exploratory only ({counts}; {needs}): {estimate}{severity_request}.")
        }
        Verdict::Shorter | Verdict::Longer => {
            let r = e.ratio.unwrap_or(1.0);
            format!(
                "{who_cap} was associated with {}, {}, compared with {vs} in cramps {same} (p {}; {counts}).",
                estimate_phrase(r, e.ci, level_pct),
                outcome_note(outcome, rules),
                format_p(e.p_value)
            )
        }
        Verdict::NoMeaningfulDifference => {
            let (lo, hi) = e.ci_equivalence.unwrap_or((1.0, 1.0));
            format!(
                "Cramps lasted about as long after {who} as after {vs}: the ratio is {:.2} and its {:.0} % CI ({:.2}–{:.2}) lies within the equivalence bounds {:.2}–{:.2}, {} ({counts}).",
                e.ratio.unwrap_or(1.0),
                100.0 * (1.0 - 2.0 * rules.alpha),
                lo,
                hi,
                rules.equivalence.0,
                rules.equivalence.1,
                outcome_note(outcome, rules)
            )
        }
        Verdict::Inconclusive => {
            let range = match e.ci {
                Some((lo, hi)) => format!(
                    "anything from {} to {} cramps",
                    change_phrase(lo),
                    change_phrase(hi)
                ),
                None => "a wide range of cramp durations".to_string(),
            };
            format!(
                "Inconclusive: the data are compatible with {who} going with {range} ({level_pct:.0} % CI, {}){detectable} ({counts}).",
                outcome_note(outcome, rules)
            )
        }
    }
}

/// Below this a p-value is shown as "< 0.001": more decimals would claim a
/// precision a permutation test of 9,999 draws does not have, and fewer
/// would print a misleading "0.000".
const SMALLEST_SHOWN_P: f64 = 0.001;

/// A p-value as a table cell: `decimals` decimals, or "< 0.001" below
/// 0.001. Every output (sentence, terminal, HTML) shows p-values this way.
pub fn p_value_text(p: f64, decimals: usize) -> String {
    if p < SMALLEST_SHOWN_P {
        format!("< {SMALLEST_SHOWN_P}")
    } else {
        format!("{p:.decimals$}")
    }
}

/// A p-value after "p " in a sentence: "= 0.003", or "< 0.001".
pub fn p_value_relation(p: f64, decimals: usize) -> String {
    let text = p_value_text(p, decimals);
    if p < SMALLEST_SHOWN_P {
        text
    } else {
        format!("= {text}")
    }
}

/// p-values as people read them: "= 0.003", "< 0.001".
fn format_p(p: Option<f64>) -> String {
    match p {
        Some(p) => p_value_relation(p, 3),
        None => "not available".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        min_group_n: 5,
        min_verdict_n: 15,
        min_runs: 3,
        min_verdict_runners: 10,
        max_missing_severity_fraction: 0.25,
        alpha: 0.05,
        equivalence: (0.8, 1.25),
        landmark_s: 18.0,
    };

    fn evidence() -> Evidence {
        Evidence {
            n_group: 30,
            n_reference: 30,
            n_runs: 20,
            n_runners: None,
            missing_severity: 0,
            ratio: Some(0.52),
            ci: Some((0.39, 0.69)),
            ci_equivalence: Some((0.41, 0.66)),
            p_value: Some(0.001),
            detectable_ratio: Some(0.7),
        }
    }

    #[test]
    fn four_cramps_in_a_group_is_not_enough_data() {
        let e = Evidence {
            n_group: 4,
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::NotEnoughData);
    }

    #[test]
    fn cramps_from_two_runs_are_not_enough_data_however_many() {
        let e = Evidence {
            n_runs: 2,
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::NotEnoughData);
    }

    #[test]
    fn fourteen_cramps_in_a_group_is_only_exploratory() {
        let e = Evidence {
            n_reference: 14,
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::Exploratory);
    }

    #[test]
    fn more_than_a_quarter_without_severity_is_only_exploratory_and_asks_for_tags() {
        // 16 of 60 = 26.7 % > 25 %.
        let e = Evidence {
            missing_severity: 16,
            ..evidence()
        };
        let v = decide(&e, &RULES);
        assert_eq!(v, Verdict::Exploratory);
        let s = summary(
            v,
            &e,
            &RULES,
            Response::Slowed,
            Response::KeptPace,
            Endpoint::RemainingS,
        );
        assert!(s.contains("please tag severity"), "{s}");
        // Exactly a quarter is still allowed.
        let e = Evidence {
            missing_severity: 15,
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::Shorter);
    }

    #[test]
    fn a_ci_below_one_with_a_significant_test_is_shorter_and_says_associated() {
        let e = evidence();
        let v = decide(&e, &RULES);
        assert_eq!(v, Verdict::Shorter);
        let s = summary(
            v,
            &e,
            &RULES,
            Response::Slowed,
            Response::KeptPace,
            Endpoint::RemainingS,
        );
        // 1 − 0.52 = 48 %; CI 1 − 0.69 = 31 % to 1 − 0.39 = 61 %.
        assert!(
            s.starts_with(
                "Slowing down was associated with 48 % shorter cramps (95 % CI 31–61 % shorter)"
            ),
            "{s}"
        );
        assert!(s.contains("(p = 0.001;"), "{s}");
        assert!(!s.contains("caus"), "{s}");
    }

    #[test]
    fn cramps_from_one_run_are_counted_as_one_run_not_one_runs() {
        let e = Evidence {
            n_runs: 1,
            ..evidence()
        };
        let v = decide(&e, &RULES);
        let s = summary(
            v,
            &e,
            &RULES,
            Response::Slowed,
            Response::KeptPace,
            Endpoint::RemainingS,
        );
        assert!(s.contains("from 1 run ("), "{s}");
        assert!(!s.contains("1 runs"), "{s}");
    }

    #[test]
    fn a_ci_above_one_with_a_significant_test_is_longer() {
        let e = Evidence {
            ratio: Some(1.35),
            ci: Some((1.1, 1.66)),
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::Longer);
        let s = summary(
            Verdict::Longer,
            &e,
            &RULES,
            Response::Walked,
            Response::KeptPace,
            Endpoint::RemainingS,
        );
        assert!(
            s.contains("35 % longer cramps (95 % CI 10–66 % longer)"),
            "{s}"
        );
    }

    #[test]
    fn a_ci_excluding_one_without_a_significant_test_is_not_a_finding() {
        let e = Evidence {
            p_value: Some(0.07),
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::Inconclusive);
    }

    #[test]
    fn a_narrow_ci_inside_the_bounds_is_no_meaningful_difference() {
        let e = Evidence {
            ratio: Some(0.97),
            ci: Some((0.85, 1.1)),
            ci_equivalence: Some((0.87, 1.08)),
            p_value: Some(0.6),
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::NoMeaningfulDifference);
        // Touching a bound is not inside it.
        let e = Evidence {
            ci_equivalence: Some((0.8, 1.08)),
            ..e
        };
        assert_eq!(decide(&e, &RULES), Verdict::Inconclusive);
    }

    #[test]
    fn an_inconclusive_result_gives_the_range_and_never_claims_no_effect() {
        let e = Evidence {
            ratio: Some(0.9),
            ci: Some((0.6, 1.15)),
            ci_equivalence: Some((0.65, 1.1)),
            p_value: Some(0.4),
            detectable_ratio: Some(0.65),
            ..evidence()
        };
        let v = decide(&e, &RULES);
        assert_eq!(v, Verdict::Inconclusive);
        let s = summary(
            v,
            &e,
            &RULES,
            Response::Slowed,
            Response::KeptPace,
            Endpoint::RemainingS,
        );
        assert!(
            s.contains("anything from 40 % shorter to 15 % longer cramps"),
            "{s}"
        );
        assert!(s.contains("35 % shorter"), "{s}");
        assert!(!s.to_lowercase().contains("no effect"), "{s}");
    }

    #[test]
    fn the_sentence_names_the_landmark_it_was_given() {
        let e = evidence();
        let say = |rules: &Rules| {
            summary(
                decide(&e, rules),
                &e,
                rules,
                Response::Slowed,
                Response::KeptPace,
                Endpoint::RemainingS,
            )
        };
        assert!(say(&RULES).contains("beyond its first 18 s"));
        let s = say(&Rules {
            landmark_s: 25.0,
            ..RULES
        });
        assert!(s.contains("beyond its first 25 s"), "{s}");
        assert!(!s.contains("18 s"), "{s}");
    }

    #[test]
    fn p_values_below_a_thousandth_read_less_than_a_thousandth() {
        assert_eq!(p_value_text(0.0001, 4), "< 0.001");
        assert_eq!(p_value_text(0.000_999, 3), "< 0.001");
        assert_eq!(p_value_text(0.001, 4), "0.0010");
        assert_eq!(p_value_text(0.0312, 3), "0.031");
        assert_eq!(p_value_relation(0.0001, 3), "< 0.001");
        assert_eq!(p_value_relation(0.0312, 3), "= 0.031");
        assert_eq!(format_p(None), "not available");
    }

    #[test]
    fn missing_intervals_fall_through_to_inconclusive() {
        let e = Evidence {
            ci: None,
            ci_equivalence: None,
            p_value: None,
            ..evidence()
        };
        assert_eq!(decide(&e, &RULES), Verdict::Inconclusive);
    }
}
