-- Registrations: the Automerge documents (source of truth), the change log that orders
-- them for pulls, and the projection supervisors query. All three change in one
-- transaction.

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    -- the server's seal of the document at its heads (see shared/src/sync/seal.rs)
    seal BLOB NOT NULL,
    -- change_log.seq and check_value of the document's latest change
    seq INTEGER NOT NULL,
    check_value INTEGER NOT NULL,
    -- the device whose push produced exactly this state (it need not pull it back);
    -- NULL when the merge added changes that device lacks
    last_device TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX documents_by_seq ON documents (seq);

CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    check_value INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    device_id TEXT,
    at INTEGER NOT NULL
);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    regency TEXT NOT NULL,
    district TEXT NOT NULL,
    village TEXT NOT NULL,
    full_name TEXT NOT NULL,
    nik TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    -- programme codes joined by ',' with a leading and trailing ',' (',blk_training,')
    programmes TEXT NOT NULL,
    status TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    duplicate_of TEXT,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX registrations_by_regency ON registrations (regency, created_at);
CREATE INDEX registrations_by_district ON registrations (district);
CREATE INDEX registrations_by_village ON registrations (village);
CREATE INDEX registrations_by_officer ON registrations (registered_by);
CREATE INDEX registrations_by_nik ON registrations (nik);
CREATE INDEX registrations_by_status ON registrations (status);
CREATE INDEX registrations_by_seq ON registrations (seq);
