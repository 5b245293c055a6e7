//! The server side of sync, without I/O: merging one pushed item into the stored document
//! and deciding what to store and what to answer, and cutting a pull answer to size.
//!
//! The server runtime loads the stored documents a request names, asks [`merge_push`]
//! for each item, commits every `Store` decision of the request in one transaction, and
//! only then answers with [`MergeDecision::outcome`]. If the commit fails it answers with
//! an error and acknowledges nothing.

use crate::document::{Hash, RegistrationDoc};
use crate::limits;
use crate::policy::{check_edit, Requester};
use crate::registration::Registration;
use crate::sync::admission;
use crate::sync::message::{
    Cursor, PullResponse, PulledDoc, PushItem, PushOutcome, PushResult, Rejection,
};
use crate::sync::seal::{Seal, Sealer};
use crate::validation::{validate, ValidationContext};

/// What to do with one pushed item.
#[derive(Debug)]
pub enum MergeDecision {
    /// The server already holds everything pushed: acknowledge, store nothing.
    Unchanged {
        heads: Vec<Hash>,
        seal: Seal,
    },
    /// Store the merged document (and its projection), then acknowledge `ack_heads`.
    Store(Box<MergedDocument>),
    NeedsFullDocument,
    Rejected(Rejection),
}

#[derive(Debug)]
pub struct MergedDocument {
    pub doc_id: String,
    /// The whole merged document, saved (uncompressed: see `wire`).
    pub bytes: Vec<u8>,
    /// The merged registration, for the projection.
    pub registration: Registration,
    /// The merged document's seal, stored beside it and sent with pulls.
    pub seal: Seal,
    /// The device's heads, now contained in the stored document, and their seal.
    pub ack_heads: Vec<Hash>,
    pub ack_seal: Seal,
    /// True when the merged document equals what the device holds, so the device need
    /// not pull it back.
    pub device_is_up_to_date: bool,
    /// True when the server had no document with this id before.
    pub created: bool,
}

impl MergeDecision {
    /// The answer to send once the decision is committed.
    pub fn outcome(&self) -> PushOutcome {
        match self {
            MergeDecision::Unchanged { heads, seal } => PushOutcome::Committed {
                heads: heads.clone(),
                seal: *seal,
            },
            MergeDecision::Store(merged) => PushOutcome::Committed {
                heads: merged.ack_heads.clone(),
                seal: merged.ack_seal,
            },
            MergeDecision::NeedsFullDocument => PushOutcome::NeedsFullDocument,
            MergeDecision::Rejected(rejection) => PushOutcome::Rejected(rejection.clone()),
        }
    }
}

fn corrupt() -> MergeDecision {
    rejection(
        "corrupt",
        "Data yang dikirim rusak.",
        "The data sent is damaged.",
    )
}

fn rejection(code: &str, message_id: &str, message_en: &str) -> MergeDecision {
    MergeDecision::Rejected(Rejection {
        code: code.into(),
        message_id: message_id.into(),
        message_en: message_en.into(),
        problems: vec![],
    })
}

