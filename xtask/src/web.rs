//! `cargo xtask build-app`: builds the two browser apps into one static site in
//! `target/web/` that the server serves and a service worker keeps offline.
//!
//! - the officer's app (`app/officer`, crate `jemput-officer`) at `/`: the login page
//!   for everyone and the offline registration screens;
//! - the supervisor's and admin's app (`app/supervisor`, `jemput-supervisor`) under
//!   `/pengawas/` (`jemput_shared::api::SUPERVISOR_HOME`), with its own `index.html`.
//!
//! The steps, for each app: compile it for `wasm32-unknown-unknown` on its own (profile
//! `wasm-release`, or `dev` with `--dev`; on its own so that the supervisor's build keeps
//! `jemput-shared` without Automerge), generate the JS glue with wasm-bindgen (as a
//! library, pinned to the apps' wasm-bindgen version), shrink the wasm with `wasm-opt -Oz`
//! (npm's `binaryen`, installed into `target/tools/`) — the officer's wasm split first
//! into the login's first module and a lazily loaded chunk ([`crate::web_split`]) —
//! then write every file under a content-hashed name so browsers may cache it forever.
//! Then the few fixed-name files (`index.html` of each app, `sw.js`,
//! `manifest.webmanifest`, `build.json`), and a `.br` and a `.gz` copy of each.
//!
//! The pages have no inline script (the server sends a strict Content-Security-Policy): a
//! small hashed `boot-….js` loads the glue, starts the wasm with its hashed URL, and
//! registers the service worker. The worker precaches the officer's app (it must open
//! with no network) and keeps the supervisor's files once they were fetched.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::web_split::split_wasm;
use crate::{cargo, status, workspace_root};

/// binaryen's wasm-opt from npm. Debian's binaryen (108) miscompiles the app; this one
/// is known to produce a working module.
const BINARYEN: &str = "binaryen@132";
const THEME_COLOR: &str = "#0f766e";

/// One browser app of the site.
struct App {
    /// The crate, also the stem of its JS and wasm files.
    package: &'static str,
    /// Where it is served: "" for the site's root, else a folder.
    dir: String,
    /// Its stylesheet: `style/app.css`, then (`all_styles`) every other `style/*.css`.
    all_styles: bool,
    /// Split into a first module and lazily loaded chunks at the app's `#[lazy]`
    /// functions (see [`split_wasm`]).
    split: bool,
}

fn officer() -> App {
    App {
        package: "jemput-officer",
        dir: String::new(),
        all_styles: false,
        split: true,
    }
}

fn supervisor() -> App {
    App {
        package: "jemput-supervisor",
        dir: jemput_shared::api::SUPERVISOR_HOME
            .trim_matches('/')
            .to_owned(),
        all_styles: true,
        split: false,
    }
}

/// What an app's files were written as.
struct Written {
    /// Every file of the app (its index.html included), as site paths (`/…`).
    files: Vec<String>,
    /// The wasm's name in the site.
    wasm: String,
}

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
    let apps = [officer(), supervisor()];
    // One cargo run per app: built together, the supervisor's would share the officer's
    // features of `jemput-shared` (Automerge and the sync core).
    for app in &apps {
        let mut build = cargo();
        build.args([
            "rustc",
            "-p",
            app.package,
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            profile,
        ]);
        if app.split {
            // The splitter reads the linker's relocations; only the final link needs
            // them (given to the app's crate alone, the dependencies stay as built).
            build.args(["--", "-Clink-args=--emit-relocs"]);
        }
        status(&mut build)?;
    }

    let out = web_dir();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let mut site = Site::new(&out);
    let icon_svg = site.add_hashed("", "icon", "svg", icon_svg().into_bytes())?;
    let icon_192 = site.add_hashed("", "icon-192", "png", icon_png(192)?)?;
    let icon_512 = site.add_hashed("", "icon-512", "png", icon_png(512)?)?;
    site.add(
        "manifest.webmanifest",
        manifest(&icon_svg, &icon_192, &icon_512),
    )?;
    let icons = Icons {
        svg: icon_svg,
        png_192: icon_192,
    };
    let officer = write_app(&mut site, &apps[0], &icons, dev, profile)?;
    let supervisor = write_app(&mut site, &apps[1], &icons, dev, profile)?;

    // The version names the service worker's cache: it changes with any file of either app.
    let version = hex(&Sha256::digest(site.fingerprint()))[..16].to_owned();
    // The officer's app and what both share are precached; the supervisor's are not.
    let shell: Vec<String> = site
        .files
        .keys()
        .map(|name| format!("/{name}"))
        .filter(|path| !supervisor.files.contains(path))
        .collect();
    site.add(
        "sw.js",
        service_worker(&version, &shell, &apps[1].dir, &supervisor.files).into_bytes(),
    )?;
    let build_info = serde_json::json!({
        "version": version,
        "profile": profile,
        "shell": shell,
        "supervisor": supervisor.files,
        "assets": site.files.iter().map(|(name, size)| (name.clone(), serde_json::json!(size))).collect::<serde_json::Map<_, _>>(),
    });
    site.add("build.json", serde_json::to_vec_pretty(&build_info)?)?;

    let brotli_total = site.precompress()?;
    let over_the_wire = |paths: &mut dyn Iterator<Item = &String>| -> u64 {
        paths
            .map(|path| site.brotli_sizes.get(&path[1..]).copied().unwrap_or(0))
            .sum()
    };
    let sw = "/sw.js".to_owned();
    let shell_brotli = over_the_wire(&mut shell.iter().chain(std::iter::once(&sw)));
    let supervisor_brotli = over_the_wire(&mut supervisor.files.iter());
    println!(
        "Built the apps into {} (version {version}), over the wire with brotli: officer's \
         app shell {} (wasm {}); supervisor's app {} (wasm {}); all files {}",
        out.display(),
        kib(shell_brotli),
        kib(site.brotli_sizes[&officer.wasm]),
        kib(supervisor_brotli),
        kib(site.brotli_sizes[&supervisor.wasm]),
        kib(brotli_total),
    );
    Ok(())
}

