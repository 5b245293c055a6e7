//! Merging changes into stored registration documents and committing them, for a
//! device's push (`routes::sync`) and for the changes the server writes on a user's
//! behalf (`server_edit`) alike: load the stored documents, merge on a blocking thread
//! (shared core: policy check, validation), commit in one transaction with the change
//! log and projection. Not a route: both callers answer HTTP in their own way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jemput_shared::limits::{
    MAX_DOCUMENT_BYTES, MAX_DOCUMENT_EXPANDED_TEXT, MAX_REQUEST_STORED_BYTES,
};
use jemput_shared::sync::message::{Cursor, PushItem};
use jemput_shared::sync::server::{plan_push, MergeDecision, RequestPlan};
use jemput_shared::validation::ValidationContext;

use crate::auth::Authenticated;
use crate::clock;
use crate::error::ApiError;
use crate::metrics;
use crate::startup::AppState;
use crate::store::{DocumentWrite, PushedBy, SyncRecord};
use crate::sync_capacity::Slot;

/// Merge-and-commit rounds per request when other requests keep committing the same
/// documents first. Each round merges onto newer documents; running out answers 503 and
/// the device retries later.
pub(crate) const COMMIT_ATTEMPTS: u32 = 8;

/// Loads the stored documents the push names, merges the push into them (shared core, on
/// a blocking thread) and commits the result. Returns the plan (for the answers), the
/// committed positions, and the positions of the documents as loaded; and the request's
/// merge slot, which it holds for the merge and gives to another request while it waits
/// for the writer, if the commit queue has room ([`SyncCapacity::park`]).
///
/// The commit only succeeds if no other request committed one of these documents since
/// they were loaded; otherwise it fails with [`StoreError::Outdated`] and writes nothing,
/// and the caller runs this again on the newer documents. Merging is idempotent, so a
/// repeated merge loses nothing and duplicates nothing.
///
/// [`SyncCapacity::park`]: crate::sync_capacity::SyncCapacity::park
/// [`StoreError::Outdated`]: crate::store::StoreError::Outdated
pub(crate) async fn merge_and_commit(
    state: &AppState,
    auth: &Authenticated,
    push: &Arc<Vec<PushItem>>,
    now: i64,
    sync: SyncRecord,
    slot: Slot,
) -> (Result<Merged, ApiError>, Slot) {
    let (mut plan, stored_positions) =
        match merge(state, auth, push, MAX_REQUEST_STORED_BYTES).await {
            Ok(merged) => merged,
            Err(error) => return (Err(error), slot),
        };
    // In the order `commit` writes them (`RequestPlan::take_writes`).
    let as_device_holds: Vec<Option<String>> = plan
        .decisions
        .iter()
        .filter_map(|(_, decision)| match decision {
            MergeDecision::Store(merged) => {
                Some(merged.device_is_up_to_date.then(|| merged.doc_id.clone()))
            }
            _ => None,
        })
        .collect();
    let parked = state.sync_capacity.park(slot, held_bytes(push, &plan));
    let committed = commit(state, auth, &mut plan, &stored_positions, now, Some(sync)).await;
    let slot = state.sync_capacity.resume(parked).await;
    let merged = committed.map(|positions| Merged {
        held_by_device: as_device_holds
            .into_iter()
            .zip(&positions)
            .filter_map(|(id, position)| Some((id?, position.seq)))
            .collect(),
        plan,
        positions,
        stored_positions,
    });
    (merged, slot)
}

/// What [`merge_and_commit`] did.
pub(crate) struct Merged {
    /// The decisions, for the answers.
    pub plan: RequestPlan,
    /// Where the written documents were committed.
    pub positions: Vec<Cursor>,
    /// The documents' positions as loaded.
    pub stored_positions: HashMap<String, Cursor>,
    /// The written documents the device holds exactly as committed, with their seqs:
    /// its pull passes over them (`pull_response`).
    pub held_by_device: HashMap<String, u64>,
}

/// What a merged request holds in memory while it waits to commit, at most: the pushed
/// changes, and each merged document with its registration, whose text may expand to
/// [`MAX_DOCUMENT_EXPANDED_TEXT`] per document byte (with room for the rest).
fn held_bytes(push: &[PushItem], plan: &RequestPlan) -> usize {
    let pushed: usize = push.iter().map(|item| item.changes.len() + 1024).sum();
    let merged: usize = plan
        .decisions
        .iter()
        .map(|(_, decision)| match decision {
            MergeDecision::Store(merged) => merged.bytes.len() * MERGED_BYTES_FACTOR + 4096,
            _ => 256,
        })
        .sum();
    pushed + merged
}

/// A merged document's bytes, and its registration's text at most
/// `MAX_DOCUMENT_EXPANDED_TEXT / MAX_DOCUMENT_BYTES` times those.
const MERGED_BYTES_FACTOR: usize =
    1 + (MAX_DOCUMENT_EXPANDED_TEXT / MAX_DOCUMENT_BYTES as u64) as usize;

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
        let started = Instant::now();
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
        let plan = plan_push(items, &bytes, &requester, &ctx, &sealer);
        metrics::merged(started.elapsed());
        plan
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("merge task failed: {e}")))?;
    Ok((plan, stored_positions))
}

/// The commit half of [`merge_and_commit`]: stores the plan's merged documents in one
/// transaction (the store announces it on the live feed) and returns their positions.
/// With `sync` (a device's sync), that transaction records the sync too; without writes
/// nothing is committed, and the caller records the sync itself.
pub(crate) async fn commit(
    state: &AppState,
    auth: &Authenticated,
    plan: &mut RequestPlan,
    stored_positions: &HashMap<String, Cursor>,
    now: i64,
    sync: Option<SyncRecord>,
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
        sync,
    };
    let started = Instant::now();
    let positions = state.store.commit_documents(pushed_by, writes, now).await?;
    metrics::committed(positions.len(), started.elapsed());
    Ok(positions)
}
