//! The server side of sync, without I/O: merging one pushed item into the stored document
//! and deciding what to store and what to answer, and cutting a pull answer to size.
//!
//! The server runtime loads the stored documents a request names, asks [`merge_push`]
//! for each item, commits every `Store` decision of the request in one transaction, and
//! only then answers with [`MergeDecision::outcome`]. If the commit fails it answers with
//! an error and acknowledges nothing.

use std::collections::HashMap;

use crate::document::{Hash, RegistrationDoc};
use crate::limits;
use crate::policy::{check_change_author, check_edit, Forbidden, Requester, OUTSIDE_SCOPE};
use crate::registration::Registration;
use crate::sync::admission;
use crate::sync::message::{
    Cursor, PullResponse, PulledDoc, PushItem, PushOutcome, PushResult, Rejection, ERASED,
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
    /// The changes new to the server in this write (all of them for a new document):
    /// the store records who pushed them and when it received them, for the history.
    pub new_changes: Vec<Hash>,
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

/// An erased document is stored as its tombstone: its id, scope and change-log position
/// with empty bytes, so pulls tell devices to delete it and pushes cannot restore it.
pub fn is_tombstone(stored: &[u8]) -> bool {
    stored.is_empty()
}

fn erased() -> MergeDecision {
    rejection(
        ERASED,
        "Data ini sudah dihapus oleh kantor dan tidak bisa dikirim lagi.",
        "The office erased this record; it cannot be sent again.",
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

fn forbidden(refusal: Forbidden) -> MergeDecision {
    MergeDecision::Rejected(Rejection {
        code: "forbidden".into(),
        message_id: refusal.message_id.into(),
        message_en: refusal.message_en.into(),
        problems: vec![],
    })
}

/// Merges `item` into the stored document (`None` if the server has none) on behalf of
/// `requester`, checking shape, validity and permissions of the result.
///
/// Permissions are judged on what the push adds to the state the server already
/// vouches for: its stored document, plus a state it once sealed and the device shows
/// again (it may have lost that state by being restored from a backup). Each change it
/// adds must not name another user as its author.
///
/// A stored document outside the requester's scope is treated as absent, so the answer
/// does not tell whether the id exists: changes on a base get
/// [`MergeDecision::NeedsFullDocument`], and a whole document is judged as a new
/// registration. One answer still differs (the residual): a whole document that would
/// be accepted as new cannot be stored under the taken id, so it gets the refusal an
/// out-of-area new registration gets, where an unknown id would be accepted. That tells
/// the id is taken — but ids are random UUIDs, which a requester knows only from a
/// record once in their scope (or by guessing 122 random bits), so it tells them
/// nothing they did not know, and nothing of the record.
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
    let stored = match stored {
        Some(bytes) if is_tombstone(bytes) => return erased(),
        Some(bytes) => {
            let loaded = RegistrationDoc::load(bytes).and_then(|doc| {
                let registration = doc.read()?;
                Ok((doc, registration))
            });
            let Ok((doc, registration)) = loaded else {
                return rejection(
                    "stored_document_damaged",
                    "Dokumen di server rusak; hubungi admin.",
                    "The server's copy is damaged; contact an admin.",
                );
            };
            if !requester.scope.covers(&registration) {
                return match merge_loaded(item, None, requester, ctx, sealer) {
                    MergeDecision::Store(_) => forbidden(OUTSIDE_SCOPE),
                    other => other,
                };
            }
            Some((doc, registration))
        }
        None => None,
    };
    merge_loaded(item, stored, requester, ctx, sealer)
}

/// [`merge_push`] onto the loaded stored document and the registration it holds, which
/// the requester's scope covers.
fn merge_loaded(
    item: &PushItem,
    stored: Option<(RegistrationDoc, Registration)>,
    requester: &Requester,
    ctx: &ValidationContext,
    sealer: &Sealer,
) -> MergeDecision {
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
    let created = stored.is_none();
    let (mut doc, stored_state) = match stored {
        Some((mut doc, before)) => {
            if doc.contains_all(&device_heads) {
                let seal = sealer.seal(&item.doc_id, &device_heads);
                return MergeDecision::Unchanged {
                    heads: device_heads,
                    seal,
                };
            }
            stored_heads = doc.heads();
            if doc.merge_pushed(&item.changes).is_err() {
                return corrupt();
            }
            (doc, Some(before))
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
    // New to the server: what it records as received. New to the vouched state: what
    // the requester is answerable for (changes relayed back after a restore were
    // checked when the server first accepted them).
    let new_changes = doc.changes_after(&stored_heads);
    let (before, unvouched) = match vouched_heads(item, sealer, &mut doc, &stored_heads) {
        Some(heads) => match doc.read_at(&heads) {
            Ok(state) => (Some(state), Some(doc.changes_after(&heads))),
            Err(_) => return corrupt(),
        },
        None => (stored_state, None),
    };
    if let Err(refusal) = check_edit(requester, before.as_ref(), &registration) {
        return forbidden(refusal);
    }
    let claimed = unvouched.as_ref().unwrap_or(&new_changes);
    for author in claimed.iter().filter_map(|change| change.author.as_ref()) {
        if let Err(refusal) = check_change_author(requester, author) {
            return forbidden(refusal);
        }
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
        new_changes: new_changes.into_iter().map(|change| change.hash).collect(),
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
    stored: &HashMap<String, Vec<u8>>,
    requester: &Requester,
    ctx: &ValidationContext,
    sealer: &Sealer,
) -> RequestPlan {
    // Where the latest merged version of each document written by this request lies
    // in the plan: later items of the same document merge into it (not a copy).
    let mut latest: HashMap<&str, usize> = Default::default();
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
                    // Both writes' changes are new to the server, for the record.
                    let mut received = std::mem::take(&mut previous.new_changes);
                    received.retain(|hash| !merged.new_changes.contains(hash));
                    merged.new_changes.splice(0..0, received);
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
/// sets the cursor after the last one passed — or, when the page holds every change in
/// scope, at the log's head ([`ChangedPage::head`]). `current` is the cursor to keep when
/// nothing changed.
///
/// `held` names documents the device holds exactly as stored, with the seq of that
/// stored version: those its own request just committed, merged into nothing it lacks.
/// They are passed over (the cursor moves past them) rather than sent back — which a
/// device without a cursor (its first sync, or one after a reset) would otherwise get
/// for everything it pushed.
pub fn pull_response(
    page: ChangedPage,
    max_bytes: u32,
    current: Option<Cursor>,
    reset: bool,
    held: &HashMap<String, u64>,
) -> PullResponse {
    let mut docs = Vec::new();
    let mut erased = Vec::new();
    let mut cursor = current;
    let mut bytes = 0usize;
    let mut truncated = false;
    for changed in page.docs {
        if held.get(&changed.doc_id) == Some(&changed.position.seq) {
            cursor = Some(changed.position);
            continue;
        }
        let size = changed.bytes.as_ref().map_or(0, Vec::len);
        if !docs.is_empty() && bytes + size > max_bytes as usize {
            truncated = true;
            break;
        }
        bytes += size;
        cursor = Some(changed.position);
        if let Some(bytes) = changed.bytes {
            if is_tombstone(&bytes) {
                erased.push(changed.doc_id);
                continue;
            }
            docs.push(PulledDoc {
                doc_id: changed.doc_id,
                bytes,
                seal: changed.seal,
            });
        }
    }
    let more = page.more || truncated;
    if !more {
        // Without this, a device whose last document in scope is old would scan every
        // later change of everyone else again at each pull: a pull's cost would grow
        // with the whole log (issue 13).
        if let Some(head) = page.head {
            if cursor.is_none_or(|at| head.seq > at.seq) {
                cursor = Some(head);
            }
        }
    }
    PullResponse {
        docs,
        cursor,
        more,
        reset,
        erased,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::document::ChangeAuthor;
    use crate::policy::{Role, Scope, OUTSIDE_SCOPE};
    use crate::registration::{ReviewComment, ReviewStatus};
    use crate::sample::SampleGenerator;
    use crate::sync::device::{push_item, whole_document_item, SyncedState};

    const CTX: ValidationContext<'static> = ValidationContext {
        today: (2026, 11, 28),
        regions: None,
    };

    fn sealer() -> Sealer {
        Sealer::new([3; 32])
    }

    fn officer(id: &str, district: &str) -> Requester {
        Requester {
            user_id: id.into(),
            role: Role::Officer,
            scope: Scope::Officer {
                user_id: id.into(),
                areas: vec![district.into()],
            },
        }
    }

    fn registration(seed: u64, officer: &str, village: &str) -> Registration {
        SampleGenerator::new(seed).registration(officer, "device", village, 1_764_000_000_000)
    }

    /// A document as a phone writes it: created in the officer's name.
    fn document(registration: &Registration) -> RegistrationDoc {
        let author = ChangeAuthor::new(registration.registered_by.clone(), "Petugas");
        RegistrationDoc::create_by(registration, &author, 1_764_000_000_000)
    }

    fn whole(doc_id: &str, doc: &mut RegistrationDoc) -> PushItem {
        whole_document_item(doc_id, doc, &SyncedState::default())
    }

    /// The changes made on `doc` by `edit`, pushed from its heads before.
    fn edited(
        doc_id: &str,
        doc: &mut RegistrationDoc,
        author: &ChangeAuthor,
        edit: impl FnOnce(&mut Registration),
    ) -> PushItem {
        let base = doc.heads();
        doc.edit_by(author, 1_764_000_060_000, edit).unwrap();
        PushItem {
            doc_id: doc_id.into(),
            heads: doc.heads(),
            changes: doc.changes_since(&base),
            base,
            vouched: vec![],
        }
    }

    fn outcome(
        item: &PushItem,
        stored: Option<&[u8]>,
        requester: &Requester,
        sealer: &Sealer,
    ) -> PushOutcome {
        merge_push(item, stored, requester, &CTX, sealer).outcome()
    }

    fn stored(decision: MergeDecision) -> Box<MergedDocument> {
        match decision {
            MergeDecision::Store(merged) => merged,
            other => panic!("not stored: {:?}", other.outcome()),
        }
    }

    #[test]
    fn an_out_of_scope_id_answers_exactly_like_an_unknown_one() {
        let sealer = sealer();
        let eko = officer("eko", "17.02.01");
        // Siti's registration, stored, outside Eko's area; and an id the server lacks.
        let siti_record = registration(1, "siti", "17.01.01.2001");
        let mut siti_doc = document(&siti_record);
        let stored_bytes = siti_doc.save_uncompressed();
        let unknown_record = registration(2, "siti", "17.01.01.2001");
        let mut unknown_doc = document(&unknown_record);
        let eko_author = ChangeAuthor::new("eko", "Eko");

        // The same request shapes, naming each id.
        let answers = |id: &str, doc: &mut RegistrationDoc, stored: Option<&[u8]>| {
            let heads = doc.heads();
            let offer = PushItem {
                doc_id: id.into(),
                base: heads.clone(),
                heads,
                changes: vec![],
                vouched: vec![],
            };
            let mut copy = RegistrationDoc::load(&doc.save()).unwrap();
            let change = edited(id, &mut copy, &eko_author, |r| {
                r.phone = "081234567890".into()
            });
            let foreign_whole = whole(id, doc);
            let mut own = registration(3, "eko", "17.02.01.2001");
            own.id = id.into();
            let own_whole = whole(id, &mut document(&own));
            [offer, change, foreign_whole, own_whole]
                .iter()
                .map(|item| outcome(item, stored, &eko, &sealer))
                .collect::<Vec<_>>()
        };
        let existing = answers(&siti_record.id, &mut siti_doc, Some(&stored_bytes));
        let unknown = answers(&unknown_record.id, &mut unknown_doc, None);

        assert_eq!(existing[..3], unknown[..3]);
        assert_eq!(existing[0], PushOutcome::NeedsFullDocument);
        assert_eq!(existing[1], PushOutcome::NeedsFullDocument);
        let outside = PushOutcome::Rejected(Rejection {
            code: "forbidden".into(),
            message_id: OUTSIDE_SCOPE.message_id.into(),
            message_en: OUTSIDE_SCOPE.message_en.into(),
            problems: vec![],
        });
        assert_eq!(existing[2], outside);
        // The residual: a whole document that would be a fine new registration cannot
        // take the id, and is refused as an out-of-area registration is.
        assert!(matches!(unknown[3], PushOutcome::Committed { .. }));
        assert_eq!(existing[3], outside);
    }

    #[test]
    fn a_change_naming_another_user_as_its_author_is_refused() {
        let sealer = sealer();
        let siti = officer("siti", "17.01.01");
        let record = registration(1, "siti", "17.01.01.2001");
        let mut doc = document(&record);
        let stored_bytes = doc.save_uncompressed();

        let forged = ChangeAuthor::new("kepala", "Kepala Dinas");
        let mut copy = RegistrationDoc::load(&stored_bytes).unwrap();
        let item = edited(&record.id, &mut copy, &forged, |r| {
            r.phone = "081234567890".into()
        });
        let answer = outcome(&item, Some(&stored_bytes), &siti, &sealer);
        assert!(
            matches!(&answer, PushOutcome::Rejected(r) if r.code == "forbidden"),
            "{answer:?}"
        );

        // A new registration created in another's name as author, too.
        let mut forged_doc = RegistrationDoc::create_by(&record, &forged, 1_764_000_000_000);
        let answer = outcome(&whole(&record.id, &mut forged_doc), None, &siti, &sealer);
        assert!(matches!(answer, PushOutcome::Rejected(_)), "{answer:?}");

        // Her own name, or none (other tools write none): accepted, and recorded.
        let own = ChangeAuthor::new("siti", "Siti");
        let mut copy = RegistrationDoc::load(&stored_bytes).unwrap();
        let item = edited(&record.id, &mut copy, &own, |r| {
            r.phone = "081234567890".into()
        });
        let merged = stored(merge_push(&item, Some(&stored_bytes), &siti, &CTX, &sealer));
        assert_eq!(merged.new_changes, copy.heads());
        let base = doc.heads();
        doc.edit(|r| r.phone = "081234567891".into()).unwrap();
        let item = PushItem {
            doc_id: record.id.clone(),
            heads: doc.heads(),
            changes: doc.changes_since(&base),
            base,
            vouched: vec![],
        };
        let merged = stored(merge_push(&item, Some(&stored_bytes), &siti, &CTX, &sealer));
        assert_eq!(merged.new_changes, doc.heads());
        assert!(!merged.created);
    }

    #[test]
    fn a_supervisors_change_relayed_back_after_a_restore_passes_and_is_recorded() {
        let sealer = sealer();
        let siti = officer("siti", "17.01.01");
        let record = registration(1, "siti", "17.01.01.2001");
        let mut server_doc = document(&record);
        let backup = server_doc.save_uncompressed();
        // The supervisor reviews; Siti's phone pulls the reviewed state and its seal...
        let review = ChangeAuthor::new("kepala", "Kepala");
        server_doc
            .edit_by(&review, 1_764_000_060_000, |r| {
                r.review.status = ReviewStatus::NeedsCorrection;
                r.review.comments.push(ReviewComment {
                    id: "c1".into(),
                    author_id: "kepala".into(),
                    author_name: "Kepala".into(),
                    role: "supervisor".into(),
                    at: 1_764_000_060_000,
                    text: "Periksa NIK".into(),
                });
            })
            .unwrap();
        let reviewed = server_doc.heads();
        let (mut phone, mut synced) = crate::sync::device::merge_remote(
            None,
            &server_doc.save(),
            sealer.seal(&record.id, &reviewed),
        )
        .unwrap()
        .unwrap();
        // ...and the server is restored from the backup taken before the review.
        let item = push_item(&record.id, &mut phone, &synced);
        let answer = outcome(&item, Some(&backup), &siti, &sealer);
        assert_eq!(answer, PushOutcome::NeedsFullDocument);
        let merged = stored(merge_push(
            &whole_document_item(&record.id, &mut phone, &synced),
            Some(&backup),
            &siti,
            &CTX,
            &sealer,
        ));
        assert_eq!(merged.new_changes, reviewed, "new to the restored server");

        // On top of the relayed state, a change naming the supervisor is hers to answer for.
        synced.heads.clear();
        phone
            .edit_by(&review, 1_764_000_120_000, |r| {
                r.phone = "081234567890".into()
            })
            .unwrap();
        let item = whole_document_item(&record.id, &mut phone, &synced);
        let answer = outcome(&item, Some(&backup), &siti, &sealer);
        assert!(matches!(answer, PushOutcome::Rejected(_)), "{answer:?}");
    }

    #[test]
    fn changes_of_two_items_for_one_document_in_a_request_are_all_recorded() {
        let sealer = sealer();
        let siti = officer("siti", "17.01.01");
        let author = ChangeAuthor::new("siti", "Siti");
        let record = registration(1, "siti", "17.01.01.2001");
        let mut doc = document(&record);
        let first = whole(&record.id, &mut doc);
        let created = doc.heads();
        let second = edited(&record.id, &mut doc, &author, |r| {
            r.phone = "081234567890".into()
        });
        let mut plan = plan_push(&[first, second], &HashMap::new(), &siti, &CTX, &sealer);
        let writes = plan.take_writes();
        assert_eq!(writes.len(), 1);
        assert!(writes[0].created);
        assert_eq!(writes[0].new_changes, [created, doc.heads()].concat());
    }

    fn at(seq: u64) -> Cursor {
        Cursor {
            seq,
            check: seq * 7,
            scope: 0,
        }
    }

    fn changed(seq: u64, size: usize) -> ChangedDocument {
        ChangedDocument {
            doc_id: format!("doc-{seq}"),
            seal: Seal::default(),
            bytes: Some(vec![0; size]),
            position: at(seq),
        }
    }

    #[test]
    fn a_complete_page_moves_the_cursor_to_the_head_and_a_cut_one_does_not() {
        // Nothing in scope since the cursor: past everyone else's changes to the head.
        let page = ChangedPage {
            docs: vec![],
            more: false,
            head: Some(at(900)),
        };
        assert_eq!(
            pull_response(page, 1000, Some(at(10)), false, &HashMap::new()).cursor,
            Some(at(900))
        );
        // The last document in scope, then changes out of scope up to the head.
        let page = ChangedPage {
            docs: vec![changed(20, 10), changed(30, 10)],
            more: false,
            head: Some(at(900)),
        };
        let response = pull_response(page, 1000, Some(at(10)), false, &HashMap::new());
        assert_eq!((response.docs.len(), response.cursor), (2, Some(at(900))));
        assert!(!response.more);
        // A full page: more may follow, so only as far as the last document sent.
        let page = ChangedPage {
            docs: vec![changed(20, 10)],
            more: true,
            head: Some(at(900)),
        };
        assert_eq!(
            pull_response(page, 1000, Some(at(10)), false, &HashMap::new()).cursor,
            Some(at(20))
        );
        // Cut by size: the second document waits for the next pull.
        let page = ChangedPage {
            docs: vec![changed(20, 600), changed(30, 600)],
            more: false,
            head: Some(at(900)),
        };
        let response = pull_response(page, 1000, Some(at(10)), false, &HashMap::new());
        assert_eq!((response.cursor, response.more), (Some(at(20)), true));
        // Never backwards.
        let page = ChangedPage {
            docs: vec![],
            more: false,
            head: Some(at(5)),
        };
        assert_eq!(
            pull_response(page, 1000, Some(at(10)), false, &HashMap::new()).cursor,
            Some(at(10))
        );
    }

    #[test]
    fn documents_the_device_just_committed_are_passed_over_unless_changed_since() {
        // doc-20 and doc-30 were committed by the device's own request, as it holds them;
        // doc-40 was too, but someone changed it since (stored now at seq 40, not 35).
        let held = HashMap::from([
            ("doc-20".to_owned(), 20),
            ("doc-30".to_owned(), 30),
            ("doc-40".to_owned(), 35),
        ]);
        let page = ChangedPage {
            docs: vec![changed(20, 600), changed(30, 600), changed(40, 600)],
            more: true,
            head: Some(at(900)),
        };
        let response = pull_response(page, 1000, None, false, &held);
        let sent: Vec<&str> = response.docs.iter().map(|d| d.doc_id.as_str()).collect();
        // Passed-over documents take none of the byte budget; the cursor moves past them.
        assert_eq!(sent, ["doc-40"]);
        assert_eq!((response.cursor, response.more), (Some(at(40)), true));
        // Only passed over: the cursor still moves past them to the head.
        let page = ChangedPage {
            docs: vec![changed(20, 600), changed(30, 600)],
            more: false,
            head: Some(at(900)),
        };
        let response = pull_response(page, 1000, None, false, &held);
        assert!(response.docs.is_empty());
        assert_eq!(response.cursor, Some(at(900)));
    }
}
