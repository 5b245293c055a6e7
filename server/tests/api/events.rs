//! `GET /api/events`: supervisors hear of the commits in their scope as server-sent
//! events, counted in their scope; officers and strangers are turned away; a stream ends
//! with its session. (Across instances: `two_instances.rs`.)

use std::time::Duration;

use crate::harness::events::Events;
use crate::harness::{
    api_ok, in_process_config, password_of, register, register_and_sync, spawn_app, ADMIN_PASSWORD,
};
use jemput_server::client::NativeDevice;
use jemput_server::config::HttpConfig;
use jemput_server::startup;
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

#[tokio::test]
async fn a_supervisor_hears_of_each_commit_and_an_officer_is_refused() {
    let server = spawn_app().await;
    let client = reqwest::Client::new();
    let events = format!("{}/api/events", server.address);

    let anonymous = client.get(&events).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let officer = client
        .get(&events)
        .bearer_auth(siti.token())
        .send()
        .await
        .unwrap();
    assert_eq!(officer.status(), 403);

    let kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let mut stream = Events::open(&server.address, kepala.token()).await;

    register(&mut siti, &mut SampleGenerator::new(5), "17.01.01.2001", 3);
    siti.sync().await.unwrap();
    let (event, notice) = stream.next().await.expect("the stream stays open");
    assert_eq!(event, "registrations");
    assert_eq!(notice["count"], 3);
    assert!(notice["seq"].as_u64().unwrap() >= 3);
}

#[tokio::test]
async fn a_supervisor_hears_only_of_commits_in_their_regencies() {
    let server = spawn_app().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut budi = server.device("budi", "officer", &["17.71.01"]).await;
    let kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let lurah = server.device("lurah", "supervisor", &["17.71"]).await;
    let admin = server.admin_device().await;
    let mut kepala_hears = Events::open(&server.address, kepala.token()).await;
    let mut lurah_hears = Events::open(&server.address, lurah.token()).await;
    let mut admin_hears = Events::open(&server.address, admin.token()).await;

    let mut gen = SampleGenerator::new(11);
    register_and_sync(&mut budi, &mut gen, "17.71.01.1001", 2).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 3).await;

    let (_, first) = kepala_hears.next().await.unwrap();
    assert_eq!(
        first["count"], 3,
        "Kota Bengkulu's commit is not 17.01's business"
    );
    let (_, first) = lurah_hears.next().await.unwrap();
    assert_eq!(first["count"], 2);
    let (_, first) = admin_hears.next().await.unwrap();
    let (_, second) = admin_hears.next().await.unwrap();
    assert_eq!((&first["count"], &second["count"]), (&json!(2), &json!(3)));
}

#[tokio::test]
async fn a_stream_ends_when_its_device_is_signed_out() {
    let server = spawn_app().await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let mut stream = Events::open(&server.address, kepala.token()).await;

    let (status, body) = server
        .admin_device()
        .await
        .api(
            "POST",
            &format!("/api/admin/devices/{}/revoke", kepala.device_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    register(&mut siti, &mut SampleGenerator::new(7), "17.01.01.2001", 1);
    siti.sync().await.unwrap();
    assert_eq!(
        stream.next().await,
        None,
        "a signed-out device hears nothing more"
    );
}

#[tokio::test]
async fn a_stream_ends_when_its_user_is_disabled_even_if_nothing_happens() {
    let (mut config, _data) = in_process_config();
    config.http = HttpConfig {
        stream_session_check: Duration::from_millis(200),
        ..HttpConfig::default()
    };
    let (address, _server) = startup::spawn(config).await.unwrap();
    let url = format!("http://{address}");

    let mut admin = NativeDevice::login(&url, "admin", ADMIN_PASSWORD)
        .await
        .unwrap();
    let (status, created) = admin
        .api(
            "POST",
            "/api/admin/users",
            Some(
                json!({"username": "kepala", "password": password_of("kepala"), "role": "supervisor",
                        "regions": ["17.01"]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{created}");
    let kepala = NativeDevice::login(&url, "kepala", &password_of("kepala"))
        .await
        .unwrap();
    let mut stream = Events::open(&url, kepala.token()).await;

    api_ok(
        &mut admin,
        "PATCH",
        &format!("/api/admin/users/{}", kepala.user_id),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(stream.next().await, None, "the stream ends on its own");
}
