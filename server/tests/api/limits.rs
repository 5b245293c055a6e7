//! Field limits on the server: a pushed registration with a field just over its limit is
//! refused with `invalid_registration` naming the field; one past the document size limit
//! with `document_too_large`; fifty million characters (a request that inflates past the
//! request limit) refuse the whole request. Nothing is committed, and the record API and
//! the export still show the old value. A review comment is held to the
//! same limit as a comment in a document.

use crate::harness::{api_ok, register_and_sync, spawn_app_with_siti, sync_accepted};
use jemput_server::client::NativeDevice;
use jemput_shared::limits::{BIRTH_PLACE, COMMENTS, COMMENT_TEXT, MAX_DOCUMENT_BYTES};
use jemput_shared::registration::{ReviewComment, ReviewStatus};
use jemput_shared::sync::message::Rejection;
use serde_json::json;

/// What the server keeps of `id`, through the supervisor's record API.
async fn stored(supervisor: &mut NativeDevice, id: &str) -> serde_json::Value {
    api_ok(supervisor, "GET", &format!("/api/registrations/{id}"), None).await
}

async fn export_csv(supervisor: &mut NativeDevice) -> String {
    let auth = format!("Bearer {}", supervisor.token());
    let response = supervisor
        .connection
        .request(
            "GET",
            "/api/registrations/export.csv",
            &[("authorization", &auth)],
            b"",
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    String::from_utf8(response.body).unwrap()
}

fn assert_refused_for_birth_place(rejection: Option<&Rejection>) {
    let rejection = rejection.expect("the push was refused");
    assert_eq!(rejection.code, "invalid_registration", "{rejection:?}");
    let problem = rejection
        .problems
        .iter()
        .find(|p| p.field == "birth_place")
        .unwrap_or_else(|| panic!("no birth_place problem in {:?}", rejection.problems));
    assert_eq!(problem.code, "too_long");
    assert_eq!(problem.message_id, "Tempat lahir maksimal 60 karakter.");
    assert_eq!(
        problem.message_en,
        "Place of birth can have at most 60 characters."
    );
}

#[tokio::test]
async fn a_birth_place_over_its_limit_is_refused_and_changes_nothing() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(11).await;
    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let records = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;
    assert_eq!(server.registration_count().await, 3);
    let export_before = export_csv(&mut kepala).await;

    // Just over the limit: that document is refused, naming the field.
    let just_over = "a".repeat(BIRTH_PLACE.max_chars + 1);
    let (doc, _) = siti.replica.docs.get_mut(&records[0].id).unwrap();
    doc.edit(move |r| r.birth_place = just_over).unwrap();
    siti.sync().await.unwrap();
    assert_refused_for_birth_place(siti.replica.rejected.get(&records[0].id));

    // A new registration just over the limit is not stored either.
    let mut new = gen.registration(&siti.user_id, &siti.device_id, "17.01.01.2001", 1);
    new.birth_place = "é".repeat(BIRTH_PLACE.max_chars + 1);
    siti.create(&new);
    siti.sync().await.unwrap();
    assert_refused_for_birth_place(siti.replica.rejected.get(&new.id));

    // Past the document size limit (in a request that still fits): refused whole, before
    // it is loaded.
    let past_document_limit = "a".repeat(MAX_DOCUMENT_BYTES + 1);
    let (doc, _) = siti.replica.docs.get_mut(&records[1].id).unwrap();
    doc.edit(move |r| r.birth_place = past_document_limit)
        .unwrap();
    siti.sync().await.unwrap();
    let rejection = siti.replica.rejected.get(&records[1].id).expect("refused");
    assert_eq!(rejection.code, "document_too_large", "{rejection:?}");

    // The report's fifty million characters: a request of a few tens of kilobytes that
    // inflates past the request limit is refused whole.
    let huge = "a".repeat(50_000_000);
    let (doc, _) = siti.replica.docs.get_mut(&records[2].id).unwrap();
    doc.edit(move |r| r.birth_place = huge).unwrap();
    let error = siti.sync().await.expect_err("the request is refused");
    assert!(error.to_string().contains("bad_sync_message"), "{error}");

    assert_eq!(server.registration_count().await, 3);
    for record in &records {
        let body = stored(&mut kepala, &record.id).await;
        assert_eq!(body["birth_place"], record.birth_place.as_str());
    }
    let (status, _) = kepala
        .api("GET", &format!("/api/registrations/{}", new.id), None)
        .await
        .unwrap();
    assert_eq!(status, 404);
    assert_eq!(export_csv(&mut kepala).await, export_before);
}

#[tokio::test]
async fn a_review_comment_is_held_to_the_comment_limits() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(12).await;
    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let records = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 2).await;
    let path = |id: &str| format!("/api/registrations/{id}/review");

    let longest = "k".repeat(COMMENT_TEXT.max_chars);
    let too_long = format!("{longest}k");
    let (status, body) = kepala
        .api(
            "POST",
            &path(&records[0].id),
            Some(json!({"status": "needs_correction", "comment": too_long})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "too_long");
    assert_eq!(body["error"]["field"], "comment");
    assert_eq!(
        body["error"]["message_id"],
        "Komentar maksimal 2.000 karakter."
    );
    assert_eq!(
        stored(&mut kepala, &records[0].id).await["review"]["comments"],
        json!([])
    );

    api_ok(
        &mut kepala,
        "POST",
        &path(&records[0].id),
        Some(json!({"status": "needs_correction", "comment": longest})),
    )
    .await;

    // A registration whose comment list is full takes no further comment, with the
    // list's own message.
    kepala.sync().await.unwrap();
    let kepala_id = kepala.user_id.clone();
    let (doc, _) = kepala.replica.docs.get_mut(&records[1].id).unwrap();
    doc.edit(|r| {
        r.review.status = ReviewStatus::NeedsCorrection;
        r.review.comments = (0..COMMENTS.max_items)
            .map(|i| ReviewComment {
                id: format!("c{i}"),
                author_id: kepala_id.clone(),
                author_name: "kepala".into(),
                role: "supervisor".into(),
                at: 1,
                text: "Periksa lagi.".into(),
            })
            .collect();
    })
    .unwrap();
    sync_accepted(&mut kepala).await;
    let (status, body) = kepala
        .api(
            "POST",
            &path(&records[1].id),
            Some(json!({"status": "rejected", "comment": "Satu lagi."})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "too_many");
    assert_eq!(body["error"]["field"], "review.comments");
    let after = stored(&mut kepala, &records[1].id).await;
    assert_eq!(after["review"]["status"], "needs_correction");
    assert_eq!(
        after["review"]["comments"].as_array().unwrap().len(),
        COMMENTS.max_items
    );
}
