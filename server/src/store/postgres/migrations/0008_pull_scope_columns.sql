-- Issue 13: pulls choose documents by the scope columns of `documents` itself, not by a
-- join with the projection (SQLite writes its projection after the commit; both backends
-- share the pull query). `regency` is there since 0002.
ALTER TABLE documents ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN village TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN registered_by TEXT NOT NULL DEFAULT '';
UPDATE documents d SET district = r.district, village = r.village,
    registered_by = r.registered_by
FROM registrations r WHERE r.id = d.id;
