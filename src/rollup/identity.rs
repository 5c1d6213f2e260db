//! Who contributes: enrolment tokens from IT, random install ids and per-install signing
//! keys. An install id is random (never a user name, host name or e-mail); its signing
//! key lives only in the OS keyring; both can be rotated.

use super::{hex, hmac_sha256, mac_eq, unhex, RollupError};
use crate::secrets::{Secret, SecretStore};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::fmt;

const TOKEN_PREFIX: &str = "tally-enrol-2";

/// A random install id, shaped like a UUID v4 (`8-4-4-4-12` lower-case hex).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstallId(String);

impl InstallId {
    pub fn random() -> InstallId {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("the OS random source works");
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex(&b);
        InstallId(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
    }

    pub fn parse(text: &str) -> Option<InstallId> {
        let groups: Vec<&str> = text.split('-').collect();
        let shape = groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        shape.then(|| InstallId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstallId {
    type Error = &'static str;
    fn try_from(s: String) -> Result<InstallId, &'static str> {
        InstallId::parse(&s).ok_or("an install id is a lower-case UUID")
    }
}

impl From<InstallId> for String {
    fn from(id: InstallId) -> String {
        id.0
    }
}

impl fmt::Debug for InstallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstallId({})", self.0)
    }
}

impl fmt::Display for InstallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source works");
    b
}

macro_rules! secret_bytes {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name([u8; 32]);

        impl $name {
            pub fn random() -> $name {
                $name(random32())
            }

            pub fn from_bytes(bytes: [u8; 32]) -> $name {
                $name(bytes)
            }

            pub fn bytes(&self) -> &[u8; 32] {
                &self.0
            }

            pub fn to_hex(&self) -> String {
                hex(&self.0)
            }

            pub fn from_hex(text: &str) -> Option<$name> {
                unhex(text.trim()).and_then(|b| <[u8; 32]>::try_from(b).ok()).map($name)
            }

            /// Keeps the key in the OS keyring under `entry`.
            pub fn store(&self, secrets: &SecretStore, entry: &str) -> Result<(), RollupError> {
                Ok(secrets.set(entry, &Secret::new(&self.to_hex())?)?)
            }

            /// The key under `entry`, `None` when there is none.
            pub fn load(secrets: &SecretStore, entry: &str, fix: &'static str) -> Result<Option<$name>, RollupError> {
                match secrets.get(entry)? {
                    None => Ok(None),
                    Some(s) => $name::from_hex(s.expose())
                        .map(Some)
                        .ok_or_else(|| RollupError::BadKey { entry: entry.to_string(), fix }),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<hidden>)"))
            }
        }
    };
}

secret_bytes!(SigningKey, "An install's HMAC-SHA-256 key: signs every row it contributes.");

impl SigningKey {
    pub fn sign(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, message)
    }

    /// The keyring entry of an install's signing key.
    pub fn entry(install: &impl fmt::Display) -> String {
        format!("org-signing-key:{install}")
    }

    /// The login message a sink checks before it lets a session act as `install`.
    pub fn login_bytes(install: &InstallId, unix_seconds: i64) -> Vec<u8> {
        format!("tally-login-v1|{install}|{unix_seconds}").into_bytes()
    }
}

/// `tally-enrol-2.<org>.<team, base64url>.<token id>.<secret, base64url>`: what IT
/// gives one device (`tally team tokens issue`). Each token enrols one install of one
/// team; the organisation keeps only its SHA-256. It is a secret; `tally enrol` reads it
/// from a prompt or stdin.
#[derive(Clone)]
pub struct EnrolmentToken {
    pub org: String,
    pub team: String,
    /// A random UUID v4, the token's public name (listed and revoked by it).
    pub id: InstallId,
    secret: [u8; 32],
}

impl fmt::Debug for EnrolmentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnrolmentToken(org {}, id {}, <hidden>)", self.org, self.id)
    }
}

/// An organisation id: 1–40 of `a-z`, `0-9`, `-`.
pub fn valid_org(org: &str) -> bool {
    (1..=40).contains(&org.len()) && org.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

impl EnrolmentToken {
    /// A new token for one device of `team`.
    pub fn random(org: &str, team: &str) -> EnrolmentToken {
        EnrolmentToken { org: org.to_string(), team: team.to_string(), id: InstallId::random(), secret: random32() }
    }

    /// What the organisation keeps of the token: the SHA-256 of its secret.
    pub fn secret_sha256(&self) -> [u8; 32] {
        sha256(&self.secret)
    }

    pub fn parse(text: &str) -> Result<EnrolmentToken, RollupError> {
        let text = text.trim();
        if text.starts_with("tally-enrol-1.") {
            return Err(RollupError::BadToken(
                "organisation-wide tokens (tally-enrol-1) are no longer accepted; ask IT for a per-device token",
            ));
        }
        let parts: Vec<&str> = text.split('.').collect();
        let [prefix, org, team, id, secret] = parts[..] else {
            return Err(RollupError::BadToken("expected tally-enrol-2.<org>.<team>.<id>.<secret>"));
        };
        if prefix != TOKEN_PREFIX {
            return Err(RollupError::BadToken("it does not start with `tally-enrol-2.`"));
        }
        if !valid_org(org) {
            return Err(RollupError::BadToken("the organisation id is not 1–40 of a-z, 0-9, -"));
        }
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let team = b64
            .decode(team)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(RollupError::BadToken("the team is not base64url UTF-8"))?;
        let id = InstallId::parse(id).ok_or(RollupError::BadToken("the token id is not a lower-case UUID"))?;
        let bytes = b64.decode(secret).map_err(|_| RollupError::BadToken("the secret is not base64url"))?;
        let secret = <[u8; 32]>::try_from(bytes).map_err(|_| RollupError::BadToken("the secret is not 32 bytes"))?;
        Ok(EnrolmentToken { org: org.to_string(), team, id, secret })
    }

    /// The token as text (to hand to IT once; never logged).
    pub fn expose(&self) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{TOKEN_PREFIX}.{}.{}.{}.{}",
            self.org,
            b64.encode(self.team.as_bytes()),
            self.id,
            b64.encode(self.secret)
        )
    }
}

