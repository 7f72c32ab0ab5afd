//! What the watch makes of the true run: GPS error and jumps, altitude noise,
//! heart-rate straps and wrist sensors (with their lag and cadence lock),
//! cadence, every-second or "smart" recording, and auto-pause.

use serde::Serialize;

use super::course::{Course, offset_position};
use super::random::{SimRng, ar1_step, chance, int_in, normal, pick, uniform};
use super::runner::TrueTrack;

/// The heart-rate sensor a run was recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HrSensor {
    /// Chest strap (ECG): accurate, no extra lag.
    Chest,
    /// Wrist (optical, PPG): noisier, a few seconds late, and sometimes
    /// locked onto the cadence.
    Optical,
    /// No heart rate recorded.
    None,
}

/// How often the device writes a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingMode {
    /// Every second.
    EverySecond,
    /// Garmin-style "smart" recording: irregular intervals of 1–8 s.
    Smart,
}

/// A recording device (or the app that wrote the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Device {
    /// Model name as people say it.
    pub name: &'static str,
    /// FIT manufacturer id (1 = Garmin).
    pub manufacturer_id: u16,
    /// FIT product id (Garmin product list in the FIT profile).
    pub product_id: u16,
    /// Has a barometric altimeter (else altitude comes from GPS).
    pub barometer: bool,
    /// A watch with wrist HR and cadence (false: a phone app).
    pub watch: bool,
    /// Serial number written in FIT `file_id`.
    pub serial: u32,
}

/// Watches that write FIT files (product ids from the FIT profile's
/// `garmin_product` list).
pub const FIT_DEVICES: [Device; 4] = [
    Device {
        name: "Garmin Forerunner 255",
        manufacturer_id: 1,
        product_id: 3992,
        barometer: true,
        watch: true,
        serial: 3_412_775_101,
    },
    Device {
        name: "Garmin Forerunner 965",
        manufacturer_id: 1,
        product_id: 4315,
        barometer: true,
        watch: true,
        serial: 3_498_120_442,
    },
    Device {
        name: "Garmin fenix 7",
        manufacturer_id: 1,
        product_id: 3906,
        barometer: true,
        watch: true,
        serial: 3_377_004_918,
    },
    Device {
        name: "Garmin Forerunner 55",
        manufacturer_id: 1,
        product_id: 3869,
        barometer: false,
        watch: true,
        serial: 3_356_887_230,
    },
];

/// Creators of GPX files: watch exports from two services, and a phone app.
pub const GPX_DEVICES: [Device; 3] = [
    Device {
        name: "Garmin Connect",
        manufacturer_id: 1,
        product_id: 3992,
        barometer: true,
        watch: true,
        serial: 0,
    },
    Device {
        name: "StravaGPX",
        manufacturer_id: 1,
        product_id: 3076,
        barometer: true,
        watch: true,
        serial: 0,
    },
    Device {
        name: "Runkeeper - http://www.runkeeper.com",
        manufacturer_id: 255,
        product_id: 0,
        barometer: false,
        watch: false,
        serial: 0,
    },
];

/// Devices in TCX exports.
pub const TCX_DEVICES: [Device; 1] = [Device {
    name: "Forerunner 245",
    manufacturer_id: 1,
    product_id: 3076,
    barometer: true,
    watch: true,
    serial: 3_330_411_870,
}];

