//! Who may see and change which registrations. Pure functions of the requester and the
//! registration before and after a change, so the server enforces them on every merge and
//! the app can use the same rules to hide what a user may not do.

use serde::{Deserialize, Serialize};

use crate::choice::choices;
#[cfg(feature = "documents")]
use crate::document::ChangeAuthor;
use crate::follow_up::FollowUp;
use crate::registration::{Registration, ReviewStatus};

choices! {
    pub enum Role {
        Admin => "admin", "Admin", "Admin";
        Supervisor => "supervisor", "Pengawas", "Supervisor";
        Officer => "officer", "Petugas", "Officer";
    }
}

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

/// The refusal of anything outside the requester's scope.
pub const OUTSIDE_SCOPE: Forbidden = forbidden(
    "Data ini berada di luar wilayah tugas Anda.",
    "This record lies outside your assigned area.",
);

/// True when an officer may change a registration (given its registering officer and
/// the officer it was handed over to): the ones they registered and the ones a
/// supervisor handed over to them. Others in their area they may only read. The phone
/// asks this to open a record read-only, the server (in [`check_edit`]) to refuse an
/// edit, so both agree.
pub fn officer_may_change(
    officer_id: &str,
    registered_by: &str,
    assigned_officer: Option<&str>,
) -> bool {
    registered_by == officer_id || assigned_officer == Some(officer_id)
}

/// Checks that a change `requester` pushes does not claim to be somebody else's: its
/// message may name no author (other tools write none), but if it names one, it must be
/// the requester. The history shows the author a change names; see `crate::history`.
#[cfg(feature = "documents")]
pub fn check_change_author(requester: &Requester, author: &ChangeAuthor) -> Result<(), Forbidden> {
    if author.user_id != requester.user_id {
        return Err(forbidden(
            "Perubahan hanya boleh dicatat atas nama Anda sendiri.",
            "Changes can only be recorded in your own name.",
        ));
    }
    Ok(())
}

/// The refusal of an officer's edit to a record that is not theirs; also the note the
/// phone shows on such a record, which it opens read-only.
pub const NOT_THEIRS: Forbidden = forbidden(
    "Data ini didaftarkan petugas lain; Anda hanya dapat melihatnya.",
    "Another officer registered this record; you can only view it.",
);

const HANDOVER_BY_SUPERVISORS: Forbidden = forbidden(
    "Hanya supervisor yang dapat memindahkan data ke petugas lain.",
    "Only supervisors can hand a record over to another officer.",
);

