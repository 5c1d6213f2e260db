//! CSV importer: a header row naming at least `start`, `duration` and `app` (and
//! usually `title`, `url`), then one event per row. `start` is RFC 3339, `duration`
//! seconds.

use super::fields::{duration_text, timestamp_text, FieldError};
use super::{open, ReadProgress};
use crate::event::{RawEvent, SourceKind};
use crate::source::{Emit, ReadError, RecordError, SourceItem};
use std::ops::ControlFlow;
use std::path::Path;

struct Columns {
    start: usize,
    duration: usize,
    app: usize,
    title: Option<usize>,
    url: Option<usize>,
    text: Option<usize>,
}

pub fn read(path: &Path, progress: &ReadProgress, emit: &mut dyn Emit) -> Result<(), ReadError> {
    let reader = open(path, progress)?;
    let mut csv = ::csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(reader);
    let malformed = |problem: String| ReadError::Malformed { path: path.to_path_buf(), problem };
    let headers = csv
        .headers()
        .map_err(|e| malformed(format!("line 1: unreadable header ({})", describe_csv_error(&e))))?
        .clone();
    let find = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let required = |name: &str| {
        find(name).ok_or_else(|| {
            malformed(format!(
                "line 1: the header has no `{name}` column (expected start,duration,app,title,url){}",
                wrong_shape_hint(&headers)
            ))
        })
    };
    let columns = Columns {
        start: required("start")?,
        duration: required("duration")?,
        app: required("app")?,
        title: find("title"),
        url: find("url"),
        text: find("text"),
    };

    let mut record = ::csv::StringRecord::new();
    let mut index: u64 = 0;
    loop {
        let line = csv.position().line() + 1;
        let item = match csv.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                match parse_row(&record, &columns) {
                    Ok(event) => SourceItem::Events { record: index, events: vec![event] },
                    Err((field, problem)) => SourceItem::Rejected {
                        record: Some(index),
                        error: RecordError { location: format!("line {line}"), field: Some(field), problem },
                    },
                }
            }
            Err(e) if e.is_io_error() => {
                return Err(ReadError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(describe_csv_error(&e)),
                })
            }
            Err(e) => SourceItem::Rejected {
                record: Some(index),
                error: RecordError { location: format!("line {line}"), field: None, problem: describe_csv_error(&e) },
            },
        };
        index += 1;
        if emit.emit(item) == ControlFlow::Break(()) {
            return Err(ReadError::Stopped);
        }
    }
}

fn parse_row(row: &::csv::StringRecord, c: &Columns) -> Result<RawEvent, FieldError> {
    let get = |i: usize, name: &str| {
        row.get(i).ok_or_else(|| (name.to_string(), "missing (the row has too few columns)".to_string()))
    };
    let optional = |i: Option<usize>| i.and_then(|i| row.get(i)).filter(|v| !v.is_empty()).map(str::to_string);
    let app = get(c.app, "app")?;
    if app.trim().is_empty() {
        return Err(("app".into(), "empty".into()));
    }
    Ok(RawEvent {
        start: timestamp_text("start", get(c.start, "start")?)?,
        duration: duration_text("duration", get(c.duration, "duration")?)?,
        app: app.to_string(),
        title: optional(c.title).unwrap_or_default(),
        url: optional(c.url),
        text: optional(c.text),
        source: SourceKind::Import,
        continued: false,
    })
}

/// The kind of a CSV error, without the record's content.
fn describe_csv_error(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        ::csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        ::csv::ErrorKind::Io(e) => format!("read error: {}", e.kind()),
        _ => "malformed CSV".to_string(),
    }
}

/// Why a header may lack the columns, when the file's shape says so: another delimiter,
/// or JSON handed to the CSV importer. Names the delimiter or the format, never a value.
fn wrong_shape_hint(headers: &::csv::StringRecord) -> &'static str {
    let first = headers.get(0).unwrap_or("").trim_start_matches('\u{feff}').trim_start();
    if first.starts_with('{') || first.starts_with('[') {
        if first.contains("\"buckets\"") {
            "; the file is JSON, not CSV: an ActivityWatch export imports with --format aw"
        } else {
            "; the file is JSON, not CSV: JSON Lines (one event object per line) import with --format jsonl, an ActivityWatch export with --format aw"
        }
    } else if headers.len() == 1 && first.contains(';') {
        "; the header is separated by semicolons, and Tally reads CSV separated by commas (save it with commas)"
    } else if headers.len() == 1 && first.contains('\t') {
        "; the header is separated by tabs, and Tally reads CSV separated by commas (save it with commas)"
    } else {
        ""
    }
}
