//! A registration's history through the API (`GET /api/registrations/{id}/history`):
//! each change with its author, time and fields, read from the Automerge document, and
//! the server's receipt of it (who pushed it, from which device, when by the server's
//! clock); only for those whose scope covers the registration. A change claiming another
//! author is refused.

use crate::harness::supervision::now_ms;
use crate::harness::{
    api_ok, edit_as, first_id, register, register_and_sync, review, spawn_app_with_siti,
};
use jemput_server::client::NativeDevice;
use jemput_shared::document::ChangeAuthor;
use serde_json::{json, Value};

/// `GET /api/registrations/{id}/history` as `device`'s user; panics unless 200.
async fn history(device: &mut NativeDevice, id: &str) -> Value {
    api_ok(
        device,
        "GET",
        &format!("/api/registrations/{id}/history"),
        None,
    )
    .await
}

#[tokio::test]
async fn the_history_names_who_changed_which_fields() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(11).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.02"]).await;
    register(&mut siti, &mut gen, "17.01.01.2001", 1);
    let id = first_id(&siti);
    let author = ChangeAuthor::new(siti.user_id.clone(), "Siti");
    edit_as(&mut siti, &id, &author, 1_764_000_000_000, |r| {
        r.address.hamlet = "Dusun Tiga".into();
        r.phone = "081234567890".into();
    });
    siti.sync().await.unwrap();
    review(&mut budi, &id, json!({"status": "verified"})).await;

    let path = format!("/api/registrations/{id}/history");
    let body = history(&mut budi, &id).await;
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

#[tokio::test]
async fn the_history_shows_who_pushed_each_change_from_where_and_when_the_server_got_it() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(12).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let before = now_ms();
    // Made without an author message (as other tools do): still recorded as Siti's push.
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);
    // The phone's clock says 2020.
    let author = ChangeAuthor::new(siti.user_id.clone(), "Siti");
    edit_as(&mut siti, &id, &author, 1_577_836_800_000, |r| {
        r.phone = "081234567890".into()
    });
    siti.sync().await.unwrap();
    review(&mut budi, &id, json!({"status": "verified"})).await;
    let after = now_ms();

    let body = history(&mut budi, &id).await;
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
    let (server, mut gen, mut siti) = spawn_app_with_siti(13).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);
    // Siti's phone writes a change in the supervisor's name, dated 2020.
    let forged = ChangeAuthor::new(budi.user_id.clone(), "Budi");
    edit_as(&mut siti, &id, &forged, 1_577_836_800_000, |r| {
        r.address.hamlet = "Dusun Palsu".into()
    });
    siti.sync().await.unwrap();
    let rejection = &siti.replica.rejected[&id];
    assert_eq!(rejection.code, "forbidden");
    assert!(rejection.message_id.contains("atas nama Anda sendiri"));

    let body = history(&mut budi, &id).await;
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only the registration itself: {body}");
    assert!(changes
        .iter()
        .all(|c| c["author_id"] != json!(budi.user_id)));
}
