-- Accounts: users, the regions assigned to them, the devices they signed in from (with
-- hashed bearer tokens), the official region list, and server settings. The same
-- tables as SQLite's 0001_accounts, in PostgreSQL's types.
-- Times are milliseconds since the Unix epoch.

CREATE TABLE users (
    id TEXT PRIMARY KEY,               -- UUID v4
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'officer')),
    password_hash TEXT NOT NULL,       -- argon2id PHC string
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    -- change_log position when role or regions last changed: device cursors older than
    -- this were cut under the previous scope
    scope_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Regency codes for supervisors, district or village codes for officers. Not a foreign
-- key to regions: users may be created before the region list is imported.
CREATE TABLE user_regions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (user_id, code)
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,               -- UUID v4; sync's device id
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    token_hash BYTEA NOT NULL UNIQUE,  -- SHA-256 of the bearer token; the token is never stored
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    last_sync_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id, created_at);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('regency', 'district', 'village')),
    parent TEXT,
    name TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
