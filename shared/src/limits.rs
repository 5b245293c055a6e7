//! Every size limit of the domain, defined once.
//!
//! The server refuses what passes them and the fuzz harness holds the server to the
//! memory they imply; the device keeps its requests inside them. Numbers are calibrated
//! against real registration documents (see the tests of [`crate::sync::admission`]):
//! a registration edited a few hundred times, with dozens of review comments, uses about
//! a tenth of each document limit.

/// Bytes of one registration document, saved whole without column compression (the form
/// devices push and the server stores). A heavily edited registration is ~50 KB.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Changes in one document's history. Loading a document caches a vector clock over its
/// actors every 16 changes, so memory grows with changes × actors: both stay bounded.
pub const MAX_DOCUMENT_CHANGES: u64 = 4_000;

/// Automerge operations in one document (every field write, list insert and delete).
/// Also bounds the operation counters a document may declare.
pub const MAX_DOCUMENT_OPS: u64 = 60_000;

/// Distinct actors (editing sessions: each load of a document on a phone or the server
/// starts a new one) in one document; never more than its changes.
pub const MAX_DOCUMENT_ACTORS: u64 = MAX_DOCUMENT_CHANGES;

/// Bytes of one actor id. Automerge makes 16-byte ids; each change a document expands to
/// repeats the ids it uses, so a long one would be multiplied.
pub const MAX_ACTOR_ID_BYTES: usize = 32;

/// Bytes of text (map keys, change messages, mark names) a document's run-length encoded
/// columns expand to. A key written by many operations is stored once and repeated by a
/// run; loading repeats it per operation.
pub const MAX_DOCUMENT_EXPANDED_TEXT: u64 = 4 * MAX_DOCUMENT_BYTES as u64;

/// Pushed bytes a device puts in one sync request before starting another (one document
/// larger than this still goes alone).
pub const DEVICE_BATCH_BYTES: usize = 256 * 1024;

/// Items (documents) in one sync request; a device sends far fewer.
pub const MAX_PUSH_ITEMS: usize = 5_000;

/// Heads (and base heads) one pushed item may name: a document has a handful.
pub const MAX_ITEM_HEADS: usize = 64;

/// Sealed states one pushed item may show; a device keeps four.
pub const MAX_ITEM_VOUCHED: usize = 8;

/// A sync request's message once inflated: a device batch plus one whole document at the
/// limit, and room for ids, heads and seals.
pub const MAX_INFLATED_REQUEST: usize = DEVICE_BATCH_BYTES + MAX_DOCUMENT_BYTES + 768 * 1024;

/// A sync request's body as sent (deflated). Deflate adds at most a few bytes per 64 KB
/// block to data it cannot compress.
pub const MAX_SYNC_BODY: usize = MAX_INFLATED_REQUEST + 64 * 1024;

/// Stored document bytes one sync request may bring into memory to merge into. A request
/// naming more leaves the rest unanswered; the device sends them again in its next
/// request.
pub const MAX_REQUEST_STORED_BYTES: usize = 8 * 1024 * 1024;

/// Document bytes in one pull answer, whatever the device asks.
pub const MAX_PULL_BYTES: u32 = 4 * 1024 * 1024;

/// Heap one sync request may use while it is merged and answered, whatever it contains:
/// its inflated message, the stored documents it loads, Automerge's working memory for
/// one document at a time, the merged documents to commit, and its pull answer. The fuzz
/// harness (`cargo xtask fuzz`) fails on any input that makes the server pass it; the
/// server runs as many merges at once as its merge memory holds.
pub const MAX_REQUEST_MEMORY: usize = 64 * 1024 * 1024;
