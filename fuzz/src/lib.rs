//! What the importer fuzz targets share: one importer over arbitrary file contents.

use std::ops::ControlFlow;
use tally::import::{FileSource, Format};
use tally::source::{Source, SourceItem};

/// Runs the `format` importer over `data`: it may reject records or stop, never panic,
/// and never emits an event of negative duration.
pub fn import(format: Format, data: &[u8]) {
    // The importers read paths (the ActivityWatch one reads its file twice): one file per
    // fuzzing process and format, under TMPDIR (scripts/fuzz.sh points it at /dev/shm).
    let path = std::env::temp_dir().join(format!("tally-fuzz-{}-{}", format.as_str(), std::process::id()));
    std::fs::write(&path, data).expect("the fuzz input can be written");
    let source = Box::new(FileSource { format, path, progress: Default::default() });
    let _ = source.read(&mut |item: SourceItem| {
        if let SourceItem::Events { events, .. } = item {
            for e in &events {
                assert!(e.duration >= chrono::TimeDelta::zero(), "a negative duration came out");
            }
        }
        ControlFlow::Continue(())
    });
}