/// Parameters of the sensors and recording.
#[derive(Debug, Clone, Serialize)]
pub struct SensorParams {
    /// Share of watch runs with a chest strap (the rest: wrist HR).
    pub chest_share: f64,
    /// Share of phone runs with a chest strap (the rest: no HR).
    pub phone_hr_share: f64,
    /// Chest strap noise, SD bpm.
    pub chest_noise_sd_bpm: f64,
    /// Wrist sensor noise, SD bpm.
    pub optical_noise_sd_bpm: f64,
    /// Wrist sensor extra lag range, s.
    pub optical_lag_min_s: f64,
    /// See [`SensorParams::optical_lag_min_s`].
    pub optical_lag_max_s: f64,
    /// Share of wrist runs with cadence-lock episodes (the reading shows
    /// cadence in steps/min instead of HR).
    pub cadence_lock_run_share: f64,
    /// Cadence-lock episode length range, s.
    pub cadence_lock_min_s: f64,
    /// See [`SensorParams::cadence_lock_min_s`].
    pub cadence_lock_max_s: f64,
    /// Most cadence-lock episodes in one run.
    pub cadence_lock_max_episodes: i64,
    /// GPS error SD range per run (per axis), m.
    pub gps_error_min_m: f64,
    /// See [`SensorParams::gps_error_min_m`].
    pub gps_error_max_m: f64,
    /// Correlation time of the GPS error, s.
    pub gps_error_corr_s: f64,
    /// Large GPS jumps (multipath) per hour.
    pub gps_jumps_per_hour: f64,
    /// Jump size range, m.
    pub gps_jump_min_m: f64,
    /// See [`SensorParams::gps_jump_min_m`].
    pub gps_jump_max_m: f64,
    /// Jump length range, s.
    pub gps_jump_min_s: f64,
    /// See [`SensorParams::gps_jump_min_s`].
    pub gps_jump_max_s: f64,
    /// Barometric altitude noise, SD m.
    pub baro_noise_sd_m: f64,
    /// GPS altitude noise, SD m.
    pub gps_alt_noise_sd_m: f64,
    /// Correlation time of altitude noise, s.
    pub alt_noise_corr_s: f64,
    /// Calibration offset of altitude, SD m.
    pub alt_offset_sd_m: f64,
    /// Device speed noise, SD m/s.
    pub speed_noise_sd_mps: f64,
    /// Correlation time of the speed noise, s.
    pub speed_noise_corr_s: f64,
    /// Share of runs recorded "smart" (else every second).
    pub smart_share: f64,
    /// Smart recording: weights of intervals of 1, 2, …, 8 s.
    pub smart_interval_weights: [f64; 8],
    /// Share of runs with auto-pause on.
    pub auto_pause_share: f64,
    /// Auto-pause: below this speed the runner counts as stopped, m/s.
    pub auto_pause_speed_mps: f64,
    /// Auto-pause: the timer stops after this long stopped, s.
    pub auto_pause_after_s: u32,
    /// Share of runs with auto-lap.
    pub auto_lap_share: f64,
    /// Auto-lap distance, m.
    pub auto_lap_m: f64,
}

impl Default for SensorParams {
    fn default() -> Self {
        SensorParams {
            chest_share: 0.4,
            phone_hr_share: 0.3,
            chest_noise_sd_bpm: 1.5,
            optical_noise_sd_bpm: 4.0,
            optical_lag_min_s: 2.0,
            optical_lag_max_s: 8.0,
            cadence_lock_run_share: 0.3,
            cadence_lock_min_s: 120.0,
            cadence_lock_max_s: 360.0,
            cadence_lock_max_episodes: 2,
            gps_error_min_m: 3.0,
            gps_error_max_m: 8.0,
            gps_error_corr_s: 30.0,
            gps_jumps_per_hour: 0.8,
            gps_jump_min_m: 20.0,
            gps_jump_max_m: 50.0,
            gps_jump_min_s: 5.0,
            gps_jump_max_s: 25.0,
            baro_noise_sd_m: 0.3,
            gps_alt_noise_sd_m: 4.0,
            alt_noise_corr_s: 60.0,
            alt_offset_sd_m: 8.0,
            speed_noise_sd_mps: 0.08,
            speed_noise_corr_s: 4.0,
            smart_share: 0.4,
            // Mean interval 3.99 s: 1·.12 + 2·.16 + 3·.18 + 4·.16 + 5·.13
            // + 6·.10 + 7·.08 + 8·.07.
            smart_interval_weights: [0.12, 0.16, 0.18, 0.16, 0.13, 0.10, 0.08, 0.07],
            auto_pause_share: 0.7,
            auto_pause_speed_mps: 0.3,
            auto_pause_after_s: 2,
            auto_lap_share: 0.8,
            auto_lap_m: 1000.0,
        }
    }
}

