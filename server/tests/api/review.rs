//! Reviews through the API (`POST /api/registrations/{id}/review`) and reading one
//! registration: written as a change to the document, so it reaches the officer on the
//! next sync and merges with the officer's concurrent edit; only supervisors and admins
//! review, only within their scope; bad input changes nothing.

use crate::harness::supervision::{edit, read};
use crate::harness::{first_id, register_and_sync, review, spawn_app_with_siti};
use jemput_shared::registration::ReviewStatus;
use serde_json::json;

#[tokio::test]
async fn a_review_reaches_the_officer_and_merges_with_a_concurrent_edit() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(7).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;
    let id = first_id(&siti);

    // The officer edits offline while the supervisor reviews.
    edit(&mut siti, &id, |r| r.address.hamlet = "Dusun Tiga".into());
    let body = review(
        &mut budi,
        &id,
        json!({"status": "needs_correction", "comment": "Periksa tanggal lahir."}),
    )
    .await;
    assert_eq!(body["review"]["status"], "needs_correction");

    siti.sync().await.unwrap();
    assert_eq!(siti.pending(), 0);
    let merged = read(&mut siti, &id);
    assert_eq!(merged.review.status, ReviewStatus::NeedsCorrection);
    assert_eq!(merged.review.comments[0].text, "Periksa tanggal lahir.");
    assert_eq!(merged.review.comments[0].author_id, budi.user_id);
    assert_eq!(merged.address.hamlet, "Dusun Tiga");

    let (status, stored) = budi
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(stored["address"]["hamlet"], "Dusun Tiga");
    assert_eq!(stored["review"]["status"], "needs_correction");
}

#[tokio::test]
async fn only_reviewers_in_scope_review_and_bad_requests_change_nothing() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(8).await;
    let mut other = server.device("rudi", "supervisor", &["17.02"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);
    let path = format!("/api/registrations/{id}/review");
    let verify = json!({"status": "verified"});

    let (status, _) = siti.api("POST", &path, Some(verify.clone())).await.unwrap();
    assert_eq!(status, 403, "an officer cannot review");
    let (status, _) = other
        .api("POST", &path, Some(verify.clone()))
        .await
        .unwrap();
    assert_eq!(status, 404, "another regency's supervisor does not see it");
    let (status, _) = other
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert_eq!(status, 404);
    for bad in [
        json!({"status": "submitted"}),
        json!({"status": "bogus"}),
        json!({"status": "needs_correction"}),
        json!({"status": "verified", "extra": 1}),
    ] {
        let (status, body) = budi.api("POST", &path, Some(bad.clone())).await.unwrap();
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["error"]["message_id"].is_string());
    }
    let (status, _) = budi
        .api(
            "POST",
            "/api/registrations/no-such-id/review",
            Some(verify.clone()),
        )
        .await
        .unwrap();
    assert_eq!(status, 404);
    let (_, stored) = budi
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert_eq!(stored["review"]["status"], "submitted");
    assert_eq!(stored["review"]["comments"], json!([]));

    let body = review(&mut budi, &id, verify).await;
    assert_eq!(body["review"]["status"], "verified");
}
