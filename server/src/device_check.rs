//! Device checks: a phone's proof that it is the device it says, without its token.
//!
//! An officer's token is sealed under the data key, so a locked app cannot use it. Yet a
//! locked phone must learn that an admin marked it lost (and wipe itself), and a new
//! login after a PIN lock-out should end the old device's token. At login the server
//! gives the device a check — an HMAC of the device id under a secret derived from the
//! seal key — which the app keeps in clear. The check opens nothing: it only asks "was I
//! marked lost?", confirms a wipe, or names the device a new login replaces. Nothing is
//! stored per device; a restored backup gives the same checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use jemput_shared::api::auth::DeviceCheck;
use sha2::Sha256;

use crate::recovery::mac;

/// Derives and verifies devices' checks.
#[derive(Clone)]
pub struct DeviceChecks {
    secret: [u8; 32],
}

impl DeviceChecks {
    const LABEL: &'static [u8] = b"jemput device checks v1";

    /// The checks of a server whose seal key is `seal_key`.
    pub fn new(seal_key: &[u8; 32]) -> Self {
        DeviceChecks {
            secret: mac(seal_key, &[Self::LABEL]),
        }
    }

    /// The check of `device_id` (URL-safe base64, no padding).
    pub fn check_for(&self, device_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.secret, &[device_id.as_bytes()]))
    }

    /// True when `proof` carries its device's check (compared in constant time).
    pub fn verify(&self, proof: &DeviceCheck) -> bool {
        if proof.device_id.len() > DeviceCheck::MAX_LENGTH
            || proof.check.len() > DeviceCheck::MAX_LENGTH
        {
            return false;
        }
        let Ok(check) = URL_SAFE_NO_PAD.decode(&proof.check) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(proof.device_id.as_bytes());
        mac.verify_slice(&check).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof(device_id: &str, check: String) -> DeviceCheck {
        DeviceCheck {
            device_id: device_id.to_owned(),
            check,
        }
    }

    #[test]
    fn a_check_proves_only_its_device_on_its_server() {
        let checks = DeviceChecks::new(&[7; 32]);
        let check = checks.check_for("device-1");
        assert!(checks.verify(&proof("device-1", check.clone())));
        assert!(!checks.verify(&proof("device-2", check.clone())));
        assert!(!DeviceChecks::new(&[8; 32]).verify(&proof("device-1", check.clone())));
        let mut bent = check.into_bytes();
        bent[0] = if bent[0] == b'A' { b'B' } else { b'A' };
        assert!(!checks.verify(&proof("device-1", String::from_utf8(bent).unwrap())));
        assert!(!checks.verify(&proof("device-1", "not base64!".into())));
        assert!(!checks.verify(&proof("device-1", String::new())));
        assert!(!checks.verify(&proof(&"d".repeat(65), checks.check_for(&"d".repeat(65)))));
    }

    #[test]
    fn checks_and_recovery_keys_are_apart() {
        let seal = [7; 32];
        let check = DeviceChecks::new(&seal).check_for("abc");
        let key = crate::recovery::RecoveryKeys::new(&seal).key_for("", "abc");
        assert_ne!(URL_SAFE_NO_PAD.decode(check).unwrap(), key.to_vec());
    }
}
