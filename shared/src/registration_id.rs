//! A new registration's id, which is also its document's id: a version-7 UUID (RFC 9562).
//! Its first 48 bits are the creation time in milliseconds and the rest is random. So ids
//! made one after another sort one after another.
//!
//! The server keys two b-trees by this id: `documents` and the supervisors' projection.
//! A random (version-4) id put every new record on its own page of both. Once those
//! indexes outgrow the page cache, each of those pages had to be read, written to the
//! WAL and checkpointed back (issue 13). Time-ordered ids all land at the end of the
//! indexes, on pages already in memory. Older records keep their version-4 ids; both
//! kinds are plain UUID strings.

use crate::registration::Millis;

/// The id for a registration created at `created_at`. `random` must come from a
/// cryptographic source (the phone's `getrandom`); two ids made in the same millisecond
/// differ by those 74 random bits.
pub fn new_registration_id(created_at: Millis, random: &[u8; 10]) -> String {
    let millis = u64::try_from(created_at).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, random)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_their_creation_time() {
        let earlier = new_registration_id(1_764_547_200_000, &[0xff; 10]);
        let later = new_registration_id(1_764_547_200_001, &[0; 10]);
        assert!(earlier < later, "{earlier} < {later}");
        assert_eq!(earlier.len(), 36);
        let parsed = uuid::Uuid::parse_str(&later).expect("a UUID");
        assert_eq!(parsed.get_version(), Some(uuid::Version::SortRand));
    }

    #[test]
    fn ids_of_one_millisecond_differ_by_their_random_bits() {
        let a = new_registration_id(1_764_547_200_000, &[1; 10]);
        let b = new_registration_id(1_764_547_200_000, &[2; 10]);
        assert_ne!(a, b);
        assert_eq!(a[..13], b[..13], "same time prefix");
    }
}
