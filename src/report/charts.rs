//! The HTML reports' charts, drawn with plotters' SVG backend into strings
//! that are inlined in the page (no scripts, no fonts to fetch: the backend
//! writes `<text>` elements and escapes their content). Each function
//! returns one `<svg>` element, or a short `<p>` when there is nothing to draw.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::align::WindowOptions;
use crate::analysis::{Response, stats};
use crate::results::CrampResult;
use crate::timeline::Timeline;

type Drawn = Result<(), Box<dyn std::error::Error>>;

const FONT: &str = "sans-serif";
/// Kept pace: the reference group.
pub const KEPT_PACE: RGBColor = RGBColor(31, 119, 180);
/// Slowed: the group of interest.
pub const SLOWED: RGBColor = RGBColor(230, 85, 13);
const OTHER: RGBColor = RGBColor(150, 150, 150);
const HR: RGBColor = RGBColor(200, 30, 60);
const PACE: RGBColor = RGBColor(31, 90, 160);
const CRAMP: RGBColor = RGBColor(214, 39, 40);

/// Slowest pace drawn, min/km: walking and standing are clipped to it.
const SLOWEST_PACE_MIN_PER_KM: f64 = 15.0;

/// Pace in min/km from a speed in m/s (1000 m / speed / 60 s), clipped.
pub fn pace_min_per_km(speed_mps: f64) -> f64 {
    if speed_mps > 1000.0 / 60.0 / SLOWEST_PACE_MIN_PER_KM {
        1000.0 / 60.0 / speed_mps
    } else {
        SLOWEST_PACE_MIN_PER_KM
    }
}

