//! `POST /api/sync`: one round trip of the sync protocol. The body is a
//! [`SyncRequest`] in the wire format; the answer a [`SyncResponse`].
//!
//! Order matters here: merge every pushed item (shared core, on a blocking thread), commit
//! all accepted documents in one transaction, and only then answer with acknowledgements.
//! If the commit fails, the request fails and nothing is acknowledged. The pull runs
//! after the commit, so it sees the request's own merges.
//!
//! Two requests (on one instance or two) may merge into the same document at once. The
//! commit refuses a document that changed since it was loaded, and this route then
//! merges again onto the newer version ([`merge_and_commit`]): no request overwrites
//! another's change.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jemput_shared::sync::message::{Cursor, PushItem, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use jemput_shared::sync::server::{plan_push, pull_response, RequestPlan};
use jemput_shared::sync::wire;
use jemput_shared::validation::ValidationContext;

use axum::routing::post;
use axum::Router;

use crate::auth::Authenticated;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::startup::AppState;
use crate::store::{DocumentWrite, PullQuery, PushedBy, StoreError};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/sync", post(sync))
}

fn bad_request(code: &str, message_en: String, message_id: &str) -> ApiError {
    ApiError::BadRequest(Message::new(
        code.to_owned(),
        message_en,
        message_id.to_owned(),
    ))
}

/// A request body may inflate to at most this many bytes.
pub const MAX_INFLATED_REQUEST: usize = 64 * 1024 * 1024;
/// At most this many documents per request; devices send far fewer.
const MAX_PUSH_ITEMS: usize = 5_000;
/// Documents listed per pull page before cutting to the byte budget.
const PULL_PAGE: usize = 2_000;
/// Pull answers are capped here whatever the device asks.
const MAX_PULL_BYTES: u32 = 4 * 1024 * 1024;
/// Merge-and-commit rounds per request when other requests keep committing the same
/// documents first. Each round merges onto newer documents; running out answers 503 and
/// the device retries later.
pub(crate) const COMMIT_ATTEMPTS: u32 = 8;

async fn sync(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: SyncRequest = wire::decode(&body, MAX_INFLATED_REQUEST).map_err(|e| {
        bad_request(
            "bad_sync_message",
            format!("The sync message could not be read: {e}"),
            "Pesan sinkronisasi tidak dapat dibaca (rusak atau terpotong).",
        )
    })?;
    if request.protocol != PROTOCOL_VERSION {
        return Err(bad_request(
            "protocol_version",
            format!(
                "Unsupported sync protocol {}; update the app.",
                request.protocol
            ),
            "Versi aplikasi tidak cocok; perbarui aplikasi.",
        ));
    }
    if request.push.len() > MAX_PUSH_ITEMS {
        return Err(ApiError::PayloadTooLarge);
    }
    let _slot = state
        .sync_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sync slots closed: {e}")))?;
    let now = clock::now_ms();
    let device_id = auth.device_id.clone();

    // Merge and commit, then acknowledge.
    let push = Arc::new(request.push);
    let mut attempt = 1;
    let (plan, positions, stored_positions) = loop {
        match merge_and_commit(&state, &auth, &push, now).await {
            Err(ApiError::Store(StoreError::Outdated(ids))) if attempt < COMMIT_ATTEMPTS => {
                tracing::debug!(device = %device_id, attempt, ?ids, "merging again after a concurrent commit");
                attempt += 1;
            }
            other => break other?,
        }
    };
    let written = positions.len();
    let mut committed_through = positions.iter().copied().max();
    for id in plan.unchanged_ids() {
        committed_through = committed_through.max(stored_positions.get(id).copied());
    }
    let results = plan.results();
    if written > 0 {
        tracing::info!(device = %device_id, written, "documents committed");
    }

    // Pull.
    let pull = match request.pull {
        None => None,
        Some(pull) => {
            let mut known = true;
            for cursor in [pull.cursor, pull.acked].into_iter().flatten() {
                known &= state.store.cursor_is_known(cursor).await?;
            }
            let reset = !known;
            // A cursor from before the user's scope changed misses documents that
            // entered the scope since: such a device pulls its whole scope again.
            let scope_version = auth.user.scope_seq;
            let cursor = pull.cursor.filter(|c| !reset && c.scope == scope_version);
            let query = PullQuery {
                scope: auth.requester.scope.clone(),
                after_seq: cursor.map_or(0, |c| c.seq),
                exclude_device: cursor.map(|_| device_id.clone()),
                limit: PULL_PAGE,
            };
            let page = state.store.changed_documents(query).await?;
            let max_bytes = pull.max_bytes.min(MAX_PULL_BYTES);
            let mut response = pull_response(page, max_bytes, cursor, reset);
            // Cursors carry the scope version they were issued under.
            if let Some(issued) = response.cursor.as_mut() {
                issued.scope = scope_version;
            }
            Some(response)
        }
    };
    state.store.record_sync(&device_id, now).await?;
    let response = SyncResponse {
        results,
        committed_through,
        pull,
    };
    let body = tokio::task::spawn_blocking(move || wire::encode(&response))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("encode task failed: {e}")))?;
    Ok(([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], body).into_response())
}

