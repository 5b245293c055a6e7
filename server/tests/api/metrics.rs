//! `GET /metrics` (docs/metrics.md): absent unless configured, behind its token on the
//! main address or open on a separate one, what a scrape holds after real syncs and a
//! failed login — and no personal data in it. And `--log-format json`.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::harness::{register_and_sync, serve_refused, spawn_app, spawn_app_with_args, TestApp};
use jemput_shared::sample::SampleGenerator;

const TOKEN: &str = "scrape-token-for-the-tests";

/// One line of the text format: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a scrape; panics on a line that is neither a comment nor a sample.
fn parse(scrape: &str) -> Vec<Sample> {
    scrape
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample: {line}"));
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a value: {line}"));
            let (name, labels) = match series.split_once('{') {
                None => (series, BTreeMap::new()),
                Some((name, rest)) => {
                    let inner = rest
                        .strip_suffix('}')
                        .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                    let labels = inner
                        .split(',')
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (key, value) = pair
                                .split_once('=')
                                .unwrap_or_else(|| panic!("not a label: {line}"));
                            let value = value
                                .strip_prefix('"')
                                .and_then(|v| v.strip_suffix('"'))
                                .unwrap_or_else(|| panic!("unquoted label: {line}"));
                            (key.to_owned(), value.to_owned())
                        })
                        .collect();
                    (name, labels)
                }
            };
            Sample {
                name: name.to_owned(),
                labels,
                value,
            }
        })
        .collect()
}

/// The value of the sample `name` with exactly `labels`.
#[track_caller]
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == labels)
        .unwrap_or_else(|| panic!("no {name}{labels:?} in the scrape: {samples:#?}"))
        .value
}

async fn scrape(server: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = server.client.get(server.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

#[tokio::test]
async fn without_configuration_there_is_no_metrics_path() {
    let server = spawn_app().await;
    let response = scrape(&server, Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_scrape_needs_the_token_and_tells_nothing_without_it() {
    let server = spawn_app_with_args(&["--metrics-token", TOKEN]).await;
    for token in [None, Some("scrape-token-for-the-test"), Some("")] {
        let response = scrape(&server, token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(response.text().await.unwrap(), "", "{token:?}");
    }
    let response = scrape(&server, Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
}

#[tokio::test]
async fn a_short_token_is_refused_at_start() {
    let output = serve_refused(&[], &[("JEMPUT_METRICS_TOKEN", "short")]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 16 characters"), "{stderr}");
    assert!(!stderr.contains("short"), "the token echoed: {stderr}");
}

#[tokio::test]
async fn a_scrape_counts_syncs_commits_logins_and_devices_without_personal_data() {
    let server = spawn_app_with_args(&["--metrics-token", TOKEN]).await;
    let mut gen = SampleGenerator::new(7);
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let registered = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 12).await;
    // The device's next sync pulls nothing new: a second ok.
    siti.sync().await.expect("a second sync");
    let refused = server.try_login("siti", "not-her-password").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let response = scrape(&server, Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let samples = parse(&text);

    assert!(value(&samples, "jemput_documents_committed_total", &[]) >= 12.0);
    assert!(value(&samples, "jemput_sync_requests_total", &[("outcome", "ok")]) >= 2.0);
    assert_eq!(
        value(
            &samples,
            "jemput_sync_requests_total",
            &[("outcome", "error")]
        ),
        0.0
    );
    assert!(value(&samples, "jemput_commit_duration_seconds_count", &[]) > 0.0);
    assert!(value(&samples, "jemput_merge_duration_seconds_count", &[]) > 0.0);
    assert!(
        value(
            &samples,
            "jemput_commit_duration_seconds_bucket",
            &[("le", "+Inf")]
        ) > 0.0
    );
    assert_eq!(
        value(
            &samples,
            "jemput_login_failures_total",
            &[("reason", "wrong_password")]
        ),
        1.0
    );
    assert_eq!(value(&samples, "jemput_merges_waiting", &[]), 0.0);
    // This scrape's own connection at least.
    assert!(value(&samples, "jemput_open_connections", &[]) >= 1.0);
    assert_eq!(value(&samples, "jemput_exports_running", &[]), 0.0);
    assert!(value(&samples, "jemput_database_size_bytes", &[]) > 0.0);
    // Siti's phone synced just now: in the shortest bucket and every longer one.
    for within in ["1h", "1d", "7d", "30d"] {
        assert_eq!(
            value(
                &samples,
                "jemput_devices_by_last_sync",
                &[("within", within)]
            ),
            1.0,
            "{within}"
        );
    }
    assert_eq!(
        value(
            &samples,
            "jemput_devices_by_last_sync",
            &[("within", "never")]
        ),
        0.0
    );

    for registration in &registered {
        let personal = [
            &registration.nik,
            &registration.full_name,
            &registration.phone,
        ];
        for data in personal.into_iter().filter(|d| !d.is_empty()) {
            assert!(!text.contains(data.as_str()), "{data} in the scrape");
        }
    }
    assert!(!text.contains("siti"), "a username in the scrape");
}

#[tokio::test]
async fn a_metrics_address_of_its_own_needs_no_token_and_serves_nothing_else() {
    let server = spawn_app_with_args(&["--metrics-addr", "127.0.0.1:0"]).await;
    let metrics = server
        .startup_output
        .iter()
        .find_map(|line| line.strip_prefix("jemput-server metrics on "))
        .unwrap_or_else(|| panic!("no metrics address in {:?}", server.startup_output))
        .to_owned();
    let response = server.client.get(&metrics).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let samples = parse(&response.text().await.unwrap());
    assert!(value(&samples, "jemput_database_size_bytes", &[]) > 0.0);

    let elsewhere = metrics.replace("/metrics", "/healthz");
    let response = server.client.get(&elsewhere).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The main address has no /metrics: it was not given a token.
    assert_eq!(scrape(&server, None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let server = spawn_app_with_args(&["--log-format", "json"]).await;
    let refused = server.try_login("nobody-here", "a-wrong-password").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{log}");
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["level"].is_string(), "{line}");
        assert!(event["fields"].is_object(), "{line}");
    }
    assert!(
        log.contains("login failed: wrong username or password"),
        "{log}"
    );
}
