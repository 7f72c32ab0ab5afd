//! Writes a simulated run as a Garmin Training Center (TCX) activity, as
//! Garmin Connect exports it: `Activity Sport="Running"`, one `Lap` per
//! auto-lap, trackpoints with distance, heart rate and the ActivityExtension
//! `TPX` speed and `RunCadence` (strides per minute), UTC times, and no
//! trackpoints while auto-paused.

use std::fmt::Write;

use super::gpx::{escape, xml_time};
use super::{LapEnd, SimRun};

/// Garmin ActivityExtension v2 namespace.
const AX_NS: &str = "http://www.garmin.com/xmlschemas/ActivityExtension/v2";

/// The TCX document for `run`.
pub fn write(run: &SimRun) -> String {
    let recs = &run.recorded.records;
    let mut x = String::with_capacity(recs.len() * 420 + 2048);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\" \
         xmlns:ns3=\"{AX_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 \
         http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd\">"
    );
    let _ = writeln!(
        x,
        "  <Activities>\n    <Activity Sport=\"Running\">\n      <Id>{}</Id>",
        xml_time(run, 0, false)
    );
    let laps = run.laps();
    let mut lap_start = 0u32;
    for (i, &(lap_end, how)) in laps.iter().enumerate() {
        let last = i + 1 == laps.len();
        let in_lap: Vec<_> = recs
            .iter()
            .filter(|r| r.t_s >= lap_start && (r.t_s < lap_end || (last && r.t_s == lap_end)))
            .collect();
        let timer = (lap_end - lap_start - run.paused_between(lap_start, lap_end)) as f64;
        let dist = run.distance_at(lap_end) - run.distance_at(lap_start);
        let max_speed = in_lap.iter().map(|r| r.speed_mps).fold(0.0, f64::max);
        let hrs: Vec<u32> = in_lap
            .iter()
            .filter_map(|r| r.hr_bpm.map(u32::from))
            .collect();
        let _ = writeln!(
            x,
            "      <Lap StartTime=\"{}\">\n        <TotalTimeSeconds>{timer:.1}</TotalTimeSeconds>\n        \
             <DistanceMeters>{dist:.2}</DistanceMeters>\n        <MaximumSpeed>{max_speed:.3}</MaximumSpeed>\n        \
             <Calories>0</Calories>",
            xml_time(run, lap_start, false)
        );
        if !hrs.is_empty() {
            let avg = (hrs.iter().sum::<u32>() as f64 / hrs.len() as f64).round();
            let max = hrs.iter().max().copied().unwrap_or(0);
            let _ = writeln!(
                x,
                "        <AverageHeartRateBpm>\n          <Value>{avg}</Value>\n        </AverageHeartRateBpm>\n        \
                 <MaximumHeartRateBpm>\n          <Value>{max}</Value>\n        </MaximumHeartRateBpm>"
            );
        }
        let trigger = match how {
            LapEnd::Manual | LapEnd::SessionEnd => "Manual",
            LapEnd::Distance => "Distance",
        };
        let _ = writeln!(
            x,
            "        <Intensity>Active</Intensity>\n        <TriggerMethod>{trigger}</TriggerMethod>\n        <Track>"
        );
        for r in &in_lap {
            let _ = write!(
                x,
                "          <Trackpoint>\n            <Time>{}</Time>\n            <Position>\n              \
                 <LatitudeDegrees>{:.7}</LatitudeDegrees>\n              <LongitudeDegrees>{:.7}</LongitudeDegrees>\n            \
                 </Position>\n            <AltitudeMeters>{:.1}</AltitudeMeters>\n            \
                 <DistanceMeters>{:.2}</DistanceMeters>\n",
                xml_time(run, r.t_s, false),
                r.lat_deg,
                r.lon_deg,
                r.altitude_m,
                r.distance_m
            );
            if let Some(hr) = r.hr_bpm {
                let _ = writeln!(
                    x,
                    "            <HeartRateBpm>\n              <Value>{hr}</Value>\n            </HeartRateBpm>"
                );
            }
            let _ = write!(
                x,
                "            <Extensions>\n              <ns3:TPX>\n                <ns3:Speed>{:.3}</ns3:Speed>\n",
                r.speed_mps
            );
            if let Some(c) = r.cadence_rpm {
                let _ = writeln!(x, "                <ns3:RunCadence>{c}</ns3:RunCadence>");
            }
            x.push_str(
                "              </ns3:TPX>\n            </Extensions>\n          </Trackpoint>\n",
            );
        }
        let avg_speed = if timer > 0.0 { dist / timer } else { 0.0 };
        let _ = writeln!(
            x,
            "        </Track>\n        <Extensions>\n          <ns3:LX>\n            \
             <ns3:AvgSpeed>{avg_speed:.3}</ns3:AvgSpeed>\n          </ns3:LX>\n        </Extensions>\n      </Lap>"
        );
        lap_start = lap_end;
    }
    let _ = writeln!(
        x,
        "      <Creator xsi:type=\"Device_t\">\n        <Name>{}</Name>\n        <UnitId>{}</UnitId>\n        \
         <ProductID>{}</ProductID>\n        <Version>\n          <VersionMajor>21</VersionMajor>\n          \
         <VersionMinor>50</VersionMinor>\n          <BuildMajor>0</BuildMajor>\n          <BuildMinor>0</BuildMinor>\n        \
         </Version>\n      </Creator>\n    </Activity>\n  </Activities>\n</TrainingCenterDatabase>",
        escape(run.device.name),
        run.device.serial,
        run.device.product_id
    );
    x
}
