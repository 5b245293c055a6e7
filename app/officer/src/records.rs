//! Saving registrations on the phone: a new one becomes a new Automerge document, an
//! edit becomes an Automerge change on the newest stored copy (so a review comment that
//! arrived by sync while the form was open is kept; edits and sync answers take
//! `LocalDb::writer` in turn). Each save seals its record and summary, then writes them in
//! one strict IndexedDB transaction; it returns after the transaction is on disk.

use jemput_shared::api::registrations::HistoryEntry;
use jemput_shared::document::{ChangeAuthor, RegistrationDoc};
use jemput_shared::follow_up::FollowUp;
use jemput_shared::registration::{Registration, ReviewComment, ReviewStatus};

use crate::local_db::{DbError, LocalDb, StoredRecord, Summary, DOCS, SUMMARIES};
use crate::state::now_ms;

/// Stores a new registration (already validated by the form), recording `author` as its
/// creator in the document's history.
pub async fn save_new(
    db: &LocalDb,
    registration: &Registration,
    author: &ChangeAuthor,
) -> Result<Summary, DbError> {
    let mut doc = RegistrationDoc::create_by(registration, author, now_ms() as i64);
    let mut record = StoredRecord::new(&mut doc);
    let sealed = db
        .seal_record(&registration.id, &mut doc, &mut record)
        .await?;
    let tx = db.transaction(&[DOCS, SUMMARIES], true)?;
    sealed.put(&tx).await?;
    LocalDb::commit(tx).await?;
    Ok(sealed.plain_summary)
}

/// What the officer changed, applied to the newest stored copy.
pub struct OfficerEdit {
    /// The officer, named in the document's history.
    pub author: ChangeAuthor,
    pub form: Registration,
    /// A reply to the reviewer, added as the officer's own comment.
    pub reply: Option<ReviewComment>,
    /// Sends a record marked "needs correction" back for review.
    pub resubmit: bool,
}

pub async fn save_edit(db: &LocalDb, id: &str, edit: OfficerEdit) -> Result<Summary, DbError> {
    change(db, id, &edit.author, |latest| {
        copy_officer_fields(latest, &edit.form);
        if let Some(reply) = edit.reply {
            latest.review.comments.push(reply);
        }
        if edit.resubmit && latest.review.status == ReviewStatus::NeedsCorrection {
            latest.review.status = ReviewStatus::Submitted;
        }
    })
    .await
}

/// Records a follow-up step on the newest stored copy (its own Automerge change, like an
/// edit: a step or comment that arrived by sync meanwhile is kept), durable on return.
pub async fn save_follow_up(
    db: &LocalDb,
    id: &str,
    author: &ChangeAuthor,
    follow_up: FollowUp,
) -> Result<Summary, DbError> {
    change(db, id, author, |latest| latest.follow_ups.push(follow_up)).await
}

/// Applies `edit` to record `id`'s newest stored copy as one change by `author`, and
/// writes record and summary in one strict transaction.
async fn change(
    db: &LocalDb,
    id: &str,
    author: &ChangeAuthor,
    edit: impl FnOnce(&mut Registration),
) -> Result<Summary, DbError> {
    let _writer = db.writer.lock().await;
    let mut record = db
        .record(id)
        .await?
        .ok_or_else(|| DbError::Corrupt(format!("record {id} is missing")))?;
    let mut doc = record.doc()?;
    doc.edit_by(author, now_ms() as i64, edit)
        .map_err(|e| DbError::Corrupt(e.to_string()))?;
    // A change is a new version: the server gets to judge it again.
    record.rejected = None;
    let sealed = db.seal_record(id, &mut doc, &mut record).await?;
    let tx = db.transaction(&[DOCS, SUMMARIES], true)?;
    sealed.put(&tx).await?;
    LocalDb::commit(tx).await?;
    Ok(sealed.plain_summary)
}

pub async fn load(db: &LocalDb, id: &str) -> Result<Option<Registration>, DbError> {
    let Some(record) = db.record(id).await? else {
        return Ok(None);
    };
    let doc = record.doc()?;
    doc.read()
        .map(Some)
        .map_err(|e| DbError::Corrupt(e.to_string()))
}

/// Registration `id`'s history from its document on the phone: who changed which
/// fields how, as the phone's changes say (the server's receipts are not here).
pub async fn history(db: &LocalDb, id: &str) -> Result<Vec<HistoryEntry>, DbError> {
    let Some(record) = db.record(id).await? else {
        return Ok(Vec::new());
    };
    let mut doc = record.doc()?;
    Ok(jemput_shared::history::readable_history(&mut doc))
}

/// Copies what an officer may edit; identity, review, duplicate marks and follow-ups
/// (recorded on their own form, and perhaps arrived by sync since this one was opened)
/// stay as stored.
fn copy_officer_fields(latest: &mut Registration, form: &Registration) {
    let keep = Registration {
        follow_ups: latest.follow_ups.clone(),
        id: latest.id.clone(),
        registered_by: latest.registered_by.clone(),
        assigned_officer: latest.assigned_officer.clone(),
        device_id: latest.device_id.clone(),
        created_at: latest.created_at,
        receipt_number: latest.receipt_number.clone(),
        review: latest.review.clone(),
        duplicate_of: latest.duplicate_of.clone(),
        deleted: latest.deleted.clone(),
        consent: if latest.consent.given {
            latest.consent.clone()
        } else {
            form.consent.clone()
        },
        ..form.clone()
    };
    *latest = keep;
}
