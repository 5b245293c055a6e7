-- Issue 13: as on SQLite (0008 there), the projection (`registrations`, its indexes and
-- the aggregates' triggers) is no longer written in a sync's commit but by the projector
-- (store/postgres/projector.rs), in batches, right after — by one instance at a time, the
-- one holding its advisory lock. A sync's commit writes the change log and `documents`
-- only, whose cost does not grow with the number of stored registrations.

-- How far the projection has caught up with the change log: every document whose
-- `documents.seq` is at most this is projected as it is stored. Written in the same
-- transaction as the rows it covers. The projection was in step until now.
CREATE TABLE projection_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    projected_seq BIGINT NOT NULL
);
INSERT INTO projection_state (id, projected_seq)
    SELECT 1, COALESCE(MAX(seq), 0) FROM change_log;

-- Nothing reads the projection by seq any more (pulls read `documents`).
DROP INDEX registrations_by_seq;

-- The aggregates' triggers (0004) now run in the projector's transactions instead of the
-- commits': those too run one at a time across instances (the projector's advisory lock),
-- so the counter rows still never deadlock.
