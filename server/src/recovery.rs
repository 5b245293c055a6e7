//! Phones' recovery keys, so a forgotten PIN never loses a record.
//!
//! An officer's phone seals its records with a data key that the PIN wraps (see the
//! officer app's `vault.rs`). It wraps the same data key a second time with a *recovery
//! key* that only the server can give: when the officer sets a PIN the phone picks a
//! random key id, asks `POST /api/auth/recovery-key` for that id's key, wraps, and forgets
//! the key. After a forgotten PIN the officer logs in with their password (online), the
//! phone asks again with its id and the new session, unwraps the data key and sets a new
//! PIN. A thief holding the locked phone has the id but no session: the token is sealed
//! under the data key too, so getting the key takes the officer's password.
//!
//! The server stores nothing per phone: a key is an HMAC of the user's id and the key id
//! under a secret derived from the seal key (kept in the settings, so a restored backup
//! gives the same keys). Deriving it with its own label keeps recovery keys and seals
//! apart, though both come from one stored secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Derives each phone's recovery key.
#[derive(Clone)]
pub struct RecoveryKeys {
    secret: [u8; 32],
}

impl RecoveryKeys {
    const LABEL: &'static [u8] = b"jemput phone recovery keys v1";

    /// The keys of a server whose seal key is `seal_key`.
    pub fn new(seal_key: &[u8; 32]) -> Self {
        RecoveryKeys {
            secret: mac(seal_key, &[Self::LABEL]),
        }
    }

    /// The recovery key of the phone that chose `key_id`, for `user_id` only.
    pub fn key_for(&self, user_id: &str, key_id: &str) -> [u8; 32] {
        let user_len = (user_id.len() as u32).to_le_bytes();
        mac(
            &self.secret,
            &[&user_len, user_id.as_bytes(), key_id.as_bytes()],
        )
    }
}

pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_depends_on_the_user_the_id_and_the_server() {
        let keys = RecoveryKeys::new(&[7; 32]);
        let siti = keys.key_for("user-1", "phone-key-0123456789");
        assert_eq!(siti, keys.key_for("user-1", "phone-key-0123456789"));
        assert_ne!(siti, keys.key_for("user-2", "phone-key-0123456789"));
        assert_ne!(siti, keys.key_for("user-1", "phone-key-0123456788"));
        assert_ne!(
            siti,
            RecoveryKeys::new(&[8; 32]).key_for("user-1", "phone-key-0123456789")
        );
        // The user's id and the key id cannot trade characters.
        assert_ne!(keys.key_for("ab", "c"), keys.key_for("a", "bc"));
    }
}
