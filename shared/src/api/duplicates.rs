//! The duplicates queue: `GET /api/duplicates?page=1&per_page=20` lists NIKs shared by
//! two or more counted registrations in scope, and beside them the likely duplicates
//! beyond an identical NIK, each with why (`crate::likeness`); `POST /api/duplicates/resolve` keeps one
//! of a group (the others become its duplicates) or says they are different people.

use serde::{Deserialize, Serialize};

use super::registrations::TableRow;
use crate::choice::choices;
use crate::likeness::Likeness;

/// Likely pairs listed at most, newest first.
pub const MAX_LIKELY_PAIRS: usize = 100;

/// One page of the queue, newest group first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateQueue {
    pub groups: Vec<DuplicateGroup>,
    /// Open groups in scope, on every page.
    pub total: usize,
    /// Pairs that are probably one person although their NIKs differ (found by a
    /// background sweep, so up to its period late), newest first, at most
    /// [`MAX_LIKELY_PAIRS`]; the same on every page.
    pub likely: Vec<LikelyPair>,
    /// Likely pairs in scope in all.
    pub likely_total: usize,
}

/// Two registrations that are probably one person, oldest first, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikelyPair {
    pub likeness: Likeness,
    pub registrations: Vec<TableRow>,
}

/// Registrations sharing one NIK, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    pub nik: String,
    /// `same_nik`, or `same_nik_other_name` when the names differ.
    pub likeness: Likeness,
    pub registrations: Vec<TableRow>,
}

choices! {
    /// A supervisor's verdict on a group.
    pub enum Verdict {
        /// One person registered more than once: keep one, the others become its duplicates.
        SamePerson => "same_person", "Orang yang sama", "Same person";
        /// Different people sharing a NIK (a typo, a family card): close the group as it is.
        DifferentPeople => "different_people", "Orang berbeda", "Different people";
    }
}

/// The body of `POST /api/duplicates/resolve`: `keep` with `same_person` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    pub nik: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
}

/// What a verdict did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub nik: String,
    pub verdict: Verdict,
    /// With `same_person`: the registration kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
    /// With `same_person`: the registrations now `duplicate_of` it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<String>,
}
