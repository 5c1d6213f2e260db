//! The bucket registry: clear bucket ids and host names in memory for the server's
//! lifetime (so `GET /api/0/buckets/` can answer in ActivityWatch's shape), and in the
//! store only as salted hashes with type, client and creation time (DESIGN §4.2).

use super::timeline::BucketKind;
use crate::store::{AwBucketRow, SaltedHash, Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most buckets one server holds (each costs memory; watchers make a handful).
pub const MAX_BUCKETS: usize = 1000;

/// A bucket as `GET /api/0/buckets/` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BucketInfo {
    pub id: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub client: String,
    pub hostname: String,
    pub created: String,
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl BucketInfo {
    pub fn kind(&self) -> BucketKind {
        BucketKind::from_type(&self.kind)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    New,
    Existed,
    TooMany,
}

pub struct Registry {
    store: Store,
    salt: [u8; 32],
    known: Mutex<HashMap<String, BucketInfo>>,
}

/// A type or client name as stored: short plain names only, anything else `other`.
fn plain(name: &str) -> String {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        name.to_string()
    } else {
        "other".to_string()
    }
}

impl Registry {
    pub async fn open(store: Store) -> Result<Registry, StoreError> {
        let salt = store.aw_salt().await?;
        Ok(Registry { store, salt, known: Mutex::new(HashMap::new()) })
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, BucketInfo>> {
        // A panic while holding the lock cannot leave the map half-written.
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn list(&self) -> Vec<BucketInfo> {
        let mut all: Vec<BucketInfo> = self.known().values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The bucket `id`: from memory, else from the store (a bucket created before this
    /// server started; its host name is then unknown).
    pub async fn get(&self, id: &str) -> Result<Option<BucketInfo>, StoreError> {
        if let Some(info) = self.known().get(id) {
            return Ok(Some(info.clone()));
        }
        let Some(row) = self.store.aw_bucket(&SaltedHash::of(&self.salt, id)).await? else {
            return Ok(None);
        };
        let info = BucketInfo {
            id: id.to_string(),
            name: None,
            kind: row.kind,
            client: row.client,
            hostname: "unknown".to_string(),
            created: row.created,
            data: Default::default(),
        };
        let mut known = self.known();
        if known.len() >= MAX_BUCKETS {
            return Ok(Some(info));
        }
        Ok(Some(known.entry(id.to_string()).or_insert(info).clone()))
    }

    /// Creates `info` unless a bucket with its id exists (in memory or in the store).
    pub async fn create(&self, info: BucketInfo) -> Result<Created, StoreError> {
        {
            let known = self.known();
            if known.contains_key(&info.id) {
                return Ok(Created::Existed);
            }
            if known.len() >= MAX_BUCKETS {
                return Ok(Created::TooMany);
            }
        }
        let row = AwBucketRow {
            id: SaltedHash::of(&self.salt, &info.id),
            hostname: SaltedHash::of(&self.salt, &info.hostname),
            kind: plain(&info.kind),
            client: plain(&info.client),
            created: info.created.clone(),
        };
        let new = self.store.aw_bucket_insert(&row).await?;
        self.known().entry(info.id.clone()).or_insert(info);
        Ok(if new { Created::New } else { Created::Existed })
    }

    /// Deletes the bucket; false when there was none.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let in_memory = self.known().remove(id).is_some();
        let stored = self.store.aw_bucket_delete(&SaltedHash::of(&self.salt, id)).await?;
        Ok(in_memory || stored)
    }
}
