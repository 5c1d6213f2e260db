//! `tally redact`'s JSON Lines contract on arbitrary bytes: exactly one output line per
//! input line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tally::analyze::Analyzer;
use tally::filters::{self, LineCommand};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::rules_only);

fuzz_target!(|data: &[u8]| {
    for command in [LineCommand::Redact, LineCommand::Classify] {
        let mut out = Vec::new();
        let stats = filters::run(data, &mut out, &ANALYZER, command).expect("writing to memory succeeds");
        let input_lines = data.split(|&b| b == b'\n').count() - usize::from(data.ends_with(b"\n") || data.is_empty());
        assert_eq!((stats.ok + stats.failed) as usize, input_lines);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), input_lines);
    }
});
