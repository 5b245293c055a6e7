-- Issue 13: at a million registrations each projected row wrote a page at a random place
-- of every b-tree keyed by NIK, name or id — the page is rarely in the cache, so it is
-- read, written to the WAL and copied back by the checkpoint. Two of them go:
--
-- - `registrations_by_regency_nik (regency, nik, …)`: one NIK index now carries the
--   regency right after the NIK, so a NIK search in a regency and the table sorted by
--   NIK in a regency test the regency in the index.
-- - `nik_counts`: how many counted registrations share a NIK is counted in that index
--   (the rows of one NIK are next to each other, in a page the row's insert has just
--   written); a NIK is shared exactly when it has rows in `shared_nik_holders`.
CREATE INDEX registrations_by_nik_regency
    ON registrations (nik, regency, deleted, duplicate_of, created_at);
DROP INDEX registrations_by_nik_listed;
DROP INDEX registrations_by_regency_nik;

DROP TRIGGER registrations_counted_insert;
DROP TRIGGER registrations_counted_delete;
DROP TRIGGER registrations_counted_update;
DROP TABLE nik_counts;

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
    -- Shared now: this holder joins, and so does the first one when it just became so.
    INSERT OR IGNORE INTO shared_nik_holders (nik, id, regency, created_at)
        SELECT r.nik, r.id, r.regency, r.created_at FROM registrations r
        WHERE NEW.nik <> '' AND r.nik = NEW.nik AND r.deleted = 0 AND r.duplicate_of IS NULL
          AND (r.id = NEW.id OR (SELECT count(*) FROM registrations c WHERE c.nik = NEW.nik
                                 AND c.deleted = 0 AND c.duplicate_of IS NULL) = 2)
          AND (SELECT count(*) FROM registrations c WHERE c.nik = NEW.nik
               AND c.deleted = 0 AND c.duplicate_of IS NULL) >= 2;
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
    -- This holder leaves; a NIK no longer shared has no holders here.
    DELETE FROM shared_nik_holders WHERE nik = OLD.nik
        AND (id = OLD.id OR (SELECT count(*) FROM registrations c WHERE c.nik = OLD.nik
                             AND c.deleted = 0 AND c.duplicate_of IS NULL
                             AND c.rowid <> OLD.rowid) < 2);
END;

-- An update that changes what is counted, or where: the old row out, the new row in.
-- The old NIK's holders are counted without this row (all of them leave when fewer than
-- two others remain), the new NIK's with it, after the update; the holders inserted
-- are then never there already (the projector's upsert would override OR IGNORE).
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
    DELETE FROM shared_nik_holders WHERE nik = OLD.nik
        AND (id = OLD.id OR (SELECT count(*) FROM registrations c WHERE c.nik = OLD.nik
                             AND c.deleted = 0 AND c.duplicate_of IS NULL
                             AND c.rowid <> OLD.rowid) < 2);

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
    INSERT OR IGNORE INTO shared_nik_holders (nik, id, regency, created_at)
        SELECT r.nik, r.id, r.regency, r.created_at FROM registrations r
        WHERE NEW.nik <> '' AND NEW.deleted = 0 AND NEW.duplicate_of IS NULL
          AND r.nik = NEW.nik AND r.deleted = 0 AND r.duplicate_of IS NULL
          AND (r.id = NEW.id OR (SELECT count(*) FROM registrations c WHERE c.nik = NEW.nik
                                 AND c.deleted = 0 AND c.duplicate_of IS NULL) = 2)
          AND (SELECT count(*) FROM registrations c WHERE c.nik = NEW.nik
               AND c.deleted = 0 AND c.duplicate_of IS NULL) >= 2;
END;
