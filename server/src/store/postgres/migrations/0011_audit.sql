-- The audit trail (issue 15): who did what to which target, when, from where. Appended
-- to, read newest first with the admin's filters, pruned after the retention period
-- (`--audit-retention-days`). `nik_key` is a keyed hash of the NIK of the person an entry
-- is about (never the NIK itself). The same as SQLite's 0012_audit.
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id TEXT,
    username TEXT,
    action TEXT NOT NULL,
    target TEXT,
    nik_key TEXT,
    detail TEXT NOT NULL,
    client TEXT
);
CREATE INDEX audit_by_at ON audit_log (at);
CREATE INDEX audit_by_username ON audit_log (username, seq);
CREATE INDEX audit_by_action ON audit_log (action, seq);
CREATE INDEX audit_by_nik ON audit_log (nik_key, seq) WHERE nik_key IS NOT NULL;
