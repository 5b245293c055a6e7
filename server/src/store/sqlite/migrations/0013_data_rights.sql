-- A citizen's data rights (issue 15). The same as PostgreSQL's 0012_data_rights.
--
-- Erasure: an erased registration's `documents` row stays as its tombstone — id, scope
-- columns and a new change-log position, with empty `bytes` and `seal` — so pulls tell
-- phones to delete their copies and a push of an old copy is refused. This table says
-- when, by whom (NULL: the retention job) and why. Nothing here is personal data.
CREATE TABLE erasures (
    doc_id TEXT PRIMARY KEY,
    erased_at INTEGER NOT NULL,
    erased_by TEXT,
    reason TEXT NOT NULL,
    request_id TEXT
);

-- Requests from a citizen (access, correction, erasure), each with its deadline of
-- 3×24 hours (UU PDP Pasal 30–32, 43). The person is kept as the audit trail keeps
-- them: a keyed hash of the NIK, and the NIK masked, to recognise the request by.
CREATE TABLE privacy_requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    nik_key TEXT NOT NULL,
    nik_masked TEXT NOT NULL,
    note TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    received_by TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT,
    outcome TEXT
);
CREATE INDEX privacy_requests_by_received ON privacy_requests (received_at);

-- Which people an export contained: a Bloom filter of the keyed hashes of the NIKs it
-- wrote (server/src/export_members.rs), kept with the export's audit entry.
ALTER TABLE audit_log ADD COLUMN members BLOB;

-- The consent notice, in versions an admin publishes (shared/src/api/consent.rs); the
-- server publishes version 1 at its first start. Each registration records the version
-- it showed.
CREATE TABLE consent_texts (
    version INTEGER PRIMARY KEY,
    text_id TEXT NOT NULL,
    text_en TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT
);