/// Run a drawing closure on a fresh SVG canvas.
fn svg(size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn) -> String {
    let mut buf = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        let r = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root).map_err(|e| e.to_string()))
            .and_then(|_| root.present().map_err(|e| e.to_string()));
        r.is_ok()
    };
    if ok {
        buf
    } else {
        "<p class=\"note\">This chart could not be drawn.</p>".to_string()
    }
}

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a deterministic jitter
/// in −0.5…0.5 from a cramp id, so the same batch always draws the same dots.
fn jitter(id: usize) -> f64 {
    let mut z = (id as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// The response groups in the order the charts show them.
pub const GROUPS: [Response; 5] = [
    Response::KeptPace,
    Response::Slowed,
    Response::Walked,
    Response::Stopped,
    Response::Unknown,
];

fn group_colour(r: Response) -> RGBColor {
    match r {
        Response::KeptPace => KEPT_PACE,
        Response::Slowed => SLOWED,
        _ => OTHER,
    }
}

fn severity_colour(s: Option<u8>) -> RGBColor {
    match s {
        Some(1) => RGBColor(44, 160, 44),
        Some(2) => RGBColor(255, 127, 14),
        Some(3) => RGBColor(180, 20, 20),
        _ => OTHER,
    }
}

/// Slowdowns drawn, percent: a runner who stopped slowed by 100 %, and a
/// speed-up past 50 % within seconds of a cramp is a baseline that was not
/// running or a glitch. Slowdowns outside are drawn at the edge.
const SLOWDOWN_AXIS_PCT: (f64, f64) = (-50.0, 100.0);

/// The part of an axis a chart draws, in data units; values outside it are
/// drawn on its edge as triangles and counted in a note.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clip {
    lo: f64,
    hi: f64,
}

impl Clip {
    /// The value moved onto the drawn range, and whether it had to move.
    fn place(self, v: f64) -> (f64, bool) {
        if v < self.lo {
            (self.lo, true)
        } else if v > self.hi {
            (self.hi, true)
        } else {
            (v, false)
        }
    }
}

/// A robust range for durations on a log axis: Tukey's far-out fences
/// (quartiles ∓ 3 IQR; Tukey 1977, *Exploratory Data Analysis*) on log10
/// durations, but never closer than a decade to the quartiles, narrowed to
/// the data. One typing error (an end on the wrong day: 86,400 s) would
/// otherwise squeeze every other cramp into a corner.
fn duration_clip(values: impl Iterator<Item = f64>) -> Option<Clip> {
    let mut v: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
    v.sort_unstable_by(f64::total_cmp);
    let logs: Vec<f64> = v.iter().map(|x| x.log10()).collect();
    let (q1, q3) = (
        stats::quantile_sorted(&logs, 0.25)?,
        stats::quantile_sorted(&logs, 0.75)?,
    );
    let reach = (3.0 * (q3 - q1)).max(1.0);
    let (least, most) = (*v.first()?, *v.last()?);
    Some(Clip {
        lo: least.max(10f64.powf(q1 - reach)),
        hi: most.min(10f64.powf(q3 + reach)),
    })
}

/// A log axis over a clip, padded by a sixth of a decade.
fn log_axis(c: Clip) -> (f64, f64) {
    (c.lo / 1.5, c.hi * 1.5)
}

/// The note under a chart with points outside its axes, if any.
fn outside_note(outside: usize, of: usize) -> Option<String> {
    (outside > 0).then(|| {
        format!(
            "{outside} of {of} point{} outside the axes, drawn on the edge as triangles",
            if of == 1 { "" } else { "s" }
        )
    })
}

/// Run `draw` on the canvas, with `note` (if any) written in a strip below.
fn with_note(
    root: &DrawingArea<SVGBackend, Shift>,
    note: Option<&str>,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn,
) -> Drawn {
    let Some(note) = note else {
        return draw(root);
    };
    let (_, h) = root.dim_in_pixel();
    let (upper, lower) = root.split_vertically(h.saturating_sub(22));
    draw(&upper)?;
    lower.draw(&Text::new(
        note.to_string(),
        (12, 3),
        (FONT, 13).into_font().color(&BLACK.mix(0.75)),
    ))?;
    Ok(())
}

/// Tagged durations by response group on a log axis: every cramp a dot,
/// jittered sideways, with the group's median as a bar.
pub fn durations_by_group(cramps: &[CrampResult]) -> String {
    let dots: Vec<(Response, usize, f64)> = cramps
        .iter()
        .filter_map(|c| {
            c.duration_s
                .filter(|d| *d > 0.0)
                .map(|d| (c.response, c.cramp_id, d))
        })
        .collect();
    let Some(clip) = duration_clip(dots.iter().map(|d| d.2)) else {
        return "<p class=\"note\">No cramp has a tagged duration to draw.</p>".to_string();
    };
    let (lo, hi) = log_axis(clip);
    let outside = dots.iter().filter(|d| clip.place(d.2).1).count();
    let note = outside_note(outside, dots.len());
    svg((900, 420), |root| {
        with_note(root, note.as_deref(), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(
                    "Tagged cramp duration by response (log scale; bar = median)",
                    (FONT, 18),
                )
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.5f64..4.5f64, (lo..hi).log_scale())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(5)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && (0.0..5.0).contains(&i) {
                        GROUPS[i as usize].as_str().replace('_', " ")
                    } else {
                        String::new()
                    }
                })
                .light_line_style(RGBColor(242, 242, 242))
                .y_desc("duration, s")
                .y_label_formatter(&|y| format!("{y:.0}"))
                .draw()?;
            for (gi, g) in GROUPS.iter().enumerate() {
                let colour = group_colour(*g);
                let mine: Vec<&(Response, usize, f64)> =
                    dots.iter().filter(|d| d.0 == *g).collect();
                let x0 = gi as f64;
                let placed = mine
                    .iter()
                    .map(|d| (x0 + 0.6 * jitter(d.1), clip.place(d.2)));
                chart.draw_series(
                    placed
                        .clone()
                        .filter(|p| !p.1.1)
                        .map(|(x, (y, _))| Circle::new((x, y), 3, colour.mix(0.7).filled())),
                )?;
                chart.draw_series(
                    placed
                        .filter(|p| p.1.1)
                        .map(|(x, (y, _))| TriangleMarker::new((x, y), 5, colour.stroke_width(1))),
                )?;
                // The median of the true durations, so clipping moves no bar.
                let mut v: Vec<f64> = mine.iter().map(|d| d.2).collect();
                if let Some(m) = stats::median_mut(&mut v) {
                    let m = clip.place(m).0;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x0 - 0.38, m), (x0 + 0.38, m)],
                        colour.stroke_width(3),
                    )))?;
                }
            }
            Ok(())
        })
    })
}

