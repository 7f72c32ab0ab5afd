//! Which outcome each cramp contributes (docs/METHOD.md §3, row *outcome*): the
//! time a cramp lasted beyond the landmark (the end of the response
//! window) among cramps still going then, and why the others are counted
//! but not compared.

/// Which outcome a cramp contributes (docs/METHOD.md §3, *outcome*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrampOutcome {
    /// Still going at the end of the response window: primary outcome.
    Landmark,
    /// Ended by the end of the response window: counted and shown.
    EndedInWindow,
    /// No end was tagged.
    NoEnd,
    /// The tagged end lies beyond the end of the recording.
    Censored,
    /// Began while an earlier cramp was still going: its response belongs
    /// to the earlier one.
    Excluded,
}

impl CrampOutcome {
    /// Whether the cramp's full tagged duration is usable (the sensitivity
    /// outcome): it has an end, inside the recording, and its response is
    /// its own.
    pub fn has_duration(self) -> bool {
        !matches!(
            self,
            CrampOutcome::Excluded | CrampOutcome::NoEnd | CrampOutcome::Censored
        )
    }
}

/// When one cramp happened, in seconds since its activity's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrampTiming {
    /// Tagged onset.
    pub onset_s: f64,
    /// Tagged end, if any.
    pub end_s: Option<f64>,
    /// The activity's last sample.
    pub recording_end_s: f64,
}

/// A cramp's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assigned {
    /// Which outcome it contributes.
    pub outcome: CrampOutcome,
    /// Seconds it lasted beyond the landmark (`Landmark` only).
    pub remaining_s: Option<f64>,
}

/// A tagged end may lie this far past the last sample and still count as
/// inside the recording (the watch stops a sample interval after the
/// button press that ended the cramp).
const END_PAST_RECORDING_S: f64 = 1.0;

/// The outcomes of one activity's cramps, given in onset order, with the
/// landmark `landmark_s` seconds after onset. First match wins: a cramp
/// that began while an earlier one was still going is **excluded** (its
/// response belongs to the earlier cramp); without an end, **no end**; an
/// end past the recording, **censored**; over by the landmark, **ended in
/// window**; else **landmark**, with the time beyond it. A cramp without an
/// end says nothing about overlap with later cramps.
pub fn assign(cramps: &[CrampTiming], landmark_s: f64) -> Vec<Assigned> {
    let mut out = Vec::with_capacity(cramps.len());
    let mut latest_end: Option<f64> = None;
    for c in cramps {
        let overlaps = latest_end.is_some_and(|e| c.onset_s < e);
        let (outcome, remaining_s) = match c.end_s.map(|e| e - c.onset_s) {
            _ if overlaps => (CrampOutcome::Excluded, None),
            None => (CrampOutcome::NoEnd, None),
            Some(_)
                if c.end_s
                    .is_some_and(|e| e > c.recording_end_s + END_PAST_RECORDING_S) =>
            {
                (CrampOutcome::Censored, None)
            }
            Some(d) if d <= landmark_s => (CrampOutcome::EndedInWindow, None),
            Some(d) => (CrampOutcome::Landmark, Some(d - landmark_s)),
        };
        if let Some(e) = c.end_s {
            latest_end = Some(latest_end.map_or(e, |l: f64| l.max(e)));
        } else if latest_end.is_none_or(|l| l < c.onset_s) {
            latest_end = None;
        }
        out.push(Assigned {
            outcome,
            remaining_s,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(onset_s: f64, end_s: Option<f64>) -> CrampTiming {
        CrampTiming {
            onset_s,
            end_s,
            recording_end_s: 3600.0,
        }
    }

    #[test]
    fn each_cramp_gets_the_first_matching_outcome() {
        let got = assign(
            &[
                t(100.0, Some(190.0)),   // 90 s: 72 s beyond +18 s
                t(150.0, Some(400.0)),   // began during the first
                t(1000.0, Some(1012.0)), // over by +18 s
                t(1018.0, Some(1036.0)), // exactly 18 s: over by then
                t(2000.0, None),         // no end
                t(3590.0, Some(3700.0)), // ends after the recording
            ],
            18.0,
        );
        let outcomes: Vec<CrampOutcome> = got.iter().map(|a| a.outcome).collect();
        assert_eq!(
            outcomes,
            [
                CrampOutcome::Landmark,
                CrampOutcome::Excluded,
                CrampOutcome::EndedInWindow,
                CrampOutcome::EndedInWindow,
                CrampOutcome::NoEnd,
                CrampOutcome::Censored,
            ]
        );
        assert_eq!(got[0].remaining_s, Some(72.0));
        assert!(got[1..].iter().all(|a| a.remaining_s.is_none()));
    }

    #[test]
    fn the_landmark_follows_the_response_window() {
        // A 30 s cramp is compared with the default +18 s landmark, and over
        // by a +40 s one.
        let c = [t(100.0, Some(130.0))];
        assert_eq!(assign(&c, 18.0)[0].remaining_s, Some(12.0));
        assert_eq!(assign(&c, 40.0)[0].outcome, CrampOutcome::EndedInWindow);
    }

    #[test]
    fn an_end_a_second_past_the_recording_still_counts_but_two_do_not() {
        let c = |end| CrampTiming {
            onset_s: 3500.0,
            end_s: Some(end),
            recording_end_s: 3600.0,
        };
        assert_eq!(
            assign(&[c(3601.0)], 18.0)[0].outcome,
            CrampOutcome::Landmark
        );
        assert_eq!(
            assign(&[c(3602.0)], 18.0)[0].outcome,
            CrampOutcome::Censored
        );
    }

    #[test]
    fn a_cramp_without_an_end_does_not_exclude_the_next_one() {
        let got = assign(&[t(100.0, None), t(130.0, Some(200.0))], 18.0);
        assert_eq!(got[1].outcome, CrampOutcome::Landmark);
        // But an earlier cramp's end still reaches past one without an end.
        let got = assign(
            &[t(100.0, Some(500.0)), t(200.0, None), t(300.0, Some(400.0))],
            18.0,
        );
        assert_eq!(got[1].outcome, CrampOutcome::Excluded);
        assert_eq!(got[2].outcome, CrampOutcome::Excluded);
    }

    #[test]
    fn only_cramps_with_their_own_end_inside_the_recording_have_a_duration() {
        assert!(CrampOutcome::Landmark.has_duration());
        assert!(CrampOutcome::EndedInWindow.has_duration());
        assert!(!CrampOutcome::NoEnd.has_duration());
        assert!(!CrampOutcome::Censored.has_duration());
        assert!(!CrampOutcome::Excluded.has_duration());
    }
}
