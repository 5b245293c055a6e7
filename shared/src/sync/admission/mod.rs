//! Admission of Automerge bytes a client sent, before Automerge sees them.
//!
//! Automerge trusts what a document declares while it loads: a compressed chunk or
//! column inflates without bound before any checksum is checked, a run-length encoded
//! column expands into vectors as long as its runs say, a change declares how many
//! operations to make room for, and a few malformed indices panic. A 993-byte sync
//! request once made the server allocate 1.5 GB. [`admit`] walks the bytes first and
//! refuses, without inflating or expanding anything:
//!
//! - chunks other than documents and changes: the protocol sends documents saved with
//!   `save_nocompress` and changes from `save_after`, never compressed changes or bundles;
//! - any column whose specification has the deflate bit;
//! - documents whose columns expand, once their runs are counted (not expanded), to more
//!   changes, operations, actors or text than [`crate::limits`] allows, or whose
//!   declared operation counters pass the operation limit;
//! - inconsistencies Automerge's loader would index with unchecked (a dependency on a
//!   change that does not come earlier, an actor index past the actor table, value
//!   lengths that do not add up to the value column, column lengths that disagree).
//!
//! What passes can still be refused by Automerge (a bad checksum, say); it can no longer
//! make it allocate more than a small multiple of the limits. The walk is linear in the
//! bytes and allocates two vectors of at most [`MAX_DOCUMENT_CHANGES`] numbers.
//! Checksums are not verified here: a hostile client computes them as easily as a
//! device, and Automerge checks them anyway.
//!
//! The format is Automerge's binary format
//! (<https://automerge.org/automerge-binary-format-spec/>): chunks of
//! `magic, checksum, type, length, body`; columns as `(specification, length)` pairs
//! then their data; a specification is `id << 4 | deflate << 3 | type`.

pub mod format;

use crate::limits::{
    MAX_ACTOR_ID_BYTES, MAX_DOCUMENT_ACTORS, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_CHANGES,
    MAX_DOCUMENT_EXPANDED_TEXT, MAX_DOCUMENT_OPS, MAX_ITEM_HEADS, MAX_ITEM_VOUCHED, MAX_PUSH_ITEMS,
};
use crate::sync::message::{Rejection, SyncRequest, PROTOCOL_VERSION};
use format::{column_type, ChangeChunk, Column, DocumentChunk, Reader};

/// The sizes a document may reach. [`Limits::DOCUMENT`] holds the domain's; tests use
/// smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub bytes: u64,
    pub changes: u64,
    pub ops: u64,
    pub actors: u64,
    pub expanded_text: u64,
}

impl Limits {
    pub const DOCUMENT: Limits = Limits {
        bytes: MAX_DOCUMENT_BYTES as u64,
        changes: MAX_DOCUMENT_CHANGES,
        ops: MAX_DOCUMENT_OPS,
        actors: MAX_DOCUMENT_ACTORS,
        expanded_text: MAX_DOCUMENT_EXPANDED_TEXT,
    };
}

/// What admitted bytes declare. For a document, `ops` counts the operations its changes
/// declare (deletions included); for change chunks, the operations they carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Declared {
    pub bytes: u64,
    pub changes: u64,
    pub ops: u64,
    /// The largest actor table of one chunk.
    pub actors: u64,
    pub expanded_text: u64,
}

/// What a limit measures, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Bytes,
    Changes,
    Ops,
    Actors,
    ExpandedText,
}