/// Slowdown against tagged duration, coloured by severity; the title holds
/// Kendall's τ-b of the primary comparison.
pub fn slowdown_vs_duration(cramps: &[CrampResult], title: &str) -> String {
    let dots: Vec<(f64, f64, Option<u8>)> = cramps
        .iter()
        .filter_map(|c| match (c.slowdown_pct, c.duration_s) {
            (Some(s), Some(d)) if s.is_finite() && d > 0.0 => Some((s, d, c.severity)),
            _ => None,
        })
        .collect();
    let Some(dclip) = duration_clip(dots.iter().map(|d| d.1)) else {
        return "<p class=\"note\">No cramp has both a slowdown and a duration.</p>".to_string();
    };
    let (lo, hi) = log_axis(dclip);
    let sclip = Clip {
        lo: SLOWDOWN_AXIS_PCT.0,
        hi: SLOWDOWN_AXIS_PCT.1,
    };
    // (slowdown, duration, severity, drawn at an edge), placed on the axes.
    let placed: Vec<(f64, f64, Option<u8>, bool)> = dots
        .iter()
        .map(|&(s, d, sev)| {
            let ((s, so), (d, d_o)) = (sclip.place(s), dclip.place(d));
            (s, d, sev, so || d_o)
        })
        .collect();
    let outside = placed.iter().filter(|p| p.3).count();
    let note = outside_note(outside, dots.len());
    let smin = placed.iter().map(|d| d.0).fold(f64::INFINITY, f64::min);
    let smax = placed.iter().map(|d| d.0).fold(f64::NEG_INFINITY, f64::max);
    let (x0, x1) = ((smin - 5.0).min(-10.0), (smax + 5.0).max(40.0));
    svg((900, 420), |root| {
        with_note(root, note.as_deref(), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(title, (FONT, 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(x0..x1, (lo..hi).log_scale())?;
            chart
                .configure_mesh()
                .light_line_style(RGBColor(242, 242, 242))
                .x_label_formatter(&|x| format!("{x:.0}"))
                .x_desc("slowdown after onset, % of baseline grade-adjusted speed")
                .y_desc("duration, s")
                .y_label_formatter(&|y| format!("{y:.0}"))
                .draw()?;
            for (sev, name) in [
                (Some(1), "mild"),
                (Some(2), "moderate"),
                (Some(3), "severe"),
                (None, "no severity"),
            ] {
                let colour = severity_colour(sev);
                let mine = || {
                    placed.iter().filter(move |d| {
                        d.2 == sev || (sev.is_none() && !matches!(d.2, Some(1..=3)))
                    })
                };
                chart
                    .draw_series(
                        mine()
                            .filter(|d| !d.3)
                            .map(|d| Circle::new((d.0, d.1), 3, colour.mix(0.8).filled())),
                    )?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x, y), 4, colour.filled()));
                chart.draw_series(
                    mine()
                        .filter(|d| d.3)
                        .map(|d| TriangleMarker::new((d.0, d.1), 5, colour.stroke_width(1))),
                )?;
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 13))
                .draw()?;
            Ok(())
        })
    })
}

