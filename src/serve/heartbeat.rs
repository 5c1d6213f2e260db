//! ActivityWatch's heartbeat merge, as aw-server does it: a heartbeat with the same data
//! as the bucket's current event, starting within `pulsetime` seconds of that event's
//! end, extends the event instead of starting a new one.

use serde_json::{Map, Value};

/// One event as a watcher sends it, parsed and checked (times in Unix ms). Its `data`
/// holds raw titles and URLs: memory only.
#[derive(Clone, PartialEq)]
pub struct Heartbeat {
    pub start_ms: i64,
    pub duration_ms: i64,
    pub data: Map<String, Value>,
}

impl Heartbeat {
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.duration_ms
    }

    /// Roughly the memory its data takes: the text of every key and value, plus a fixed
    /// amount per value (for the server's memory limit).
    pub fn data_bytes(&self) -> usize {
        object_bytes(&self.data)
    }
}

/// Counted for every JSON value on top of its text.
const VALUE_BYTES: usize = 16;

fn object_bytes(map: &Map<String, Value>) -> usize {
    map.iter().map(|(key, value)| key.len() + value_bytes(value)).sum()
}

fn value_bytes(value: &Value) -> usize {
    // Parsed JSON nests at most 128 deep (serde_json's limit), so the recursion is bounded.
    VALUE_BYTES
        + match value {
            Value::String(s) => s.len(),
            Value::Array(items) => items.iter().map(value_bytes).sum(),
            Value::Object(map) => object_bytes(map),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
}

impl std::fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sizes, never content (see `RawEvent`'s Debug).
        f.debug_struct("Heartbeat")
            .field("start_ms", &self.start_ms)
            .field("duration_ms", &self.duration_ms)
            .field("data_keys", &self.data.len())
            .finish()
    }
}

/// Merges `heartbeat` into `current` when their data are equal and the heartbeat starts
/// between `current`'s start and `pulsetime_ms` after its end (both ends included).
/// The merged event lasts until the later of the two ends. Returns whether it merged;
/// if not, the caller closes `current` and the heartbeat becomes the current event.
pub fn merge(current: &mut Heartbeat, heartbeat: &Heartbeat, pulsetime_ms: i64) -> bool {
    if current.data != heartbeat.data {
        return false;
    }
    let window_end = current.end_ms().saturating_add(pulsetime_ms.max(0));
    if heartbeat.start_ms < current.start_ms || heartbeat.start_ms > window_end {
        return false;
    }
    current.duration_ms = current.duration_ms.max(heartbeat.end_ms() - current.start_ms);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hb(start_ms: i64, duration_ms: i64, data: Value) -> Heartbeat {
        Heartbeat { start_ms, duration_ms, data: data.as_object().cloned().unwrap() }
    }

    #[test]
    fn merges_like_activitywatch() {
        let a = json!({"app": "code", "title": "main.rs"});
        let b = json!({"app": "code", "title": "lib.rs"});
        // (current start, duration), heartbeat (start, duration, data), pulsetime → merged duration or None.
        type Case<'a> = (&'a str, (i64, i64), (i64, i64, &'a Value), i64, Option<i64>);
        let cases: &[Case<'_>] = &[
            ("extends within pulsetime", (0, 10_000), (15_000, 0, &a), 10_000, Some(15_000)),
            ("gap exactly pulsetime merges", (0, 10_000), (20_000, 0, &a), 10_000, Some(20_000)),
            ("gap just under pulsetime merges", (0, 10_000), (19_999, 0, &a), 10_000, Some(19_999)),
            ("gap just over pulsetime starts anew", (0, 10_000), (20_001, 0, &a), 10_000, None),
            ("data change starts anew", (0, 10_000), (5_000, 0, &b), 10_000, None),
            ("heartbeat with duration", (0, 10_000), (12_000, 3_000, &a), 10_000, Some(15_000)),
            ("inside the event never shortens it", (0, 10_000), (2_000, 1_000, &a), 10_000, Some(10_000)),
            ("before the event starts anew", (5_000, 1_000), (4_999, 0, &a), 60_000, None),
            ("zero pulsetime merges only a touching heartbeat", (0, 10_000), (10_000, 0, &a), 0, Some(10_000)),
            ("zero pulsetime, 1 ms gap", (0, 10_000), (10_001, 0, &a), 0, None),
        ];
        for (name, (s, d), (hs, hd, data), pulse, want) in cases {
            let mut current = hb(*s, *d, a.clone());
            let merged = merge(&mut current, &hb(*hs, *hd, (*data).clone()), *pulse);
            match want {
                Some(duration) => {
                    assert!(merged, "{name}");
                    assert_eq!(current.duration_ms, *duration, "{name}");
                    assert_eq!(current.start_ms, *s, "{name}");
                }
                None => {
                    assert!(!merged, "{name}");
                    assert_eq!((current.start_ms, current.duration_ms), (*s, *d), "{name}: unchanged");
                }
            }
        }
    }
}
