//! Sync over real HTTP against the real server on a temporary SQLite file: round trips,
//! scope rules, review flowing back to the officer, and bad input that changes nothing.

use crate::harness::supervision::{edit, read};
use crate::harness::{
    first_id, register, register_and_sync, spawn_app, spawn_app_with_siti, sync_accepted,
};
use jemput_server::client::NativeDevice;
use jemput_shared::document::RegistrationDoc;
use jemput_shared::registration::{ReviewComment, ReviewStatus};
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::{push_item, SyncedState};
use jemput_shared::sync::message::{
    PushItem, PushOutcome, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use jemput_shared::sync::wire;
use serde_json::json;

async fn post_sync(device: &mut NativeDevice, body: &[u8]) -> (u16, Vec<u8>) {
    let auth = format!("Bearer {}", device.token());
    let response = device
        .connection
        .request(
            "POST",
            "/api/sync",
            &[
                ("authorization", &auth),
                ("content-type", wire::CONTENT_TYPE),
            ],
            body,
        )
        .await
        .expect("server answers");
    (response.status, response.body)
}

fn error_code(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).expect("errors are JSON");
    assert!(
        value["error"]["message"].is_string() && value["error"]["message_id"].is_string(),
        "{value}"
    );
    value["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn registrations_reach_the_server_and_officers_in_the_same_area() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(1).await;
    let mut budi = server.device("budi", "officer", &["17.01.01"]).await;
    let mut eko = server.device("eko", "officer", &["17.02.01"]).await;
    register(&mut siti, &mut gen, "17.01.01.2001", 30);
    register(&mut eko, &mut gen, "17.02.01.1001", 5);
    siti.sync().await.unwrap();
    eko.sync().await.unwrap();
    assert_eq!(siti.pending(), 0);
    assert_eq!(server.registration_count().await, 35);

    budi.sync().await.unwrap();
    assert_eq!(
        budi.replica.docs.len(),
        30,
        "budi sees siti's area, not eko's"
    );
    let mut supervisor = server.device("kepala", "supervisor", &["17.02"]).await;
    supervisor.sync().await.unwrap();
    assert_eq!(
        supervisor.replica.docs.len(),
        5,
        "a supervisor sees only their regencies"
    );
}

#[tokio::test]
async fn a_sync_with_nothing_new_is_one_small_round_trip() {
    let (_server, mut gen, mut siti) = spawn_app_with_siti(2).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1_000).await;
    let before = siti.connection.bytes_up + siti.connection.bytes_down;
    siti.sync().await.unwrap();
    let noop = siti.connection.bytes_up + siti.connection.bytes_down - before;
    assert!(noop < 1024, "a no-op sync took {noop} bytes");
}

/// A device without a cursor (its first sync, or one after a reset) gets what others
/// wrote in its area, but not the records its own request just committed.
#[tokio::test]
async fn a_device_without_a_cursor_is_not_sent_back_what_it_just_pushed() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(31).await;
    let mut budi = server.device("budi", "officer", &["17.01.01"]).await;
    let budis = register_and_sync(&mut budi, &mut gen, "17.01.01.2001", 2).await;
    let sitis = register(&mut siti, &mut gen, "17.01.01.2001", 5);

    let request = siti
        .replica
        .start_sync(Default::default())
        .poll_request()
        .expect("a first request");
    assert!(request.pull.as_ref().is_some_and(|p| p.cursor.is_none()));
    assert_eq!(request.push.len(), 5);
    let (status, body) = post_sync(&mut siti, &wire::encode(&request)).await;
    assert_eq!(status, 200);
    let response: SyncResponse = wire::decode(&body, 64 << 20).unwrap();
    assert!(response
        .results
        .iter()
        .all(|r| matches!(r.outcome, PushOutcome::Committed { .. })));
    let pull = response.pull.expect("a pull answer");
    let mut pulled: Vec<&str> = pull.docs.iter().map(|d| d.doc_id.as_str()).collect();
    pulled.sort_unstable();
    let mut expected: Vec<&str> = budis.iter().map(|r| r.id.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(pulled, expected, "budi's records only, none of siti's own");
    assert!(sitis.iter().all(|r| !pulled.contains(&r.id.as_str())));
    assert!(!pull.more && pull.cursor.is_some());
}

