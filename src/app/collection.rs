//! Live collection: consent, the collector's start, stop and pause, and pulse check-ins.

use super::*;

impl App {
    pub async fn consent(&self) -> UiResult<crate::store::ConsentStatus> {
        Ok(self.real_store().await?.consent().await?)
    }

    /// Records the employee's agreement and starts collecting.
    pub async fn agree(&self) -> UiResult<CollectionView> {
        self.real_store().await?.set_consent(true).await?;
        self.start_collector().await
    }

    /// Withdraws consent: the collector stops (and flushes) and will not start again.
    pub async fn withdraw(&self) -> UiResult<CollectionView> {
        self.real_store().await?.set_consent(false).await?;
        self.stop_collector().await?;
        self.collection().await
    }

    /// Starts the collector if consent is given and it is not running.
    pub async fn start_collector(&self) -> UiResult<CollectionView> {
        let mut slot = self.collector.lock().await;
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            drop(slot);
            return self.collection().await;
        }
        let store = self.real_store().await?;
        if store.consent().await?.agreed {
            let config = self.config().await;
            let options = crate::collect::CollectorOptions {
                poll: config.collect.poll(),
                idle_timeout: config.collect.idle_timeout(),
                data_dir: self.real_data_dir()?,
                team: config.team().to_string(),
                focus: config.focus,
            };
            let handle =
                crate::collect::Collector::start(&store, self.analyzer().await, config.exclusions()?, options).await?;
            *slot = Some(handle);
        }
        drop(slot);
        self.collection().await
    }

    /// Stops the collector (its held minute is flushed), e.g. at quit.
    pub async fn stop_collector(&self) -> UiResult<()> {
        if let Some(handle) = self.collector.lock().await.take() {
            handle.stop().await?;
        }
        Ok(())
    }

    /// Pauses or resumes collection at once; the pause survives restarts.
    pub async fn set_paused(&self, paused: bool) -> UiResult<CollectionView> {
        let flag = crate::collect::PauseFlag::in_dir(&self.real_data_dir()?);
        let result = if paused { flag.set() } else { flag.clear() };
        result.map_err(|e| msg(format!("cannot change the pause flag: {e}")))?;
        if let Some(handle) = self.collector.lock().await.as_ref() {
            if paused {
                handle.pause()?;
            } else {
                handle.resume()?;
            }
        }
        self.collection().await
    }

    /// Consent, pause and the collector's state, as the tray and the Privacy view show them.
    pub async fn collection(&self) -> UiResult<CollectionView> {
        let consent = self.consent().await?;
        let paused = crate::collect::PauseFlag::in_dir(&self.real_data_dir()?).is_set();
        let status = self.collector.lock().await.as_ref().map(|h| h.status());
        let session = crate::collect::Session::from_env();
        Ok(CollectionView {
            consented: consent.agreed,
            paused,
            running: status.as_ref().is_some_and(|s| s.running),
            titles_available: session.titles_available(),
            note: status.as_ref().and_then(|s| s.note.clone()).or_else(|| session.note()),
            last_error: status.and_then(|s| s.last_error),
        })
    }

    /// A pulse check-in: through anonymize → score → aggregate; the text is dropped.
    pub async fn pulse(&self, text: &str, mood: Option<u8>) -> UiResult<crate::pulse::PulseOutcome> {
        let config = self.config().await;
        let store = self.real_store().await?;
        let analyzer = self.analyzer().await;
        crate::pulse::record(&store, &analyzer, &config, text, mood)
            .await
            .map_err(|e| UiError::field("pulse", e.to_string()))
    }
}

/// Live collection as the tray and the Privacy view show it.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionView {
    pub consented: bool,
    pub paused: bool,
    pub running: bool,
    /// False on a Wayland session: app-level activity only.
    pub titles_available: bool,
    pub note: Option<String>,
    pub last_error: Option<String>,
}
