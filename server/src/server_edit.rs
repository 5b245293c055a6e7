//! Changes the server writes into registration documents on a user's behalf: a review,
//! a duplicate resolution. Each is an Automerge change made by the requesting user (named
//! in the change message, see `ChangeAuthor`) on the stored document, and then goes the
//! way a device's push goes — merge, policy check, validation, one commit with the
//! change log and projection, the live-feed notice — so it reaches officers' phones on
//! their next pull and merges with their own concurrent edits.
//!
//! Several documents are changed all or nothing: if the policy or validation refuses one,
//! nothing is committed. A policy refusal answers 403; a validation refusal answers 400
//! with the first problem and its field (the edit would break a limit, or the stored
//! registration already breaks one).

use std::sync::Arc;

use jemput_shared::document::{ChangeAuthor, RegistrationDoc};
use jemput_shared::registration::Registration;
use jemput_shared::sync::message::PushItem;
use jemput_shared::sync::server::MergeDecision;

use crate::auth::Authenticated;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::ingest::{commit, merge, COMMIT_ATTEMPTS};
use crate::startup::AppState;
use crate::store::StoreError;

/// The stored registration `id`, if the store has it.
pub(crate) async fn load_registration(
    state: &AppState,
    id: &str,
) -> Result<Option<Registration>, ApiError> {
    let mut stored = state.store.load_documents(vec![id.to_owned()]).await?;
    let Some(doc) = stored.remove(id) else {
        return Ok(None);
    };
    let registration = RegistrationDoc::load(&doc.bytes)
        .and_then(|d| d.read())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored document {id}: {e}")))?;
    Ok(Some(registration))
}

/// Applies `change` to each of the registrations `ids` as `auth`'s user, commits all of
/// them in one transaction and returns them as stored afterwards, in the order of `ids`.
///
/// `NotFound` (`not_found`) when one is missing or outside the user's scope; `Forbidden`
/// with the policy's words, or `Invalid` with validation's first problem, when the result
/// is refused. A concurrent
/// commit of one of the documents makes it start again from the newer version.
pub(crate) async fn edit_registrations<F>(
    state: &AppState,
    auth: &Authenticated,
    ids: &[String],
    not_found: fn() -> ApiError,
    change: F,
) -> Result<Vec<Registration>, ApiError>
where
    F: Fn(&mut Registration) + Clone + Send + 'static,
{
    let author = ChangeAuthor::new(auth.user.id.clone(), auth.user.display_name.clone());
    let mut attempt = 1;
    loop {
        let stored = state.store.load_documents(ids.to_vec()).await?;
        let mut documents = Vec::with_capacity(ids.len());
        for id in ids {
            let doc = stored.get(id).ok_or_else(not_found)?;
            documents.push((id.clone(), doc.bytes.clone()));
        }
        let scope = auth.requester.scope.clone();
        let (author, change) = (author.clone(), change.clone());
        // The changes, as a device would push them: from the stored heads.
        let items =
            tokio::task::spawn_blocking(move || -> Result<Option<Vec<PushItem>>, String> {
                let mut items = Vec::with_capacity(documents.len());
                for (doc_id, bytes) in documents {
                    let mut doc =
                        RegistrationDoc::load(&bytes).map_err(|e| format!("{doc_id}: {e}"))?;
                    let before = doc.read().map_err(|e| format!("{doc_id}: {e}"))?;
                    if !scope.covers(&before) {
                        return Ok(None);
                    }
                    let base = doc.heads();
                    doc.edit_by(&author, clock::now_ms(), |r| change(r))
                        .map_err(|e| format!("{doc_id}: {e}"))?;
                    items.push(PushItem {
                        doc_id,
                        heads: doc.heads(),
                        changes: doc.changes_since(&base),
                        base,
                        vouched: vec![],
                    });
                }
                Ok(Some(items))
            })
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("edit task failed: {e}")))?
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("server edit failed: {e}")))?;
        // Out of scope looks the same as missing: ids are not confirmed to outsiders.
        let items = items.ok_or_else(not_found)?;

        let push = Arc::new(items);
        // A handful of documents a supervisor acts on: no byte budget to cut them.
        let (mut plan, stored_positions) = merge(state, auth, &push, usize::MAX).await?;
        for (doc_id, decision) in &plan.decisions {
            match decision {
                MergeDecision::Store(_) | MergeDecision::Unchanged { .. } => {}
                // The edit would make the registration invalid (a review comment
                // past the list's limit): the first problem says what, on its field.
                MergeDecision::Rejected(rejection) if rejection.code == "invalid_registration" => {
                    let problem = rejection.problems.first().cloned();
                    return Err(problem.map(ApiError::Invalid).unwrap_or_else(|| {
                        ApiError::BadRequest(Message::new(
                            rejection.code.clone(),
                            rejection.message_en.clone(),
                            rejection.message_id.clone(),
                        ))
                    }));
                }
                MergeDecision::Rejected(rejection) => {
                    return Err(ApiError::Forbidden(Message::new(
                        rejection.code.clone(),
                        rejection.message_en.clone(),
                        rejection.message_id.clone(),
                    )))
                }
                MergeDecision::NeedsFullDocument => {
                    return Err(ApiError::Internal(anyhow::anyhow!(
                        "server edit of {doc_id} did not merge"
                    )))
                }
            }
        }
        match commit(
            state,
            auth,
            &mut plan,
            &stored_positions,
            clock::now_ms(),
            None,
        )
        .await
        {
            Err(ApiError::Store(StoreError::Outdated(_))) if attempt < COMMIT_ATTEMPTS => {
                attempt += 1;
                continue;
            }
            Err(other) => return Err(other),
            Ok(_) => {}
        }
        let mut after = Vec::with_capacity(ids.len());
        for id in ids {
            after.push(load_registration(state, id).await?.ok_or_else(not_found)?);
        }
        return Ok(after);
    }
}