/// How one run is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// Heart-rate sensor.
    pub hr_sensor: HrSensor,
    /// Extra lag of a wrist sensor, s (0 for a strap).
    pub optical_lag_s: u32,
    /// HR noise SD, bpm.
    pub hr_noise_sd_bpm: f64,
    /// Cadence-lock episodes, (start s, end s).
    pub cadence_lock: Vec<(u32, u32)>,
    /// Recording mode.
    pub recording: RecordingMode,
    /// Auto-pause on.
    pub auto_pause: bool,
    /// Auto-lap distance, if on.
    pub auto_lap_m: Option<f64>,
    /// Barometric altitude.
    pub barometer: bool,
    /// Cadence recorded.
    pub has_cadence: bool,
    /// GPS error SD, m.
    pub gps_error_sd_m: f64,
}

impl Setup {
    /// Draw how a run is recorded on `device` lasting `end_s`.
    pub fn draw(rng: &mut SimRng, p: &SensorParams, device: &Device, end_s: u32) -> Setup {
        let hr_sensor = if device.watch {
            if chance(rng, p.chest_share) {
                HrSensor::Chest
            } else {
                HrSensor::Optical
            }
        } else if chance(rng, p.phone_hr_share) {
            HrSensor::Chest
        } else {
            HrSensor::None
        };
        let mut cadence_lock = Vec::new();
        let mut optical_lag_s = 0;
        let mut hr_noise_sd_bpm = p.chest_noise_sd_bpm;
        if hr_sensor == HrSensor::Optical {
            optical_lag_s = uniform(rng, p.optical_lag_min_s, p.optical_lag_max_s).round() as u32;
            hr_noise_sd_bpm = p.optical_noise_sd_bpm;
            if chance(rng, p.cadence_lock_run_share) && end_s > 1200 {
                let n = int_in(rng, 1, p.cadence_lock_max_episodes);
                let slot = (end_s - 600) / n as u32;
                for k in 0..n as u32 {
                    let len = uniform(rng, p.cadence_lock_min_s, p.cadence_lock_max_s) as u32;
                    let room = slot.saturating_sub(len).max(1);
                    let start = 300 + k * slot + (uniform(rng, 0.0, room as f64) as u32);
                    cadence_lock.push((start, (start + len).min(end_s)));
                }
            }
        }
        let recording = if chance(rng, p.smart_share) {
            RecordingMode::Smart
        } else {
            RecordingMode::EverySecond
        };
        Setup {
            hr_sensor,
            optical_lag_s,
            hr_noise_sd_bpm,
            cadence_lock,
            recording,
            auto_pause: chance(rng, p.auto_pause_share),
            auto_lap_m: chance(rng, p.auto_lap_share).then_some(p.auto_lap_m),
            barometer: device.barometer,
            has_cadence: device.watch,
            gps_error_sd_m: uniform(rng, p.gps_error_min_m, p.gps_error_max_m),
        }
    }
}

/// One sample as the device wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// Whole seconds since the run's start.
    pub t_s: u32,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, m.
    pub altitude_m: f64,
    /// Device distance, m.
    pub distance_m: f64,
    /// Device speed, m/s.
    pub speed_mps: f64,
    /// Heart rate reading, bpm.
    pub hr_bpm: Option<u8>,
    /// Cadence in strides (full cycles) per minute, as files store it.
    pub cadence_rpm: Option<u8>,
}

/// What the device recorded.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Samples in time order.
    pub records: Vec<Record>,
    /// Timer stops (auto-pause): (stop s, restart s).
    pub pauses: Vec<(u32, u32)>,
    /// Measured position every second (for waypoints marked mid-run).
    pub position_deg: Vec<(f64, f64)>,
}

