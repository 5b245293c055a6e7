//! The receipt a citizen leaves with ("Bukti pendaftaran"): its registration number, made
//! offline yet unique, and the signed payload its QR code carries, which the office
//! verifies at `/verifikasi/<payload>`.
//!
//! **The number** is the device's code and the device's own sequence:
//! `7KQ2M-9XAHD-0042`. The code is the first 50 bits of SHA-256 of the device id (a
//! UUID the server chose at login) in Crockford base32, so two devices share one with
//! odds around one in a million even with 40,000 devices; the phone counts the sequence
//! up in its sealed database. The number is written into the registration's document
//! once and never changed (`crate::policy`).
//!
//! **The signature.** A phone cannot hold a server-wide private key, so at login the
//! server gives each device its own receipt key: `HMAC(receipt secret, device id)`, the
//! receipt secret itself derived from the server's seal key (`server/src/receipts.rs`).
//! The phone keeps it sealed like its token. The payload states what the card shows
//! publicly — number, masked NIK, name, day of registration — and the device id, and
//! ends with an HMAC-SHA256 under the device's key, truncated to 128 bits. The server
//! derives the key again from the device id and checks the MAC in constant time; forging
//! one without the key is a 2^-128 guess. A stolen phone's key signs only as that device
//! (whose officer the verification names); it never signs for another.
//!
//! The payload is bytes, URL-safe base64 without padding:
//! `[version 1][u8 len][number][u8 len][masked NIK][u16 len][name][u32 WIB day][u8 len]
//! [device id][MAC 16]`. Every length is checked against its field's bound before
//! anything is read, and the whole payload against [`MAX_PAYLOAD_CHARS`] before it is
//! decoded: a crafted payload allocates at most that much and never panics.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::calendar;
use crate::limits;
use crate::registration::Millis;

/// Where the server answers a receipt's QR code for people: `/verifikasi/<payload>`.
pub const VERIFY_PAGE: &str = "/verifikasi/";
/// Where it answers in JSON: `/api/receipts/verify/<payload>`.
pub const VERIFY_API: &str = "/api/receipts/verify/";

/// How long a job seeker's card (AK/I) is valid (Permenaker 39/2016): two years from
/// registration.
pub const VALID_YEARS: i32 = 2;

/// The last day a card registered at `created_at` is valid: the same day [`VALID_YEARS`]
/// later (WIB), 28 February for one registered on 29 February.
pub fn valid_until(created_at: Millis) -> calendar::CivilDate {
    let (year, month, day) = calendar::wib_date(created_at);
    let year = year + VALID_YEARS;
    (year, month, day.min(calendar::days_in_month(year, month)))
}

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of the device code, in two groups of five.
const CODE_GROUP: usize = 5;
/// Digits of the sequence shown at least (more once it passes 9999).
const SEQUENCE_DIGITS: usize = 4;

/// A registration number: `<device code>-<sequence>`, e.g. `7KQ2M-9XAHD-0042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptNumber(String);

impl ReceiptNumber {
    /// The longest number: two code groups and a `u32` sequence, with their dashes.
    pub const MAX_CHARS: usize = 2 * CODE_GROUP + 2 + 10;

    /// The `sequence`th number of the device `device_id`.
    pub fn new(device_id: &str, sequence: u32) -> ReceiptNumber {
        let digest = Sha256::digest(device_id.as_bytes());
        let bits = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        let code: String = (0..2 * CODE_GROUP)
            .map(|i| BASE32[((bits >> (59 - 5 * i)) & 31) as usize] as char)
            .collect();
        let (first, second) = code.split_at(CODE_GROUP);
        ReceiptNumber(format!(
            "{first}-{second}-{sequence:0width$}",
            width = SEQUENCE_DIGITS
        ))
    }