/// Loads the stored documents the push names, merges the push into them (shared core, on
/// a blocking thread) and commits the result. Returns the plan (for the answers), the
/// committed positions, and the positions of the documents as loaded.
///
/// The commit only succeeds if no other request committed one of these documents since
/// they were loaded; otherwise it fails with [`StoreError::Outdated`] and writes nothing,
/// and the caller runs this again on the newer documents. Merging is idempotent, so a
/// repeated merge loses nothing and duplicates nothing.
pub(crate) async fn merge_and_commit(
    state: &AppState,
    auth: &Authenticated,
    push: &Arc<Vec<PushItem>>,
    now: i64,
) -> Result<(RequestPlan, Vec<Cursor>, HashMap<String, Cursor>), ApiError> {
    let (mut plan, stored_positions) = merge(state, auth, push).await?;
    let positions = commit(state, auth, &mut plan, &stored_positions, now).await?;
    Ok((plan, positions, stored_positions))
}

/// The merge half of [`merge_and_commit`]: the plan, and the positions of the documents
/// as loaded (what [`commit`] checks against).
pub(crate) async fn merge(
    state: &AppState,
    auth: &Authenticated,
    push: &Arc<Vec<PushItem>>,
) -> Result<(RequestPlan, HashMap<String, Cursor>), ApiError> {
    let mut ids: Vec<String> = push.iter().map(|item| item.doc_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let stored = state.store.load_documents(ids).await?;
    let stored_positions: HashMap<String, Cursor> = stored
        .iter()
        .map(|(id, doc)| (id.clone(), doc.position))
        .collect();
    let regions = state.regions.directory();
    let sealer = state.sealer.clone();
    let requester = auth.requester.clone();
    let items = Arc::clone(push);
    let plan = tokio::task::spawn_blocking(move || {
        let bytes: HashMap<String, Vec<u8>> = stored
            .into_iter()
            .map(|(id, doc)| (id, doc.bytes))
            .collect();
        let ctx = ValidationContext {
            today: clock::today(),
            regions: regions.as_deref(),
        };
        plan_push(&items, &bytes, &requester, &ctx, &sealer)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("merge task failed: {e}")))?;
    Ok((plan, stored_positions))
}

/// The commit half of [`merge_and_commit`]: stores the plan's merged documents in one
/// transaction (the store announces it on the live feed) and returns their positions.
pub(crate) async fn commit(
    state: &AppState,
    auth: &Authenticated,
    plan: &mut RequestPlan,
    stored_positions: &HashMap<String, Cursor>,
    now: i64,
) -> Result<Vec<Cursor>, ApiError> {
    let writes: Vec<DocumentWrite> = plan
        .take_writes()
        .into_iter()
        .map(|merged| DocumentWrite {
            based_on: stored_positions.get(&merged.doc_id).map(|p| p.seq),
            merged,
        })
        .collect();
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let pushed_by = PushedBy {
        user_id: auth.user.id.clone(),
        device_id: auth.device_id.clone(),
    };
    Ok(state.store.commit_documents(pushed_by, writes, now).await?)
}
