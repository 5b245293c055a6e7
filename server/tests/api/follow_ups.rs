//! Follow-ups (issue 17): a step an officer records offline reaches the server with the
//! next sync and merges with a supervisor's concurrent comment; a step the rules refuse
//! is refused with its field; a supervisor records a step online
//! (`POST /api/registrations/{id}/follow-ups`) that reaches the officer's phone; only
//! reviewers in scope may, and bad requests change nothing.

use crate::harness::supervision::{edit, read};
use crate::harness::{first_id, register_and_sync, review, spawn_app_with_siti};
use jemput_shared::follow_up::{FollowUp, FollowUpDetails, Step};
use jemput_shared::registration::Programme;
use serde_json::json;

fn enrolment(recorded_by: &str) -> FollowUp {
    FollowUp {
        id: uuid::Uuid::new_v4().to_string(),
        programme: Programme::BlkTraining,
        step: Step::TrainingEnrolled,
        date: "2026-02-02".into(),
        details: FollowUpDetails {
            blk: "BLK Bengkulu".into(),
            vocation: "Teknik Las".into(),
            batch: "II".into(),
            planned_end: "2026-04-30".into(),
            ..Default::default()
        },
        recorded_by: recorded_by.into(),
        recorded_by_name: String::new(),
        recorded_at: 1,
    }
}

#[tokio::test]
async fn an_officers_follow_up_syncs_and_merges_with_a_supervisors_comment() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(31).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 2).await;
    let id = first_id(&siti);

    // Offline, the officer records the enrolment while the supervisor comments.
    let siti_id = siti.user_id.clone();
    edit(&mut siti, &id, |r| r.follow_ups.push(enrolment(&siti_id)));
    review(
        &mut budi,
        &id,
        json!({"status": "verified", "comment": "Sudah ikut BLK?"}),
    )
    .await;
    siti.sync().await.unwrap();
    assert_eq!(siti.pending(), 0);
    assert!(
        siti.replica.rejected.is_empty(),
        "{:?}",
        siti.replica.rejected
    );
    let merged = read(&mut siti, &id);
    assert_eq!(merged.follow_ups.len(), 1);
    assert_eq!(merged.review.comments.len(), 1);

    let (status, stored) = budi
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(stored["follow_ups"][0]["step"], "training_enrolled");
    assert_eq!(stored["follow_ups"][0]["details"]["blk"], "BLK Bengkulu");
    assert_eq!(stored["review"]["comments"][0]["text"], "Sudah ikut BLK?");

    // A certificate without the completion before it is refused, with its field.
    let other = siti
        .replica
        .docs
        .keys()
        .find(|doc| **doc != id)
        .unwrap()
        .clone();
    let siti_id = siti.user_id.clone();
    edit(&mut siti, &other, |r| {
        r.follow_ups.push(FollowUp {
            step: Step::Certified,
            details: FollowUpDetails {
                certificate_number: "LSP-1".into(),
                issuer: "LSP".into(),
                ..Default::default()
            },
            ..enrolment(&siti_id)
        })
    });
    siti.sync().await.unwrap();
    let refused = &siti.replica.rejected[&other];
    assert_eq!(refused.code, "invalid_registration");
    assert!(
        refused
            .problems
            .iter()
            .any(|p| p.field == "follow_ups[0].step" && p.code == "follow_up_previous_missing"),
        "{:?}",
        refused.problems
    );
    let (_, stored) = budi
        .api("GET", &format!("/api/registrations/{other}"), None)
        .await
        .unwrap();
    assert!(stored.get("follow_ups").is_none_or(|f| f == &json!([])));
}

#[tokio::test]
async fn a_supervisor_records_a_step_that_reaches_the_phone_and_bad_ones_change_nothing() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(32).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.02"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);
    let path = format!("/api/registrations/{id}/follow-ups");
    let placed = json!({
        "programme": "job_placement",
        "step": "placed",
        "date": "2026-03-01",
        "details": {"employer": "PT Sawit Jaya", "position": "Operator", "formality": "formal",
                    "blk": "left behind by another step"}
    });

    let (status, body) = siti.api("POST", &path, Some(placed.clone())).await.unwrap();
    assert_eq!(status, 403, "officers record on the phone: {body}");
    let (status, _) = rudi.api("POST", &path, Some(placed.clone())).await.unwrap();
    assert_eq!(status, 404, "another regency's supervisor does not see it");
    for bad in [
        json!({"programme": "job_placement", "step": "placed", "date": "2026-03-01"}),
        json!({"programme": "job_placement", "step": "placed", "date": "2999-01-01",
               "details": {"employer": "PT", "position": "Staf", "formality": "formal"}}),
        json!({"programme": "blk_training", "step": "placed", "date": "2026-03-01",
               "details": {"employer": "PT", "position": "Staf", "formality": "formal"}}),
        json!({"programme": "job_placement", "step": "hired", "date": "2026-03-01"}),
        json!({"programme": "job_placement", "step": "placed", "date": "2026-03-01",
               "details": {"employer": "x".repeat(101), "position": "Staf", "formality": "formal"}}),
    ] {
        let (status, body) = budi.api("POST", &path, Some(bad.clone())).await.unwrap();
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["error"]["message_id"].is_string(), "{body}");
    }
    let (_, stored) = budi
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert!(stored.get("follow_ups").is_none_or(|f| f == &json!([])));

    let (status, body) = budi.api("POST", &path, Some(placed)).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["follow_ups"][0]["step"], "placed");
    assert_eq!(body["follow_ups"][0]["recorded_by"], budi.user_id.as_str());
    assert!(
        body["follow_ups"][0]["recorded_by_name"]
            .as_str()
            .is_some_and(|name| !name.is_empty()),
        "the phone can name the supervisor: {body}"
    );
    assert_eq!(
        body["follow_ups"][0]["details"]["blk"], "",
        "only the step's details"
    );

    siti.sync().await.unwrap();
    let on_phone = read(&mut siti, &id);
    assert_eq!(on_phone.follow_ups.len(), 1);
    assert_eq!(on_phone.follow_ups[0].details.employer, "PT Sawit Jaya");
    // The officer may not change the supervisor's step, nor remove it.
    edit(&mut siti, &id, |r| {
        r.follow_ups[0].details.position = "Mandor".into()
    });
    siti.sync().await.unwrap();
    assert_eq!(siti.replica.rejected[&id].code, "forbidden");
}