impl Measure {
    fn en(self) -> &'static str {
        match self {
            Measure::Bytes => "bytes",
            Measure::Changes => "changes",
            Measure::Ops => "operations",
            Measure::Actors => "editing sessions",
            Measure::ExpandedText => "bytes of text",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Measure::Bytes => "byte",
            Measure::Changes => "perubahan",
            Measure::Ops => "operasi",
            Measure::Actors => "sesi penyuntingan",
            Measure::ExpandedText => "byte teks",
        }
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.en())
    }
}

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inadmissible {
    #[error("the document declares {found} {measure}, more than the limit of {limit}")]
    TooLarge {
        measure: Measure,
        found: u64,
        limit: u64,
    },
    #[error("the document uses an encoding the protocol never sends: {0}")]
    Unsupported(&'static str),
    #[error("the document is malformed: {0}")]
    Malformed(&'static str),
}

impl Inadmissible {
    /// The per-document answer to the device.
    pub fn rejection(&self) -> Rejection {
        let (code, message_id, message_en) = match self {
            Inadmissible::TooLarge {
                measure,
                found,
                limit,
            } => (
                "document_too_large",
                format!(
                    "Dokumen terlalu besar: {found} {}, batasnya {limit}. Hubungi admin.",
                    measure.id()
                ),
                format!("The document is too large: {found} {measure}, the limit is {limit}. Contact an admin."),
            ),
            Inadmissible::Unsupported(_) => (
                "document_encoding_unsupported",
                "Dokumen dikirim dalam bentuk yang tidak diterima server (terkompresi atau \
                 gabungan); perbarui aplikasi."
                    .to_owned(),
                "The document was sent in a form the server does not accept (compressed or \
                 bundled); update the app."
                    .to_owned(),
            ),
            Inadmissible::Malformed(_) => (
                "corrupt",
                "Data yang dikirim rusak.".to_owned(),
                "The data sent is damaged.".to_owned(),
            ),
        };
        Rejection {
            code: code.to_owned(),
            message_id,
            message_en,
            problems: vec![],
        }
    }
}

/// Why a whole sync request was refused before any of its documents was looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefused {
    #[error("unsupported sync protocol {0}")]
    Protocol(u16),
    #[error("{0} documents in one request, more than {MAX_PUSH_ITEMS}")]
    TooManyItems(usize),
    #[error("a pushed item names more heads or seals than a device keeps")]
    ItemTooLarge,
}

/// The checks on a decoded sync request as a whole: its protocol, and no more items,
/// heads or seals than a device sends (each costs a lookup or a signature check).
pub fn admit_request(request: &SyncRequest) -> Result<(), RequestRefused> {
    if request.protocol != PROTOCOL_VERSION {
        return Err(RequestRefused::Protocol(request.protocol));
    }
    if request.push.len() > MAX_PUSH_ITEMS {
        return Err(RequestRefused::TooManyItems(request.push.len()));
    }
    let too_large = request.push.iter().any(|item| {
        item.base.len() > MAX_ITEM_HEADS
            || item.heads.len() > MAX_ITEM_HEADS
            || item.vouched.len() > MAX_ITEM_VOUCHED
            || item.vouched.iter().any(|v| v.heads.len() > MAX_ITEM_HEADS)
    });
    if too_large {
        return Err(RequestRefused::ItemTooLarge);
    }
    Ok(())
}

fn too_large(measure: Measure, found: u64, limit: u64) -> Inadmissible {
    Inadmissible::TooLarge {
        measure,
        found,
        limit,
    }
}

use Inadmissible::Malformed;

/// Admits `bytes` (a whole document, change chunks, or both concatenated) within the
/// domain's limits.
pub fn admit(bytes: &[u8]) -> Result<Declared, Inadmissible> {
    admit_within(bytes, &Limits::DOCUMENT)
}

/// [`admit`] within `limits`.
pub fn admit_within(bytes: &[u8], limits: &Limits) -> Result<Declared, Inadmissible> {
    let size = bytes.len() as u64;
    if size > limits.bytes {
        return Err(too_large(Measure::Bytes, size, limits.bytes));
    }
    let mut declared = Declared {
        bytes: size,
        ..Declared::default()
    };
    for chunk in format::chunks(bytes) {
        let chunk = chunk?;
        let chunk = match chunk.chunk_type {
            format::CHUNK_DOCUMENT => document_chunk(chunk.body, limits)?,
            format::CHUNK_CHANGE => change_chunk(chunk.body, limits)?,
            format::CHUNK_COMPRESSED_CHANGE => {
                return Err(Inadmissible::Unsupported("compressed change"))
            }
            format::CHUNK_BUNDLE => return Err(Inadmissible::Unsupported("bundle of changes")),
            _ => return Err(Malformed("unknown chunk type")),
        };
        declared.changes += chunk.changes;
        declared.ops += chunk.ops;
        declared.expanded_text += chunk.expanded_text;
        declared.actors = declared.actors.max(chunk.actors);
        check(Measure::Changes, declared.changes, limits.changes)?;
        check(Measure::Ops, declared.ops, limits.ops)?;
        check(
            Measure::ExpandedText,
            declared.expanded_text,
            limits.expanded_text,
        )?;
    }
    Ok(declared)
}

fn check(measure: Measure, found: u64, limit: u64) -> Result<(), Inadmissible> {
    if found > limit {
        Err(too_large(measure, found, limit))
    } else {
        Ok(())
    }
}

/// The column specifications Automerge reads by name.
mod spec {
    use super::column_type::*;

    pub const fn of(id: u32, column_type: u32) -> u32 {
        id << 4 | column_type
    }

    // A document's change columns.
    pub const CHANGE_ACTOR: u32 = of(0, ACTOR);
    pub const CHANGE_SEQ: u32 = of(0, DELTA);
    pub const CHANGE_MAX_OP: u32 = of(1, DELTA);
    pub const CHANGE_DEPS_COUNT: u32 = of(4, GROUP);
    pub const CHANGE_DEPS_INDEX: u32 = of(4, DELTA);

    // A document's op columns.
    pub const OP_ID_ACTOR: u32 = of(2, ACTOR);
    pub const OP_SUCC_COUNT: u32 = of(8, GROUP);

    // A change chunk's op columns.
    pub const CHANGE_OP_ACTION: u32 = of(4, INTEGER);
    pub const CHANGE_OP_PRED_COUNT: u32 = of(7, GROUP);
}

/// The sizes one chunk declares.
#[derive(Debug, Default)]
struct ChunkSize {
    changes: u64,
    ops: u64,
    actors: u64,
    expanded_text: u64,
}

/// Columns of one set in ascending, distinct order, none deflated. Automerge looks them
/// up by binary search: out of order or repeated, it and this walk could read different
/// data.
fn plain_columns(columns: &[Column<'_>]) -> Result<(), Inadmissible> {
    if columns.iter().any(Column::deflated) {
        return Err(Inadmissible::Unsupported("compressed column"));
    }
    if columns.windows(2).any(|pair| pair[0].spec >= pair[1].spec) {
        return Err(Malformed("columns out of order"));
    }
    Ok(())
}

fn find<'c, 'a>(columns: &'c [Column<'a>], spec: u32) -> Option<&'c Column<'a>> {
    columns.iter().find(|c| c.spec == spec)
}

fn data<'a>(columns: &[Column<'a>], spec: u32) -> &'a [u8] {
    find(columns, spec).map_or(&[], |c| c.data)
}

