//! `GET /api/overview` and the targets: the numbers equal a recount from the documents
//! after every kind of change (officers' syncs and edits, a review, a deletion, a
//! duplicate resolution), per role and scope; officers are refused; stale officers and
//! targets show up as set.

use crate::harness::supervision::{
    assert_overview_matches_recount, edit, now_ms, overview, register_one, spawn_app_with_regions,
    DAY_MS,
};
use crate::harness::{api_ok, review, spawn_app};
use jemput_shared::registration::{Deletion, ProgrammeInterest};
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

#[tokio::test]
async fn the_overview_equals_a_recount_after_syncs_edits_reviews_and_duplicates() {
    let (server, mut admin) = spawn_app_with_regions().await;
    let mut gen = SampleGenerator::new(41);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut andi = server.device("andi", "officer", &["17.71.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    // A second admin device to look at the overview while the first recounts.
    let mut admin_view = server.admin_device().await;
    let now = now_ms();

    // Nothing yet: zeros everywhere, 90 days, every programme and status present.
    let empty = overview(&mut budi).await;
    assert_eq!(empty["total"], 0);
    assert_eq!(empty["per_day"].as_array().unwrap().len(), 90);
    assert_eq!(empty["by_status"].as_object().unwrap().len(), 4);
    assert_eq!(empty["by_programme"].as_object().unwrap().len(), 5);
    assert_eq!(empty["programmes"].as_array().unwrap().len(), 5);
    assert_eq!(empty["province_target"], 10_000);
    assert_eq!(
        empty["regencies"],
        json!([{"code": "17.01", "name": "Kabupaten Bengkulu Selatan", "year_count": 0,
                "target": null}])
    );

    // Spread over days (one last year, one 100 days ago: outside the chart), with a NIK
    // shared inside 17.01 and one across regencies.
    let mut ids = Vec::new();
    for (days_ago, nik) in [
        (0, Some("1701014506990001")),
        (0, Some("1701014506990001")),
        (1, None),
        (3, Some("1701010101900002")),
        (100, None),
        (400, None),
    ] {
        let r = register_one(
            &mut siti,
            &mut gen,
            "17.01.01.2001",
            now - days_ago * DAY_MS,
            nik,
        );
        ids.push(r.id);
    }
    for nik in [Some("1701010101900002"), None, None] {
        register_one(&mut andi, &mut gen, "17.71.01.1001", now - 2 * DAY_MS, nik);
    }
    siti.sync().await.unwrap();
    andi.sync().await.unwrap();
    let all = overview(&mut admin).await;
    assert_eq!(all["total"], 9);
    assert_eq!(all["duplicate_groups"], 2);
    assert_eq!(all["regencies"].as_array().unwrap().len(), 2);
    let mine = overview(&mut budi).await;
    assert_eq!(mine["total"], 6);
    assert_eq!(
        mine["duplicate_groups"], 1,
        "the cross-regency NIK is one in 17.01"
    );
    assert_overview_matches_recount(&mut admin_view, &mut admin, None, "after sync").await;
    assert_overview_matches_recount(&mut budi, &mut admin, Some(&["17.01"]), "after sync").await;

    // The officer changes programmes and deletes one; a supervisor reviews two.
    edit(&mut siti, &ids[2], |r| {
        r.programmes = vec![
            ProgrammeInterest::DomesticApprenticeship,
            ProgrammeInterest::NewEntrepreneur,
        ]
    });
    edit(&mut siti, &ids[3], |r| {
        r.deleted = Some(Deletion {
            reason: "salah input".into(),
            by: r.registered_by.clone(),
            at: now,
        })
    });
    siti.sync().await.unwrap();
    for (id, status) in [(&ids[0], "verified"), (&ids[4], "rejected")] {
        review(&mut budi, id, json!({"status": status})).await;
    }
    let mine = overview(&mut budi).await;
    assert_eq!(mine["total"], 5);
    assert_eq!(mine["by_status"]["verified"], 1);
    assert_eq!(mine["by_status"]["rejected"], 1);
    assert_eq!(mine["duplicate_groups"], 1);
    assert_overview_matches_recount(&mut budi, &mut admin, Some(&["17.01"]), "after edits").await;
    assert_overview_matches_recount(&mut admin_view, &mut admin, None, "after edits").await;

    // The pair sharing a NIK in 17.01 is one person: one drops out of every count.
    api_ok(
        &mut budi,
        "POST",
        "/api/duplicates/resolve",
        Some(json!({"nik": "1701014506990001", "verdict": "same_person", "keep": ids[0]})),
    )
    .await;
    let mine = overview(&mut budi).await;
    assert_eq!(mine["total"], 4);
    assert_eq!(mine["duplicate_groups"], 0);
    assert_overview_matches_recount(&mut budi, &mut admin, Some(&["17.01"]), "after resolving")
        .await;
    assert_overview_matches_recount(&mut admin_view, &mut admin, None, "after resolving").await;

    // The officer's next sync merges the resolution and changes no count.
    siti.sync().await.unwrap();
    assert_eq!(overview(&mut budi).await["total"], 4);
}

#[tokio::test]
async fn officers_are_refused_and_each_scope_sees_its_own() {
    let (server, mut admin) = spawn_app_with_regions().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.71"]).await;
    let mut gen = SampleGenerator::new(42);
    register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), None);
    siti.sync().await.unwrap();

    for path in ["/api/overview", "/api/targets", "/api/duplicates"] {
        let (status, body) = siti.api("GET", path, None).await.unwrap();
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body["error"]["message_id"].is_string());
    }
    let theirs = overview(&mut rudi).await;
    assert_eq!(theirs["total"], 0, "17.01's registration is not 17.71's");
    assert_eq!(theirs["regencies"][0]["code"], "17.71");
    assert_eq!(theirs["regencies"].as_array().unwrap().len(), 1);
    assert_eq!(overview(&mut admin).await["total"], 1);

    for bad in ["0", "366", "x"] {
        let (status, body) = rudi
            .api("GET", &format!("/api/overview?stale_days={bad}"), None)
            .await
            .unwrap();
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "bad_stale_days");
    }
}

