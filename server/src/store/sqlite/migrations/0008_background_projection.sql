-- Issue 13: the projection (`registrations`, its indexes, the full-text index of names and
-- the aggregates' triggers) is no longer written in a sync's commit but by the projector
-- (store/sqlite/projector.rs), in batches, right after. A sync's commit writes only the
-- change log and `documents` — whose cost does not grow with the number of stored
-- registrations.
--
-- Pulls choose documents by the scope columns below, written in the commit, so what an
-- officer receives never waits for the projector.
ALTER TABLE documents ADD COLUMN regency TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN village TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN registered_by TEXT NOT NULL DEFAULT '';
UPDATE documents SET (regency, district, village, registered_by) = (
    SELECT r.regency, r.district, r.village, r.registered_by
    FROM registrations r WHERE r.id = documents.id)
WHERE EXISTS (SELECT 1 FROM registrations r WHERE r.id = documents.id);

-- How far the projection has caught up with the change log: every document whose
-- `documents.seq` is at most this is projected as it is stored. Written in the same
-- transaction as the rows it covers. The projection was in step until now.
CREATE TABLE projection_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    projected_seq INTEGER NOT NULL
);
INSERT INTO projection_state (id, projected_seq)
    SELECT 1, COALESCE(MAX(seq), 0) FROM change_log;

-- Nothing reads the projection by seq any more (pulls read `documents`).
DROP INDEX registrations_by_seq;

-- The full-text index of names is written by the projector, one statement per batch,
-- no longer by triggers on each row: FTS5 writes its pending terms to disk at every
-- statement savepoint, so a trigger made one new segment per projected row, and merging
-- those segments grew with the index (at 500,000 rows, 84 % of the projector's time).
DROP TRIGGER registration_names_after_insert;
DROP TRIGGER registration_names_after_delete;
DROP TRIGGER registration_names_after_update;
