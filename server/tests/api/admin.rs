//! The admin API: users, devices and who may use it.

use crate::harness::{
    expect_error, expect_json, expect_wrong_credentials, spawn_app, ADMIN_PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_log_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({
        "username": "Siti.Aminah",
        "password": "kata-sandi-siti",
        "role": "officer",
        "display_name": "Siti Aminah",
        "regions": ["17.01.01.2001", "17.01.02"],
    });
    let created = expect_json(
        app.post_json("/api/admin/users", Some(&admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["username"], "siti.aminah");
    assert_eq!(created["display_name"], "Siti Aminah");
    assert_eq!(created["role"], "officer");
    assert_eq!(created["regions"], json!(["17.01.01.2001", "17.01.02"]));
    assert_eq!(created["disabled"], false);

    let session = app.login("siti.aminah", "kata-sandi-siti").await;
    assert_eq!(session.user_id, created["id"].as_str().unwrap());

    let list = expect_json(
        app.get("/api/admin/users", Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "siti.aminah"]);
}

#[tokio::test]
async fn a_duplicate_username_is_409() {
    let app = spawn_app().await;
    app.create_user("siti", "officer", &[]).await;
    let admin = app.admin_token().await;
    let body = json!({ "username": "SITI", "password": "another-password", "role": "supervisor", "regions": ["17.01"] });
    expect_error(
        app.post_json("/api/admin/users", Some(&admin), &body).await,
        StatusCode::CONFLICT,
        "username_taken",
    )
    .await;
}

/// A valid new user (an officer with a strong password) with `changes` made to it.
fn valid_but(changes: Value) -> Value {
    let mut body =
        json!({ "username": "siti", "password": "kopi-hujan-sepeda-41", "role": "officer" });
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

#[tokio::test]
async fn invalid_user_input_is_400_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (valid_but(json!({ "role": "boss" })), "role", "role_unknown"),
        (
            valid_but(json!({ "username": "s" })),
            "username",
            "username_format",
        ),
        (
            valid_but(json!({ "password": "short" })),
            "password",
            "password_too_short",
        ),
        (
            valid_but(json!({ "password": "        " })),
            "password",
            "password_too_short",
        ),
        (
            valid_but(json!({ "password": "            " })),
            "password",
            "password_blank",
        ),
        (
            valid_but(json!({ "password": "password123" })),
            "password",
            "password_weak",
        ),
        (
            valid_but(json!({ "display_name": "Siti Aminah", "password": "aminah-1990" })),
            "password",
            "password_weak",
        ),
        (
            valid_but(json!({ "role": "supervisor", "regions": ["17.01.01"] })),
            "regions",
            "regions_supervisor_level",
        ),
        (
            valid_but(json!({ "regions": ["17.01"] })),
            "regions",
            "regions_officer_level",
        ),
        (
            valid_but(json!({ "regions": ["17-01-01"] })),
            "regions",
            "region_format",
        ),
        (
            valid_but(json!({ "role": "admin", "regions": ["17.01"] })),
            "regions",
            "regions_not_for_admin",
        ),
    ];
    for (body, field, code) in cases {
        let error = expect_error(
            app.post_json("/api/admin/users", Some(&admin), &body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
        assert_eq!(error["error"]["field"], field, "for {body}");
    }
    let list = expect_json(
        app.get("/api/admin/users", Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        list["users"].as_array().unwrap().len(),
        1,
        "nothing was created"
    );
}

#[tokio::test]
async fn an_unknown_field_is_refused_rather_than_ignored() {
    let app = spawn_app().await;
    let user = app.create_user("siti", "officer", &[]).await;
    let admin = app.admin_token().await;
    expect_error(
        app.patch_user(&admin, &user.id, &json!({ "display-name": "Siti" }))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_json",
    )
    .await;
}

#[tokio::test]
async fn an_officer_or_supervisor_calling_the_admin_api_is_403() {
    let app = spawn_app().await;
    let (_, officer) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let (_, supervisor) = app
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    for token in [&officer.token, &supervisor.token] {
        expect_error(
            app.get("/api/admin/users", Some(token)).await,
            StatusCode::FORBIDDEN,
            "admin_only",
        )
        .await;
        let body =
            json!({ "username": "eve", "password": "kopi-hujan-sepeda-41", "role": "admin" });
        expect_error(
            app.post_json("/api/admin/users", Some(token), &body).await,
            StatusCode::FORBIDDEN,
            "admin_only",
        )
        .await;
        // Refused before the body is even read.
        expect_error(
            app.post_json("/api/admin/regions/import", Some(token), &json!({}))
                .await,
            StatusCode::FORBIDDEN,
            "admin_only",
        )
        .await;
    }
    expect_error(
        app.get("/api/admin/users", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn an_admin_changes_a_users_name_role_regions_and_password() {
    let app = spawn_app().await;
    let user = app.create_user("budi", "officer", &["17.01.01"]).await;
    let admin = app.admin_token().await;
    let body = json!({ "display_name": "Budi S", "role": "supervisor", "regions": ["17.01", "17.71"], "password": "new-password-budi" });
    let updated = expect_json(
        app.patch_user(&admin, &user.id, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["display_name"], "Budi S");
    assert_eq!(updated["role"], "supervisor");
    assert_eq!(updated["regions"], json!(["17.01", "17.71"]));

    expect_wrong_credentials(app.try_login("budi", &user.password).await).await;
    app.login("budi", "new-password-budi").await;
}

#[tokio::test]
async fn a_new_password_signs_out_the_users_devices_but_not_the_admin() {
    let app = spawn_app().await;
    let user = app.create_user("siti", "officer", &["17.01.01"]).await;
    let phone = app.login("siti", &user.password).await;
    let admin = app.admin_token().await;
    app.me(&phone.token).await;

    let body = json!({ "password": "new-password-siti" });
    expect_json(
        app.patch_user(&admin, &user.id, &body).await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(
        app.get("/api/auth/me", Some(&phone.token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app.login("siti", "new-password-siti").await;
    app.me(&again.token).await;
    app.me(&admin).await;

    // Changing something else leaves sessions alone.
    let body = json!({ "display_name": "Siti A" });
    expect_json(
        app.patch_user(&admin, &user.id, &body).await,
        StatusCode::OK,
    )
    .await;
    app.me(&again.token).await;
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (user, phone) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let admin = app.admin_token().await;
    for (password, code) in [
        ("        ", "password_too_short"),
        ("siti12345678", "password_weak"),
    ] {
        let error = expect_error(
            app.patch_user(&admin, &user.id, &json!({ "password": password }))
                .await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
        assert!(error["error"]["message_id"]
            .as_str()
            .unwrap()
            .contains("Kata sandi"));
    }
    app.me(&phone.token).await;
    app.login("siti", &user.password).await;
}

#[tokio::test]
async fn an_admin_setting_their_own_password_stays_signed_in_only_where_they_did_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let other_laptop = app.login("admin", ADMIN_PASSWORD).await;
    let me = app.me(&admin).await;
    let id = me["user"]["id"].as_str().unwrap();
    expect_json(
        app.patch_user(&admin, id, &json!({ "password": "tL4x-9qPz-Wm2e" }))
            .await,
        StatusCode::OK,
    )
    .await;
    app.me(&admin).await;
    app.expect_token_refused(&other_laptop.token, "session_revoked")
        .await;
}

#[tokio::test]
async fn a_role_change_must_fit_the_kept_regions() {
    let app = spawn_app().await;
    let user = app.create_user("budi", "officer", &["17.01.01"]).await;
    let admin = app.admin_token().await;
    expect_error(
        app.patch_user(&admin, &user.id, &json!({ "role": "supervisor" }))
            .await,
        StatusCode::BAD_REQUEST,
        "regions_supervisor_level",
    )
    .await;
    // Becoming an admin drops the regions.
    let updated = expect_json(
        app.patch_user(&admin, &user.id, &json!({ "role": "admin" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["regions"], json!([]));
}

#[tokio::test]
async fn updating_an_unknown_user_is_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    expect_error(
        app.patch_json(
            "/api/admin/users/no-such-id",
            Some(&admin),
            &json!({ "disabled": true }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        app.get("/api/admin/users/no-such-id/devices", Some(&admin))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        app.post_json(
            "/api/admin/devices/no-such-id/revoke",
            Some(&admin),
            &json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.me(&admin).await;
    let id = me["user"]["id"].as_str().unwrap();
    expect_error(
        app.patch_user(&admin, id, &json!({ "disabled": true }))
            .await,
        StatusCode::CONFLICT,
        "cannot_lock_self_out",
    )
    .await;
    expect_error(
        app.patch_user(&admin, id, &json!({ "role": "officer" }))
            .await,
        StatusCode::CONFLICT,
        "cannot_lock_self_out",
    )
    .await;
}

#[tokio::test]
async fn an_admin_sees_a_users_devices_and_revokes_one() {
    let app = spawn_app().await;
    let user = app.create_user("siti", "officer", &[]).await;
    let phone = app.login("siti", &user.password).await;
    let tablet = app.login("siti", &user.password).await;
    let admin = app.admin_token().await;

    let devices_path = format!("/api/admin/users/{}/devices", user.id);
    let list = expect_json(app.get(&devices_path, Some(&admin)).await, StatusCode::OK).await;
    let devices = list["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices
        .iter()
        .all(|d| d["revoked_at"].is_null() && d["name"] == "test"));

    let revoke_path = format!("/api/admin/devices/{}/revoke", phone.device_id);
    expect_json(
        app.post_json(&revoke_path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    // Revoking again is harmless.
    expect_json(
        app.post_json(&revoke_path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;

    app.expect_token_refused(&phone.token, "session_revoked")
        .await;
    app.me(&tablet.token).await;
}
