//! The harness's inputs: random bytes, and structure-aware mutations of the corpus's
//! valid requests — of the outer message (items, ids, heads, seals, the pull), of its
//! encoded bytes, and inside documents: chunk headers, column specifications, LEB128
//! numbers, run lengths, the deflate bit, actors and heads, spliced, duplicated and
//! truncated chunks. Every choice comes from one seeded RNG, so a seed replays a run.

use std::io::Write;

use jemput_shared::limits::{MAX_DOCUMENT_CHANGES, MAX_DOCUMENT_OPS, MAX_PUSH_ITEMS};
use jemput_shared::sync::admission::format::{
    self, column_type, write_chunk, write_sleb, write_uleb, ChangeChunk, Column, DocumentChunk,
    Reader, CHUNK_BUNDLE, CHUNK_CHANGE, CHUNK_COMPRESSED_CHANGE, CHUNK_DOCUMENT, DEFLATE_BIT,
    MAGIC,
};
use jemput_shared::sync::message::{Cursor, PullRequest, SyncRequest, Vouched};
use jemput_shared::sync::wire;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// One input and the strategy that made it.
pub struct Input {
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

pub struct Mutator {
    rng: StdRng,
    corpus: Vec<SyncRequest>,
    /// Every document of the corpus, for splicing.
    documents: Vec<Vec<u8>>,
}

impl Mutator {
    pub fn new(seed: u64, corpus: Vec<SyncRequest>) -> Mutator {
        let documents = corpus
            .iter()
            .flat_map(|r| r.push.iter().map(|i| i.changes.clone()))
            .filter(|d| !d.is_empty())
            .collect();
        Mutator {
            rng: StdRng::seed_from_u64(seed),
            corpus,
            documents,
        }
    }

    pub fn next_input(&mut self) -> Input {
        match self.rng.random_range(0..100) {
            0..4 => {
                let bytes = self.random_bytes(4096);
                Input {
                    kind: "random_bytes",
                    bytes,
                }
            }
            4..8 => {
                let plain = self.random_bytes(4096);
                Input {
                    kind: "random_message",
                    bytes: deflated_message(&plain),
                }
            }
            8..22 => {
                let mut request = self.pick_request();
                self.mutate_message(&mut request);
                Input {
                    kind: "message",
                    bytes: wire::encode(&request),
                }
            }
            22..30 => {
                let request = self.pick_request();
                let mut plain = postcard::to_allocvec(&request).expect("serializes");
                self.mutate_bytes(&mut plain);
                Input {
                    kind: "message_bytes",
                    bytes: deflated_message(&plain),
                }
            }
            30..34 => Input {
                kind: "huge_message",
                bytes: self.huge_message(),
            },
            _ => {
                let mut request = self.pick_request();
                if request.push.is_empty() {
                    request = self.corpus[0].clone();
                }
                let mut kind = "document";
                for round in 0..self.rng.random_range(1..=3) {
                    let index = self.rng.random_range(0..request.push.len());
                    let (mutation, bytes) = self.mutate_document(&request.push[index].changes);
                    if round == 0 {
                        kind = mutation;
                    }
                    request.push[index].changes = bytes;
                }
                Input {
                    kind,
                    bytes: wire::encode(&request),
                }
            }
        }
    }

    fn pick_request(&mut self) -> SyncRequest {
        let index = self.rng.random_range(0..self.corpus.len());
        self.corpus[index].clone()
    }

    fn random_bytes(&mut self, max: usize) -> Vec<u8> {
        let mut bytes = vec![0; self.rng.random_range(0..=max)];
        self.rng.fill_bytes(&mut bytes);
        bytes
    }

    fn hash(&mut self) -> [u8; 32] {
        let mut hash = [0; 32];
        self.rng.fill_bytes(&mut hash);
        hash
    }

    /// Numbers at the edges: of LEB128 lengths, integer widths and the limits.
    fn interesting(&mut self) -> u64 {
        const VALUES: &[u64] = &[
            0,
            1,
            2,
            63,
            64,
            127,
            128,
            255,
            256,
            65_535,
            65_536,
            1_000_000,
            10_000_000,
            100_000_000,
            1_000_000_000,
            (1 << 31) - 1,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            1 << 53,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX,
            MAX_DOCUMENT_OPS - 1,
            MAX_DOCUMENT_OPS,
            MAX_DOCUMENT_OPS + 1,
            MAX_DOCUMENT_CHANGES,
            MAX_DOCUMENT_CHANGES + 1,
        ];
        if self.rng.random_bool(0.8) {
            VALUES[self.rng.random_range(0..VALUES.len())]
        } else {
            self.rng.random::<u64>() >> self.rng.random_range(0..64)
        }
    }

