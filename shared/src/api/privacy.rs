//! A citizen's data rights (UU PDP): `GET /api/privacy/person?nik=…` (Pasal 32, access),
//! everything Jemput holds about one person and its processing trail; `POST
//! /api/privacy/erase` (Pasal 43–44); and the requests the office tracks with their
//! 3×24-hour deadlines (`/api/privacy/requests`). For a supervisor (their regencies) or
//! an admin.

use serde::{Deserialize, Serialize};

use crate::api::audit::AuditEntry;
use crate::api::registrations::HistoryEntry;
use crate::choice::choices;
use crate::registration::Registration;

/// The person's data and its processing trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonReport {
    pub nik: String,
    /// When the report was made (ms since the epoch).
    pub made_at: i64,
    /// Every registration with this NIK in the requester's scope (duplicates included),
    /// with who registered and changed what, when.
    pub registrations: Vec<PersonRegistration>,
    /// Who logged in view, searched, reviewed, decided or handed over this person's
    /// data, newest first (the audit trail's entries about the NIK).
    pub trail: Vec<AuditEntry>,
    /// The exports that contained the person's data (kept as a filter with each export's
    /// entry: an export may be named that did not hold them, about once in 10,000),
    /// newest first. The files themselves are outside Jemput.
    #[serde(default)]
    pub exports: Vec<AuditEntry>,
}

/// One registration of the person and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRegistration {
    pub registration: Registration,
    pub history: Vec<HistoryEntry>,
}

/// `POST /api/privacy/erase`: erase, for good, every registration of the person with
/// this NIK in the requester's scope (UU PDP Pasal 43–44), for a supervisor (their
/// regencies) or an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseRequest {
    pub nik: String,
    /// The privacy request this serves (closed as done by it), if any.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// `POST /api/privacy/erase-registration`: erase one registration for good (a person
/// registered without a NIK, found in the table), in the requester's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseRegistration {
    pub registration_id: String,
    /// The privacy request this serves (closed as done by it), if any.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseAnswer {
    /// Registrations erased now (0: none held in scope, or erased already).
    pub erased: u64,
}

choices! {
    /// What a citizen asks for.
    pub enum RequestKind {
        Access => "access", "Akses data", "Access";
        Correction => "correction", "Perbaikan data", "Correction";
        Erasure => "erasure", "Penghapusan data", "Erasure";
    }
}

choices! {
    /// How a request ended.
    pub enum RequestOutcome {
        Done => "done", "Selesai", "Done";
        Refused => "refused", "Ditolak", "Refused";
    }
}

/// `POST /api/privacy/requests`: a request received from a citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPrivacyRequest {
    pub kind: RequestKind,
    pub nik: String,
    /// What was asked, in words (no more personal data than needed).
    #[serde(default)]
    pub note: String,
}

/// `POST /api/privacy/requests/{id}/close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseRequest {
    pub outcome: RequestOutcome,
}

/// A citizen's request as the office tracks it (`GET /api/privacy/requests`, newest
/// first; open ones on the overview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyRequest {
    pub id: String,
    pub kind: RequestKind,
    /// The NIK with all but its first four and last four digits hidden.
    pub nik_masked: String,
    pub note: String,
    pub received_at: i64,
    /// The username of who received it.
    pub received_by: String,
    /// Received + 3×24 hours (UU PDP Pasal 30–32).
    pub due_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    pub outcome: Option<RequestOutcome>,
}

impl PrivacyRequest {
    /// Whether it was closed by its deadline; `None` while open.
    pub fn met_deadline(&self) -> Option<bool> {
        self.closed_at.map(|closed| closed <= self.due_at)
    }

    /// Open and past its deadline at `now_ms`.
    pub fn overdue(&self, now_ms: i64) -> bool {
        self.closed_at.is_none() && now_ms > self.due_at
    }
}

/// How long the office has to answer a request: 3×24 hours.
pub const REQUEST_DEADLINE_MS: i64 = 3 * crate::calendar::DAY_MS;

/// `1701••••••••0001`: enough to recognise a request by, not the NIK.
pub fn mask_nik(nik: &str) -> String {
    let digits: Vec<char> = nik.trim().chars().collect();
    if digits.len() <= 8 {
        return "•".repeat(digits.len());
    }
    let hidden = digits.len() - 8;
    let head: String = digits[..4].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_nik_keeps_four_digits_each_end() {
        assert_eq!(mask_nik("1701011505900001"), "1701••••••••0001");
        assert_eq!(mask_nik("1234"), "••••");
    }
}
