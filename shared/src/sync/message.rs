//! The messages a device and the server exchange. One HTTP round trip carries one
//! [`SyncRequest`] up and one [`SyncResponse`] down; [`super::wire`] encodes them.

use serde::{Deserialize, Serialize};

use crate::document::Hash;
use crate::sync::seal::Seal;
use crate::validation::FieldProblem;

/// Bumped when the message shapes change incompatibly.
pub const PROTOCOL_VERSION: u16 = 1;

/// The header of a sync request in which the app says how many records it has not yet
/// sent (a decimal count). A header, not a field: the wire format is positional, and
/// apps that do not send it keep working. The server keeps the last count per device, so
/// after a lost phone the office knows what to re-register.
pub const UNSENT_HEADER: &str = "x-jemput-unsent";

/// The [`Rejection::code`] of a push to a document the office erased (a citizen's
/// request, or the end of its retention): the device deletes its copy, whatever it
/// changed in it, and never offers it again. A phone that was offline during the
/// erasure thus cannot bring the data back.
pub const ERASED: &str = "erased";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u16,
    /// Documents changed on the device, each with the changes the server lacks.
    pub push: Vec<PushItem>,
    /// Asks for what changed in the device's scope since `cursor`.
    pub pull: Option<PullRequest>,
}

/// One document's changes, sent up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushItem {
    pub doc_id: String,
    /// Heads the device believes the server holds (empty: the server has nothing).
    pub base: Vec<Hash>,
    /// The device's heads once `changes` are applied: what the server acknowledges.
    /// Empty when `changes` is a whole document: then its own heads are meant.
    pub heads: Vec<Hash>,
    /// Automerge changes after `base` (or a whole saved document when `base` is empty).
    #[serde(with = "serde_bytes_compat")]
    pub changes: Vec<u8>,
    /// States of this document the server sealed for this device (see
    /// [`crate::sync::seal`]); usually one.
    pub vouched: Vec<Vouched>,
}

/// A document state the server once accepted, with its seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vouched {
    pub heads: Vec<Hash>,
    pub seal: Seal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    /// `None` on a device's first pull (or after a reset): everything in scope.
    pub cursor: Option<Cursor>,
    /// Upper bound of document bytes in the answer, so one dropped response costs little.
    pub max_bytes: u32,
    /// The latest change-log position the server acknowledged to this device. A server
    /// that does not know it lost acknowledged changes (it was restored from a backup)
    /// and answers with `reset`.
    pub acked: Option<Cursor>,
}

/// A position in the server's change log: the sequence number of the last change the
/// device has seen, and a random check value stored with that change. A server restored
/// from an older backup reuses sequence numbers with other check values, so it can tell
/// that a device's cursor is not from its own history and start that device afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub seq: u64,
    pub check: u64,
    /// The version of the user's scope the cursor was issued under (the server's
    /// business): a cursor from before the user's areas changed misses documents that
    /// entered the scope, so the device then pulls its whole scope again.
    pub scope: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// One result per pushed item, in order.
    pub results: Vec<PushResult>,
    /// A change-log position at or after every change acknowledged in `results`.
    pub committed_through: Option<Cursor>,
    pub pull: Option<PullResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub doc_id: String,
    pub outcome: PushOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PushOutcome {
    /// The server has committed a document containing `heads`, and sealed them.
    Committed { heads: Vec<Hash>, seal: Seal },
    /// The server lacks changes `base` claimed it had (e.g. it was restored from a
    /// backup): send the whole document.
    NeedsFullDocument,
    /// The change was refused; nothing was stored. The device keeps its copy.
    Rejected(Rejection),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Stable machine code, e.g. `invalid_registration`, `forbidden`, `corrupt`.
    pub code: String,
    pub message_id: String,
    pub message_en: String,
    /// Field problems when the merged registration failed validation.
    pub problems: Vec<FieldProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Documents changed since the cursor, whole (a device merges them idempotently).
    pub docs: Vec<PulledDoc>,
    /// Where the next pull continues. Stored by the device only after `docs` are stored.
    pub cursor: Option<Cursor>,
    /// More changes wait: pull again.
    pub more: bool,
    /// The device's cursor is not from this server's history: the device must offer all
    /// its documents again; `docs` starts from the beginning of its scope.
    pub reset: bool,
    /// Documents erased since the cursor (their ids only): the device deletes its copies.
    /// Last in the message, so an app from before erasure decodes the rest.
    pub erased: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledDoc {
    pub doc_id: String,
    #[serde(with = "serde_bytes_compat")]
    pub bytes: Vec<u8>,
    /// The server's seal of the document at its heads.
    pub seal: Seal,
}

/// Encodes byte vectors as one length-prefixed blob instead of a sequence of numbers.
mod serde_bytes_compat {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_bytes(Visitor)
    }
}