    fn mutate_bytes(&mut self, bytes: &mut Vec<u8>) {
        for _ in 0..self.rng.random_range(1..=8) {
            if bytes.is_empty() {
                bytes.push(self.rng.random());
                continue;
            }
            let at = self.rng.random_range(0..bytes.len());
            match self.rng.random_range(0..5) {
                0 => bytes[at] ^= 1 << self.rng.random_range(0..8),
                1 => bytes[at] = self.rng.random(),
                2 => bytes.truncate(at),
                3 => {
                    let value = self.interesting();
                    let mut encoded = Vec::new();
                    write_uleb(&mut encoded, value);
                    bytes.splice(at..at, encoded);
                }
                _ => {
                    let end = (at + self.rng.random_range(1..64)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
        }
    }

    /// A message at the size limits: a document of zeros inflating past the request
    /// limit, or as many items as the limit allows and one more.
    fn huge_message(&mut self) -> Vec<u8> {
        let mut request = self.pick_request();
        match self.rng.random_range(0..3) {
            0 => {
                let size = jemput_shared::limits::MAX_INFLATED_REQUEST
                    + self.rng.random_range(0..2) * 1024;
                let mut item = self.corpus[0].push[0].clone();
                item.changes = vec![0; size];
                request.push = vec![item];
            }
            1 => {
                let item = self.corpus[0].push[0].clone();
                request.push = vec![item; MAX_PUSH_ITEMS + self.rng.random_range(0..2)];
            }
            _ => {
                // Many small bombs in one request.
                let bomb = self.bomb_document();
                let mut item = self.corpus[0].push[0].clone();
                item.changes = bomb;
                request.push = vec![item; self.rng.random_range(1..2000)];
            }
        }
        wire::encode(&request)
    }

    fn mutate_message(&mut self, request: &mut SyncRequest) {
        for _ in 0..self.rng.random_range(1..=4) {
            let items = request.push.len();
            match self.rng.random_range(0..10) {
                0 if items > 0 => {
                    request.push.remove(self.rng.random_range(0..items));
                }
                1 if items > 0 => {
                    let copy = request.push[self.rng.random_range(0..items)].clone();
                    let copies = self.rng.random_range(1..20);
                    request.push.extend(std::iter::repeat_n(copy, copies));
                }
                2 if items > 0 => {
                    let index = self.rng.random_range(0..items);
                    request.push[index].doc_id = match self.rng.random_range(0..4) {
                        0 => String::new(),
                        1 => "x".repeat(self.rng.random_range(60..80)),
                        2 => request.push[self.rng.random_range(0..items)].doc_id.clone(),
                        _ => format!("{:x}", self.rng.random::<u64>()),
                    };
                }
                3 if items > 0 => {
                    let index = self.rng.random_range(0..items);
                    let count = self.rng.random_range(0..70);
                    request.push[index].base = (0..count).map(|_| self.hash()).collect();
                }
                4 if items > 0 => {
                    let index = self.rng.random_range(0..items);
                    let count = self.rng.random_range(0..70);
                    request.push[index].heads = (0..count).map(|_| self.hash()).collect();
                }
                5 if items > 0 => {
                    let index = self.rng.random_range(0..items);
                    let count = self.rng.random_range(0..10);
                    let heads = request.push[index].heads.clone();
                    request.push[index].vouched = (0..count)
                        .map(|_| Vouched {
                            heads: heads.clone(),
                            seal: self.rng.random(),
                        })
                        .collect();
                }
                6 if items > 1 => {
                    let (a, b) = (
                        self.rng.random_range(0..items),
                        self.rng.random_range(0..items),
                    );
                    let changes = request.push[a].changes.clone();
                    request.push[b].changes = changes;
                }
                7 => request.protocol = self.rng.random(),
                8 => {
                    request.pull = match self.rng.random_range(0..3) {
                        0 => None,
                        _ => Some(PullRequest {
                            cursor: self.rng.random_bool(0.5).then(|| Cursor {
                                seq: self.interesting(),
                                check: self.rng.random(),
                                scope: self.interesting(),
                            }),
                            max_bytes: self.interesting() as u32,
                            acked: None,
                        }),
                    }
                }
                _ if items > 0 => {
                    let index = self.rng.random_range(0..items);
                    let (_, bytes) = self.mutate_document(&request.push[index].changes);
                    request.push[index].changes = bytes;
                }
                _ => {}
            }
        }
    }

    /// Mutates a document's bytes at the chunk level or inside a chunk; returns the
    /// mutation's name and the new bytes.
    fn mutate_document(&mut self, bytes: &[u8]) -> (&'static str, Vec<u8>) {
        let chunks: Vec<_> = format::chunks(bytes).filter_map(Result::ok).collect();
        if chunks.is_empty() {
            let mut bytes = bytes.to_vec();
            self.mutate_bytes(&mut bytes);
            return ("document_bytes", bytes);
        }
        let index = self.rng.random_range(0..chunks.len());
        let chunk = chunks[index];
        let mut mutation = "chunk_body";
        let replaced: Vec<Vec<u8>> = match self.rng.random_range(0..12) {
            0 => {
                mutation = "chunk_type";
                vec![write_chunk(self.rng.random_range(0..6), chunk.body)]
            }
            1 => {
                mutation = "chunk_header";
                let mut out = MAGIC.to_vec();
                if self.rng.random_bool(0.5) {
                    out[self.rng.random_range(0..4)] ^= 0x20;
                }
                out.extend_from_slice(&self.rng.random::<[u8; 4]>());
                out.push(chunk.chunk_type);
                let length = if self.rng.random_bool(0.5) {
                    self.interesting()
                } else {
                    (chunk.body.len() as u64).saturating_add_signed(self.rng.random_range(-3..=3))
                };
                write_uleb(&mut out, length);
                out.extend_from_slice(chunk.body);
                vec![out]
            }
            2 => {
                mutation = "truncate";
                let whole = bytes.len();
                return (mutation, bytes[..self.rng.random_range(0..whole)].to_vec());
            }
            3 => {
                mutation = "bitflip";
                let mut bytes = bytes.to_vec();
                for _ in 0..self.rng.random_range(1..8) {
                    let at = self.rng.random_range(0..bytes.len());
                    bytes[at] ^= 1 << self.rng.random_range(0..8);
                }
                return (mutation, bytes);
            }
            4 => {
                mutation = "splice";
                let other = self.documents[self.rng.random_range(0..self.documents.len())].clone();
                let cut = self.rng.random_range(0..=other.len());
                let mut out = if self.rng.random_bool(0.5) {
                    other[..cut].to_vec()
                } else {
                    other
                };
                out.extend_from_slice(bytes);
                return (mutation, out);
            }
            5 => {
                mutation = "duplicate_chunk";
                let times = self.rng.random_range(2..50);
                vec![write_chunk(chunk.chunk_type, chunk.body); times]
            }
            6 => {
                mutation = "foreign_chunk";
                let chunk_type =
                    [CHUNK_COMPRESSED_CHANGE, CHUNK_BUNDLE][self.rng.random_range(0..2)];
                let body = if self.rng.random_bool(0.5) {
                    deflate(&self.bomb_runs())
                } else {
                    chunk.body.to_vec()
                };
                vec![
                    write_chunk(chunk.chunk_type, chunk.body),
                    write_chunk(chunk_type, &body),
                ]
            }
            _ => match chunk.chunk_type {
                CHUNK_DOCUMENT => match DocumentChunk::parse(chunk.body) {
                    Ok(parsed) => {
                        let mut owned = OwnedDocument::from(&parsed);
                        mutation = self.mutate_document_chunk(&mut owned);
                        vec![self.rewrite(CHUNK_DOCUMENT, &chunk.checksum, &owned.encode())]
                    }
                    Err(_) => vec![write_chunk(chunk.chunk_type, chunk.body)],
                },
                CHUNK_CHANGE => match ChangeChunk::parse(chunk.body) {
                    Ok(parsed) => {
                        let mut owned = OwnedChange::from(&parsed);
                        mutation = self.mutate_change_chunk(&mut owned);
                        vec![self.rewrite(CHUNK_CHANGE, &chunk.checksum, &owned.encode())]
                    }
                    Err(_) => vec![write_chunk(chunk.chunk_type, chunk.body)],
                },
                other => vec![write_chunk(other, chunk.body)],
            },
        };
        let mut out = Vec::new();
        for (n, original) in chunks.iter().enumerate() {
            if n == index {
                for piece in &replaced {
                    out.extend_from_slice(piece);
                }
            } else {
                out.extend_from_slice(&write_chunk(original.chunk_type, original.body));
            }
        }
        (mutation, out)
    }

    /// A chunk around `body`, usually with its right checksum (so the input reaches past
    /// Automerge's checksum check), sometimes with the stale one.
    fn rewrite(&mut self, chunk_type: u8, stale: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut chunk = write_chunk(chunk_type, body);
        if self.rng.random_bool(0.05) {
            chunk[4..8].copy_from_slice(stale);
        }
        chunk
    }

    fn mutate_document_chunk(&mut self, doc: &mut OwnedDocument) -> &'static str {
        match self.rng.random_range(0..10) {
            0 => {
                match self.rng.random_range(0..3) {
                    0 => {
                        let actor = self.random_bytes(40);
                        doc.actors.push(actor);
                    }
                    1 if !doc.actors.is_empty() => {
                        let at = self.rng.random_range(0..doc.actors.len());
                        doc.actors.remove(at);
                    }
                    _ => {
                        let count = self.rng.random_range(0..200);
                        let actors: Vec<Vec<u8>> =
                            (0..count).map(|_| self.random_bytes(16)).collect();
                        doc.actors.extend(actors);
                    }
                }
                "actors"
            }
            1 => {
                let count = self.rng.random_range(0..5);
                doc.heads = (0..count).map(|_| self.hash().to_vec()).collect();
                "heads"
            }
            _ if self.rng.random_bool(0.5) => self.mutate_columns(&mut doc.change_columns),
            _ => self.mutate_columns(&mut doc.op_columns),
        }
    }

    fn mutate_change_chunk(&mut self, change: &mut OwnedChange) -> &'static str {
        match self.rng.random_range(0..6) {
            0 => {
                match self.rng.random_range(0..4) {
                    0 => change.start_op = self.interesting(),
                    1 => change.seq = self.interesting(),
                    2 => change.time = self.interesting() as i64,
                    _ => change.message = self.random_bytes(200),
                }
                "change_header"
            }
            1 => {
                match self.rng.random_range(0..3) {
                    0 => change.deps.push(self.hash().to_vec()),
                    1 => change.deps.clear(),
                    _ => {
                        let count = self.rng.random_range(0..100);
                        let actors: Vec<Vec<u8>> =
                            (0..count).map(|_| self.random_bytes(20)).collect();
                        change.other_actors.extend(actors);
                    }
                }
                "change_deps_actors"
            }
            _ => self.mutate_columns(&mut change.columns),
        }
    }

    fn mutate_columns(&mut self, columns: &mut Vec<OwnedColumn>) -> &'static str {
        if columns.is_empty() {
            columns.push(OwnedColumn {
                spec: self.rng.random_range(0..200),
                data: self.bomb_runs(),
            });
            return "column_added";
        }
        let at = self.rng.random_range(0..columns.len());
        match self.rng.random_range(0..9) {
            0 => {
                let column = &mut columns[at];
                column.spec |= DEFLATE_BIT;
                column.data = match self.rng.random_range(0..3) {
                    0 => deflate(&column.data),
                    1 => deflate(&self.bomb_runs()),
                    _ => column.data.clone(),
                };
                "deflate_bit"
            }
            1 => {
                let spec = match self.rng.random_range(0..3) {
                    0 => columns[at].spec ^ (1 << self.rng.random_range(0..8)),
                    1 => self.rng.random_range(0..12) << 4 | self.rng.random_range(0..8),
                    _ => self.interesting() as u32,
                };
                columns[at].spec = spec;
                "column_spec"
            }
            2 => {
                match self.rng.random_range(0..3) {
                    0 => {
                        let copy = columns[at].clone();
                        columns.insert(at, copy);
                    }
                    1 => {
                        columns.remove(at);
                    }
                    _ => {
                        let other = self.rng.random_range(0..columns.len());
                        columns.swap(at, other);
                    }
                }
                "column_order"
            }
            3 => {
                let data = &mut columns[at].data;
                match self.rng.random_range(0..4) {
                    0 => *data = self.random_bytes(64),
                    1 => data.clear(),
                    2 => {
                        let cut = self.rng.random_range(0..=data.len());
                        data.truncate(cut);
                    }
                    _ => {
                        let copy = data.clone();
                        data.extend(copy);
                    }
                }
                "column_data"
            }
            4 => {
                columns[at].data = self.bomb_runs();
                "column_bomb"
            }
            5 | 6 => {
                let column_type = columns[at].spec & 0b111;
                let value = self.interesting();
                let negative = self.rng.random_bool(0.2);
                let positions = run_counts(&columns[at].data, column_type);
                if positions.is_empty() {
                    return "run_length_none";
                }
                let (start, end) = positions[self.rng.random_range(0..positions.len())];
                let mut encoded = Vec::new();
                if column_type == column_type::BOOLEAN {
                    write_uleb(&mut encoded, value);
                } else if negative {
                    write_sleb(&mut encoded, -(value.min(i64::MAX as u64) as i64));
                } else {
                    write_sleb(&mut encoded, value.min(i64::MAX as u64) as i64);
                }
                columns[at].data.splice(start..end, encoded);
                "run_length"
            }
            _ => {
                let positions = leb_positions(&columns[at].data);
                if positions.is_empty() {
                    return "leb_none";
                }
                let (start, end) = positions[self.rng.random_range(0..positions.len())];
                let value = self.interesting();
                let mut encoded = Vec::new();
                if self.rng.random_bool(0.5) {
                    write_uleb(&mut encoded, value);
                } else {
                    write_sleb(&mut encoded, value as i64);
                }
                columns[at].data.splice(start..end, encoded);
                "leb"
            }
        }
    }

