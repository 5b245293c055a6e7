//! `cargo xtask build-app`: builds the Leptos app into a static site in `target/web/` that
//! the server serves at `/` and a service worker keeps offline.
//!
//! The steps: compile `jemput-app` for `wasm32-unknown-unknown` (profile `wasm-release`,
//! or `dev` with `--dev`), generate the JS glue with wasm-bindgen (as a library, pinned to
//! the app's wasm-bindgen version), shrink the wasm with `wasm-opt -Oz` (npm's `binaryen`,
//! installed into `target/tools/`), then write every file under a content-hashed name so
//! browsers may cache it forever, the few fixed-name files (`index.html`, `sw.js`,
//! `manifest.webmanifest`, `build.json`), and a `.br` and a `.gz` copy of each.
//!
//! The page has no inline script (the server sends a strict Content-Security-Policy): a
//! small hashed `boot-….js` loads the glue, starts the wasm with its hashed URL, and
//! registers the service worker.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::{cargo, status, workspace_root};

/// binaryen's wasm-opt from npm. Debian's binaryen (108) miscompiles the app; this one
/// is known to produce a working module.
const BINARYEN: &str = "binaryen@132";
const APP_NAME: &str = "jemput-app";
const THEME_COLOR: &str = "#0f766e";

/// Where the site is written.
pub fn web_dir() -> PathBuf {
    workspace_root().join("target/web")
}

pub fn build_app(args: &[String]) -> anyhow::Result<()> {
    let mut dev = false;
    for arg in args {
        match arg.as_str() {
            "--dev" => dev = true,
            other => bail!("unknown option {other}"),
        }
    }
    build(dev)
}

/// Builds the site into [`web_dir`]; `dev` skips the size optimisations (faster build).
pub fn build(dev: bool) -> anyhow::Result<()> {
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    let profile = if dev { "dev" } else { "wasm-release" };
    status(cargo().args([
        "build",
        "-p",
        APP_NAME,
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]))?;
    let profile_dir = if dev { "debug" } else { profile };
    let wasm_in = workspace_root()
        .join("target/wasm32-unknown-unknown")
        .join(profile_dir)
        .join("jemput-app.wasm");

    let work = workspace_root().join("target/web-build");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm_in)
        .out_name(APP_NAME)
        .web(true)?
        // As a library it defaults to true; keep `init()` able to find the wasm itself.
        .omit_default_module_path(false)
        .typescript(false)
        .debug(dev)
        .generate(&work)
        .with_context(|| format!("wasm-bindgen on {}", wasm_in.display()))?;
    let glue_wasm = work.join(format!("{APP_NAME}_bg.wasm"));
    if !dev {
        optimize_wasm(&glue_wasm)?;
    }

    let out = web_dir();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let mut site = Site::new(&out);

    let wasm = site.add_hashed(
        &format!("{APP_NAME}_bg"),
        "wasm",
        std::fs::read(&glue_wasm)?,
    )?;
    // The glue's default wasm URL, made to point at the hashed file as well.
    let glue = std::fs::read_to_string(work.join(format!("{APP_NAME}.js")))?
        .replace(&format!("'{APP_NAME}_bg.wasm'"), &format!("'{wasm}'"));
    let js = site.add_hashed(APP_NAME, "js", glue.into_bytes())?;
    if work.join("snippets").is_dir() {
        site.copy_tree(&work.join("snippets"), "snippets")?;
    }
    let css = site.add_hashed("app", "css", stylesheet()?)?;
    let icon_svg = site.add_hashed("icon", "svg", icon_svg().into_bytes())?;
    let icon_192 = site.add_hashed("icon-192", "png", icon_png(192)?)?;
    let icon_512 = site.add_hashed("icon-512", "png", icon_png(512)?)?;
    let boot = site.add_hashed("boot", "js", boot_js(&js, &wasm).into_bytes())?;
    site.add(
        "manifest.webmanifest",
        manifest(&icon_svg, &icon_192, &icon_512),
    )?;
    site.add(
        "index.html",
        index_html(&boot, &js, &wasm, &css, &icon_svg, &icon_192).into_bytes(),
    )?;

    // The version names the service worker's cache: it changes with any shell file.
    let version = hex(&Sha256::digest(site.fingerprint()))[..16].to_owned();
    let shell: Vec<String> = site.files.keys().map(|name| format!("/{name}")).collect();
    site.add("sw.js", service_worker(&version, &shell).into_bytes())?;
    let build_info = serde_json::json!({
        "version": version,
        "profile": profile,
        "shell": shell,
        "assets": site.files.iter().map(|(name, size)| (name.clone(), serde_json::json!(size))).collect::<serde_json::Map<_, _>>(),
    });
    site.add("build.json", serde_json::to_vec_pretty(&build_info)?)?;

    let brotli_total = site.precompress()?;
    let shell_brotli: u64 = shell
        .iter()
        .chain(std::iter::once(&"/sw.js".to_owned()))
        .map(|path| site.brotli_sizes.get(&path[1..]).copied().unwrap_or(0))
        .sum();
    println!(
        "Built the app into {} (version {version}): app shell {} over the wire with brotli \
         (wasm {}, all files {})",
        out.display(),
        kib(shell_brotli),
        kib(site.brotli_sizes[&wasm]),
        kib(brotli_total),
    );
    Ok(())
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The one stylesheet the page loads: `style/app.css` followed by the other `style/*.css`
/// files (one per group of screens, e.g. `admin.css`) in name order.
fn stylesheet() -> anyhow::Result<Vec<u8>> {
    let mut css = std::fs::read(app_css()?)?;
    let mut others: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("style"))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "css")
                && path.file_name().is_some_and(|name| name != "app.css")
        })
        .collect();
    others.sort();
    for path in others {
        css.push(b'\n');
        css.extend(std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?);
    }
    Ok(css)
}

