//! Remote wipe: an admin marks a lost phone, its next contact answers `device_wiped`, and
//! only that phone's own token confirms the wipe; the admin sees the confirmation and
//! how many records the phone had unsent at its last sync. A locked phone (its token
//! sealed) asks and confirms with its device check; a new login on the same phone ends
//! the device it replaces.

use crate::harness::{expect_error, expect_json, spawn_app, Session, TestApp};
use jemput_shared::document::RegistrationDoc;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::{push_item, SyncedState};
use jemput_shared::sync::message::{PushItem, SyncRequest, PROTOCOL_VERSION, UNSENT_HEADER};
use jemput_shared::sync::wire;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// An empty sync round trip from `session`, saying `unsent` records wait (if `Some`).
async fn sync_saying_unsent(app: &TestApp, session: &Session, unsent: Option<&str>) -> u16 {
    sync_pushing(app, session, vec![], unsent).await
}

/// A sync round trip from `session` pushing `push`, saying `unsent` records wait.
async fn sync_pushing(
    app: &TestApp,
    session: &Session,
    push: Vec<PushItem>,
    unsent: Option<&str>,
) -> u16 {
    let body = wire::encode(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        push,
        pull: None,
    });
    let mut request = reqwest::Client::new()
        .post(app.url("/api/sync"))
        .bearer_auth(&session.token)
        .header("content-type", wire::CONTENT_TYPE)
        .body(body);
    if let Some(unsent) = unsent {
        request = request.header(UNSENT_HEADER, unsent);
    }
    request
        .send()
        .await
        .expect("server answers")
        .status()
        .as_u16()
}

async fn device_of(app: &TestApp, admin: &str, user_id: &str, device_id: &str) -> Value {
    let list = expect_json(
        app.get(&format!("/api/admin/users/{user_id}/devices"), Some(admin))
            .await,
        StatusCode::OK,
    )
    .await;
    list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == device_id)
        .expect("the device is listed")
        .clone()
}

