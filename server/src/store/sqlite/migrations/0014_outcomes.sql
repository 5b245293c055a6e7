-- Outcomes (issue 17): what became of each person, for the overview's funnel, the
-- table's filters and the exports.
--
-- `steps` lists a registration's follow-up steps, `programme:step:date` joined by ';'
-- in date order (the export's `follow_ups` cell). `outcomes` lists what the person
-- reached and the year they first reached it (jemput_shared::outcome), as
-- ',year|programme|reached,…,' — programme '' is "over all programmes" — so a filter is
-- `outcomes LIKE '%|qualified,%'` and the triggers below split it like `programmes`.
ALTER TABLE registrations ADD COLUMN steps TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN outcomes TEXT NOT NULL DEFAULT ',';

-- The table's stage and step filters read this partial index, which holds only the
-- registrations with outcomes and every column those filters and the count need, so a
-- filter scans the people followed up, not the whole table (store/listing.rs names it).
CREATE INDEX registrations_with_outcomes
    ON registrations (created_at, regency, deleted, duplicate_of, outcomes)
    WHERE outcomes <> ',';

-- Counted registrations (not deleted, no duplicate_of) per regency and outcome entry,
-- kept in step with the projection by the triggers, like registration_totals.
CREATE TABLE outcome_totals (
    regency TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (regency, outcome)
) WITHOUT ROWID;

CREATE TRIGGER outcomes_counted_insert AFTER INSERT ON registrations
WHEN NEW.deleted = 0 AND NEW.duplicate_of IS NULL AND NEW.outcomes <> ','
BEGIN
    INSERT INTO outcome_totals (regency, outcome, n)
        SELECT DISTINCT NEW.regency, value, 1
        FROM json_each('["' || replace(NEW.outcomes, ',', '","') || '"]') WHERE value <> ''
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER outcomes_counted_delete AFTER DELETE ON registrations
WHEN OLD.deleted = 0 AND OLD.duplicate_of IS NULL AND OLD.outcomes <> ','
BEGIN
    UPDATE outcome_totals SET n = n - 1
    WHERE regency = OLD.regency AND instr(OLD.outcomes, ',' || outcome || ',') > 0;
END;

CREATE TRIGGER outcomes_counted_update AFTER UPDATE ON registrations
WHEN (OLD.outcomes <> ',' OR NEW.outcomes <> ',')
  AND (OLD.regency IS NOT NEW.regency OR OLD.outcomes IS NOT NEW.outcomes
    OR OLD.deleted IS NOT NEW.deleted OR OLD.duplicate_of IS NOT NEW.duplicate_of)
BEGIN
    UPDATE outcome_totals SET n = n - 1
    WHERE OLD.deleted = 0 AND OLD.duplicate_of IS NULL
      AND regency = OLD.regency AND instr(OLD.outcomes, ',' || outcome || ',') > 0;
    INSERT INTO outcome_totals (regency, outcome, n)
        SELECT DISTINCT NEW.regency, value, 1
        FROM json_each('["' || replace(NEW.outcomes, ',', '","') || '"]')
        WHERE value <> '' AND NEW.deleted = 0 AND NEW.duplicate_of IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Targets gain what they count: registrations ('registered', as before) or people
-- reaching a later stage of the funnel.
CREATE TABLE targets_by_stage (
    regency TEXT NOT NULL,
    programme TEXT NOT NULL,
    stage TEXT NOT NULL,
    yearly INTEGER NOT NULL,
    PRIMARY KEY (regency, programme, stage)
);
INSERT INTO targets_by_stage (regency, programme, stage, yearly)
    SELECT regency, programme, 'registered', yearly FROM targets;
DROP TABLE targets;
ALTER TABLE targets_by_stage RENAME TO targets;

-- Project every stored document again, so registrations that already have follow-ups
-- get their steps and outcomes (in the background; supervisor views wait for it).
UPDATE projection_state SET projected_seq = 0;
