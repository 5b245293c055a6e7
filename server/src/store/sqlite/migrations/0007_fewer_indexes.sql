-- Issue 13: every index on `registrations` is written in each sync's commit. These five
-- are the leading columns of a wider index made for the listing (0003), which serves
-- every query they served, so they only cost the writers.
DROP INDEX registrations_by_regency;   -- registrations_by_regency_listed (regency, created_at, …)
DROP INDEX registrations_by_district;  -- registrations_by_district_created (district, …)
DROP INDEX registrations_by_officer;   -- registrations_by_officer_created (registered_by, …)
DROP INDEX registrations_by_nik;       -- registrations_by_nik_listed (nik, …)
DROP INDEX registrations_by_status;    -- registrations_by_status_created (status, …)
