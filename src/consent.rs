//! First-run consent (DESIGN §8): the live collector starts only after the employee
//! agreed, and withdrawing stops future collection (stored data stays until
//! `tally forget`). Imports of files the employee chose are not gated: running one is
//! itself the decision.

use crate::store::{ConsentStatus, Store, StoreError};

/// The current decision (not agreed when none was ever made).
pub async fn status(store: &Store) -> Result<ConsentStatus, StoreError> {
    store.consent().await
}

/// The employee agrees to live collection.
pub async fn agree(store: &Store) -> Result<ConsentStatus, StoreError> {
    store.set_consent(true).await
}

/// The employee withdraws consent: a collector started afterwards refuses to run. A
/// running one is stopped by its owner (the shell calls `CollectorHandle::stop`).
pub async fn withdraw(store: &Store) -> Result<ConsentStatus, StoreError> {
    store.set_consent(false).await
}
