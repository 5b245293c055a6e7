//! A device's documents held in memory, with what the server is known to hold of each:
//! the storage side of [`DeviceSync`] for runtimes that keep documents in memory (the load
//! generator, the native test client, the property tests). The browser app does the same
//! against IndexedDB.

use std::collections::BTreeMap;

use crate::document::{DocumentError, RegistrationDoc};
use crate::registration::Registration;
use crate::sync::device::{
    merge_remote, push_item, whole_document_item, DeviceEffect, DeviceSync, SyncedState,
};
use crate::sync::message::{Cursor, Rejection};

#[derive(Default)]
pub struct MemoryReplica {
    /// Each document with what the server is known to hold of it.
    pub docs: BTreeMap<String, (RegistrationDoc, SyncedState)>,
    pub cursor: Option<Cursor>,
    pub acked: Option<Cursor>,
    /// Documents the server refused; not offered again until edited.
    pub rejected: BTreeMap<String, Rejection>,
}

impl MemoryReplica {
    /// Stores a new registration as a document, as the app's "Simpan" does.
    pub fn create(&mut self, registration: &Registration) {
        let doc = RegistrationDoc::create(registration);
        self.docs
            .insert(registration.id.clone(), (doc, SyncedState::default()));
    }

    /// Documents whose changes the server has not acknowledged.
    pub fn pending(&mut self) -> usize {
        let mut pending = 0;
        for (doc, synced) in self.docs.values_mut() {
            pending += usize::from(doc.heads() != synced.heads);
        }
        pending
    }

    /// A sync session starting from the stored cursor, with every pending document queued.
    pub fn start_sync(&mut self, limits: crate::sync::device::SyncLimits) -> DeviceSync {
        let mut sync = DeviceSync::new(self.cursor, self.acked, limits);
        for (id, (doc, synced)) in &mut self.docs {
            if doc.heads() != synced.heads && !self.rejected.contains_key(id) {
                sync.enqueue(push_item(id, doc, synced));
            }
        }
        sync
    }

    /// Applies one effect of [`DeviceSync::handle_response`], in order.
    pub fn apply(
        &mut self,
        effect: DeviceEffect,
        sync: &mut DeviceSync,
    ) -> Result<(), DocumentError> {
        match effect {
            DeviceEffect::MarkSynced {
                doc_id,
                heads,
                seal,
            } => {
                if let Some((doc, synced)) = self.docs.get_mut(&doc_id) {
                    synced.acknowledge(doc, heads, seal);
                }
            }
            DeviceEffect::MergeRemote {
                doc_id,
                bytes,
                seal,
            } => {
                let local = self
                    .docs
                    .get_mut(&doc_id)
                    .map(|(doc, synced)| (doc, synced));
                if let Some(new) = merge_remote(local, &bytes, seal)? {
                    self.docs.insert(doc_id, new);
                }
            }
            DeviceEffect::Rejected { doc_id, rejection } => {
                self.rejected.insert(doc_id, rejection);
            }
            DeviceEffect::SendWholeDocument { doc_id } => {
                if let Some((doc, synced)) = self.docs.get_mut(&doc_id) {
                    sync.enqueue(whole_document_item(&doc_id, doc, synced));
                }
            }
            DeviceEffect::Erase { doc_id } => {
                sync.forget(&doc_id);
                self.docs.remove(&doc_id);
                self.rejected.remove(&doc_id);
            }
            DeviceEffect::ForgetSyncedState => {
                // Offer everything again; the server asks for what it lost.
                for (id, (doc, synced)) in &mut self.docs {
                    sync.enqueue(push_item(id, doc, synced));
                }
            }
            DeviceEffect::StoreCursor { cursor, acked } => {
                self.cursor = cursor;
                self.acked = acked;
            }
        }
        Ok(())
    }
}