    /// Reads a number as [`ReceiptNumber::new`] writes it.
    pub fn parse(raw: &str) -> Result<ReceiptNumber, ReceiptError> {
        let mut parts = raw.split('-');
        let well_formed = raw.len() <= Self::MAX_CHARS
            && [parts.next(), parts.next()].iter().all(|group| {
                group.is_some_and(|g| {
                    g.len() == CODE_GROUP && g.bytes().all(|b| BASE32.contains(&b))
                })
            })
            && parts.next().is_some_and(|sequence| {
                sequence.len() >= SEQUENCE_DIGITS && sequence.parse::<u32>().is_ok()
            })
            && parts.next().is_none();
        if well_formed {
            Ok(ReceiptNumber(raw.to_owned()))
        } else {
            Err(ReceiptError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ReceiptNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A device's receipt key: what signs its receipts. The server derives it from its
/// receipt secret ([`ReceiptKey::for_device`]) and gives it to the device at login.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptKey([u8; 32]);

impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptKey(…)")
    }
}

impl ReceiptKey {
    /// The key of `device_id` under the server's receipt secret.
    pub fn for_device(secret: &[u8; 32], device_id: &str) -> ReceiptKey {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(device_id.as_bytes());
        ReceiptKey(mac.finalize().into_bytes().into())
    }

    /// The key as it travels and is kept (URL-safe base64, no padding).
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn decode(text: &str) -> Option<ReceiptKey> {
        if text.len() > 64 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(ReceiptKey(bytes.try_into().ok()?))
    }

    fn mac(&self, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(DOMAIN);
        mac.update(body);
        mac
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Prefixed to every signed body, so a receipt MAC is never mistaken for another use of
/// the same key.
const DOMAIN: &[u8] = b"jemput receipt v1\0";
const VERSION: u8 = 1;
const MAC_BYTES: usize = 16;
/// The most bytes a masked NIK takes (`mask_nik` of the longest NIK field, its bullets
/// three bytes each).
const MASKED_NIK_MAX_BYTES: usize = 3 * limits::NIK.max_chars;
/// The most bytes a name takes (four per character in UTF-8).
const NAME_MAX_BYTES: usize = 4 * limits::FULL_NAME.max_chars;
const MAX_PAYLOAD_BYTES: usize = 1
    + (1 + ReceiptNumber::MAX_CHARS)
    + (1 + MASKED_NIK_MAX_BYTES)
    + (2 + NAME_MAX_BYTES)
    + 4
    + (1 + limits::ID_MAX_CHARS)
    + MAC_BYTES;
/// The longest payload accepted, in base64 characters.
pub const MAX_PAYLOAD_CHARS: usize = MAX_PAYLOAD_BYTES.div_ceil(3) * 4;

/// What a receipt states, and so what its QR code carries: nothing personal beyond the
/// name and the masked NIK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptClaim {
    pub number: ReceiptNumber,
    /// As `crate::api::privacy::mask_nik` shows it; empty for a person without a NIK.
    pub masked_nik: String,
    pub name: String,
    /// The day of registration (WIB), as a day number (`crate::calendar`).
    pub day: i64,
    /// The device that registered the person and signed the receipt.
    pub device_id: String,
}

impl ReceiptClaim {
    /// The claim for a registration made at `created_at`.
    pub fn new(
        number: ReceiptNumber,
        nik: &str,
        name: &str,
        created_at: Millis,
        device_id: &str,
    ) -> ReceiptClaim {
        ReceiptClaim {
            number,
            masked_nik: if nik.trim().is_empty() {
                String::new()
            } else {
                crate::api::privacy::mask_nik(nik)
            },
            name: name.trim().to_owned(),
            day: calendar::wib_day_number(created_at),
            device_id: device_id.to_owned(),
        }
    }

    /// The registration day, `YYYY-MM-DD`.
    pub fn iso_date(&self) -> String {
        calendar::iso_date(calendar::civil_from_days(self.day))
    }

    /// The payload for the QR code, signed with the device's key. Fields longer than
    /// their bounds (which validation never lets through) are cut, so the payload
    /// always verifies.
    pub fn sign(&self, key: &ReceiptKey) -> String {
        let mut body = Vec::with_capacity(MAX_PAYLOAD_BYTES);
        body.push(VERSION);
        put(&mut body, self.number.as_str(), ReceiptNumber::MAX_CHARS, 1);
        put(&mut body, &self.masked_nik, MASKED_NIK_MAX_BYTES, 1);
        put(&mut body, &self.name, NAME_MAX_BYTES, 2);
        let day = u32::try_from(self.day).unwrap_or_default();
        body.extend_from_slice(&day.to_be_bytes());
        put(&mut body, &self.device_id, limits::ID_MAX_CHARS, 1);
        let mac = key.mac(&body).finalize().into_bytes();
        body.extend_from_slice(&mac[..MAC_BYTES]);
        URL_SAFE_NO_PAD.encode(body)
    }
}

/// Writes `text`, cut to `max` bytes at a character boundary, after its length in
/// `width` bytes (big-endian).
fn put(body: &mut Vec<u8>, text: &str, max: usize, width: usize) {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let len = (end as u16).to_be_bytes();
    body.extend_from_slice(&len[2 - width..]);
    body.extend_from_slice(&text.as_bytes()[..end]);
}

/// A payload read but not yet verified: only its device id may be trusted to pick the
/// key that verifies it.
#[derive(Debug, Clone)]
pub struct SignedReceipt {
    claim: ReceiptClaim,
    body: Vec<u8>,
    mac: [u8; MAC_BYTES],
}

impl SignedReceipt {
    /// Reads a payload (refusing an oversized, malformed or unknown-version one).
    pub fn parse(payload: &str) -> Result<SignedReceipt, ReceiptError> {
        if payload.len() > MAX_PAYLOAD_CHARS {
            return Err(ReceiptError::TooLong);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| ReceiptError::Malformed)?;
        let mut reader = Reader(&bytes);
        if reader.take(1)? != [VERSION] {
            return Err(ReceiptError::Malformed);
        }
        let number = ReceiptNumber::parse(reader.text(1, ReceiptNumber::MAX_CHARS)?)?;
        let masked_nik = reader.text(1, MASKED_NIK_MAX_BYTES)?.to_owned();
        let name = reader.text(2, NAME_MAX_BYTES)?.to_owned();
        let day = u32::from_be_bytes(reader.take(4)?.try_into().expect("4 bytes"));
        let device_id = reader.text(1, limits::ID_MAX_CHARS)?.to_owned();
        let body_len = bytes.len() - reader.0.len();
        let mac = reader.take(MAC_BYTES)?.try_into().expect("MAC_BYTES bytes");
        if !reader.0.is_empty() {
            return Err(ReceiptError::Malformed);
        }
        let mut body = bytes;
        body.truncate(body_len);
        Ok(SignedReceipt {
            claim: ReceiptClaim {
                number,
                masked_nik,
                name,
                day: i64::from(day),
                device_id,
            },
            body,
            mac,
        })
    }

    /// The device the payload names: whose key verifies it.
    pub fn device_id(&self) -> &str {
        &self.claim.device_id
    }

    /// The claim, if the MAC is the one `key` makes (compared in constant time).
    pub fn verify(self, key: &ReceiptKey) -> Result<ReceiptClaim, ReceiptError> {
        key.mac(&self.body)
            .verify_truncated_left(&self.mac)
            .map_err(|_| ReceiptError::BadSignature)?;
        Ok(self.claim)
    }
}

/// Reads a payload's fields, never past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ReceiptError> {
        if self.0.len() < n {
            return Err(ReceiptError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    /// A text after its `width`-byte length, at most `max` bytes.
    fn text(&mut self, width: usize, max: usize) -> Result<&'a str, ReceiptError> {
        let len = self
            .take(width)?
            .iter()
            .fold(0usize, |len, b| len << 8 | usize::from(*b));
        if len > max {
            return Err(ReceiptError::Malformed);
        }
        std::str::from_utf8(self.take(len)?).map_err(|_| ReceiptError::Malformed)
    }
}

/// Why a payload or number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("the receipt payload is too long")]
    TooLong,
    #[error("the receipt payload or number is malformed")]
    Malformed,
    #[error("the receipt's signature does not match")]
    BadSignature,
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE: &str = "5b0e7c0e-2f43-4f5e-9a51-0c7b6f1d2e3a";

    fn key() -> ReceiptKey {
        ReceiptKey::for_device(&[7; 32], DEVICE)
    }

    fn claim() -> ReceiptClaim {
        ReceiptClaim::new(
            ReceiptNumber::new(DEVICE, 42),
            "1701011505900001",
            "Siti Aminah",
            1_780_000_000_000,
            DEVICE,
        )
    }

    #[test]
    fn a_number_is_the_devices_code_and_its_sequence() {
        let number = ReceiptNumber::new(DEVICE, 42);
        assert_eq!(number.as_str().len(), 16);
        assert!(number.as_str().ends_with("-0042"));
        assert_eq!(ReceiptNumber::parse(number.as_str()), Ok(number.clone()));
        assert_eq!(ReceiptNumber::new(DEVICE, 42), number);
        assert_ne!(ReceiptNumber::new("another device", 42), number);
        let long = ReceiptNumber::new(DEVICE, u32::MAX);
        assert_eq!(long.as_str().len(), ReceiptNumber::MAX_CHARS);
        assert!(ReceiptNumber::parse(long.as_str()).is_ok());
    }

    #[test]
    fn a_number_not_made_by_new_is_refused() {
        for raw in [
            "",
            "7KQ2M-9XAHD",
            "7KQ2M-9XAHD-42",
            "7KQ2M-9XAHD-0042-1",
            "7KQ2I-9XAHD-0042",
            "7kq2m-9xahd-0042",
            "7KQ2M-9XAHD-99999999999",
        ] {
            assert_eq!(
                ReceiptNumber::parse(raw),
                Err(ReceiptError::Malformed),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_signed_receipt_reads_back_with_its_key() {
        let payload = claim().sign(&key());
        let signed = SignedReceipt::parse(&payload).unwrap();
        assert_eq!(signed.device_id(), DEVICE);
        let read = signed.verify(&key()).unwrap();
        assert_eq!(read, claim());
        assert_eq!(read.masked_nik, "1701••••••••0001");
        assert!(!payload.contains("1701011505900001"));
    }

    #[test]
    fn a_receipt_holds_the_masked_nik_never_the_full_one() {
        let payload = claim().sign(&key());
        let bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"01150590"));
    }

    #[test]
    fn a_tampered_byte_is_refused() {
        let payload = claim().sign(&key());
        let bytes = URL_SAFE_NO_PAD.decode(&payload).unwrap();
        for i in 0..bytes.len() {
            let mut bent = bytes.clone();
            bent[i] ^= 1;
            let verdict =
                SignedReceipt::parse(&URL_SAFE_NO_PAD.encode(&bent)).and_then(|s| s.verify(&key()));
            assert!(verdict.is_err(), "byte {i} changed yet accepted");
        }
    }

    #[test]
    fn another_devices_key_or_another_servers_is_refused() {
        let payload = claim().sign(&key());
        let other_device = ReceiptKey::for_device(&[7; 32], "another device");
        let other_server = ReceiptKey::for_device(&[8; 32], DEVICE);
        for wrong in [other_device, other_server] {
            let verdict = SignedReceipt::parse(&payload).unwrap().verify(&wrong);
            assert_eq!(verdict, Err(ReceiptError::BadSignature));
        }
    }

    #[test]
    fn a_person_without_a_nik_and_the_longest_name_still_sign() {
        let mut claim = claim();
        claim.masked_nik = String::new();
        claim.name = "é".repeat(limits::FULL_NAME.max_chars);
        let payload = claim.sign(&key());
        assert!(payload.len() <= MAX_PAYLOAD_CHARS);
        assert_eq!(
            SignedReceipt::parse(&payload).unwrap().verify(&key()),
            Ok(claim)
        );
    }

    #[test]
    fn garbage_and_oversized_payloads_are_refused_without_reading_them() {
        assert_eq!(
            SignedReceipt::parse(&"A".repeat(MAX_PAYLOAD_CHARS + 1)).unwrap_err(),
            ReceiptError::TooLong
        );
        for garbage in ["", "!!!", "AAAA", "AQ", &"_".repeat(MAX_PAYLOAD_CHARS)] {
            assert_eq!(
                SignedReceipt::parse(garbage).unwrap_err(),
                ReceiptError::Malformed,
                "{garbage}"
            );
        }
        // A length prefix pointing past the end.
        let short = URL_SAFE_NO_PAD.encode([VERSION, 200, b'A']);
        assert_eq!(
            SignedReceipt::parse(&short).unwrap_err(),
            ReceiptError::Malformed
        );
        // Bytes after the MAC.
        let mut long = URL_SAFE_NO_PAD.decode(claim().sign(&key())).unwrap();
        long.push(0);
        assert!(SignedReceipt::parse(&URL_SAFE_NO_PAD.encode(long)).is_err());
    }

    #[test]
    fn a_key_travels_as_text() {
        assert_eq!(ReceiptKey::decode(&key().encode()), Some(key()));
        assert_eq!(ReceiptKey::decode("short"), None);
        assert_eq!(format!("{:?}", key()), "ReceiptKey(…)");
    }

    #[test]
    fn a_card_is_valid_two_years() {
        let registered = calendar::wib_day_start_ms((2024, 2, 29));
        assert_eq!(valid_until(registered), (2026, 2, 28));
        let registered = calendar::wib_day_start_ms((2026, 5, 29));
        assert_eq!(valid_until(registered), (2028, 5, 29));
    }

    #[test]
    fn the_claim_dates_the_registration_in_wib() {
        // 2026-05-28 17:30 UTC is already the 29th in Jakarta.
        let mut claim = claim();
        claim.day = calendar::wib_day_number(1_779_989_400_000);
        assert_eq!(claim.iso_date(), "2026-05-29");
    }
}