#[tokio::test]
async fn a_review_comment_flows_back_and_merges_with_the_officers_edit() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(3).await;
    let ids: Vec<String> = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1)
        .await
        .into_iter()
        .map(|r| r.id)
        .collect();

    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    kepala.sync().await.unwrap();
    let kepala_id = kepala.user_id.clone();
    edit(&mut kepala, &ids[0], |r| {
        r.review.status = ReviewStatus::NeedsCorrection;
        r.review.comments.push(ReviewComment {
            id: "c1".into(),
            author_id: kepala_id.clone(),
            author_name: "Kepala".into(),
            role: "supervisor".into(),
            at: 1,
            text: "Nomor HP salah".into(),
        });
    });
    // Meanwhile the officer edits the same record offline.
    edit(&mut siti, &ids[0], |r| {
        r.address.hamlet = "Dusun Baru".into()
    });

    kepala.sync().await.unwrap();
    siti.sync().await.unwrap();
    let merged = read(&mut siti, &ids[0]);
    assert_eq!(merged.review.status, ReviewStatus::NeedsCorrection);
    assert_eq!(merged.review.comments.len(), 1);
    assert_eq!(merged.address.hamlet, "Dusun Baru");

    // The officer corrects and resubmits; the server keeps both the comment and the fix.
    edit(&mut siti, &ids[0], |r| {
        r.phone = "081299998888".into();
        r.review.status = ReviewStatus::Submitted;
    });
    sync_accepted(&mut siti).await;
    kepala.sync().await.unwrap();
    let on_server = read(&mut kepala, &ids[0]);
    assert_eq!(on_server.phone, "081299998888");
    assert_eq!(on_server.review.comments[0].text, "Nomor HP salah");
}

#[tokio::test]
async fn an_officer_cannot_verify_and_a_valid_neighbour_in_the_batch_still_goes_through() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(4).await;
    let records = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;

    // One forbidden edit, one invalid edit, one fine edit, in one batch.
    let edit = |siti: &mut NativeDevice,
                id: &str,
                change: &dyn Fn(&mut jemput_shared::registration::Registration)| {
        let (doc, _) = siti.replica.docs.get_mut(id).unwrap();
        doc.edit(change).unwrap();
    };
    edit(&mut siti, &records[0].id, &|r| {
        r.review.status = ReviewStatus::Verified
    });
    edit(&mut siti, &records[1].id, &|r| r.nik = "123".into());
    edit(&mut siti, &records[2].id, &|r| {
        r.full_name = "Siti Rahmawati".into()
    });
    siti.sync().await.unwrap();
    assert_eq!(siti.replica.rejected[&records[0].id].code, "forbidden");
    assert_eq!(
        siti.replica.rejected[&records[1].id].code,
        "invalid_registration"
    );
    assert!(siti.replica.rejected[&records[1].id]
        .problems
        .iter()
        .any(|p| p.field == "nik"));
    assert_eq!(siti.replica.rejected.len(), 2);

    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    kepala.sync().await.unwrap();
    let read = |kepala: &mut NativeDevice, id: &str| {
        kepala.replica.docs.get_mut(id).unwrap().0.read().unwrap()
    };
    assert_eq!(
        read(&mut kepala, &records[0].id).review.status,
        ReviewStatus::Submitted
    );
    assert_eq!(read(&mut kepala, &records[1].id).nik, records[1].nik);
    assert_eq!(
        read(&mut kepala, &records[2].id).full_name,
        "Siti Rahmawati"
    );
}

#[tokio::test]
async fn an_officer_cannot_push_into_another_area() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(5).await;
    let mut outsider = gen.registration(
        "someone-else",
        &siti.device_id.clone(),
        "17.05.01.2001",
        1_764_000_000_000,
    );
    outsider.registered_by = "someone-else".into();
    siti.create(&outsider);
    siti.sync().await.unwrap();
    assert_eq!(siti.replica.rejected[&outsider.id].code, "forbidden");
    assert_eq!(server.registration_count().await, 0);
}

#[tokio::test]
async fn an_id_outside_the_scope_answers_exactly_like_an_unknown_one() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(8).await;
    let mut eko = server.device("eko", "officer", &["17.02.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let taken = first_id(&siti);
    // A registration the server has never seen, like Siti's in every other way.
    let unknown = gen.registration(&siti.user_id.clone(), "phone", "17.01.01.2001", 1);
    let mut unknown_doc = RegistrationDoc::create(&unknown);
    let eko_id = eko.user_id.clone();

    // The same request shapes, naming each id; each its own request.
    async fn answers(
        eko: &mut NativeDevice,
        eko_id: &str,
        gen: &mut SampleGenerator,
        id: &str,
        doc: &mut RegistrationDoc,
    ) -> Vec<PushOutcome> {
        let heads = doc.heads();
        let offer = PushItem {
            doc_id: id.into(),
            base: heads.clone(),
            heads: heads.clone(),
            changes: vec![],
            vouched: vec![],
        };
        let mut copy = RegistrationDoc::load(&doc.save()).unwrap();
        copy.edit(|r| r.phone = "081234567890".into()).unwrap();
        let change = PushItem {
            doc_id: id.into(),
            base: heads,
            heads: copy.heads(),
            changes: copy.changes_since(&doc.heads()),
            vouched: vec![],
        };
        let whole = push_item(id, doc, &SyncedState::default());
        let mut own = gen.registration(eko_id, "phone", "17.02.01.2001", 1);
        own.id = id.into();
        let own_whole = push_item(
            id,
            &mut RegistrationDoc::create(&own),
            &SyncedState::default(),
        );
        let mut outcomes = Vec::new();
        for item in [offer, change, whole, own_whole] {
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                push: vec![item],
                pull: None,
            };
            let (status, body) = post_sync(eko, &wire::encode(&request)).await;
            assert_eq!(status, 200);
            let response: SyncResponse = wire::decode(&body, 1 << 20).unwrap();
            outcomes.push(response.results[0].outcome.clone());
        }
        outcomes
    }
    let mut taken_doc = {
        let (doc, _) = siti.replica.docs.get_mut(&taken).unwrap();
        RegistrationDoc::load(&doc.save()).unwrap()
    };
    let existing = answers(&mut eko, &eko_id, &mut gen, &taken, &mut taken_doc).await;
    let fresh = answers(&mut eko, &eko_id, &mut gen, &unknown.id, &mut unknown_doc).await;

    assert_eq!(existing[..3], fresh[..3]);
    assert_eq!(existing[0], PushOutcome::NeedsFullDocument);
    assert_eq!(existing[1], PushOutcome::NeedsFullDocument);
    assert!(matches!(&existing[2], PushOutcome::Rejected(r) if r.code == "forbidden"));
    // What is left: a whole document that would be a fine new registration cannot take
    // the id; it gets the refusal of a registration outside the area.
    assert!(matches!(fresh[3], PushOutcome::Committed { .. }));
    assert_eq!(existing[3], existing[2]);
    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let (_, stored) = kepala
        .api("GET", &format!("/api/registrations/{taken}"), None)
        .await
        .unwrap();
    assert_eq!(stored["registered_by"], json!(siti.user_id), "untouched");
}

