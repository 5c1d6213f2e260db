//! Who contributes: enrolment tokens from IT, random install ids and per-install signing
//! keys. An install id is random (never a user name, host name or e-mail); its signing
//! key lives only in the OS keyring; both can be rotated.

use super::{hex, hmac_sha256, mac_eq, unhex, RollupError};
use crate::secrets::{Secret, SecretStore};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::fmt;

const TOKEN_PREFIX: &str = "tally-enrol-1";

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
secret_bytes!(EnrolmentSecret, "The organisation's enrolment secret: inside the token IT hands out.");

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

impl EnrolmentSecret {
    /// The proof that whoever registers `install` with `key` holds the enrolment token:
    /// HMAC-SHA-256 under the enrolment secret of `tally-enrol-v1|<install>|<key hex>`.
    pub fn proof(&self, install: &InstallId, key: &SigningKey) -> [u8; 32] {
        hmac_sha256(&self.0, format!("tally-enrol-v1|{install}|{}", key.to_hex()).as_bytes())
    }

    pub fn check(&self, install: &InstallId, key: &SigningKey, proof_hex: &str) -> bool {
        unhex(proof_hex).is_some_and(|p| mac_eq(&p, &self.proof(install, key)))
    }

    /// The keyring entry of an organisation's enrolment secret (admin machines only).
    pub fn entry(org: &str) -> String {
        format!("org-enrol-secret:{org}")
    }
}

/// `tally-enrol-1.<org>.<secret, base64url>`: what IT gives every install of one
/// organisation. It is a secret; `tally enrol` reads it from a prompt or stdin.
#[derive(Clone)]
pub struct EnrolmentToken {
    pub org: String,
    pub secret: EnrolmentSecret,
}

impl fmt::Debug for EnrolmentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnrolmentToken(org {}, <hidden>)", self.org)
    }
}

/// An organisation id: 1–40 of `a-z`, `0-9`, `-`.
pub fn valid_org(org: &str) -> bool {
    (1..=40).contains(&org.len()) && org.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl EnrolmentToken {
    pub fn new(org: &str, secret: EnrolmentSecret) -> EnrolmentToken {
        EnrolmentToken { org: org.to_string(), secret }
    }

    pub fn parse(text: &str) -> Result<EnrolmentToken, RollupError> {
        let mut parts = text.trim().split('.');
        let (Some(prefix), Some(org), Some(secret), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(RollupError::BadToken("expected tally-enrol-1.<org>.<secret>"));
        };
        if prefix != TOKEN_PREFIX {
            return Err(RollupError::BadToken("it does not start with `tally-enrol-1.`"));
        }
        if !valid_org(org) {
            return Err(RollupError::BadToken("the organisation id is not 1–40 of a-z, 0-9, -"));
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(secret)
            .map_err(|_| RollupError::BadToken("the secret is not base64url"))?;
        let bytes = <[u8; 32]>::try_from(bytes).map_err(|_| RollupError::BadToken("the secret is not 32 bytes"))?;
        Ok(EnrolmentToken { org: org.to_string(), secret: EnrolmentSecret::from_bytes(bytes) })
    }

    /// The token as text (to hand to IT once; never logged).
    pub fn expose(&self) -> String {
        format!(
            "{TOKEN_PREFIX}.{}.{}",
            self.org,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.secret.bytes())
        )
    }
}

/// What an install registers with its organisation at enrolment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Enrolment {
    pub install_id: InstallId,
    /// Hex; the sink keeps it where only the organisation can read it.
    pub signing_key: String,
    /// Hex [`EnrolmentSecret::proof`].
    pub proof: String,
}

impl Enrolment {
    pub fn new(token: &EnrolmentToken, install_id: &InstallId, key: &SigningKey) -> Enrolment {
        Enrolment {
            install_id: install_id.clone(),
            signing_key: key.to_hex(),
            proof: hex(&token.secret.proof(install_id, key)),
        }
    }

    /// The signing key, once the proof checks out against the organisation's secret.
    pub fn verify(&self, secret: &EnrolmentSecret) -> Option<SigningKey> {
        let key = SigningKey::from_hex(&self.signing_key)?;
        secret.check(&self.install_id, &key, &self.proof).then_some(key)
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
        let token = EnrolmentToken::new("acme-eu", EnrolmentSecret::random());
        let parsed = EnrolmentToken::parse(&token.expose()).unwrap();
        assert_eq!(parsed.org, "acme-eu");
        assert_eq!(parsed.secret, token.secret);
        assert!(!format!("{parsed:?}").contains(&token.expose()[20..]));
        for (bad, says) in [
            ("nope", "expected"),
            ("tally-enrol-2.acme.AAAA", "does not start"),
            ("tally-enrol-1.ACME.AAAA", "organisation id"),
            ("tally-enrol-1.acme.@@@@", "base64url"),
            ("tally-enrol-1.acme.AAAA", "32 bytes"),
        ] {
            let e = EnrolmentToken::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn an_enrolment_verifies_only_under_its_organisations_secret() {
        let token = EnrolmentToken::new("acme", EnrolmentSecret::random());
        let id = InstallId::random();
        let key = SigningKey::random();
        let e = Enrolment::new(&token, &id, &key);
        assert_eq!(e.verify(&token.secret), Some(key.clone()));
        assert_eq!(e.verify(&EnrolmentSecret::random()), None);
        let forged = Enrolment { install_id: InstallId::random(), ..e.clone() };
        assert_eq!(forged.verify(&token.secret), None);
    }
}
