//! The device side of sync: decides what to send and turns the server's answers into
//! storage effects. It holds no documents; the caller (browser app, load generator, test)
//! keeps them and feeds this machine [`PushItem`]s.
//!
//! The loop, for any runtime:
//! ```text
//! let mut sync = DeviceSync::new(stored_cursor, SyncLimits::default());
//! for each document whose heads differ from its synced heads: sync.enqueue(push_item(..));
//! while let Some(request) = sync.poll_request() {
//!     match send(wire::encode(&request)) {
//!         Ok(body) => for effect in sync.handle_response(wire::decode(&body)?) { apply(effect) },
//!         Err(_) => { sync.handle_failure(); back off; }
//!     }
//! }
//! ```
//! Effects must be applied in order: documents are stored before the cursor that follows
//! them, so a crash between the two repeats a pull instead of losing one.

use std::collections::{HashSet, VecDeque};

use crate::document::{Hash, RegistrationDoc};
use crate::limits::{DEVICE_BATCH_BYTES, MAX_PUSH_ITEMS};
use crate::sync::message::{
    Cursor, PullRequest, PushItem, PushOutcome, Rejection, SyncRequest, SyncResponse, Vouched,
    ERASED, PROTOCOL_VERSION,
};
use crate::sync::seal::Seal;

/// Sizes that bound one round trip, so a dropped link loses at most one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLimits {
    /// Upper bound of pushed change bytes per request (one oversized document still goes
    /// alone).
    pub max_push_bytes: usize,
    /// Upper bound of document bytes the server returns per pull.
    pub max_pull_bytes: u32,
}

impl Default for SyncLimits {
    fn default() -> Self {
        SyncLimits {
            max_push_bytes: DEVICE_BATCH_BYTES,
            max_pull_bytes: 512 * 1024,
        }
    }
}

/// What the caller must do to its storage, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceEffect {
    /// The server committed a document containing `heads`: record them with
    /// [`SyncedState::acknowledge`]. The document is synced if its heads are still these.
    MarkSynced {
        doc_id: String,
        heads: Vec<Hash>,
        seal: Seal,
    },
    /// Merge these bytes into the local document (creating it when new) and store it.
    /// If the local document had nothing pending (or is new), its synced state becomes
    /// its heads after the merge with this seal.
    MergeRemote {
        doc_id: String,
        bytes: Vec<u8>,
        seal: Seal,
    },
    /// The server refused the document; keep it and show the reason to the user.
    Rejected {
        doc_id: String,
        rejection: Rejection,
    },
    /// The server lacks history this document builds on: enqueue
    /// [`whole_document_item`].
    SendWholeDocument { doc_id: String },
    /// The office erased this document: delete the local copy and anything pending in
    /// it (the erasure wins over every edit; see [`crate::sync::message::ERASED`]).
    Erase { doc_id: String },
    /// The server does not know this device's past (it was restored from an older
    /// backup): forget every synced mark and enqueue every document again. Comes before
    /// the documents of the same response.
    ForgetSyncedState,
    /// Store the pull cursor and the acknowledged position (after the documents before
    /// it are stored); hand both to [`DeviceSync::new`] next time.
    StoreCursor {
        cursor: Option<Cursor>,
        acked: Option<Cursor>,
    },
}

/// What a device remembers per document of what the server has.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncedState {
    /// Heads the server acknowledged (empty: the server may have nothing). The document is
    /// pending while its own heads differ.
    pub heads: Vec<Hash>,
    /// States the server sealed for this device (acknowledged or pulled), none of them
    /// contained in another; usually one.
    pub vouched: Vec<Vouched>,
}

/// Sealed states kept per document; older ones beyond this are dropped.
const MAX_VOUCHED: usize = 4;

impl SyncedState {
    /// Records that the server committed `heads` (sealed with `seal`), as
    /// [`DeviceEffect::MarkSynced`] asks.
    pub fn acknowledge(&mut self, doc: &mut RegistrationDoc, heads: Vec<Hash>, seal: Seal) {
        self.add_vouched(
            doc,
            Vouched {
                heads: heads.clone(),
                seal,
            },
        );
        self.heads = heads;
    }

    /// Adds a sealed state, dropping those it contains.
    fn add_vouched(&mut self, doc: &mut RegistrationDoc, new: Vouched) {
        if self
            .vouched
            .iter()
            .any(|v| v.heads == new.heads || doc.heads_cover(&v.heads, &new.heads))
        {
            return;
        }
        self.vouched
            .retain(|v| !doc.heads_cover(&new.heads, &v.heads));
        self.vouched.push(new);
        if self.vouched.len() > MAX_VOUCHED {
            self.vouched.remove(0);
        }
    }
}

