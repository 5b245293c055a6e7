//! A citizen's receipt: an officer's login brings the device's receipt key; a QR payload
//! signed with it verifies at `GET /api/receipts/verify/{payload}` and on the page
//! `/verifikasi/{payload}`, naming the officer; an altered, foreign, garbage or
//! oversized one is refused without an error.

use crate::harness::{expect_json, spawn_app, TestApp};
use jemput_shared::receipt::{ReceiptClaim, ReceiptKey, ReceiptNumber, MAX_PAYLOAD_CHARS};
use reqwest::StatusCode;
use serde_json::Value;

/// An officer's login: the device id and its receipt key.
async fn officer_with_key(app: &TestApp, username: &str) -> (String, ReceiptKey) {
    let user = app.create_user(username, "officer", &[]).await;
    let login = expect_json(
        app.try_login(&user.username, &user.password).await,
        StatusCode::OK,
    )
    .await;
    let key = login["receipt_key"]
        .as_str()
        .expect("an officer gets a receipt key");
    (
        login["device_id"].as_str().unwrap().to_owned(),
        ReceiptKey::decode(key).expect("a key"),
    )
}

fn payload(device_id: &str, name: &str, key: &ReceiptKey) -> String {
    ReceiptClaim::new(
        ReceiptNumber::new(device_id, 1),
        "1701011505900001",
        name,
        1_780_000_000_000,
        device_id,
    )
    .sign(key)
}

async fn verdict(app: &TestApp, payload: &str) -> Value {
    let path = format!("/api/receipts/verify/{payload}");
    expect_json(app.get(&path, None).await, StatusCode::OK).await
}

#[tokio::test]
async fn a_receipt_signed_by_an_officers_device_verifies_and_names_the_officer() {
    let app = spawn_app().await;
    let (device_id, key) = officer_with_key(&app, "siti").await;
    let payload = payload(&device_id, "Budi Santoso", &key);
    let answer = verdict(&app, &payload).await;
    assert_eq!(answer["verdict"], "valid", "{answer}");
    assert_eq!(
        answer["number"],
        ReceiptNumber::new(&device_id, 1).to_string()
    );
    assert_eq!(answer["name"], "Budi Santoso");
    assert_eq!(answer["masked_nik"], "1701••••••••0001");
    assert_eq!(answer["date"], "2026-05-29");
    assert_eq!(answer["officer"], "siti");
    assert!(!answer.to_string().contains("1701011505900001"));

    let page = app.get(&format!("/verifikasi/{payload}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"data-verdict="valid""#), "{html}");
    assert!(
        html.contains("Budi Santoso") && html.contains("siti"),
        "{html}"
    );

    // The log names the paths, never the payload: it holds a name and a masked NIK.
    let log = app.log();
    assert!(
        log.contains("/verifikasi/") && log.contains("/api/receipts/verify/"),
        "{log}"
    );
    assert!(!log.contains(&payload[..40]), "{log}");
}

#[tokio::test]
async fn an_altered_or_foreign_receipt_is_refused() {
    let app = spawn_app().await;
    let (device_id, key) = officer_with_key(&app, "siti").await;
    let payload = payload(&device_id, "Budi Santoso", &key);
    // One character changed, anywhere.
    for at in [0, payload.len() / 2, payload.len() - 1] {
        let mut bent = payload.clone().into_bytes();
        bent[at] = if bent[at] == b'A' { b'B' } else { b'A' };
        let bent = String::from_utf8(bent).unwrap();
        assert_eq!(verdict(&app, &bent).await["verdict"], "invalid", "at {at}");
    }
    // Signed with another device's key, or with a key made up for this one.
    let (_, other_key) = officer_with_key(&app, "andi").await;
    let forged = [
        self::payload(&device_id, "Budi Santoso", &other_key),
        self::payload(
            &device_id,
            "Budi Santoso",
            &ReceiptKey::for_device(&[0; 32], &device_id),
        ),
    ];
    for forged in forged {
        assert_eq!(verdict(&app, &forged).await["verdict"], "invalid");
    }
    let page = app
        .get(
            &format!("/verifikasi/{}", &one_character_changed(&payload)),
            None,
        )
        .await;
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"data-verdict="invalid""#), "{html}");
}

/// `payload` with one character of its middle changed.
fn one_character_changed(payload: &str) -> String {
    let mut chars: Vec<char> = payload.chars().collect();
    let at = chars.len() / 2;
    chars[at] = if chars[at] == 'x' { 'y' } else { 'x' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn garbage_and_oversized_payloads_are_invalid_not_errors() {
    let app = spawn_app().await;
    let oversized = "A".repeat(MAX_PAYLOAD_CHARS + 1);
    let huge = "A".repeat(6000);
    for garbage in ["x", "AQ", "%FF%00", "not-base64!", &oversized, &huge] {
        assert_eq!(
            verdict(&app, garbage).await["verdict"],
            "invalid",
            "{garbage:.20}"
        );
    }
}

#[tokio::test]
async fn only_officers_get_a_receipt_key_and_names_are_escaped_on_the_page() {
    let app = spawn_app().await;
    let user = app.create_user("kepala", "supervisor", &["17.01"]).await;
    let login = expect_json(
        app.try_login(&user.username, &user.password).await,
        StatusCode::OK,
    )
    .await;
    assert!(login.get("receipt_key").is_none(), "{login}");

    let (device_id, key) = officer_with_key(&app, "siti").await;
    let payload = payload(&device_id, "<script>alert(1)</script>", &key);
    let html = app
        .get(&format!("/verifikasi/{payload}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}
