//! A receipt's verification: `GET /api/receipts/verify/{payload}` (public, no login) and
//! its page for people, `/verifikasi/{payload}` (`crate::receipt`).

use serde::{Deserialize, Serialize};

/// What the office learns from a receipt's QR code: whether the server vouches for it,
/// and if so what it states and which officer signed it. It tells nothing the card
/// does not show, besides the officer's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ReceiptVerdict {
    Valid(VerifiedReceipt),
    /// Malformed, oversized, altered, or signed by no device of this server.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedReceipt {
    /// The registration number.
    pub number: String,
    pub name: String,
    /// Empty for a person registered without a NIK.
    pub masked_nik: String,
    /// The day of registration, `YYYY-MM-DD` (WIB).
    pub date: String,
    /// The display name of the officer whose device signed it.
    pub officer: String,
}
