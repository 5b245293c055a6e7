//! Merging pushed changes into a document without tripping Automerge's assertions.
//!
//! Automerge 0.12 *asserts* (panics) rather than checks two things when it applies a
//! change: that the change's sequence number is exactly one past the last change of its
//! actor it holds, and that only a first change (sequence 1) carries an author. An honest
//! change always satisfies both (a change depends, transitively, on its actor's previous
//! one), but the sequence number and the dependencies are written by the client: a pushed
//! change numbered 63 whose dependencies the document holds, for an actor with 2 changes,
//! panicked the server's merge (found by `cargo xtask fuzz`). Admission
//! ([`crate::sync::admission`]) bounds the bytes; this checks the order.
//!
//! [`merge`] therefore applies the incoming changes itself, one at a time, in a
//! topological order it has checked: each change it applies is exactly the next of its
//! actor. A change that is never the next one when its dependencies are met refuses the
//! whole merge. Changes whose dependencies are missing from both the document and the
//! push are handed to Automerge last, which queues them (the caller then asks for the
//! whole document).

use std::collections::{HashMap, HashSet};

use automerge::{ActorId, AutoCommit, Change, ChangeHash};

use crate::sync::admission::format::{chunks, CHUNK_DOCUMENT};

/// Merges the document or change chunks in `bytes` into `doc`. `Err` says why the bytes
/// cannot be merged; `doc` may then hold part of them and must be dropped.
pub fn merge(doc: &mut AutoCommit, bytes: &[u8]) -> Result<(), String> {
    let incoming = incoming_changes(bytes)?;
    let mut seen = HashSet::new();
    let mut fresh: Vec<Change> = Vec::new();
    for change in incoming {
        let hash = change.hash();
        if seen.insert(hash) && doc.get_change_meta_by_hash(&hash).is_none() {
            fresh.push(change);
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    if fresh.iter().any(|c| c.author().is_some() && c.seq() != 1) {
        return Err("an authored change that is not its actor's first".into());
    }
    let mut next_seq = stored_sequences(doc, &fresh);
    let order = checked_order(&fresh, &mut next_seq, |hash| {
        doc.get_change_meta_by_hash(hash).is_some()
    })?;
    let mut slots: Vec<Option<Change>> = fresh.into_iter().map(Some).collect();
    for index in order {
        let change = slots[index].take().expect("each change once");
        doc.apply_changes([change]).map_err(|e| e.to_string())?;
    }
    // What is left waits for dependencies nobody sent: Automerge queues it.
    let waiting: Vec<Change> = slots.into_iter().flatten().collect();
    if !waiting.is_empty() {
        doc.apply_changes(waiting).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The changes in `bytes`: change chunks as they are, a document chunk's changes by
/// loading it on its own (loading a whole document checks its sequences).
fn incoming_changes(bytes: &[u8]) -> Result<Vec<Change>, String> {
    let mut changes = Vec::new();
    for chunk in chunks(bytes) {
        let chunk = chunk.map_err(|e| format!("{e:?}"))?;
        let end = chunk.body.as_ptr() as usize - bytes.as_ptr() as usize + chunk.body.len();
        let start = end - chunk.body.len() - header_len(chunk.body.len());
        let raw = &bytes[start..end];
        if chunk.chunk_type == CHUNK_DOCUMENT {
            let mut whole = AutoCommit::load(raw).map_err(|e| e.to_string())?;
            changes.extend(whole.get_changes(&[]));
        } else {
            changes.push(Change::try_from(raw).map_err(|e| e.to_string())?);
        }
    }
    Ok(changes)
}

/// Bytes before a chunk's body: magic (4), checksum (4), type (1), and the body length
/// as unsigned LEB128.
fn header_len(body_len: usize) -> usize {
    let mut leb = 1;
    let mut rest = body_len >> 7;
    while rest > 0 {
        leb += 1;
        rest >>= 7;
    }
    9 + leb
}

/// For each actor of `fresh`, the sequence number its next change must have: one past
/// the last the document holds.
fn stored_sequences(doc: &mut AutoCommit, fresh: &[Change]) -> HashMap<ActorId, u64> {
    let mut next: HashMap<ActorId, u64> = fresh.iter().map(|c| (c.actor_id().clone(), 1)).collect();
    for meta in doc.get_changes_meta(&[]) {
        if let Some(seq) = next.get_mut(meta.actor.as_ref()) {
            *seq = (*seq).max(meta.seq + 1);
        }
    }
    next
}

/// Indices of `fresh` in an order Automerge can apply them one by one: Kahn's algorithm
/// over the dependencies among them (`held` says which the document has). Each change,
/// when its dependencies are met, must be the next of its actor.
fn checked_order(
    fresh: &[Change],
    next_seq: &mut HashMap<ActorId, u64>,
    mut held: impl FnMut(&ChangeHash) -> bool,
) -> Result<Vec<usize>, String> {
    let index: HashMap<ChangeHash, usize> = fresh
        .iter()
        .enumerate()
        .map(|(i, c)| (c.hash(), i))
        .collect();
    let mut waiting_on = vec![0usize; fresh.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); fresh.len()];
    let mut missing = vec![false; fresh.len()];
    for (i, change) in fresh.iter().enumerate() {
        for dep in change.deps() {
            match index.get(dep) {
                Some(&d) => {
                    waiting_on[i] += 1;
                    dependents[d].push(i);
                }
                None if held(dep) => {}
                None => missing[i] = true,
            }
        }
    }
    let mut ready: Vec<usize> = (0..fresh.len())
        .filter(|&i| waiting_on[i] == 0 && !missing[i])
        .collect();
    let mut order = Vec::with_capacity(fresh.len());
    while let Some(i) = ready.pop() {
        let change = &fresh[i];
        let next = next_seq
            .get_mut(change.actor_id())
            .expect("every actor counted");
        if change.seq() != *next {
            return Err(format!(
                "change {} of an actor whose next change is {}",
                change.seq(),
                next
            ));
        }
        *next += 1;
        order.push(i);
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 && !missing[d] {
                ready.push(d);
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use crate::document::RegistrationDoc;
    use crate::sample::SampleGenerator;
    use crate::sync::admission::format::{write_chunk, ChangeChunk, CHUNK_CHANGE};

    fn registration_doc() -> RegistrationDoc {
        let mut gen = SampleGenerator::new(7);
        RegistrationDoc::create(&gen.registration("o1", "d1", "17.01.01.2001", 0))
    }

    /// One change on `doc` (not applied to it), as its chunk bytes.
    /// Another replica of `doc`, as a phone that pulled it holds it.
    fn replica_of(doc: &mut RegistrationDoc) -> RegistrationDoc {
        RegistrationDoc::load(&doc.save_uncompressed()).unwrap()
    }

    fn one_change(doc: &mut RegistrationDoc, phone: &str) -> Vec<u8> {
        let base = doc.heads();
        let mut copy = RegistrationDoc::load(&doc.save_uncompressed()).unwrap();
        copy.edit(|r| r.phone = phone.into()).unwrap();
        copy.changes_since(&base)
    }

    /// `change` with its sequence number replaced (checksum and hash recomputed).
    fn renumbered(change: &[u8], seq: u64) -> Vec<u8> {
        let body = &change[body_offset(change)..];
        let mut parsed = ChangeChunk::parse(body).unwrap();
        parsed.seq = seq;
        write_chunk(CHUNK_CHANGE, &parsed.encode())
    }

    fn body_offset(chunk: &[u8]) -> usize {
        let mut at = 9;
        while chunk[at] & 0x80 != 0 {
            at += 1;
        }
        at + 1
    }

    #[test]
    fn honest_changes_merge_as_automerge_merges_them() {
        let mut stored = registration_doc();
        let mut phone = replica_of(&mut stored);
        let base = phone.heads();
        phone.edit(|r| r.phone = "081200000001".into()).unwrap();
        phone.edit(|r| r.birth_place = "Manna".into()).unwrap();
        let changes = phone.changes_since(&base);
        let mut expected = replica_of(&mut stored);
        expected.merge_bytes(&changes).unwrap();

        stored.merge_pushed(&changes).unwrap();
        assert_eq!(stored.heads(), expected.heads());
        assert_eq!(stored.read().unwrap(), expected.read().unwrap());
        // Again: nothing new, nothing changes.
        stored.merge_pushed(&changes).unwrap();
        assert_eq!(stored.heads(), expected.heads());
        // A whole document merges too.
        let whole = phone.save_uncompressed();
        let mut other = registration_doc();
        other.merge_pushed(&whole).unwrap();
    }

    #[test]
    fn a_change_numbered_past_its_actors_next_is_refused_not_panicked_on() {
        let mut stored = registration_doc();
        let saved = stored.save_uncompressed();
        let change = one_change(&mut stored, "081200000002");
        let gap = renumbered(&change, 63);
        assert!(stored.merge_pushed(&gap).is_err());
        // Automerge's own merge asserts on it (what the fuzz harness found).
        let mut copy = RegistrationDoc::load(&saved).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = copy.merge_bytes(&gap);
        }));
        assert!(caught.is_err(), "automerge 0.12 no longer panics here");
    }

    #[test]
    fn changes_waiting_for_missing_dependencies_are_queued() {
        let mut stored = registration_doc();
        let mut phone = replica_of(&mut stored);
        let base = phone.heads();
        phone.edit(|r| r.phone = "081200000003".into()).unwrap();
        let middle = phone.heads();
        phone.edit(|r| r.phone = "081200000004".into()).unwrap();
        stored.merge_pushed(&phone.changes_since(&middle)).unwrap();
        assert!(stored.has_missing_dependencies());
        stored.merge_pushed(&phone.changes_since(&base)).unwrap();
        assert!(!stored.has_missing_dependencies());
        assert_eq!(stored.read().unwrap().phone, "081200000004");
    }
}
