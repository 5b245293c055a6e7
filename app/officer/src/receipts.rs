//! What the phone keeps for citizens' receipts, sealed in the user's database like its
//! token: the device's receipt key (from the login, `jemput_shared::receipt`) and the
//! device's receipt sequence, so numbers stay unique across reloads and restarts.

use jemput_shared::receipt::{ReceiptKey, ReceiptNumber};
use serde::{Deserialize, Serialize};

use crate::local_db::{DbError, LocalDb};
use crate::settings::Session;

const KEY: &str = "receipt_key";
const SEQUENCE: &str = "receipt_sequence";

/// A device's receipt key, with the device it signs as.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredKey {
    device_id: String,
    key: String,
}

/// The last number a device gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSequence {
    device_id: String,
    last: u32,
}

/// Seals the receipt key a login brought (nothing when the session has none: a start,
/// not a login, or a server of an older version).
pub async fn keep_key(db: &LocalDb, session: &Session) {
    if session.receipt_key.is_empty() {
        return;
    }
    let stored = StoredKey {
        device_id: session.device_id.clone(),
        key: session.receipt_key.clone(),
    };
    let json = serde_json::to_string(&stored).expect("plain struct");
    if let Err(error) = db.set_meta(KEY, &json).await {
        web_sys::console::warn_1(&format!("cannot keep the receipt key: {error:?}").into());
    }
}

/// The device id and key that sign receipts here, if a login gave one.
pub async fn key(db: &LocalDb) -> Option<(String, ReceiptKey)> {
    let json = db.meta(KEY).await.ok()??;
    let stored: StoredKey = serde_json::from_str(&json).ok()?;
    Some((stored.device_id, ReceiptKey::decode(&stored.key)?))
}

/// The next registration number of `device_id`, counted up in the sealed database
/// before the record that carries it is saved (a number skipped by a failed save is
/// never given twice).
pub async fn next_number(db: &LocalDb, device_id: &str) -> Result<ReceiptNumber, DbError> {
    let _writer = db.writer.lock().await;
    let last = match db.meta(SEQUENCE).await? {
        Some(json) => serde_json::from_str::<StoredSequence>(&json)
            .ok()
            .filter(|s| s.device_id == device_id)
            .map_or(0, |s| s.last),
        None => 0,
    };
    let next = StoredSequence {
        device_id: device_id.to_owned(),
        last: last.saturating_add(1),
    };
    let json = serde_json::to_string(&next).expect("plain struct");
    db.set_meta(SEQUENCE, &json).await?;
    Ok(ReceiptNumber::new(device_id, next.last))
}
