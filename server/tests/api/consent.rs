//! The consent notice in versions (UU PDP Pasal 20–24): `GET /api/consent` gives every
//! signed-in user the current one, an admin publishes the next with `POST
//! /api/admin/consent`, and each registration keeps the version shown, when and by whom.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{expect_json, register, spawn_app_with_siti, sync_accepted};

#[tokio::test]
async fn an_admin_publishes_a_new_notice_and_registrations_keep_the_version_shown() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(71).await;
    let admin = server.admin_token().await;
    let (status, first) = siti.api("GET", "/api/consent", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(first["version"], 1);
    assert!(first["text_id"].as_str().unwrap().contains("UU No. 27"));

    let published = expect_json(
        server
            .post_json(
                "/api/admin/consent",
                Some(&admin),
                &json!({ "text_id": "Teks baru.", "text_en": "New text." }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["version"], 2);
    assert_eq!(published["published_by"], "admin");
    let (_, current) = siti.api("GET", "/api/consent", None).await.unwrap();
    assert_eq!(current["text_en"], "New text.");
    let all = expect_json(
        server.get("/api/admin/consent", Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // A registration made under version 2 keeps it, with who showed it.
    let mut registration = register(&mut siti, &mut gen, "17.01.01.2001", 1).remove(0);
    registration.consent.version = Some(2);
    registration.consent.by = Some(siti.user_id.clone());
    siti.replica.docs.clear();
    siti.create(&registration);
    sync_accepted(&mut siti).await;
    let stored = expect_json(
        server
            .get(
                &format!("/api/registrations/{}", registration.id),
                Some(&admin),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["consent"]["version"], 2);
    assert_eq!(stored["consent"]["by"], siti.user_id.as_str());

    // Both languages are needed; officers cannot publish; publishing is audited.
    let empty = server
        .post_json(
            "/api/admin/consent",
            Some(&admin),
            &json!({ "text_id": " ", "text_en": "x" }),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let (status, _) = siti
        .api(
            "POST",
            "/api/admin/consent",
            Some(json!({ "text_id": "a", "text_en": "b" })),
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    let trail = expect_json(
        server
            .get("/api/admin/audit?action=consent_published", Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(trail["entries"].as_array().unwrap().len(), 1);
}
