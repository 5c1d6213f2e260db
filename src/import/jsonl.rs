//! JSON Lines importer: one object per line with `start` (or `timestamp`; RFC 3339 or
//! Unix seconds), `duration` (seconds), `app`, and optional `title`, `url`, `text`.

use super::fields::{
    describe_json_error, json_duration, json_required_string, json_string, json_timestamp, FieldError,
};
use super::{open, ReadProgress};
use crate::event::{RawEvent, SourceKind};
use crate::source::{Emit, ReadError, RecordError, SourceItem};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::BufRead;
use std::ops::ControlFlow;
use std::path::Path;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    start: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    duration: Option<&'a RawValue>,
    #[serde(borrow, default)]
    app: Option<&'a RawValue>,
    #[serde(borrow, default)]
    title: Option<&'a RawValue>,
    #[serde(borrow, default)]
    url: Option<&'a RawValue>,
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
}

pub fn read(path: &Path, progress: &ReadProgress, emit: &mut dyn Emit) -> Result<(), ReadError> {
    let mut reader = open(path, progress)?;
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut index: u64 = 0;
    loop {
        buf.clear();
        let n =
            reader.read_until(b'\n', &mut buf).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let line = trim_line(&buf);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let location = || format!("line {line_no}");
        let item = match std::str::from_utf8(line) {
            Err(e) => SourceItem::Rejected {
                record: Some(index),
                error: RecordError {
                    location: location(),
                    field: None,
                    problem: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                },
            },
            Ok(text) => match parse_line(text) {
                Ok(event) => SourceItem::Events { record: index, events: vec![event] },
                Err((field, problem)) => SourceItem::Rejected {
                    record: Some(index),
                    error: RecordError { location: location(), field: (!field.is_empty()).then_some(field), problem },
                },
            },
        };
        index += 1;
        if emit.emit(item) == ControlFlow::Break(()) {
            return Err(ReadError::Stopped);
        }
    }
}

fn trim_line(buf: &[u8]) -> &[u8] {
    let buf = buf.strip_suffix(b"\n").unwrap_or(buf);
    buf.strip_suffix(b"\r").unwrap_or(buf)
}

fn parse_line(text: &str) -> Result<RawEvent, FieldError> {
    let line: Line<'_> = serde_json::from_str(text).map_err(|e| (String::new(), describe_json_error(&e)))?;
    let (field, start) = match (line.start, line.timestamp) {
        (Some(s), _) => ("start", Some(s)),
        (None, t) => ("timestamp", t),
    };
    let app = json_required_string("app", line.app)?;
    if app.trim().is_empty() {
        return Err(("app".into(), "empty".into()));
    }
    Ok(RawEvent {
        start: json_timestamp(if start.is_some() { field } else { "start" }, start)?,
        duration: json_duration("duration", line.duration)?,
        app,
        title: json_string("title", line.title)?.unwrap_or_default(),
        url: json_string("url", line.url)?,
        text: json_string("text", line.text)?,
        source: SourceKind::Import,
        continued: false,
    })
}
