//! A citizen's data rights (UU PDP Pasal 32: access): `GET /api/privacy/person?nik=…`,
//! everything Jemput holds about one person and its processing trail, for a supervisor
//! (their regencies) or an admin serving the person's request.

use serde::{Deserialize, Serialize};

use crate::api::audit::AuditEntry;
use crate::api::registrations::HistoryEntry;
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
}

/// One registration of the person and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRegistration {
    pub registration: Registration,
    pub history: Vec<HistoryEntry>,
}
