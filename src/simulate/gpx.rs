//! Writes a simulated run as GPX 1.1, the way Garmin Connect, Strava and
//! phone apps export runs: heart rate and cadence in the Garmin
//! TrackPointExtension (under varying prefixes), times in UTC or with the
//! runner's offset, waypoints named "cramp" / "cramp end" when the runner
//! marked cramps on the watch, and no points while auto-paused.

use std::fmt::Write;

use chrono::{DateTime, FixedOffset, Timelike, Utc};

use super::SimRun;

/// Garmin TrackPointExtension v1 namespace.
pub const TPX_NS: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1";

/// Escape text for XML content and quoted attribute values (`&`, `<`,
/// `>`, `"` and `'`; quick-xml's escaper).
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A time as the file writes it: `Z`, or the runner's offset.
pub fn xml_time(run: &SimRun, t_s: u32, with_offset: bool) -> String {
    let utc = DateTime::<Utc>::from_timestamp(run.start_unix_s + t_s as i64, 0)
        .expect("simulated times are valid");
    if with_offset {
        let off = FixedOffset::east_opt(run.utc_offset_s).expect("offsets come from real zones");
        utc.with_timezone(&off)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    } else {
        utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// The name a watch gives a run by the local hour it started.
pub fn run_name(run: &SimRun) -> &'static str {
    let off = FixedOffset::east_opt(run.utc_offset_s).expect("offsets come from real zones");
    match run.start_utc().with_timezone(&off).hour() {
        0..=11 => "Morning Run",
        12..=16 => "Afternoon Run",
        _ => "Evening Run",
    }
}

/// The GPX document for `run`.
pub fn write(run: &SimRun) -> String {
    let st = run.style;
    let p = st.gpx_prefix;
    let off = st.times_with_offset;
    let mut x = String::with_capacity(run.recorded.records.len() * 260 + 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<gpx creator=\"{}\" version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd \
         {TPX_NS} http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd\" \
         xmlns:{p}=\"{TPX_NS}\">",
        escape(run.device.name)
    );
    let _ = writeln!(
        x,
        " <metadata>\n  <time>{}</time>\n </metadata>",
        xml_time(run, 0, off)
    );
    for (t, name) in run.waypoints() {
        let (lat, lon) = run.recorded.position_deg[t as usize];
        let _ = writeln!(
            x,
            " <wpt lat=\"{lat:.7}\" lon=\"{lon:.7}\">\n  <time>{}</time>\n  <name>{}</name>\n </wpt>",
            xml_time(run, t, off),
            escape(name)
        );
    }
    let _ = writeln!(x, " <trk>\n  <name>{}</name>", escape(run_name(run)));
    if st.gpx_type {
        x.push_str("  <type>running</type>\n");
    }
    x.push_str("  <trkseg>\n");
    for r in &run.recorded.records {
        let _ = write!(
            x,
            "   <trkpt lat=\"{:.7}\" lon=\"{:.7}\">\n    <ele>{:.1}</ele>\n    <time>{}</time>\n",
            r.lat_deg,
            r.lon_deg,
            r.altitude_m,
            xml_time(run, r.t_s, off)
        );
        if r.hr_bpm.is_some() || r.cadence_rpm.is_some() {
            let _ = writeln!(x, "    <extensions>\n     <{p}:TrackPointExtension>");
            if let Some(hr) = r.hr_bpm {
                let _ = writeln!(x, "      <{p}:hr>{hr}</{p}:hr>");
            }
            if let Some(c) = r.cadence_rpm {
                let _ = writeln!(x, "      <{p}:cad>{c}</{p}:cad>");
            }
            let _ = writeln!(x, "     </{p}:TrackPointExtension>\n    </extensions>");
        }
        x.push_str("   </trkpt>\n");
    }
    x.push_str("  </trkseg>\n </trk>\n</gpx>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_the_five_xml_specials() {
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    }
}