#[tokio::test]
async fn malformed_truncated_and_oversized_messages_are_refused_and_change_nothing() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(6).await;
    let registration = gen.registration(
        &siti.user_id.clone(),
        &siti.device_id.clone(),
        "17.01.01.2001",
        1,
    );
    let mut doc = RegistrationDoc::create(&registration);
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        push: vec![push_item(
            &registration.id,
            &mut doc,
            &SyncedState::default(),
        )],
        pull: None,
    };
    let body = wire::encode(&request);

    let (status, answer) = post_sync(&mut siti, b"\x01garbage").await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (400, "bad_sync_message")
    );
    let (status, answer) = post_sync(&mut siti, &body[..body.len() / 2]).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (400, "bad_sync_message")
    );
    let (status, _) = post_sync(&mut siti, &vec![1u8; 9 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    let mut wrong_version = request.clone();
    wrong_version.protocol = 999;
    let (status, _) = post_sync(&mut siti, &wire::encode(&wrong_version)).await;
    assert_eq!(status, 400);
    // A document whose bytes are not Automerge.
    let mut corrupt = request.clone();
    corrupt.push[0].changes = b"not a document".to_vec();
    let (status, answer) = post_sync(&mut siti, &wire::encode(&corrupt)).await;
    assert_eq!(status, 200);
    let answer: SyncResponse = wire::decode(&answer, 1 << 20).unwrap();
    assert!(matches!(&answer.results[0].outcome, PushOutcome::Rejected(r) if r.code == "corrupt"));
    // Changes on top of a document the server does not know.
    let mut unknown = request.clone();
    unknown.push[0].base = vec![[7; 32]];
    let (_, answer) = post_sync(&mut siti, &wire::encode(&unknown)).await;
    let answer: SyncResponse = wire::decode(&answer, 1 << 20).unwrap();
    assert_eq!(answer.results[0].outcome, PushOutcome::NeedsFullDocument);
    assert_eq!(server.registration_count().await, 0, "nothing was stored");

    // The same message, whole, goes through — twice, idempotently.
    for _ in 0..2 {
        let (status, answer) = post_sync(&mut siti, &body).await;
        assert_eq!(status, 200);
        let answer: SyncResponse = wire::decode(&answer, 1 << 20).unwrap();
        assert!(matches!(
            answer.results[0].outcome,
            PushOutcome::Committed { .. }
        ));
    }
    assert_eq!(server.registration_count().await, 1);
}

#[tokio::test]
async fn missing_wrong_and_revoked_tokens_are_refused() {
    let server = spawn_app().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let body = wire::encode(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        push: vec![],
        pull: None,
    });
    let response = siti
        .connection
        .request("POST", "/api/sync", &[], &body)
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    let response = siti
        .connection
        .request(
            "POST",
            "/api/sync",
            &[("authorization", "Bearer not-a-token")],
            &body,
        )
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(error_code(&response.body), error_code(&response.body));

    let mut admin = server.admin_device().await;
    let (status, _) = admin
        .api(
            "POST",
            &format!("/api/admin/devices/{}/revoke", siti.device_id),
            None,
        )
        .await
        .unwrap();
    assert!(status == 200 || status == 204, "revoke answered {status}");
    let (status, _) = post_sync(&mut siti, &body).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_user_created_later_pulls_a_scope_bigger_than_one_page() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(7).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 800).await;
    // Budi's scope version postdates every document; his pull takes several pages.
    let mut budi = server.device("budi", "officer", &["17.01.01"]).await;
    budi.limits.max_pull_bytes = 64 * 1024;
    budi.sync().await.unwrap();
    assert_eq!(budi.replica.docs.len(), 800);
    let before = budi.connection.bytes_down;
    budi.sync().await.unwrap();
    assert!(
        budi.connection.bytes_down - before < 1024,
        "the second pull sends nothing again"
    );
}
