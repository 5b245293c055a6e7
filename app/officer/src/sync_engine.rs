//! One sync session over `fetch` and IndexedDB: the browser's runtime for the shared
//! sans-IO [`DeviceSync`]. Pending documents are queued, requests go out one at a time
//! (each bounded in bytes, so a dropped link loses at most one batch), and each answer's
//! effects are applied in one strict IndexedDB transaction, documents before the cursor
//! that follows them (the records they touch are read and opened first, and sealed
//! again before that transaction opens, under `LocalDb::writer`). Anything interrupted
//! is simply offered again next time.

use std::collections::HashMap;

use jemput_shared::sync::device::{
    merge_remote, push_item, whole_document_item, DeviceEffect, DeviceSync, SyncLimits,
};
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::wire;
use serde::{Deserialize, Serialize};

use crate::api::{self, ApiFailure};
use crate::i18n::{l, Lang};
use crate::local_db::{
    delete_record, pending_ids, DbError, LocalDb, StoredRecord, DOCS, META, SUMMARIES,
};

const CURSORS: &str = "cursors";
/// Pending documents read from IndexedDB at a time.
const CHUNK: usize = 200;
/// Answers may inflate to at most this (the server sends at most 4 MiB of documents).
const MAX_INFLATED_RESPONSE: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum SyncFailure {
    Api(ApiFailure),
    Db(DbError),
    Protocol(String),
}

impl SyncFailure {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            SyncFailure::Api(failure) => failure.describe(lang),
            SyncFailure::Db(error) => error.describe(lang),
            SyncFailure::Protocol(detail) => format!(
                "{} ({detail})",
                l(
                    lang,
                    "Jawaban server tidak dapat dipakai; coba lagi nanti",
                    "The server's answer could not be used; try again later"
                )
            ),
        }
    }
}

impl From<DbError> for SyncFailure {
    fn from(error: DbError) -> Self {
        SyncFailure::Db(error)
    }
}

impl From<idb::Error> for SyncFailure {
    fn from(error: idb::Error) -> Self {
        SyncFailure::Db(error.into())
    }
}

/// What a finished session did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub sent: usize,
    pub received: usize,
    pub refused: usize,
    /// Records the office erased, deleted from the phone.
    pub erased: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredCursors {
    cursor: Option<Cursor>,
    acked: Option<Cursor>,
}

/// Pushes everything pending and pulls everything new; `progress` is called after each
/// round trip. Fails on the first network or storage error: what was acknowledged
/// before stays acknowledged.
pub async fn sync_once(
    db: &LocalDb,
    token: &str,
    mut progress: impl FnMut(&SyncReport),
) -> Result<SyncReport, SyncFailure> {
    let stored: StoredCursors = match db.meta(CURSORS).await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => StoredCursors::default(),
    };
    let summaries = db.all_summaries().await?;
    let pending = pending_ids(&summaries);
    let mut report = SyncReport::default();
    let (mut cursor, mut acked) = (stored.cursor, stored.acked);
    // Documents are read in chunks, each in a short transaction, so a save made while a
    // long backlog goes out never waits behind it.
    let mut chunks = pending.chunks(CHUNK).peekable();
    loop {
        let mut sync = DeviceSync::new(cursor, acked, SyncLimits::default());
        if let Some(chunk) = chunks.next() {
            let records = db.records(chunk).await?;
            for id in chunk {
                if let Some(record) = records.get(id) {
                    let mut doc = record.doc()?;
                    sync.enqueue(push_item(id, &mut doc, &record.synced));
                }
            }
        }
        while let Some(request) = sync.poll_request() {
            let pushed = request.push.len();
            let body = wire::encode(&request);
            // What stays unsent once this request is answered: the server keeps the
            // count of the last answered one.
            let unsent = pending.len().saturating_sub(report.sent + pushed);
            let answer = match api::sync(token, &body, unsent).await {
                Ok(answer) => answer,
                Err(failure) => {
                    sync.handle_failure();
                    return Err(SyncFailure::Api(failure));
                }
            };
            let response = wire::decode(&answer, MAX_INFLATED_RESPONSE)
                .map_err(|e| SyncFailure::Protocol(e.to_string()))?;
            let effects = sync.handle_response(response);
            let counts = apply(db, effects, &mut sync).await?;
            report.sent += pushed.min(counts.acknowledged + counts.refused + counts.erased);
            report.erased += counts.erased;
            report.received += counts.merged;
            report.refused += counts.refused;
            progress(&report);
        }
        (cursor, acked) = (sync.cursor(), sync.acked());
        if chunks.peek().is_none() {
            return Ok(report);
        }
    }
}

#[derive(Default)]
struct Counts {
    acknowledged: usize,
    merged: usize,
    refused: usize,
    erased: usize,
}

