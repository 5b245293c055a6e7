//! The projection: the `registrations` table, one row per registration document, that
//! the supervisor views, the exports and the scope checks read. Both backends write it
//! from [`ProjectedColumns`] and read it back as a [`ProjectionRow`] through
//! [`ProjectionRow::read`], so a column is mapped once for SQLite and PostgreSQL alike;
//! each backend only says how to read one column of its own row type
//! ([`Columns`](super::sql::Columns)).

use std::collections::HashMap;

use jemput_shared::follow_up::{furthest_stage, FollowUp, Stage, Step};
use jemput_shared::outcome::{outcomes, Outcome, Reached};
use jemput_shared::registration::{Programme, Registration};

use super::sql::{Columns, Dialect, Statement};

/// One projection row, as the table, the duplicates queue and the exports show it
/// (names are added by the routes, from the region list and the users).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionRow {
    pub id: String,
    pub full_name: String,
    pub nik: String,
    pub gender: String,
    pub birth_place: String,
    pub birth_date: String,
    pub phone: String,
    pub regency: String,
    pub district: String,
    pub village: String,
    /// Programme codes.
    pub programmes: Vec<String>,
    pub status: String,
    pub registered_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub duplicate_of: Option<String>,
    /// The follow-up steps, in date order.
    pub steps: Vec<ProjectedStep>,
}

impl ProjectionRow {
    /// The furthest stage of the funnel the steps reached.
    pub fn stage(&self) -> Stage {
        furthest_stage(self.steps.iter().map(|s| s.step))
    }
}

/// One follow-up step as the projection keeps it (column `steps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectedStep {
    pub programme: Programme,
    pub step: Step,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The columns every projection read selects (from `registrations r`), in
/// [`ProjectionRow`]'s order.
pub(crate) const COLUMNS: &str = "r.id, r.full_name, r.nik, r.gender, r.birth_place, \
     r.birth_date, r.phone, r.regency, r.district, r.village, r.programmes, r.status, \
     r.registered_by, r.created_at, r.updated_at, r.duplicate_of, r.steps";

impl ProjectionRow {
    /// A row selected with [`COLUMNS`].
    pub(crate) fn read<R: Columns>(row: &R) -> Result<ProjectionRow, R::Error> {
        Ok(ProjectionRow {
            id: row.text(0)?,
            full_name: row.text(1)?,
            nik: row.text(2)?,
            gender: row.text(3)?,
            birth_place: row.text(4)?,
            birth_date: row.text(5)?,
            phone: row.text(6)?,
            regency: row.text(7)?,
            district: row.text(8)?,
            village: row.text(9)?,
            programmes: programmes_from_column(&row.text(10)?),
            status: row.text(11)?,
            registered_by: row.text(12)?,
            created_at: row.integer(13)?,
            updated_at: row.integer(14)?,
            duplicate_of: row.optional_text(15)?,
            steps: steps_from_column(&row.text(16)?),
        })
    }
}

/// The projection rows of `ids` (unknown ids are absent).
pub(crate) fn rows_by_id_statement(dialect: Dialect, ids: &[String]) -> Statement {
    let mut statement = Statement::new(dialect);
    let condition = statement.bind_in("r.id", ids);
    statement.sql = format!("SELECT {COLUMNS} FROM registrations r WHERE {condition}");
    statement
}

/// What a registration document writes into its projection row (besides the document's
/// id, change-log seq and the time of the write, which the backend adds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProjectedColumns<'a> {
    pub regency: &'a str,
    pub district: &'a str,
    pub village: &'a str,
    pub full_name: &'a str,
    pub nik: &'a str,
    pub gender: &'static str,
    pub birth_place: &'a str,
    pub birth_date: &'a str,
    pub phone: &'a str,
    /// `,code,code,`, so a programme filter is `programmes LIKE '%,code,%'` on either
    /// backend.
    pub programmes: String,
    pub status: &'static str,
    pub registered_by: &'a str,
    pub device_id: &'a str,
    pub created_at: i64,
    pub duplicate_of: Option<&'a str>,
    pub deleted: bool,
    /// [`steps_column`].
    pub steps: String,
    /// [`outcomes_column`].
    pub outcomes: String,
}

