//! `POST /api/sync`: one round trip of the sync protocol. The body is a
//! [`SyncRequest`] in the wire format; the answer a [`SyncResponse`].
//!
//! Order matters here: merge every pushed item (shared core, on a blocking thread), commit
//! all accepted documents in one transaction, and only then answer with acknowledgements.
//! If the commit fails, the request fails and nothing is acknowledged. The pull runs
//! after the commit, so it sees the request's own merges. The device's sync (its time,
//! its count of unsent records) is recorded in the commit's transaction, or on its own
//! when the request committed nothing.
//!
//! Two requests (on one instance or two) may merge into the same document at once. The
//! commit refuses a document that changed since it was loaded, and this route then
//! merges again onto the newer version (`ingest::merge_and_commit`): no request overwrites
//! another's change.
//!
//! Memory: a body is read only once its declared length (or the limit, when it declares
//! none) is reserved from [`AppState::sync_bodies`], so bodies still arriving from slow
//! phones are bounded in bytes and hold no merge slot. Everything that allocates more —
//! inflating, decoding, loading stored documents, merging, pulling, encoding the
//! answer — happens while holding a merge slot ([`AppState::sync_capacity`]), each
//! request within the limits of `jemput_shared::limits`. While a merged request waits
//! for the database writer and commits, it gives its slot to the next request and holds
//! a share of the commit queue instead (`sync_capacity.rs`), when the queue has room.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use jemput_shared::limits::{MAX_INFLATED_REQUEST, MAX_PULL_BYTES, MAX_SYNC_BODY};
use jemput_shared::sync::admission::{admit_request, RequestRefused};
use jemput_shared::sync::message::{SyncRequest, SyncResponse, UNSENT_HEADER};
use jemput_shared::sync::server::pull_response;
use jemput_shared::sync::wire;
use tokio::sync::OwnedSemaphorePermit;

use axum::middleware;
use axum::routing::post;
use axum::Router;

use crate::auth::Authenticated;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::ingest::{merge_and_commit, Merged, COMMIT_ATTEMPTS};
use crate::metrics;
use crate::startup::AppState;
use crate::store::{PullQuery, StoreError, SyncRecord};
use crate::sync_capacity::{kib, Slot};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sync", post(sync))
        .layer(middleware::map_response(count_outcome))
}

/// Every answer counts in `/metrics` by its outcome, refusals before the handler (no
/// session, a body over the limit) included.
async fn count_outcome(response: Response) -> Response {
    metrics::sync_answered(response.status());
    response
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

async fn sync(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let unsent = unsent_count(request.headers());
    let (body, reservation) = read_body(&state, request).await?;
    let slot = state.sync_capacity.slot().await;
    let request = decode(body).await?;
    drop(reservation);
    let answer = respond(&state, &auth, request, unsent, slot).await?;
    Ok(([(header::CONTENT_TYPE, wire::CONTENT_TYPE)], answer).into_response())
}

/// The app's count of records it has not yet sent ([`UNSENT_HEADER`]); `None` when it
/// did not say (an older app) or said something that is not a count.
fn unsent_count(headers: &header::HeaderMap) -> Option<i64> {
    let count: u32 = headers
        .get(UNSENT_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(i64::from(count))
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
/// (the fuzz harness, `cargo xtask fuzz`, holds it to that). `slot` is the request's
/// merge slot, given to another request while this one waits for the writer
/// (`sync_capacity.rs`).
pub async fn respond(
    state: &AppState,
    auth: &Authenticated,
    request: SyncRequest,
    unsent: Option<i64>,
    slot: Slot,
) -> Result<Vec<u8>, ApiError> {
    let now = clock::now_ms();
    let device_id = auth.device_id.clone();
    let sync = SyncRecord { unsent };

    // Merge and commit, then acknowledge.
    let push = Arc::new(request.push);
    let mut attempt = 1;
    let mut slot = slot;
    let Merged {
        plan,
        positions,
        stored_positions,
        held_by_device,
    } = loop {
        let (merged, back) = merge_and_commit(state, auth, &push, now, sync, slot).await;
        slot = back;
        match merged {
            Err(ApiError::Store(StoreError::Outdated(ids))) if attempt < COMMIT_ATTEMPTS => {
                tracing::debug!(device = %device_id, attempt, ?ids, "merging again after a concurrent commit");
                attempt += 1;
            }
            other => break other?,
        }
    };
    // Held through the pull and the encoding of the answer.
    let _slot = slot;
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
            let mut response = pull_response(page, max_bytes, cursor, reset, &held_by_device);
            // Cursors carry the scope version they were issued under.
            if let Some(issued) = response.cursor.as_mut() {
                issued.scope = scope_version;
            }
            Some(response)
        }
    };
    if written == 0 {
        // (A commit recorded it.)
        state.store.record_sync(&device_id, now, unsent).await?;
    }
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
    let reservation = Arc::clone(&state.sync_bodies)
        .acquire_many_owned(kib(reserved))
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