/// Seconds when the runner stood still long enough for auto-pause: the
/// timer stops `after_s` seconds into a stretch below `threshold_mps` and
/// restarts when the runner moves again.
pub fn auto_pauses(speed_mps: &[f64], threshold_mps: f64, after_s: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut i = 1usize; // the standing start is not a pause
    while i < speed_mps.len() {
        if speed_mps[i] < threshold_mps {
            let a = i;
            while i < speed_mps.len() && speed_mps[i] < threshold_mps {
                i += 1;
            }
            if i < speed_mps.len() && (i - a) as u32 > after_s + 1 {
                out.push((a as u32 + after_s, i as u32));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Sample times: every second or at smart intervals, never inside a pause
/// (a sample at the moment the timer stops and one when it restarts), and
/// always one at `end_s`.
pub fn sample_times(
    rng: &mut SimRng,
    mode: RecordingMode,
    weights: &[f64; 8],
    end_s: u32,
    pauses: &[(u32, u32)],
) -> Vec<u32> {
    let mut out = Vec::new();
    let mut t = 0u32;
    let mut next_pause = 0usize;
    loop {
        out.push(t);
        if t >= end_s {
            break;
        }
        if next_pause < pauses.len() && t == pauses[next_pause].0 {
            t = pauses[next_pause].1;
            next_pause += 1;
            continue;
        }
        let step = match mode {
            RecordingMode::EverySecond => 1,
            RecordingMode::Smart => pick(rng, weights) as u32 + 1,
        };
        let mut next = (t + step).min(end_s);
        if next_pause < pauses.len() && next >= pauses[next_pause].0 {
            next = pauses[next_pause].0;
        }
        t = next;
    }
    out
}

/// Measure `track` with `setup`.
pub fn record(
    rng: &mut SimRng,
    p: &SensorParams,
    setup: &Setup,
    track: &TrueTrack,
    course: &Course,
) -> Recorded {
    let n = track.speed_mps.len();
    let end_s = track.end_s();
    // Per-second sensor processes.
    let (mut ge, mut gn) = (
        ar1_step(rng, 0.0, setup.gps_error_sd_m, p.gps_error_corr_s, 1e6),
        ar1_step(rng, 0.0, setup.gps_error_sd_m, p.gps_error_corr_s, 1e6),
    );
    let (alt_sd, alt_offset) = if setup.barometer {
        (p.baro_noise_sd_m, p.alt_offset_sd_m * normal(rng))
    } else {
        (p.gps_alt_noise_sd_m, p.alt_offset_sd_m * normal(rng))
    };
    let mut alt_noise = ar1_step(rng, 0.0, alt_sd, p.alt_noise_corr_s, 1e6);
    let mut speed_noise = 0.0;
    let mut jump: Option<(u32, f64, f64)> = None; // (until, east, north)
    let mut position_deg = Vec::with_capacity(n);
    let mut altitude = Vec::with_capacity(n);
    let mut dev_speed = Vec::with_capacity(n);
    let mut dev_dist = Vec::with_capacity(n);
    let mut dist = 0.0;
    for t in 0..n {
        let (lat, lon) = course.position_at(track.distance_m[t]);
        if jump.is_none() && chance(rng, p.gps_jumps_per_hour / 3600.0) {
            let size = uniform(rng, p.gps_jump_min_m, p.gps_jump_max_m);
            let dir = uniform(rng, 0.0, std::f64::consts::TAU);
            let len = uniform(rng, p.gps_jump_min_s, p.gps_jump_max_s) as u32;
            jump = Some((t as u32 + len, size * dir.sin(), size * dir.cos()));
        }
        let (je, jn) = match jump {
            Some((until, e, n)) if (t as u32) < until => (e, n),
            _ => {
                jump = None;
                (0.0, 0.0)
            }
        };
        position_deg.push(offset_position(lat, lon, ge + je, gn + jn));
        altitude.push(course.elevation_at(track.distance_m[t]) + alt_offset + alt_noise);
        let v = track.speed_mps[t];
        let s = if v < 0.2 {
            0.0
        } else {
            (v + speed_noise).max(0.0)
        };
        dev_speed.push(s);
        dev_dist.push(dist);
        dist += s;
        ge = ar1_step(rng, ge, setup.gps_error_sd_m, p.gps_error_corr_s, 1.0);
        gn = ar1_step(rng, gn, setup.gps_error_sd_m, p.gps_error_corr_s, 1.0);
        alt_noise = ar1_step(rng, alt_noise, alt_sd, p.alt_noise_corr_s, 1.0);
        speed_noise = ar1_step(
            rng,
            speed_noise,
            p.speed_noise_sd_mps,
            p.speed_noise_corr_s,
            1.0,
        );
    }
    let pauses = if setup.auto_pause {
        auto_pauses(
            &track.speed_mps,
            p.auto_pause_speed_mps,
            p.auto_pause_after_s,
        )
    } else {
        Vec::new()
    };
    let times = sample_times(
        rng,
        setup.recording,
        &p.smart_interval_weights,
        end_s,
        &pauses,
    );
    let mut records = Vec::with_capacity(times.len());
    for &t in &times {
        let i = t as usize;
        let locked = setup
            .cadence_lock
            .iter()
            .any(|&(a, b)| t >= a && t < b && track.cadence_spm[i] > 0.0);
        let hr_bpm = match setup.hr_sensor {
            HrSensor::None => None,
            _ if locked => Some(track.cadence_spm[i] + 0.7 * normal(rng)),
            _ => {
                let j = i.saturating_sub(setup.optical_lag_s as usize);
                Some(track.hr_bpm[j] + setup.hr_noise_sd_bpm * normal(rng))
            }
        }
        .map(|h| h.round().clamp(40.0, 230.0) as u8);
        let cadence_rpm = setup
            .has_cadence
            .then(|| (track.cadence_spm[i] / 2.0).round().clamp(0.0, 254.0) as u8);
        records.push(Record {
            t_s: t,
            lat_deg: position_deg[i].0,
            lon_deg: position_deg[i].1,
            altitude_m: altitude[i],
            distance_m: dev_dist[i],
            speed_mps: dev_speed[i],
            hr_bpm,
            cadence_rpm,
        });
    }
    Recorded {
        records,
        pauses,
        position_deg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    #[test]
    fn smart_recording_spreads_intervals_over_one_to_eight_seconds() {
        let p = SensorParams::default();
        let mut rng = sub_rng(8, 3);
        let times = sample_times(
            &mut rng,
            RecordingMode::Smart,
            &p.smart_interval_weights,
            400_000,
            &[],
        );
        let gaps: Vec<u32> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let body = &gaps[..gaps.len() - 1]; // the last gap is cut at the end
        assert_eq!(body.iter().min(), Some(&1));
        assert_eq!(body.iter().max(), Some(&8));
        let mean = body.iter().map(|&g| g as f64).sum::<f64>() / body.len() as f64;
        // Weighted mean of 1..8 by the weights, by hand: 3.99 s.
        assert!((mean - 3.99).abs() < 0.03, "mean interval {mean}");
        let share_1s = body.iter().filter(|&&g| g == 1).count() as f64 / body.len() as f64;
        assert!((share_1s - 0.12).abs() < 0.01);
    }

    #[test]
    fn every_second_recording_has_one_second_gaps_except_across_pauses() {
        let mut rng = sub_rng(8, 3);
        let w = SensorParams::default().smart_interval_weights;
        let times = sample_times(&mut rng, RecordingMode::EverySecond, &w, 300, &[(100, 140)]);
        assert_eq!(times.first(), Some(&0));
        assert_eq!(times.last(), Some(&300));
        assert!(times.contains(&100) && times.contains(&140));
        assert!(!times.iter().any(|&t| t > 100 && t < 140));
        assert_eq!(times.len(), 301 - 39);
    }

    #[test]
    fn auto_pause_starts_after_the_delay_and_ends_when_moving_again() {
        let mut v = vec![3.0; 100];
        v[0] = 0.0;
        for x in &mut v[40..60] {
            *x = 0.0;
        }
        for x in &mut v[70..72] {
            *x = 0.1; // too short to pause
        }
        assert_eq!(auto_pauses(&v, 0.3, 2), vec![(42, 60)]);
    }
}
