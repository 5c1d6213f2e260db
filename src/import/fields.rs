//! Field parsing shared by the importers. Every error names the field and the problem,
//! never the value, so that a malformed record cannot leak its content into a message.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::value::RawValue;

/// Longest accepted event: a week (overnight AFK periods run for many hours).
const MAX_DURATION_SECONDS: f64 = 7.0 * 86_400.0;

/// A field problem: (field, what is wrong).
pub type FieldError = (String, String);

fn err(field: &str, problem: impl Into<String>) -> FieldError {
    (field.to_string(), problem.into())
}

/// RFC 3339 (`2026-11-02T09:00:00Z`, `…+01:00`, fractional seconds), or a space instead
/// of the `T`.
pub fn timestamp_text(field: &str, text: &str) -> Result<DateTime<Utc>, FieldError> {
    let parsed = DateTime::parse_from_rfc3339(text.trim())
        .or_else(|_| DateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f%:z"));
    parsed
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err(field, "not an RFC 3339 timestamp with a time-zone offset (e.g. 2026-11-02T09:00:00Z)"))
}

/// Seconds since the Unix epoch.
pub fn timestamp_number(field: &str, seconds: f64) -> Result<DateTime<Utc>, FieldError> {
    if !seconds.is_finite() || !(0.0..4.0e9).contains(&seconds) {
        return Err(err(field, "not a Unix time in seconds between 1970 and 2096"));
    }
    DateTime::from_timestamp_millis((seconds * 1000.0).round() as i64).ok_or_else(|| err(field, "out of range"))
}

/// A duration in seconds: finite, not negative, at most a week.
pub fn duration_seconds(field: &str, seconds: f64) -> Result<TimeDelta, FieldError> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(err(field, "must be a non-negative number of seconds"));
    }
    if seconds > MAX_DURATION_SECONDS {
        return Err(err(field, "longer than 7 days"));
    }
    Ok(TimeDelta::milliseconds((seconds * 1000.0).round() as i64))
}

pub fn duration_text(field: &str, text: &str) -> Result<TimeDelta, FieldError> {
    let seconds: f64 = text.trim().parse().map_err(|_| err(field, "not a number of seconds"))?;
    duration_seconds(field, seconds)
}

/// An optional JSON string field (`null` and absent are `None`).
pub fn json_string(field: &str, raw: Option<&RawValue>) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<Option<String>>(raw.get()).map_err(|_| err(field, "expected a string")),
    }
}

pub fn json_required_string(field: &str, raw: Option<&RawValue>) -> Result<String, FieldError> {
    json_string(field, raw)?.ok_or_else(|| err(field, "missing"))
}

pub fn json_number(field: &str, raw: Option<&RawValue>) -> Result<Option<f64>, FieldError> {
    match raw {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<Option<f64>>(raw.get()).map_err(|_| err(field, "expected a number")),
    }
}

pub fn json_bool(field: &str, raw: Option<&RawValue>) -> Result<Option<bool>, FieldError> {
    match raw {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<Option<bool>>(raw.get()).map_err(|_| err(field, "expected true or false")),
    }
}

/// A timestamp given as an RFC 3339 string or as Unix seconds.
pub fn json_timestamp(field: &str, raw: Option<&RawValue>) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.ok_or_else(|| err(field, "missing"))?;
    if raw.get().starts_with('"') {
        let text = json_required_string(field, Some(raw))?;
        timestamp_text(field, &text)
    } else {
        let seconds = json_number(field, Some(raw))?.ok_or_else(|| err(field, "missing"))?;
        timestamp_number(field, seconds)
    }
}

pub fn json_duration(field: &str, raw: Option<&RawValue>) -> Result<TimeDelta, FieldError> {
    let seconds = json_number(field, raw)?.ok_or_else(|| err(field, "missing"))?;
    duration_seconds(field, seconds)
}

/// A one-line description of a JSON parse failure: its kind and column, never the text.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends too early".to_string(),
        serde_json::error::Category::Syntax => {
            format!("not valid JSON (line {}, column {})", e.line(), e.column())
        }
        serde_json::error::Category::Data => "expected a JSON object with the event's fields".to_string(),
        serde_json::error::Category::Io => "read error".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_field_and_never_the_value() {
        let secret = "ana.lima@example.org";
        let raw = RawValue::from_string(format!("\"{secret}\"")).unwrap();
        let cases = [
            timestamp_text("timestamp", secret).map(|_| ()),
            duration_text("duration", secret).map(|_| ()),
            json_number("duration", Some(&raw)).map(|_| ()),
            json_bool("incognito", Some(&raw)).map(|_| ()),
            json_duration("duration", None).map(|_| ()),
        ];
        for case in cases {
            let (field, problem) = case.expect_err("must fail");
            assert!(!field.is_empty());
            assert!(!problem.contains(secret), "{problem}");
        }
        assert!(duration_seconds("d", -1.0).is_err());
        assert!(duration_seconds("d", f64::NAN).is_err());
        assert_eq!(duration_text("d", "1.5").unwrap(), TimeDelta::milliseconds(1500));
        assert_eq!(
            timestamp_text("t", "2026-11-02T10:00:00+01:00").unwrap(),
            timestamp_text("t", "2026-11-02T09:00:00Z").unwrap()
        );
        assert_eq!(
            timestamp_text("t", "2026-11-02 10:00:00+01:00").unwrap(),
            timestamp_text("t", "2026-11-02T09:00:00Z").unwrap()
        );
    }
}