/// Applies a pulled document to a device's copy (`None`: new on this device), as
/// [`DeviceEffect::MergeRemote`] asks. Returns the new document and its state when it
/// was new. Shared by every device runtime.
pub fn merge_remote(
    local: Option<(&mut RegistrationDoc, &mut SyncedState)>,
    bytes: &[u8],
    seal: Seal,
) -> Result<Option<(RegistrationDoc, SyncedState)>, crate::document::DocumentError> {
    match local {
        None => {
            let mut doc = RegistrationDoc::load(bytes)?;
            let heads = doc.heads();
            let vouched = vec![Vouched {
                heads: heads.clone(),
                seal,
            }];
            Ok(Some((doc, SyncedState { heads, vouched })))
        }
        Some((doc, synced)) => {
            let remote_heads = RegistrationDoc::load(bytes)?.heads();
            let nothing_pending = doc.heads() == synced.heads;
            doc.merge_bytes(bytes)?;
            let mut merged_heads = doc.heads();
            merged_heads.sort_unstable();
            let mut sorted_remote = remote_heads.clone();
            sorted_remote.sort_unstable();
            if nothing_pending && merged_heads == sorted_remote {
                // The local copy was part of the server's, so now it equals it.
                synced.heads = remote_heads.clone();
            }
            synced.add_vouched(
                doc,
                Vouched {
                    heads: remote_heads,
                    seal,
                },
            );
            Ok(None)
        }
    }
}

/// About the bytes `item` takes in a request: its changes, ids, heads and seals. The
/// server's inflated request limit assumes batches are counted this way.
fn encoded_size(item: &PushItem) -> usize {
    let seals: usize = item.vouched.iter().map(|v| 32 * v.heads.len() + 16).sum();
    item.changes.len() + item.doc_id.len() + 32 * (item.base.len() + item.heads.len()) + seals
}

/// Builds the push item for a document: only the changes after the acknowledged heads,
/// or the whole document when there are none. A whole document goes uncompressed and
/// without heads: the request is deflated as a batch, which packs many similar documents
/// far tighter than Automerge's per-document compression, and the server reads the
/// heads from it.
pub fn push_item(doc_id: &str, doc: &mut RegistrationDoc, synced: &SyncedState) -> PushItem {
    if synced.heads.is_empty() {
        return whole_document_item(doc_id, doc, synced);
    }
    PushItem {
        doc_id: doc_id.to_owned(),
        base: synced.heads.clone(),
        heads: doc.heads(),
        changes: doc.changes_since(&synced.heads),
        vouched: synced.vouched.clone(),
    }
}

/// The whole document, for a server that lacks the history the changes build on.
pub fn whole_document_item(
    doc_id: &str,
    doc: &mut RegistrationDoc,
    synced: &SyncedState,
) -> PushItem {
    PushItem {
        doc_id: doc_id.to_owned(),
        base: vec![],
        heads: vec![],
        changes: doc.save_uncompressed(),
        vouched: synced.vouched.clone(),
    }
}

#[derive(Debug)]
pub struct DeviceSync {
    cursor: Option<Cursor>,
    acked: Option<Cursor>,
    limits: SyncLimits,
    outbox: VecDeque<PushItem>,
    in_flight: Vec<PushItem>,
    awaiting_response: bool,
    pull_complete: bool,
    refused: HashSet<String>,
}

impl DeviceSync {
    /// `cursor` and `acked` as stored by the last session ([`DeviceEffect::StoreCursor`]).
    pub fn new(cursor: Option<Cursor>, acked: Option<Cursor>, limits: SyncLimits) -> Self {
        DeviceSync {
            cursor,
            acked,
            limits,
            outbox: VecDeque::new(),
            in_flight: Vec::new(),
            awaiting_response: false,
            pull_complete: false,
            refused: HashSet::new(),
        }
    }

    /// Queues a document to push. A newer item for a queued document replaces the older.
    pub fn enqueue(&mut self, item: PushItem) {
        self.refused.remove(&item.doc_id);
        match self
            .outbox
            .iter_mut()
            .find(|queued| queued.doc_id == item.doc_id)
        {
            Some(queued) => *queued = item,
            None => self.outbox.push_back(item),
        }
    }

