//! The duplicates queue (`GET /api/duplicates`, `POST /api/duplicates/resolve`): groups
//! of counted registrations sharing a NIK, per scope; "same person" writes `duplicate_of`
//! into the documents (the officer's phone gets it on its next pull, merged with its own
//! edits) and drops them from the counts; "different people" closes a group until a new
//! registration joins it; bad requests change nothing.

use std::time::Duration;

use crate::harness::events::Events;
use crate::harness::supervision::import_regions;
use crate::harness::supervision::{
    edit, now_ms, overview, read, register_one, spawn_app_with_regions, DAY_MS,
};
use crate::harness::{api_ok, spawn_app, spawn_app_with_args};
use jemput_shared::sample::SampleGenerator;
use serde_json::{json, Value};

const NIK: &str = "1701014506990001";

async fn queue(device: &mut jemput_server::client::NativeDevice) -> Value {
    api_ok(device, "GET", "/api/duplicates", None).await
}

fn member_ids(group: &Value) -> Vec<String> {
    group["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that `group` holds exactly the registrations `ids`, in any order.
#[track_caller]
fn assert_members(group: &Value, ids: &[&str]) {
    let mut shown = member_ids(group);
    shown.sort();
    let mut expected: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(shown, expected);
}

#[tokio::test]
async fn same_person_marks_the_others_in_their_documents_and_the_counts_drop() {
    let (server, mut admin) = spawn_app_with_regions().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut andi = server.device("andi", "officer", &["17.71.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut gen = SampleGenerator::new(51);
    let now = now_ms();
    let a = register_one(
        &mut siti,
        &mut gen,
        "17.01.01.2001",
        now - 2 * DAY_MS,
        Some(NIK),
    );
    let b = register_one(
        &mut siti,
        &mut gen,
        "17.01.01.2001",
        now - DAY_MS,
        Some(NIK),
    );
    let c = register_one(&mut andi, &mut gen, "17.71.01.1001", now, Some(NIK));
    register_one(&mut siti, &mut gen, "17.01.01.2001", now, None);
    siti.sync().await.unwrap();
    andi.sync().await.unwrap();

    // The admin sees all three; the 17.01 supervisor the two in 17.01, as table rows.
    let all = queue(&mut admin).await;
    assert_eq!(all["total"], 1);
    assert_eq!(
        all["groups"][0]["registrations"].as_array().unwrap().len(),
        3
    );
    let mine = queue(&mut budi).await;
    assert_eq!(mine["total"], 1);
    let group = &mine["groups"][0];
    assert_eq!(group["nik"], NIK);
    assert_eq!(
        member_ids(group),
        [a.id.clone(), b.id.clone()],
        "oldest first"
    );
    let row = &group["registrations"][0];
    assert_eq!(row["regency_name"], "Kabupaten Bengkulu Selatan");
    assert_eq!(row["village_name"], "Batu Ampar");
    assert_eq!(row["officer_name"], "siti");
    assert_eq!(row["full_name"], json!(a.full_name));
    assert_eq!(row["duplicate_of"], json!(null));
    assert!(row["programmes"].is_array());
    assert_eq!(overview(&mut budi).await["total"], 3);

    // Meanwhile the officer edits the second record offline.
    edit(&mut siti, &b.id, |r| {
        r.address.hamlet = "Dusun Tujuh".into()
    });

    let body = api_ok(
        &mut budi,
        "POST",
        "/api/duplicates/resolve",
        Some(json!({"nik": NIK, "verdict": "same_person", "keep": a.id})),
    )
    .await;
    assert_eq!(body["duplicates"], json!([b.id]));

    let (_, stored) = budi
        .api("GET", &format!("/api/registrations/{}", b.id), None)
        .await
        .unwrap();
    assert_eq!(stored["duplicate_of"], json!(a.id));
    let shown = overview(&mut budi).await;
    assert_eq!(shown["total"], 2);
    assert_eq!(shown["duplicate_groups"], 0);
    assert_eq!(queue(&mut budi).await["total"], 0);
    // For the admin, the 17.71 record still shares the NIK with the one kept.
    let all = queue(&mut admin).await;
    assert_eq!(all["total"], 1);
    assert_members(&all["groups"][0], &[&a.id, &c.id]);

    // The officer's phone gets the mark on its next sync, merged with its own edit.
    siti.sync().await.unwrap();
    assert_eq!(siti.pending(), 0);
    let merged = read(&mut siti, &b.id);
    assert_eq!(merged.duplicate_of.as_deref(), Some(a.id.as_str()));
    assert_eq!(merged.address.hamlet, "Dusun Tujuh");
    assert_eq!(read(&mut siti, &a.id).duplicate_of, None);

    // The history names the supervisor who marked it.
    let (_, history) = budi
        .api("GET", &format!("/api/registrations/{}/history", b.id), None)
        .await
        .unwrap();
    let marked = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fields"] == json!(["duplicate_of"]))
        .expect("a change of duplicate_of");
    assert_eq!(marked["author_id"], json!(budi.user_id));
}

#[tokio::test]
async fn different_people_closes_the_group_until_a_new_registration_joins() {
    let server = spawn_app().await;
    let mut admin = server.admin_device().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut gen = SampleGenerator::new(52);
    let now = now_ms();
    for _ in 0..2 {
        register_one(&mut siti, &mut gen, "17.01.01.2001", now, Some(NIK));
    }
    siti.sync().await.unwrap();
    assert_eq!(overview(&mut budi).await["duplicate_groups"], 1);

    api_ok(
        &mut budi,
        "POST",
        "/api/duplicates/resolve",
        Some(json!({"nik": NIK, "verdict": "different_people"})),
    )
    .await;
    assert_eq!(queue(&mut budi).await["total"], 0);
    assert_eq!(queue(&mut admin).await["total"], 0);
    let shown = overview(&mut budi).await;
    assert_eq!(shown["duplicate_groups"], 0);
    assert_eq!(shown["total"], 2, "different people both count");
    // Closed: resolving it again finds nothing.
    let (status, _) = budi
        .api(
            "POST",
            "/api/duplicates/resolve",
            Some(json!({"nik": NIK, "verdict": "different_people"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 404);

    let newcomer = register_one(&mut siti, &mut gen, "17.01.01.2001", now + 1, Some(NIK));
    siti.sync().await.unwrap();
    let reopened = queue(&mut budi).await;
    assert_eq!(reopened["total"], 1);
    assert_eq!(
        reopened["groups"][0]["registrations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(member_ids(&reopened["groups"][0]).contains(&newcomer.id));
    assert_eq!(overview(&mut budi).await["duplicate_groups"], 1);
}

#[tokio::test]
async fn a_resolution_is_announced_on_the_live_feed() {
    let server = spawn_app().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    // Listening before the officer's sync: on PostgreSQL its notice travels through
    // LISTEN/NOTIFY and may arrive after a stream opened later, so it is read first here
    // rather than mistaken for the resolution's.
    let mut stream = Events::open(&server.address, budi.token()).await;
    let mut gen = SampleGenerator::new(53);
    let a = register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), Some(NIK));
    register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), Some(NIK));
    siti.sync().await.unwrap();
    let synced = stream
        .wait_for("registrations", Duration::from_secs(10))
        .await;
    assert_eq!(synced["count"], 2, "the officer's one commit of both");

    api_ok(
        &mut budi,
        "POST",
        "/api/duplicates/resolve",
        Some(json!({"nik": NIK, "verdict": "same_person", "keep": a.id})),
    )
    .await;
    let notice = stream
        .wait_for("registrations", Duration::from_secs(10))
        .await;
    assert_eq!(notice["count"], 1);
    assert!(notice["seq"].as_u64() > synced["seq"].as_u64());
}

#[tokio::test]
async fn bad_requests_and_other_scopes_change_nothing() {
    let server = spawn_app().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.71"]).await;
    let mut gen = SampleGenerator::new(54);
    let a = register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), Some(NIK));
    let b = register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), Some(NIK));
    let other = register_one(&mut siti, &mut gen, "17.01.01.2001", now_ms(), None);
    siti.sync().await.unwrap();
    let resolve = "/api/duplicates/resolve";

    let same = json!({"nik": NIK, "verdict": "same_person", "keep": a.id});
    let (status, _) = siti.api("POST", resolve, Some(same.clone())).await.unwrap();
    assert_eq!(status, 403, "an officer cannot resolve");
    let (status, _) = rudi.api("POST", resolve, Some(same.clone())).await.unwrap();
    assert_eq!(
        status, 404,
        "another regency's group is not in 17.71's queue"
    );
    assert_eq!(queue(&mut rudi).await["total"], 0);

    for (bad, expected) in [
        (json!({"nik": NIK, "verdict": "maybe"}), 400),
        (json!({"nik": NIK, "verdict": "same_person"}), 400),
        (
            json!({"nik": NIK, "verdict": "same_person", "keep": other.id}),
            400,
        ),
        (
            json!({"nik": NIK, "verdict": "same_person", "keep": "no-such-id"}),
            400,
        ),
        (
            json!({"nik": NIK, "verdict": "different_people", "keep": a.id}),
            400,
        ),
        (
            json!({"nik": NIK, "verdict": "different_people", "extra": 1}),
            400,
        ),
        (json!({"verdict": "different_people"}), 400),
        (
            json!({"nik": "9999999999999999", "verdict": "different_people"}),
            404,
        ),
        (json!({"nik": "", "verdict": "different_people"}), 404),
    ] {
        let (status, body) = budi.api("POST", resolve, Some(bad.clone())).await.unwrap();
        assert_eq!(status, expected, "{bad} → {body}");
        assert!(body["error"]["message_id"].is_string(), "{body}");
    }
    for bad in ["page=0", "per_page=0", "per_page=101", "page=x"] {
        let (status, body) = budi
            .api("GET", &format!("/api/duplicates?{bad}"), None)
            .await
            .unwrap();
        assert_eq!(status, 400, "{bad} → {body}");
    }
    let (status, body) = budi
        .api("GET", "/api/duplicates?page=2&per_page=1", None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["groups"], json!([]));

    let still = queue(&mut budi).await;
    assert_eq!(still["total"], 1);
    assert_members(&still["groups"][0], &[&a.id, &b.id]);
    for id in [&a.id, &b.id] {
        let (_, stored) = budi
            .api("GET", &format!("/api/registrations/{id}"), None)
            .await
            .unwrap();
        assert_eq!(stored["duplicate_of"], json!(null));
    }
}

/// Polls the queue as `device` until `check` holds (the likely pairs come from a
/// background sweep); panics after 30 s.
async fn queue_until(
    device: &mut jemput_server::client::NativeDevice,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let shown = queue(device).await;
        if check(&shown) {
            return shown;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the queue never became what was expected: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn likely_duplicates_beyond_an_identical_nik_are_proposed_with_their_reason() {
    let server = spawn_app_with_args(&["--likely-duplicates-every", "100ms"]).await;
    let mut admin = server.admin_device().await;
    import_regions(&server).await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut andi = server.device("andi", "officer", &["17.71.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut gen = SampleGenerator::new(77);
    let now = now_ms();
    let person = |device: &mut jemput_server::client::NativeDevice,
                  gen: &mut SampleGenerator,
                  village: &str,
                  nik: &str,
                  name: &str| {
        let mut registration = gen.registration(
            &device.user_id.clone(),
            &device.device_id.clone(),
            village,
            now,
        );
        registration.nik = nik.to_owned();
        registration.full_name = name.to_owned();
        registration.birth_date = "1999-06-05".to_owned();
        device.create(&registration);
        registration
    };
    // One digit off, same name (spelt differently) and birth date: a likely pair.
    let a = person(&mut siti, &mut gen, "17.01.01.2001", NIK, "Rina Marlina");
    let b = person(
        &mut siti,
        &mut gen,
        "17.01.01.2001",
        "1701014506990002",
        "RINA  marlina",
    );
    // Two digits swapped, across two regencies: only the admin sees that pair.
    let c = person(
        &mut andi,
        &mut gen,
        "17.71.01.1001",
        "1701014506990010",
        "Rina Marlina",
    );
    // The same NIK with another name: a NIK group that says the names differ.
    let d = person(
        &mut andi,
        &mut gen,
        "17.71.01.1001",
        "1771010101800001",
        "Joko",
    );
    let e = person(
        &mut andi,
        &mut gen,
        "17.71.01.1001",
        "1771010101800001",
        "Budi",
    );
    siti.sync().await.unwrap();
    andi.sync().await.unwrap();

    let pairs_of = |shown: &Value| -> Vec<(String, Vec<String>)> {
        shown["likely"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let mut ids = member_ids(pair);
                ids.sort();
                (pair["likeness"].as_str().unwrap().to_owned(), ids)
            })
            .collect()
    };
    let sorted = |x: &str, y: &str| {
        let mut ids = vec![x.to_owned(), y.to_owned()];
        ids.sort();
        ids
    };
    // a–b one digit off; a–c two neighbours swapped; b–c two places apart and in
    // other villages: nothing.
    let all = queue_until(&mut admin, |q| q["likely_total"] == 2).await;
    let mut found = pairs_of(&all);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("nik_digits_swapped".to_owned(), sorted(&a.id, &c.id)),
            ("nik_one_digit_off".to_owned(), sorted(&a.id, &b.id)),
        ]
    );
    // The NIK group of d and e says the names differ.
    let group = all["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["nik"] == "1771010101800001")
        .expect("the shared NIK is a group");
    assert_eq!(group["likeness"], "same_nik_other_name");
    assert_members(group, &[&d.id, &e.id]);

    // The 17.01 supervisor sees only the pair whose both registrations are in 17.01.
    let mine = queue(&mut budi).await;
    assert_eq!(
        pairs_of(&mine),
        vec![("nik_one_digit_off".to_owned(), sorted(&a.id, &b.id))]
    );
    assert_eq!(mine["total"], 0);
}