impl<'a> ProjectedColumns<'a> {
    pub(crate) fn of(r: &'a Registration) -> ProjectedColumns<'a> {
        let mut programmes = String::from(",");
        for programme in &r.programmes {
            programmes.push_str(programme.code());
            programmes.push(',');
        }
        ProjectedColumns {
            regency: &r.address.regency,
            district: &r.address.district,
            village: &r.address.village,
            full_name: &r.full_name,
            nik: &r.nik,
            gender: r.gender.code(),
            birth_place: &r.birth_place,
            birth_date: &r.birth_date,
            phone: &r.phone,
            programmes,
            status: r.review.status.code(),
            registered_by: &r.registered_by,
            device_id: &r.device_id,
            created_at: r.created_at,
            duplicate_of: r.duplicate_of.as_deref(),
            deleted: r.deleted.is_some(),
            steps: steps_column(&r.follow_ups),
            outcomes: outcomes_column(&r.follow_ups),
        }
    }
}

/// Registrations committed but not projected yet, by document id, with the seq each was
/// committed at: what the commits hand their backend's projector, so it need not read
/// them back from their documents. Bounded: beyond [`PendingRegistrations::MAX`] the
/// projector reads the rest back instead (one far behind must not make memory grow).
#[derive(Default)]
pub(crate) struct PendingRegistrations {
    kept: HashMap<String, (u64, Registration)>,
}

impl PendingRegistrations {
    pub(crate) const MAX: usize = 50_000;

    /// Keeps these committed documents' registrations (id, seq, registration).
    pub(crate) fn keep(&mut self, written: impl IntoIterator<Item = (String, u64, Registration)>) {
        for (doc_id, seq, registration) in written {
            if self.kept.len() >= Self::MAX && !self.kept.contains_key(&doc_id) {
                continue;
            }
            self.kept.insert(doc_id, (seq, registration));
        }
    }

    /// Forgets every registration committed at or before `seq`: another process (e.g.
    /// another server instance) has projected them.
    pub(crate) fn forget_through(&mut self, seq: u64) {
        self.kept.retain(|_, (kept, _)| *kept > seq);
    }

