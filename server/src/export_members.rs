//! Which people an export contained (UU PDP: the trail says which exports held a person's
//! data, though the files themselves are outside Jemput). Each export keeps, with its
//! audit entry, a Bloom filter of the keyed hashes of the NIKs it wrote ([`NikKeys`]):
//! about 2.4 bytes a row, so a million-row export adds 2.4 MB to the trail, and a person
//! is named in an export they were not in at most once in 10,000 exports. Without the
//! server's secret the filter tells nothing about any NIK.

use bloomfilter::Bloom;

use crate::audit::NikKeys;

/// How often a person is reported in an export they were not in.
const FALSE_POSITIVE_RATE: f64 = 1e-4;

/// The filter's seed. The items are keyed hashes already, so it need not be secret; its
/// two halves must differ (the crate hashes with each half).
const SEED: [u8; 32] = *b"jemput export members, filter v1";

/// The people an export is writing, gathered as it streams: 8 bytes a row until the end.
pub struct ExportMembers {
    keys: NikKeys,
    digests: Vec<u64>,
}

impl ExportMembers {
    pub fn new(keys: NikKeys) -> Self {
        ExportMembers {
            keys,
            digests: Vec::new(),
        }
    }

    /// A row with this NIK was written (rows without one are nobody to look up).
    pub fn note(&mut self, nik: &str) {
        if !nik.trim().is_empty() {
            self.digests.push(digest(&self.keys, nik));
        }
    }

    /// The filter to keep with the audit entry; `None` when no row had a NIK.
    pub fn into_filter(self) -> Option<Vec<u8>> {
        if self.digests.is_empty() {
            return None;
        }
        let mut bloom =
            Bloom::new_for_fp_rate_with_seed(self.digests.len(), FALSE_POSITIVE_RATE, &SEED)
                .ok()?;
        for digest in &self.digests {
            bloom.set(digest);
        }
        Some(bloom.into_bytes())
    }
}

/// The part of a NIK's keyed hash the filters hold.
pub fn digest(keys: &NikKeys, nik: &str) -> u64 {
    let hash = keys.digest(nik);
    u64::from_le_bytes(hash[..8].try_into().expect("8 bytes"))
}

/// Whether an export's filter (probably) holds the person with this digest; a damaged
/// filter holds nobody.
pub fn filter_holds(filter: &[u8], digest: u64) -> bool {
    Bloom::<u64>::from_slice(filter).is_ok_and(|bloom| bloom.check(&digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_holds_the_people_written_and_hardly_anyone_else() {
        let keys = NikKeys::new(&[7; 32]);
        let mut members = ExportMembers::new(keys.clone());
        for n in 0..1_000u64 {
            members.note(&format!("17010115059{n:05}"));
        }
        members.note("");
        let filter = members.into_filter().unwrap();
        assert!(filter.len() < 3_000, "{} bytes", filter.len());
        for n in 0..1_000u64 {
            assert!(filter_holds(
                &filter,
                digest(&keys, &format!("17010115059{n:05}"))
            ));
        }
        let strangers = (0..10_000u64)
            .filter(|n| filter_holds(&filter, digest(&keys, &format!("17020115059{n:05}"))))
            .count();
        assert!(strangers <= 5, "{strangers} false positives");
        assert!(!filter_holds(b"damaged", 1));
        assert_eq!(ExportMembers::new(keys).into_filter(), None);
    }
}
