//! Seals: the server's signature (HMAC-SHA256 with a key only it holds) on "this document
//! at these heads passed my checks". Devices keep the seal of the state the server last
//! acknowledged or sent them and show it again when they offer the document.
//!
//! Why: after the server is restored from an older backup it has lost states it once
//! accepted — a supervisor's comment, say — and a device that kept them sends them back.
//! Judged as new edits by that device, they would break the rules (an officer cannot
//! write a supervisor's comment) and be refused, and the replicas would never converge.
//! A valid seal lets the server take the sealed state as already checked, and judge only
//! what the device adds beyond it. A forged seal does not verify, so it buys nothing.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::document::Hash;

/// HMAC-SHA256 truncated to 128 bits (as RFC 2104 allows): ample against forgery, and
/// every pulled document carries one.
pub type Seal = [u8; 16];

#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    pub fn new(key: [u8; 32]) -> Self {
        Sealer { key }
    }

    fn mac(&self, doc_id: &str, heads: &[Hash]) -> Hmac<Sha256> {
        let mut sorted = heads.to_vec();
        sorted.sort_unstable();
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(&(doc_id.len() as u32).to_le_bytes());
        mac.update(doc_id.as_bytes());
        for head in &sorted {
            mac.update(head);
        }
        mac
    }

    /// The seal of `doc_id` at `heads` (in any order).
    pub fn seal(&self, doc_id: &str, heads: &[Hash]) -> Seal {
        let full = self.mac(doc_id, heads).finalize().into_bytes();
        let mut seal = [0; 16];
        seal.copy_from_slice(&full[..16]);
        seal
    }

    /// True when `seal` is this server's seal of `doc_id` at `heads` (constant time).
    pub fn verify(&self, doc_id: &str, heads: &[Hash], seal: &Seal) -> bool {
        self.mac(doc_id, heads).verify_truncated_left(seal).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_verifies_for_the_same_document_and_heads_in_any_order() {
        let sealer = Sealer::new([7; 32]);
        let seal = sealer.seal("doc", &[[1; 32], [2; 32]]);
        assert!(sealer.verify("doc", &[[2; 32], [1; 32]], &seal));
    }

    #[test]
    fn a_seal_does_not_verify_for_other_heads_documents_or_keys() {
        let sealer = Sealer::new([7; 32]);
        let seal = sealer.seal("doc", &[[1; 32]]);
        assert!(!sealer.verify("doc", &[[2; 32]], &seal));
        assert!(!sealer.verify("other", &[[1; 32]], &seal));
        assert!(!Sealer::new([8; 32]).verify("doc", &[[1; 32]], &seal));
    }
}
