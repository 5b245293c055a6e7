//! Registrations for supervisors and admins: the table (`GET /api/registrations`, its
//! query in [`TableQuery`], one page in [`RegistrationPage`]), the exports that take the
//! same query, one registration's history (`GET /api/registrations/{id}/history`) and a
//! review (`POST /api/registrations/{id}/review`) and a handover to another officer
//! (`/api/registrations/{id}/handover`). `GET /api/registrations/{id}` answers
//! the [`crate::registration::Registration`] itself.

use serde::{Deserialize, Serialize};

use crate::choice::choices;
use crate::follow_up::{FollowUpDetails, Stage, Step};
use crate::registration::{Gender, Millis, Programme, ReviewStatus};

/// One registration as the table (and the duplicates queue) shows it: projection columns
/// with region and officer names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    pub id: String,
    pub full_name: String,
    pub nik: String,
    pub gender: Gender,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub regency: String,
    /// `None` for a code missing from the region list (as for the other names).
    pub regency_name: Option<String>,
    pub district: String,
    pub district_name: Option<String>,
    pub village: String,
    pub village_name: Option<String>,
    pub programmes: Vec<Programme>,
    pub status: ReviewStatus,
    /// The user id of the officer who registered the person.
    pub registered_by: String,
    /// The officer's display name; `None` for an unknown user.
    pub officer_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub duplicate_of: Option<String>,
    /// The furthest stage of the funnel the person's follow-ups reached.
    #[serde(default)]
    pub stage: Stage,
}

/// `GET /api/registrations`: one page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationPage {
    pub rows: Vec<TableRow>,
    /// Counts up to 10,000 for slow filters; `total_is_exact` says whether it stopped.
    pub total: u64,
    pub total_is_exact: bool,
    pub page: u64,
    pub per_page: u64,
}

choices! {
    /// The columns the table can be sorted by (`sort`), with their headings.
    #[derive(Default)]
    pub enum SortKey {
        #[default]
        CreatedAt => "created_at", "Didaftarkan", "Registered";
        UpdatedAt => "updated_at", "Diperbarui", "Updated";
        FullName => "full_name", "Nama", "Name";
        Nik => "nik", "NIK", "NIK";
        Status => "status", "Status", "Status";
        Regency => "regency", "Wilayah", "Area";
    }
}

choices! {
    /// The sort direction (`dir`); newest first unless asked otherwise.
    #[derive(Default)]
    pub enum SortDir {
        #[default]
        Desc => "desc", "Menurun", "Descending";
        Asc => "asc", "Menaik", "Ascending";
    }
}

/// The table's and the exports' query parameters (those a screen sets; the server also
/// takes `duplicates` and `per_page`, see docs/supervisor-api.md). The supervisor's table
/// keeps exactly this query in its URL, so a view can be shared and its export links
/// carry the filter on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableQuery {
    pub regency: Option<String>,
    pub district: Option<String>,
    pub village: Option<String>,
    pub programme: Option<Programme>,
    pub status: Option<ReviewStatus>,
    /// People who reached this stage of the funnel (or a later one).
    pub stage: Option<Stage>,
    /// People with this step recorded (in any of their programmes).
    pub step: Option<Step>,
    /// A user id.
    pub officer: Option<String>,
    /// `YYYY-MM-DD`, inclusive, on the registration day (WIB).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Digits: a NIK prefix; otherwise words that start words of the name.
    pub q: Option<String>,
    pub sort: Option<SortKey>,
    pub dir: Option<SortDir>,
    /// From 1.
    pub page: Option<u64>,
}

