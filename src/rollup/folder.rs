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
//!
//! Anyone who can write the folder can replace any file, so the admin's side decides
//! what counts: an enrolment counts only with a token the admin issued, not revoked,
//! for the team its rows name; the first enrolment seen for an install id and for a
//! token is pinned, and a second key for the same id, or a second install for the same
//! token, is reported and never used. Tokens and pins are the [`Registry`],
//! `admin/registry.json` in the folder, authenticated with a key derived from the
//! organisation's key: others who can write the folder can delete it (denial of
//! service) but cannot add a token or change a pin.

use super::identity::{Enrolment, IssuedToken};
use super::{Contribution, DayCell, InstallId, RollupError, SigningKey};
use crypto_box::{PublicKey, SecretKey};
use serde::{Deserialize, Serialize};
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

    /// The key that authenticates the folder's [`Registry`], derived from the secret key.
    fn registry_key(&self) -> [u8; 32] {
        super::hmac_sha256(&self.secret.to_bytes(), b"tally-folder-registry-v1")
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

    /// Writes `bytes` to `<sub>/<install>.sealed` atomically.
    fn write_atomically(&self, sub: &str, install: &InstallId, bytes: &[u8]) -> Result<(), RollupError> {
        let target = file_of(&self.root.join(sub), install);
        write_file_atomically(&target, bytes)
            .map_err(|e| RollupError::sink(SINK, "writing a contribution", format!("{}: {e}", target.display())))
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
    /// Verified cells of enrolled installs, within the daily caps.
    pub rows: Vec<(InstallId, DayCell)>,
    pub enrolled: usize,
    pub contributions: usize,
    /// Files that did not open, parse or verify (half-written, foreign, forged).
    pub skipped_files: usize,
    /// Cells whose signature did not verify, whose team is not their token's, or whose
    /// measures exceed the daily caps.
    pub skipped_cells: usize,
    /// Enrolments refused: a second key for a pinned install id, a token that already
    /// enrolled another install, or an install beyond its team's roster.
    pub refused_enrolments: usize,
    /// Enrolments seen for the first time, for the caller to pin.
    pub new_pins: Vec<Pin>,
}

/// The first enrolment the admin saw for an install id: the sealed file as it was, so
/// the install's key is kept only in a form the organisation's key opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub install_id: InstallId,
    pub token_id: InstallId,
    pub team: String,
    /// Hex.
    pub sealed: String,
}

/// What the admin's side knows before reading: the tokens it issued and the enrolments
/// it pinned.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    pub tokens: Vec<IssuedToken>,
    pub pins: Vec<Pin>,
}

#[derive(Serialize, Deserialize)]
struct RegistryFile {
    registry: Registry,
    /// Hex HMAC-SHA-256 of the registry's JSON under [`OrgKeys::registry_key`].
    mac: String,
}

fn registry_path(root: &Path) -> PathBuf {
    root.join("admin").join("registry.json")
}

/// The registry in the folder; empty when there is none yet. One that does not verify
/// under the organisation's key is an error: someone without the key changed it.
pub fn load_registry(root: &Path, keys: &OrgKeys) -> Result<Registry, RollupError> {
    let path = registry_path(root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
        Err(e) => return Err(RollupError::sink(SINK, "reading the registry", format!("{}: {e}", path.display()))),
    };
    let changed = || {
        RollupError::sink(
            SINK,
            "reading the registry",
            format!("{} does not verify under the organisation's key: someone without it changed the file; restore it from a backup", path.display()),
        )
    };
    let file: RegistryFile = serde_json::from_slice(&bytes).map_err(|_| changed())?;
    let json = serde_json::to_vec(&file.registry).map_err(|_| changed())?;
    let mac = super::unhex(&file.mac).ok_or_else(changed)?;
    if !super::mac_eq(&mac, &super::hmac_sha256(&keys.registry_key(), &json)) {
        return Err(changed());
    }
    Ok(file.registry)
}

/// Writes the registry to the folder, authenticated, atomically.
pub fn save_registry(root: &Path, keys: &OrgKeys, registry: &Registry) -> Result<(), RollupError> {
    let json = serde_json::to_vec(registry).map_err(|e| RollupError::sink(SINK, "encoding the registry", e))?;
    let mac = super::hex(&super::hmac_sha256(&keys.registry_key(), &json));
    let file = serde_json::to_vec_pretty(&RegistryFile { registry: registry.clone(), mac })
        .map_err(|e| RollupError::sink(SINK, "encoding the registry", e))?;
    let path = registry_path(root);
    write_file_atomically(&path, &file)
        .map_err(|e| RollupError::sink(SINK, "writing the registry", format!("{}: {e}", path.display())))
}

/// Writes `bytes` to `target` atomically, with the folder's own modes (the admin's
/// account reads these files; they are sealed).
fn write_file_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::files::write_atomically_as(target, crate::files::Access::Shared, |f| f.write_all(bytes))
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

