//! The ActivityWatch-compatible API's request parsing (`parse_event`, `parse_events`,
//! `parse_pulsetime`) and the heartbeat merge on arbitrary bodies: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally::serve::heartbeat::merge;
use tally::serve::timeline::BucketKind;
use tally::serve::{parse_event, parse_events, parse_pulsetime};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the bucket type, the rest is the request body.
    let Some((&selector, body)) = data.split_first() else { return };
    let kind = [BucketKind::Window, BucketKind::Web, BucketKind::Afk, BucketKind::Editor, BucketKind::Other]
        [usize::from(selector) % 5];
    let _ = parse_pulsetime(std::str::from_utf8(body).ok());
    let one = parse_event(body, kind);
    if let Ok(events) = parse_events(body, kind) {
        let pulsetime = parse_pulsetime(Some("pulsetime=120")).expect("a valid pulsetime");
        let mut events = events.into_iter();
        if let Some(mut current) = events.next().or(one.ok()) {
            for next in events {
                merge(&mut current, &next, pulsetime);
            }
        }
    }
});
