//! The ActivityWatch bucket table of `tally serve`. Its keys arrive already hashed
//! ([`SaltedHash`]): a bucket id or host name in clear never reaches the store.

use super::{query, Store, StoreError};
use sqlx::Row;

/// SHA-256 of a per-install salt and a value, hex. Only [`SaltedHash::of`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SaltedHash(String);

impl SaltedHash {
    pub fn of(salt: &[u8; 32], value: &str) -> SaltedHash {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(salt);
        hasher.update(value.as_bytes());
        SaltedHash(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash as the store wrote it.
    pub(super) fn stored(hex: String) -> SaltedHash {
        SaltedHash(hex)
    }
}

/// One stored bucket: hashes, plus its type, client and creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwBucketRow {
    pub id: SaltedHash,
    pub hostname: SaltedHash,
    pub kind: String,
    pub client: String,
    pub created: String,
}

impl Store {
    /// The install's salt for bucket hashes, created on first use.
    pub async fn aw_salt(&self) -> Result<[u8; 32], StoreError> {
        let stored = sqlx::query("SELECT salt FROM aw_salt WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading the bucket salt"))?;
        if let Some(row) = stored {
            let salt: Vec<u8> = row.get("salt");
            return salt.try_into().map_err(|_| StoreError::Salt("not 32 bytes".to_string()));
        }
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| StoreError::Salt(format!("no random source: {e}")))?;
        sqlx::query("INSERT INTO aw_salt (id, salt) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")
            .bind(&fresh[..])
            .execute(&self.pool)
            .await
            .map_err(query("creating the bucket salt"))?;
        let row = sqlx::query("SELECT salt FROM aw_salt WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(query("reading the bucket salt"))?;
        let salt: Vec<u8> = row.get("salt");
        salt.try_into().map_err(|_| StoreError::Salt("not 32 bytes".to_string()))
    }

    /// Inserts a bucket; false when one with that id exists already.
    pub async fn aw_bucket_insert(&self, bucket: &AwBucketRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO aw_buckets (id_sha256, hostname_sha256, type, client, created) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (id_sha256) DO NOTHING",
        )
        .bind(bucket.id.as_str())
        .bind(bucket.hostname.as_str())
        .bind(&bucket.kind)
        .bind(&bucket.client)
        .bind(&bucket.created)
        .execute(&self.pool)
        .await
        .map_err(query("writing a bucket"))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn aw_bucket(&self, id: &SaltedHash) -> Result<Option<AwBucketRow>, StoreError> {
        let row = sqlx::query("SELECT hostname_sha256, type, client, created FROM aw_buckets WHERE id_sha256 = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading a bucket"))?;
        Ok(row.map(|row| AwBucketRow {
            id: id.clone(),
            hostname: SaltedHash(row.get("hostname_sha256")),
            kind: row.get("type"),
            client: row.get("client"),
            created: row.get("created"),
        }))
    }

    /// Deletes a bucket; false when there was none.
    pub async fn aw_bucket_delete(&self, id: &SaltedHash) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM aw_buckets WHERE id_sha256 = ?")
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(query("deleting a bucket"))?;
        Ok(done.rows_affected() == 1)
    }
}
