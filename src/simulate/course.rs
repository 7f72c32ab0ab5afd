//! The ground a simulated run covers: a winding line with an elevation
//! profile, indexed by distance, so the runner model can ask "what grade am I
//! on after 4.3 km" and the sensors "where am I".

use serde::Serialize;

use super::random::{SimRng, ar1_step, chance, normal, uniform};

/// Mean Earth radius in metres (IUGG), for turning metres into degrees.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// What kind of ground a run is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseKind {
    /// Streets and paths: grades up to ±8 %.
    Road,
    /// Trails: grades up to ±25 %.
    Trail,
    /// Flat park loops and river paths: grades within ±2 %.
    Flat,
}

impl CourseKind {
    /// FIT `sub_sport` name a watch would store for it.
    pub fn sub_sport(self) -> &'static str {
        match self {
            CourseKind::Road => "road",
            CourseKind::Trail => "trail",
            CourseKind::Flat => "street",
        }
    }
}

/// Parameters of the courses (all distances in metres, grades as fractions).
#[derive(Debug, Clone, Serialize)]
pub struct CourseParams {
    /// Share of runs on roads.
    pub road_share: f64,
    /// Share of runs on trails (the rest are flat).
    pub trail_share: f64,
    /// Steepest road grade (±8 %, typical of hilly towns).
    pub road_max_grade: f64,
    /// Steepest trail grade (±25 %).
    pub trail_max_grade: f64,
    /// Steepest grade on a flat course.
    pub flat_max_grade: f64,
    /// Spread (SD) of the grade on roads.
    pub road_grade_sd: f64,
    /// Spread (SD) of the grade on trails.
    pub trail_grade_sd: f64,
    /// Spread (SD) of the grade on flat courses.
    pub flat_grade_sd: f64,
    /// Distance over which the grade stays correlated on roads, m.
    pub road_grade_corr_m: f64,
    /// Distance over which the grade stays correlated on trails, m.
    pub trail_grade_corr_m: f64,
    /// Per-run hilliness multiplier of the grade SD: drawn from this range.
    pub hilliness_min: f64,
    /// See [`CourseParams::hilliness_min`].
    pub hilliness_max: f64,
    /// Resolution of the course, m.
    pub step_m: f64,
    /// Gentle bending of the path: SD of the heading change per step, degrees.
    pub bend_sd_deg: f64,
    /// Chance per step of a corner (a turn of 60–120°).
    pub corner_chance_per_step: f64,
    /// A run starts this far (up to) from the home point, m.
    pub start_spread_m: f64,
}

impl Default for CourseParams {
    fn default() -> Self {
        CourseParams {
            road_share: 0.70,
            trail_share: 0.15,
            road_max_grade: 0.08,
            trail_max_grade: 0.25,
            flat_max_grade: 0.02,
            road_grade_sd: 0.035,
            trail_grade_sd: 0.10,
            flat_grade_sd: 0.006,
            road_grade_corr_m: 400.0,
            trail_grade_corr_m: 200.0,
            hilliness_min: 0.4,
            hilliness_max: 1.0,
            step_m: 5.0,
            bend_sd_deg: 2.5,
            corner_chance_per_step: 0.008,
            start_spread_m: 3000.0,
        }
    }
}

/// A course: positions and elevation every `step_m` metres of distance.
#[derive(Debug, Clone)]
pub struct Course {
    /// The kind of ground.
    pub kind: CourseKind,
    /// Spacing of the points, m.
    pub step_m: f64,
    /// Grade of each step (rise over run, fraction) from point i to i+1.
    pub grade: Vec<f64>,
    /// Elevation at each point, m.
    pub elevation_m: Vec<f64>,
    /// Latitude at each point, degrees.
    pub lat_deg: Vec<f64>,
    /// Longitude at each point, degrees.
    pub lon_deg: Vec<f64>,
}

impl Course {
    /// A random course of at least `length_m`, starting near (`lat0`,
    /// `lon0`) at about `elevation0_m`.
    pub fn generate(
        rng: &mut SimRng,
        p: &CourseParams,
        kind: CourseKind,
        length_m: f64,
        origin: (f64, f64),
        elevation0_m: f64,
    ) -> Course {
        let hilly = uniform(rng, p.hilliness_min, p.hilliness_max);
        let (sd, corr_m, max) = match kind {
            CourseKind::Road => (
                p.road_grade_sd * hilly,
                p.road_grade_corr_m,
                p.road_max_grade,
            ),
            CourseKind::Trail => (
                p.trail_grade_sd * hilly,
                p.trail_grade_corr_m,
                p.trail_max_grade,
            ),
            CourseKind::Flat => (p.flat_grade_sd, p.road_grade_corr_m, p.flat_max_grade),
        };
        let n = (length_m / p.step_m).ceil() as usize + 2;
        // Start somewhere around home, heading anywhere.
        let r = p.start_spread_m * uniform(rng, 0.0, 1.0).sqrt();
        let a = uniform(rng, 0.0, std::f64::consts::TAU);
        let mut east = r * a.cos();
        let mut north = r * a.sin();
        let mut heading = uniform(rng, 0.0, std::f64::consts::TAU);
        let mut g = ar1_step(rng, 0.0, sd, corr_m, corr_m * 10.0); // stationary start
        let mut elev = elevation0_m + uniform(rng, -20.0, 20.0);
        let (lat0, lon0) = origin;
        let m_per_deg_lat = EARTH_RADIUS_M.to_radians();
        let m_per_deg_lon = m_per_deg_lat * lat0.to_radians().cos();
        let mut c = Course {
            kind,
            step_m: p.step_m,
            grade: Vec::with_capacity(n),
            elevation_m: Vec::with_capacity(n),
            lat_deg: Vec::with_capacity(n),
            lon_deg: Vec::with_capacity(n),
        };
        let bend_sd = match kind {
            CourseKind::Trail => p.bend_sd_deg * 2.0,
            _ => p.bend_sd_deg,
        }
        .to_radians();
        for _ in 0..n {
            c.lat_deg.push(lat0 + north / m_per_deg_lat);
            c.lon_deg.push(lon0 + east / m_per_deg_lon);
            c.elevation_m.push(elev);
            let grade = g.clamp(-max, max);
            c.grade.push(grade);
            elev += grade * p.step_m;
            east += p.step_m * heading.sin();
            north += p.step_m * heading.cos();
            heading += bend_sd * normal(rng);
            if chance(rng, p.corner_chance_per_step) {
                let turn = uniform(rng, 60.0, 120.0).to_radians();
                heading += if chance(rng, 0.5) { turn } else { -turn };
            }
            g = ar1_step(rng, g, sd, corr_m, p.step_m);
        }
        c
    }

