//! The `csv` importer on arbitrary file contents: it may reject records or stop, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;
use tally::import::{csv, ReadProgress, SourceItem};

fuzz_target!(|data: &[u8]| {
    // The importers read paths (the ActivityWatch one reads its file twice): one file in
    // shared memory per fuzzing process.
    let path = std::env::temp_dir().join(format!("tally-fuzz-csv-{}", std::process::id()));
    std::fs::write(&path, data).expect("the fuzz input can be written");
    let _ = csv::read(&path, &ReadProgress::default(), &mut |item: SourceItem| {
        if let SourceItem::Events { events, .. } = item {
            for e in &events {
                assert!(e.duration >= chrono::TimeDelta::zero(), "a negative duration came out");
            }
        }
        ControlFlow::Continue(())
    });
});
