-- Supervision: the aggregates behind GET /api/overview and the duplicates queue, the
-- yearly targets, and the "different people" verdicts (docs/supervisor-api.md). The
-- same tables as SQLite's 0004_overview, in PostgreSQL's types.
--
-- The aggregates count *counted* registrations (not deleted, no duplicate_of) and are
-- kept exactly in step with the projection by the trigger below, inside the commit that
-- writes the projection row (commits are serialized by the change-log lock, so the
-- counter rows never deadlock), so the overview never scans `registrations`.
-- A day is a calendar day in WIB (UTC+7), as days since 1970-01-01:
-- (created_at + 25200000) / 86400000. Programme '' is the registration itself; a
-- registration with programmes a and b also adds one to rows 'a' and 'b'.

CREATE TABLE registration_totals (
    regency TEXT NOT NULL,
    programme TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (regency, programme, status)
);

CREATE TABLE registration_days (
    regency TEXT NOT NULL,
    day BIGINT NOT NULL,
    programme TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (regency, day, programme)
);

-- Counted registrations per non-empty NIK (a row disappears at zero), and the counted
-- registrations whose NIK is shared (n >= 2): the duplicates queue before scope and
-- verdicts, small enough to read whole.
CREATE TABLE nik_counts (
    nik TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
CREATE TABLE shared_nik_holders (
    nik TEXT NOT NULL,
    id TEXT NOT NULL,
    regency TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (nik, id)
);
CREATE INDEX shared_nik_holders_by_regency ON shared_nik_holders (regency);

-- Yearly targets; '' stands for "any" (regency '' and programme '': the province).
CREATE TABLE targets (
    regency TEXT NOT NULL,
    programme TEXT NOT NULL,
    yearly BIGINT NOT NULL,
    PRIMARY KEY (regency, programme)
);

-- "Different people" for exactly this set of registrations (ids sorted, joined by ',').
CREATE TABLE duplicate_verdicts (
    nik TEXT NOT NULL,
    members TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (nik, members)
);

-- Adds `delta` (1 or -1) for one projection row, if it is counted. `programmes` is
-- ',a,b,': its distinct parts are '' (the registration) and each programme.
CREATE FUNCTION registration_counts_apply(r registrations, delta BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    holders BIGINT;
BEGIN
    IF r.deleted OR r.duplicate_of IS NOT NULL THEN
        RETURN;
    END IF;
    INSERT INTO registration_totals AS t (regency, programme, status, n)
        SELECT DISTINCT r.regency, p, r.status, delta
        FROM unnest(string_to_array(r.programmes, ',')) AS p
        ON CONFLICT (regency, programme, status) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO registration_days AS t (regency, day, programme, n)
        SELECT DISTINCT r.regency, (r.created_at + 25200000) / 86400000, p, delta
        FROM unnest(string_to_array(r.programmes, ',')) AS p
        ON CONFLICT (regency, day, programme) DO UPDATE SET n = t.n + EXCLUDED.n;
    IF r.nik = '' THEN
        RETURN;
    END IF;
    INSERT INTO nik_counts AS t (nik, n) VALUES (r.nik, delta)
        ON CONFLICT (nik) DO UPDATE SET n = t.n + EXCLUDED.n
        RETURNING t.n INTO holders;
    IF holders <= 0 THEN
        DELETE FROM nik_counts WHERE nik = r.nik;
    END IF;
    IF delta > 0 AND holders >= 2 THEN
        -- Shared now: this holder joins, and so does the first one when it just
        -- became so.
        INSERT INTO shared_nik_holders (nik, id, regency, created_at)
            SELECT h.nik, h.id, h.regency, h.created_at FROM registrations h
            WHERE h.nik = r.nik AND NOT h.deleted AND h.duplicate_of IS NULL
              AND (h.id = r.id OR holders = 2)
            ON CONFLICT (nik, id) DO NOTHING;
    ELSIF delta < 0 THEN
        -- This holder leaves; a NIK no longer shared has no holders here.
        DELETE FROM shared_nik_holders
            WHERE nik = r.nik AND (id = r.id OR holders < 2);
    END IF;
END
$$;

CREATE FUNCTION registrations_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.regency IS NOT DISTINCT FROM NEW.regency
       AND OLD.programmes IS NOT DISTINCT FROM NEW.programmes
       AND OLD.status IS NOT DISTINCT FROM NEW.status
       AND OLD.created_at IS NOT DISTINCT FROM NEW.created_at
       AND OLD.nik IS NOT DISTINCT FROM NEW.nik
       AND OLD.deleted IS NOT DISTINCT FROM NEW.deleted
       AND OLD.duplicate_of IS NOT DISTINCT FROM NEW.duplicate_of THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM registration_counts_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM registration_counts_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER registrations_counted AFTER INSERT OR UPDATE OR DELETE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_counted();

-- Backfill from the projection as it stands.
INSERT INTO registration_totals (regency, programme, status, n)
    SELECT regency, programme, status, COUNT(*) FROM (
        SELECT DISTINCT r.id, r.regency, p AS programme, r.status
        FROM registrations r, unnest(string_to_array(r.programmes, ',')) AS p
        WHERE NOT r.deleted AND r.duplicate_of IS NULL) AS parts
    GROUP BY regency, programme, status;
INSERT INTO registration_days (regency, day, programme, n)
    SELECT regency, day, programme, COUNT(*) FROM (
        SELECT DISTINCT r.id, r.regency, (r.created_at + 25200000) / 86400000 AS day,
               p AS programme
        FROM registrations r, unnest(string_to_array(r.programmes, ',')) AS p
        WHERE NOT r.deleted AND r.duplicate_of IS NULL) AS parts
    GROUP BY regency, day, programme;
INSERT INTO nik_counts (nik, n)
    SELECT nik, COUNT(*) FROM registrations
    WHERE nik <> '' AND NOT deleted AND duplicate_of IS NULL
    GROUP BY nik;
INSERT INTO shared_nik_holders (nik, id, regency, created_at)
    SELECT r.nik, r.id, r.regency, r.created_at
    FROM registrations r JOIN nik_counts c ON c.nik = r.nik
    WHERE c.n >= 2 AND NOT r.deleted AND r.duplicate_of IS NULL;