    /// A course with a fixed grade profile (for tests and examples): `grade`
    /// gives the grade at each distance; positions run due north.
    pub fn from_grade_fn(length_m: f64, step_m: f64, grade: impl Fn(f64) -> f64) -> Course {
        let n = (length_m / step_m).ceil() as usize + 2;
        let m_per_deg_lat = EARTH_RADIUS_M.to_radians();
        let mut c = Course {
            kind: CourseKind::Road,
            step_m,
            grade: Vec::with_capacity(n),
            elevation_m: Vec::with_capacity(n),
            lat_deg: Vec::with_capacity(n),
            lon_deg: Vec::with_capacity(n),
        };
        let mut elev = 100.0;
        for i in 0..n {
            let d = i as f64 * step_m;
            let g = grade(d);
            c.lat_deg.push(48.0 + d / m_per_deg_lat);
            c.lon_deg.push(11.0);
            c.elevation_m.push(elev);
            c.grade.push(g);
            elev += g * step_m;
        }
        c
    }

    /// Index of the step holding distance `d_m` and the fraction into it.
    fn locate(&self, d_m: f64) -> (usize, f64) {
        let x = (d_m.max(0.0)) / self.step_m;
        let i = x.floor() as usize;
        if i + 1 >= self.grade.len() {
            return (self.grade.len().saturating_sub(2), 1.0);
        }
        (i, x - i as f64)
    }

    /// Grade (fraction) at distance `d_m`.
    pub fn grade_at(&self, d_m: f64) -> f64 {
        let (i, _) = self.locate(d_m);
        self.grade[i]
    }

    /// Elevation in metres at distance `d_m`.
    pub fn elevation_at(&self, d_m: f64) -> f64 {
        let (i, f) = self.locate(d_m);
        self.elevation_m[i] + f * (self.elevation_m[i + 1] - self.elevation_m[i])
    }

    /// True position (latitude, longitude in degrees) at distance `d_m`.
    pub fn position_at(&self, d_m: f64) -> (f64, f64) {
        let (i, f) = self.locate(d_m);
        (
            self.lat_deg[i] + f * (self.lat_deg[i + 1] - self.lat_deg[i]),
            self.lon_deg[i] + f * (self.lon_deg[i + 1] - self.lon_deg[i]),
        )
    }

    /// Course length in metres.
    pub fn length_m(&self) -> f64 {
        (self.grade.len().saturating_sub(1)) as f64 * self.step_m
    }
}

/// Shift a position by metres east and north (equirectangular: exact enough
/// for offsets of a few hundred metres).
pub fn offset_position(lat_deg: f64, lon_deg: f64, east_m: f64, north_m: f64) -> (f64, f64) {
    let m_per_deg_lat = EARTH_RADIUS_M.to_radians();
    let m_per_deg_lon = m_per_deg_lat * lat_deg.to_radians().cos();
    (
        lat_deg + north_m / m_per_deg_lat,
        lon_deg + east_m / m_per_deg_lon,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    #[test]
    fn grades_stay_within_the_course_kinds_limits() {
        let p = CourseParams::default();
        for (kind, max) in [
            (CourseKind::Road, 0.08),
            (CourseKind::Trail, 0.25),
            (CourseKind::Flat, 0.02),
        ] {
            let mut rng = sub_rng(5, 1);
            let c = Course::generate(&mut rng, &p, kind, 20_000.0, (48.0, 11.0), 500.0);
            let steepest = c.grade.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            assert!(steepest <= max + 1e-12, "{kind:?}: {steepest}");
            assert!(c.length_m() >= 20_000.0);
        }
    }

    #[test]
    fn consecutive_points_are_one_step_apart_on_the_ground() {
        let p = CourseParams::default();
        let mut rng = sub_rng(9, 1);
        let c = Course::generate(&mut rng, &p, CourseKind::Road, 2_000.0, (48.0, 11.0), 500.0);
        for i in 0..c.lat_deg.len() - 1 {
            let d = crate::activity::haversine_m(
                c.lat_deg[i],
                c.lon_deg[i],
                c.lat_deg[i + 1],
                c.lon_deg[i + 1],
            );
            assert!((d - 5.0).abs() < 0.05, "step {i}: {d} m");
        }
    }
}
