//! How much sync work runs at once: merge slots, and the queue of merged requests
//! waiting to commit.
//!
//! A sync request decodes, loads, merges, pulls and encodes while holding a merge slot
//! ([`SyncCapacity::slot`]): CPU work that allocates up to `limits::MAX_REQUEST_MEMORY`,
//! so there is one slot per core, plus [`SLOTS_BEYOND_CORES`] for the moments a holder
//! waits (for a read, for the writer when the commit queue is full), and never more than
//! [`SYNC_MERGE_MEMORY`] holds.
//!
//! Between its merge and its pull a request waits for the one database writer, which the
//! projector may hold for a transaction of a few thousand rows. A request that held its
//! slot meanwhile left a core idle: at a million stored registrations about a quarter of
//! the machine, during a rush of syncs (issue 13, docs/benchmarks.md). So a merged
//! request parks ([`SyncCapacity::park`]): it gives its slot to the next request and
//! holds instead its share of [`COMMIT_QUEUE_BYTES`], the memory of merged requests
//! waiting for the writer; when that is full, it keeps its slot and waits as before.
//! After its commit it gives the share back before it waits for a slot again
//! ([`SyncCapacity::resume`]), so nothing that holds one of the two ever waits for the
//! other, and the sync's memory stays within `slots × MAX_REQUEST_MEMORY +
//! COMMIT_QUEUE_BYTES`.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::metrics;

/// Memory sync requests may use at once while merging: one merge slot per
/// `limits::MAX_REQUEST_MEMORY`.
pub const SYNC_MERGE_MEMORY: usize = 192 * 1024 * 1024;
/// Merge slots beyond one per core. With one more on the 2-core machine a rush of syncs
/// ran 14–21 % faster, at a million stored and on an empty database alike, for 5–6 MB
/// more peak memory in the medians (at a million, two runs of nine peaked over 150 MB,
/// at 150.1 and 165.0; issue 13, stop 37, docs/benchmarks.md).
pub const SLOTS_BEYOND_CORES: usize = 1;
/// Memory merged requests may hold while they wait for the writer, beside the merging
/// ones ([`SyncCapacity::park`]).
pub const COMMIT_QUEUE_BYTES: usize = 64 * 1024 * 1024;

/// The merge slots and the commit queue. Cheap to clone.
#[derive(Clone)]
pub struct SyncCapacity {
    slots: Arc<Semaphore>,
    /// [`COMMIT_QUEUE_BYTES`], in KiB.
    commit_queue: Arc<Semaphore>,
    commit_queue_kib: u32,
}

/// One merge slot, held while a request decodes, merges, pulls and encodes.
#[must_use]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// A merged request waiting for its commit: it either gave its slot away and holds a
/// share of the commit queue, or kept its slot (the queue was full).
#[must_use]
pub enum Parked {
    Queued(OwnedSemaphorePermit),
    KeptSlot(Slot),
}

impl SyncCapacity {
    /// One slot per core plus [`SLOTS_BEYOND_CORES`], at most as many as
    /// [`SYNC_MERGE_MEMORY`] holds.
    pub fn new(cores: usize) -> SyncCapacity {
        let slots = (cores + SLOTS_BEYOND_CORES).clamp(
            1,
            SYNC_MERGE_MEMORY / jemput_shared::limits::MAX_REQUEST_MEMORY,
        );
        SyncCapacity::with_sizes(slots, COMMIT_QUEUE_BYTES)
    }

    fn with_sizes(slots: usize, commit_queue_bytes: usize) -> SyncCapacity {
        let commit_queue_kib = kib(commit_queue_bytes);
        SyncCapacity {
            slots: Arc::new(Semaphore::new(slots)),
            commit_queue: Arc::new(Semaphore::new(commit_queue_kib as usize)),
            commit_queue_kib,
        }
    }

    /// Waits for a merge slot (counted in `/metrics` while waiting).
    pub async fn slot(&self) -> Slot {
        let _waiting = metrics::Counted::merge_waiting();
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the merge slots are never closed");
        Slot { _permit: permit }
    }

    /// A merged request holding `held_bytes` is about to wait for the writer: it gives
    /// its slot to the next request if the commit queue has room for it, and keeps the
    /// slot otherwise. Never waits.
    pub fn park(&self, slot: Slot, held_bytes: usize) -> Parked {
        let share = kib(held_bytes).min(self.commit_queue_kib);
        match Arc::clone(&self.commit_queue).try_acquire_many_owned(share) {
            Ok(queued) => {
                drop(slot);
                Parked::Queued(queued)
            }
            Err(_) => Parked::KeptSlot(slot),
        }
    }

    /// After the commit: gives the queue share back, then waits for a slot.
    pub async fn resume(&self, parked: Parked) -> Slot {
        match parked {
            Parked::KeptSlot(slot) => slot,
            Parked::Queued(queued) => {
                drop(queued);
                self.slot().await
            }
        }
    }
}

/// A byte count as the KiB permits of a memory semaphore: rounded up, at least one,
/// saturating (a semaphore grants at most `u32::MAX` permits at once).
pub fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_parked_request_gives_its_slot_to_the_next_while_the_queue_has_room() {
        let capacity = SyncCapacity::with_sizes(1, 1024 * 1024);
        let first = capacity.slot().await;
        let parked = capacity.park(first, 100 * 1024);
        assert!(matches!(parked, Parked::Queued(_)));
        // The slot is free for another request's merge meanwhile.
        let second = capacity.slot().await;
        drop(second);
        let _again = capacity.resume(parked).await;
    }

    #[tokio::test]
    async fn with_the_queue_full_a_merged_request_keeps_its_slot() {
        let capacity = SyncCapacity::with_sizes(1, 1024 * 1024);
        let first = capacity.slot().await;
        let parked = capacity.park(first, 900 * 1024);
        let second = capacity.slot().await;
        // 900 KiB queued: 200 more do not fit, so this one waits with its slot.
        let kept = capacity.park(second, 200 * 1024);
        assert!(matches!(kept, Parked::KeptSlot(_)));
        assert!(
            capacity.slots.try_acquire().is_err(),
            "no slot was given away"
        );
        // The first to commit gives its share back before waiting for a slot, which the
        // second gives back once it has committed: neither waits on the other for ever.
        let kept_slot = capacity.resume(kept).await;
        let resuming = tokio::spawn({
            let capacity = capacity.clone();
            async move { drop(capacity.resume(parked).await) }
        });
        drop(kept_slot);
        resuming.await.unwrap();
    }

    #[tokio::test]
    async fn a_request_larger_than_the_queue_takes_all_of_it() {
        let capacity = SyncCapacity::with_sizes(1, 1024 * 1024);
        let slot = capacity.slot().await;
        let parked = capacity.park(slot, 50 * 1024 * 1024);
        assert!(matches!(parked, Parked::Queued(_)));
        assert_eq!(capacity.commit_queue.available_permits(), 0);
        drop(capacity.resume(parked).await);
        assert_eq!(capacity.commit_queue.available_permits(), 1024);
    }
}
