//! The byte form of sync messages: a one-byte format tag, then the message in `postcard`,
//! deflate-compressed. Documents in a batch share field names and codes, so compressing
//! the whole batch, not each document, is what makes records small on the wire.
//!
//! Decoding is bounded: a body that inflates past `max_inflated` bytes is refused before
//! it is fully inflated, so a small hostile body cannot exhaust memory.

use std::io::{Read, Write};

use flate2::{read::DeflateDecoder, write::DeflateEncoder, Compression};
use serde::{de::DeserializeOwned, Serialize};

/// Tag of the only format so far: postcard inside raw deflate.
const FORMAT_POSTCARD_DEFLATE: u8 = 1;

/// The media type of sync bodies.
pub const CONTENT_TYPE: &str = "application/x-jemput-sync";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the message is empty")]
    Empty,
    #[error("unknown message format {0}")]
    UnknownFormat(u8),
    #[error("the message inflates to more than {0} bytes")]
    TooLarge(usize),
    #[error("the message is damaged or truncated: {0}")]
    Corrupt(String),
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let plain = postcard::to_allocvec(message).expect("sync messages always serialize");
    let mut out = Vec::with_capacity(plain.len() / 2 + 16);
    out.push(FORMAT_POSTCARD_DEFLATE);
    let mut encoder = DeflateEncoder::new(out, Compression::new(6));
    encoder
        .write_all(&plain)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], max_inflated: usize) -> Result<T, WireError> {
    let (&format, body) = bytes.split_first().ok_or(WireError::Empty)?;
    if format != FORMAT_POSTCARD_DEFLATE {
        return Err(WireError::UnknownFormat(format));
    }
    let mut plain = Vec::new();
    DeflateDecoder::new(body)
        .take(max_inflated as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| WireError::Corrupt(e.to_string()))?;
    if plain.len() > max_inflated {
        return Err(WireError::TooLarge(max_inflated));
    }
    postcard::from_bytes(&plain).map_err(|e| WireError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::message::{Cursor, PullRequest, SyncRequest, PROTOCOL_VERSION};

    fn request() -> SyncRequest {
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            push: vec![],
            pull: Some(PullRequest {
                cursor: Some(Cursor {
                    seq: 42,
                    check: 7,
                    scope: 0,
                }),
                max_bytes: 1 << 20,
                acked: None,
            }),
        }
    }

    #[test]
    fn a_message_survives_encoding() {
        let bytes = encode(&request());
        assert_eq!(decode::<SyncRequest>(&bytes, 1 << 20), Ok(request()));
    }

    #[test]
    fn a_truncated_message_is_refused() {
        let bytes = encode(&request());
        for cut in 0..bytes.len() {
            assert!(
                decode::<SyncRequest>(&bytes[..cut], 1 << 20).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_message_that_inflates_too_far_is_refused() {
        let zeros = vec![0u8; 100_000];
        let bytes = encode(&zeros);
        assert_eq!(
            decode::<Vec<u8>>(&bytes, 1000),
            Err(WireError::TooLarge(1000))
        );
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        assert!(decode::<SyncRequest>(&[1, 2, 3, 4, 5], 1 << 20).is_err());
        assert_eq!(
            decode::<SyncRequest>(&[9, 0], 1 << 20),
            Err(WireError::UnknownFormat(9))
        );
    }
}
