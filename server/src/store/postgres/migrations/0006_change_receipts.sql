-- The server's receipt of every change it accepts, for the history it vouches for (the
-- author and time inside a change are only what the phone wrote). Kept in the change-log
-- row each document write already inserts, so a commit adds no row and no index entry:
--
-- - user_id: the user who pushed the write (device_id and at already say from where and
--   when, by the server's clock);
-- - changes: the hashes of the Automerge changes new to the server in the write, 32
--   bytes each, concatenated;
-- - prev_seq: the seq of the document's previous write, so a document's rows form a
--   chain through the primary key (from documents.seq) and the history finds them
--   without an index on doc_id.
--
-- Rows written before this migration keep NULLs: their changes have no receipt, and a
-- chain ends at them. The same columns as SQLite's 0006_change_receipts, in PostgreSQL's
-- types.

ALTER TABLE change_log ADD COLUMN user_id TEXT;
ALTER TABLE change_log ADD COLUMN changes BYTEA;
ALTER TABLE change_log ADD COLUMN prev_seq BIGINT;
