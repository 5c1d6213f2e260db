//! What a send off the machine is, as the ledger records it: where it went, what of the
//! payload is kept (only bytes the gate cleared, or a blocked payload's hash), how it
//! ended and each HTTP attempt. The store keeps these rows (`store::ledger`).

use super::provider::ProviderSettings;
use crate::analyze::span::Span;
use crate::analyze::RedactedText;
use crate::outbound::gate::{Blocked, ClearedPayload};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Failed,
    Blocked,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Failed => "failed",
            Outcome::Blocked => "blocked",
        }
    }
}

/// What of the payload the ledger keeps.
#[derive(Debug, Clone, Copy)]
pub enum LedgerPayload<'a> {
    None,
    /// Cleared and (at least once) sent.
    Sent(&'a ClearedPayload),
    /// Cleared but never sent (no key, keyring failure): kept so the user sees it.
    NotSent(&'a ClearedPayload),
    /// Refused by the gate: only its hash and findings are kept.
    Blocked(&'a Blocked),
}

/// A send about to be recorded.
#[derive(Debug)]
pub struct NewLedgerEntry<'a> {
    pub purpose: &'static str,
    pub scope: Option<&'static str>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Where it went: a provider, or an org sink.
    pub destination: Destination<'a>,
    pub endpoint: &'a str,
    pub payload: LedgerPayload<'a>,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    pub attempts: &'a [Attempt],
    /// The answer after redaction, and the spans the analyzer found in it.
    pub response: Option<(&'a RedactedText, &'a [Span])>,
    /// Why it failed; insights rows hold `kind: message`, any provider text in it redacted.
    pub error: Option<&'a str>,
}

/// Where a send went: a provider's name, kind and model, or an org sink's name, kind
/// (`postgres`, `folder`) and organisation.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub model: &'a str,
}

impl<'a> Destination<'a> {
    pub fn provider(p: &'a ProviderSettings) -> Destination<'a> {
        Destination { name: &p.name, kind: p.kind.as_str(), model: &p.model }
    }
}

/// One HTTP attempt, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// Milliseconds waited before this attempt (backoff or `Retry-After`).
    pub waited_ms: u64,
    /// The HTTP status, when an answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong without an answer (timeout, connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub elapsed_ms: u64,
}