/// Merges `item` into the stored document (`None` if the server has none) on behalf of
/// `requester`, checking shape, validity and permissions of the result.
///
/// Permissions are judged on what the push adds to the state the server already
/// vouches for: its stored document, plus a state it once sealed and the device shows
/// again (it may have lost that state by being restored from a backup).
pub fn merge_push(
    item: &PushItem,
    stored: Option<&[u8]>,
    requester: &Requester,
    ctx: &ValidationContext,
    sealer: &Sealer,
) -> MergeDecision {
    if item.doc_id.is_empty() || !limits::ID.fits(&item.doc_id) {
        return rejection(
            "bad_id",
            "ID dokumen tidak sah.",
            "The document id is not valid.",
        );
    }
    // Nothing the client sent reaches Automerge before it is admitted (see `admission`).
    if let Err(refused) = admission::admit(&item.changes) {
        return MergeDecision::Rejected(refused.rejection());
    }
    // A whole document (no base) names no heads: they are its own.
    let mut incoming = None;
    let device_heads = if item.base.is_empty() && item.heads.is_empty() {
        match RegistrationDoc::load(&item.changes) {
            Ok(mut doc) => {
                let heads = doc.heads();
                incoming = Some(doc);
                heads
            }
            Err(_) => return corrupt(),
        }
    } else {
        item.heads.clone()
    };
    let mut stored_heads = Vec::new();
    let (mut doc, stored_state) = match stored {
        Some(bytes) => {
            let Ok(mut doc) = RegistrationDoc::load(bytes) else {
                return rejection(
                    "stored_document_damaged",
                    "Dokumen di server rusak; hubungi admin.",
                    "The server's copy is damaged; contact an admin.",
                );
            };
            if doc.contains_all(&device_heads) {
                let seal = sealer.seal(&item.doc_id, &device_heads);
                return MergeDecision::Unchanged {
                    heads: device_heads,
                    seal,
                };
            }
            stored_heads = doc.heads();
            let before = doc.read().ok();
            if doc.merge_bytes(&item.changes).is_err() {
                return corrupt();
            }
            (doc, before)
        }
        None if !item.base.is_empty() => return MergeDecision::NeedsFullDocument,
        None => match incoming
            .take()
            .map(Ok)
            .unwrap_or_else(|| RegistrationDoc::load(&item.changes))
        {
            Ok(doc) => (doc, None),
            Err(_) => return corrupt(),
        },
    };
    let created = stored.is_none();
    if doc.has_missing_dependencies() || !doc.contains_all(&device_heads) {
        return MergeDecision::NeedsFullDocument;
    }
    let registration = match doc.read() {
        Ok(registration) => registration,
        Err(_) => {
            return rejection(
                "not_a_registration",
                "Dokumen ini bukan data pendaftaran yang sah.",
                "This document is not a valid registration.",
            )
        }
    };
    if registration.id != item.doc_id {
        return rejection(
            "id_mismatch",
            "ID di dalam dokumen tidak cocok.",
            "The id inside the document does not match.",
        );
    }
    let before = match vouched_heads(item, sealer, &mut doc, &stored_heads) {
        Some(heads) => match doc.read_at(&heads) {
            Ok(state) => Some(state),
            Err(_) => return corrupt(),
        },
        None => stored_state,
    };
    if let Err(forbidden) = check_edit(requester, before.as_ref(), &registration) {
        return MergeDecision::Rejected(Rejection {
            code: "forbidden".into(),
            message_id: forbidden.message_id.into(),
            message_en: forbidden.message_en.into(),
            problems: vec![],
        });
    }
    let report = validate(&registration, ctx);
    if !report.is_valid() {
        return MergeDecision::Rejected(Rejection {
            code: "invalid_registration".into(),
            message_id: "Data pendaftaran tidak lengkap atau tidak sah.".into(),
            message_en: "The registration is incomplete or invalid.".into(),
            problems: report.errors().cloned().collect(),
        });
    }
    let mut merged_heads = doc.heads();
    let seal = sealer.seal(&item.doc_id, &merged_heads);
    merged_heads.sort_unstable();
    let mut sorted_device_heads = device_heads.clone();
    sorted_device_heads.sort_unstable();
    // Stored uncompressed: pulls send it as is, inside a batch compressed as a whole.
    let bytes = if created && item.base.is_empty() {
        item.changes.clone()
    } else {
        let bytes = doc.save_uncompressed();
        // Changes within the limits must not grow a stored document past them.
        if let Err(refused) = admission::admit(&bytes) {
            return MergeDecision::Rejected(refused.rejection());
        }
        bytes
    };
    MergeDecision::Store(Box::new(MergedDocument {
        doc_id: item.doc_id.clone(),
        bytes,
        registration,
        seal,
        ack_seal: sealer.seal(&item.doc_id, &device_heads),
        ack_heads: device_heads,
        device_is_up_to_date: merged_heads == sorted_device_heads,
        created,
    }))
}

/// The heads of the state to judge the push against, when valid seals vouch for
/// history the stored document lacks: the stored heads together with the sealed ones.
fn vouched_heads(
    item: &PushItem,
    sealer: &Sealer,
    merged: &mut RegistrationDoc,
    stored_heads: &[Hash],
) -> Option<Vec<Hash>> {
    let mut heads = stored_heads.to_vec();
    let mut adds_history = false;
    for vouched in &item.vouched {
        let valid = !vouched.heads.is_empty()
            && sealer.verify(&item.doc_id, &vouched.heads, &vouched.seal)
            && merged.contains_all(&vouched.heads);
        if !valid {
            continue;
        }
        if !stored_heads.is_empty() && merged.heads_cover(stored_heads, &vouched.heads) {
            continue;
        }
        adds_history = true;
        heads.extend(vouched.heads.iter().copied());
    }
    if !adds_history {
        return None;
    }
    heads.sort_unstable();
    heads.dedup();
    Some(heads)
}

/// The decisions for every item of one request. Items naming the same document build on
/// each other, so the request's writes hold one merged document per id.
#[derive(Debug, Default)]
pub struct RequestPlan {
    pub decisions: Vec<(String, MergeDecision)>,
}

impl RequestPlan {
    /// Takes the merged documents out to commit, leaving their outcomes in place.
    pub fn take_writes(&mut self) -> Vec<MergedDocument> {
        let mut writes = Vec::new();
        for (_, decision) in &mut self.decisions {
            if let MergeDecision::Store(merged) = decision {
                let (heads, seal) = (merged.ack_heads.clone(), merged.ack_seal);
                if let MergeDecision::Store(merged) =
                    std::mem::replace(decision, MergeDecision::Unchanged { heads, seal })
                {
                    writes.push(*merged);
                }
            }
        }
        writes
    }

