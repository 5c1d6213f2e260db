//! Secrets — provider API keys today, the pseudonym key and sink credentials later —
//! live only in the OS keyring (DESIGN §4.4): never in config files, the database,
//! logs or error messages. [`Secret`] never prints its value, and no error built here
//! contains one.
//!
//! Linux has two backends: the Secret Service (GNOME Keyring, KWallet; persistent, the
//! desktop default) and the kernel's keyutils (headless; entries last for the login
//! session). `auto` picks the Secret Service when one answers on the session bus and
//! keyutils otherwise. macOS and Windows use their native stores.

use std::fmt;
use std::path::{Path, PathBuf};

/// The keyring service name every Tally entry is filed under.
pub const SERVICE: &str = "tally";

/// Which keyring to use (`TALLY_KEYRING` or the `--keyring` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BackendChoice {
    /// The Secret Service when reachable, else keyutils (Linux); the native store elsewhere.
    #[default]
    Auto,
    /// The freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet).
    SecretService,
    /// The Linux kernel key store (session keyring).
    Keyutils,
}

impl BackendChoice {
    /// Reads `TALLY_KEYRING` (`auto`, `secret-service`, `keyutils`); unset means `auto`.
    pub fn from_env() -> Result<BackendChoice, SecretError> {
        match std::env::var("TALLY_KEYRING") {
            Err(_) => Ok(BackendChoice::Auto),
            Ok(v) => match v.as_str() {
                "" | "auto" => Ok(BackendChoice::Auto),
                "secret-service" => Ok(BackendChoice::SecretService),
                "keyutils" => Ok(BackendChoice::Keyutils),
                _ => Err(SecretError::UnknownBackend),
            },
        }
    }
}

/// A secret value. `Debug` and `Display` print a placeholder, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from a prompt or stdin (trailing newline removed).
    pub fn new(value: &str) -> Result<Secret, SecretError> {
        let value = value.trim_end_matches(['\r', '\n']);
        if value.is_empty() {
            return Err(SecretError::Empty);
        }
        if value.chars().any(char::is_control) || value.len() > 4096 {
            return Err(SecretError::Malformed);
        }
        Ok(Secret(value.to_string()))
    }

    /// The value, for the one place that needs it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("TALLY_KEYRING must be one of auto, secret-service, keyutils")]
    UnknownBackend,
    #[error("the secret is empty")]
    Empty,
    #[error("the secret contains control characters or is longer than 4096 bytes")]
    Malformed,
    #[error(
        "no OS keyring is available ({backend}: {detail}). On a desktop, unlock GNOME Keyring or KWallet; \
         headless, run inside a session keyring (`keyctl session - …`) or set TALLY_KEYRING"
    )]
    Unavailable { backend: &'static str, detail: String },
    #[error("the OS keyring ({backend}) failed for `{entry}`: {detail}")]
    Platform { backend: &'static str, entry: String, detail: String },
    #[error("the keyring entry `{entry}` does not hold valid UTF-8 text; delete and set it again")]
    BadEncoding { entry: String },
    #[error(
        "keyutils has no usable session keyring in this process ({detail}); the login that started it may \
         have ended. Start Tally inside one (`keyctl session - tally …`, or from a new login shell), or use \
         the Secret Service (TALLY_KEYRING=secret-service)"
    )]
    NoSessionKeyring { detail: String },
    #[error(
        "`{entry}` was set in {recorded}, but {current} has no such entry{why}; it is not treated as unset. \
         {reach}. {fix}"
    )]
    Unreadable {
        entry: String,
        recorded: &'static str,
        current: &'static str,
        why: &'static str,
        reach: &'static str,
        fix: &'static str,
    },
    #[error("cannot read or write the record of configured secrets {path}: {detail}")]
    Record { path: PathBuf, detail: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    #[cfg(target_os = "linux")]
    SecretService,
    #[cfg(target_os = "linux")]
    Keyutils,
    #[cfg(not(target_os = "linux"))]
    Native,
}

/// The OS keyring, opened once per process.
#[derive(Debug, Clone)]
pub struct SecretStore {
    backend: Backend,
}

