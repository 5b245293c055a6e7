-- Issue 13: a pull reads the documents changed after the device's cursor, in change-log
-- order, and keeps those in the device's scope. With `documents_by_seq` SQLite read each
-- such row from the table (a page per document, with its bytes) only to test its scope
-- columns, and while a hundred devices sync, each pull passes over everyone else's
-- documents: 13 % of the server's CPU in a sync of an empty database. Here the scope is
-- tested in the index, and the table is read only for the documents the device receives.
CREATE INDEX documents_by_seq_and_scope
    ON documents (seq, regency, district, village, registered_by);
DROP INDEX documents_by_seq;
