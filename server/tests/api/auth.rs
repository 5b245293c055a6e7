//! Signing in and out over HTTP, against the real server binary: sessions, their end
//! (logout, revocation, disabling, expiry) and login throttling by username and address.

use std::time::Duration;

use crate::harness::{
    expect_error, expect_json, expect_too_many_attempts, expect_wrong_credentials, serve_refused,
    spawn_app, spawn_app_with_args, ADMIN_PASSWORD,
};
use jemput_server::login_throttle::{ADDRESS_LIMIT, PAIR_LIMIT, USERNAME_LIMIT};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let body = expect_json(app.get("/healthz", None).await, StatusCode::OK).await;
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn the_first_admin_logs_in_with_the_configured_password() {
    let app = spawn_app().await;
    let body = expect_json(app.try_login("admin", ADMIN_PASSWORD).await, StatusCode::OK).await;
    assert_eq!(body["token"].as_str().map(str::len), Some(43));
    assert!(body["device_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["regions"], json!([]));
    assert!(body["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401() {
    let app = spawn_app().await;
    let wrong_password =
        expect_wrong_credentials(app.try_login("admin", "not-the-password").await).await;
    let unknown_user =
        expect_wrong_credentials(app.try_login("nobody", ADMIN_PASSWORD).await).await;
    let malformed_user = expect_wrong_credentials(app.try_login("x", ADMIN_PASSWORD).await).await;
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(wrong_password, malformed_user);
}

#[tokio::test]
async fn a_username_typed_with_a_capital_letter_still_logs_in() {
    let app = spawn_app().await;
    app.login(" Admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn me_names_the_calling_user_and_device() {
    let app = spawn_app().await;
    let session = app.login("admin", ADMIN_PASSWORD).await;
    let body = app.me(&session.token).await;
    assert_eq!(body["device_id"], session.device_id.as_str());
    assert_eq!(body["user"]["id"], session.user_id.as_str());
}

#[tokio::test]
async fn a_request_without_or_with_an_unknown_token_is_401() {
    let app = spawn_app().await;
    let response = app.get("/api/auth/me", None).await;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(b"Bearer".as_slice())
    );
    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    app.expect_token_refused("made-up", "invalid_token").await;
}

#[tokio::test]
async fn logging_out_revokes_only_the_calling_devices_token() {
    let app = spawn_app().await;
    let phone = app.login("admin", ADMIN_PASSWORD).await;
    let laptop = app.login("admin", ADMIN_PASSWORD).await;
    assert_ne!(phone.device_id, laptop.device_id);

    let response = app
        .post_json("/api/auth/logout", Some(&phone.token), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    app.expect_token_refused(&phone.token, "session_revoked")
        .await;
    app.me(&laptop.token).await;
}

#[tokio::test]
async fn a_token_revoked_by_an_admin_is_refused() {
    let app = spawn_app().await;
    let (_, officer) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let admin = app.admin_token().await;
    let path = format!("/api/admin/devices/{}/revoke", officer.device_id);
    let body = expect_json(
        app.post_json(&path, Some(&admin), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(body["revoked_at"].is_i64());

    app.expect_token_refused(&officer.token, "session_revoked")
        .await;
}

#[tokio::test]
async fn a_disabled_user_can_neither_use_their_token_nor_log_in() {
    let app = spawn_app().await;
    let (user, session) = app
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let admin = app.admin_token().await;
    expect_json(
        app.patch_user(&admin, &user.id, &json!({ "disabled": true }))
            .await,
        StatusCode::OK,
    )
    .await;

    app.expect_token_refused(&session.token, "account_disabled")
        .await;
    expect_error(
        app.try_login(&user.username, &user.password).await,
        StatusCode::UNAUTHORIZED,
        "account_disabled",
    )
    .await;
    // A wrong password still learns nothing, not even that the account is disabled.
    expect_wrong_credentials(app.try_login(&user.username, "wrong-password").await).await;

    // Enabled again, the user signs in afresh: the old sessions ended for good.
    expect_json(
        app.patch_user(&admin, &user.id, &json!({ "disabled": false }))
            .await,
        StatusCode::OK,
    )
    .await;
    app.expect_token_refused(&session.token, "session_revoked")
        .await;
    let again = app.login(&user.username, &user.password).await;
    app.me(&again.token).await;
}

#[tokio::test]
async fn a_login_body_that_is_not_json_is_a_400_in_the_error_format() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "bad_json").await;
}

#[tokio::test]
async fn an_oversized_body_is_a_413_in_the_error_format() {
    let app = spawn_app().await;
    // Just over the limit: the server answers 413 without reading the body and closes;
    // on a busy machine the client may still be writing and see the reset instead of the
    // answer, so a transport error is retried (an answer other than 413 is not).
    let body = vec![b' '; jemput_server::startup::API_BODY_LIMIT + 16 * 1024];
    let mut attempts = 0;
    let response = loop {
        attempts += 1;
        match app
            .client
            .post(app.url("/api/auth/login"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
        {
            Ok(response) => break response,
            Err(error) if attempts < 5 => eprintln!("retrying after {error}"),
            Err(error) => panic!("no answer after {attempts} attempts: {error}"),
        }
    };
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn an_unknown_path_is_a_json_404() {
    let app = spawn_app().await;
    expect_error(
        app.get("/api/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn tokens_survive_a_server_restart() {
    let mut app = spawn_app().await;
    let session = app.login("admin", ADMIN_PASSWORD).await;
    app.restart().await;
    app.me(&session.token).await;
}

#[tokio::test]
async fn repeated_wrong_passwords_from_one_address_are_refused_for_a_while_even_with_the_right_one()
{
    let app = spawn_app().await;
    let user = app.create_user("siti", "officer", &["17.01.01"]).await;
    for _ in 0..PAIR_LIMIT {
        expect_wrong_credentials(app.try_login("siti", "not-her-password").await).await;
    }
    let response = app.try_login("Siti", &user.password).await;
    assert!(response.headers().contains_key("retry-after"));
    let body = expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert!(body["error"]["message_id"]
        .as_str()
        .unwrap()
        .contains("Coba lagi"));
    // Other users are not held up.
    let other = app.create_user("budi", "officer", &["17.01.01"]).await;
    app.login("budi", &other.password).await;
}

#[tokio::test]
async fn wrong_passwords_for_admin_from_one_address_do_not_stop_the_admin_elsewhere() {
    let app = spawn_app().await;
    let attacker = app.client_from("127.0.0.2");
    for _ in 0..PAIR_LIMIT + 5 {
        let response = app
            .try_login_with(&attacker, &[], "admin", "not-the-password")
            .await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&response.status()),
            "{}",
            response.status()
        );
    }
    expect_too_many_attempts(
        app.try_login_with(&attacker, &[], "admin", ADMIN_PASSWORD)
            .await,
    )
    .await;
    // The admin, at 127.0.0.1, signs in as usual.
    app.login("admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn one_address_trying_many_usernames_is_throttled() {
    let app = spawn_app().await;
    let sprayer = app.client_from("127.0.0.3");
    for i in 0..ADDRESS_LIMIT {
        expect_wrong_credentials(
            app.try_login_with(&sprayer, &[], &format!("user{i}"), "kopi-hujan-sepeda-41")
                .await,
        )
        .await;
    }
    expect_too_many_attempts(
        app.try_login_with(&sprayer, &[], "admin", ADMIN_PASSWORD)
            .await,
    )
    .await;
    app.login("admin", ADMIN_PASSWORD).await;
}

const PROXY: [&str; 2] = ["--trusted-proxy-header", "X-Forwarded-For"];

#[tokio::test]
async fn behind_a_trusted_proxy_the_address_it_appended_is_the_client() {
    let app = spawn_app_with_args(&PROXY).await;
    let user = app.create_user("siti", "officer", &["17.01.01"]).await;
    // Whatever the client wrote on the left, the proxy's right-most entry counts.
    let attacker = [("x-forwarded-for", "10.0.0.99, 203.0.113.7")];
    for _ in 0..PAIR_LIMIT {
        expect_wrong_credentials(
            app.try_login_with(&app.client, &attacker, "siti", "not-her-password")
                .await,
        )
        .await;
    }
    expect_too_many_attempts(
        app.try_login_with(&app.client, &attacker, "siti", &user.password)
            .await,
    )
    .await;
    // The same proxy (TCP peer), forwarding for Siti's own phone.
    let siti = [("x-forwarded-for", "203.0.113.7, 198.51.100.4")];
    expect_json(
        app.try_login_with(&app.client, &siti, "siti", &user.password)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !app.log_lines_with(&["login failed", "username=siti", "address=203.0.113.7"])
            .is_empty(),
        "{}",
        app.log()
    );
    assert!(
        !app.log_lines_with(&["signed in", "user=siti", "address=198.51.100.4"])
            .is_empty(),
        "{}",
        app.log()
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_for_header_changes_nothing() {
    let app = spawn_app().await;
    let user = app.create_user("siti", "officer", &["17.01.01"]).await;
    for i in 0..PAIR_LIMIT {
        let claimed = format!("203.0.113.{i}");
        expect_wrong_credentials(
            app.try_login_forwarded_for(&claimed, "siti", "not-her-password")
                .await,
        )
        .await;
    }
    expect_too_many_attempts(
        app.try_login_forwarded_for("198.51.100.4", "siti", &user.password)
            .await,
    )
    .await;
    assert!(
        !app.log_lines_with(&["login failed", "username=siti", "address=127.0.0.1"])
            .is_empty(),
        "{}",
        app.log()
    );
}

#[tokio::test]
async fn a_botnet_guessing_one_account_cannot_lock_its_owner_out_where_she_signed_in_before() {
    let app = spawn_app_with_args(&PROXY).await;
    let user = app.create_user("siti", "officer", &["17.01.01"]).await;
    let office = [("x-forwarded-for", "203.0.113.7")];
    expect_json(
        app.try_login_with(&app.client, &office, "siti", &user.password)
            .await,
        StatusCode::OK,
    )
    .await;
    for i in 0..USERNAME_LIMIT {
        let bot = format!("198.51.100.{i}");
        expect_wrong_credentials(
            app.try_login_forwarded_for(&bot, "siti", "a-guess-1234")
                .await,
        )
        .await;
    }
    // An address that never signed in as siti waits; her office does not.
    expect_too_many_attempts(
        app.try_login_forwarded_for("192.0.2.50", "siti", &user.password)
            .await,
    )
    .await;
    expect_json(
        app.try_login_with(&app.client, &office, "siti", &user.password)
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn failed_and_successful_logins_are_logged_with_username_and_address_never_the_password() {
    let app = spawn_app().await;
    let elsewhere = app.client_from("127.0.0.4");
    expect_wrong_credentials(
        app.try_login_with(&elsewhere, &[], "Admin", "secret-guess-4711")
            .await,
    )
    .await;
    app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.log_lines_with(&["login failed", "username=Admin", "address=127.0.0.4"])
            .len(),
        1,
        "{}",
        app.log()
    );
    assert!(
        !app.log_lines_with(&["signed in", "user=admin", "address=127.0.0.1"])
            .is_empty(),
        "{}",
        app.log()
    );
    let log = app.log();
    assert!(!log.contains("secret-guess-4711") && !log.contains(ADMIN_PASSWORD));
}

// ---- session lifetimes ----

/// Past a lifetime of `seconds`, with room for a slow machine.
async fn wait_past(seconds: u64) {
    tokio::time::sleep(Duration::from_millis(seconds * 1000 + 500)).await;
}

#[tokio::test]
async fn a_supervisor_past_the_absolute_lifetime_must_log_in_again_while_officers_go_on() {
    let app = spawn_app_with_args(&["--supervisor-session-max", "2s"]).await;
    let (supervisor, laptop) = app
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let (_, phone) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    wait_past(2).await;
    let body = app
        .expect_token_refused(&laptop.token, "session_expired")
        .await;
    assert!(body["error"]["message_id"]
        .as_str()
        .unwrap()
        .contains("Sesi Anda sudah berakhir"));
    app.me(&phone.token).await;
    let again = app.login(&supervisor.username, &supervisor.password).await;
    app.me(&again.token).await;
}

#[tokio::test]
async fn an_officer_phone_unused_past_the_idle_lifetime_is_refused_sync_as_expired() {
    let app = spawn_app_with_args(&["--officer-session-idle", "2s"]).await;
    let (_, phone) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let admin = app.admin_token().await;
    wait_past(2).await;
    let response = app
        .client
        .post(app.url("/api/sync"))
        .bearer_auth(&phone.token)
        .header("content-type", jemput_shared::sync::wire::CONTENT_TYPE)
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED, "session_expired").await;
    // Admins keep their own, shorter-lived but not yet idle, session.
    app.me(&admin).await;
}

#[tokio::test]
async fn a_zero_session_lifetime_is_refused_at_start() {
    let output = serve_refused(&["--admin-session-max", "0s"], &[]).await;
    assert!(String::from_utf8_lossy(&output.stderr).contains("--admin-session-max"));
}

#[tokio::test]
async fn a_phone_recovery_key_is_the_same_for_each_login_of_its_user_and_no_one_elses() {
    let app = spawn_app().await;
    let (siti, first) = app.create_user_and_login("siti", "officer", &[]).await;
    let (_, rina) = app.create_user_and_login("rina", "officer", &[]).await;
    let body = json!({ "key_id": "8c1d2e0f-5a6b-4c7d-9e8f-0a1b2c3d4e5f" });
    let ask = |token: String| {
        let app = &app;
        let body = body.clone();
        async move {
            let response = app
                .post_json("/api/auth/recovery-key", Some(&token), &body)
                .await;
            expect_json(response, StatusCode::OK).await["key"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let key = ask(first.token.clone()).await;
    assert_eq!(key.len(), 43, "256 bits, base64 without padding");
    // After a forgotten PIN: a new password login of the same user gets the same key...
    let again = app.login(&siti.username, &siti.password).await;
    assert_eq!(ask(again.token).await, key);
    // ...another user asking for the same id gets another key...
    assert_ne!(ask(rina.token).await, key);
    // ...and without a session (the locked phone's thief) nothing.
    expect_error(
        app.post_json("/api/auth/recovery-key", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let malformed = json!({ "key_id": "short" });
    expect_error(
        app.post_json("/api/auth/recovery-key", Some(&first.token), &malformed)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_key_id",
    )
    .await;
}
