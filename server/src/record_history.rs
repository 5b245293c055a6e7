//! A registration and its history — who changed which fields when, from its Automerge
//! document (`jemput_shared::history`), with the server's receipt of each change — for a
//! requester whose scope covers it. Shared by the history route and the person report
//! (`routes::privacy`).

use std::collections::HashMap;

use jemput_shared::api::registrations::HistoryEntry;
use jemput_shared::document::RegistrationDoc;
use jemput_shared::history::history;
use jemput_shared::policy::Scope;
use jemput_shared::registration::Registration;

use crate::error::ApiError;
use crate::startup::AppState;

/// Registration `id` and its history, if it exists and `scope` covers it.
pub async fn registration_history(
    state: &AppState,
    scope: &Scope,
    id: &str,
) -> Result<Option<(Registration, Vec<HistoryEntry>)>, ApiError> {
    let mut stored = state.store.load_documents(vec![id.to_owned()]).await?;
    let Some(stored) = stored.remove(id) else {
        return Ok(None);
    };
    let mut receipts = HashMap::new();
    for received in state.store.received_changes(id.to_owned()).await? {
        for hash in received.hashes {
            receipts.insert(hash, received.receipt.clone());
        }
    }
    let scope = scope.clone();
    // Diffing every change is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || {
        let mut doc = RegistrationDoc::load(&stored.bytes)?;
        let registration = doc.read()?;
        Ok::<_, jemput_shared::document::DocumentError>(
            scope
                .covers(&registration)
                .then(|| (registration, history(&mut doc, &receipts))),
        )
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("history task failed: {e}")))?
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored document {id}: {e}")))
}
