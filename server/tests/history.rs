//! A registration's history through the API (`GET /api/registrations/{id}/history`):
//! each change with its author, time and fields, read from the Automerge document; only
//! for those whose scope covers the registration.

mod common;

use common::{register, ServerProcess};
use jemput_shared::document::ChangeAuthor;
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

#[tokio::test]
async fn the_history_names_who_changed_which_fields() {
    let server = ServerProcess::start();
    let mut gen = SampleGenerator::new(11);
    let mut siti = server.user("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.user("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.user("rudi", "supervisor", &["17.02"]).await;
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
    let (status, body) = budi
        .api(
            "POST",
            &format!("/api/registrations/{id}/review"),
            Some(json!({"status": "verified"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    let path = format!("/api/registrations/{id}/history");
    let (status, body) = budi.api("GET", &path, None).await.unwrap();
    assert_eq!(status, 200, "{body}");
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
