//! The mapping between a [`Registration`] and its Automerge document.
//!
//! Every edit goes through [`RegistrationDoc::edit`]: hydrate the *current* document,
//! change the struct, reconcile it back. Reconciling a stale struct would delete what was
//! merged in meanwhile (a supervisor's comment, say), so callers never keep a struct
//! across merges and write it back later.

use automerge::transaction::CommitOptions;
use automerge::{AutoCommit, ChangeHash};
use serde::{Deserialize, Serialize};

use crate::registration::{Millis, Registration};

mod object_reader;

/// The registration `doc` holds.
fn hydrate(doc: &AutoCommit) -> Result<Registration, DocumentError> {
    autosurgeon::hydrate(&object_reader::ObjectReader::new(doc))
        .map_err(|e| DocumentError::NotARegistration(e.to_string()))
}

/// A change hash as it travels on the wire and sits in storage.
pub type Hash = [u8; 32];

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the document bytes are not a valid Automerge document: {0}")]
    Corrupt(String),
    #[error("the document does not have the shape of a registration: {0}")]
    NotARegistration(String),
    #[error("the document's id {found:?} does not match {expected:?}")]
    WrongId { expected: String, found: String },
}

/// Who made a change, recorded in the Automerge change's message as JSON
/// (`{"by": "<user id>", "name": "Siti"}`) so a document's history names people, not
/// random actor ids. See `crate::history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAuthor {
    #[serde(rename = "by")]
    pub user_id: String,
    pub name: String,
}

impl ChangeAuthor {
    pub fn new(user_id: impl Into<String>, name: impl Into<String>) -> Self {
        ChangeAuthor {
            user_id: user_id.into(),
            name: name.into(),
        }
    }

    /// The author named in a change message; `None` for messages not written by
    /// [`ChangeAuthor::message`] (older documents, other tools).
    pub fn from_message(message: &str) -> Option<Self> {
        serde_json::from_str(message).ok()
    }

    fn commit_options(&self, at: Millis) -> CommitOptions {
        CommitOptions::default()
            .with_message(self.message())
            // Automerge keeps change times in seconds.
            .with_time(at.div_euclid(1000))
    }

    pub fn message(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings always serializes")
    }
}

/// One change of a document: its hash and the author its message names (`None` when
/// it names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    pub hash: Hash,
    pub author: Option<ChangeAuthor>,
}

/// One registration's Automerge document.
pub struct RegistrationDoc {
    doc: AutoCommit,
}

