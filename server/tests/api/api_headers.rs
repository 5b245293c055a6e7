//! What every API answer says about itself: `Cache-Control: no-store` (they carry personal
//! data and tokens, which no browser or proxy cache may keep) and `nosniff` — successes,
//! errors, the login's token, exports and the event stream alike; and a query string the
//! server cannot read is refused in the API's JSON error form, not in plain text.

use crate::harness::{expect_error, spawn_app};
use reqwest::header::{self, HeaderMap};
use reqwest::{Response, StatusCode};
use serde_json::json;

fn assert_not_kept(what: &str, headers: &HeaderMap) {
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        assert_eq!(
            headers.get(&name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{what}: {headers:?}"
        );
    }
}

#[tokio::test]
async fn every_kind_of_api_answer_is_neither_cached_nor_sniffed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let mut answers: Vec<(&str, Response)> = vec![
        (
            "the login, carrying a token",
            app.try_login("admin", crate::harness::ADMIN_PASSWORD).await,
        ),
        (
            "a failed login",
            app.try_login("admin", "wrong-password").await,
        ),
        ("who am I", app.get("/api/auth/me", Some(&admin)).await),
        ("without a token", app.get("/api/auth/me", None).await),
        (
            "an unknown API path",
            app.get("/api/nothing-here", None).await,
        ),
        (
            "a bad body",
            app.post_json("/api/admin/users", Some(&admin), &json!({"username": 1}))
                .await,
        ),
        (
            "the table",
            app.get("/api/registrations", Some(&admin)).await,
        ),
        (
            "a CSV export",
            app.get("/api/registrations/export.csv", Some(&admin)).await,
        ),
        ("the health check", app.get("/healthz", None).await),
    ];
    let stream = app
        .client
        .get(app.url("/api/events"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    answers.push(("the event stream", stream));

    for (what, response) in &answers {
        assert_not_kept(what, response.headers());
    }
    let login = answers.remove(0).1;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_given_twice_to_the_event_stream_is_refused_in_json() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let twice = app
        .get(&format!("/api/events?token={admin}&token={admin}"), None)
        .await;
    assert_not_kept("a refused query", twice.headers());
    let body = expect_error(twice, StatusCode::BAD_REQUEST, "bad_query").await;
    assert!(
        !body.to_string().contains(&admin),
        "the token is not echoed: {body}"
    );
}
