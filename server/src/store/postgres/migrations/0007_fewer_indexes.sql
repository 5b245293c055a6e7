-- Issue 13: every index on `registrations` is written in each sync's commit. These three
-- are the leading columns of a wider index made for the listing (0003), which serves
-- every query they served, so they only cost the writers. (SQLite drops the same ones
-- and two more that are prefixes there, not here: PostgreSQL's `registrations_by_regency`
-- and `registrations_by_nik` have no wider twin.)
DROP INDEX registrations_by_district;  -- registrations_by_district_created (district, created_at)
DROP INDEX registrations_by_officer;   -- registrations_by_officer_created (registered_by, created_at)
DROP INDEX registrations_by_status;    -- registrations_by_regency_status_created (regency, status, …)
