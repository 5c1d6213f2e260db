//! The HTTP exchange with a provider: one POST of a [`ClearedPayload`] per attempt,
//! a per-attempt timeout, and retries with exponential backoff and jitter on 429 and
//! 5xx answers, honouring `Retry-After`. Async throughout, so nothing waits on it but
//! the caller.

use super::provider::{Provider, ProviderError};
use crate::outbound::gate::ClearedPayload;
use crate::outbound::ledger::Attempt;
use crate::secrets::Secret;
use std::time::{Duration, Instant};

/// The longest `Retry-After` Tally honours; a longer one ends the exchange.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Cap on one backoff delay.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Largest answer body read.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// Everything that happened in one send.
#[derive(Debug)]
pub struct Exchange {
    pub attempts: Vec<Attempt>,
    /// The status of the last answer, if any.
    pub status: Option<u16>,
    /// The answer's text (not yet scanned), or why there is none.
    pub result: Result<String, ProviderError>,
}

/// A client shared by all sends (connection reuse); per-attempt timeouts come from
/// the provider's settings.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("tally/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

/// POSTs `payload` to `provider`, retrying as its settings allow.
pub async fn send(
    http: &reqwest::Client,
    provider: &dyn Provider,
    payload: &ClearedPayload,
    key: Option<&Secret>,
) -> Exchange {
    let settings = provider.settings();
    let name = settings.name.clone();
    let mut attempts = Vec::new();
    let fail = |attempts, status, error| Exchange { attempts, status, result: Err(error) };
    let (url, headers) = match (provider.endpoint(), provider.headers(key)) {
        (Ok(url), Ok(headers)) => (url, headers),
        (Err(e), _) | (_, Err(e)) => return fail(attempts, None, e),
    };
    let timeout = Duration::from_secs(u64::from(settings.timeout_secs));
    let mut wait = Duration::ZERO;
    loop {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let started = Instant::now();
        let mut request = http
            .post(url.clone())
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload.bytes().to_vec());
        for (header, value) in &headers {
            request = request.header(*header, value);
        }
        let outcome = request.send().await;
        let mut attempt = Attempt { waited_ms: wait.as_millis() as u64, status: None, failure: None, elapsed_ms: 0 };
        let retry_number = attempts.len() as u32;
        match outcome {
            Err(e) => {
                attempt.elapsed_ms = started.elapsed().as_millis() as u64;
                let error = if e.is_timeout() {
                    attempt.failure = Some("timeout".into());
                    ProviderError::Timeout { provider: name.clone(), seconds: settings.timeout_secs }
                } else {
                    attempt.failure = Some("connection".into());
                    ProviderError::Connect {
                        provider: name.clone(),
                        base_url: settings.base_url.clone(),
                        detail: describe_transport(&e),
                    }
                };
                attempts.push(attempt);
                // Not retried: the provider may have received and billed the request.
                return fail(attempts, None, error);
            }
            Ok(response) => {
                let status = response.status().as_u16();
                attempt.status = Some(status);
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                let body = read_capped(response, timeout.saturating_sub(started.elapsed())).await;
                attempt.elapsed_ms = started.elapsed().as_millis() as u64;
                attempts.push(attempt);
                let body = match body {
                    Ok(body) => body,
                    Err(timed_out) => {
                        let error = if timed_out {
                            ProviderError::Timeout { provider: name.clone(), seconds: settings.timeout_secs }
                        } else {
                            ProviderError::Connect {
                                provider: name.clone(),
                                base_url: settings.base_url.clone(),
                                detail: "the answer was cut off".into(),
                            }
                        };
                        return fail(attempts, Some(status), error);
                    }
                };
                if (200..300).contains(&status) {
                    let result = provider.answer(&body);
                    return Exchange { attempts, status: Some(status), result };
                }
                let retryable = status == 429 || (500..600).contains(&status);
                if retryable && retry_number < settings.max_retries {
                    match retry_after {
                        Some(after) if after > MAX_RETRY_AFTER => {
                            let error = ProviderError::RetryAfterTooLong {
                                provider: name.clone(),
                                seconds: after.as_secs(),
                                limit: MAX_RETRY_AFTER.as_secs(),
                            };
                            return fail(attempts, Some(status), error);
                        }
                        Some(after) => wait = after,
                        None => wait = backoff(settings.retry_base_ms, retry_number, fastrand::f64()),
                    }
                    continue;
                }
                let count = attempts.len() as u32;
                let error = match status {
                    401 | 403 => ProviderError::Unauthorized { provider: name.clone(), status },
                    404 => ProviderError::NotFound {
                        provider: name.clone(),
                        base_url: settings.base_url.clone(),
                        model: settings.model.clone(),
                    },
                    _ => ProviderError::Status {
                        provider: name.clone(),
                        status,
                        attempts: count,
                        detail: provider_message(&body, key),
                    },
                };
                return fail(attempts, Some(status), error);
            }
        }
    }
}

/// Reads at most [`MAX_ANSWER_BYTES`]; `Err(true)` on timeout, `Err(false)` on a broken body.
async fn read_capped(mut response: reqwest::Response, left: Duration) -> Result<Vec<u8>, bool> {
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.is_timeout())? {
            let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        Ok(body)
    };
    tokio::time::timeout(left, read).await.unwrap_or(Err(true))
}

/// `delay = base · 2^retry`, capped, times a jitter factor in [0.5, 1).
pub fn backoff(base_ms: u32, retry: u32, unit_random: f64) -> Duration {
    let full = (f64::from(base_ms) * 2f64.powi(retry.min(16) as i32)).min(MAX_BACKOFF.as_millis() as f64);
    Duration::from_millis((full * (0.5 + 0.5 * unit_random.clamp(0.0, 1.0))) as u64)
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO))
}

/// A short reason from a provider's error body (`error.message`), with the key
/// scrubbed in case a provider echoes it; empty when there is none.
fn provider_message(body: &[u8], key: Option<&Secret>) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return String::new() };
    let Some(message) = value["error"]["message"].as_str().or(value["error"].as_str()) else { return String::new() };
    let mut message: String = message.chars().filter(|c| !c.is_control()).take(300).collect();
    if let Some(key) = key {
        message = message.replace(key.expose(), "<key>");
    }
    format!(": {message}")
}

/// A transport error without the URL's query (which may hold an Azure api-version
/// only, but keep the message short and stable).
fn describe_transport(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut last = e.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::Utc.with_ymd_and_hms(2015, 10, 21, 7, 27, 0).unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1000, 0, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(1000, 0, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(1000, 2, 1.0), Duration::from_millis(4000));
        assert_eq!(backoff(1000, 10, 1.0), MAX_BACKOFF);
    }

    #[test]
    fn provider_messages_never_carry_the_key() {
        let key = Secret::new("sk-live-123").unwrap();
        let body = br#"{"error":{"message":"quota exceeded for sk-live-123"}}"#;
        assert_eq!(provider_message(body, Some(&key)), ": quota exceeded for <key>");
        assert_eq!(provider_message(b"oops", Some(&key)), "");
    }
}