/// The app's stylesheet (`style/app.css`); a minimal one is created when missing.
fn app_css() -> anyhow::Result<PathBuf> {
    let path = workspace_root().join("style/app.css");
    if !path.exists() {
        eprintln!(
            "xtask: {} was missing; created a minimal one",
            path.display()
        );
        std::fs::write(
            &path,
            "/* Jemput's styles (the officer-app issue fills this in). */\n\
             :root { color-scheme: light; font-family: system-ui, sans-serif; }\n\
             body { margin: 0; }\n",
        )?;
    }
    Ok(path)
}

/// Runs `wasm-opt -Oz` on `wasm` in place, installing npm's binaryen first when needed.
/// Without npm the build goes on unoptimised, with a warning.
fn optimize_wasm(wasm: &Path) -> anyhow::Result<()> {
    let tools = workspace_root().join("target/tools");
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        let npm = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&tools)
            .arg(BINARYEN)
            .status();
        match npm {
            Ok(s) if s.success() => {}
            Ok(s) => bail!("npm install {BINARYEN} failed with {s}"),
            Err(error) => {
                eprintln!("xtask: warning: npm is not available ({error}); the wasm is not optimised with wasm-opt");
                return Ok(());
            }
        }
    }
    let optimized = wasm.with_extension("opt.wasm");
    // No `--all-features`: wasm-opt would then use proposals no browser ships yet (it
    // wrote "compact imports" that Chromium refuses); by default it keeps to the
    // features the module itself declares.
    status(
        Command::new(&wasm_opt)
            .arg(wasm)
            .args(["-Oz", "-o"])
            .arg(&optimized),
    )?;
    std::fs::rename(&optimized, wasm)?;
    Ok(())
}

/// The files written so far (name → size), for the shell list and the precompression.
struct Site {
    dir: PathBuf,
    files: BTreeMap<String, u64>,
    brotli_sizes: BTreeMap<String, u64>,
    hashes: Vec<u8>,
}

impl Site {
    fn new(dir: &Path) -> Site {
        Site {
            dir: dir.to_owned(),
            files: BTreeMap::new(),
            brotli_sizes: BTreeMap::new(),
            hashes: Vec::new(),
        }
    }

    /// Writes `stem-<hash>.ext` and returns that name.
    fn add_hashed(&mut self, stem: &str, ext: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
        let hash = hex(&Sha256::digest(&bytes));
        let name = format!("{stem}-{}.{ext}", &hash[..16]);
        self.add(&name, bytes)?;
        Ok(name)
    }

