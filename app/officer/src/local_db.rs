//! The phone's copy of the registrations, in IndexedDB: one database per user (so two
//! officers sharing a phone never mix their records), with four object stores:
//!
//! - `docs`: document id → the Automerge document and what the server is known to hold
//!   of it ([`StoredRecord`], postcard bytes);
//! - `summaries`: document id → the few fields the list shows ([`Summary`], JSON), so the
//!   list of thousands of records opens without loading any document;
//! - `meta`: small values such as the pull cursor, the cached region list and the
//!   session token;
//! - `keys`: the [`Keyring`] (the data key wrapped by the PIN), the only value in clear.
//!
//! Every value of the first three is sealed by the user's data key ([`Vault`], AES-GCM
//! through WebCrypto), each on its own: a save seals one document and one summary, never
//! the whole database. WebCrypto answers asynchronously and an IndexedDB transaction
//! commits by itself once nothing is pending, so values are sealed *before* a write
//! transaction opens ([`SealedRecord`]) and opened *after* a read one. A read-modify-write
//! (an edit, a sync answer) therefore spans two transactions; [`LocalDb::writer`] keeps
//! such writers one at a time, so none overwrites another's change.
//!
//! Writes that must survive a dead battery use `durability: "strict"` transactions, and
//! a write returns only after its transaction's `complete` event: when "Simpan" returns,
//! the record is on disk.

use std::cell::RefCell;
use std::collections::HashMap;

use futures::future::try_join_all;
use idb::{Database, DatabaseEvent as _, Factory, ObjectStoreParams, Transaction, TransactionMode};
use jemput_shared::document::RegistrationDoc;
use jemput_shared::likeness::Person;
use jemput_shared::policy::officer_may_change;
use jemput_shared::registration::Registration;
use jemput_shared::sync::device::SyncedState;
use jemput_shared::sync::message::Rejection;
use jemput_shared::work_list::DueFacts;
use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{l, Lang};
use crate::vault::{CryptoError, Keyring, Vault};

pub const DOCS: &str = "docs";
pub const SUMMARIES: &str = "summaries";
pub const META: &str = "meta";
pub const KEYS: &str = "keys";
const VERSION: u32 = 1;
/// The keyring's key in `keys`.
const PIN_KEYRING: &str = "pin";

/// Why a read or write failed. The quota case gets its own words: the officer must
/// free space, and nothing was saved.
#[derive(Debug, Clone, PartialEq)]
pub enum DbError {
    QuotaExceeded,
    Unavailable(String),
    Corrupt(String),
    /// The data key is not unlocked (the PIN screen is up).
    Locked,
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
            DbError::Locked => l(
                lang,
                "Aplikasi terkunci: masukkan PIN.",
                "The app is locked: enter the PIN.",
            )
            .to_owned(),
        }
    }
}

impl From<CryptoError> for DbError {
    fn from(error: CryptoError) -> Self {
        match error {
            CryptoError::Rejected => DbError::Corrupt("a sealed value does not open".into()),
            other => DbError::Unavailable(format!("{other:?}")),
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

    fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("records serialize")
    }

    fn decode(bytes: &[u8]) -> Result<Self, DbError> {
        postcard::from_bytes(bytes).map_err(|e| DbError::Corrupt(e.to_string()))
    }
}

/// What the list shows of a registration, kept beside its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub full_name: String,
    pub nik: String,
    /// `YYYY-MM-DD`, for the duplicate warning (`jemput_shared::likeness`); empty in a
    /// summary stored before this was kept, until the record next changes.
    #[serde(default)]
    pub birth_date: String,
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
    /// What the work list asks each day (`jemput_shared::work_list`), so it opens no
    /// document; empty in a summary stored before this was kept, until the record next
    /// changes.
    #[serde(default)]
    pub due: DueFacts,
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

    /// What the duplicate rules read of it.
    pub fn person(&self) -> Person<'_> {
        Person {
            nik: &self.nik,
            full_name: &self.full_name,
            birth_date: &self.birth_date,
            village: &self.village,
        }
    }

    pub fn of(registration: &Registration, record: &StoredRecord, pending: bool) -> Self {
        Summary {
            id: registration.id.clone(),
            full_name: registration.full_name.clone(),
            nik: registration.nik.clone(),
            birth_date: registration.birth_date.clone(),
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
            due: DueFacts::of(registration),
        }
    }
}

