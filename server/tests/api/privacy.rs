//! A citizen's access request: `GET /api/privacy/person?nik=…` gives everything Jemput
//! holds about the person in the requester's scope — registrations, their history, and
//! the trail of who accessed them — and is itself audited.

use crate::harness::{expect_error, expect_json, first_id, register_and_sync, spawn_app_with_siti};
use reqwest::StatusCode;

#[tokio::test]
async fn the_person_report_holds_their_registrations_history_and_trail_in_scope_only() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(51).await;
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let (_, rina) = server
        .create_user_and_login("rina", "supervisor", &["17.02"])
        .await;
    let registrations = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 2).await;
    let id = first_id(&siti);
    let nik = registrations
        .iter()
        .find(|r| r.id == id)
        .unwrap()
        .nik
        .clone();
    let viewed = server
        .get(&format!("/api/registrations/{id}"), Some(&budi.token))
        .await;
    assert_eq!(viewed.status(), StatusCode::OK);

    let path = format!("/api/privacy/person?nik={nik}");
    let report = expect_json(server.get(&path, Some(&budi.token)).await, StatusCode::OK).await;
    assert_eq!(report["nik"], nik);
    let held = report["registrations"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["registration"]["id"], id);
    assert_eq!(held[0]["registration"]["registered_by"], siti.user_id);
    assert!(!held[0]["history"].as_array().unwrap().is_empty());
    let trail = report["trail"].as_array().unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e["action"] == "record_viewed" && e["username"] == "budi"),
        "{trail:#?}"
    );

    // The report is audited; a second one lists the first.
    let again = expect_json(server.get(&path, Some(&budi.token)).await, StatusCode::OK).await;
    assert!(again["trail"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "person_reported"));

    // Outside the requester's regencies: nothing of the person.
    let other = expect_json(server.get(&path, Some(&rina.token)).await, StatusCode::OK).await;
    assert!(other["registrations"].as_array().unwrap().is_empty());
    assert!(other["trail"].as_array().unwrap().is_empty(), "{other}");

    // Officers do not serve requests; a NIK must be whole.
    let (status, _) = siti.api("GET", &path, None).await.unwrap();
    assert_eq!(status, 403);
    expect_error(
        server
            .get("/api/privacy/person?nik=1701", Some(&budi.token))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_nik",
    )
    .await;
}

#[tokio::test]
async fn the_person_report_names_the_exports_that_contained_them() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(52).await;
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let registrations = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;
    let nik = &registrations[0].nik;
    // Three exports: all of Kedurang (CSV), the same as a workbook, and another
    // district (without the person).
    for path in [
        "/api/registrations/export.csv?district=17.01.01",
        "/api/registrations/export.xlsx?district=17.01.01",
        "/api/registrations/export.csv?district=17.01.02",
    ] {
        let response = server.get(path, Some(&budi.token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.bytes().await.unwrap();
    }
    // The entries are written when each export ends.
    let path = format!("/api/privacy/person?nik={nik}");
    let mut exports = Vec::new();
    for _ in 0..50 {
        let report = expect_json(server.get(&path, Some(&budi.token)).await, StatusCode::OK).await;
        exports = report["exports"].as_array().unwrap().clone();
        if exports.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut formats: Vec<String> = exports
        .iter()
        .map(|e| {
            assert_eq!(e["username"], "budi");
            assert_eq!(e["action"], "exported");
            e["detail"]
                .as_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    formats.sort();
    assert_eq!(formats, ["csv", "xlsx"], "{exports:#?}");
}
