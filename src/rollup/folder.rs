//! The shared-folder sink, for small teams without a server. Each install writes only
//! its own files, each sealed to the organisation's X25519 public key (libsodium sealed
//! box, `crypto_box`), so colleagues who share the folder cannot read each other's; the
//! admin's secret key, in the keyring, opens them.
//!
//! Layout: `enrol/<install>.sealed` (the [`Enrolment`]) and `contrib/<install>.sealed`
//! (the install's whole [`Contribution`]: a sealed file cannot be read back by its
//! writer, so each publish rewrites it from the local aggregates). Files are written to
//! a temporary name and renamed, so a reader sees a whole file or the previous one; a
//! file that does not open or verify is skipped and counted.

use super::identity::{Enrolment, EnrolmentSecret};
use super::{Contribution, DayCell, InstallId, RollupError};
use crypto_box::{PublicKey, SecretKey};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const SINK: &str = "shared folder";

/// The organisation's key pair; the secret half lives in the admin's keyring.
pub struct OrgKeys {
    pub public: [u8; 32],
    secret: SecretKey,
}

impl OrgKeys {
    pub fn generate() -> OrgKeys {
        let secret = SecretKey::generate(&mut crypto_box::aead::OsRng);
        OrgKeys { public: *secret.public_key().as_bytes(), secret }
    }

    pub fn from_secret(bytes: [u8; 32]) -> OrgKeys {
        let secret = SecretKey::from(bytes);
        OrgKeys { public: *secret.public_key().as_bytes(), secret }
    }

    pub fn secret_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes()
    }

    /// The keyring entry of an organisation's folder key (admin machines only).
    pub fn entry(org: &str) -> String {
        format!("org-folder-key:{org}")
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        self.secret.unseal(sealed).ok()
    }
}

/// An install's view of the folder: it can write its own files, nothing else.
pub struct FolderSink {
    root: PathBuf,
    org_public_key: PublicKey,
}

fn file_of(dir: &Path, install: &InstallId) -> PathBuf {
    dir.join(format!("{install}.sealed"))
}

impl FolderSink {
    pub fn new(root: &Path, org_public_key: [u8; 32]) -> FolderSink {
        FolderSink { root: root.to_path_buf(), org_public_key: PublicKey::from(org_public_key) }
    }

    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, RollupError> {
        self.org_public_key
            .seal(&mut crypto_box::aead::OsRng, plain)
            .map_err(|_| RollupError::sink(SINK, "sealing a file", "encryption failed"))
    }

    /// Writes `bytes` to `dir/<install>.sealed` atomically: a temporary file in the same
    /// directory, synced, then renamed over the old one.
    fn write_atomically(&self, sub: &str, install: &InstallId, bytes: &[u8]) -> Result<(), RollupError> {
        let dir = self.root.join(sub);
        std::fs::create_dir_all(&dir)
            .map_err(|e| RollupError::sink(SINK, "creating the folder", format!("{}: {e}", dir.display())))?;
        let target = file_of(&dir, install);
        let tmp = dir.join(format!(".{install}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            RollupError::sink(SINK, "writing a contribution", format!("{}: {e}", target.display()))
        })
    }

    pub fn enrol(&self, e: &Enrolment) -> Result<(), RollupError> {
        let plain = serde_json::to_vec(e).map_err(|e| RollupError::sink(SINK, "encoding the enrolment", e))?;
        self.write_atomically("enrol", &e.install_id, &self.seal(&plain)?)
    }

    /// Replaces the install's contribution file with `c` (its whole history).
    pub fn publish(&self, c: &Contribution) -> Result<u64, RollupError> {
        let plain = serde_json::to_vec(c).map_err(|e| RollupError::sink(SINK, "encoding the contribution", e))?;
        self.write_atomically("contrib", &c.install_id, &self.seal(&plain)?)?;
        Ok(c.cells.len() as u64)
    }

    /// Deletes the install's contribution (and, when `revoke`, its enrolment).
    pub fn withdraw(&self, install: &InstallId, revoke: bool) -> Result<u64, RollupError> {
        let mut removed = 0;
        let subs: &[&str] = if revoke { &["contrib", "enrol"] } else { &["contrib"] };
        for sub in subs {
            let path = file_of(&self.root.join(sub), install);
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(RollupError::sink(SINK, "deleting a contribution", format!("{}: {e}", path.display())))
                }
            }
        }
        Ok(removed)
    }
}

/// What the admin read from a folder.
#[derive(Debug, Default)]
pub struct FolderRead {
    /// Verified cells of enrolled installs.
    pub rows: Vec<(InstallId, DayCell)>,
    pub enrolled: usize,
    pub contributions: usize,
    /// Files that did not open, parse or verify (half-written, foreign, forged).
    pub skipped_files: usize,
    /// Cells whose signature did not verify.
    pub skipped_cells: usize,
}

fn sealed_files(dir: &Path) -> Result<Vec<(InstallId, PathBuf)>, RollupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RollupError::sink(SINK, "listing the folder", format!("{}: {e}", dir.display()))),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        // Temporary files of a write in progress start with '.', and are not ours to read.
        if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".sealed")).and_then(InstallId::parse) {
            out.push((id, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Opens every enrolment and contribution with the organisation's keys; keeps the cells
/// of installs whose enrolment proof checks out and whose signatures verify.
pub fn read(root: &Path, keys: &OrgKeys, enrol_secret: &EnrolmentSecret) -> Result<FolderRead, RollupError> {
    let mut read = FolderRead::default();
    let mut signing = BTreeMap::new();
    for (id, path) in sealed_files(&root.join("enrol"))? {
        let enrolment = std::fs::read(&path)
            .ok()
            .and_then(|b| keys.open(&b))
            .and_then(|plain| serde_json::from_slice::<Enrolment>(&plain).ok())
            .filter(|e| e.install_id == id);
        match enrolment.and_then(|e| e.verify(enrol_secret)) {
            Some(key) => {
                signing.insert(id, key);
            }
            None => read.skipped_files += 1,
        }
    }
    read.enrolled = signing.len();
    for (id, path) in sealed_files(&root.join("contrib"))? {
        let Some(key) = signing.get(&id) else {
            read.skipped_files += 1;
            continue;
        };
        let contribution = std::fs::read(&path)
            .ok()
            .and_then(|b| keys.open(&b))
            .and_then(|plain| serde_json::from_slice::<Contribution>(&plain).ok())
            .filter(|c| c.install_id == id);
        let Some(c) = contribution else {
            read.skipped_files += 1;
            continue;
        };
        read.contributions += 1;
        for signed in c.cells {
            if signed.verify(&id, key) {
                read.rows.push((id.clone(), signed.cell));
            } else {
                read.skipped_cells += 1;
            }
        }
    }
    Ok(read)
}
