//! A registration's history, read from its Automerge document: each change, who made it
//! and when (from the message [`ChangeAuthor`] writes), and which fields it touched
//! (from the difference between the document before and after that change).
//!
//! The author and time in a change are what the device that made it wrote: the server
//! refuses a change naming another user as its author, but a phone's clock may be wrong
//! and older changes were never checked. What the server itself vouches for is its
//! [`Receipt`] of each change it accepted — who pushed it, from which device, and when
//! by the server's clock — which the server passes in from its store.
//!
//! Field paths go two levels deep at most (`full_name`, `address.village`,
//! `review.comments`), kept as technical detail; what people read is each change's
//! [`FieldChange`]s — the form's fields it changed, with their values before and after,
//! from the registration read just before and just after the change — and the first
//! change (no parent) is the registration itself.

use std::collections::HashMap;

use automerge::{AutoCommit, ChangeHash, Patch, PatchAction, Prop};

pub use crate::api::registrations::HistoryEntry;
use crate::document::{ChangeAuthor, Hash, RegistrationDoc};
use crate::fields::{field_changes, FieldChange};
use crate::registration::{Millis, Registration};

/// What the server recorded when it accepted a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The server's clock, in milliseconds since the epoch.
    pub received_at: Millis,
    pub pushed_by_id: String,
    /// `None` when the user is no longer known.
    pub pushed_by_name: Option<String>,
    pub pushed_from_device: Option<String>,
}

/// Every change of the document, in causal order (a change comes after those it builds
/// on); oldest first where the order is free. Each change carries the server's receipt
/// of it from `receipts`, if there is one.
pub fn history(doc: &mut RegistrationDoc, receipts: &HashMap<Hash, Receipt>) -> Vec<HistoryEntry> {
    entries(doc, receipts, |automerge, before, hash| {
        touched_fields(&automerge.diff(before, &[hash]))
    })
}

/// [`history`] as a phone shows it: no receipts and no internal field paths (`fields`
/// stays empty), so the officer's app links none of Automerge's diffing.
pub fn readable_history(doc: &mut RegistrationDoc) -> Vec<HistoryEntry> {
    entries(doc, &HashMap::new(), |_, _, _| Vec::new())
}

/// Every change with its author, receipt, creation mark and changed form fields;
/// `paths` gives the internal paths a change touched (its parents, itself).
fn entries(
    doc: &mut RegistrationDoc,
    receipts: &HashMap<Hash, Receipt>,
    mut paths: impl FnMut(&mut AutoCommit, &[ChangeHash], ChangeHash) -> Vec<String>,
) -> Vec<HistoryEntry> {
    let automerge = doc.automerge();
    let changes = automerge.get_changes(&[]);
    let mut entries = Vec::with_capacity(changes.len());
    let mut parents = Vec::with_capacity(changes.len());
    for change in changes {
        let author = change.message().and_then(ChangeAuthor::from_message);
        let before: Vec<_> = change.deps().to_vec();
        let receipt = receipts.get(&change.hash().0);
        parents.push((
            change.hash().0,
            before.iter().map(|h| h.0).collect::<Vec<_>>(),
        ));
        entries.push(HistoryEntry {
            hash: change.hash().to_string(),
            at: change.timestamp().saturating_mul(1000),
            author_id: author.as_ref().map(|a| a.user_id.clone()),
            author_name: author.map(|a| a.name),
            fields: paths(automerge, &before, change.hash()),
            created: before.is_empty(),
            changed: Vec::new(),
            received_at: receipt.map(|r| r.received_at),
            pushed_by_id: receipt.map(|r| r.pushed_by_id.clone()),
            pushed_by_name: receipt.and_then(|r| r.pushed_by_name.clone()),
            pushed_from_device: receipt.and_then(|r| r.pushed_from_device.clone()),
        });
    }
    let mut versions = Versions::default();
    for (entry, (hash, deps)) in entries.iter_mut().zip(parents) {
        if entry.created {
            continue;
        }
        entry.changed = changed_fields(doc, &mut versions, hash, &deps);
    }
    entries
}