/// What an install registers with its organisation at enrolment: its id, its signing
/// key and the token that admits it. The sink keeps it where only the organisation can
/// read it (sealed to the org's key, or in the database's private schema).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Enrolment {
    pub install_id: InstallId,
    /// Hex.
    pub signing_key: String,
    pub token_id: InstallId,
    /// Hex; single use: the organisation compares its SHA-256 with the issued token's.
    pub token_secret: String,
}

/// What the organisation keeps of an issued token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub id: InstallId,
    pub team: String,
    /// Hex SHA-256 of the token's secret.
    pub secret_sha256: String,
    pub issued_at: String,
    pub revoked_at: Option<String>,
    /// The install it enrolled, once seen.
    pub used_by: Option<String>,
}

impl Enrolment {
    pub fn new(token: &EnrolmentToken, install_id: &InstallId, key: &SigningKey) -> Enrolment {
        Enrolment {
            install_id: install_id.clone(),
            signing_key: key.to_hex(),
            token_id: token.id.clone(),
            token_secret: hex(&token.secret),
        }
    }

    /// The signing key, when the enrolment carries the secret of `issued`, a token that
    /// is not revoked.
    pub fn verify(&self, issued: &IssuedToken) -> Option<SigningKey> {
        let secret = unhex(&self.token_secret)?;
        let matches = issued.id == self.token_id
            && issued.revoked_at.is_none()
            && mac_eq(hex(&sha256(&secret)).as_bytes(), issued.secret_sha256.as_bytes());
        matches.then(|| SigningKey::from_hex(&self.signing_key)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_ids_are_random_v4_uuids() {
        let a = InstallId::random();
        let b = InstallId::random();
        assert_ne!(a, b);
        assert_eq!(InstallId::parse(a.as_str()), Some(a.clone()));
        assert_eq!(&a.as_str()[14..15], "4");
        for bad in ["", "alice", "ABCDEF01-0000-4000-8000-000000000000", "0000000-0000-4000-8000-0000000000000"] {
            assert_eq!(InstallId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_round_trip_and_name_what_is_wrong() {
        let token = EnrolmentToken::random("acme-eu", "Platform · Berlin");
        let parsed = EnrolmentToken::parse(&token.expose()).unwrap();
        assert_eq!((parsed.org.as_str(), parsed.team.as_str()), ("acme-eu", "Platform · Berlin"));
        assert_eq!((parsed.id.clone(), parsed.secret_sha256()), (token.id.clone(), token.secret_sha256()));
        let text = token.expose();
        assert!(!format!("{parsed:?}").contains(&text[text.len() - 20..]));
        let id = InstallId::random();
        for (bad, says) in [
            ("nope".to_string(), "expected"),
            ("tally-enrol-1.acme.AAAA".to_string(), "per-device"),
            (format!("tally-enrol-3.acme.dA.{id}.AAAA"), "does not start"),
            (format!("tally-enrol-2.ACME.dA.{id}.AAAA"), "organisation id"),
            (format!("tally-enrol-2.acme.@@.{id}.AAAA"), "team"),
            ("tally-enrol-2.acme.dA.x.AAAA".to_string(), "token id"),
            (format!("tally-enrol-2.acme.dA.{id}.@@@@"), "base64url"),
            (format!("tally-enrol-2.acme.dA.{id}.AAAA"), "32 bytes"),
        ] {
            let e = EnrolmentToken::parse(&bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn an_enrolment_verifies_only_with_its_issued_unrevoked_token() {
        let token = EnrolmentToken::random("acme", "alpha");
        let issued = IssuedToken {
            id: token.id.clone(),
            team: "alpha".into(),
            secret_sha256: hex(&token.secret_sha256()),
            issued_at: String::new(),
            revoked_at: None,
            used_by: None,
        };
        let key = SigningKey::random();
        let e = Enrolment::new(&token, &InstallId::random(), &key);
        assert_eq!(e.verify(&issued), Some(key.clone()));
        let other = Enrolment::new(&EnrolmentToken::random("acme", "alpha"), &InstallId::random(), &key);
        assert_eq!(other.verify(&issued), None, "another token's secret");
        let revoked = IssuedToken { revoked_at: Some("2026-12-01".into()), ..issued.clone() };
        assert_eq!(e.verify(&revoked), None, "a revoked token");
    }
}