/// The site's icons, linked from every page.
struct Icons {
    svg: String,
    png_192: String,
}

/// Generates `app`'s glue, shrinks its wasm and writes its files into `site` under
/// `app.dir`: glue, wasm, any snippets, stylesheet, boot script and `index.html`.
fn write_app(
    site: &mut Site,
    app: &App,
    icons: &Icons,
    dev: bool,
    profile: &str,
) -> anyhow::Result<Written> {
    let name = app.package;
    let profile_dir = if dev { "debug" } else { profile };
    let wasm_in = workspace_root()
        .join("target/wasm32-unknown-unknown")
        .join(profile_dir)
        .join(format!("{name}.wasm"));
    let work = workspace_root().join("target/web-build").join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let split = if app.split {
        Some(split_wasm(&wasm_in, &work.join("split"))?)
    } else {
        None
    };
    let bindgen_in = split.as_ref().map_or(wasm_in.clone(), |s| s.main.clone());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&bindgen_in)
        .out_name(name)
        .web(true)?
        // As a library it defaults to true; keep `init()` able to find the wasm itself.
        .omit_default_module_path(false)
        .typescript(false)
        .debug(dev)
        // The chunks link against the first module's own exports, by their names.
        .keep_lld_exports(split.is_some())
        .demangle(split.is_none())
        .generate(&work)
        .with_context(|| format!("wasm-bindgen on {}", bindgen_in.display()))?;
    let glue_wasm = work.join(format!("{name}_bg.wasm"));
    if !dev {
        optimize_wasm(&glue_wasm)?;
        for chunk in split.iter().flat_map(|s| &s.chunks) {
            optimize_wasm(chunk)?;
        }
    }

    let before: Vec<String> = site.files.keys().cloned().collect();
    let dir = &app.dir;
    let wasm = site.add_hashed(
        dir,
        &format!("{name}_bg"),
        "wasm",
        std::fs::read(&glue_wasm)?,
    )?;
    // The glue's default wasm URL, made to point at the hashed file as well.
    let wasm_file = wasm.rsplit('/').next().unwrap_or(&wasm);
    let mut glue = std::fs::read_to_string(work.join(format!("{name}.js")))?
        .replace(&format!("'{name}_bg.wasm'"), &format!("'{wasm_file}'"));
    let mut loader = None;
    if let Some(split) = &split {
        let (with_loader, waiting) = split.add_chunks(site, dir, &glue, &wasm)?;
        glue = with_loader;
        loader = Some(waiting);
    }
    let js = site.add_hashed(dir, name, "js", glue.into_bytes())?;
    if let Some(loader) = loader {
        loader.add(site, &js)?;
    }
    if work.join("snippets").is_dir() {
        site.copy_tree(&work.join("snippets"), &in_dir(dir, "snippets"))?;
    }
    let css = site.add_hashed(dir, "app", "css", stylesheet(app.all_styles)?)?;
    let boot = site.add_hashed(dir, "boot", "js", boot_js(&js, &wasm).into_bytes())?;
    site.add(
        &in_dir(dir, "index.html"),
        index_html(&boot, &js, &wasm, &css, &icons.svg, &icons.png_192).into_bytes(),
    )?;
    let files = site
        .files
        .keys()
        .filter(|name| !before.contains(name))
        .map(|name| format!("/{name}"))
        .collect();
    Ok(Written { files, wasm })
}

/// `name` inside `dir` ("" is the site's root).
pub(crate) fn in_dir(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An app's one stylesheet: `style/app.css` (the officer's screens and everything both
/// apps share), then for the supervisor's app (`all`) the other `style/*.css` files (one
/// per group of screens, e.g. `supervisor.css`) in name order.
fn stylesheet(all: bool) -> anyhow::Result<Vec<u8>> {
    let mut css = std::fs::read(app_css()?)?;
    if !all {
        return Ok(css);
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("style"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "css")
                && path.file_name().is_some_and(|n| n != "app.css")
        })
        .collect();
    others.sort();
    for path in others {
        css.push(b'\n');
        css.extend(std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?);
    }
    Ok(css)
}