/// Consecutive runs of `Some` values: a line is broken where data is missing.
fn segments(points: impl Iterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, y) in points {
        match y {
            Some(y) if y.is_finite() => out.last_mut().expect("never empty").push((x, y)),
            _ => {
                if !out.last().is_some_and(Vec::is_empty) {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// One cramp: grade-adjusted pace and heart rate from −180 s to +300 s
/// around the onset, baseline and response windows shaded, the tagged end
/// marked; the title gives the response class and the slowdown.
pub fn cramp_panel(c: &CrampResult, windows: &WindowOptions) -> String {
    let title = format!(
        "#{} {}{}",
        c.cramp_id,
        c.response.as_str().replace('_', " "),
        // An unknown response's slowdown means nothing (a baseline spent
        // standing makes a jog a slowdown of −4,000 %).
        c.slowdown_pct
            .filter(|_| c.response != Response::Unknown)
            .map_or(String::new(), |s| format!(", slowdown {s:.0} %"))
    );
    if c.window.is_empty() {
        return format!(
            "<p class=\"note\">{}: no samples around the onset.</p>",
            super::html::escape(&title)
        );
    }
    // Pace is drawn negated so that faster is up, as on a speed chart;
    // the axis labels undo the sign.
    let paces: Vec<f64> = c
        .window
        .iter()
        .filter_map(|w| w.gap_mps.map(pace_min_per_km))
        .collect();
    let pmin = paces.iter().copied().fold(f64::INFINITY, f64::min);
    let fastest = if pmin.is_finite() {
        (pmin - 0.5).max(0.0).floor()
    } else {
        2.0
    };
    let (p0, p1) = (-(SLOWEST_PACE_MIN_PER_KM + 0.5), -fastest);
    let hrs: Vec<f64> = c.window.iter().filter_map(|w| w.hr_bpm).collect();
    let h0 = hrs.iter().copied().fold(f64::INFINITY, f64::min);
    let h1 = hrs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (h0, h1) = if h0.is_finite() {
        ((h0 - 5.0).floor(), (h1 + 5.0).ceil())
    } else {
        (60.0, 200.0)
    };
    svg((380, 230), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, (FONT, 14))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(34)
            .right_y_label_area_size(34)
            .build_cartesian_2d(-180f64..300f64, p0..p1)?
            .set_secondary_coord(-180f64..300f64, h0..h1);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(6)
            .y_labels(5)
            .label_style((FONT, 11))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{:.0}", -y))
            .y_desc("pace min/km")
            .axis_desc_style((FONT, 11))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_labels(5)
            .label_style((FONT, 11))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc("HR bpm")
            .axis_desc_style((FONT, 11))
            .draw()?;
        for (w, colour) in [
            (&windows.baseline, KEPT_PACE.mix(0.12)),
            (&windows.response, SLOWED.mix(0.2)),
        ] {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(w.from_s, p0), (w.to_s, p1)],
                colour.filled(),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, p0), (0.0, p1)],
            CRAMP.stroke_width(1),
        )))?;
        if let Some(d) = c.duration_s.filter(|d| (0.0..=300.0).contains(d)) {
            chart.draw_series(DashedLineSeries::new(
                vec![(d, p0), (d, p1)],
                4,
                3,
                CRAMP.stroke_width(1),
            ))?;
        }
        for seg in segments(
            c.window
                .iter()
                .map(|w| (f64::from(w.t_rel_s), w.gap_mps.map(|g| -pace_min_per_km(g)))),
        ) {
            chart.draw_series(LineSeries::new(seg, PACE.stroke_width(1)))?;
        }
        for seg in segments(c.window.iter().map(|w| (f64::from(w.t_rel_s), w.hr_bpm))) {
            chart.draw_secondary_series(LineSeries::new(seg, HR.stroke_width(1)))?;
        }
        Ok(())
    })
}

/// One strip of the run profile: title, points, colour, sign of the values.
type Row<'a> = (&'a str, Vec<(f64, Option<f64>)>, RGBColor, f64);

/// Mean of the finite values in each block of `step` seconds (the whole-run
/// profile would otherwise carry thousands of points per line).
fn blocks(v: &[f64], step: usize) -> Vec<(f64, Option<f64>)> {
    v.chunks(step)
        .enumerate()
        .map(|(i, c)| {
            let f: Vec<f64> = c.iter().copied().filter(|x| x.is_finite()).collect();
            let m = (!f.is_empty()).then(|| f.iter().sum::<f64>() / f.len() as f64);
            (((i * step) as f64 + step as f64 / 2.0) / 60.0, m)
        })
        .collect()
}