    fn add(&mut self, name: &str, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
        let bytes = bytes.as_ref();
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        self.hashes.extend_from_slice(name.as_bytes());
        self.hashes.extend_from_slice(&Sha256::digest(bytes));
        self.files.insert(name.to_owned(), bytes.len() as u64);
        Ok(())
    }

    fn copy_tree(&mut self, from: &Path, prefix: &str) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            if entry.file_type()?.is_dir() {
                self.copy_tree(&entry.path(), &name)?;
            } else {
                self.add(&name, std::fs::read(entry.path())?)?;
            }
        }
        Ok(())
    }

    fn fingerprint(&self) -> &[u8] {
        &self.hashes
    }

    /// Writes `name.br` (brotli, quality 11) and `name.gz` beside every file that they
    /// make smaller; returns the bytes of all files as sent to a brotli-capable browser.
    fn precompress(&mut self) -> anyhow::Result<u64> {
        let mut total = 0;
        for name in self.files.keys() {
            let path = self.dir.join(name);
            let bytes = std::fs::read(&path)?;
            let mut br = Vec::new();
            {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 22,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut bytes.as_slice(), &mut br, &params)?;
            }
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&bytes)?;
            let gz = gz.finish()?;
            // Already-compressed files (PNG) gain nothing: served as they are.
            let sent = if br.len() < bytes.len() * 9 / 10 {
                std::fs::write(append_ext(&path, "br"), &br)?;
                std::fs::write(append_ext(&path, "gz"), &gz)?;
                br.len()
            } else {
                bytes.len()
            };
            self.brotli_sizes.insert(name.clone(), sent as u64);
            total += sent as u64;
        }
        Ok(total)
    }
}

fn append_ext(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    name.into()
}

fn index_html(
    boot: &str,
    js: &str,
    wasm: &str,
    css: &str,
    icon_svg: &str,
    icon_192: &str,
) -> String {
    format!(
        r#"<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="{THEME_COLOR}">
<meta name="description" content="Jemput: pendaftaran pencari kerja dan peserta pelatihan di lapangan, juga tanpa sinyal.">
<title>Jemput</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/{icon_svg}" type="image/svg+xml">
<link rel="apple-touch-icon" href="/{icon_192}">
<link rel="stylesheet" href="/{css}">
<link rel="modulepreload" href="/{js}">
<link rel="preload" href="/{wasm}" as="fetch" type="application/wasm" crossorigin>
<script type="module" src="/{boot}"></script>
</head>
<body>
<noscript>Jemput memerlukan JavaScript. Aktifkan JavaScript di pengaturan peramban Anda, lalu muat ulang halaman ini.</noscript>
</body>
</html>
"#
    )
}

/// Starts the app, then registers the service worker. An update is never applied by
/// itself: the app is told one is waiting (`jemput:update-waiting` on `window`, and
/// `window.jemputUpdateWaiting`), shows it, and when nothing is being saved posts
/// `{type: "SKIP_WAITING"}` to `registration.waiting`; the page reloads once the new
/// worker has taken over.
fn boot_js(js: &str, wasm: &str) -> String {
    format!(
        r#"import init from "/{js}";

await init({{ module_or_path: "/{wasm}" }});
document.documentElement.dataset.jemputReady = "1";

if ("serviceWorker" in navigator) {{
  // The first worker taking control (first visit) changes nothing; a later one is a
  // new build whose files the page should use.
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {{
    if (controlled) location.reload();
    controlled = true;
  }});
  const announce = (registration) => {{
    if (registration.waiting && navigator.serviceWorker.controller) {{
      window.jemputUpdateWaiting = registration.waiting;
      window.dispatchEvent(new CustomEvent("jemput:update-waiting", {{ detail: registration }}));
    }}
  }};
  navigator.serviceWorker.register("/sw.js", {{ scope: "/", updateViaCache: "none" }}).then((registration) => {{
    announce(registration);
    registration.addEventListener("updatefound", () => {{
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {{
        if (worker.state === "installed") announce(registration);
      }});
    }});
  }}, (error) => console.warn("service worker not registered", error));
}}
"#
    )
}

