//! The phone's copy of the registrations, in IndexedDB: one database per user (so two
//! officers sharing a phone never mix their records), with three object stores:
//!
//! - `docs`: document id → the Automerge document and what the server is known to hold
//!   of it ([`StoredRecord`], postcard bytes);
//! - `summaries`: document id → the few fields the list shows ([`Summary`], JSON), so the
//!   list of thousands of records opens without loading any document;
//! - `meta`: small values such as the pull cursor and the cached region list.
//!
//! Writes that must survive a dead battery use `durability: "strict"` transactions, and
//! a write returns only after its transaction's `complete` event: when "Simpan" returns,
//! the record is on disk.

use idb::{Database, DatabaseEvent as _, Factory, ObjectStoreParams, Transaction, TransactionMode};
use jemput_shared::document::RegistrationDoc;
use jemput_shared::policy::officer_may_change;
use jemput_shared::registration::Registration;
use jemput_shared::sync::device::SyncedState;
use jemput_shared::sync::message::Rejection;
use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{l, Lang};

pub const DOCS: &str = "docs";
pub const SUMMARIES: &str = "summaries";
pub const META: &str = "meta";
const VERSION: u32 = 1;

/// Why a read or write failed. The quota case gets its own words: the officer must
/// free space, and nothing was saved.
#[derive(Debug, Clone, PartialEq)]
pub enum DbError {
    QuotaExceeded,
    Unavailable(String),
    Corrupt(String),
}

impl DbError {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            DbError::QuotaExceeded => l(
                lang,
                "Penyimpanan ponsel penuh: data BELUM tersimpan. Kosongkan ruang (hapus foto atau aplikasi lain), lalu simpan lagi.",
                "The phone's storage is full: the data was NOT saved. Free some space (delete photos or other apps), then save again.",
            )
            .to_owned(),
            DbError::Unavailable(detail) => format!(
                "{} ({detail})",
                l(
                    lang,
                    "Penyimpanan browser tidak dapat dipakai; data belum tersimpan",
                    "The browser's storage cannot be used; the data was not saved",
                )
            ),
            DbError::Corrupt(detail) => format!(
                "{} ({detail})",
                l(lang, "Data lokal rusak", "Local data is damaged")
            ),
        }
    }
}

impl From<idb::Error> for DbError {
    fn from(error: idb::Error) -> Self {
        let text = format!("{error:?}");
        if text.contains("QuotaExceeded") {
            DbError::QuotaExceeded
        } else {
            DbError::Unavailable(text)
        }
    }
}

/// One document as kept on the phone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRecord {
    /// `RegistrationDoc::save`.
    pub bytes: Vec<u8>,
    pub synced: SyncedState,
    /// The server refused the current version; cleared by the next edit.
    pub rejected: Option<Rejection>,
}

impl StoredRecord {
    pub fn new(doc: &mut RegistrationDoc) -> Self {
        StoredRecord {
            bytes: doc.save(),
            synced: SyncedState::default(),
            rejected: None,
        }
    }

    pub fn doc(&self) -> Result<RegistrationDoc, DbError> {
        RegistrationDoc::load(&self.bytes).map_err(|e| DbError::Corrupt(e.to_string()))
    }

    fn to_js(&self) -> JsValue {
        let bytes = postcard::to_allocvec(self).expect("records serialize");
        Uint8Array::from(bytes.as_slice()).into()
    }

    fn from_js(value: &JsValue) -> Result<Self, DbError> {
        let array: &Uint8Array = value
            .dyn_ref()
            .ok_or_else(|| DbError::Corrupt("a record is not bytes".into()))?;
        postcard::from_bytes(&array.to_vec()).map_err(|e| DbError::Corrupt(e.to_string()))
    }
}

/// What the list shows of a registration, kept beside its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub full_name: String,
    pub nik: String,
    pub village: String,
    /// Review status code (`submitted`, `verified`, `needs_correction`, `rejected`).
    pub status: String,
    /// Changes the server has not acknowledged yet.
    pub pending: bool,
    /// The server's reason for refusing the record, in both languages.
    pub rejected: Option<(String, String)>,
    /// The latest review comment, if any.
    pub last_comment: Option<String>,
    pub created_at: i64,
    /// Who may change it among officers (`policy::officer_may_change`); empty in a
    /// summary stored before this was kept, until the record next changes.
    #[serde(default)]
    pub registered_by: String,
    #[serde(default)]
    pub assigned_officer: Option<String>,
}

impl Summary {
    /// True when the officer `user_id` may only view the record: another officer's that
    /// was not handed over to them. The form asks the document itself.
    pub fn view_only_for(&self, user_id: &str) -> bool {
        !self.registered_by.is_empty()
            && !officer_may_change(
                user_id,
                &self.registered_by,
                self.assigned_officer.as_deref(),
            )
    }

    pub fn of(registration: &Registration, record: &StoredRecord, pending: bool) -> Self {
        Summary {
            id: registration.id.clone(),
            full_name: registration.full_name.clone(),
            nik: registration.nik.clone(),
            village: registration.address.village.clone(),
            status: registration.review.status.code().to_owned(),
            pending,
            rejected: record
                .rejected
                .as_ref()
                .map(|r| (r.message_id.clone(), r.message_en.clone())),
            last_comment: registration
                .review
                .comments
                .iter()
                .max_by_key(|c| c.at)
                .map(|c| format!("{}: {}", c.author_name, c.text)),
            created_at: registration.created_at,
            registered_by: registration.registered_by.clone(),
            assigned_officer: registration.assigned_officer.clone(),
        }
    }
}