impl SecretStore {
    pub fn open(choice: BackendChoice) -> Result<SecretStore, SecretError> {
        #[cfg(target_os = "linux")]
        {
            let backend = match choice {
                BackendChoice::SecretService => Backend::SecretService,
                BackendChoice::Keyutils => Backend::Keyutils,
                BackendChoice::Auto => {
                    let probe = SecretStore { backend: Backend::SecretService };
                    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() && probe.get("probe").is_ok() {
                        Backend::SecretService
                    } else {
                        Backend::Keyutils
                    }
                }
            };
            if backend == Backend::Keyutils {
                session_keyring_usable()?;
            }
            Ok(SecretStore { backend })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = choice;
            Ok(SecretStore { backend: Backend::Native })
        }
    }

    /// Whether entries outlive a reboot: keyutils keeps them in kernel memory only.
    pub fn survives_reboot(&self) -> bool {
        #[cfg(target_os = "linux")]
        let volatile = self.backend == Backend::Keyutils;
        #[cfg(not(target_os = "linux"))]
        let volatile = false;
        !volatile
    }

    /// The backend's id in a record of configured secrets.
    fn backend_id(&self) -> &'static str {
        match self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService => "secret-service",
            #[cfg(target_os = "linux")]
            Backend::Keyutils => "keyutils",
            #[cfg(not(target_os = "linux"))]
            Backend::Native => "native",
        }
    }

    /// A readable name of the backend in use, e.g. for `tally provider list`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService => "Secret Service",
            #[cfg(target_os = "linux")]
            Backend::Keyutils => "keyutils (session keyring)",
            #[cfg(not(target_os = "linux"))]
            Backend::Native => "OS keyring",
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretError> {
        let built = match self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService => keyring::secret_service::SsCredential::new_with_target(None, SERVICE, name)
                .map(|c| keyring::Entry::new_with_credential(Box::new(c))),
            #[cfg(target_os = "linux")]
            Backend::Keyutils => keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, name)
                .map(|c| keyring::Entry::new_with_credential(Box::new(c))),
            #[cfg(not(target_os = "linux"))]
            Backend::Native => keyring::Entry::new(SERVICE, name),
        };
        built.map_err(|e| {
            // keyutils reports a revoked or missing session keyring as "no entry".
            #[cfg(target_os = "linux")]
            if self.backend == Backend::Keyutils && matches!(e, keyring::Error::NoEntry) {
                return SecretError::NoSessionKeyring { detail: "the kernel refused it".into() };
            }
            self.error(name, e)
        })
    }

    /// The secret called `name`, or `None` when none is set.
    pub fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error(name, e)),
        }
    }

    /// Sets or replaces the secret called `name`.
    pub fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError> {
        self.entry(name)?.set_password(secret.expose()).map_err(|e| self.error(name, e))
    }

    /// Deletes the secret called `name`; `false` when there was none.
    pub fn delete(&self, name: &str) -> Result<bool, SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.error(name, e)),
        }
    }

    /// Like [`SecretStore::get`] for a secret whose absence would weaken security (a
    /// bearer token): its presence is recorded in `dir`, so a configured secret that
    /// this backend cannot find is an error, never "unset". The record names the backend
    /// only, never the value; a file in the data dir needs no schema change and goes
    /// with the install it belongs to. `fix` says how to set or drop it on purpose.
    pub fn get_recorded(&self, dir: &Path, name: &str, fix: &'static str) -> Result<Option<Secret>, SecretError> {
        let record = record_path(dir, name);
        let recorded = match std::fs::read_to_string(&record) {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(SecretError::Record { path: record, detail: e.to_string() }),
        };
        match (self.get(name)?, recorded) {
            (Some(secret), recorded) => {
                // Entries set before records existed, or moved between backends, get one now.
                if recorded.as_deref() != Some(self.backend_id()) {
                    let _ = write_record(&record, self.backend_id());
                }
                Ok(Some(secret))
            }
            (None, None) => Ok(None),
            (None, Some(id)) => {
                let (recorded, reach) = match id.as_str() {
                    "secret-service" => (
                        "the Secret Service",
                        "Run it where the Secret Service answers (a D-Bus session bus with the keyring unlocked), \
                         with TALLY_KEYRING=secret-service",
                    ),
                    "keyutils" => (
                        "keyutils (session keyring)",
                        "keyutils entries are lost at reboot and when the login session ends; run it in the \
                         session keyring that holds it",
                    ),
                    _ => ("the OS keyring", "Unlock the OS keyring"),
                };
                let why = match self.backend {
                    #[cfg(target_os = "linux")]
                    Backend::Keyutils if id != "keyutils" && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() => {
                        " (DBUS_SESSION_BUS_ADDRESS is unset, so the keyring in use is keyutils)"
                    }
                    _ => "",
                };
                Err(SecretError::Unreadable {
                    entry: name.to_string(),
                    recorded,
                    current: self.backend_name(),
                    why,
                    reach,
                    fix,
                })
            }
        }
    }

    /// [`SecretStore::set`] plus the record that the secret is configured here.
    pub fn set_recorded(&self, dir: &Path, name: &str, secret: &Secret) -> Result<(), SecretError> {
        self.set(name, secret)?;
        let record = record_path(dir, name);
        write_record(&record, self.backend_id())
            .map_err(|e| SecretError::Record { path: record, detail: e.to_string() })
    }

    /// [`SecretStore::delete`] plus the record: the secret is unset on purpose. `true`
    /// when an entry or a record was there.
    pub fn delete_recorded(&self, dir: &Path, name: &str) -> Result<bool, SecretError> {
        let deleted = self.delete(name)?;
        let record = record_path(dir, name);
        match std::fs::remove_file(&record) {
            // The entry may sit in a backend this process cannot reach; the record goes anyway.
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(deleted),
            Err(e) => Err(SecretError::Record { path: record, detail: e.to_string() }),
        }
    }

    /// Maps a keyring error without ever carrying secret bytes (`BadEncoding` holds them).
    fn error(&self, entry: &str, e: keyring::Error) -> SecretError {
        let backend = self.backend_name();
        match e {
            keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable { backend, detail: inner.to_string() },
            keyring::Error::BadEncoding(_) => SecretError::BadEncoding { entry: entry.to_string() },
            keyring::Error::PlatformFailure(inner) => {
                SecretError::Platform { backend, entry: entry.to_string(), detail: inner.to_string() }
            }
            keyring::Error::TooLong(what, limit) => SecretError::Platform {
                backend,
                entry: entry.to_string(),
                detail: format!("{what} longer than {limit}"),
            },
            keyring::Error::Invalid(what, why) => {
                SecretError::Platform { backend, entry: entry.to_string(), detail: format!("invalid {what}: {why}") }
            }
            keyring::Error::Ambiguous(_) => SecretError::Platform {
                backend,
                entry: entry.to_string(),
                detail: "several entries match; delete them and set it again".into(),
            },
            keyring::Error::NoEntry => {
                SecretError::Platform { backend, entry: entry.to_string(), detail: "no entry".into() }
            }
            _ => SecretError::Platform { backend, entry: entry.to_string(), detail: "unknown keyring error".into() },
        }
    }
}