/// The user's database, opened (and created or upgraded) once per page load; its
/// sealed values read and write only once [`LocalDb::unlock`] gave it the data key.
#[derive(Debug)]
pub struct LocalDb {
    db: Database,
    /// The same connection, for what the `idb` crate does not expose (durability).
    raw: web_sys::IdbDatabase,
    vault: RefCell<Option<Vault>>,
    /// Held by whoever reads a record to write it back (an edit, a sync answer).
    pub writer: futures::lock::Mutex<()>,
}

/// The database of `user_id`'s records on this phone.
fn database_name(user_id: &str) -> String {
    format!("jemput-sealed-{user_id}")
}

/// Where an older version of the app kept `user_id`'s records, in clear.
fn legacy_database_name(user_id: &str) -> String {
    format!("jemput-{user_id}")
}

/// A value sealed at its place, as IndexedDB keeps it.
fn place(store: &str, key: &str) -> String {
    format!("{store}/{key}")
}

impl LocalDb {
    pub async fn open(user_id: &str) -> Result<LocalDb, DbError> {
        let factory = Factory::new()?;
        let mut request = factory.open(&database_name(user_id), Some(VERSION))?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            let existing = db.store_names();
            for name in [DOCS, SUMMARIES, META, KEYS] {
                if !existing.iter().any(|n| n == name) {
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        let raw: web_sys::IdbDatabase = request.await?.into();
        Ok(LocalDb {
            db: Database::from(raw.clone()),
            raw,
            vault: RefCell::new(None),
            writer: futures::lock::Mutex::new(()),
        })
    }

    /// Deletes `user_id`'s database from this phone: records, keys and all.
    pub async fn delete(user_id: &str) -> Result<(), DbError> {
        Factory::new()?.delete(&database_name(user_id))?.await?;
        Ok(())
    }

    /// Deletes `user_id`'s database and any clear one an older version left (logout and
    /// remote wipe: nothing of theirs may stay).
    pub async fn delete_all(user_id: &str) -> Result<(), DbError> {
        Self::delete(user_id).await?;
        Factory::new()?
            .delete(&legacy_database_name(user_id))?
            .await?;
        Ok(())
    }

    /// Moves what an older version of the app kept in clear for `user_id` (its own
    /// database, same stores) into this one, sealed, then deletes the old database; the
    /// number of records moved. Runs once the first PIN is set, so an update loses no
    /// unsent record.
    pub async fn adopt_legacy(&self, user_id: &str) -> Result<usize, DbError> {
        let factory = Factory::new()?;
        let name = legacy_database_name(user_id);
        let created = std::rc::Rc::new(std::cell::Cell::new(false));
        let mut request = factory.open(&name, None)?;
        let mark = created.clone();
        request.on_upgrade_needed(move |event| {
            mark.set(event.old_version().unwrap_or(0) == 0);
        });
        let old = request.await?;
        let stores = old.store_names();
        let mut sealed = Vec::new();
        let mut records = 0;
        if !created.get()
            && [DOCS, SUMMARIES, META]
                .iter()
                .all(|s| stores.iter().any(|n| n == s))
        {
            let tx = old.transaction(&[DOCS, SUMMARIES, META], TransactionMode::ReadOnly)?;
            let mut plain = Vec::new();
            for store in [DOCS, SUMMARIES, META] {
                let object_store = tx.object_store(store)?;
                let keys = object_store.get_all_keys(None, None)?.await?;
                let values = object_store.get_all(None, None)?.await?;
                for (key, value) in keys.into_iter().zip(values) {
                    let bytes = match (value.dyn_ref::<Uint8Array>(), value.as_string()) {
                        (Some(array), _) => array.to_vec(),
                        (None, Some(text)) => text.into_bytes(),
                        _ => continue,
                    };
                    records += usize::from(store == DOCS);
                    plain.push((store, key.as_string().unwrap_or_default(), bytes));
                }
            }
            drop(tx);
            sealed = try_join_all(plain.iter().map(|(store, key, bytes)| async move {
                Ok::<_, DbError>((*store, key.clone(), self.seal(store, key, bytes).await?))
            }))
            .await?;
        }
        old.close();
        if !sealed.is_empty() {
            let tx = self.transaction(&[DOCS, SUMMARIES, META], true)?;
            for (store, key, value) in &sealed {
                tx.object_store(store)?
                    .put(value, Some(&JsValue::from_str(key)))?
                    .await?;
            }
            LocalDb::commit(tx).await?;
        }
        factory.delete(&name)?.await?;
        Ok(records)
    }

    /// Closes the connection (a deletion waits for every connection to close).
    pub fn close(&self) {
        self.vault.borrow_mut().take();
        self.raw.close();
    }

    /// From now on values are sealed and opened with `vault`.
    pub fn unlock(&self, vault: Vault) {
        *self.vault.borrow_mut() = Some(vault);
    }

    fn vault(&self) -> Result<Vault, DbError> {
        self.vault.borrow().clone().ok_or(DbError::Locked)
    }

    /// The data key wrapped by the PIN, once a PIN was set on this phone.
    pub async fn keyring(&self) -> Result<Option<Keyring>, DbError> {
        let tx = self.transaction(&[KEYS], false)?;
        let value = tx
            .object_store(KEYS)?
            .get(JsValue::from_str(PIN_KEYRING))?
            .await?;
        value
            .and_then(|v| v.as_string())
            .map(|text| serde_json::from_str(&text).map_err(|e| DbError::Corrupt(e.to_string())))
            .transpose()
    }

    pub async fn store_keyring(&self, keyring: &Keyring) -> Result<(), DbError> {
        let text = serde_json::to_string(keyring).expect("keyrings serialize");
        let tx = self.transaction(&[KEYS], true)?;
        tx.object_store(KEYS)?
            .put(
                &JsValue::from_str(&text),
                Some(&JsValue::from_str(PIN_KEYRING)),
            )?
            .await?;
        LocalDb::commit(tx).await
    }

    /// `plain`, sealed for `store`/`key`.
    pub async fn seal(&self, store: &str, key: &str, plain: &[u8]) -> Result<JsValue, DbError> {
        let sealed = self.vault()?.seal(&place(store, key), plain).await?;
        Ok(Uint8Array::from(sealed.as_slice()).into())
    }

    /// What [`LocalDb::seal`] sealed for `store`/`key`.
    pub async fn open_value(
        &self,
        store: &str,
        key: &str,
        value: &JsValue,
    ) -> Result<Vec<u8>, DbError> {
        let array: &Uint8Array = value
            .dyn_ref()
            .ok_or_else(|| DbError::Corrupt(format!("{store}/{key} is not sealed bytes")))?;
        let vault = self.vault()?;
        Ok(vault.open(&place(store, key), &array.to_vec()).await?)
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

    /// Every summary, opened side by side (WebCrypto works them in parallel).
    pub async fn all_summaries(&self) -> Result<Vec<Summary>, DbError> {
        let tx = self.transaction(&[SUMMARIES], false)?;
        let store = tx.object_store(SUMMARIES)?;
        let keys = store.get_all_keys(None, None)?.await?;
        let values = store.get_all(None, None)?.await?;
        drop(tx);
        let opened = try_join_all(keys.iter().zip(values.iter()).map(|(key, value)| {
            let key = key.as_string().unwrap_or_default();
            async move { self.open_value(SUMMARIES, &key, value).await }
        }))
        .await?;
        opened
            .iter()
            .map(|bytes| serde_json::from_slice(bytes).map_err(|e| DbError::Corrupt(e.to_string())))
            .collect()
    }

    pub async fn record(&self, id: &str) -> Result<Option<StoredRecord>, DbError> {
        Ok(self.records(&[id.to_owned()]).await?.remove(id))
    }

    /// The records of `ids` that exist, read in one transaction and opened side by side.
    pub async fn records(&self, ids: &[String]) -> Result<HashMap<String, StoredRecord>, DbError> {
        let tx = self.transaction(&[DOCS], false)?;
        let store = tx.object_store(DOCS)?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(value) = store.get(JsValue::from_str(id))?.await? {
                found.push((id.clone(), value));
            }
        }
        drop(tx);
        self.open_records(found).await
    }

    /// Every record, for the rare sync that must offer everything again.
    pub async fn all_records(&self) -> Result<HashMap<String, StoredRecord>, DbError> {
        let tx = self.transaction(&[DOCS], false)?;
        let store = tx.object_store(DOCS)?;
        let keys = store.get_all_keys(None, None)?.await?;
        let values = store.get_all(None, None)?.await?;
        drop(tx);
        let found = keys
            .into_iter()
            .zip(values)
            .map(|(k, v)| (k.as_string().unwrap_or_default(), v))
            .collect();
        self.open_records(found).await
    }

    async fn open_records(
        &self,
        found: Vec<(String, JsValue)>,
    ) -> Result<HashMap<String, StoredRecord>, DbError> {
        try_join_all(found.into_iter().map(|(id, value)| async move {
            let bytes = self.open_value(DOCS, &id, &value).await?;
            Ok::<_, DbError>((id, StoredRecord::decode(&bytes)?))
        }))
        .await
        .map(|records| records.into_iter().collect())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        let tx = self.transaction(&[META], false)?;
        let value = tx.object_store(META)?.get(JsValue::from_str(key))?.await?;
        drop(tx);
        let Some(value) = value else { return Ok(None) };
        let bytes = self.open_value(META, key, &value).await?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| DbError::Corrupt(e.to_string()))
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), DbError> {
        let sealed = self.seal(META, key, value.as_bytes()).await?;
        let tx = self.transaction(&[META], true)?;
        tx.object_store(META)?
            .put(&sealed, Some(&JsValue::from_str(key)))?
            .await?;
        LocalDb::commit(tx).await
    }

    pub async fn delete_meta(&self, key: &str) -> Result<(), DbError> {
        let tx = self.transaction(&[META], true)?;
        tx.object_store(META)?
            .delete(JsValue::from_str(key))?
            .await?;
        LocalDb::commit(tx).await
    }

    /// Seals a record and its summary for writing (before the write transaction opens).
    pub async fn seal_record(
        &self,
        id: &str,
        doc: &mut RegistrationDoc,
        record: &mut StoredRecord,
    ) -> Result<SealedRecord, DbError> {
        record.bytes = doc.save();
        let registration = doc.read().map_err(|e| DbError::Corrupt(e.to_string()))?;
        let pending = doc.heads() != record.synced.heads;
        let summary = Summary::of(&registration, record, pending);
        let json = serde_json::to_vec(&summary).expect("summaries serialize");
        let encoded = record.encode();
        let (sealed_record, sealed_summary) = futures::future::try_join(
            self.seal(DOCS, id, &encoded),
            self.seal(SUMMARIES, id, &json),
        )
        .await?;
        Ok(SealedRecord {
            id: id.to_owned(),
            record: sealed_record,
            summary: sealed_summary,
            plain_summary: summary,
        })
    }
}

/// A record and its summary, sealed, ready for a write transaction over `docs` and
/// `summaries`.
pub struct SealedRecord {
    id: String,
    record: JsValue,
    summary: JsValue,
    pub plain_summary: Summary,
}

impl SealedRecord {
    /// Writes both inside a running transaction over `docs` and `summaries`.
    pub async fn put(&self, tx: &Transaction) -> Result<(), DbError> {
        let key = JsValue::from_str(&self.id);
        tx.object_store(DOCS)?
            .put(&self.record, Some(&key))?
            .await?;
        tx.object_store(SUMMARIES)?
            .put(&self.summary, Some(&key))?
            .await?;
        Ok(())
    }
}

/// Deletes a record and its summary inside a running transaction over `docs` and
/// `summaries` (a record the office erased).
pub async fn delete_record(tx: &Transaction, id: &str) -> Result<(), DbError> {
    let key = JsValue::from_str(id);
    tx.object_store(DOCS)?.delete(key.clone())?.await?;
    tx.object_store(SUMMARIES)?.delete(key)?.await?;
    Ok(())
}

/// Ids of the records with changes the server has not acknowledged, from the summaries.
pub fn pending_ids(summaries: &[Summary]) -> Vec<String> {
    summaries
        .iter()
        .filter(|s| s.pending && s.rejected.is_none())
        .map(|s| s.id.clone())
        .collect()
}
