//! A registration's history through the API (`GET /api/registrations/{id}/history`):
//! each change with its author, time and fields, read from the Automerge document, and
//! the server's receipt of it (who pushed it, from which device, when by the server's
//! clock); only for those whose scope covers the registration. A change claiming another
//! author is refused.

use crate::harness::{api_ok, register, spawn_app};
use jemput_shared::document::ChangeAuthor;
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

#[tokio::test]
async fn the_history_names_who_changed_which_fields() {
    let server = spawn_app().await;
    let mut gen = SampleGenerator::new(11);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.02"]).await;
    register(&mut siti, &mut gen, "17.01.01.2001", 1);
    let id = siti.replica.docs.keys().next().unwrap().clone();
    {
        let author = ChangeAuthor::new(siti.user_id.clone(), "Siti");
        let (doc, _) = siti.replica.docs.get_mut(&id).unwrap();
        doc.edit_by(&author, 1_764_000_000_000, |r| {
            r.address.hamlet = "Dusun Tiga".into();
            r.phone = "081234567890".into();
        })
        .unwrap();
    }
    siti.sync().await.unwrap();
    api_ok(
        &mut budi,
        "POST",
        &format!("/api/registrations/{id}/review"),
        Some(json!({"status": "verified"})),
    )
    .await;

    let path = format!("/api/registrations/{id}/history");
    let body = api_ok(&mut budi, "GET", &path, None).await;
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "created, edited, reviewed: {body}");
    let edit = &changes[1];
    assert_eq!(edit["author_id"], json!(siti.user_id));
    assert_eq!(edit["author_name"], "Siti");
    assert_eq!(edit["at"], 1_764_000_000_000_i64);
    assert_eq!(edit["fields"], json!(["address.hamlet", "phone"]));
    assert_eq!(changes[2]["fields"], json!(["review.status"]));

    // The officer who made it may read it; another regency's supervisor may not.
    let (status, _) = siti.api("GET", &path, None).await.unwrap();
    assert_eq!(status, 200);
    let (status, _) = rudi.api("GET", &path, None).await.unwrap();
    assert_eq!(status, 404);
    let (status, _) = budi
        .api("GET", "/api/registrations/no-such-id/history", None)
        .await
        .unwrap();
    assert_eq!(status, 404);
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn the_history_shows_who_pushed_each_change_from_where_and_when_the_server_got_it() {
    let server = spawn_app().await;
    let mut gen = SampleGenerator::new(12);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let before = now_ms();
    // Made without an author message (as other tools do): still recorded as Siti's push.
    register(&mut siti, &mut gen, "17.01.01.2001", 1);
    let id = siti.replica.docs.keys().next().unwrap().clone();
    siti.sync().await.unwrap();
    {
        // The phone's clock says 2020.
        let author = ChangeAuthor::new(siti.user_id.clone(), "Siti");
        let (doc, _) = siti.replica.docs.get_mut(&id).unwrap();
        doc.edit_by(&author, 1_577_836_800_000, |r| {
            r.phone = "081234567890".into()
        })
        .unwrap();
    }
    siti.sync().await.unwrap();
    api_ok(
        &mut budi,
        "POST",
        &format!("/api/registrations/{id}/review"),
        Some(json!({"status": "verified"})),
    )
    .await;
    let after = now_ms();

    let body = api_ok(
        &mut budi,
        "GET",
        &format!("/api/registrations/{id}/history"),
        None,
    )
    .await;
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{body}");
    let pushers: Vec<_> = changes
        .iter()
        .map(|c| (c["pushed_by_id"].clone(), c["pushed_from_device"].clone()))
        .collect();
    assert_eq!(
        pushers,
        [
            (json!(siti.user_id), json!(siti.device_id)),
            (json!(siti.user_id), json!(siti.device_id)),
            (json!(budi.user_id), json!(budi.device_id)),
        ],
        "{body}"
    );
    assert_eq!(
        changes[0]["author_id"],
        json!(null),
        "no claim in the change"
    );
    assert_eq!(changes[1]["pushed_by_name"], "siti");
    assert_eq!(changes[2]["pushed_by_name"], "budi");
    // The phone's claim stays, beside the server's own clock.
    assert_eq!(changes[1]["at"], 1_577_836_800_000_i64);
    for change in changes {
        let received = change["received_at"].as_i64().expect("a receipt");
        assert!((before..=after).contains(&received), "{change}");
    }
}

#[tokio::test]
async fn a_change_naming_somebody_else_as_its_author_is_refused_and_not_in_the_history() {
    let server = spawn_app().await;
    let mut gen = SampleGenerator::new(13);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    register(&mut siti, &mut gen, "17.01.01.2001", 1);
    let id = siti.replica.docs.keys().next().unwrap().clone();
    siti.sync().await.unwrap();
    {
        // Siti's phone writes a change in the supervisor's name, dated 2020.
        let forged = ChangeAuthor::new(budi.user_id.clone(), "Budi");
        let (doc, _) = siti.replica.docs.get_mut(&id).unwrap();
        doc.edit_by(&forged, 1_577_836_800_000, |r| {
            r.address.hamlet = "Dusun Palsu".into()
        })
        .unwrap();
    }
    siti.sync().await.unwrap();
    let rejection = &siti.replica.rejected[&id];
    assert_eq!(rejection.code, "forbidden");
    assert!(rejection.message_id.contains("atas nama Anda sendiri"));

    let body = api_ok(
        &mut budi,
        "GET",
        &format!("/api/registrations/{id}/history"),
        None,
    )
    .await;
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only the registration itself: {body}");
    assert!(changes
        .iter()
        .all(|c| c["author_id"] != json!(budi.user_id)));
}
