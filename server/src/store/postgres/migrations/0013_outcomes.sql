-- Outcomes (issue 17). The same as SQLite's 0014_outcomes, in PostgreSQL's types.
--
-- `steps` lists a registration's follow-up steps, `programme:step:date` joined by ';'
-- in date order (the export's `follow_ups` cell). `outcomes` lists what the person
-- reached and the year they first reached it (jemput_shared::outcome), as
-- ',year|programme|reached,…,' — programme '' is "over all programmes".
ALTER TABLE registrations ADD COLUMN steps TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN outcomes TEXT NOT NULL DEFAULT ',';

-- The table's stage and step filters read this partial index, which holds only the
-- registrations with outcomes and every column those filters and the count need.
CREATE INDEX registrations_with_outcomes ON registrations (created_at)
    INCLUDE (regency, deleted, duplicate_of, outcomes) WHERE outcomes <> ',';

-- Counted registrations (not deleted, no duplicate_of) per regency and outcome entry,
-- kept in step with the projection by the trigger, like registration_totals.
CREATE TABLE outcome_totals (
    regency TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (regency, outcome)
);

CREATE FUNCTION outcome_counts_apply(r registrations, delta BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF r.deleted OR r.duplicate_of IS NOT NULL OR r.outcomes = ',' THEN
        RETURN;
    END IF;
    INSERT INTO outcome_totals AS t (regency, outcome, n)
        SELECT DISTINCT r.regency, o, delta
        FROM unnest(string_to_array(r.outcomes, ',')) AS o WHERE o <> ''
        ON CONFLICT (regency, outcome) DO UPDATE SET n = t.n + EXCLUDED.n;
END
$$;

CREATE FUNCTION outcomes_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.regency IS NOT DISTINCT FROM NEW.regency
       AND OLD.outcomes IS NOT DISTINCT FROM NEW.outcomes
       AND OLD.deleted IS NOT DISTINCT FROM NEW.deleted
       AND OLD.duplicate_of IS NOT DISTINCT FROM NEW.duplicate_of THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM outcome_counts_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM outcome_counts_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outcomes_counted AFTER INSERT OR UPDATE OR DELETE ON registrations
    FOR EACH ROW EXECUTE FUNCTION outcomes_counted();

-- Targets gain what they count: registrations ('registered', as before) or people
-- reaching a later stage of the funnel.
ALTER TABLE targets ADD COLUMN stage TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE targets DROP CONSTRAINT targets_pkey;
ALTER TABLE targets ADD PRIMARY KEY (regency, programme, stage);

-- Project every stored document again, so registrations that already have follow-ups
-- get their steps and outcomes (in the background): the projector leaves a row at its
-- own seq alone, hence the rows' seq back to 0.
UPDATE registrations SET seq = 0;
UPDATE projection_state SET projected_seq = 0;