/// The whole run: pace, heart rate and elevation against elapsed minutes,
/// with pauses shaded grey and each cramp shaded from onset to tagged end.
pub fn run_profile(tl: &Timeline, cramps: &[CrampResult]) -> String {
    const STEP_S: usize = 10;
    let minutes = tl.len() as f64 / 60.0;
    if tl.is_empty() {
        return "<p class=\"note\">The run has no samples to draw.</p>".to_string();
    }
    let pace: Vec<f64> = tl
        .gap_mps
        .iter()
        .zip(&tl.paused)
        .map(|(g, p)| {
            if *p || !g.is_finite() {
                f64::NAN
            } else {
                // Negated so that faster is up; the labels undo the sign.
                -pace_min_per_km(*g)
            }
        })
        .collect();
    let mut pauses: Vec<(f64, f64)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, p) in tl.paused.iter().chain(std::iter::once(&false)).enumerate() {
        match (p, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                pauses.push((s as f64 / 60.0, i as f64 / 60.0));
                start = None;
            }
            _ => {}
        }
    }
    let spans: Vec<(f64, f64)> = cramps
        .iter()
        .map(|c| {
            let a = c.elapsed_at_onset_s / 60.0;
            // A cramp without a tagged end is marked by a 30 s band; every
            // band is at least 10 s wide so a short cramp stays visible.
            (a, a + c.duration_s.unwrap_or(30.0).max(10.0) / 60.0)
        })
        .collect();
    let rows: [Row; 3] = [
        (
            "pace min/km (grade-adjusted, faster up)",
            blocks(&pace, STEP_S),
            PACE,
            -1.0,
        ),
        ("heart rate bpm", blocks(&tl.hr_bpm, STEP_S), HR, 1.0),
        (
            "elevation m",
            blocks(&tl.altitude_m, STEP_S),
            RGBColor(90, 120, 60),
            1.0,
        ),
    ];
    svg((1100, 600), |root| {
        let areas = root.split_evenly((3, 1));
        for ((name, data, colour, sign), area) in rows.iter().zip(&areas) {
            let ys: Vec<f64> = data.iter().filter_map(|d| d.1).collect();
            let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() && hi > lo {
                (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
            } else if lo.is_finite() {
                (lo - 1.0, lo + 1.0)
            } else {
                (0.0, 1.0)
            };
            let mut chart = ChartBuilder::on(area)
                .caption(*name, (FONT, 14))
                .margin(6)
                .x_label_area_size(24)
                .y_label_area_size(50)
                .build_cartesian_2d(0f64..minutes.max(1.0), lo..hi)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(RGBColor(245, 245, 245))
                .y_labels(6)
                .label_style((FONT, 11))
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{:.0}", sign * y))
                .x_desc("elapsed, min")
                .axis_desc_style((FONT, 11))
                .draw()?;
            chart.draw_series(
                pauses
                    .iter()
                    .map(|(a, b)| Rectangle::new([(*a, lo), (*b, hi)], BLACK.mix(0.12).filled())),
            )?;
            chart.draw_series(
                spans
                    .iter()
                    .map(|(a, b)| Rectangle::new([(*a, lo), (*b, hi)], CRAMP.mix(0.35).filled())),
            )?;
            if ys.is_empty() {
                continue;
            }
            for seg in segments(data.iter().copied()) {
                chart.draw_series(LineSeries::new(seg, colour.stroke_width(1)))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_is_minutes_per_kilometre_and_clipped_when_barely_moving() {
        // 4 m/s: 1000 m take 250 s = 4 min 10 s = 4.1667 min.
        assert!((pace_min_per_km(4.0) - 250.0 / 60.0).abs() < 1e-9);
        assert_eq!(pace_min_per_km(0.0), SLOWEST_PACE_MIN_PER_KM);
    }

    #[test]
    fn one_typing_error_does_not_stretch_the_duration_axis() {
        let c = duration_clip([30.0, 45.0, 60.0, 90.0, 120.0, 86_400.0].into_iter())
            .expect("durations");
        assert_eq!(c.lo, 30.0);
        assert!(c.hi < 3_000.0, "{c:?}");
        assert_eq!(c.place(86_400.0), (c.hi, true));
        assert_eq!(c.place(90.0), (90.0, false));
        // Ordinary spreads, from seconds to minutes, are drawn whole.
        let c = duration_clip([5.0, 40.0, 600.0].into_iter()).expect("durations");
        assert_eq!((c.lo, c.hi), (5.0, 600.0));
        assert_eq!(duration_clip([0.0, f64::NAN].into_iter()), None);
    }

    #[test]
    fn the_note_counts_the_points_outside_the_axes() {
        assert_eq!(outside_note(0, 12), None);
        assert_eq!(
            outside_note(1, 12).as_deref(),
            Some("1 of 12 points outside the axes, drawn on the edge as triangles")
        );
    }

    #[test]
    fn jitter_is_repeatable_and_stays_within_half_a_slot() {
        for id in 0..1000 {
            let j = jitter(id);
            assert!((-0.5..0.5).contains(&j), "{j}");
            assert_eq!(j, jitter(id));
        }
        assert_ne!(jitter(1), jitter(2));
    }

    #[test]
    fn lines_break_where_values_are_missing() {
        let s = segments(
            [
                (0.0, Some(1.0)),
                (1.0, None),
                (2.0, Some(2.0)),
                (3.0, Some(3.0)),
            ]
            .into_iter(),
        );
        assert_eq!(s, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }
}

/// Most runners a forest plot draws; with more, the heaviest-weighted are
/// drawn and a note says how many were left out.
pub const MAX_FOREST_ROWS: usize = 60;

/// The between-runner forest plot (docs/METHOD.md §5): each runner's own
/// ratio and 95 % CI (square, area by weight), the random-effects average
/// as a diamond over its Hartung–Knapp CI with the prediction interval
/// under it, and the one-stage pooled ratio (`pooled`: ratio, CI) as a
/// second diamond. Log ratio axis, a line at 1.
pub fn forest_plot(meta: &crate::results::MetaResult, pooled: Option<(f64, f64, f64)>) -> String {
    if meta.runners.is_empty() {
        return format!(
            "<p class=\"note\">No forest plot: {}.</p>",
            quick_xml::escape::escape(
                meta.note
                    .as_deref()
                    .unwrap_or("no runner has at least 3 slowed and 3 kept-pace cramps")
            )
        );
    }
    let mut rows: Vec<&crate::results::MetaRunner> = meta.runners.iter().collect();
    let left_out = rows.len().saturating_sub(MAX_FOREST_ROWS);
    if left_out > 0 {
        rows.sort_by(|a, b| {
            b.weight_pct
                .unwrap_or(0.0)
                .total_cmp(&a.weight_pct.unwrap_or(0.0))
        });
        rows.truncate(MAX_FOREST_ROWS);
        rows.sort_by(|a, b| a.runner.cmp(&b.runner));
    }
    let re = match (meta.duration_ratio, meta.ci_low, meta.ci_high) {
        (Some(r), Some(lo), Some(hi)) => Some((r, lo, hi)),
        _ => None,
    };
    let pi = meta.pi_low.zip(meta.pi_high);
    // The axis spans every estimate and interval, within 1/20 … 20.
    let mut span: Vec<f64> = rows
        .iter()
        .flat_map(|r| [r.ci_low, r.ci_high, r.duration_ratio])
        .collect();
    span.extend(re.iter().flat_map(|r| [r.1, r.2]));
    span.extend(pi.iter().flat_map(|p| [p.0, p.1]));
    span.extend(pooled.iter().flat_map(|p| [p.1, p.2]));
    span.push(1.0);
    let finite: Vec<f64> = span
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let lo = finite.iter().copied().fold(1.0, f64::min).max(0.05) / 1.15;
    let hi = finite.iter().copied().fold(1.0, f64::max).min(20.0) * 1.15;
    let clamp = |v: f64| v.clamp(lo, hi);
    let n = rows.len();
    // Rows from the top: runners 0…n−1, then a gap, the pooled diamond,
    // the random-effects diamond and the prediction interval.
    let y_of = |i: usize| -(i as f64);
    let y_pooled = -(n as f64) - 0.8;
    let y_re = y_pooled - 1.0;
    let y_pi = y_re - 0.8;
    let height = 90 + 24 * (n as u32 + 4);
    let names: Vec<String> = rows.iter().map(|r| r.runner.clone()).collect();
    let note = (left_out > 0).then(|| {
        format!("{left_out} runners with the least weight are not drawn; all are in the runners table and the JSON")
    });
    svg((900, height), |root| {
        with_note(root, note.as_deref(), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(
                    "Each runner's duration ratio, slowed ÷ kept pace (95 % CI; square area = weight)",
                    (FONT, 18),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(200)
                .build_cartesian_2d(
                    (lo..hi).log_scale().with_key_points(
                        [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0]
                            .into_iter()
                            .filter(|k| (lo..=hi).contains(k))
                            .collect::<Vec<f64>>(),
                    ),
                    (y_pi - 0.7)..0.7,
                )?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .light_line_style(RGBColor(242, 242, 242))
                .x_desc("duration ratio (log scale; < 1: slowed cramps shorter)")
                .x_label_formatter(&|x| format!("{x}"))
                .draw()?;
            // Row labels, drawn as text beside the plotting area.
            let label_style = (FONT, 13).into_font().color(&BLACK.mix(0.85));
            let mut labels: Vec<(String, f64)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), y_of(i)))
                .collect();
            if pooled.is_some() {
                labels.push(("pooled (one stage)".into(), y_pooled));
            }
            if re.is_some() {
                labels.push(("average runner (random effects)".into(), y_re));
            }
            if pi.is_some() {
                labels.push(("a new runner (95 % prediction)".into(), y_pi));
            }
            for (text, y) in labels {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((lo, y)) + Text::new(text, (-196, -7), label_style.clone()),
                ))?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(1.0, 0.7), (1.0, y_pi - 0.7)],
                BLACK.mix(0.5).stroke_width(1),
            )))?;
            let max_w = rows.iter().filter_map(|r| r.weight_pct).fold(0.0, f64::max);
            for (i, r) in rows.iter().enumerate() {
                let y = y_of(i);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(clamp(r.ci_low), y), (clamp(r.ci_high), y)],
                    BLACK.mix(0.8).stroke_width(1),
                )))?;
                let share = match (r.weight_pct, max_w > 0.0) {
                    (Some(w), true) => (w / max_w).sqrt(),
                    _ => 0.5,
                };
                let half = (2.0 + 7.0 * share).round() as i32;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((clamp(r.duration_ratio), y))
                        + Rectangle::new([(-half, -half), (half, half)], SLOWED.filled()),
                ))?;
            }
            let diamond = |(r, lo_, hi_): (f64, f64, f64), y: f64| {
                Polygon::new(
                    vec![
                        (clamp(lo_), y),
                        (clamp(r), y + 0.32),
                        (clamp(hi_), y),
                        (clamp(r), y - 0.32),
                    ],
                    KEPT_PACE.filled(),
                )
            };
            if let Some(p) = pooled {
                chart.draw_series(std::iter::once(diamond(p, y_pooled)))?;
            }
            if let Some(m) = re {
                chart.draw_series(std::iter::once(diamond(m, y_re)))?;
            }
            if let Some((a, b)) = pi {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(clamp(a), y_pi), (clamp(b), y_pi)],
                    KEPT_PACE.stroke_width(3),
                )))?;
                for x in [a, b] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(clamp(x), y_pi - 0.2), (clamp(x), y_pi + 0.2)],
                        KEPT_PACE.stroke_width(2),
                    )))?;
                }
            }
            Ok(())
        })
    })
}