/// The user's database, opened (and created or upgraded) once per page load.
#[derive(Debug)]
pub struct LocalDb {
    db: Database,
    /// The same connection, for what the `idb` crate does not expose (durability).
    raw: web_sys::IdbDatabase,
}

impl LocalDb {
    pub async fn open(user_id: &str) -> Result<LocalDb, DbError> {
        let factory = Factory::new()?;
        let mut request = factory.open(&format!("jemput-{user_id}"), Some(VERSION))?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            let existing = db.store_names();
            for name in [DOCS, SUMMARIES, META] {
                if !existing.iter().any(|n| n == name) {
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        let raw: web_sys::IdbDatabase = request.await?.into();
        Ok(LocalDb {
            db: Database::from(raw.clone()),
            raw,
        })
    }

    /// A transaction over `stores`. Read-write ones are `strict`: the browser flushes
    /// them to disk before reporting them complete.
    pub fn transaction(&self, stores: &[&str], write: bool) -> Result<Transaction, DbError> {
        if !write {
            return Ok(self.db.transaction(stores, TransactionMode::ReadOnly)?);
        }
        let raw = &self.raw;
        let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"durability".into(), &"strict".into());
        let open: js_sys::Function = js_sys::Reflect::get(raw, &"transaction".into())
            .map_err(|e| DbError::Unavailable(format!("{e:?}")))?
            .unchecked_into();
        let tx = open
            .call3(raw, &names, &"readwrite".into(), &options)
            .map_err(|e| DbError::Unavailable(format!("{e:?}")))?;
        Ok(Transaction::from(
            tx.unchecked_into::<web_sys::IdbTransaction>(),
        ))
    }

    /// Waits until a read-write transaction is on disk.
    pub async fn commit(tx: Transaction) -> Result<(), DbError> {
        let result = tx.await?;
        if result.is_committed() {
            Ok(())
        } else {
            Err(DbError::Unavailable("the write was aborted".into()))
        }
    }

    pub async fn all_summaries(&self) -> Result<Vec<Summary>, DbError> {
        let tx = self.transaction(&[SUMMARIES], false)?;
        let values = tx.object_store(SUMMARIES)?.get_all(None, None)?.await?;
        let mut summaries = Vec::with_capacity(values.len());
        for value in values {
            let text = value.as_string().unwrap_or_default();
            match serde_json::from_str(&text) {
                Ok(summary) => summaries.push(summary),
                Err(e) => return Err(DbError::Corrupt(e.to_string())),
            }
        }
        Ok(summaries)
    }

    pub async fn record(&self, id: &str) -> Result<Option<StoredRecord>, DbError> {
        let tx = self.transaction(&[DOCS], false)?;
        get_record(&tx, id).await
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        let tx = self.transaction(&[META], false)?;
        let value = tx.object_store(META)?.get(JsValue::from_str(key))?.await?;
        Ok(value.and_then(|v| v.as_string()))
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), DbError> {
        let tx = self.transaction(&[META], true)?;
        tx.object_store(META)?
            .put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))?
            .await?;
        LocalDb::commit(tx).await
    }
}

/// Reads a record inside a running transaction.
pub async fn get_record(tx: &Transaction, id: &str) -> Result<Option<StoredRecord>, DbError> {
    let value = tx.object_store(DOCS)?.get(JsValue::from_str(id))?.await?;
    value.as_ref().map(StoredRecord::from_js).transpose()
}

/// Writes a record and its summary inside a running transaction over `docs` and
/// `summaries`.
pub async fn put_record(
    tx: &Transaction,
    id: &str,
    doc: &mut RegistrationDoc,
    record: &mut StoredRecord,
) -> Result<Summary, DbError> {
    record.bytes = doc.save();
    let registration = doc.read().map_err(|e| DbError::Corrupt(e.to_string()))?;
    let pending = doc.heads() != record.synced.heads;
    let summary = Summary::of(&registration, record, pending);
    let key = JsValue::from_str(id);
    tx.object_store(DOCS)?
        .put(&record.to_js(), Some(&key))?
        .await?;
    let json = serde_json::to_string(&summary).expect("summaries serialize");
    tx.object_store(SUMMARIES)?
        .put(&JsValue::from_str(&json), Some(&key))?
        .await?;
    Ok(summary)
}

/// Every record, for the rare sync that must offer everything again.
pub async fn all_records(tx: &Transaction) -> Result<Vec<(String, StoredRecord)>, DbError> {
    let store = tx.object_store(DOCS)?;
    let keys = store.get_all_keys(None, None)?.await?;
    let values = store.get_all(None, None)?.await?;
    keys.iter()
        .zip(values.iter())
        .map(|(k, v)| Ok((k.as_string().unwrap_or_default(), StoredRecord::from_js(v)?)))
        .collect()
}

/// Ids of the records with changes the server has not acknowledged, from the summaries.
pub fn pending_ids(summaries: &[Summary]) -> Vec<String> {
    summaries
        .iter()
        .filter(|s| s.pending && s.rejected.is_none())
        .map(|s| s.id.clone())
        .collect()
}
