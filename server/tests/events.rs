//! `GET /api/events`: supervisors hear of every commit as a server-sent event; officers
//! and strangers are turned away. (Across instances: `two_instances.rs`.)

mod common;

use std::time::Duration;

use common::{register, ServerProcess};
use jemput_shared::sample::SampleGenerator;

#[tokio::test]
async fn a_supervisor_hears_of_each_commit_and_an_officer_is_refused() {
    let server = ServerProcess::start();
    let client = reqwest::Client::new();
    let events = format!("{}/api/events", server.url);

    let anonymous = client.get(&events).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let mut siti = server.user("siti", "officer", &["17.01.01"]).await;
    let officer = client
        .get(&events)
        .bearer_auth(siti.token())
        .send()
        .await
        .unwrap();
    assert_eq!(officer.status(), 403);

    let kepala = server.user("kepala", "supervisor", &["17.01"]).await;
    let mut stream = client
        .get(&events)
        .bearer_auth(kepala.token())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );

    register(&mut siti, &mut SampleGenerator::new(5), "17.01.01.2001", 3);
    siti.sync().await.unwrap();
    let mut received = String::new();
    let notice = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let chunk = stream
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            received.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(at) = received.find("event: registrations\ndata: ") {
                let data = &received[at + "event: registrations\ndata: ".len()..];
                if let Some(end) = data.find('\n') {
                    return serde_json::from_str::<serde_json::Value>(&data[..end]).unwrap();
                }
            }
        }
    })
    .await
    .expect("a notice within 10 s");
    assert_eq!(notice["count"], 3);
    assert!(notice["seq"].as_u64().unwrap() >= 3);
}
