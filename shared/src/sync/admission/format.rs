//! Automerge's binary format at the level of chunks and columns: read into borrowed
//! parts, and written back. [`super::admit`] reads with it; tests and the fuzz harness
//! also write with it, to build hostile documents from real ones.
//!
//! Chunks are `magic, checksum, type, length, body`
//! (<https://automerge.org/automerge-binary-format-spec/>). Nothing here allocates more
//! than a vector entry per actor, head, dependency or column the input really contains.

use sha2::{Digest, Sha256};

use super::Inadmissible::{self, Malformed};

pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
pub const CHUNK_DOCUMENT: u8 = 0;
pub const CHUNK_CHANGE: u8 = 1;
pub const CHUNK_COMPRESSED_CHANGE: u8 = 2;
pub const CHUNK_BUNDLE: u8 = 3;
/// The bit of a column specification saying its data is deflated.
pub const DEFLATE_BIT: u32 = 0b1000;

/// Column types (the low three bits of a specification).
pub mod column_type {
    pub const GROUP: u32 = 0;
    pub const ACTOR: u32 = 1;
    pub const INTEGER: u32 = 2;
    pub const DELTA: u32 = 3;
    pub const BOOLEAN: u32 = 4;
    pub const STRING: u32 = 5;
    pub const VALUE_META: u32 = 6;
    pub const VALUE: u32 = 7;
}

/// One chunk as it lies in the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    pub checksum: [u8; 4],
    pub chunk_type: u8,
    pub body: &'a [u8],
}

/// A column: its specification (`id << 4 | deflate << 3 | type`) and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column<'a> {
    pub spec: u32,
    pub data: &'a [u8],
}

impl Column<'_> {
    pub fn id(&self) -> u32 {
        self.spec >> 4
    }

    pub fn column_type(&self) -> u32 {
        self.spec & 0b111
    }

    pub fn deflated(&self) -> bool {
        self.spec & DEFLATE_BIT != 0
    }
}

/// The body of a document chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChunk<'a> {
    pub actors: Vec<&'a [u8]>,
    pub heads: Vec<&'a [u8]>,
    pub change_columns: Vec<Column<'a>>,
    pub op_columns: Vec<Column<'a>>,
    /// The heads' indices, which Automerge reads and ignores.
    pub rest: &'a [u8],
}

/// The body of a change chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeChunk<'a> {
    pub deps: Vec<&'a [u8]>,
    pub actor: &'a [u8],
    pub seq: u64,
    pub start_op: u64,
    pub time: i64,
    pub message: &'a [u8],
    pub other_actors: Vec<&'a [u8]>,
    pub columns: Vec<Column<'a>>,
    pub extra: &'a [u8],
}

/// Splits bytes into chunks, checking only their framing.
pub fn chunks(bytes: &[u8]) -> ChunkIter<'_> {
    ChunkIter {
        input: Reader::new(bytes),
    }
}

pub struct ChunkIter<'a> {
    input: Reader<'a>,
}

impl<'a> Iterator for ChunkIter<'a> {
    type Item = Result<Chunk<'a>, Inadmissible>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.input.is_empty() {
            return None;
        }
        let chunk = (|| {
            if self.input.take(4)? != MAGIC {
                return Err(Malformed("not an Automerge chunk"));
            }
            let checksum = self.input.take(4)?.try_into().expect("four bytes");
            let chunk_type = self.input.byte()?;
            let length = self.input.uleb()?;
            let body = self.input.take(length)?;
            Ok(Chunk {
                checksum,
                chunk_type,
                body,
            })
        })();
        if chunk.is_err() {
            self.input = Reader::new(&[]);
        }
        Some(chunk)
    }
}

impl<'a> DocumentChunk<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Self, Inadmissible> {
        let mut input = Reader::new(body);
        let actors = length_prefixed_list(&mut input)?;
        let heads = input.uleb()?;
        let mut head_list = Vec::new();
        for _ in 0..heads {
            head_list.push(input.take(32)?);
        }
        let change_layout = layout(&mut input)?;
        let op_layout = layout(&mut input)?;
        let change_columns = column_data(&mut input, change_layout)?;
        let op_columns = column_data(&mut input, op_layout)?;
        Ok(DocumentChunk {
            actors,
            heads: head_list,
            change_columns,
            op_columns,
            rest: input.rest(),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_list(&mut out, &self.actors);
        write_uleb(&mut out, self.heads.len() as u64);
        for head in &self.heads {
            out.extend_from_slice(head);
        }
        write_layout(&mut out, &self.change_columns);
        write_layout(&mut out, &self.op_columns);
        for column in self.change_columns.iter().chain(&self.op_columns) {
            out.extend_from_slice(column.data);
        }
        out.extend_from_slice(self.rest);
        out
    }
}