fn service_worker(version: &str, shell: &[String]) -> String {
    let shell = serde_json::to_string(shell).expect("strings serialise");
    format!(
        r#"// Jemput's service worker, generated by `cargo xtask build-app`. Keeps the app shell
// (this build's files) in a cache named after the build, so the app opens with no
// network, and the region list for the address pickers.
const VERSION = "{version}";
const SHELL_CACHE = "jemput-shell-" + VERSION;
const API_CACHE = "jemput-api";
const SHELL = {shell};
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {{
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) =>
      cache.addAll(SHELL.map((path) => new Request(path, {{ cache: "reload" }})))),
  );
  // No skipWaiting here: the page asks for it when nothing is mid-save.
}});

self.addEventListener("activate", (event) => {{
  event.waitUntil((async () => {{
    for (const name of await caches.keys()) {{
      if (name.startsWith("jemput-shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }}
    await self.clients.claim();
  }})());
}});

self.addEventListener("message", (event) => {{
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
}});

self.addEventListener("fetch", (event) => {{
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {{
    if (url.pathname === "/api/regions") event.respondWith(staleWhileRevalidate(event));
    return; // everything else of the API goes to the network, never cached
  }}
  if (request.mode === "navigate" && !/\.[a-z0-9]*[a-z][a-z0-9]*$/i.test(url.pathname)) {{
    // Every page of the app (a path without a file extension, as the server decides)
    // is index.html: the one of this build, so that it always
    // matches the cached files; a new build arrives as a waiting worker.
    event.respondWith(fromShell("/index.html", request));
  }} else if (SHELL_PATHS.has(url.pathname)) {{
    event.respondWith(fromShell(url.pathname, request));
  }}
}});

async function fromShell(path, request) {{
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(path);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && request.mode !== "navigate") cache.put(path, response.clone());
  return response;
}}

// The region list: answer at once from the cache, refresh it in the background.
async function staleWhileRevalidate(event) {{
  const cache = await caches.open(API_CACHE);
  const cached = await cache.match(event.request);
  const network = fetch(event.request).then((response) => {{
    if (response.ok) return cache.put(event.request, response.clone()).then(() => response);
    return response;
  }});
  if (cached) {{
    event.waitUntil(network.catch(() => {{}}));
    return cached;
  }}
  return network;
}}
"#
    )
}

fn manifest(icon_svg: &str, icon_192: &str, icon_512: &str) -> Vec<u8> {
    let manifest = serde_json::json!({
        "name": "Jemput",
        "short_name": "Jemput",
        "description": "Pendaftaran pencari kerja dan peserta pelatihan di lapangan, juga tanpa sinyal.",
        "lang": "id",
        "dir": "ltr",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": format!("/{icon_192}"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": format!("/{icon_512}"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": format!("/{icon_512}"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": format!("/{icon_svg}"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    });
    serde_json::to_vec_pretty(&manifest).expect("json")
}

/// A white ring (a "pick-up" point) on the theme colour; drawn the same in the PNGs.
fn icon_svg() -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="{THEME_COLOR}"/><circle cx="256" cy="256" r="118" fill="none" stroke="#fff" stroke-width="56"/><circle cx="256" cy="256" r="34" fill="#fff"/></svg>"##
    )
}

/// The same picture as [`icon_svg`], full-bleed so it also works as a maskable icon (the
/// mark stays well inside the safe zone).
fn icon_png(size: u32) -> anyhow::Result<Vec<u8>> {
    let (bg, fg) = ([0x0f, 0x76, 0x6e], [0xff, 0xff, 0xff]);
    let scale = size as f64 / 512.0;
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for y in 0..size {
        for x in 0..size {
            // 4×4 supersampling for smooth edges.
            let mut cover = 0.0;
            for sy in 0..4 {
                for sx in 0..4 {
                    let px = (x as f64 + (sx as f64 + 0.5) / 4.0) / scale - 256.0;
                    let py = (y as f64 + (sy as f64 + 0.5) / 4.0) / scale - 256.0;
                    let r = (px * px + py * py).sqrt();
                    if (r - 118.0).abs() <= 28.0 || r <= 34.0 {
                        cover += 1.0 / 16.0;
                    }
                }
            }
            for c in 0..3 {
                let v = bg[c] as f64 * (1.0 - cover) + fg[c] as f64 * cover;
                pixels.push(v.round() as u8);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, size, size);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}