fn open_enrolment(keys: &OrgKeys, sealed: &[u8], id: &InstallId) -> Option<Enrolment> {
    keys.open(sealed).and_then(|plain| serde_json::from_slice::<Enrolment>(&plain).ok()).filter(|e| &e.install_id == id)
}

/// Opens every enrolment and contribution with the organisation's key; keeps the cells
/// of installs admitted by `registry` (see the module's notes) whose signatures verify,
/// whose team is their token's and whose measures are within the daily caps.
pub fn read(
    root: &Path,
    keys: &OrgKeys,
    registry: &Registry,
    rosters: &BTreeMap<String, u32>,
) -> Result<FolderRead, RollupError> {
    let mut read = FolderRead::default();
    let tokens: BTreeMap<&InstallId, &IssuedToken> = registry.tokens.iter().map(|t| (&t.id, t)).collect();
    let mut pins: BTreeMap<InstallId, Pin> = registry.pins.iter().map(|p| (p.install_id.clone(), p.clone())).collect();
    let mut token_owner: BTreeMap<InstallId, InstallId> =
        registry.pins.iter().map(|p| (p.token_id.clone(), p.install_id.clone())).collect();
    let mut signing: BTreeMap<InstallId, (SigningKey, String)> = BTreeMap::new();
    let files = sealed_files(&root.join("enrol"))?;
    // Pinned installs first, so a pinned install keeps its place in its roster.
    let (pinned, fresh): (Vec<_>, Vec<_>) = files.into_iter().partition(|(id, _)| pins.contains_key(id));
    for (id, path) in pinned.into_iter().chain(fresh) {
        let sealed = std::fs::read(&path).ok();
        let on_disk = sealed.as_deref().and_then(|b| open_enrolment(keys, b, &id));
        let (enrolment, new_pin) = match pins.get(&id) {
            Some(pin) => {
                let pinned = super::unhex(&pin.sealed).and_then(|b| open_enrolment(keys, &b, &id));
                if on_disk.as_ref().is_some_and(|e| Some(&e.signing_key) != pinned.as_ref().map(|p| &p.signing_key)) {
                    read.refused_enrolments += 1;
                }
                (pinned, None)
            }
            None => (on_disk, sealed),
        };
        let Some(enrolment) = enrolment else {
            read.skipped_files += 1;
            continue;
        };
        let Some(issued) = tokens.get(&enrolment.token_id) else {
            read.skipped_files += 1;
            continue;
        };
        let Some(key) = enrolment.verify(issued) else {
            read.skipped_files += 1;
            continue;
        };
        if let Some(sealed) = new_pin {
            let reused = token_owner.get(&enrolment.token_id).is_some_and(|owner| owner != &id);
            let live = pins.values().filter(|p| p.team == issued.team).count();
            let roster = rosters.get(&issued.team).copied().unwrap_or(0) as usize;
            if reused || live >= roster {
                read.refused_enrolments += 1;
                continue;
            }
            let pin = Pin {
                install_id: id.clone(),
                token_id: enrolment.token_id.clone(),
                team: issued.team.clone(),
                sealed: super::hex(&sealed),
            };
            token_owner.insert(pin.token_id.clone(), id.clone());
            pins.insert(id.clone(), pin.clone());
            read.new_pins.push(pin);
        }
        signing.insert(id, (key, issued.team.clone()));
    }
    // A pinned install whose enrolment file was deleted still counts.
    for (id, pin) in &pins {
        if signing.contains_key(id) {
            continue;
        }
        let key = super::unhex(&pin.sealed)
            .and_then(|b| open_enrolment(keys, &b, id))
            .and_then(|e| tokens.get(&e.token_id).and_then(|issued| e.verify(issued)));
        if let Some(key) = key {
            signing.insert(id.clone(), (key, pin.team.clone()));
        }
    }
    read.enrolled = signing.len();
    for (id, path) in sealed_files(&root.join("contrib"))? {
        let Some((key, team)) = signing.get(&id) else {
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
        let mut per_day: BTreeMap<chrono::NaiveDate, super::Measures> = BTreeMap::new();
        for signed in &c.cells {
            per_day.entry(signed.cell.day).or_default().add(&signed.cell.measures);
        }
        let weeks = super::release::weeks_within_cap(c.cells.iter().map(|s| &s.cell));
        for signed in c.cells {
            let day_total = per_day[&signed.cell.day];
            let within = signed.cell.measures.check_daily_caps().is_ok()
                && day_total.values().iter().zip(super::DAILY_CAPS).all(|(v, cap)| *v <= cap)
                && weeks[&super::TeamPeriod::Week.start_of(signed.cell.day)];
            if signed.verify(&id, key) && &signed.cell.team == team && within {
                read.rows.push((id.clone(), signed.cell));
            } else {
                read.skipped_cells += 1;
            }
        }
    }
    Ok(read)
}