impl<'a> ChangeChunk<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Self, Inadmissible> {
        let mut input = Reader::new(body);
        let count = input.uleb()?;
        let mut deps = Vec::new();
        for _ in 0..count {
            deps.push(input.take(32)?);
        }
        let actor_length = input.uleb()?;
        let actor = input.take(actor_length)?;
        let seq = input.uleb()?;
        let start_op = input.uleb()?;
        let time = input.sleb()?;
        let message_length = input.uleb()?;
        let message = input.take(message_length)?;
        let other_actors = length_prefixed_list(&mut input)?;
        let layout = layout(&mut input)?;
        let columns = column_data(&mut input, layout)?;
        Ok(ChangeChunk {
            deps,
            actor,
            seq,
            start_op,
            time,
            message,
            other_actors,
            columns,
            extra: input.rest(),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_uleb(&mut out, self.deps.len() as u64);
        for dep in &self.deps {
            out.extend_from_slice(dep);
        }
        write_uleb(&mut out, self.actor.len() as u64);
        out.extend_from_slice(self.actor);
        write_uleb(&mut out, self.seq);
        write_uleb(&mut out, self.start_op);
        write_sleb(&mut out, self.time);
        write_uleb(&mut out, self.message.len() as u64);
        out.extend_from_slice(self.message);
        write_list(&mut out, &self.other_actors);
        write_layout(&mut out, &self.columns);
        for column in &self.columns {
            out.extend_from_slice(column.data);
        }
        out.extend_from_slice(self.extra);
        out
    }
}

/// A whole chunk around `body`, with the checksum Automerge expects (the first four
/// bytes of the SHA-256 of type, length and body).
pub fn write_chunk(chunk_type: u8, body: &[u8]) -> Vec<u8> {
    let mut hashed = vec![chunk_type];
    write_uleb(&mut hashed, body.len() as u64);
    let hash = Sha256::new()
        .chain_update(&hashed)
        .chain_update(body)
        .finalize();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&hash[..4]);
    out.extend_from_slice(&hashed);
    out.extend_from_slice(body);
    out
}

pub fn write_uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn write_sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn length_prefixed_list<'a>(input: &mut Reader<'a>) -> Result<Vec<&'a [u8]>, Inadmissible> {
    let count = input.uleb()?;
    let mut items = Vec::new();
    for _ in 0..count {
        let length = input.uleb()?;
        items.push(input.take(length)?);
    }
    Ok(items)
}

fn write_list(out: &mut Vec<u8>, items: &[&[u8]]) {
    write_uleb(out, items.len() as u64);
    for item in items {
        write_uleb(out, item.len() as u64);
        out.extend_from_slice(item);
    }
}

/// A column layout: `count, (specification, length)*`.
fn layout(input: &mut Reader<'_>) -> Result<Vec<(u32, u64)>, Inadmissible> {
    let count = input.uleb()?;
    let mut layout = Vec::new();
    for _ in 0..count {
        let spec = u32::try_from(input.uleb()?).map_err(|_| Malformed("column specification"))?;
        layout.push((spec, input.uleb()?));
    }
    Ok(layout)
}

fn write_layout(out: &mut Vec<u8>, columns: &[Column<'_>]) {
    write_uleb(out, columns.len() as u64);
    for column in columns {
        write_uleb(out, column.spec as u64);
        write_uleb(out, column.data.len() as u64);
    }
}

fn column_data<'a>(
    input: &mut Reader<'a>,
    layout: Vec<(u32, u64)>,
) -> Result<Vec<Column<'a>>, Inadmissible> {
    layout
        .into_iter()
        .map(|(spec, length)| {
            Ok(Column {
                spec,
                data: input.take(length)?,
            })
        })
        .collect()
}

/// A cursor over bytes, reading the format's numbers.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    pub fn byte(&mut self) -> Result<u8, Inadmissible> {
        let (&first, rest) = self.bytes.split_first().ok_or(Malformed("truncated"))?;
        self.bytes = rest;
        Ok(first)
    }

    pub fn take(&mut self, length: u64) -> Result<&'a [u8], Inadmissible> {
        match usize::try_from(length) {
            Ok(length) if length <= self.bytes.len() => {
                let (taken, rest) = self.bytes.split_at(length);
                self.bytes = rest;
                Ok(taken)
            }
            _ => Err(Malformed("truncated")),
        }
    }

    /// Unsigned LEB128 of at most 64 bits.
    pub fn uleb(&mut self) -> Result<u64, Inadmissible> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = (byte & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(Malformed("a number too large"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Malformed("a number too large"))
    }

    /// Signed LEB128 of at most 64 bits.
    pub fn sleb(&mut self) -> Result<i64, Inadmissible> {
        let mut value: i64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = (byte & 0x7f) as i64;
            if shift == 63 && bits != 0 && bits != 0x7f {
                return Err(Malformed("a number too large"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                if shift + 7 < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << (shift + 7);
                }
                return Ok(value);
            }
        }
        Err(Malformed("a number too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_survive_writing_and_reading() {
        for value in [0u64, 1, 63, 64, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            write_uleb(&mut out, value);
            assert_eq!(Reader::new(&out).uleb(), Ok(value));
        }
        for value in [0i64, 1, -1, 63, -64, 64, -65, 1 << 40, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_sleb(&mut out, value);
            assert_eq!(Reader::new(&out).sleb(), Ok(value), "{value}");
        }
    }

    #[test]
    fn a_number_longer_than_64_bits_is_refused() {
        let eleven = [0xffu8; 10];
        assert!(Reader::new(&eleven).uleb().is_err());
        assert!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .uleb()
                .is_err()
        );
    }
}
