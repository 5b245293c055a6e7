//! The browser app at `/` (`--web-dir`): files with their caching and security headers,
//! the precompressed copies, index.html for the app's own paths, and the API's JSON 404
//! untouched.

use std::path::Path;

use crate::harness::expect_error;
use jemput_server::config::Config;
use jemput_server::startup;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;

const INDEX: &str = "<!doctype html><title>Jemput</title><script type=module src=/boot-0123456789abcdef.js></script>";
const APP_JS: &str = "export default function init() {}";
const BROTLI_JS: &[u8] = b"pretend-brotli-bytes";
const SUPERVISOR_INDEX: &str = "<!doctype html><title>Jemput</title><script type=module src=/pengawas/boot-fedcba9876543210.js></script>";

/// A site as `cargo xtask build-app` writes it, with a server serving it.
async fn spawn_site() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web");
    write(&web, "index.html", INDEX.as_bytes());
    write(
        &web.join("pengawas"),
        "index.html",
        SUPERVISOR_INDEX.as_bytes(),
    );
    write(&web, "app-0123456789abcdef.js", APP_JS.as_bytes());
    write(&web, "app-0123456789abcdef.js.br", BROTLI_JS);
    write(&web, "sw.js", b"self.addEventListener('fetch', () => {});");
    write(&web, "manifest.webmanifest", br#"{"name":"Jemput"}"#);
    let mut config = Config::new("127.0.0.1:0", dir.path().join("data"));
    config.admin_password = Some("web-tests-admin".into());
    config.web_dir = Some(web);
    let (address, _server) = startup::spawn(config).await.unwrap();
    (format!("http://{address}"), dir)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

async fn get(url: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    request.send().await.unwrap()
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

fn assert_is_the_page(headers: &HeaderMap) {
    assert!(header(headers, header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(headers, header::CACHE_CONTROL), "no-cache");
    let csp = header(headers, header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header(headers, header::REFERRER_POLICY), "no-referrer");
}

#[tokio::test]
async fn the_app_page_is_served_at_the_root_with_a_strict_policy_and_revalidated() {
    let (url, _dir) = spawn_site().await;
    let response = get(&format!("{url}/"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_is_the_page(response.headers());
    assert_eq!(response.text().await.unwrap(), INDEX);
}

#[tokio::test]
async fn an_app_path_without_a_file_extension_gets_the_page() {
    let (url, _dir) = spawn_site().await;
    for path in ["/daftar/baru", "/wilayah/17.01.01", "/index.html"] {
        let response = get(&format!("{url}{path}"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_is_the_page(response.headers());
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn the_supervisors_app_has_its_own_page_for_its_whole_subtree() {
    let (url, _dir) = spawn_site().await;
    for path in [
        "/pengawas/",
        "/pengawas/index.html",
        "/pengawas/pendaftaran",
        "/pengawas/pendaftaran/0f6c2a7e-1b2c-4d5e-8f90-123456789abc",
    ] {
        let response = get(&format!("{url}{path}"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_is_the_page(response.headers());
        assert_eq!(response.text().await.unwrap(), SUPERVISOR_INDEX, "{path}");
    }
    // A path that only starts like it is the officer's.
    let response = get(&format!("{url}/pengawasan"), None).await;
    assert_eq!(response.text().await.unwrap(), INDEX);
}

#[tokio::test]
async fn a_missing_file_is_a_404_not_the_page() {
    let (url, _dir) = spawn_site().await;
    let response = get(&format!("{url}/app-fedcba9876543210.js"), None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers().get(header::CACHE_CONTROL).is_none());
    assert_eq!(
        header(response.headers(), header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year() {
    let (url, _dir) = spawn_site().await;
    let response = get(&format!("{url}/app-0123456789abcdef.js"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(
        header(headers, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header(headers, header::CONTENT_TYPE).contains("javascript"));
    assert_eq!(header(headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(response.text().await.unwrap(), APP_JS);
}

#[tokio::test]
async fn a_browser_accepting_brotli_gets_the_precompressed_copy() {
    let (url, _dir) = spawn_site().await;
    let response = get(&format!("{url}/app-0123456789abcdef.js"), Some("gzip, br")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(header(headers, header::CONTENT_ENCODING), "br");
    assert!(header(headers, header::CONTENT_TYPE).contains("javascript"));
    assert!(header(headers, header::VARY).contains("accept-encoding"));
    assert_eq!(
        header(headers, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), BROTLI_JS);
}

#[tokio::test]
async fn the_service_worker_and_the_manifest_are_revalidated() {
    let (url, _dir) = spawn_site().await;
    for path in ["/sw.js", "/manifest.webmanifest"] {
        let response = get(&format!("{url}{path}"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(response.headers(), header::CACHE_CONTROL),
            "no-cache"
        );
    }
}

#[tokio::test]
async fn unknown_api_paths_are_still_a_json_404() {
    let (url, _dir) = spawn_site().await;
    for path in ["/api/nothing-here", "/api/regions/extra/deep", "/api"] {
        let response = get(&format!("{url}{path}"), None).await;
        assert_eq!(
            header(response.headers(), header::CACHE_CONTROL),
            "no-store"
        );
        assert_eq!(
            header(response.headers(), header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // And the API itself answers as before.
    let health = get(&format!("{url}/healthz"), None).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_web_dir_without_an_index_page_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0", dir.path().join("data"));
    config.web_dir = Some(dir.path().join("empty"));
    let error = startup::spawn(config).await.expect_err("refused");
    assert!(format!("{error:#}").contains("index.html"), "{error:#}");
}