/// The registration as it stood at each change already read, by the change's hash: a
/// change's "before" is usually the previous change's "after".
type Versions = HashMap<Hash, Registration>;

/// The form's fields change `hash` (on top of `deps`) changed.
fn changed_fields(
    doc: &mut RegistrationDoc,
    versions: &mut Versions,
    hash: Hash,
    deps: &[Hash],
) -> Vec<FieldChange> {
    let before = match deps {
        [one] => versions.get(one).cloned(),
        _ => None,
    }
    .or_else(|| doc.read_at(deps).ok());
    let Ok(after) = doc.read_at(&[hash]) else {
        return Vec::new();
    };
    let changed = before.map_or_else(Vec::new, |before| field_changes(&before, &after));
    versions.insert(hash, after);
    changed
}

fn touched_fields(patches: &[Patch]) -> Vec<String> {
    let mut fields: Vec<String> = patches.iter().filter_map(field_path).collect();
    fields.sort();
    fields.dedup();
    fields
}

/// The patch's full property path, cut to its first two map keys.
fn field_path(patch: &Patch) -> Option<String> {
    let own = match &patch.action {
        PatchAction::PutMap { key, .. } => Some(Prop::Map(key.clone())),
        PatchAction::DeleteMap { key } => Some(Prop::Map(key.clone())),
        PatchAction::Increment { prop, .. } => Some(prop.clone()),
        PatchAction::Conflict { prop } => Some(prop.clone()),
        _ => None,
    };
    let mut keys = Vec::new();
    for prop in patch.path.iter().map(|(_, p)| p).chain(own.as_ref()) {
        match prop {
            Prop::Map(key) if keys.len() < 2 => keys.push(key.as_str()),
            // A list position ends the readable path: "review.comments", "programmes".
            _ => break,
        }
    }
    (!keys.is_empty()).then(|| keys.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::{Registration, ReviewComment, ReviewStatus};

    fn officer() -> ChangeAuthor {
        ChangeAuthor::new("user-officer", "Siti")
    }

    fn supervisor() -> ChangeAuthor {
        ChangeAuthor::new("user-supervisor", "Budi")
    }

    fn sample() -> Registration {
        let mut registration = Registration {
            id: "8d1e6f5a-0000-4000-8000-000000000001".into(),
            full_name: "Siti Aminah".into(),
            nik: "1701014506990001".into(),
            ..Default::default()
        };
        registration.address.regency = "17.01".into();
        registration.address.village = "17.01.01.2001".into();
        registration
    }

    #[test]
    fn each_change_names_its_author_time_and_fields() {
        let mut doc = RegistrationDoc::create_by(&sample(), &officer(), 1_764_000_000_000);
        doc.edit_by(&officer(), 1_764_000_060_000, |r| {
            r.full_name = "Siti Aminah Putri".into();
            r.address.village = "17.01.01.2002".into();
        })
        .unwrap();
        doc.edit_by(&supervisor(), 1_764_000_120_000, |r| {
            r.review.status = ReviewStatus::NeedsCorrection;
            r.review.comments.push(ReviewComment {
                id: "c1".into(),
                author_id: "user-supervisor".into(),
                author_name: "Budi".into(),
                role: "supervisor".into(),
                at: 1_764_000_120_000,
                text: "Cek NIK".into(),
            });
        })
        .unwrap();

        let entries = history(&mut doc, &HashMap::new());
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].author_name.as_deref(), Some("Siti"));
        assert_eq!(entries[0].at, 1_764_000_000_000);
        assert!(entries[0].fields.contains(&"full_name".to_owned()));
        assert_eq!(entries[1].fields, ["address.village", "full_name"]);
        assert_eq!(entries[1].author_id.as_deref(), Some("user-officer"));
        assert_eq!(entries[2].fields, ["review.comments", "review.status"]);
        assert_eq!(entries[2].author_name.as_deref(), Some("Budi"));
        assert_eq!(entries[2].at, 1_764_000_120_000);
    }

    #[test]
    fn the_first_change_is_the_registration_and_later_ones_say_old_and_new_values() {
        use crate::fields::Field;
        let mut doc = RegistrationDoc::create_by(&sample(), &officer(), 1_000);
        doc.edit_by(&officer(), 2_000, |r| {
            r.full_name = "Siti Aminah Putri".into();
            r.address.hamlet = "Dusun II".into();
        })
        .unwrap();
        doc.edit_by(&supervisor(), 3_000, |r| {
            r.review.status = ReviewStatus::Verified
        })
        .unwrap();

        let entries = history(&mut doc, &HashMap::new());
        assert!(entries[0].created);
        assert_eq!(entries[0].changed, []);
        assert!(!entries[1].created);
        assert_eq!(
            entries[1].changed,
            [
                FieldChange {
                    field: Field::FullName,
                    before: "Siti Aminah".into(),
                    after: "Siti Aminah Putri".into(),
                },
                FieldChange {
                    field: Field::Hamlet,
                    before: String::new(),
                    after: "Dusun II".into(),
                },
            ]
        );
        assert_eq!(
            entries[2].changed,
            [FieldChange {
                field: Field::ReviewStatus,
                before: "submitted".into(),
                after: "verified".into(),
            }]
        );
    }

    #[test]
    fn concurrent_changes_each_show_only_their_own_fields() {
        let mut officer_doc = RegistrationDoc::create_by(&sample(), &officer(), 1_000);
        let mut supervisor_doc = RegistrationDoc::load(&officer_doc.save()).unwrap();
        supervisor_doc
            .automerge()
            .set_actor(automerge::ActorId::random());
        officer_doc
            .edit_by(&officer(), 2_000, |r| r.phone = "081234567890".into())
            .unwrap();
        supervisor_doc
            .edit_by(&supervisor(), 2_000, |r| {
                r.review.status = ReviewStatus::Verified
            })
            .unwrap();
        officer_doc.merge_bytes(&supervisor_doc.save()).unwrap();

        let entries = history(&mut officer_doc, &HashMap::new());
        assert_eq!(entries.len(), 3);
        let by = |name: &str| {
            entries
                .iter()
                .find(|e| e.author_name.as_deref() == Some(name) && e.at == 2_000)
                .unwrap()
                .fields
                .clone()
        };
        assert_eq!(by("Siti"), ["phone"]);
        assert_eq!(by("Budi"), ["review.status"]);
        // Each side's values are read against its own parent, not the other's.
        let budi = entries
            .iter()
            .find(|e| e.author_name.as_deref() == Some("Budi"))
            .unwrap();
        assert_eq!(budi.changed.len(), 1);
        assert_eq!(budi.changed[0].after, "verified");
    }

    #[test]
    fn the_phones_history_is_the_same_without_internal_paths() {
        let mut doc = RegistrationDoc::create_by(&sample(), &officer(), 1_000);
        doc.edit_by(&officer(), 2_000, |r| r.phone = "081234567890".into())
            .unwrap();
        let full = history(&mut doc, &HashMap::new());
        let phone = readable_history(&mut doc);
        assert_eq!(phone.len(), 2);
        for (full, phone) in full.iter().zip(&phone) {
            assert!(phone.fields.is_empty());
            assert_eq!(
                (&full.changed, full.created),
                (&phone.changed, phone.created)
            );
        }
        assert_eq!(phone[1].changed[0].after, "081234567890");
    }

    #[test]
    fn changes_without_an_author_message_have_no_author() {
        let mut doc = RegistrationDoc::create(&sample());
        let entries = history(&mut doc, &HashMap::new());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].author_id, None);
        assert!(!entries[0].fields.is_empty());
    }

    #[test]
    fn an_edit_that_changes_nothing_adds_no_history() {
        let mut doc = RegistrationDoc::create_by(&sample(), &officer(), 1_000);
        doc.edit_by(&officer(), 2_000, |_| {}).unwrap();
        assert_eq!(history(&mut doc, &HashMap::new()).len(), 1);
    }
}
