//! Who may see and change which registrations. Pure functions of the requester and the
//! registration before and after a change, so the server enforces them on every merge and
//! the app can use the same rules to hide what a user may not do.

use serde::{Deserialize, Serialize};

use crate::choice::choices;

use crate::registration::{Registration, ReviewStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Officer,
}

choices!(Role {
    Admin => "admin", "Admin", "Admin";
    Supervisor => "supervisor", "Pengawas", "Supervisor";
    Officer => "officer", "Petugas", "Officer";
});

impl Role {
    /// Officers register on their phone, offline, and sync; supervisors and admins work
    /// online on the supervision screens.
    pub fn is_officer(self) -> bool {
        self == Role::Officer
    }
}

/// The registrations a user may see and change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Admins: the whole province.
    Everything,
    /// Supervisors: every registration whose address lies in one of these regencies.
    Regencies(Vec<String>),
    /// Officers: their own registrations, and those whose address lies in one of their
    /// assigned districts or villages.
    Officer { user_id: String, areas: Vec<String> },
}

impl Scope {
    pub fn covers(&self, registration: &Registration) -> bool {
        let address = &registration.address;
        match self {
            Scope::Everything => true,
            Scope::Regencies(regencies) => regencies.contains(&address.regency),
            Scope::Officer { user_id, areas } => {
                registration.registered_by == *user_id
                    || areas
                        .iter()
                        .any(|a| *a == address.district || *a == address.village)
            }
        }
    }
}

/// The user behind a request, as the server authenticated them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub user_id: String,
    pub role: Role,
    pub scope: Scope,
}

/// Why an edit is refused, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub message_id: &'static str,
    pub message_en: &'static str,
}

const fn forbidden(message_id: &'static str, message_en: &'static str) -> Forbidden {
    Forbidden {
        message_id,
        message_en,
    }
}

/// Checks that `requester` may turn `before` (None: a new registration) into `after`.
pub fn check_edit(
    requester: &Requester,
    before: Option<&Registration>,
    after: &Registration,
) -> Result<(), Forbidden> {
    if !requester.scope.covers(after) {
        return Err(forbidden(
            "Data ini berada di luar wilayah tugas Anda.",
            "This record lies outside your assigned area.",
        ));
    }
    let Some(before) = before else {
        return check_create(requester, after);
    };
    if !requester.scope.covers(before) {
        return Err(forbidden(
            "Data ini berada di luar wilayah tugas Anda.",
            "This record lies outside your assigned area.",
        ));
    }
    if before.id != after.id
        || before.registered_by != after.registered_by
        || before.created_at != after.created_at
    {
        return Err(forbidden(
            "ID, petugas pendaftar dan waktu pendaftaran tidak boleh diubah.",
            "The id, registering officer and registration time cannot be changed.",
        ));
    }
    let kept = before
        .review
        .comments
        .iter()
        .all(|c| after.review.comments.contains(c));
    if !kept {
        return Err(forbidden(
            "Komentar yang sudah ada tidak boleh diubah atau dihapus.",
            "Existing comments cannot be changed or removed.",
        ));
    }
    let new_comments = after
        .review
        .comments
        .iter()
        .filter(|c| !before.review.comments.contains(c));
    for comment in new_comments {
        if comment.author_id != requester.user_id || comment.role != requester.role.code() {
            return Err(forbidden(
                "Komentar hanya boleh ditulis atas nama Anda sendiri.",
                "Comments can only be written in your own name.",
            ));
        }
    }
    if requester.role == Role::Officer {
        let status_change = (before.review.status, after.review.status);
        let allowed = status_change.0 == status_change.1
            || status_change == (ReviewStatus::NeedsCorrection, ReviewStatus::Submitted);
        if !allowed {
            return Err(forbidden(
                "Petugas lapangan tidak boleh mengubah status verifikasi.",
                "Field officers cannot change the review status.",
            ));
        }
        if before.duplicate_of != after.duplicate_of {
            return Err(forbidden(
                "Hanya supervisor yang dapat menandai data ganda.",
                "Only supervisors can mark duplicates.",
            ));
        }
    }
    Ok(())
}