    /// Documents waiting to be sent or acknowledged.
    pub fn pending(&self) -> usize {
        self.outbox.len() + self.in_flight.len()
    }

    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor
    }

    /// The latest change-log position acknowledged to this device.
    pub fn acked(&self) -> Option<Cursor> {
        self.acked
    }

    /// The next request to send, or `None` when everything is pushed and pulled.
    pub fn poll_request(&mut self) -> Option<SyncRequest> {
        if self.awaiting_response {
            return None;
        }
        if self.outbox.is_empty() && self.pull_complete {
            return None;
        }
        let mut batch_bytes = 0;
        while let Some(next) = self.outbox.front() {
            let size = encoded_size(next);
            let full = batch_bytes + size > self.limits.max_push_bytes
                || self.in_flight.len() >= MAX_PUSH_ITEMS;
            if !self.in_flight.is_empty() && full {
                break;
            }
            batch_bytes += size;
            let item = self.outbox.pop_front().expect("front exists");
            self.in_flight.push(item);
        }
        self.awaiting_response = true;
        Some(SyncRequest {
            protocol: PROTOCOL_VERSION,
            push: self.in_flight.clone(),
            pull: Some(PullRequest {
                cursor: self.cursor,
                max_bytes: self.limits.max_pull_bytes,
                acked: self.acked,
            }),
        })
    }

    /// The request failed or its answer was lost: its documents go back in the queue.
    pub fn handle_failure(&mut self) {
        self.awaiting_response = false;
        for item in std::mem::take(&mut self.in_flight).into_iter().rev() {
            if !self
                .outbox
                .iter()
                .any(|queued| queued.doc_id == item.doc_id)
            {
                self.outbox.push_front(item);
            }
        }
    }

    /// Turns the server's answer into storage effects. An answer to an older request
    /// (a late duplicate) is safe too: every acknowledgement is a committed fact.
    pub fn handle_response(&mut self, response: SyncResponse) -> Vec<DeviceEffect> {
        let mut effects = Vec::new();
        let mut answered = HashSet::new();
        let acked_before = self.acked;
        if response
            .results
            .iter()
            .any(|r| matches!(r.outcome, PushOutcome::Committed { .. }))
        {
            self.acked = self.acked.max(response.committed_through);
        }
        for result in response.results {
            answered.insert(result.doc_id.clone());
            let doc_id = result.doc_id;
            match result.outcome {
                PushOutcome::Committed { heads, seal } => effects.push(DeviceEffect::MarkSynced {
                    doc_id,
                    heads,
                    seal,
                }),
                PushOutcome::NeedsFullDocument => {
                    effects.push(DeviceEffect::SendWholeDocument { doc_id })
                }
                PushOutcome::Rejected(rejection) if rejection.code == ERASED => {
                    self.refused.insert(doc_id.clone());
                    effects.push(DeviceEffect::Erase { doc_id });
                }
                PushOutcome::Rejected(rejection) => {
                    self.refused.insert(doc_id.clone());
                    effects.push(DeviceEffect::Rejected { doc_id, rejection });
                }
            }
        }
        let unanswered: Vec<PushItem> = std::mem::take(&mut self.in_flight)
            .into_iter()
            .filter(|item| !answered.contains(&item.doc_id))
            .collect();
        self.in_flight = unanswered;
        self.handle_failure();

        let mut cursor_moved = false;
        if let Some(pull) = response.pull {
            if pull.reset {
                // Acknowledgements from the lost history mean nothing now.
                self.acked = None;
                effects.push(DeviceEffect::ForgetSyncedState);
            }
            for doc_id in pull.erased {
                self.forget(&doc_id);
                effects.push(DeviceEffect::Erase { doc_id });
            }
            for doc in pull.docs {
                effects.push(DeviceEffect::MergeRemote {
                    doc_id: doc.doc_id,
                    bytes: doc.bytes,
                    seal: doc.seal,
                });
            }
            cursor_moved = pull.cursor != self.cursor || pull.reset;
            self.cursor = pull.cursor;
            self.pull_complete = !pull.more;
        }
        if cursor_moved || self.acked != acked_before {
            effects.push(DeviceEffect::StoreCursor {
                cursor: self.cursor,
                acked: self.acked,
            });
        }
        effects
    }

    /// Drops a queued push of an erased document (one queued by
    /// [`DeviceEffect::ForgetSyncedState`] of the same answer, say).
    pub fn forget(&mut self, doc_id: &str) {
        self.outbox.retain(|queued| queued.doc_id != doc_id);
    }

    /// Documents the server refused in this session (they are not retried until edited).
    pub fn is_refused(&self, doc_id: &str) -> bool {
        self.refused.contains(doc_id)
    }
}
