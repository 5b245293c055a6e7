//! The server also runs inside the test process (`startup::spawn`), for tests that want
//! no child process.

use crate::harness::{expect_json, in_process_config, ADMIN_PASSWORD};
use jemput_server::startup;
use reqwest::StatusCode;

/// The first admin signs in to the server at `address`; the JSON answer (200 asserted).
async fn admin_login(client: &reqwest::Client, address: std::net::SocketAddr) -> serde_json::Value {
    let login = client
        .post(format!("http://{address}/api/auth/login"))
        .json(&serde_json::json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    expect_json(login, StatusCode::OK).await
}

#[tokio::test]
async fn an_in_process_server_answers_on_the_port_it_reports() {
    let (config, _data) = in_process_config();
    let (address, server) = startup::spawn(config).await.unwrap();
    assert_ne!(address.port(), 0);

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    expect_json(health, StatusCode::OK).await;
    admin_login(&client, address).await;
    server.abort();
}

#[tokio::test]
async fn a_shutdown_finishes_the_requests_in_flight_and_ends_event_streams() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (config, _data) = in_process_config();
    let app = startup::Application::build(config).await.unwrap();
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let token = admin_login(&client, address).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut events = client
        .get(format!("http://{address}/api/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    // A login whose body is still on its way when the shutdown begins.
    let body = br#"{"username":"admin","password":"wrong-password"}"#;
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!server.is_finished(), "a request was still in flight");
    slow.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let guard = std::time::Duration::from_secs(30);
    while let Some(_chunk) = tokio::time::timeout(guard, events.chunk())
        .await
        .expect("the event stream ends")
        .unwrap()
    {}
    tokio::time::timeout(guard, server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}
