-- The supervisors' registrations table and exports (store/listing.rs): two more columns
-- the export shows, indexes for every filter and sort the table offers, and a word index
-- of names for the name search. The same as SQLite's 0003_listing, in PostgreSQL's terms.
--
-- Rows projected before this migration get '' for birth_place and phone until their
-- document next changes.

ALTER TABLE registrations ADD COLUMN birth_place TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- Sorting and filtering; every ORDER BY ends in created_at, then id.
CREATE INDEX registrations_by_created ON registrations (created_at);
CREATE INDEX registrations_by_updated ON registrations (updated_at);
CREATE INDEX registrations_by_full_name ON registrations (full_name, created_at);
CREATE INDEX registrations_by_status_created ON registrations (status, created_at);
CREATE INDEX registrations_by_regency_status_created
    ON registrations (regency, status, created_at);
CREATE INDEX registrations_by_regency_updated ON registrations (regency, updated_at);
CREATE INDEX registrations_by_regency_name ON registrations (regency, full_name, created_at);
CREATE INDEX registrations_by_district_created ON registrations (district, created_at);
CREATE INDEX registrations_by_officer_created ON registrations (registered_by, created_at);

-- NIK prefixes are byte ranges (`nik >= '170101' AND nik < '170102'`): compared in the
-- "C" collation, where digits sort as bytes whatever the database's locale.
CREATE INDEX registrations_by_nik_bytes ON registrations (nik COLLATE "C");
CREATE INDEX registrations_by_regency_nik ON registrations (regency, nik COLLATE "C");

-- Name search: the words of every name ('simple': lower-cased, no stemming), for prefix
-- queries (to_tsquery('simple', 'sit:*') finds "Siti").
CREATE INDEX registrations_by_name_words
    ON registrations USING GIN (to_tsvector('simple', full_name));
