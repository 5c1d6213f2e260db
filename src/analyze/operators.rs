//! Operators: what replaces a detected span (Presidio's anonymizer, kept apart from
//! detection). Recognizers and the model say *where* PII is; an [`Operator`] says what
//! the redacted text shows instead.
//!
//! - [`Operator::Placeholder`] (default): `<PERSON>`.
//! - [`Operator::Mask`]: one `*` per character of the span (the length stays visible).
//! - [`Operator::Pseudonym`]: `<PERSON:3f2a>`, the first 4 hex digits of
//!   HMAC-SHA-256(per-install key, label ‖ 0 ‖ normalized text), so "the same counterpart"
//!   stays countable without the name. The key lives only in the OS keyring
//!   ([`PseudonymKey::load_or_create`]); rotating it ([`PseudonymKey::rotate`]) makes
//!   every earlier pseudonym unlinkable to later ones.

use crate::analyze::span::PiiLabel;
use crate::secrets::{Secret, SecretError, SecretStore};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The keyring entry of the pseudonym key unless config `[redact] pseudonym_key` names another.
pub const PSEUDONYM_KEY_ENTRY: &str = "pseudonym-key";

/// The keyring entry of the key behind keyed app ids (`app:…`, see
/// [`PseudonymKey::app_id`]); apart from the pseudonym key, so rotating one leaves the other.
pub const APP_ID_KEY_ENTRY: &str = "app-id-key";

/// Bytes of a pseudonym key.
const KEY_BYTES: usize = 32;

/// How a detected span is replaced in redacted text.
#[derive(Clone, Default)]
pub enum Operator {
    /// `<LABEL>`.
    #[default]
    Placeholder,
    /// `*` for every character of the span.
    Mask,
    /// `<LABEL:xxxx>`, keyed: equal (normalized) texts of one label give equal pseudonyms.
    Pseudonym(PseudonymKey),
}