    /// Run-length data whose runs ask for far more values than the bytes hold.
    fn bomb_runs(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..self.rng.random_range(1..200) {
            match self.rng.random_range(0..3) {
                0 => {
                    write_sleb(&mut out, self.interesting().min(i64::MAX as u64) as i64);
                    write_uleb(&mut out, self.rng.random_range(0..4));
                }
                1 => {
                    write_sleb(&mut out, 0);
                    write_uleb(&mut out, self.interesting());
                }
                _ => {
                    write_sleb(&mut out, self.interesting().min(i64::MAX as u64) as i64);
                    write_uleb(&mut out, 3);
                    out.extend_from_slice(b"key");
                }
            }
        }
        out
    }

    /// A real document with one column replaced by a deflated run bomb.
    fn bomb_document(&mut self) -> Vec<u8> {
        let document = self.documents[0].clone();
        let Some(Ok(chunk)) = format::chunks(&document).next() else {
            return document;
        };
        let Ok(parsed) = DocumentChunk::parse(chunk.body) else {
            return document;
        };
        let mut owned = OwnedDocument::from(&parsed);
        if let Some(column) = owned.change_columns.first_mut() {
            column.spec |= DEFLATE_BIT;
            column.data = deflate(&self.bomb_runs());
        }
        write_chunk(CHUNK_DOCUMENT, &owned.encode())
    }
}

/// A message of the wire format around `plain` (which need not be valid postcard).
fn deflated_message(plain: &[u8]) -> Vec<u8> {
    let mut out = vec![1];
    out.extend(deflate(plain));
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("writing to a Vec");
    encoder.finish().expect("writing to a Vec")
}

/// Where each LEB128 number of `data` lies, reading it as a plain sequence of numbers.
fn leb_positions(data: &[u8]) -> Vec<(usize, usize)> {
    let mut positions = Vec::new();
    let mut start = 0;
    for (index, byte) in data.iter().enumerate() {
        if byte & 0x80 == 0 {
            positions.push((start, index + 1));
            start = index + 1;
        }
    }
    positions
}

/// Where the run counts of run-length data of `column_type` lie (boolean columns are all
/// run lengths); stops at the first thing it cannot read.
fn run_counts(data: &[u8], column_type: u32) -> Vec<(usize, usize)> {
    if column_type == column_type::BOOLEAN {
        return leb_positions(data);
    }
    if column_type == column_type::VALUE {
        return Vec::new();
    }
    let mut positions = Vec::new();
    let mut reader = Reader::new(data);
    let offset = |reader: &Reader<'_>| data.len() - reader.remaining();
    let skip_value = |reader: &mut Reader<'_>| -> Option<()> {
        match column_type {
            column_type::DELTA => reader.sleb().ok().map(|_| ()),
            column_type::STRING => {
                let length = reader.uleb().ok()?;
                reader.take(length).ok().map(|_| ())
            }
            _ => reader.uleb().ok().map(|_| ()),
        }
    };
    while !reader.is_empty() {
        let start = offset(&reader);
        let Ok(count) = reader.sleb() else { break };
        positions.push((start, offset(&reader)));
        if count > 0 {
            if skip_value(&mut reader).is_none() {
                break;
            }
        } else if count < 0 {
            for _ in 0..count.unsigned_abs().min(data.len() as u64) {
                if skip_value(&mut reader).is_none() {
                    break;
                }
            }
        } else {
            let nulls_start = offset(&reader);
            if reader.uleb().is_err() {
                break;
            }
            positions.push((nulls_start, offset(&reader)));
        }
    }
    positions
}

