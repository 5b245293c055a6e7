-- The supervisors' registrations table and exports (store/listing.rs): two more columns
-- the export shows, indexes for every filter and sort the table offers, and a full-text
-- index of names for the name search.
--
-- Rows projected before this migration get '' for birth_place and phone until their
-- document next changes.

ALTER TABLE registrations ADD COLUMN birth_place TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- Sorting and filtering. Every ORDER BY ends in created_at and then the rowid (which
-- every index carries), so these indexes serve each sort and its paging without sorting
-- the whole result (`registrations_by_regency (regency, created_at)` from 0002 serves the
-- default view of one regency). Trailing `deleted, duplicate_of` (and `programmes`) let
-- the capped count and deep pages check "counted" (and a programme) from the index
-- alone, without reading each row.
CREATE INDEX registrations_by_created ON registrations (created_at);
CREATE INDEX registrations_by_updated ON registrations (updated_at);
CREATE INDEX registrations_by_full_name ON registrations (full_name, created_at);
CREATE INDEX registrations_by_status_created
    ON registrations (status, created_at, deleted, duplicate_of);
CREATE INDEX registrations_by_regency_listed
    ON registrations (regency, created_at, deleted, duplicate_of, programmes);
CREATE INDEX registrations_by_regency_status
    ON registrations (regency, status, created_at, deleted, duplicate_of);
CREATE INDEX registrations_by_regency_updated ON registrations (regency, updated_at);
CREATE INDEX registrations_by_regency_name ON registrations (regency, full_name, created_at);
CREATE INDEX registrations_by_regency_nik
    ON registrations (regency, nik, deleted, duplicate_of, created_at);
CREATE INDEX registrations_by_nik_listed ON registrations (nik, deleted, duplicate_of, created_at);
CREATE INDEX registrations_by_district_created
    ON registrations (district, created_at, deleted, duplicate_of);
CREATE INDEX registrations_by_officer_created
    ON registrations (registered_by, created_at, deleted, duplicate_of);

-- Name search: the words of every name, for prefix queries ("sit" finds "Siti"). An
-- external-content FTS5 table over registrations.full_name, kept in step by triggers, so
-- every writer of the projection keeps it right without knowing it exists.
CREATE VIRTUAL TABLE registration_names USING fts5 (
    full_name,
    content = 'registrations',
    content_rowid = 'rowid',
    prefix = '1 2 3'
);
INSERT INTO registration_names (registration_names) VALUES ('rebuild');

CREATE TRIGGER registration_names_after_insert AFTER INSERT ON registrations BEGIN
    INSERT INTO registration_names (rowid, full_name) VALUES (new.rowid, new.full_name);
END;

CREATE TRIGGER registration_names_after_delete AFTER DELETE ON registrations BEGIN
    INSERT INTO registration_names (registration_names, rowid, full_name)
    VALUES ('delete', old.rowid, old.full_name);
END;

CREATE TRIGGER registration_names_after_update AFTER UPDATE OF full_name ON registrations
WHEN old.full_name IS NOT new.full_name BEGIN
    INSERT INTO registration_names (registration_names, rowid, full_name)
    VALUES ('delete', old.rowid, old.full_name);
    INSERT INTO registration_names (rowid, full_name) VALUES (new.rowid, new.full_name);
END;
