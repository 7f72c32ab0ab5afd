//! `analyze --json`: one document, `"version": 1` (docs/METHOD.md §4). Unknown
//! values are `null`, never NaN; times are RFC 3339 UTC.

use serde_json::{Value, json};

use super::Exporter;
use crate::results::Batch;

/// The JSON exporter.
pub struct Json;

/// Replace non-finite numbers by null and round the rest to 4 decimals
/// (serde_json would refuse NaN; a made-up number would be worse).
fn clean(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.is_finite() => json!(super::round(f, 4)),
            Some(f) if n.is_f64() && !f.is_finite() => Value::Null,
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(clean).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, clean(v))).collect()),
        other => other,
    }
}

impl Json {
    /// The document as a JSON value.
    pub fn value(batch: &Batch) -> Value {
        let mut doc = json!({
            "version": 1,
            "files": batch.files,
            "cramps": batch.cramps,
            "comparison": batch.comparison,
            "placebo_moments": batch.placebo_moments,
            "skipped_non_activities": batch.skipped_non_activities,
            "warnings": batch.warnings,
        });
        // A cohort adds its runners and the between-runner analysis
        // (docs/METHOD.md §5); `comparison` is then the pooled one.
        if let (Some(c), Some(o)) = (&batch.cohort, doc.as_object_mut()) {
            o.insert("runners".into(), json!(c.runners));
            o.insert("meta".into(), json!(c.meta));
        }
        clean(doc)
    }
}

impl Exporter for Json {
    fn render(&self, batch: &Batch) -> Vec<u8> {
        let mut out =
            serde_json::to_vec_pretty(&Json::value(batch)).expect("a JSON value always serialises");
        out.push(b'\n');
        out
    }
}
