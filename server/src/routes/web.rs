//! The browser app at `/`: the static site `cargo xtask build-app` writes (`target/web/`).
//!
//! Files are served from the directory, the `.br` or `.gz` copy when the browser accepts
//! it. Any other page path (no file extension) gets its app's `index.html`, so the apps'
//! own routes survive a reload: the supervisor's app (`pengawas/index.html`) for paths
//! under `jemput_shared::api::SUPERVISOR_HOME`, the officer's (`index.html`) for the
//! rest; `/api/…` paths never do and keep the API's JSON 404.
//!
//! Caching: a file whose name carries a content hash (`app-0123456789abcdef.css`) never
//! changes, so browsers keep it for a year; `index.html`, `sw.js` and the manifest name
//! the current build and are revalidated on every use (`no-cache`). The service worker
//! keeps the app usable offline, not HTTP caching.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use jemput_shared::api::SUPERVISOR_HOME;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

use crate::routes::{is_api_path, not_found};

/// Scripts only from the site itself (no inline script), WebAssembly compilation allowed,
/// requests only to this server.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The site built by `cargo xtask build-app` in this source tree, when there is one: the
/// default for `--web-dir`, so a server run from a checkout serves its app.
pub fn default_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/web");
    dir.join("index.html").is_file().then_some(dir)
}

/// Serves the site in `dir`; meant as the server's fallback, behind the API routes.
pub fn router(dir: &Path) -> Router {
    let page = |index: PathBuf| {
        ServeFile::new(index)
            .precompressed_br()
            .precompressed_gzip()
    };
    let officer = page(dir.join("index.html"));
    let supervisor_dir = SUPERVISOR_HOME.trim_matches('/');
    let supervisor = page(dir.join(supervisor_dir).join("index.html"));
    let spa_fallback = tower::service_fn(move |request: Request| {
        let index = if in_subtree(request.uri().path(), supervisor_dir) {
            supervisor.clone()
        } else {
            officer.clone()
        };
        async move {
            let page = matches!(*request.method(), Method::GET | Method::HEAD)
                && !has_extension(request.uri().path());
            let response = if page {
                index.oneshot(request).await?.map(Body::new)
            } else {
                not_found().await.into_response()
            };
            Ok::<_, Infallible>(response)
        }
    });
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .fallback(spa_fallback);
    Router::new()
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .fallback_service(files)
        .layer(middleware::from_fn(headers))
}

async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    // `nosniff` is on every answer (startup::security_headers).
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    let ok = response.status().is_success() || response.status().is_redirection();
    if ok && !is_api_path(&path) {
        let cache = if is_hashed(&path) {
            IMMUTABLE
        } else {
            "no-cache"
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        // The same path may be sent as brotli, gzip or plain.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `/dir` itself or a path below it.
fn in_subtree(path: &str, dir: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(dir))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// `app.css` has one; `17.01` (a region code in an app path) does not: an extension has
/// a letter.
fn has_extension(path: &str) -> bool {
    file_name(path).rsplit_once('.').is_some_and(|(_, ext)| {
        ext.len() <= 12
            && ext.bytes().all(|b| b.is_ascii_alphanumeric())
            && ext.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// `name-<at least 8 hex digits>.ext`, as `cargo xtask build-app` names what it hashes.
fn is_hashed(path: &str) -> bool {
    let name = file_name(path);
    let Some((stem, _ext)) = name.split_once('.') else {
        return false;
    };
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed("/jemput-app-48e0c942b43854a0.js"));
        assert!(is_hashed("/jemput-app_bg-358ddac61e3fde7d.wasm"));
        assert!(is_hashed("/icon-192-1988e0f7d2ceb137.png"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/sw.js"));
        assert!(!is_hashed("/manifest.webmanifest"));
        assert!(!is_hashed("/icon-192.png"));
        assert!(!is_hashed("/registrations/abc-0123456789"));
    }

    #[test]
    fn the_supervisors_subtree_is_its_folder_and_below() {
        assert!(in_subtree("/pengawas", "pengawas"));
        assert!(in_subtree("/pengawas/pendaftaran/abc", "pengawas"));
        assert!(!in_subtree("/pengawasan", "pengawas"));
        assert!(!in_subtree("/daftar/pengawas", "pengawas"));
    }

    #[test]
    fn page_paths_have_no_extension() {
        assert!(!has_extension("/"));
        assert!(!has_extension("/daftar/17.01"));
        assert!(has_extension("/missing-0123abcd.js"));
    }
}