#[cfg(test)]
mod forest_tests {
    use super::*;
    use crate::results::{MetaResult, MetaRunner};

    fn meta(k: usize) -> MetaResult {
        MetaResult {
            k,
            duration_ratio: Some(0.6),
            ci_low: Some(0.45),
            ci_high: Some(0.8),
            pi_low: Some(0.3),
            pi_high: Some(1.2),
            runners: (0..k)
                .map(|i| MetaRunner {
                    runner: format!("<r{i}>"),
                    slowed: 5,
                    kept_pace: 5,
                    duration_ratio: 0.5 + 0.05 * i as f64,
                    ci_low: 0.2,
                    ci_high: 1.5,
                    se_log: 0.4,
                    weight_pct: Some(100.0 / k as f64),
                })
                .collect(),
            ..MetaResult::default()
        }
    }

    #[test]
    fn the_forest_plot_draws_a_square_per_runner_two_diamonds_and_the_prediction_interval() {
        let svg = forest_plot(&meta(5), Some((0.62, 0.5, 0.77)));
        assert!(svg.starts_with("<svg"), "{svg}");
        // plotters writes a filled square marker as a <rect>, a diamond as
        // a <polygon>; runner names are escaped text.
        assert_eq!(svg.matches("<polygon").count(), 2, "{svg}");
        assert!(svg.matches("<rect").count() >= 5);
        assert!(svg.contains("&lt;r4&gt;") && !svg.contains("<r4>"));
        assert!(svg.contains("a new runner (95 % prediction)"));
    }

    #[test]
    fn without_runners_in_the_meta_analysis_the_plot_is_a_note_saying_why() {
        let mut m = meta(0);
        m.note = Some("at least 3 runners are needed".into());
        let html = forest_plot(&m, None);
        assert!(
            html.starts_with("<p class=\"note\">No forest plot: at least 3 runners"),
            "{html}"
        );
    }

    #[test]
    fn with_very_many_runners_the_lightest_are_left_out_and_a_note_says_so() {
        let svg = forest_plot(&meta(MAX_FOREST_ROWS + 7), None);
        assert!(
            svg.contains("7 runners with the least weight are not drawn"),
            "{svg}"
        );
    }
}