impl RegistrationDoc {
    /// A new document holding `registration`, written as one change.
    pub fn create(registration: &Registration) -> Self {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, registration)
            .expect("reconciling into a fresh document cannot conflict");
        doc.commit();
        RegistrationDoc { doc }
    }

    /// [`RegistrationDoc::create`], recording who created it and when.
    pub fn create_by(registration: &Registration, author: &ChangeAuthor, at: Millis) -> Self {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, registration)
            .expect("reconciling into a fresh document cannot conflict");
        doc.commit_with(author.commit_options(at));
        RegistrationDoc { doc }
    }

    /// Loads a document saved with [`RegistrationDoc::save`] (or any concatenation of
    /// Automerge chunks).
    pub fn load(bytes: &[u8]) -> Result<Self, DocumentError> {
        let doc = AutoCommit::load(bytes).map_err(|e| DocumentError::Corrupt(e.to_string()))?;
        Ok(RegistrationDoc { doc })
    }

    /// The registration as the document holds it now.
    pub fn read(&self) -> Result<Registration, DocumentError> {
        hydrate(&self.doc)
    }

    /// Applies `change` to the current content, as one Automerge change.
    /// Returns the registration after the edit.
    pub fn edit(
        &mut self,
        change: impl FnOnce(&mut Registration),
    ) -> Result<Registration, DocumentError> {
        self.edit_with(CommitOptions::default(), change)
    }

    /// [`RegistrationDoc::edit`], recording who made the change and when. An edit that
    /// changes nothing adds no change.
    pub fn edit_by(
        &mut self,
        author: &ChangeAuthor,
        at: Millis,
        change: impl FnOnce(&mut Registration),
    ) -> Result<Registration, DocumentError> {
        self.edit_with(author.commit_options(at), change)
    }

    /// Reads the registration, applies `change` and commits the difference as one change
    /// with `options`.
    fn edit_with(
        &mut self,
        options: CommitOptions,
        change: impl FnOnce(&mut Registration),
    ) -> Result<Registration, DocumentError> {
        let mut registration = self.read()?;
        change(&mut registration);
        autosurgeon::reconcile(&mut self.doc, &registration)
            .map_err(|e| DocumentError::NotARegistration(e.to_string()))?;
        self.doc.commit_with(options);
        Ok(registration)
    }

    /// The registration as it was at `heads` (all of which this document must hold).
    pub fn read_at(&mut self, heads: &[Hash]) -> Result<Registration, DocumentError> {
        let heads: Vec<ChangeHash> = heads.iter().map(|h| ChangeHash(*h)).collect();
        let past = self
            .doc
            .fork_at(&heads)
            .map_err(|e| DocumentError::Corrupt(e.to_string()))?;
        hydrate(&past)
    }

    /// True when the history up to `ours` already includes every change in `theirs`.
    pub fn heads_cover(&mut self, ours: &[Hash], theirs: &[Hash]) -> bool {
        let ours: Vec<ChangeHash> = ours.iter().map(|h| ChangeHash(*h)).collect();
        let theirs: Vec<ChangeHash> = theirs.iter().map(|h| ChangeHash(*h)).collect();
        // Changes after `ours` that lead to `theirs` would show up here.
        let Ok(past) = self.doc.fork_at(&ours) else {
            return false;
        };
        let mut past = past;
        theirs.iter().all(|h| past.get_change_by_hash(h).is_some())
    }

    pub fn heads(&mut self) -> Vec<Hash> {
        self.doc.get_heads().into_iter().map(|h| h.0).collect()
    }

    /// True when every change in `heads` is part of this document.
    pub fn contains_all(&mut self, heads: &[Hash]) -> bool {
        let heads: Vec<ChangeHash> = heads.iter().map(|h| ChangeHash(*h)).collect();
        // Looked up in the change graph, not by rebuilding each change (Automerge's
        // `get_change_by_hash`, tens of microseconds). A missing dependency is a hash
        // neither applied nor queued; with nothing queued, exactly the heads not applied.
        if self.doc.get_missing_deps(&[]).is_empty() {
            return self.doc.get_missing_deps(&heads).is_empty();
        }
        heads
            .iter()
            .all(|h| self.doc.get_change_by_hash(h).is_some())
    }

    /// The compact whole-document encoding.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The whole document without Automerge's own column compression, for sending in a
    /// batch that is compressed as a whole, and for storing where pulls send it from.
    pub fn save_uncompressed(&mut self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    /// The changes a peer holding `base` lacks. Hashes in `base` this document does not
    /// know are ignored, so the result may repeat changes the peer has; that is harmless.
    pub fn changes_since(&mut self, base: &[Hash]) -> Vec<u8> {
        let known: Vec<ChangeHash> = base
            .iter()
            .map(|h| ChangeHash(*h))
            .filter(|h| self.doc.get_change_by_hash(h).is_some())
            .collect();
        self.doc.save_after(&known)
    }

    /// The changes this document holds beyond `heads` (all of them for no heads), each
    /// with the author its message names. Read from Automerge's change graph, without
    /// rebuilding the changes' operations: cheap enough for every push.
    pub fn changes_after(&mut self, heads: &[Hash]) -> Vec<ChangeSummary> {
        let heads: Vec<ChangeHash> = heads.iter().map(|h| ChangeHash(*h)).collect();
        self.doc
            .get_changes_meta(&heads)
            .into_iter()
            .map(|meta| ChangeSummary {
                hash: meta.hash.0,
                author: meta.message.as_deref().and_then(ChangeAuthor::from_message),
            })
            .collect()
    }

    /// Merges changes or a whole document from a peer. Changes whose dependencies are
    /// missing are held back by Automerge; [`RegistrationDoc::missing_dependencies`] tells.
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<(), DocumentError> {
        self.doc
            .load_incremental(bytes)
            .map(|_| ())
            .map_err(|e| DocumentError::Corrupt(e.to_string()))
    }

    /// Merges bytes a client pushed (document or change chunks that passed
    /// [`crate::sync::admission`]): like [`RegistrationDoc::merge_bytes`], but in an order
    /// checked so Automerge cannot panic on sequence numbers the client wrote
    /// ([`crate::change_order`]). On `Err` the document may hold part of the bytes: drop it.
    pub fn merge_pushed(&mut self, bytes: &[u8]) -> Result<(), DocumentError> {
        crate::change_order::merge(&mut self.doc, bytes).map_err(DocumentError::Corrupt)
    }

    /// True when some merged changes wait for dependencies this document lacks.
    pub fn has_missing_dependencies(&mut self) -> bool {
        !self.doc.get_missing_deps(&[]).is_empty()
    }

    /// Gives access to the Automerge document, for history views and merges.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::{ReviewComment, ReviewStatus};

    fn sample() -> Registration {
        Registration {
            id: "8d1e6f5a-0000-4000-8000-000000000001".into(),
            full_name: "Siti Aminah".into(),
            nik: "1701014506990001".into(),
            ..Default::default()
        }
    }

    /// What autosurgeon reads with one document lookup per property.
    fn read_by_lookups(doc: &RegistrationDoc) -> Result<Registration, String> {
        autosurgeon::hydrate(&doc.doc).map_err(|e| e.to_string())
    }

    #[test]
    fn reading_objects_whole_gives_what_lookups_give() {
        use crate::sample::SampleGenerator;
        for seed in 0..200 {
            let mut generator = SampleGenerator::new(seed);
            let registration = generator.registration("o1", "d1", "17.01.01.2001", 0);
            let mut a = RegistrationDoc::create(&registration);
            assert_eq!(a.read().unwrap(), registration);
            // Concurrent edits of the same fields and lists: conflicts, merged lists.
            let mut b = RegistrationDoc::load(&a.save()).unwrap();
            b.automerge().set_actor(automerge::ActorId::random());
            let base = a.heads();
            a.edit(|r| {
                r.full_name = format!("A {seed}");
                r.skills.push("las".into());
                r.work_experience.clear();
                r.disability = None;
            })
            .unwrap();
            b.edit(|r| {
                r.full_name = format!("B {seed}");
                r.skills.insert(0, "jahit".into());
                r.address.rt = "007".into();
                r.programmes.reverse();
                r.deleted = Some(crate::registration::Deletion {
                    reason: "ganda".into(),
                    by: "s1".into(),
                    at: 5,
                });
            })
            .unwrap();
            a.merge_bytes(&b.changes_since(&base)).unwrap();
            assert_eq!(a.read().unwrap(), read_by_lookups(&a).unwrap());
            assert_eq!(a.read_at(&base).unwrap(), registration);
        }
        // Not a registration: both refuse.
        let mut doc = AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "id", 7).unwrap();
        let doc = RegistrationDoc { doc };
        assert!(doc.read().is_err() && read_by_lookups(&doc).is_err());
    }

    #[test]
    fn a_saved_document_reads_back_the_same_registration() {
        let mut doc = RegistrationDoc::create(&sample());
        let bytes = doc.save();
        let loaded = RegistrationDoc::load(&bytes).unwrap();
        assert_eq!(loaded.read().unwrap(), sample());
    }

    #[test]
    fn concurrent_comments_and_field_edits_all_survive_a_merge() {
        let mut officer = RegistrationDoc::create(&sample());
        let mut supervisor = RegistrationDoc::load(&officer.save()).unwrap();
        supervisor
            .automerge()
            .set_actor(automerge::ActorId::random());
        let comment = |id: &str| ReviewComment {
            id: id.into(),
            author_id: id.into(),
            author_name: id.into(),
            role: "supervisor".into(),
            at: 1,
            text: "cek NIK".into(),
        };
        supervisor
            .edit(|r| {
                r.review.status = ReviewStatus::NeedsCorrection;
                r.review.comments.push(comment("s1"));
            })
            .unwrap();
        officer
            .edit(|r| {
                r.phone = "081234567890".into();
                r.review.comments.push(comment("o1"));
            })
            .unwrap();

        let base = officer.heads();
        officer
            .merge_bytes(&supervisor.changes_since(&base))
            .unwrap();
        let merged = officer.read().unwrap();
        assert_eq!(merged.phone, "081234567890");
        assert_eq!(merged.review.status, ReviewStatus::NeedsCorrection);
        let mut ids: Vec<_> = merged
            .review
            .comments
            .iter()
            .map(|c| c.id.clone())
            .collect();
        ids.sort();
        assert_eq!(ids, vec!["o1", "s1"]);
    }

    #[test]
    fn a_follow_up_recorded_offline_and_a_concurrent_comment_both_survive_a_merge() {
        use crate::follow_up::{FollowUp, FollowUpDetails, Step};
        use crate::registration::Programme;
        let mut officer = RegistrationDoc::create(&sample());
        let has_key = |doc: &mut RegistrationDoc| {
            use automerge::ReadDoc;
            doc.automerge()
                .get(automerge::ROOT, "follow_ups")
                .unwrap()
                .is_some()
        };
        assert!(!has_key(&mut officer), "no follow-ups, no key");
        let mut supervisor = RegistrationDoc::load(&officer.save()).unwrap();
        supervisor
            .automerge()
            .set_actor(automerge::ActorId::random());
        let enrolled = FollowUp {
            id: "f1".into(),
            programme: Programme::BlkTraining,
            step: Step::TrainingEnrolled,
            date: "2026-01-05".into(),
            details: FollowUpDetails {
                blk: "BLK Bengkulu".into(),
                vocation: "Las".into(),
                planned_end: "2026-03-31".into(),
                ..Default::default()
            },
            recorded_by: "o1".into(),
            recorded_by_name: String::new(),
            recorded_at: 2,
        };
        officer
            .edit(|r| r.follow_ups.push(enrolled.clone()))
            .unwrap();
        supervisor
            .edit(|r| {
                r.review.comments.push(ReviewComment {
                    id: "c1".into(),
                    author_id: "s1".into(),
                    author_name: "Supervisor".into(),
                    role: "supervisor".into(),
                    at: 3,
                    text: "Sudah ikut BLK?".into(),
                })
            })
            .unwrap();
        let base = officer.heads();
        officer
            .merge_bytes(&supervisor.changes_since(&base))
            .unwrap();
        let merged = officer.read().unwrap();
        assert_eq!(merged.follow_ups, vec![enrolled]);
        assert_eq!(merged.review.comments.len(), 1);
        assert!(has_key(&mut officer));

        // A step written before `recorded_by_name` existed reads with an empty name.
        let step = {
            use automerge::ReadDoc;
            let doc = officer.automerge();
            let (_, list) = doc.get(automerge::ROOT, "follow_ups").unwrap().unwrap();
            doc.get(&list, 0).unwrap().unwrap().1
        };
        {
            use automerge::transaction::Transactable;
            officer
                .automerge()
                .delete(&step, "recorded_by_name")
                .unwrap();
        }
        assert_eq!(officer.read().unwrap().follow_ups[0].recorded_by, "o1");
    }

    #[test]
    fn a_document_without_a_handover_reads_as_none_and_an_edit_leaves_the_key_out() {
        // Documents written before `assigned_officer` existed lack the key, and so do
        // new ones until a handover.
        let mut doc = RegistrationDoc::create(&sample());
        let key = |doc: &mut RegistrationDoc| {
            use automerge::ReadDoc;
            doc.automerge()
                .get(automerge::ROOT, "assigned_officer")
                .unwrap()
                .is_some()
        };
        assert!(!key(&mut doc));
        assert_eq!(doc.read().unwrap().assigned_officer, None);
        doc.edit(|r| r.phone = "081234567890".into()).unwrap();
        assert!(!key(&mut doc));

        let handed = doc
            .edit(|r| r.assigned_officer = Some("o2".into()))
            .unwrap();
        assert_eq!(handed.assigned_officer.as_deref(), Some("o2"));
        let loaded = RegistrationDoc::load(&doc.save()).unwrap();
        assert_eq!(
            loaded.read().unwrap().assigned_officer.as_deref(),
            Some("o2")
        );
    }

    #[test]
    fn a_document_made_before_receipts_loads_and_keeps_the_number_once_given() {
        // Such a document (like a sample one) lacks the key; an edit does not add it.
        let mut doc = RegistrationDoc::create(&sample());
        let has_key = |doc: &mut RegistrationDoc| {
            use automerge::ReadDoc;
            doc.automerge()
                .get(automerge::ROOT, "receipt_number")
                .unwrap()
                .is_some()
        };
        assert!(!has_key(&mut doc));
        assert_eq!(doc.read().unwrap().receipt_number, None);
        doc.edit(|r| r.phone = "081234567890".into()).unwrap();
        assert!(!has_key(&mut doc));

        let number = crate::receipt::ReceiptNumber::new("device-1", 7).to_string();
        doc.edit(|r| r.receipt_number = Some(number.clone()))
            .unwrap();
        // An edit from a form that never read the number leaves it as it is.
        doc.edit(|r| r.receipt_number = None).unwrap();
        let loaded = RegistrationDoc::load(&doc.save()).unwrap();
        assert_eq!(loaded.read().unwrap().receipt_number, Some(number));
    }

    #[test]
    fn a_registration_without_a_handover_in_json_reads_as_none() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json.as_object_mut().unwrap().remove("assigned_officer");
        let registration: Registration = serde_json::from_value(json).unwrap();
        assert_eq!(registration.assigned_officer, None);
    }

    #[test]
    fn changes_with_missing_dependencies_are_held_back() {
        let mut a = RegistrationDoc::create(&sample());
        let mut b = RegistrationDoc::load(&a.save()).unwrap();
        let base = a.heads();
        a.edit(|r| r.full_name = "Siti".into()).unwrap();
        let mid = a.heads();
        a.edit(|r| r.full_name = "Siti A.".into()).unwrap();
        // Only the last change, without the one before it.
        b.merge_bytes(&a.changes_since(&mid)).unwrap();
        assert!(b.has_missing_dependencies());
        assert!(b.contains_all(&base));
        // A queued change is not contained, nor is one the document never saw.
        assert!(!b.contains_all(&a.heads()));
        assert!(!b.contains_all(&mid));
        // Once the gap is filled, both are (the lookup without a queue).
        b.merge_bytes(&a.changes_since(&base)).unwrap();
        assert!(!b.has_missing_dependencies());
        assert!(b.contains_all(&a.heads()) && b.contains_all(&mid));
        assert!(!b.contains_all(&[[7; 32]]));
    }
}