/// A document chunk: actors, heads, change columns and op columns.
fn document_chunk(body: &[u8], limits: &Limits) -> Result<ChunkSize, Inadmissible> {
    let chunk = DocumentChunk::parse(body)?;
    let actors = chunk.actors.len() as u64;
    check(Measure::Actors, actors, limits.actors)?;
    actor_ids(&chunk.actors)?;
    // Automerge saves its actor table sorted and looks actors up by binary search.
    if chunk.actors.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(Malformed("actors out of order"));
    }
    check(Measure::Changes, chunk.heads.len() as u64, limits.changes)?;
    let (change_columns, op_columns) = (&chunk.change_columns[..], &chunk.op_columns[..]);
    plain_columns(change_columns)?;
    plain_columns(op_columns)?;

    let mut size = ChunkSize {
        actors,
        ..ChunkSize::default()
    };

    // Every column, counted: no run may expand past the limits.
    let change_summaries = summarise_all(change_columns, ops_cap(limits))?;
    let op_summaries = summarise_all(op_columns, ops_cap(limits))?;
    size.expanded_text = change_summaries
        .iter()
        .chain(&op_summaries)
        .map(|s| s.text_bytes)
        .sum();
    values_add_up(change_columns, &change_summaries)?;
    values_add_up(op_columns, &op_summaries)?;
    actors_in_table(change_columns, &change_summaries, actors)?;
    actors_in_table(op_columns, &op_summaries, actors)?;

    // The change graph: one entry per change in each per-change column.
    let changes = summary_of(change_columns, &change_summaries, spec::CHANGE_ACTOR);
    if changes.nulls > 0 {
        return Err(Malformed("a change without an actor"));
    }
    size.changes = changes.values;
    check(Measure::Changes, size.changes, limits.changes)?;
    for (column, summary) in change_columns.iter().zip(&change_summaries) {
        // Dependency indices are the only column with more entries than changes.
        if column.spec != spec::CHANGE_DEPS_INDEX
            && column.column_type() != column_type::VALUE
            && summary.entries() > size.changes
        {
            return Err(Malformed("a change column longer than the change list"));
        }
    }
    size.ops = change_graph(change_columns, size.changes, actors, limits)?;

    // The operations: one row per operation that is not a deletion.
    let rows = summary_of(op_columns, &op_summaries, spec::OP_ID_ACTOR);
    if rows.nulls > 0 {
        return Err(Malformed("an operation without an actor"));
    }
    check(Measure::Ops, rows.values, limits.ops)?;
    let successors = summary_of(op_columns, &op_summaries, spec::OP_SUCC_COUNT).sum;
    check(Measure::Ops, successors, limits.ops)?;
    for (column, summary) in op_columns.iter().zip(&op_summaries) {
        let allowed =
            if column.id() == spec::OP_SUCC_COUNT >> 4 && column.spec != spec::OP_SUCC_COUNT {
                successors
            } else {
                rows.values
            };
        if column.column_type() != column_type::VALUE && summary.entries() > allowed {
            return Err(Malformed("an operation column longer than the operations"));
        }
        counters_in_range(column, summary, limits)?;
    }
    size.ops = size.ops.max(rows.values);
    Ok(size)
}

/// Actor ids no longer than Automerge makes them: each change a document expands to
/// repeats the ids it uses.
fn actor_ids(actors: &[&[u8]]) -> Result<(), Inadmissible> {
    if actors.iter().any(|a| a.len() > MAX_ACTOR_ID_BYTES) {
        return Err(Malformed("an actor id longer than Automerge makes them"));
    }
    Ok(())
}