/// Where the record of the configured secret `name` lives in the data dir.
fn record_path(dir: &Path, name: &str) -> PathBuf {
    let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    dir.join(format!("{file}.keyring"))
}

fn write_record(path: &Path, backend_id: &str) -> std::io::Result<()> {
    crate::files::write_private(path, format!("{backend_id}\n").as_bytes())
}

/// Fails unless this process has a session keyring keyutils can use. A revoked one
/// (the login that started the process ended) otherwise reads as "no entry" and every
/// secret as unset.
#[cfg(target_os = "linux")]
fn session_keyring_usable() -> Result<(), SecretError> {
    const KEYCTL_DESCRIBE: libc::c_long = 6;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    // SAFETY: a null buffer of length 0 asks for the description's size only.
    let r = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_DESCRIBE,
            KEY_SPEC_SESSION_KEYRING,
            std::ptr::null_mut::<libc::c_char>(),
            0,
        )
    };
    if r < 0 {
        return Err(SecretError::NoSessionKeyring { detail: std::io::Error::last_os_error().to_string() });
    }
    Ok(())
}

/// The keyring entry name of a provider's API key.
pub fn provider_key_name(provider: &str) -> String {
    format!("provider:{provider}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("sk-test-1234567890\n").unwrap();
        assert_eq!(s.expose(), "sk-test-1234567890");
        assert!(!format!("{s:?}").contains("1234567890"));
    }

    #[test]
    fn empty_and_control_character_secrets_are_refused() {
        assert!(matches!(Secret::new("\n"), Err(SecretError::Empty)));
        assert!(matches!(Secret::new("a\u{7}b"), Err(SecretError::Malformed)));
    }
}