#[tokio::test]
async fn only_an_admin_marks_a_device_lost() {
    let app = spawn_app().await;
    let (_, siti) = app.create_user_and_login("siti", "officer", &[]).await;
    let (_, kepala) = app
        .create_user_and_login("kepala", "supervisor", &["17.01"])
        .await;
    let path = format!("/api/admin/devices/{}/lost", siti.device_id);
    for token in [&siti.token, &kepala.token] {
        expect_error(
            app.post_json(&path, Some(token), &json!({})).await,
            StatusCode::FORBIDDEN,
            "admin_only",
        )
        .await;
    }
    app.me(&siti.token).await;
    let admin = app.admin_token().await;
    expect_error(
        app.post_json(
            "/api/admin/devices/no-such-id/lost",
            Some(&admin),
            &json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// A sync that commits records itself in the commit's transaction (one fewer for the
/// writer); the admin sees the same as after a sync that pushes nothing.
#[tokio::test]
async fn a_sync_that_pushes_is_recorded_like_one_that_does_not() {
    let app = spawn_app().await;
    let (_, siti) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let admin = app.admin_token().await;
    assert_eq!(sync_saying_unsent(&app, &siti, Some("3")).await, 200);
    let before = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert_eq!(before["unsent_at_last_sync"], 3, "{before}");

    let registration =
        SampleGenerator::new(7).registration(&siti.user_id, &siti.device_id, "17.01.01.2001", 1);
    let mut doc = RegistrationDoc::create(&registration);
    let item = push_item(&registration.id, &mut doc, &SyncedState::default());
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(sync_pushing(&app, &siti, vec![item], Some("1")).await, 200);
    let after = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert_eq!(after["unsent_at_last_sync"], 1, "{after}");
    assert!(
        after["last_sync_at"].as_i64() > before["last_sync_at"].as_i64(),
        "{before} {after}"
    );
    let stored = app
        .get(
            &format!("/api/registrations/{}", registration.id),
            Some(&admin),
        )
        .await;
    assert_eq!(stored.status(), StatusCode::OK, "the push was committed");
}

#[tokio::test]
async fn a_lost_device_is_told_to_wipe_and_only_it_confirms() {
    let app = spawn_app().await;
    let (user, siti) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let tablet = app.login("siti", &user.password).await;
    let admin = app.admin_token().await;

    // An app that says nothing leaves the count unknown; one that says, sets it.
    assert_eq!(sync_saying_unsent(&app, &siti, None).await, 200);
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert!(device["unsent_at_last_sync"].is_null(), "{device}");
    assert_eq!(sync_saying_unsent(&app, &siti, Some("3")).await, 200);
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert_eq!(device["unsent_at_last_sync"], 3, "{device}");
    assert!(device["lost_at"].is_null() && device["wipe_confirmed_at"].is_null());

    // Before it is marked lost, nobody can confirm a wipe.
    expect_error(
        app.post_json("/api/auth/wipe-confirmed", Some(&siti.token), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let path = format!("/api/admin/devices/{}/lost", siti.device_id);
    let marked = expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(marked["lost_at"].is_i64() && marked["revoked_at"].is_i64());
    // Marking twice is harmless.
    expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;

    // Every contact of the lost phone gets the wipe answer; the other device goes on.
    app.expect_token_refused(&siti.token, "device_wiped").await;
    assert_eq!(sync_saying_unsent(&app, &siti, Some("0")).await, 401);
    app.me(&tablet.token).await;
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert_eq!(
        device["unsent_at_last_sync"], 3,
        "a refused sync changes nothing"
    );

    // Only the lost phone's own token confirms.
    for token in [tablet.token.as_str(), "not-a-token"] {
        expect_error(
            app.post_json("/api/auth/wipe-confirmed", Some(token), &json!({}))
                .await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert!(device["wipe_confirmed_at"].is_null());
    let confirmed = app
        .post_json("/api/auth/wipe-confirmed", Some(&siti.token), &json!({}))
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    let first = device["wipe_confirmed_at"].as_i64().expect("confirmed");
    assert_eq!(device["unsent_at_last_sync"], 3);
    // A second confirmation keeps the first time.
    let again = app
        .post_json("/api/auth/wipe-confirmed", Some(&siti.token), &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert_eq!(device["wipe_confirmed_at"], first);
}

#[tokio::test]
async fn a_plain_revoke_does_not_wipe() {
    let app = spawn_app().await;
    let (_, siti) = app.create_user_and_login("siti", "officer", &[]).await;
    let admin = app.admin_token().await;
    let path = format!("/api/admin/devices/{}/revoke", siti.device_id);
    let revoked = expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(revoked["lost_at"].is_null());
    app.expect_token_refused(&siti.token, "session_revoked")
        .await;
    expect_error(
        app.post_json("/api/auth/wipe-confirmed", Some(&siti.token), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_lost_phones_recovery_key_is_refused_to_a_new_login() {
    let app = spawn_app().await;
    let (user, phone) = app.create_user_and_login("siti", "officer", &[]).await;
    let key_id = json!({ "key_id": "phone-key-0123456789" });
    let other_key = json!({ "key_id": "other-phone-key-9876543210" });
    expect_json(
        app.post_json("/api/auth/recovery-key", Some(&phone.token), &key_id)
            .await,
        StatusCode::OK,
    )
    .await;
    let admin = app.admin_token().await;
    let path = format!("/api/admin/devices/{}/lost", phone.device_id);
    expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;

    // Someone who knows the password logs in anew: the lost phone's key is refused,
    // another phone's is not.
    let again = app.login("siti", &user.password).await;
    expect_error(
        app.post_json("/api/auth/recovery-key", Some(&again.token), &key_id)
            .await,
        StatusCode::FORBIDDEN,
        "recovery_key_lost",
    )
    .await;
    expect_json(
        app.post_json("/api/auth/recovery-key", Some(&again.token), &other_key)
            .await,
        StatusCode::OK,
    )
    .await;
}

/// `{device_id, check}` of `session`'s device, or of `device_id` with `session`'s check.
fn check_of(session: &Session, device_id: &str) -> Value {
    json!({ "device_id": device_id, "check": session.device_check })
}

async fn asks_lost(app: &TestApp, proof: &Value) -> bool {
    let answer = expect_json(
        app.post_json("/api/auth/device-check", None, proof).await,
        StatusCode::OK,
    )
    .await;
    answer["lost"].as_bool().expect("a yes or no")
}

#[tokio::test]
async fn a_locked_phone_learns_with_its_check_that_it_was_lost_and_confirms_with_it() {
    let app = spawn_app().await;
    let (user, siti) = app.create_user_and_login("siti", "officer", &[]).await;
    let tablet = app.login("siti", &user.password).await;
    assert_ne!(siti.device_check, tablet.device_check);
    let proof = check_of(&siti, &siti.device_id);
    assert!(!asks_lost(&app, &proof).await);

    // A check proves only its own device; nothing else is answered.
    let wrong = [
        check_of(&tablet, &siti.device_id),
        check_of(&siti, &tablet.device_id),
        json!({ "device_id": siti.device_id, "check": "x".repeat(10_000) }),
        json!({ "device_id": "no-such-device", "check": siti.device_check }),
    ];
    for proof in &wrong {
        for path in ["/api/auth/device-check", "/api/auth/wipe-confirmed"] {
            expect_error(
                app.post_json(path, None, proof).await,
                StatusCode::UNAUTHORIZED,
                "invalid_token",
            )
            .await;
        }
    }
    expect_error(
        app.post_json("/api/auth/device-check", None, &json!({ "device_id": 1 }))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_json",
    )
    .await;
    // Not lost: nothing to confirm.
    expect_error(
        app.post_json("/api/auth/wipe-confirmed", None, &proof)
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let admin = app.admin_token().await;
    let path = format!("/api/admin/devices/{}/lost", siti.device_id);
    expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(asks_lost(&app, &proof).await);
    assert!(!asks_lost(&app, &check_of(&tablet, &tablet.device_id)).await);
    let confirmed = app
        .post_json("/api/auth/wipe-confirmed", None, &proof)
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let device = device_of(&app, &admin, &siti.user_id, &siti.device_id).await;
    assert!(device["wipe_confirmed_at"].is_i64(), "{device}");
}

#[tokio::test]
async fn a_new_login_on_the_same_phone_ends_the_device_it_replaces() {
    let app = spawn_app().await;
    let (user, old) = app.create_user_and_login("siti", "officer", &[]).await;
    let (_, budi) = app.create_user_and_login("budi", "officer", &[]).await;
    let login = |replaces: Value, username: &'static str, password: String| {
        let app = &app;
        async move {
            let body = json!({ "username": username, "password": password, "replaces": replaces });
            expect_json(
                app.post_json("/api/auth/login", None, &body).await,
                StatusCode::OK,
            )
            .await
        }
    };

    // A wrong check, or another user's device: the login stands, nothing is revoked.
    login(
        check_of(&budi, &old.device_id),
        "siti",
        user.password.clone(),
    )
    .await;
    login(
        check_of(&budi, &budi.device_id),
        "siti",
        user.password.clone(),
    )
    .await;
    app.me(&old.token).await;
    app.me(&budi.token).await;

    // The same phone's device, proved: its token (sealed out of reach) ends.
    let new = login(
        check_of(&old, &old.device_id),
        "siti",
        user.password.clone(),
    )
    .await;
    app.expect_token_refused(&old.token, "session_revoked")
        .await;
    app.me(new["token"].as_str().unwrap()).await;
    app.me(&budi.token).await;
}