/// A registration the server does not hold yet (nor vouches for through a seal): a
/// new one, which an officer registers in their own name, unreviewed.
fn check_create(requester: &Requester, after: &Registration) -> Result<(), Forbidden> {
    if requester.role == Role::Officer {
        if after.registered_by != requester.user_id {
            return Err(forbidden(
                "Pendaftaran baru harus atas nama petugas yang mengirim.",
                "A new registration must be in the sending officer's name.",
            ));
        }
        if after.review.status != ReviewStatus::Submitted || after.duplicate_of.is_some() {
            return Err(forbidden(
                "Petugas lapangan tidak boleh mengubah status verifikasi.",
                "Field officers cannot change the review status.",
            ));
        }
    }
    let foreign_comment = after
        .review
        .comments
        .iter()
        .any(|c| c.author_id != requester.user_id);
    if foreign_comment {
        return Err(forbidden(
            "Komentar hanya boleh ditulis atas nama Anda sendiri.",
            "Comments can only be written in your own name.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::ReviewComment;

    fn officer() -> Requester {
        Requester {
            user_id: "o1".into(),
            role: Role::Officer,
            scope: Scope::Officer {
                user_id: "o1".into(),
                areas: vec!["17.01.01".into()],
            },
        }
    }

    fn supervisor(regency: &str) -> Requester {
        Requester {
            user_id: "s1".into(),
            role: Role::Supervisor,
            scope: Scope::Regencies(vec![regency.into()]),
        }
    }

    fn record() -> Registration {
        let mut r = Registration {
            id: "r1".into(),
            registered_by: "o1".into(),
            ..Default::default()
        };
        r.address.regency = "17.01".into();
        r.address.district = "17.01.01".into();
        r
    }

    #[test]
    fn an_officer_may_create_their_own_registration() {
        assert!(check_edit(&officer(), None, &record()).is_ok());
    }

    #[test]
    fn an_officer_may_not_create_a_registration_outside_their_area() {
        let mut r = record();
        r.registered_by = "o2".into();
        r.address.district = "17.02.01".into();
        assert!(check_edit(&officer(), None, &r).is_err());
    }

    #[test]
    fn an_officer_may_not_create_a_registration_in_another_officers_name() {
        let mut r = record();
        r.registered_by = "o2".into();
        assert!(check_edit(&officer(), None, &r).is_err());
    }

    #[test]
    fn an_officer_may_not_create_an_already_verified_registration() {
        let mut r = record();
        r.review.status = ReviewStatus::Verified;
        assert!(check_edit(&officer(), None, &r).is_err());
    }

    #[test]
    fn an_officer_may_not_verify_a_registration() {
        let mut after = record();
        after.review.status = ReviewStatus::Verified;
        assert!(check_edit(&officer(), Some(&record()), &after).is_err());
    }

    #[test]
    fn an_officer_may_resubmit_a_registration_that_needs_correction() {
        let mut before = record();
        before.review.status = ReviewStatus::NeedsCorrection;
        assert!(check_edit(&officer(), Some(&before), &record()).is_ok());
    }

    #[test]
    fn a_supervisor_may_review_only_within_their_regencies() {
        let mut after = record();
        after.review.status = ReviewStatus::Verified;
        assert!(check_edit(&supervisor("17.01"), Some(&record()), &after).is_ok());
        assert!(check_edit(&supervisor("17.02"), Some(&record()), &after).is_err());
    }

    #[test]
    fn nobody_may_remove_or_forge_a_comment() {
        let comment = ReviewComment {
            id: "c1".into(),
            author_id: "s1".into(),
            author_name: "S".into(),
            role: "supervisor".into(),
            at: 1,
            text: "cek".into(),
        };
        let mut with_comment = record();
        with_comment.review.comments.push(comment.clone());
        assert!(check_edit(&officer(), Some(&with_comment), &record()).is_err());
        assert!(check_edit(&officer(), Some(&record()), &with_comment).is_err());
        assert!(check_edit(&supervisor("17.01"), Some(&record()), &with_comment).is_ok());
    }
}