#[derive(Debug, Clone)]
struct OwnedColumn {
    spec: u32,
    data: Vec<u8>,
}

struct OwnedDocument {
    actors: Vec<Vec<u8>>,
    heads: Vec<Vec<u8>>,
    change_columns: Vec<OwnedColumn>,
    op_columns: Vec<OwnedColumn>,
    rest: Vec<u8>,
}

fn owned_columns(columns: &[Column<'_>]) -> Vec<OwnedColumn> {
    columns
        .iter()
        .map(|c| OwnedColumn {
            spec: c.spec,
            data: c.data.to_vec(),
        })
        .collect()
}

fn borrowed_columns(columns: &[OwnedColumn]) -> Vec<Column<'_>> {
    columns
        .iter()
        .map(|c| Column {
            spec: c.spec,
            data: &c.data,
        })
        .collect()
}

impl From<&DocumentChunk<'_>> for OwnedDocument {
    fn from(doc: &DocumentChunk<'_>) -> Self {
        OwnedDocument {
            actors: doc.actors.iter().map(|a| a.to_vec()).collect(),
            heads: doc.heads.iter().map(|h| h.to_vec()).collect(),
            change_columns: owned_columns(&doc.change_columns),
            op_columns: owned_columns(&doc.op_columns),
            rest: doc.rest.to_vec(),
        }
    }
}

