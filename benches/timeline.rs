//! How long the per-activity analysis costs: building the 1 Hz timeline of a
//! one-hour run, measuring three cramp windows and 200 placebo moments.

use std::hint::black_box;

use cramplab::activity::{
    Activity, ActivityMeta, EARTH_RADIUS_M, Format, RawSample, Sport, TrackBuilder,
};
use cramplab::align::{PlaceboOptions, WindowOptions, observe, placebo_moments};
use cramplab::timeline::{Timeline, TimelineOptions};
use criterion::{Criterion, criterion_group, criterion_main};

/// One hour at 1 Hz with every channel: rolling hills, a pace that wanders,
/// heart rate, cadence, positions along a meridian and a one-minute pause.
fn one_hour_run() -> Activity {
    let mut b = TrackBuilder::new(ActivityMeta {
        sport: Sport::Running,
        ..ActivityMeta::new("bench.fit", Format::Fit)
    });
    let t0_ms = 1_700_000_000_000i64;
    let mut x_m = 0.0;
    for t in 0..3600i64 {
        let tf = t as f64;
        let v = 3.3 + 0.3 * (tf / 97.0).sin();
        if !(1800..1860).contains(&t) {
            b.push(RawSample {
                time_ms: t0_ms + t * 1000,
                lat_deg: Some(45.0 + (x_m / EARTH_RADIUS_M).to_degrees()),
                lon_deg: Some(7.0),
                altitude_m: Some(200.0 + 20.0 * (x_m / 400.0).sin()),
                distance_m: Some(x_m),
                speed_mps: Some(v),
                hr_bpm: Some(150.0 + 5.0 * (tf / 300.0).sin()),
                cadence_spm: Some(170.0),
                ..RawSample::default()
            });
            x_m += v;
        }
    }
    b.pauses_ms.push((t0_ms + 1_800_000, t0_ms + 1_860_000));
    b.finish().expect("the run has samples")
}

fn bench_timeline(c: &mut Criterion) {
    let act = one_hour_run();
    let topts = TimelineOptions::default();
    let wopts = WindowOptions::default();
    let popts = PlaceboOptions::default();
    let cramps = [900.0, 2000.0, 3000.0];
    c.bench_function("timeline_1h_build", |b| {
        b.iter(|| Timeline::build(black_box(&act), &topts))
    });
    c.bench_function("timeline_1h_build_3_cramps_200_placebo", |b| {
        b.iter(|| {
            let tl = Timeline::build(black_box(&act), &topts);
            let obs: Vec<_> = cramps.iter().map(|&t| observe(&tl, t, &wopts)).collect();
            let placebo = placebo_moments(&tl, &cramps, &popts, &wopts, 0x5eed);
            (obs, placebo)
        })
    });
}

criterion_group!(benches, bench_timeline);
criterion_main!(benches);
