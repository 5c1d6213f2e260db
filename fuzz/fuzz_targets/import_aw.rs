//! The `aw` importer on arbitrary file contents.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tally_fuzz::import(tally::import::Format::Aw, data));