/// The app's main stylesheet (`style/app.css`); a minimal one is created when missing.
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
pub(crate) struct Site {
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

    /// Writes `dir/stem-<hash>.ext` and returns that name.
    pub(crate) fn add_hashed(
        &mut self,
        dir: &str,
        stem: &str,
        ext: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<String> {
        let hash = hex(&Sha256::digest(&bytes));
        let name = in_dir(dir, &format!("{stem}-{}.{ext}", &hash[..16]));
        self.add(&name, bytes)?;
        Ok(name)
    }

    pub(crate) fn add(&mut self, name: &str, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
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

/// The worker: precaches `shell` (the officer's app must open with no network) under a
/// cache named after the build, and keeps the supervisor's app (`supervisor_dir`, its
/// `files`) in the same cache once fetched; every page of an app is that app's
/// `index.html` of this build. Offline, a supervisor's page not kept yet is a short
/// notice. Keeps `GET /api/regions` (stale-while-revalidate) and no other API answer.
fn service_worker(
    version: &str,
    shell: &[String],
    supervisor_dir: &str,
    supervisor_files: &[String],
) -> String {
    let shell = serde_json::to_string(shell).expect("strings serialise");
    let supervisor = serde_json::to_string(supervisor_files).expect("strings serialise");
    let offline_page = serde_json::to_string(&offline_page()).expect("strings serialise");
    let verify_page = jemput_shared::receipt::VERIFY_PAGE;
    format!(
        r#"// Jemput's service worker, generated by `cargo xtask build-app`. Keeps the officer's app
// (this build's files) in a cache named after the build, so the app opens with no
// network; the supervisor's app in the same cache once it was opened; and the region
// list for the address pickers.
const VERSION = "{version}";
const SHELL_CACHE = "jemput-shell-" + VERSION;
const API_CACHE = "jemput-api";
const SHELL = {shell};
const SHELL_PATHS = new Set(SHELL);
// The supervisor's app: kept once fetched, not precached (an officer's phone never needs it).
const SUPERVISOR_DIR = "/{supervisor_dir}";
const SUPERVISOR_INDEX = SUPERVISOR_DIR + "/index.html";
const SUPERVISOR_PATHS = new Set({supervisor});
const OFFLINE_PAGE = {offline_page};
// A receipt's verification is the server's own page, never an app's.
const VERIFY_PAGE = "{verify_page}";

// A hashed file never changes: the copy the page just fetched into the HTTP cache is
// this build's, and taking it spares a phone the shell's bytes a second time. The
// fixed names (index.html, the manifest) are revalidated.
const HASHED = /-[0-9a-f]{{16}}\.[a-z0-9]+$/;

self.addEventListener("install", (event) => {{
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) =>
      cache.addAll(SHELL.map((path) => new Request(path, {{ cache: HASHED.test(path) ? "default" : "no-cache" }})))),
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
  if (url.pathname.startsWith(VERIFY_PAGE)) return;
  if (request.mode === "navigate" && !/\.[a-z0-9]*[a-z][a-z0-9]*$/i.test(url.pathname)) {{
    // Every page of an app (a path without a file extension, as the server decides) is
    // that app's index.html of this build, so that it always matches the cached files;
    // a new build arrives as a waiting worker.
    const supervisor = url.pathname === SUPERVISOR_DIR || url.pathname.startsWith(SUPERVISOR_DIR + "/");
    event.respondWith(supervisor ? supervisorPage() : fromShell("/index.html"));
  }} else if (SHELL_PATHS.has(url.pathname) || SUPERVISOR_PATHS.has(url.pathname)) {{
    event.respondWith(fromShell(url.pathname));
  }}
}});

// This build's copy of `path`, fetched and kept the first time it is asked for.
async function fromShell(path) {{
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(path);
  if (cached) return cached;
  const response = await fetch(path);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}}

// The supervisor's app, or without network and not kept yet, a page that says so.
async function supervisorPage() {{
  try {{
    return await fromShell(SUPERVISOR_INDEX);
  }} catch (error) {{
    return new Response(OFFLINE_PAGE, {{
      status: 503,
      headers: {{ "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }},
    }});
  }}
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

/// What the worker answers for a supervisor's page it has not kept, with no network:
/// plain HTML in both languages (no script, no style: nothing the page's policy forbids).
fn offline_page() -> String {
    r#"<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Jemput</title></head>
<body>
<h1>Jemput</h1>
<p data-testid="offline">Tidak ada koneksi internet. Layar pengawas memerlukan koneksi; buka lagi setelah tersambung.</p>
<p lang="en">No internet connection. The supervisor's screens need one; open them again once connected.</p>
<p><a href="/">Jemput</a></p>
</body>
</html>
"#
    .to_owned()
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