impl Operator {
    /// Appends the replacement of `original` (a span of `label`) to `out`.
    pub(super) fn replace_into(&self, label: PiiLabel, original: &str, out: &mut String) {
        match self {
            Operator::Placeholder => {
                out.push('<');
                out.push_str(label.as_str());
                out.push('>');
            }
            Operator::Mask => out.extend(original.chars().map(|_| '*')),
            Operator::Pseudonym(key) => {
                out.push('<');
                out.push_str(label.as_str());
                out.push(':');
                out.push_str(&key.pseudonym(label, original));
                out.push('>');
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operator::Placeholder => "placeholder",
            Operator::Mask => "mask",
            Operator::Pseudonym(_) => "pseudonym",
        }
    }
}

impl fmt::Debug for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which operator to use, as named on the command line and in config `[redact] operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OperatorKind {
    #[default]
    Placeholder,
    Mask,
    Pseudonym,
}

/// The per-install pseudonym key: 32 random bytes. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey([u8; KEY_BYTES]);

#[derive(Debug, thiserror::Error)]
pub enum PseudonymKeyError {
    #[error(transparent)]
    Keyring(#[from] SecretError),
    #[error(
        "the keyring entry `{entry}` does not hold a pseudonym key (64 hex digits); \
         run `tally pseudonym-key rotate` to replace it"
    )]
    Corrupt { entry: String },
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error(
        "the OS keyring accepted a new pseudonym key for `{entry}` but does not give it back, so pseudonyms \
         would change on every run; unlock the keyring (headless: run inside a session keyring, `keyctl session -`)"
    )]
    NotKept { entry: String },
}

impl PseudonymKey {
    /// A fresh key from the OS random number generator.
    pub fn generate() -> Result<PseudonymKey, PseudonymKeyError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| PseudonymKeyError::Random(e.to_string()))?;
        Ok(PseudonymKey(bytes))
    }

    /// A key with the given bytes (tests, fuzzing).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> PseudonymKey {
        PseudonymKey(bytes)
    }

    /// The key in the keyring entry `entry`, created there first when there is none;
    /// `true` with it when it was created now.
    pub fn load_or_create(store: &SecretStore, entry: &str) -> Result<(PseudonymKey, bool), PseudonymKeyError> {
        match store.get(entry)? {
            Some(secret) => PseudonymKey::from_hex(secret.expose())
                .map(|key| (key, false))
                .ok_or_else(|| PseudonymKeyError::Corrupt { entry: entry.to_string() }),
            None => PseudonymKey::rotate(store, entry).map(|key| (key, true)),
        }
    }

    /// Replaces the key in `entry` with a fresh one: pseudonyms made from now on no longer
    /// match earlier ones. The key is read back, so a keyring that silently drops it
    /// (pseudonyms that change every run) is an error, not a surprise.
    pub fn rotate(store: &SecretStore, entry: &str) -> Result<PseudonymKey, PseudonymKeyError> {
        let key = PseudonymKey::generate()?;
        let secret = Secret::new(&key.to_hex()).expect("hex digits are a valid secret");
        store.set(entry, &secret)?;
        match store.get(entry)? {
            Some(kept) if PseudonymKey::from_hex(kept.expose()).as_ref() == Some(&key) => Ok(key),
            _ => Err(PseudonymKeyError::NotKept { entry: entry.to_string() }),
        }
    }

    /// The pseudonym of `text` as a span of `label`: 4 lower-case hex digits.
    pub fn pseudonym(&self, label: PiiLabel, text: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(label.as_str().as_bytes());
        mac.update(&[0]);
        mac.update(normalize(text).as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{:02x}{:02x}", digest[0], digest[1])
    }

    /// The keyed id of an app name that may carry personal data: 12 lower-case hex
    /// digits of HMAC-SHA-256(key, `app` ‖ 0 ‖ normalized name). Without the key the
    /// name cannot be recovered or tested; equal names give equal ids.
    pub fn app_id(&self, name: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"app\0");
        mac.update(normalize(name).as_bytes());
        mac.finalize().into_bytes()[..6].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn from_hex(hex: &str) -> Option<PseudonymKey> {
        let hex = hex.trim();
        if hex.len() != KEY_BYTES * 2 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; KEY_BYTES];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(PseudonymKey(bytes))
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<hidden>)")
    }
}

/// What counts as "the same" text for a pseudonym: case-folded, whitespace runs
/// collapsed to one space, trimmed (`Ana  Lima` = `ana lima`).
fn normalize(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PseudonymKey {
        PseudonymKey::from_bytes([byte; KEY_BYTES])
    }

    #[test]
    fn pseudonyms_are_keyed_per_label_and_ignore_case_and_spacing() {
        let k = key(7);
        let p = k.pseudonym(PiiLabel::Person, "Ana Lima");
        assert_eq!(p.len(), 4);
        assert!(p.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(p, k.pseudonym(PiiLabel::Person, "  ana   LIMA "));
        assert_ne!(p, k.pseudonym(PiiLabel::Person, "Bob Stone"));
        assert_ne!(p, k.pseudonym(PiiLabel::Location, "Ana Lima"));
        assert_ne!(p, key(8).pseudonym(PiiLabel::Person, "Ana Lima"), "another key, another pseudonym");
    }

    #[test]
    fn pseudonym_matches_hmac_sha256_reference() {
        // HMAC-SHA-256(key = 32 × 0x07, "PERSON\0ana lima"), first two bytes.
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"PERSON\0ana lima");
        let d = mac.finalize().into_bytes();
        assert_eq!(key(7).pseudonym(PiiLabel::Person, "Ana Lima"), format!("{:02x}{:02x}", d[0], d[1]));
    }

    #[test]
    fn keys_round_trip_as_hex_and_never_print() {
        let k = PseudonymKey::generate().unwrap();
        assert_eq!(PseudonymKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert!(PseudonymKey::from_hex("zz").is_none());
        assert!(PseudonymKey::from_hex(&"é".repeat(32)).is_none());
        assert!(!format!("{k:?}").contains(&k.to_hex()[..8]));
    }

    #[test]
    fn operators_replace_a_span() {
        let cases = [
            (Operator::Placeholder, "<PERSON>".to_string()),
            (Operator::Mask, "*******".to_string()),
            (Operator::Pseudonym(key(1)), format!("<PERSON:{}>", key(1).pseudonym(PiiLabel::Person, "Jö Lima"))),
        ];
        for (op, want) in cases {
            let mut out = String::new();
            op.replace_into(PiiLabel::Person, "Jö Lima", &mut out);
            assert_eq!(out, want, "{op:?}");
        }
    }
}