impl OwnedDocument {
    fn encode(&self) -> Vec<u8> {
        DocumentChunk {
            actors: self.actors.iter().map(Vec::as_slice).collect(),
            heads: self.heads.iter().map(Vec::as_slice).collect(),
            change_columns: borrowed_columns(&self.change_columns),
            op_columns: borrowed_columns(&self.op_columns),
            rest: &self.rest,
        }
        .encode()
    }
}

struct OwnedChange {
    deps: Vec<Vec<u8>>,
    actor: Vec<u8>,
    seq: u64,
    start_op: u64,
    time: i64,
    message: Vec<u8>,
    other_actors: Vec<Vec<u8>>,
    columns: Vec<OwnedColumn>,
    extra: Vec<u8>,
}

impl From<&ChangeChunk<'_>> for OwnedChange {
    fn from(change: &ChangeChunk<'_>) -> Self {
        OwnedChange {
            deps: change.deps.iter().map(|d| d.to_vec()).collect(),
            actor: change.actor.to_vec(),
            seq: change.seq,
            start_op: change.start_op,
            time: change.time,
            message: change.message.to_vec(),
            other_actors: change.other_actors.iter().map(|a| a.to_vec()).collect(),
            columns: owned_columns(&change.columns),
            extra: change.extra.to_vec(),
        }
    }
}

impl OwnedChange {
    fn encode(&self) -> Vec<u8> {
        ChangeChunk {
            deps: self.deps.iter().map(Vec::as_slice).collect(),
            actor: &self.actor,
            seq: self.seq,
            start_op: self.start_op,
            time: self.time,
            message: &self.message,
            other_actors: self.other_actors.iter().map(Vec::as_slice).collect(),
            columns: borrowed_columns(&self.columns),
            extra: &self.extra,
        }
        .encode()
    }
}
