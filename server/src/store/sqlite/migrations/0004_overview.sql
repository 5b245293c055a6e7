-- Supervision: the aggregates behind GET /api/overview and the duplicates queue, the
-- yearly targets, and the "different people" verdicts (docs/supervisor-api.md).
--
-- The aggregates count *counted* registrations (not deleted, no duplicate_of) and are
-- kept exactly in step with the projection by the triggers below, inside the commit that
-- writes the projection row, so the overview never scans `registrations`.
-- A day is a calendar day in WIB (UTC+7), as days since 1970-01-01:
-- (created_at + 25200000) / 86400000. Programme '' is the registration itself; a
-- registration with programmes a and b also adds one to rows 'a' and 'b'.

CREATE TABLE registration_totals (
    regency TEXT NOT NULL,
    programme TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (regency, programme, status)
) WITHOUT ROWID;

CREATE TABLE registration_days (
    regency TEXT NOT NULL,
    day INTEGER NOT NULL,
    programme TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (regency, day, programme)
) WITHOUT ROWID;

-- Counted registrations per non-empty NIK (a row disappears at zero), and the counted
-- registrations whose NIK is shared (n >= 2): the duplicates queue before scope and
-- verdicts, small enough to read whole.
CREATE TABLE nik_counts (
    nik TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE shared_nik_holders (
    nik TEXT NOT NULL,
    id TEXT NOT NULL,
    regency TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (nik, id)
) WITHOUT ROWID;
CREATE INDEX shared_nik_holders_by_regency ON shared_nik_holders (regency);

-- Yearly targets; '' stands for "any" (regency '' and programme '': the province).
CREATE TABLE targets (
    regency TEXT NOT NULL,
    programme TEXT NOT NULL,
    yearly INTEGER NOT NULL,
    PRIMARY KEY (regency, programme)
);

-- "Different people" for exactly this set of registrations (ids sorted, joined by ',').
CREATE TABLE duplicate_verdicts (
    nik TEXT NOT NULL,
    members TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (nik, members)
);

-- Triggers. `programmes` is ',a,b,': turned into the JSON array ["","a","b",""], whose
-- distinct values are '' (the registration) and each programme.

CREATE TRIGGER registrations_counted_insert AFTER INSERT ON registrations
WHEN NEW.deleted = 0 AND NEW.duplicate_of IS NULL
BEGIN
    INSERT INTO registration_totals (regency, programme, status, n)
        SELECT DISTINCT NEW.regency, value, NEW.status, 1
        FROM json_each('["' || replace(NEW.programmes, ',', '","') || '"]') WHERE 1
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO registration_days (regency, day, programme, n)
        SELECT DISTINCT NEW.regency, (NEW.created_at + 25200000) / 86400000, value, 1
        FROM json_each('["' || replace(NEW.programmes, ',', '","') || '"]') WHERE 1
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO nik_counts (nik, n) SELECT NEW.nik, 1 WHERE NEW.nik <> ''
        ON CONFLICT DO UPDATE SET n = n + 1;
    -- Shared now: this holder joins, and so does the first one when it just became so.
    INSERT OR IGNORE INTO shared_nik_holders (nik, id, regency, created_at)
        SELECT r.nik, r.id, r.regency, r.created_at FROM registrations r
        WHERE r.nik = NEW.nik AND r.deleted = 0 AND r.duplicate_of IS NULL
          AND (r.id = NEW.id OR (SELECT n FROM nik_counts WHERE nik = NEW.nik) = 2)
          AND NEW.nik <> '' AND (SELECT n FROM nik_counts WHERE nik = NEW.nik) >= 2;
END;

CREATE TRIGGER registrations_counted_delete AFTER DELETE ON registrations
WHEN OLD.deleted = 0 AND OLD.duplicate_of IS NULL
BEGIN
    UPDATE registration_totals SET n = n - 1
    WHERE regency = OLD.regency AND status = OLD.status
      AND (programme = '' OR instr(OLD.programmes, ',' || programme || ',') > 0);
    UPDATE registration_days SET n = n - 1
    WHERE regency = OLD.regency AND day = (OLD.created_at + 25200000) / 86400000
      AND (programme = '' OR instr(OLD.programmes, ',' || programme || ',') > 0);
    UPDATE nik_counts SET n = n - 1 WHERE nik = OLD.nik;
    DELETE FROM nik_counts WHERE nik = OLD.nik AND n <= 0;
    -- This holder leaves; a NIK no longer shared has no holders here.
    DELETE FROM shared_nik_holders WHERE nik = OLD.nik
        AND (id = OLD.id OR COALESCE((SELECT n FROM nik_counts WHERE nik = OLD.nik), 0) < 2);
END;

-- An update that changes what is counted, or where: the old row out, the new row in.
CREATE TRIGGER registrations_counted_update AFTER UPDATE ON registrations
WHEN OLD.regency IS NOT NEW.regency OR OLD.programmes IS NOT NEW.programmes
  OR OLD.status IS NOT NEW.status OR OLD.created_at IS NOT NEW.created_at
  OR OLD.nik IS NOT NEW.nik OR OLD.deleted IS NOT NEW.deleted
  OR OLD.duplicate_of IS NOT NEW.duplicate_of
BEGIN
    UPDATE registration_totals SET n = n - 1
    WHERE OLD.deleted = 0 AND OLD.duplicate_of IS NULL
      AND regency = OLD.regency AND status = OLD.status
      AND (programme = '' OR instr(OLD.programmes, ',' || programme || ',') > 0);
    UPDATE registration_days SET n = n - 1
    WHERE OLD.deleted = 0 AND OLD.duplicate_of IS NULL
      AND regency = OLD.regency AND day = (OLD.created_at + 25200000) / 86400000
      AND (programme = '' OR instr(OLD.programmes, ',' || programme || ',') > 0);
    UPDATE nik_counts SET n = n - 1
    WHERE OLD.deleted = 0 AND OLD.duplicate_of IS NULL AND nik = OLD.nik;
    DELETE FROM nik_counts WHERE nik = OLD.nik AND n <= 0;
    DELETE FROM shared_nik_holders WHERE nik = OLD.nik
        AND (id = OLD.id OR COALESCE((SELECT n FROM nik_counts WHERE nik = OLD.nik), 0) < 2);

    INSERT INTO registration_totals (regency, programme, status, n)
        SELECT DISTINCT NEW.regency, value, NEW.status, 1
        FROM json_each('["' || replace(NEW.programmes, ',', '","') || '"]')
        WHERE NEW.deleted = 0 AND NEW.duplicate_of IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO registration_days (regency, day, programme, n)
        SELECT DISTINCT NEW.regency, (NEW.created_at + 25200000) / 86400000, value, 1
        FROM json_each('["' || replace(NEW.programmes, ',', '","') || '"]')
        WHERE NEW.deleted = 0 AND NEW.duplicate_of IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO nik_counts (nik, n) SELECT NEW.nik, 1
        WHERE NEW.nik <> '' AND NEW.deleted = 0 AND NEW.duplicate_of IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO shared_nik_holders (nik, id, regency, created_at)
        SELECT r.nik, r.id, r.regency, r.created_at FROM registrations r
        WHERE r.nik = NEW.nik AND r.deleted = 0 AND r.duplicate_of IS NULL
          AND (r.id = NEW.id OR (SELECT n FROM nik_counts WHERE nik = NEW.nik) = 2)
          AND NEW.nik <> '' AND NEW.deleted = 0 AND NEW.duplicate_of IS NULL
          AND (SELECT n FROM nik_counts WHERE nik = NEW.nik) >= 2;
END;

-- Backfill from the projection as it stands.
INSERT INTO registration_totals (regency, programme, status, n)
    SELECT regency, programme, status, COUNT(*) FROM (
        SELECT DISTINCT r.id, r.regency, j.value AS programme, r.status
        FROM registrations r,
             json_each('["' || replace(r.programmes, ',', '","') || '"]') j
        WHERE r.deleted = 0 AND r.duplicate_of IS NULL)
    GROUP BY regency, programme, status;
INSERT INTO registration_days (regency, day, programme, n)
    SELECT regency, day, programme, COUNT(*) FROM (
        SELECT DISTINCT r.id, r.regency, (r.created_at + 25200000) / 86400000 AS day,
               j.value AS programme
        FROM registrations r,
             json_each('["' || replace(r.programmes, ',', '","') || '"]') j
        WHERE r.deleted = 0 AND r.duplicate_of IS NULL)
    GROUP BY regency, day, programme;
INSERT INTO nik_counts (nik, n)
    SELECT nik, COUNT(*) FROM registrations
    WHERE nik <> '' AND deleted = 0 AND duplicate_of IS NULL
    GROUP BY nik;
INSERT INTO shared_nik_holders (nik, id, regency, created_at)
    SELECT r.nik, r.id, r.regency, r.created_at
    FROM registrations r JOIN nik_counts c ON c.nik = r.nik
    WHERE c.n >= 2 AND r.deleted = 0 AND r.duplicate_of IS NULL;