/// Walks a document's change graph columns: every dependency points to an earlier change,
/// no change's operation counter goes backwards or past the limit, and the operations the
/// changes declare (what Automerge makes room for) stay within it. Returns their sum.
fn change_graph(
    columns: &[Column<'_>],
    changes: u64,
    actors: u64,
    limits: &Limits,
) -> Result<u64, Inadmissible> {
    if changes == 0 {
        return if actors == 0 {
            Ok(0)
        } else {
            Err(Malformed("an actor without changes"))
        };
    }
    let per_change = Cap {
        measure: Measure::Changes,
        limit: changes,
    };
    let max_ops = delta_values(data(columns, spec::CHANGE_MAX_OP), per_change)?;
    if max_ops.len() as u64 != changes {
        return Err(Malformed("a change without its operation counter"));
    }
    if max_ops.iter().any(|&m| m < 0) {
        return Err(Malformed("a negative operation counter"));
    }
    let highest = max_ops.iter().copied().max().unwrap_or(0);
    check(Measure::Ops, highest as u64, limits.ops)?;
    // Every actor of the table makes a change: Automerge drops unused ones while loading,
    // and panics doing it when there are more actors than changes.
    let authors = uint_values(data(columns, spec::CHANGE_ACTOR), per_change)?;
    let mut used = vec![false; actors as usize];
    for author in authors {
        // Indices past the table were refused before.
        used[author as usize] = true;
    }
    if used.contains(&false) {
        return Err(Malformed("an actor without changes"));
    }
    let seq = summarise(
        data(columns, spec::CHANGE_SEQ),
        column_type::DELTA,
        per_change,
    )?;
    if seq.entries() != changes || seq.nulls > 0 {
        return Err(Malformed("a change without its sequence number"));
    }
    let deps_count = uint_values(data(columns, spec::CHANGE_DEPS_COUNT), per_change)?;
    if deps_count.len() as u64 != changes {
        return Err(Malformed("a change without its dependency count"));
    }
    let edges = deps_count
        .iter()
        .fold(0u64, |sum, &n| sum.saturating_add(n));
    check(Measure::Ops, edges, limits.ops)?;
    let deps = delta_values(
        data(columns, spec::CHANGE_DEPS_INDEX),
        Cap {
            measure: Measure::Ops,
            limit: edges,
        },
    )?;
    if (deps.len() as u64) < edges {
        return Err(Malformed("missing dependencies"));
    }
    let mut deps = deps.into_iter();
    let mut declared_ops: u64 = 0;
    for (index, (&count, &max_op)) in deps_count.iter().zip(&max_ops).enumerate() {
        let mut before = 0;
        for _ in 0..count {
            let dep = deps.next().ok_or(Malformed("missing dependencies"))?;
            if dep < 0 || dep as u64 >= index as u64 {
                return Err(Malformed(
                    "a dependency on a change that does not come earlier",
                ));
            }
            before = before.max(max_ops[dep as usize]);
        }
        if before > max_op {
            return Err(Malformed("an operation counter going backwards"));
        }
        declared_ops += (max_op - before) as u64;
        check(Measure::Ops, declared_ops, limits.ops)?;
    }
    Ok(declared_ops)
}

/// A change chunk: header fields, then op columns and extra bytes.
fn change_chunk(body: &[u8], limits: &Limits) -> Result<ChunkSize, Inadmissible> {
    let chunk = ChangeChunk::parse(body)?;
    check(Measure::Changes, chunk.deps.len() as u64, limits.changes)?;
    actor_ids(&[chunk.actor])?;
    let other_actors = chunk.other_actors.len() as u64;
    check(Measure::Actors, 1 + other_actors, limits.actors)?;
    actor_ids(&chunk.other_actors)?;
    let start_op = chunk.start_op;
    if start_op == 0 {
        return Err(Malformed("a change starting at operation 0"));
    }
    check(Measure::Ops, start_op, limits.ops)?;
    let columns = &chunk.columns[..];
    plain_columns(columns)?;

    let summaries = summarise_all(columns, ops_cap(limits))?;
    values_add_up(columns, &summaries)?;
    actors_in_table(columns, &summaries, 1 + other_actors)?;
    // Automerge reads operations until the action column ends.
    let ops = summary_of(columns, &summaries, spec::CHANGE_OP_ACTION).entries();
    check(Measure::Ops, start_op - 1 + ops, limits.ops)?;
    let predecessors = summary_of(columns, &summaries, spec::CHANGE_OP_PRED_COUNT).sum;
    check(Measure::Ops, predecessors, limits.ops)?;
    for (column, summary) in columns.iter().zip(&summaries) {
        let allowed = if column.id() == spec::CHANGE_OP_PRED_COUNT >> 4
            && column.spec != spec::CHANGE_OP_PRED_COUNT
        {
            predecessors
        } else {
            ops
        };
        if column.column_type() != column_type::VALUE && summary.entries() > allowed {
            return Err(Malformed("an operation column longer than the operations"));
        }
        counters_in_range(column, summary, limits)?;
    }
    Ok(ChunkSize {
        changes: 1,
        ops,
        actors: 1 + other_actors,
        expanded_text: summaries.iter().map(|s| s.text_bytes).sum(),
    })
}

/// Counters (of operation ids, objects, keys) go up to the operation limit, not beyond:
/// Automerge sizes things by them.
fn counters_in_range(
    column: &Column<'_>,
    summary: &Summary,
    limits: &Limits,
) -> Result<(), Inadmissible> {
    match column.column_type() {
        column_type::DELTA | column_type::INTEGER if column.spec != spec::CHANGE_OP_ACTION => {
            if summary.min < 0 {
                return Err(Malformed("a negative operation counter"));
            }
            check(Measure::Ops, summary.max as u64, limits.ops)
        }
        _ => Ok(()),
    }
}

/// Value lengths in a value metadata column add up to its raw value column exactly:
/// Automerge slices the raw column by them.
fn values_add_up(columns: &[Column<'_>], summaries: &[Summary]) -> Result<(), Inadmissible> {
    for (column, summary) in columns.iter().zip(summaries) {
        if column.column_type() != column_type::VALUE_META {
            continue;
        }
        let raw_spec = column.spec - column_type::VALUE_META + column_type::VALUE;
        let raw = data(columns, raw_spec).len() as u64;
        if summary.sum != raw {
            return Err(Malformed("value lengths that do not match the values"));
        }
    }
    for column in columns {
        if column.column_type() == column_type::VALUE
            && find(
                columns,
                column.spec - column_type::VALUE + column_type::VALUE_META,
            )
            .is_none()
        {
            return Err(Malformed("values without their lengths"));
        }
    }
    Ok(())
}

/// Actor columns name actors of the chunk's table.
fn actors_in_table(
    columns: &[Column<'_>],
    summaries: &[Summary],
    actors: u64,
) -> Result<(), Inadmissible> {
    for (column, summary) in columns.iter().zip(summaries) {
        if column.column_type() == column_type::ACTOR
            && summary.values > 0
            && summary.max as u64 >= actors
        {
            return Err(Malformed("an actor index past the actor table"));
        }
    }
    Ok(())
}

/// Any column's entries are bounded by the operations (the longest per-operation or
/// per-change list); tighter checks follow per column.
fn ops_cap(limits: &Limits) -> Cap {
    Cap {
        measure: Measure::Ops,
        limit: limits.ops.max(limits.changes),
    }
}

fn summarise_all(columns: &[Column<'_>], cap: Cap) -> Result<Vec<Summary>, Inadmissible> {
    columns
        .iter()
        .map(|c| summarise(c.data, c.column_type(), cap))
        .collect()
}

fn summary_of(columns: &[Column<'_>], summaries: &[Summary], spec: u32) -> Summary {
    columns
        .iter()
        .zip(summaries)
        .find(|(c, _)| c.spec == spec)
        .map(|(_, s)| *s)
        .unwrap_or_default()
}

/// A bound on a column's entries, and what it bounds (for the message).
#[derive(Debug, Clone, Copy)]
struct Cap {
    measure: Measure,
    limit: u64,
}

impl Cap {
    fn check(self, entries: u64) -> Result<(), Inadmissible> {
        check(self.measure, entries, self.limit)
    }
}

/// What a column's runs expand to, counted without expanding them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Summary {
    /// Non-null values.
    values: u64,
    nulls: u64,
    /// Smallest and largest value (integers, actor indices, group counts, value
    /// metadata; for delta columns the running value). Meaningless without values.
    min: i128,
    max: i128,
    /// Sum of the values (group counts; value lengths for value metadata).
    sum: u64,
    /// Bytes of text the values expand to (string columns).
    text_bytes: u64,
}

impl Summary {
    fn entries(&self) -> u64 {
        self.values.saturating_add(self.nulls)
    }

    /// Records `count` copies of `value`, each weighing `weight` in the sum.
    fn record(&mut self, count: u64, value: i128, weight: u64) {
        if self.values == 0 {
            self.min = value;
            self.max = value;
        }
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.values += count;
        self.sum = self.sum.saturating_add(count.saturating_mul(weight));
    }
}

/// Counts the values a column of `column_type` holds, refusing more entries than `cap`.
fn summarise(data: &[u8], column_type: u32, cap: Cap) -> Result<Summary, Inadmissible> {
    let mut summary = Summary::default();
    let mut input = Reader::new(data);
    match column_type {
        column_type::VALUE => {}
        column_type::BOOLEAN => {
            // Alternating run lengths, starting with false.
            while !input.is_empty() {
                let run = input.uleb()?;
                summary.values = summary.values.saturating_add(run);
                cap.check(summary.values)?;
            }
        }
        column_type::DELTA => {
            let mut current: i128 = 0;
            rle(&mut input, &mut summary, cap, |input, summary, count| {
                let delta = input.sleb()? as i128;
                // A run's running values are monotonic: its ends are its extremes.
                summary.record(count - 1, current + delta, 0);
                current += delta * count as i128;
                summary.record(1, current, 0);
                Ok(())
            })?;
        }
        column_type::STRING => {
            rle(&mut input, &mut summary, cap, |input, summary, count| {
                let length = input.uleb()?;
                input.take(length)?;
                summary.record(count, 0, 0);
                summary.text_bytes = summary
                    .text_bytes
                    .saturating_add(count.saturating_mul(length));
                Ok(())
            })?;
        }
        column_type::VALUE_META => {
            rle(&mut input, &mut summary, cap, |input, summary, count| {
                let meta = input.uleb()?;
                summary.record(count, meta as i128, meta >> 4);
                Ok(())
            })?;
        }
        // Group counts, actor indices, integers.
        _ => {
            rle(&mut input, &mut summary, cap, |input, summary, count| {
                let value = input.uleb()?;
                summary.record(count, value as i128, value);
                Ok(())
            })?;
        }
    }
    Ok(summary)
}

/// Walks run-length encoded data: a signed count, then one value repeated `count` times
/// (`count > 0`), `-count` literal values (`count < 0`), or a number of nulls (`0`).
/// `value` reads one value and records `count` copies of it in the summary; every run
/// is checked against `cap` before it is recorded.
fn rle<'a>(
    input: &mut Reader<'a>,
    summary: &mut Summary,
    cap: Cap,
    mut value: impl FnMut(&mut Reader<'a>, &mut Summary, u64) -> Result<(), Inadmissible>,
) -> Result<(), Inadmissible> {
    while !input.is_empty() {
        let count = input.sleb()?;
        if count > 0 {
            let count = count as u64;
            cap.check(summary.entries().saturating_add(count))?;
            value(input, summary, count)?;
        } else if count < 0 {
            // Each literal takes at least a byte, so this ends with the input.
            for _ in 0..count.unsigned_abs() {
                cap.check(summary.entries() + 1)?;
                value(input, summary, 1)?;
            }
        } else {
            let nulls = input.uleb()?;
            summary.nulls = summary.nulls.saturating_add(nulls);
            cap.check(summary.entries())?;
        }
    }
    Ok(())
}

/// The values of a delta column (running sums), at most `cap` of them, no nulls.
fn delta_values(data: &[u8], cap: Cap) -> Result<Vec<i64>, Inadmissible> {
    let mut values = Vec::new();
    let mut current: i64 = 0;
    let mut summary = Summary::default();
    rle(
        &mut Reader::new(data),
        &mut summary,
        cap,
        |input, summary, count| {
            let delta = input.sleb()?;
            for _ in 0..count {
                current = current
                    .checked_add(delta)
                    .ok_or(Malformed("a number too large"))?;
                values.push(current);
            }
            summary.values += count;
            Ok(())
        },
    )?;
    if summary.nulls > 0 {
        return Err(Malformed("a missing number"));
    }
    Ok(values)
}

/// The values of an unsigned run-length column, at most `cap` of them, no nulls.
fn uint_values(data: &[u8], cap: Cap) -> Result<Vec<u64>, Inadmissible> {
    let mut values = Vec::new();
    let mut summary = Summary::default();
    rle(
        &mut Reader::new(data),
        &mut summary,
        cap,
        |input, summary, count| {
            let value = input.uleb()?;
            values.extend(std::iter::repeat_n(value, count as usize));
            summary.values += count;
            Ok(())
        },
    )?;
    if summary.nulls > 0 {
        return Err(Malformed("a missing number"));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::format::{
        write_chunk, write_sleb, write_uleb, CHUNK_BUNDLE, CHUNK_COMPRESSED_CHANGE,
    };
    use super::*;
    use crate::document::{ChangeAuthor, RegistrationDoc};
    use crate::registration::ReviewComment;
    use crate::sample::SampleGenerator;

    /// A registration as a busy office leaves it: created on a phone, edited in `sessions`
    /// separate sessions (each load is a new actor), with a supervisor's review comments
    /// and status changes merged in concurrently.
    fn busy_document(sessions: usize, comments: usize) -> RegistrationDoc {
        let mut gen = SampleGenerator::new(11);
        let registration =
            gen.registration("officer-1", "device-1", "17.01.01.2001", 1_764_000_000_000);
        let officer = ChangeAuthor::new("officer-1", "Siti Aminah");
        let supervisor = ChangeAuthor::new("supervisor-1", "Budi Santoso");
        let mut doc = RegistrationDoc::create_by(&registration, &officer, 1_764_000_000_000);
        let mut at = 1_764_000_000_000;
        for session in 0..sessions {
            at += 60_000;
            let mut phone = RegistrationDoc::load(&doc.save_uncompressed()).unwrap();
            phone
                .edit_by(&officer, at, |r| match session % 5 {
                    0 => r.phone = format!("0812{:08}", session),
                    1 => r.address.street = format!("Jalan Merdeka No. {session}"),
                    2 => r.skills.push(format!("keahlian {session}")),
                    3 => r.full_name = format!("Siti Aminah {session}"),
                    _ => r.birth_place = format!("Bengkulu {session}"),
                })
                .unwrap();
            if session % (sessions / comments.max(1)).max(1) == 0 {
                // A supervisor comments on the server's copy meanwhile.
                let mut server = RegistrationDoc::load(&doc.save_uncompressed()).unwrap();
                server
                    .edit_by(&supervisor, at, |r| {
                        r.review.comments.push(ReviewComment {
                            id: format!("comment-{session}"),
                            author_id: "supervisor-1".into(),
                            author_name: "Budi Santoso".into(),
                            role: "supervisor".into(),
                            at,
                            text: "Mohon periksa kembali alamat dan nomor telepon; \
                                   data di KTP berbeda dengan yang tercatat. \
                                   Pastikan RT/RW sesuai dengan surat keterangan desa."
                                .into(),
                        })
                    })
                    .unwrap();
                let base = doc.heads();
                doc.merge_bytes(&server.changes_since(&base)).unwrap();
            }
            let base = doc.heads();
            doc.merge_bytes(&phone.changes_since(&base)).unwrap();
        }
        doc
    }

    #[test]
    fn real_documents_pass_with_room() {
        let mut doc = busy_document(400, 60);
        let whole = doc.save_uncompressed();
        let declared = admit(&whole).expect("a real document is admitted");
        let changes = doc.automerge().get_changes(&[]).len() as u64;
        let ops: u64 = doc
            .automerge()
            .get_changes(&[])
            .iter()
            .map(|c| c.len() as u64)
            .sum();
        eprintln!(
            "busy document: {} bytes, {changes} changes, {ops} ops; declared {declared:?}",
            whole.len()
        );
        assert_eq!(declared.changes, changes);
        assert_eq!(declared.ops, ops);
        // Room: a document edited many times over still passes.
        assert!(declared.bytes * 8 <= Limits::DOCUMENT.bytes, "{declared:?}");
        assert!(
            declared.changes * 8 <= Limits::DOCUMENT.changes,
            "{declared:?}"
        );
        assert!(declared.ops * 8 <= Limits::DOCUMENT.ops, "{declared:?}");
        assert!(
            declared.actors * 8 <= Limits::DOCUMENT.actors,
            "{declared:?}"
        );
        assert!(
            declared.expanded_text * 8 <= Limits::DOCUMENT.expanded_text,
            "{declared:?}"
        );

        // The changes a device pushes after a base, and the compact save of a small one.
        let base = doc.heads();
        doc.edit(|r| r.phone = "081299998888".into()).unwrap();
        let changes = doc.changes_since(&base);
        let declared = admit(&changes).expect("incremental changes are admitted");
        assert_eq!(declared.changes, 1);
        let mut all = whole.clone();
        all.extend_from_slice(&changes);
        admit(&all).expect("a document followed by changes is admitted");
        let every_change = doc.changes_since(&[]);
        assert_eq!(
            admit(&every_change).unwrap().changes,
            changes_count(&mut doc)
        );
    }

    fn changes_count(doc: &mut RegistrationDoc) -> u64 {
        doc.automerge().get_changes(&[]).len() as u64
    }

    #[test]
    fn a_merged_document_is_admitted_like_its_parts() {
        let mut a = busy_document(30, 5);
        let mut b = RegistrationDoc::load(&a.save_uncompressed()).unwrap();
        a.edit(|r| r.phone = "081211112222".into()).unwrap();
        b.edit(|r| r.address.rt = "004".into()).unwrap();
        a.merge_bytes(&b.save_uncompressed()).unwrap();
        let merged = admit(&a.save_uncompressed()).unwrap();
        assert_eq!(merged.changes, changes_count(&mut a));
    }

    /// A real document's chunk, split into its parts.
    fn real_document() -> Vec<u8> {
        busy_document(12, 3).save_uncompressed()
    }

    fn rebuild_document<'a>(
        bytes: &'a [u8],
        change: impl FnOnce(&mut DocumentChunk<'a>),
    ) -> Vec<u8> {
        let chunk = format::chunks(bytes).next().unwrap().unwrap();
        let mut document = DocumentChunk::parse(chunk.body).unwrap();
        change(&mut document);
        write_chunk(format::CHUNK_DOCUMENT, &document.encode())
    }

    fn column_mut<'c, 'a>(columns: &'c mut [Column<'a>], spec: u32) -> &'c mut Column<'a> {
        columns.iter_mut().find(|c| c.spec == spec).unwrap()
    }

    /// Run-length data: one run of `count` copies of `value`.
    fn run(count: i64, value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_sleb(&mut out, count);
        write_uleb(&mut out, value);
        out
    }

    fn automerge_refuses_or_survives(bytes: &[u8]) {
        // Only for inputs small enough that today's Automerge cannot hurt the test run.
        let _ = RegistrationDoc::load(bytes);
    }

    #[test]
    fn a_compressed_column_is_refused_unread() {
        // 64 MiB of zeros deflate to 64 KB: Automerge inflates them before any check.
        let zeros = vec![0u8; 1 << 20];
        let mut deflated = Vec::new();
        {
            use std::io::Write;
            let mut encoder =
                flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
            encoder.write_all(&zeros).unwrap();
            encoder.finish().unwrap();
        }
        let bomb = rebuild_document(&real_document(), |doc| {
            let column = column_mut(&mut doc.op_columns, spec::of(1, column_type::STRING));
            column.spec |= format::DEFLATE_BIT;
            column.data = &deflated;
        });
        assert_eq!(
            admit(&bomb),
            Err(Inadmissible::Unsupported("compressed column"))
        );
        assert_eq!(
            admit(&bomb).unwrap_err().rejection().code,
            "document_encoding_unsupported"
        );
        // Automerge's own compact save compresses columns too: not what devices send.
        let compact = busy_document(40, 5).save();
        assert_eq!(
            admit(&compact),
            Err(Inadmissible::Unsupported("compressed column"))
        );
    }

    #[test]
    fn compressed_change_and_bundle_chunks_are_refused() {
        let compressed = write_chunk(CHUNK_COMPRESSED_CHANGE, &[0x03, 0x00]);
        assert_eq!(
            admit(&compressed),
            Err(Inadmissible::Unsupported("compressed change"))
        );
        let bundle = write_chunk(CHUNK_BUNDLE, &[0]);
        assert_eq!(
            admit(&bundle),
            Err(Inadmissible::Unsupported("bundle of changes"))
        );
        // Also behind an admissible document.
        let mut both = real_document();
        both.extend_from_slice(&compressed);
        assert!(matches!(admit(&both), Err(Inadmissible::Unsupported(_))));
    }

    #[test]
    fn a_run_of_a_billion_is_refused_uncounted() {
        let ones = run(1_000_000_000, 0);
        for spec in [
            spec::CHANGE_ACTOR,
            spec::CHANGE_DEPS_COUNT,
            spec::of(3, column_type::STRING),
        ] {
            let bomb = rebuild_document(&real_document(), |doc| {
                column_mut(&mut doc.change_columns, spec).data = &ones;
            });
            assert!(
                matches!(admit(&bomb), Err(Inadmissible::TooLarge { .. })),
                "{spec}: {:?}",
                admit(&bomb)
            );
            assert_eq!(
                admit(&bomb).unwrap_err().rejection().code,
                "document_too_large"
            );
        }
        for spec in [
            spec::OP_ID_ACTOR,
            spec::of(1, column_type::STRING),
            spec::OP_SUCC_COUNT,
        ] {
            let bomb = rebuild_document(&real_document(), |doc| {
                column_mut(&mut doc.op_columns, spec).data = &ones;
            });
            assert!(
                matches!(admit(&bomb), Err(Inadmissible::TooLarge { .. })),
                "{spec}: {:?}",
                admit(&bomb)
            );
        }
        // A boolean column's run lengths are counted the same way.
        let mut booleans = Vec::new();
        write_uleb(&mut booleans, 1_000_000_000);
        let bomb = rebuild_document(&real_document(), |doc| {
            column_mut(&mut doc.op_columns, spec::of(3, column_type::BOOLEAN)).data = &booleans;
        });
        assert!(matches!(admit(&bomb), Err(Inadmissible::TooLarge { .. })));
    }

    #[test]
    fn a_long_key_repeated_by_a_run_is_refused() {
        // Every operation writing one long key: stored once, repeated by a run.
        let bytes = real_document();
        let chunk = format::chunks(&bytes).next().unwrap().unwrap();
        let document = DocumentChunk::parse(chunk.body).unwrap();
        let id_actors = document
            .op_columns
            .iter()
            .find(|c| c.spec == spec::OP_ID_ACTOR)
            .unwrap();
        let rows = summarise(
            id_actors.data,
            column_type::ACTOR,
            ops_cap(&Limits::DOCUMENT),
        )
        .unwrap()
        .values;
        let key = "k".repeat((Limits::DOCUMENT.expanded_text / rows) as usize + 1);
        assert!(key.len() < MAX_DOCUMENT_BYTES / 2, "{rows} rows");
        let mut data = Vec::new();
        write_sleb(&mut data, rows as i64);
        write_uleb(&mut data, key.len() as u64);
        data.extend_from_slice(key.as_bytes());
        let bomb = rebuild_document(&bytes, |doc| {
            column_mut(&mut doc.op_columns, spec::of(1, column_type::STRING)).data = &data;
        });
        assert!(
            matches!(
                admit(&bomb),
                Err(Inadmissible::TooLarge {
                    measure: Measure::ExpandedText,
                    ..
                })
            ),
            "{:?}",
            admit(&bomb)
        );
    }

    #[test]
    fn a_declared_max_op_of_a_hundred_million_is_refused() {
        let bytes = real_document();
        let mut max_op = Vec::new();
        write_sleb(&mut max_op, 1);
        write_sleb(&mut max_op, 100_000_000);
        let bomb = rebuild_document(&bytes, |doc| {
            let changes = doc
                .change_columns
                .iter()
                .find(|c| c.spec == spec::CHANGE_ACTOR)
                .unwrap();
            assert!(!changes.data.is_empty());
            column_mut(&mut doc.change_columns, spec::CHANGE_MAX_OP).data = &max_op;
        });
        let refused = admit(&bomb).unwrap_err();
        assert!(
            matches!(
                refused,
                Inadmissible::TooLarge { .. } | Inadmissible::Malformed(_)
            ),
            "{refused:?}"
        );
        // The same in a single change: its first operation counter.
        let mut doc = busy_document(2, 1);
        let base = doc.heads();
        doc.edit(|r| r.phone = "081233334444".into()).unwrap();
        let change = doc.changes_since(&base);
        let chunk = format::chunks(&change).next().unwrap().unwrap();
        let mut parsed = ChangeChunk::parse(chunk.body).unwrap();
        parsed.start_op = 100_000_000;
        let bomb = write_chunk(format::CHUNK_CHANGE, &parsed.encode());
        assert!(matches!(
            admit(&bomb),
            Err(Inadmissible::TooLarge {
                measure: Measure::Ops,
                ..
            })
        ));
    }

    #[test]
    fn a_dependency_on_a_later_change_is_refused() {
        // Change 0 depends on change 1: Automerge would index past what it has built.
        let bytes = real_document();
        let mut counts = Vec::new();
        write_sleb(&mut counts, -2);
        write_uleb(&mut counts, 1);
        write_uleb(&mut counts, 0);
        let mut indices = Vec::new();
        write_sleb(&mut indices, 1);
        write_sleb(&mut indices, 1);
        let actors = run(2, 0);
        let hostile = rebuild_document(&bytes, |doc| {
            // Two changes only, so the columns agree.
            column_mut(&mut doc.change_columns, spec::CHANGE_ACTOR).data = &actors;
            column_mut(&mut doc.change_columns, spec::CHANGE_DEPS_COUNT).data = &counts;
            column_mut(&mut doc.change_columns, spec::CHANGE_DEPS_INDEX).data = &indices;
            doc.change_columns.retain(|c| {
                [
                    spec::CHANGE_ACTOR,
                    spec::CHANGE_DEPS_COUNT,
                    spec::CHANGE_DEPS_INDEX,
                ]
                .contains(&c.spec)
            });
        });
        let refused = admit(&hostile).unwrap_err();
        assert!(matches!(refused, Inadmissible::Malformed(_)), "{refused:?}");
        assert_eq!(refused.rejection().code, "corrupt");
    }

    #[test]
    fn an_actor_index_past_the_table_is_refused() {
        let data = run(3, 200);
        let hostile = rebuild_document(&real_document(), |doc| {
            column_mut(&mut doc.op_columns, spec::OP_ID_ACTOR).data = &data;
        });
        assert!(matches!(admit(&hostile), Err(Inadmissible::Malformed(_))));
    }

    #[test]
    fn an_actor_without_changes_or_out_of_order_is_refused() {
        // Automerge 0.12 panics dropping an unused actor when actors outnumber changes.
        let bytes = busy_document(1, 1).save_uncompressed();
        let unused = [0xff; 16];
        let extra = rebuild_document(&bytes, |doc| doc.actors.push(&unused));
        assert_eq!(
            admit(&extra),
            Err(Inadmissible::Malformed("an actor without changes"))
        );
        let first = [0x00; 16];
        let unsorted = rebuild_document(&bytes, |doc| doc.actors.push(&first));
        assert_eq!(
            admit(&unsorted),
            Err(Inadmissible::Malformed("actors out of order"))
        );
    }

    #[test]
    fn a_null_run_cannot_overflow_the_count() {
        let mut data = run(2, 0);
        write_sleb(&mut data, 0);
        write_uleb(&mut data, u64::MAX);
        let hostile = rebuild_document(&real_document(), |doc| {
            column_mut(&mut doc.op_columns, spec::OP_ID_ACTOR).data = &data;
        });
        assert!(matches!(
            admit(&hostile),
            Err(Inadmissible::TooLarge { .. })
        ));
    }

    #[test]
    fn documents_past_the_limits_are_refused_with_the_measure() {
        let mut doc = busy_document(30, 3);
        let bytes = doc.save_uncompressed();
        let declared = admit(&bytes).unwrap();
        let limits = Limits {
            changes: declared.changes - 1,
            ..Limits::DOCUMENT
        };
        let refused = admit_within(&bytes, &limits).unwrap_err();
        assert!(matches!(
            refused,
            Inadmissible::TooLarge {
                measure: Measure::Changes,
                ..
            }
        ));
        assert!(refused.rejection().message_en.contains("changes"));
        assert!(refused.rejection().message_id.contains("perubahan"));
        for limits in [
            Limits {
                bytes: declared.bytes - 1,
                ..Limits::DOCUMENT
            },
            Limits {
                ops: declared.ops - 1,
                ..Limits::DOCUMENT
            },
            Limits {
                actors: declared.actors - 1,
                ..Limits::DOCUMENT
            },
        ] {
            assert!(matches!(
                admit_within(&bytes, &limits),
                Err(Inadmissible::TooLarge { .. })
            ));
        }
        // Changes that together pass a limit, each within it.
        let base = doc.heads();
        doc.edit(|r| r.phone = "081255556666".into()).unwrap();
        let one = doc.changes_since(&base);
        let many: Vec<u8> = std::iter::repeat_n(&one[..], 40)
            .flatten()
            .copied()
            .collect();
        let limits = Limits {
            changes: 39,
            ..Limits::DOCUMENT
        };
        assert!(matches!(
            admit_within(&many, &limits),
            Err(Inadmissible::TooLarge {
                measure: Measure::Changes,
                ..
            })
        ));
    }

    #[test]
    fn garbage_and_truncations_are_refused_not_panicked_on() {
        let bytes = real_document();
        for cut in 1..bytes.len() {
            let truncated = &bytes[..cut];
            assert!(admit(truncated).is_err(), "cut at {cut}");
        }
        assert!(admit(b"not automerge").is_err());
        automerge_refuses_or_survives(b"not automerge");
    }
}
