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
//!
//! Memory: a body is read only once its declared length (or the limit, when it declares
//! none) is reserved from [`AppState::sync_bodies`], so bodies still arriving from slow
//! phones are bounded in bytes and hold no merge slot. Everything that allocates more —
//! inflating, decoding, loading stored documents, merging, committing, pulling,
//! encoding the answer — happens while holding one of [`AppState::sync_slots`], each
//! request within the limits of `jemput_shared::limits`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use jemput_shared::limits::{
    MAX_INFLATED_REQUEST, MAX_PULL_BYTES, MAX_REQUEST_STORED_BYTES, MAX_SYNC_BODY,
};
use jemput_shared::sync::admission::{admit_request, RequestRefused};
use jemput_shared::sync::message::{Cursor, PushItem, SyncRequest, SyncResponse};
use jemput_shared::sync::server::{plan_push, pull_response, RequestPlan};
use jemput_shared::sync::wire;
use jemput_shared::validation::ValidationContext;
use tokio::sync::OwnedSemaphorePermit;

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

/// Documents listed per pull page before cutting to the byte budget.
const PULL_PAGE: usize = 2_000;
/// Merge-and-commit rounds per request when other requests keep committing the same
/// documents first. Each round merges onto newer documents; running out answers 503 and
/// the device retries later.
pub(crate) const COMMIT_ATTEMPTS: u32 = 8;

async fn sync(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let (body, reservation) = read_body(&state, request).await?;
    let _slot = state
        .sync_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sync slots closed: {e}")))?;
    let request = decode(body).await?;
    drop(reservation);
    let answer = respond(&state, &auth, request).await?;
    Ok(([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], answer).into_response())
}

/// Inflates and decodes a request body (on a blocking thread) and checks the request as
/// a whole.
pub async fn decode(body: Vec<u8>) -> Result<SyncRequest, ApiError> {
    let request = tokio::task::spawn_blocking(move || {
        wire::decode::<SyncRequest>(&body, MAX_INFLATED_REQUEST)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("decode task failed: {e}")))?
    .map_err(|e| {
        bad_request(
            "bad_sync_message",
            format!("The sync message could not be read: {e}"),
            "Pesan sinkronisasi tidak dapat dibaca (rusak atau terpotong).",
        )
    })?;
    admit_request(&request).map_err(|refused| match refused {
        RequestRefused::Protocol(version) => bad_request(
            "protocol_version",
            format!("Unsupported sync protocol {version}; update the app."),
            "Versi aplikasi tidak cocok; perbarui aplikasi.",
        ),
        RequestRefused::TooManyItems(_) | RequestRefused::ItemTooLarge => ApiError::PayloadTooLarge,
    })?;
    Ok(request)
}

/// Merges and commits a decoded request's pushes, then pulls; returns the encoded
/// answer. Whatever the request holds, this stays within `limits::MAX_REQUEST_MEMORY`
/// (the fuzz harness, `cargo xtask fuzz`, holds it to that).
pub async fn respond(
    state: &AppState,
    auth: &Authenticated,
    request: SyncRequest,
) -> Result<Vec<u8>, ApiError> {
    let now = clock::now_ms();
    let device_id = auth.device_id.clone();

    // Merge and commit, then acknowledge.
    let push = Arc::new(request.push);
    let mut attempt = 1;
    let (plan, positions, stored_positions) = loop {
        match merge_and_commit(state, auth, &push, now).await {
            Err(ApiError::Store(StoreError::Outdated(ids))) if attempt < COMMIT_ATTEMPTS => {
                tracing::debug!(device = %device_id, attempt, ?ids, "merging again after a concurrent commit");
                attempt += 1;
            }
            other => break other?,
        }
    };
    drop(push);
    let written = positions.len();
    let mut committed_through = positions.iter().copied().max();
    for id in plan.unchanged_ids() {
        committed_through = committed_through.max(stored_positions.get(id).copied());
    }
    let results = plan.results();
    drop(plan);
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
            let max_bytes = pull.max_bytes.min(MAX_PULL_BYTES);
            let query = PullQuery {
                scope: auth.requester.scope.clone(),
                after_seq: cursor.map_or(0, |c| c.seq),
                exclude_device: cursor.map(|_| device_id.clone()),
                limit: PULL_PAGE,
                max_bytes: max_bytes as usize,
            };
            let page = state.store.changed_documents(query).await?;
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
    tokio::task::spawn_blocking(move || wire::encode(&response))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("encode task failed: {e}")))
}

/// Reads the request body into memory once its size is reserved from the body budget:
/// the declared `Content-Length`, or the limit when there is none. Over the limit, or
/// longer than declared, answers 413.
async fn read_body(
    state: &AppState,
    request: Request,
) -> Result<(Vec<u8>, OwnedSemaphorePermit), ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let reserved = declared.unwrap_or(MAX_SYNC_BODY);
    if reserved > MAX_SYNC_BODY {
        return Err(ApiError::PayloadTooLarge);
    }
    let kib = u32::try_from(reserved.div_ceil(1024).max(1)).expect("the limit fits");
    let reservation = Arc::clone(&state.sync_bodies)
        .acquire_many_owned(kib)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sync body budget closed: {e}")))?;
    let mut body = Vec::with_capacity(declared.unwrap_or(64 * 1024).min(reserved));
    let mut stream = Body::into_data_stream(request.into_body());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            bad_request(
                "incomplete_body",
                "The request body could not be read completely.".into(),
                "Data yang dikirim tidak diterima lengkap.",
            )
        })?;
        if body.len() + chunk.len() > reserved {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, reservation))
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
    let (mut plan, stored_positions) = merge(state, auth, push, MAX_REQUEST_STORED_BYTES).await?;
    let positions = commit(state, auth, &mut plan, &stored_positions, now).await?;
    Ok((plan, positions, stored_positions))
}

/// The merge half of [`merge_and_commit`]: the plan, and the positions of the documents
/// as loaded (what [`commit`] checks against).
///
/// Stored documents are loaded until their bytes reach `max_stored_bytes`; items whose
/// document was left out get no decision (no answer: the device sends them again).
pub(crate) async fn merge(
    state: &AppState,
    auth: &Authenticated,
    push: &Arc<Vec<PushItem>>,
    max_stored_bytes: usize,
) -> Result<(RequestPlan, HashMap<String, Cursor>), ApiError> {
    let mut ids: Vec<String> = push.iter().map(|item| item.doc_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let loaded = state
        .store
        .load_documents_within(ids, max_stored_bytes)
        .await?;
    let stored_positions: HashMap<String, Cursor> = loaded
        .found
        .iter()
        .map(|(id, doc)| (id.clone(), doc.position))
        .collect();
    let regions = state.regions.directory();
    let sealer = state.sealer.clone();
    let requester = auth.requester.clone();
    let items = Arc::clone(push);
    let plan = tokio::task::spawn_blocking(move || {
        let left_out = loaded.left_out;
        let bytes: HashMap<String, Vec<u8>> = loaded
            .found
            .into_iter()
            .map(|(id, doc)| (id, doc.bytes))
            .collect();
        let ctx = ValidationContext {
            today: clock::today(),
            regions: regions.as_deref(),
        };
        let items = items.iter().filter(|item| !left_out.contains(&item.doc_id));
        plan_push(items, &bytes, &requester, &ctx, &sealer)
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
