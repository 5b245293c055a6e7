//! Receipts' keys and their verification (`jemput_shared::receipt`).
//!
//! Each officer's device gets at login its own receipt key, `HMAC(secret, device id)`,
//! the secret derived from the seal key under a label of its own (so it is neither a
//! device check nor a recovery key). Nothing is stored per device: the server derives a
//! payload's key again from the device id it names, so a restored backup verifies the
//! same receipts. A valid MAC proves the payload was signed with a key this server gave
//! that device; the device's user names the officer.

use jemput_shared::api::receipts::{ReceiptVerdict, VerifiedReceipt};
use jemput_shared::receipt::{ReceiptKey, SignedReceipt};

use crate::recovery::mac;
use crate::store::{Store, StoreError};

/// Derives devices' receipt keys and verifies receipts.
#[derive(Clone)]
pub struct ReceiptKeys {
    secret: [u8; 32],
}

impl ReceiptKeys {
    const LABEL: &'static [u8] = b"jemput receipt keys v1";

    /// The keys of a server whose seal key is `seal_key`.
    pub fn new(seal_key: &[u8; 32]) -> Self {
        ReceiptKeys {
            secret: mac(seal_key, &[Self::LABEL]),
        }
    }

    /// The receipt key of `device_id`.
    pub fn key_for(&self, device_id: &str) -> ReceiptKey {
        ReceiptKey::for_device(&self.secret, device_id)
    }

    /// What the server says of a receipt's QR payload: valid (signed by a device of this
    /// server, whose officer it names) or invalid.
    pub async fn verify(
        &self,
        store: &dyn Store,
        payload: &str,
    ) -> Result<ReceiptVerdict, StoreError> {
        let Ok(signed) = SignedReceipt::parse(payload) else {
            return Ok(ReceiptVerdict::Invalid);
        };
        let key = self.key_for(signed.device_id());
        let Ok(claim) = signed.verify(&key) else {
            return Ok(ReceiptVerdict::Invalid);
        };
        let Some(device) = store.device(&claim.device_id).await? else {
            return Ok(ReceiptVerdict::Invalid);
        };
        let Some(officer) = store.user_by_id(&device.user_id).await? else {
            return Ok(ReceiptVerdict::Invalid);
        };
        Ok(ReceiptVerdict::Valid(VerifiedReceipt {
            date: claim.iso_date(),
            number: claim.number.to_string(),
            name: claim.name,
            masked_nik: claim.masked_nik,
            officer: officer.display_name,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_keys_are_apart_from_checks_and_recovery_keys() {
        let seal = [7; 32];
        let key = ReceiptKeys::new(&seal).key_for("abc").encode();
        assert_ne!(
            key,
            crate::device_check::DeviceChecks::new(&seal).check_for("abc")
        );
        let recovery = crate::recovery::RecoveryKeys::new(&seal).key_for("", "abc");
        assert_ne!(ReceiptKey::decode(&key).unwrap().encode(), {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(recovery)
        });
        assert_ne!(ReceiptKeys::new(&[8; 32]).key_for("abc").encode(), key);
    }
}