impl TableQuery {
    /// The parameters that are set, as (name, value), in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let text = |name, value: &Option<String>| value.clone().map(|v| (name, v));
        [
            text("regency", &self.regency),
            text("district", &self.district),
            text("village", &self.village),
            self.programme.map(|p| ("programme", p.code().to_owned())),
            self.status.map(|s| ("status", s.code().to_owned())),
            self.stage.map(|s| ("stage", s.code().to_owned())),
            self.step.map(|s| ("step", s.code().to_owned())),
            text("officer", &self.officer),
            text("from", &self.from),
            text("to", &self.to),
            text("q", &self.q),
            self.sort.map(|s| ("sort", s.code().to_owned())),
            self.dir.map(|d| ("dir", d.code().to_owned())),
            self.page.map(|p| ("page", p.to_string())),
        ]
        .into_iter()
        .flatten()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    /// The query read from decoded (name, value) pairs, leniently: an empty, unknown or
    /// malformed value is left unset (the server judges what is sent to it).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> TableQuery {
        let mut query = TableQuery::default();
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = Some(value.to_owned());
            match name {
                "regency" => query.regency = text,
                "district" => query.district = text,
                "village" => query.village = text,
                "programme" => query.programme = Programme::from_code(value),
                "status" => query.status = ReviewStatus::from_code(value),
                "stage" => query.stage = Stage::from_code(value),
                "step" => query.step = Step::from_code(value),
                "officer" => query.officer = text,
                "from" => query.from = text,
                "to" => query.to = text,
                "q" => query.q = text,
                "sort" => query.sort = SortKey::from_code(value),
                "dir" => query.dir = SortDir::from_code(value),
                "page" => query.page = value.parse().ok().filter(|&p| p >= 1),
                _ => {}
            }
        }
        query
    }

    /// `name=value&…`, percent-encoded; empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        self.pairs()
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `GET /api/registrations/{id}/history`: every change, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub changes: Vec<HistoryEntry>,
}

/// One change in a registration's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The change hash, in hex.
    pub hash: String,
    /// When the change was made by the clock of the device that made it (second
    /// precision), in milliseconds since the epoch: the device's claim.
    pub at: Millis,
    /// The user the change names as its author (the device's claim); `None` for changes
    /// that do not name one.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    /// The field paths the change touched (`full_name`, `address.village`,
    /// `review.comments`), sorted and without repeats: technical detail.
    pub fields: Vec<String>,
    /// True for the change that created the document: the registration itself.
    #[serde(default)]
    pub created: bool,
    /// What the change did to the form's fields, in the form's order, each with its
    /// value before and after (`crate::fields`); empty for the creation.
    #[serde(default)]
    pub changed: Vec<crate::fields::FieldChange>,
    /// When the server received the change, by its own clock. This and the `pushed_*`
    /// fields are the server's record (`history::Receipt`); all `None` for changes it
    /// accepted before it kept such records.
    pub received_at: Option<Millis>,
    /// The user whose sync (or whose action on the server, such as a review) brought
    /// the change to the server.
    pub pushed_by_id: Option<String>,
    pub pushed_by_name: Option<String>,
    /// The id of the device (signed-in session) it came from.
    pub pushed_from_device: Option<String>,
}

/// The body of `POST /api/registrations/{id}/review`; the answer is the registration as
/// it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `verified`, `needs_correction` (with a comment) or `rejected`.
    pub status: ReviewStatus,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/registrations/{id}/follow-ups`: a step a supervisor or admin records for a
/// person (officers record theirs on the phone, offline). The server adds the id, who
/// recorded it and when, and keeps only the details the step asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    pub programme: Programme,
    pub step: Step,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub details: FollowUpDetails,
}

/// An officer a registration may be handed over to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverOfficer {
    pub id: String,
    pub username: String,
    pub display_name: String,
}

/// The answer of `GET /api/registrations/{id}/handover`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverCandidates {
    /// The officer it is handed over to now; `None` while only its registering officer
    /// holds it.
    pub assigned_officer: Option<String>,
    /// Enabled officers whose areas cover the registration, by display name.
    pub officers: Vec<HandoverOfficer>,
}

/// The body of `POST /api/registrations/{id}/handover`; the answer is the registration
/// as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    pub officer_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_back_from_its_pairs() {
        let query = TableQuery {
            regency: Some("17.01".into()),
            programme: Some(Programme::JobPlacement),
            status: Some(ReviewStatus::NeedsCorrection),
            q: Some("Siti R".into()),
            sort: Some(SortKey::FullName),
            dir: Some(SortDir::Asc),
            page: Some(3),
            ..TableQuery::default()
        };
        let pairs = query.pairs();
        let back = TableQuery::from_pairs(pairs.iter().map(|(n, v)| (*n, v.as_str())));
        assert_eq!(back, query);
        assert_eq!(
            query.to_query_string(),
            "regency=17.01&programme=job_placement&status=needs_correction&q=Siti%20R&sort=full_name&dir=asc&page=3"
        );
    }

    #[test]
    fn unknown_or_malformed_parameters_are_left_unset() {
        let query = TableQuery::from_pairs([
            ("status", "bogus"),
            ("page", "0"),
            ("colour", "red"),
            ("regency", " "),
        ]);
        assert_eq!(query, TableQuery::default());
        assert_eq!(query.to_query_string(), "");
    }
}