/// Applies one answer's effects, in order, and writes what they changed in one strict
/// transaction: the records they touch are read and opened first, worked on in memory,
/// and sealed again before the transaction opens.
async fn apply(
    db: &LocalDb,
    effects: Vec<DeviceEffect>,
    sync: &mut DeviceSync,
) -> Result<Counts, SyncFailure> {
    let mut counts = Counts::default();
    if effects.is_empty() {
        return Ok(counts);
    }
    let _writer = db.writer.lock().await;
    let touched: Vec<String> = effects
        .iter()
        .filter_map(|effect| match effect {
            DeviceEffect::MarkSynced { doc_id, .. }
            | DeviceEffect::MergeRemote { doc_id, .. }
            | DeviceEffect::Rejected { doc_id, .. }
            | DeviceEffect::SendWholeDocument { doc_id } => Some(doc_id.clone()),
            _ => None,
        })
        .collect();
    let mut records = db.records(&touched).await?;
    // What changed, as documents, to seal and write at the end.
    let mut changed: HashMap<String, (jemput_shared::document::RegistrationDoc, StoredRecord)> =
        HashMap::new();
    let mut cursors = None;
    let mut erased = Vec::new();
    for effect in effects {
        match effect {
            DeviceEffect::MarkSynced {
                doc_id,
                heads,
                seal,
            } => {
                counts.acknowledged += 1;
                if let Some((mut doc, mut record)) = take(&mut changed, &mut records, &doc_id)? {
                    record.synced.acknowledge(&mut doc, heads, seal);
                    changed.insert(doc_id, (doc, record));
                }
            }
            DeviceEffect::MergeRemote {
                doc_id,
                bytes,
                seal,
            } => {
                counts.merged += 1;
                let (doc, record) = match take(&mut changed, &mut records, &doc_id)? {
                    Some((mut doc, mut record)) => {
                        merge_remote(Some((&mut doc, &mut record.synced)), &bytes, seal)
                            .map_err(|e| SyncFailure::Protocol(e.to_string()))?;
                        (doc, record)
                    }
                    None => {
                        let (doc, synced) = merge_remote(None, &bytes, seal)
                            .map_err(|e| SyncFailure::Protocol(e.to_string()))?
                            .expect("a new document comes back");
                        let record = StoredRecord {
                            bytes: Vec::new(),
                            synced,
                            rejected: None,
                        };
                        (doc, record)
                    }
                };
                changed.insert(doc_id, (doc, record));
            }
            DeviceEffect::Rejected { doc_id, rejection } => {
                counts.refused += 1;
                if let Some((doc, mut record)) = take(&mut changed, &mut records, &doc_id)? {
                    record.rejected = Some(rejection);
                    changed.insert(doc_id, (doc, record));
                }
            }
            DeviceEffect::SendWholeDocument { doc_id } => {
                if let Some((doc, record)) = changed.get_mut(&doc_id) {
                    sync.enqueue(whole_document_item(&doc_id, doc, &record.synced));
                } else if let Some(record) = records.get(&doc_id) {
                    let mut doc = record.doc()?;
                    sync.enqueue(whole_document_item(&doc_id, &mut doc, &record.synced));
                }
            }
            DeviceEffect::Erase { doc_id } => {
                counts.erased += 1;
                sync.forget(&doc_id);
                changed.remove(&doc_id);
                records.remove(&doc_id);
                erased.push(doc_id);
            }
            DeviceEffect::ForgetSyncedState => {
                for (id, record) in db.all_records().await? {
                    // The newest copy, if this answer changed it already.
                    if let Some((doc, record)) = changed.get_mut(&id) {
                        sync.enqueue(push_item(&id, doc, &record.synced));
                    } else {
                        let mut doc = record.doc()?;
                        sync.enqueue(push_item(&id, &mut doc, &record.synced));
                    }
                }
            }
            DeviceEffect::StoreCursor { cursor, acked } => {
                cursors = Some(
                    serde_json::to_string(&StoredCursors { cursor, acked })
                        .expect("cursors serialize"),
                );
            }
        }
    }
    let sealed = futures::future::try_join_all(
        changed
            .iter_mut()
            .map(|(id, (doc, record))| async move { db.seal_record(id, doc, record).await }),
    )
    .await?;
    let cursors = match cursors {
        Some(text) => Some(db.seal(META, CURSORS, text.as_bytes()).await?),
        None => None,
    };
    let tx = db.transaction(&[DOCS, SUMMARIES, META], true)?;
    for record in &sealed {
        record.put(&tx).await?;
    }
    for id in &erased {
        delete_record(&tx, id).await?;
    }
    if let Some(cursors) = cursors {
        tx.object_store(META)?
            .put(&cursors, Some(&wasm_bindgen::JsValue::from_str(CURSORS)))?
            .await?;
    }
    LocalDb::commit(tx).await?;
    Ok(counts)
}

/// The newest copy of `doc_id` in this answer: changed by an earlier effect, or as read.
fn take(
    changed: &mut HashMap<String, (jemput_shared::document::RegistrationDoc, StoredRecord)>,
    records: &mut HashMap<String, StoredRecord>,
    doc_id: &str,
) -> Result<Option<(jemput_shared::document::RegistrationDoc, StoredRecord)>, SyncFailure> {
    if let Some(entry) = changed.remove(doc_id) {
        return Ok(Some(entry));
    }
    match records.remove(doc_id) {
        Some(record) => Ok(Some((record.doc()?, record))),
        None => Ok(None),
    }
}
