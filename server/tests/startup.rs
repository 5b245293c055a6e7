//! The server also runs inside the test process (`startup::spawn`), for tests that want
//! no child process.

mod support;

use jemput_server::config::Config;
use jemput_server::startup;
use reqwest::StatusCode;
use support::expect_json;

#[tokio::test]
async fn an_in_process_server_answers_on_the_port_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let database = support::backend::TestDatabase::create();
    let mut config = Config::new("127.0.0.1:0", dir.path().join("data"));
    config.database = database.url().map(str::to_owned);
    config.admin_password = Some("in-process-admin".into());
    let (address, server) = startup::spawn(config).await.unwrap();
    assert_ne!(address.port(), 0);

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    expect_json(health, StatusCode::OK).await;
    let login = client
        .post(format!("http://{address}/api/auth/login"))
        .json(&serde_json::json!({ "username": "admin", "password": "in-process-admin" }))
        .send()
        .await
        .unwrap();
    expect_json(login, StatusCode::OK).await;
    server.abort();
}
