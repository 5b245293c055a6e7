//! The audit trail as admins read it: `GET /api/admin/audit` (one page, newest first)
//! and `GET /api/admin/audit.csv`, filtered by person (NIK), user, action and date.
//!
//! Every entry says who did what to which target, when, and from which address. A NIK is
//! never stored in the trail: entries about one person carry a keyed hash of their NIK,
//! so the trail can be searched by NIK without holding it.

use serde::{Deserialize, Serialize};

use crate::choice::choices;

choices! {
    /// What an audit entry records.
    pub enum AuditAction {
        LoginSucceeded => "login_succeeded", "Masuk berhasil", "Login succeeded";
        LoginFailed => "login_failed", "Masuk gagal", "Login failed";
        RecordViewed => "record_viewed", "Data dibuka", "Record viewed";
        HistoryViewed => "history_viewed", "Riwayat dibuka", "History viewed";
        NikSearched => "nik_searched", "Pencarian NIK", "NIK searched";
        Exported => "exported", "Ekspor", "Export";
        Reviewed => "reviewed", "Pemeriksaan", "Review";
        DuplicatesDecided => "duplicates_decided", "Keputusan duplikat", "Duplicate decision";
        HandedOver => "handed_over", "Pengalihan petugas", "Handover";
        FollowUpRecorded => "follow_up_recorded", "Tindak lanjut dicatat", "Follow-up recorded";
        UserCreated => "user_created", "Pengguna dibuat", "User created";
        UserChanged => "user_changed", "Pengguna diubah", "User changed";
        DeviceRevoked => "device_revoked", "Perangkat dicabut", "Device revoked";
        DeviceMarkedLost => "device_marked_lost", "Perangkat ditandai hilang", "Device marked lost";
        TargetsSet => "targets_set", "Target diubah", "Targets set";
        RegionsImported => "regions_imported", "Wilayah diimpor", "Regions imported";
        AuditExported => "audit_exported", "Jejak audit diekspor", "Audit trail exported";
        PersonReported => "person_reported", "Laporan data pribadi", "Personal data report";
        Erased => "erased", "Data dihapus permanen", "Data erased";
        RequestReceived => "request_received", "Permintaan diterima", "Request received";
        RequestClosed => "request_closed", "Permintaan diselesaikan", "Request closed";
        ConsentPublished => "consent_published", "Teks persetujuan diterbitkan", "Consent notice published";
    }
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the trail (grows with every entry).
    pub seq: i64,
    pub at: i64,
    /// Who: the user's id and username (`None`: nobody signed in, e.g. a failed login).
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub action: AuditAction,
    /// What it was done to: a registration, user or device id, a username typed at a
    /// login, a NIK group; `None` when the action has no single target (an export).
    pub target: Option<String>,
    /// More about it, in words (an export's filter and row count, a review's status).
    pub detail: String,
    /// The client's address, as the server saw it.
    pub client: Option<String>,
}

/// `GET /api/admin/audit`: one page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The `before` of the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// Entries per page of `GET /api/admin/audit`.
pub const AUDIT_PAGE_SIZE: usize = 100;
