//! The sync protocol between a device and the server, as sans-IO state machines.
//!
//! A device pushes the documents it changed — only the changes the server lacks, in
//! batches bounded in bytes — and pulls what changed in its scope since its cursor, in
//! the same round trip. The server acknowledges a pushed document only after the merged
//! result is committed; the device marks a document synced only on that acknowledgement.
//! Every message is idempotent: Automerge merges are, acknowledgements state committed
//! facts, and a cursor only ever re-sends documents, so a replayed, duplicated, reordered
//! or half-delivered message is harmless.
//!
//! - [`message`] — the messages; [`wire`] — their compressed byte form;
//! - [`device`] — what a device sends and how it applies answers;
//! - [`server`] — how the server merges a pushed document and cuts pull answers;
//! - [`replica`] — a device's documents in memory, applying [`device`]'s effects.
pub mod admission;
pub mod device;
pub mod message;
pub mod replica;
pub mod seal;
pub mod server;
pub mod wire;