#[tokio::test]
async fn officers_who_have_not_synced_are_listed_in_their_supervisors_scope() {
    let server = spawn_app().await;
    let mut admin = server.admin_device().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let _dewi = server.device("dewi", "officer", &["17.01.01.2001"]).await;
    let _andi = server.device("andi", "officer", &["17.71.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    siti.sync().await.unwrap();

    let shown = overview(&mut budi).await;
    let stale = shown["stale_officers"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{shown}");
    assert_eq!(stale[0]["username"], "dewi");
    assert_eq!(stale[0]["last_sync_at"], json!(null));
    assert_eq!(stale[0]["regions"], json!(["17.01.01.2001"]));

    let (_, body) = admin
        .api("GET", "/api/overview?stale_days=1", None)
        .await
        .unwrap();
    let names: Vec<&str> = body["stale_officers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["andi", "dewi"]);

    // A disabled officer is nobody's worry.
    let (_, users) = admin.api("GET", "/api/admin/users", None).await.unwrap();
    let dewi = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "dewi")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = admin
        .api(
            "PATCH",
            &format!("/api/admin/users/{dewi}"),
            Some(json!({"disabled": true})),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(overview(&mut budi).await["stale_officers"], json!([]));
}

#[tokio::test]
async fn targets_are_replaced_by_an_admin_and_shown_in_the_overview() {
    let (server, mut admin) = spawn_app_with_regions().await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;

    let (status, body) = budi.api("GET", "/api/targets", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"targets": [
            {"regency": null, "programme": null, "stage": "registered", "yearly": 10000},
            {"regency": null, "programme": null, "stage": "qualified", "yearly": 10000},
        ]}),
        "10,000 registrations and 10,000 skilled workers by default"
    );

    let targets = json!({"targets": [
        {"regency": null, "programme": null, "yearly": 12000},
        {"regency": "17.01", "programme": null, "yearly": 1000},
        {"regency": "17.71", "programme": null, "yearly": 3000},
        {"regency": null, "programme": "blk_training", "yearly": 300},
        {"regency": "17.01", "programme": "job_placement", "yearly": 50},
    ]});
    let (status, _) = budi
        .api("PUT", "/api/admin/targets", Some(targets.clone()))
        .await
        .unwrap();
    assert_eq!(status, 403, "only an admin sets targets");
    api_ok(
        &mut admin,
        "PUT",
        "/api/admin/targets",
        Some(targets.clone()),
    )
    .await;

    let (_, all) = admin.api("GET", "/api/targets", None).await.unwrap();
    // The five stored, and the province's default of skilled workers.
    assert_eq!(all["targets"].as_array().unwrap().len(), 6);
    let (_, mine) = budi.api("GET", "/api/targets", None).await.unwrap();
    assert_eq!(
        mine["targets"].as_array().unwrap().len(),
        5,
        "not 17.71's: {mine}"
    );

    let shown = overview(&mut budi).await;
    assert_eq!(shown["province_target"], 12000);
    assert_eq!(shown["regencies"][0]["target"], 1000);
    let blk = shown["programmes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "blk_training")
        .unwrap();
    assert_eq!(blk["target"], 300);

    for bad in [
        json!({"targets": [{"regency": null, "programme": null, "yearly": 0}]}),
        json!({"targets": [{"regency": null, "programme": null, "yearly": 10_000_001}]}),
        json!({"targets": [{"regency": "17.09", "programme": null, "yearly": 5}]}),
        json!({"targets": [{"regency": "17.01.01", "programme": null, "yearly": 5}]}),
        json!({"targets": [{"regency": null, "programme": "knitting", "yearly": 5}]}),
        json!({"targets": [{"regency": "17.01", "yearly": 5}, {"regency": "17.01", "yearly": 6}]}),
        json!({"targets": [], "extra": 1}),
        json!({"targets": [{"regency_code": "17.01", "yearly": 5}]}),
        json!({"nothing": []}),
    ] {
        let (status, body) = admin
            .api("PUT", "/api/admin/targets", Some(bad.clone()))
            .await
            .unwrap();
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["error"]["message_id"].is_string());
    }
    let (_, kept) = admin.api("GET", "/api/targets", None).await.unwrap();
    assert_eq!(kept, all, "refused input changed nothing");

    // An empty list removes them all; the province falls back to 10,000.
    let (status, _) = admin
        .api("PUT", "/api/admin/targets", Some(json!({"targets": []})))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(overview(&mut budi).await["province_target"], 10000);
}
