//! The audit trail: every audited action leaves exactly one entry with its user, target
//! and time; admins read it filtered — by a person's NIK without the trail holding NIKs —
//! and as CSV; nobody else can.

use crate::harness::{
    expect_error, expect_json, first_id, register_and_sync, spawn_app_with_siti, TestApp,
};
use jemput_server::clock::now_ms;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The entries `GET /api/admin/audit?{query}` answers.
async fn audit(server: &TestApp, query: &str) -> Vec<Value> {
    let admin = server.admin_token().await;
    let page = expect_json(
        server
            .get(&format!("/api/admin/audit?{query}"), Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    page["entries"].as_array().expect("entries").clone()
}

/// The entries of `action` by `username`.
fn of<'a>(entries: &'a [Value], username: &str, action: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["username"] == username && e["action"] == action)
        .collect()
}

#[tokio::test]
async fn each_access_to_a_person_leaves_one_entry_found_by_their_nik() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(41).await;
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let registrations = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 2).await;
    let id = first_id(&siti);
    let nik = registrations
        .iter()
        .find(|r| r.id == id)
        .expect("registered")
        .nik
        .clone();
    let started = now_ms();

    let get = |path: String| {
        let (server, token) = (&server, budi.token.clone());
        async move { expect_json(server.get(&path, Some(&token)).await, StatusCode::OK).await }
    };
    get(format!("/api/registrations/{id}")).await;
    get(format!("/api/registrations/{id}/history")).await;
    get(format!("/api/registrations?q={nik}")).await;
    // A prefix typed on the way to a NIK is not an access to one person.
    get(format!("/api/registrations?q={}", &nik[..8])).await;
    let reviewed = server
        .post_json(
            &format!("/api/registrations/{id}/review"),
            Some(&budi.token),
            &json!({"status": "verified"}),
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    let ended = now_ms();

    let entries = audit(&server, "").await;
    for (action, target) in [
        ("record_viewed", Some(id.as_str())),
        ("history_viewed", Some(id.as_str())),
        ("nik_searched", None),
        ("reviewed", Some(id.as_str())),
    ] {
        let found = of(&entries, "budi", action);
        assert_eq!(found.len(), 1, "{action}: {entries:#?}");
        let entry = found[0];
        assert_eq!(entry["user_id"], budi.user_id);
        assert_eq!(entry["target"].as_str(), target, "{action}");
        let at = entry["at"].as_i64().unwrap();
        assert!((started..=ended).contains(&at), "{action} at {at}");
        assert_eq!(entry["client"], "127.0.0.1");
    }
    assert_eq!(of(&entries, "budi", "reviewed")[0]["detail"], "verified");
    assert_eq!(of(&entries, "budi", "login_succeeded").len(), 1);
    assert_eq!(of(&entries, "siti", "login_succeeded").len(), 1);

    // The person's trail, by NIK; the NIK itself is nowhere in it.
    let person = audit(&server, &format!("nik={nik}")).await;
    let mut actions: Vec<&str> = person
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "history_viewed",
            "nik_searched",
            "record_viewed",
            "reviewed"
        ]
    );
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(&nik), "a NIK in the audit trail");
}

#[tokio::test]
async fn logins_exports_and_admin_actions_are_audited_once() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(42).await;
    let (budi_user, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;
    let admin = server.admin_token().await;

    // A wrong password: by nobody, aimed at the name typed.
    assert_eq!(
        server.try_login("budi", "not-her-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // An export: its format, filter and the rows that left, once the download ends.
    let csv = server
        .get(
            "/api/registrations/export.csv?regency=17.01",
            Some(&budi.token),
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let _ = csv.text().await.unwrap();
    // Admin actions.
    let patched = server
        .patch_user(
            &admin,
            &budi_user.id,
            &json!({"regions": ["17.01", "17.02"]}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let revoke = format!("/api/admin/devices/{}/revoke", budi.device_id);
    let revoked = server.post_json(&revoke, Some(&admin), &json!({})).await;
    assert_eq!(revoked.status(), StatusCode::OK);

    let mut entries = Vec::new();
    for _ in 0..100 {
        entries = audit(&server, "").await;
        if !of(&entries, "budi", "exported").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let failed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{entries:#?}");
    assert!(failed[0]["username"].is_null() && failed[0]["target"] == "budi");
    let exported = of(&entries, "budi", "exported");
    assert_eq!(exported.len(), 1, "{entries:#?}");
    assert_eq!(exported[0]["detail"], "csv; 3 rows; regency=17.01");
    for (action, target) in [
        ("user_created", budi_user.id.as_str()),
        ("user_changed", budi_user.id.as_str()),
        ("device_revoked", budi.device_id.as_str()),
    ] {
        let found: Vec<&Value> = of(&entries, "admin", action)
            .into_iter()
            .filter(|e| e["target"] == target)
            .collect();
        assert_eq!(found.len(), 1, "{action}: {entries:#?}");
    }
    assert!(of(&entries, "admin", "user_changed")[0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("budi: regions"));

    // Filters.
    let only = audit(&server, "action=exported").await;
    assert!(only.len() == 1 && only[0]["action"] == "exported");
    let by_budi = audit(&server, "user=budi").await;
    assert!(by_budi.iter().all(|e| e["username"] == "budi"));
    let today = jemput_shared::calendar::iso_date(jemput_server::clock::today());
    assert_eq!(
        audit(&server, &format!("from={today}&to={today}"))
            .await
            .len(),
        entries.len()
    );
    assert!(audit(&server, "to=2000-01-01").await.is_empty());
    for (query, code) in [
        ("action=nope", "bad_action"),
        ("nik=123", "bad_nik"),
        ("from=yesterday", "bad_date"),
    ] {
        expect_error(
            server
                .get(&format!("/api/admin/audit?{query}"), Some(&admin))
                .await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }

    // The CSV, with the token in the link; itself audited.
    let csv = server
        .get(
            &format!("/api/admin/audit.csv?action=exported&token={admin}"),
            None,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("csv; 3 rows"));
    assert_eq!(
        of(
            &audit(&server, "action=audit_exported").await,
            "admin",
            "audit_exported"
        )
        .len(),
        1
    );
}

#[tokio::test]
async fn only_admins_read_the_trail() {
    let (server, _, _siti) = spawn_app_with_siti(43).await;
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let (_, rudi) = server
        .create_user_and_login("rudi", "officer", &["17.01.01"])
        .await;
    for token in [&budi.token, &rudi.token] {
        for path in ["/api/admin/audit", "/api/admin/audit.csv"] {
            expect_error(
                server.get(path, Some(token)).await,
                StatusCode::FORBIDDEN,
                "admin_only",
            )
            .await;
        }
    }
    expect_error(
        server.get("/api/admin/audit", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}