    /// Ids of the documents the plan acknowledges without writing.
    pub fn unchanged_ids(&self) -> impl Iterator<Item = &str> {
        self.decisions.iter().filter_map(|(id, d)| match d {
            MergeDecision::Unchanged { .. } => Some(id.as_str()),
            _ => None,
        })
    }

    /// The answers, in item order. Send them only after the writes are committed.
    pub fn results(&self) -> Vec<PushResult> {
        self.decisions
            .iter()
            .map(|(doc_id, decision)| PushResult {
                doc_id: doc_id.clone(),
                outcome: decision.outcome(),
            })
            .collect()
    }
}

/// Merges every pushed item of a request. `stored` holds the server's documents for the
/// ids the request names (absent: the server has none).
///
/// Each merge runs under `catch_unwind`: should Automerge panic on some input that
/// passed admission (a bug in `admission` to fix), that document is refused as damaged
/// and the rest of the batch goes through.
pub fn plan_push<'a>(
    items: impl IntoIterator<Item = &'a PushItem>,
    stored: &std::collections::HashMap<String, Vec<u8>>,
    requester: &Requester,
    ctx: &ValidationContext,
    sealer: &Sealer,
) -> RequestPlan {
    // Where the latest merged version of each document written by this request lies
    // in the plan: later items of the same document merge into it (not a copy).
    let mut latest: std::collections::HashMap<&str, usize> = Default::default();
    let mut plan = RequestPlan::default();
    for item in items {
        let current = match latest.get(item.doc_id.as_str()) {
            Some(&index) => match &plan.decisions[index].1 {
                MergeDecision::Store(merged) => Some(merged.bytes.as_slice()),
                _ => None,
            },
            None => stored.get(&item.doc_id).map(Vec::as_slice),
        };
        let mut decision = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            merge_push(item, current, requester, ctx, sealer)
        }))
        .unwrap_or_else(|_| corrupt());
        if let MergeDecision::Store(merged) = &mut decision {
            // An earlier item of this request wrote the same document: this write
            // supersedes it (and inherits "created"), so one row per id is committed.
            if let Some(&index) = latest.get(item.doc_id.as_str()) {
                let earlier = &mut plan.decisions[index].1;
                if let MergeDecision::Store(previous) = earlier {
                    merged.created |= previous.created;
                    let (heads, seal) = (previous.ack_heads.clone(), previous.ack_seal);
                    *earlier = MergeDecision::Unchanged { heads, seal };
                }
            }
            latest.insert(item.doc_id.as_str(), plan.decisions.len());
        }
        plan.decisions.push((item.doc_id.clone(), decision));
    }
    plan
}

/// A changed document as the store lists it for a pull, in change-log order.
#[derive(Debug, Clone)]
pub struct ChangedDocument {
    pub doc_id: String,
    /// The stored seal of the document at its heads.
    pub seal: Seal,
    /// `None` when the requesting device produced exactly this state itself.
    pub bytes: Option<Vec<u8>>,
    /// The change-log position of the document's latest change.
    pub position: Cursor,
}

/// One page of the store's change listing for a scope, in change-log order.
#[derive(Debug, Clone, Default)]
pub struct ChangedPage {
    pub docs: Vec<ChangedDocument>,
    /// The page was full: more changes may follow.
    pub more: bool,
    /// The change log's last position when the page was read (in the same snapshot).
    /// When the page is complete, the device has seen everything up to it, so its cursor
    /// moves there — past changes outside its scope and its own pushes, which then need
    /// not be scanned again.
    pub head: Option<Cursor>,
}

/// Cuts the store's page of changed documents to `max_bytes` (at least one document) and
/// sets the cursor after the last one passed. `current` is the cursor to keep when
/// nothing changed.
pub fn pull_response(
    page: ChangedPage,
    max_bytes: u32,
    current: Option<Cursor>,
    reset: bool,
) -> PullResponse {
    let mut docs = Vec::new();
    let mut cursor = current;
    let mut bytes = 0usize;
    let mut truncated = false;
    for changed in page.docs {
        let size = changed.bytes.as_ref().map_or(0, Vec::len);
        if !docs.is_empty() && bytes + size > max_bytes as usize {
            truncated = true;
            break;
        }
        bytes += size;
        cursor = Some(changed.position);
        if let Some(bytes) = changed.bytes {
            docs.push(PulledDoc {
                doc_id: changed.doc_id,
                bytes,
                seal: changed.seal,
            });
        }
    }
    PullResponse {
        docs,
        cursor,
        more: page.more || truncated,
        reset,
    }
}
