-- Registrations: the Automerge documents (source of truth), the change log that orders
-- them for pulls, and the projection supervisors query. All three change in one
-- transaction, under the change-log lock (see documents.rs).
--
-- Ready to shard by region: every big table carries the registration's regency code
-- (the first two levels of its village code) and indexes lead with it where a query
-- filters by area. ARCHITECTURE.md ("Towards a distributed PostgreSQL") describes the
-- path to Citus.

-- Change-log positions. Taken only while holding the change-log lock, so they are
-- handed out in commit order.
CREATE SEQUENCE change_log_seq AS BIGINT;

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    regency TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    -- the server's seal of the document at its heads (see shared/src/sync/seal.rs)
    seal BYTEA NOT NULL,
    -- change_log.seq and check_value of the document's latest change
    seq BIGINT NOT NULL,
    check_value BIGINT NOT NULL,
    -- the device whose push produced exactly this state (it need not pull it back);
    -- NULL when the merge added changes that device lacks
    last_device TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_by_seq ON documents (seq);
CREATE INDEX documents_by_regency ON documents (regency, seq);

CREATE TABLE change_log (
    seq BIGINT PRIMARY KEY,
    check_value BIGINT NOT NULL,
    regency TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    device_id TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX change_log_by_regency ON change_log (regency, seq);

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
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    duplicate_of TEXT,
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX registrations_by_regency ON registrations (regency, created_at);
CREATE INDEX registrations_by_regency_seq ON registrations (regency, seq);
CREATE INDEX registrations_by_district ON registrations (district);
CREATE INDEX registrations_by_village ON registrations (village);
CREATE INDEX registrations_by_officer ON registrations (registered_by);
CREATE INDEX registrations_by_nik ON registrations (nik);
CREATE INDEX registrations_by_status ON registrations (regency, status);
CREATE INDEX registrations_by_seq ON registrations (seq);