/// Checks that `requester` may turn `before` (None: a new registration) into `after`.
pub fn check_edit(
    requester: &Requester,
    before: Option<&Registration>,
    after: &Registration,
) -> Result<(), Forbidden> {
    if !requester.scope.covers(after) {
        return Err(OUTSIDE_SCOPE);
    }
    let Some(before) = before else {
        return check_create(requester, after);
    };
    if !requester.scope.covers(before) {
        return Err(OUTSIDE_SCOPE);
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
    if before.receipt_number.is_some() && before.receipt_number != after.receipt_number {
        return Err(forbidden(
            "Nomor pendaftaran tidak boleh diubah.",
            "The registration number cannot be changed.",
        ));
    }
    if requester.role == Role::Officer {
        if before.assigned_officer != after.assigned_officer {
            return Err(HANDOVER_BY_SUPERVISORS);
        }
        let theirs = officer_may_change(
            &requester.user_id,
            &before.registered_by,
            before.assigned_officer.as_deref(),
        );
        // Unchanged is fine: a phone relays a record it only holds, after a restore.
        if !theirs && before != after {
            return Err(NOT_THEIRS);
        }
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
    check_follow_ups(requester, &before.follow_ups, &after.follow_ups)?;
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

const FOLLOW_UP_KEPT: Forbidden = forbidden(
    "Tindak lanjut yang sudah dicatat tidak boleh dihapus.",
    "A recorded follow-up cannot be removed.",
);

const FOLLOW_UP_OWN_NAME: Forbidden = forbidden(
    "Tindak lanjut hanya boleh dicatat atas nama Anda sendiri.",
    "Follow-ups can only be recorded in your own name.",
);

const FOLLOW_UP_OTHERS: Forbidden = forbidden(
    "Tindak lanjut yang dicatat orang lain hanya dapat diubah oleh supervisor.",
    "Only a supervisor can change a follow-up someone else recorded.",
);

/// Follow-up steps are kept like comments: none removed, a new one recorded in the
/// requester's own name, and one already recorded changed only by who recorded it (a
/// typo) or by a supervisor or admin.
fn check_follow_ups(
    requester: &Requester,
    before: &[FollowUp],
    after: &[FollowUp],
) -> Result<(), Forbidden> {
    for old in before {
        let Some(now) = after.iter().find(|f| f.id == old.id) else {
            return Err(FOLLOW_UP_KEPT);
        };
        if now == old {
            continue;
        }
        if now.recorded_by != old.recorded_by {
            return Err(FOLLOW_UP_OWN_NAME);
        }
        if requester.role == Role::Officer && old.recorded_by != requester.user_id {
            return Err(FOLLOW_UP_OTHERS);
        }
    }
    let recorded_by_someone_else = after
        .iter()
        .filter(|f| !before.iter().any(|old| old.id == f.id))
        .any(|f| f.recorded_by != requester.user_id);
    if recorded_by_someone_else {
        return Err(FOLLOW_UP_OWN_NAME);
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
        if after.assigned_officer.is_some() {
            return Err(HANDOVER_BY_SUPERVISORS);
        }
    }
    check_follow_ups(requester, &[], &after.follow_ups)?;
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
    fn a_receipt_number_is_given_once_and_then_never_changed() {
        let before = record();
        let mut numbered = record();
        numbered.receipt_number = Some("7KQ2M-9XAHD-0001".into());
        assert!(check_edit(&officer(), Some(&before), &numbered).is_ok());
        let mut renumbered = numbered.clone();
        renumbered.receipt_number = Some("7KQ2M-9XAHD-0002".into());
        for requester in [officer(), supervisor("17.01")] {
            assert!(check_edit(&requester, Some(&numbered), &renumbered).is_err());
        }
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

    fn second_officer() -> Requester {
        Requester {
            user_id: "o2".into(),
            role: Role::Officer,
            scope: Scope::Officer {
                user_id: "o2".into(),
                areas: vec!["17.01.01".into()],
            },
        }
    }

    #[test]
    fn an_officer_sees_but_may_not_change_another_officers_record_in_their_area() {
        let o2 = second_officer();
        assert!(o2.scope.covers(&record()));
        let mut after = record();
        after.phone = "081234567890".into();
        assert_eq!(check_edit(&o2, Some(&record()), &after), Err(NOT_THEIRS));
        assert!(check_edit(&officer(), Some(&record()), &after).is_ok());
    }

    #[test]
    fn an_officer_may_relay_another_officers_record_unchanged() {
        assert!(check_edit(&second_officer(), Some(&record()), &record()).is_ok());
    }

    #[test]
    fn an_officer_may_change_a_record_handed_over_to_them_and_the_registrant_still_may() {
        let mut handed = record();
        handed.assigned_officer = Some("o2".into());
        let mut after = handed.clone();
        after.phone = "081234567890".into();
        assert!(check_edit(&second_officer(), Some(&handed), &after).is_ok());
        assert!(check_edit(&officer(), Some(&handed), &after).is_ok());
    }

    #[test]
    fn only_supervisors_hand_a_record_over() {
        let mut handed = record();
        handed.assigned_officer = Some("o2".into());
        assert!(check_edit(&officer(), Some(&record()), &handed).is_err());
        assert!(check_edit(&officer(), None, &handed).is_err());
        assert!(check_edit(&supervisor("17.01"), Some(&record()), &handed).is_ok());
    }

    #[test]
    fn the_phone_and_the_server_ask_the_same_question() {
        assert!(officer_may_change("o1", "o1", None));
        assert!(officer_may_change("o2", "o1", Some("o2")));
        assert!(!officer_may_change("o2", "o1", None));
        assert!(!officer_may_change("o2", "o1", Some("o3")));
    }

    #[test]
    #[cfg(feature = "documents")]
    fn a_change_may_only_name_its_pusher_as_author() {
        assert!(check_change_author(&officer(), &ChangeAuthor::new("o1", "Siti")).is_ok());
        assert!(check_change_author(&officer(), &ChangeAuthor::new("s1", "Budi")).is_err());
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

    fn enrolled_by(user: &str) -> crate::follow_up::FollowUp {
        use crate::follow_up::{FollowUp, FollowUpDetails, Step};
        use crate::registration::Programme;
        FollowUp {
            id: format!("f-{user}"),
            programme: Programme::BlkTraining,
            step: Step::TrainingEnrolled,
            date: "2026-01-05".into(),
            details: FollowUpDetails::default(),
            recorded_by: user.into(),
            recorded_by_name: String::new(),
            recorded_at: 1,
        }
    }

    #[test]
    fn follow_ups_are_recorded_in_ones_own_name_and_never_removed() {
        let before = record();
        let mut after = record();
        after.follow_ups.push(enrolled_by("o1"));
        assert!(check_edit(&officer(), Some(&before), &after).is_ok());
        assert!(check_edit(&officer(), None, &after).is_ok());
        let mut forged = record();
        forged.follow_ups.push(enrolled_by("s1"));
        assert_eq!(
            check_edit(&officer(), Some(&before), &forged),
            Err(FOLLOW_UP_OWN_NAME)
        );
        assert_eq!(
            check_edit(&officer(), None, &forged),
            Err(FOLLOW_UP_OWN_NAME)
        );
        for requester in [officer(), supervisor("17.01")] {
            assert_eq!(
                check_edit(&requester, Some(&after), &before),
                Err(FOLLOW_UP_KEPT)
            );
        }
    }

    #[test]
    fn a_recorded_follow_up_is_corrected_by_its_recorder_or_a_supervisor() {
        let mut by_supervisor = record();
        by_supervisor.follow_ups.push(enrolled_by("s1"));
        let mut corrected = by_supervisor.clone();
        corrected.follow_ups[0].date = "2026-01-06".into();
        assert_eq!(
            check_edit(&officer(), Some(&by_supervisor), &corrected),
            Err(FOLLOW_UP_OTHERS)
        );
        assert!(check_edit(&supervisor("17.01"), Some(&by_supervisor), &corrected).is_ok());
        let mut by_officer = record();
        by_officer.follow_ups.push(enrolled_by("o1"));
        let mut fixed = by_officer.clone();
        fixed.follow_ups[0].details.batch = "II".into();
        assert!(check_edit(&officer(), Some(&by_officer), &fixed).is_ok());
        assert!(check_edit(&supervisor("17.01"), Some(&by_officer), &fixed).is_ok());
        let mut renamed = by_officer.clone();
        renamed.follow_ups[0].recorded_by = "s1".into();
        assert_eq!(
            check_edit(&supervisor("17.01"), Some(&by_officer), &renamed),
            Err(FOLLOW_UP_OWN_NAME)
        );
    }
}