    /// The registration committed at `seq`, if it is still kept; forgets it either way,
    /// unless what is kept is a newer commit of the document (kept for its own turn).
    pub(crate) fn take(&mut self, doc_id: &str, seq: u64) -> Option<Registration> {
        match self.kept.remove(doc_id) {
            Some((kept, registration)) if kept == seq => Some(registration),
            Some((kept, registration)) if kept > seq => {
                self.kept.insert(doc_id.to_owned(), (kept, registration));
                None
            }
            _ => None,
        }
    }
}

/// The `steps` column: `programme:step:date` per follow-up, in date order (then in the
/// order recorded), joined by `;` — also the export's `follow_ups` cell.
pub(crate) fn steps_column(follow_ups: &[FollowUp]) -> String {
    let mut sorted: Vec<&FollowUp> = follow_ups.iter().collect();
    sorted.sort_by(|a, b| (&a.date, a.recorded_at).cmp(&(&b.date, b.recorded_at)));
    let steps: Vec<ProjectedStep> = sorted
        .iter()
        .map(|f| ProjectedStep {
            programme: f.programme,
            step: f.step,
            date: f.date.clone(),
        })
        .collect();
    steps_text(&steps)
}

/// Steps as the `steps` column writes them.
pub(crate) fn steps_text(steps: &[ProjectedStep]) -> String {
    steps
        .iter()
        .map(|s| format!("{}:{}:{}", s.programme.code(), s.step.code(), s.date))
        .collect::<Vec<_>>()
        .join(";")
}

/// The `steps` column read back (a part that does not read is left out).
pub(crate) fn steps_from_column(column: &str) -> Vec<ProjectedStep> {
    column
        .split(';')
        .filter_map(|part| {
            let mut fields = part.splitn(3, ':');
            Some(ProjectedStep {
                programme: Programme::from_code(fields.next()?)?,
                step: Step::from_code(fields.next()?)?,
                date: fields.next()?.to_owned(),
            })
        })
        .collect()
}

/// The `outcomes` column: `,entry,entry,` of [`outcome_entry`]s, which the aggregate
/// `outcome_totals` counts per regency (migration `0014_outcomes`).
pub(crate) fn outcomes_column(follow_ups: &[FollowUp]) -> String {
    let mut column = String::from(",");
    for outcome in outcomes(follow_ups) {
        column.push_str(&outcome_entry(&outcome));
        column.push(',');
    }
    column
}

/// `year|programme|reached`, programme empty for "over all programmes".
pub(crate) fn outcome_entry(outcome: &Outcome) -> String {
    format!(
        "{}|{}|{}",
        outcome.year,
        outcome.programme.map(Programme::code).unwrap_or(""),
        outcome.reached.code()
    )
}

/// An [`outcome_entry`] read back; `None` for one that does not read.
pub(crate) fn outcome_from_entry(entry: &str) -> Option<Outcome> {
    let mut fields = entry.splitn(3, '|');
    let year = fields.next()?.parse().ok()?;
    let programme = match fields.next()? {
        "" => None,
        code => Some(Programme::from_code(code)?),
    };
    Some(Outcome {
        year,
        programme,
        reached: Reached::from_code(fields.next()?)?,
    })
}

/// The condition of the partial index `registrations_with_outcomes` (migration
/// `0014_outcomes`): a row with outcomes. A query must state it to read that index.
pub(crate) const HAS_OUTCOMES: &str = "r.outcomes <> ','";

/// The `LIKE` pattern of the `outcomes` column for people who reached `stage` (or a
/// later one: the entries are cumulative) in any year; `None` for
/// [`Stage::Registered`], which everyone has reached.
pub(crate) fn reached_stage_pattern(stage: Stage) -> Option<String> {
    (stage != Stage::Registered).then(|| format!("%||{},%", stage.code()))
}

/// The `LIKE` pattern of the `outcomes` column for people with `step` recorded.
pub(crate) fn recorded_step_pattern(step: Step) -> String {
    format!("%|{},%", step.code())
}

/// The projection's `,code,code,` as a list of codes.
pub(crate) fn programmes_from_column(codes: &str) -> Vec<String> {
    codes
        .split(',')
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programmes_come_back_as_codes() {
        assert_eq!(
            programmes_from_column(",new_entrepreneur,job_placement,"),
            ["new_entrepreneur", "job_placement"]
        );
        assert!(programmes_from_column(",").is_empty());
    }

    fn follow_up(programme: Programme, step: Step, date: &str) -> FollowUp {
        FollowUp {
            id: date.into(),
            programme,
            step,
            date: date.into(),
            details: Default::default(),
            recorded_by: "o".into(),
            recorded_by_name: String::new(),
            recorded_at: 0,
        }
    }

    #[test]
    fn steps_and_outcomes_read_back_and_match_their_filters() {
        let blk = Programme::BlkTraining;
        let follow_ups = [
            follow_up(blk, Step::Certified, "2026-03-01"),
            follow_up(blk, Step::TrainingEnrolled, "2025-10-01"),
            follow_up(blk, Step::TrainingCompleted, "2026-02-01"),
        ];
        let steps = steps_column(&follow_ups);
        assert_eq!(
            steps,
            "blk_training:training_enrolled:2025-10-01;blk_training:training_completed:\
             2026-02-01;blk_training:certified:2026-03-01"
        );
        let read = steps_from_column(&steps);
        assert_eq!(read.len(), 3);
        assert_eq!(read[2].step, Step::Certified);
        assert!(steps_from_column("").is_empty());

        let column = outcomes_column(&follow_ups);
        for outcome in outcomes(&follow_ups) {
            let entry = outcome_entry(&outcome);
            assert!(column.contains(&format!(",{entry},")));
            assert_eq!(outcome_from_entry(&entry), Some(outcome));
        }
        let like = |pattern: &str| {
            let middle = pattern.trim_start_matches('%').trim_end_matches('%');
            column.contains(middle)
        };
        let reached = |stage| like(&reached_stage_pattern(stage).unwrap());
        assert!(reached(Stage::Enrolled));
        assert!(reached(Stage::Qualified));
        assert!(!reached(Stage::Working));
        assert_eq!(reached_stage_pattern(Stage::Registered), None);
        assert!(like(&recorded_step_pattern(Step::Certified)));
        assert!(!like(&recorded_step_pattern(Step::Placed)));
        assert_eq!(outcomes_column(&[]), ",");
    }

    #[test]
    fn kept_registrations_are_taken_once_and_forgotten_once_projected_elsewhere() {
        let registration = |seed| {
            jemput_shared::sample::SampleGenerator::new(seed).registration(
                "officer",
                "device",
                "17.01.01.2001",
                0,
            )
        };
        let mut pending = PendingRegistrations::default();
        pending.keep([
            ("a".to_owned(), 5, registration(1)),
            ("b".to_owned(), 7, registration(2)),
            ("c".to_owned(), 9, registration(3)),
        ]);
        // A newer commit of "b" is kept for its own turn; an older turn gets nothing.
        assert!(pending.take("b", 6).is_none());
        assert!(pending.take("b", 7).is_some());
        assert!(pending.take("b", 7).is_none());
        pending.forget_through(5);
        assert!(pending.take("a", 5).is_none());
        assert!(pending.take("c", 9).is_some());
    }
}
