//! Splitting the officer's wasm at its `#[lazy]` functions (Leptos's code splitting, with
//! `wasm_split_cli_support`, the splitter `cargo leptos --split` uses), so that a first
//! visit downloads only what the login form needs and the rest — Automerge, the local
//! database, the sync engine, the screens — comes as chunks, fetched when first called
//! (or by the service worker, which precaches them for offline starts).
//!
//! The steps around wasm-bindgen: the app is linked with `--emit-relocs`; the splitter
//! turns that wasm into a first module (then given to wasm-bindgen as usual, keeping
//! the linker's exports the chunks link against) plus one wasm per chunk and a small
//! loader module (`__wasm_split.js`) that the first module imports and that imports the
//! glue back. Both JS files name each other, so the loader's name is derived from the
//! wasm files it loads rather than from its own text.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::web::{hex, in_dir, Site};

/// How the first module imports the loader, as the splitter writes it.
const LINK_NAME: &str = "./__wasm_split.js";
/// Where the loader imports the glue from; replaced by the glue's hashed name.
const GLUE_PLACEHOLDER: &str = "./__jemput_glue__.js";

/// An app's wasm after splitting, before wasm-bindgen.
pub struct Split {
    /// The first module, for wasm-bindgen.
    pub main: PathBuf,
    /// The lazily loaded chunks (optimised in place like the first module).
    pub chunks: Vec<PathBuf>,
    /// The loader module's text (chunk URLs relative to it, the glue as a placeholder).
    loader: String,
}

/// Splits `wasm_in` into `work`.
pub fn split_wasm(wasm_in: &Path, work: &Path) -> anyhow::Result<Split> {
    let input = std::fs::read(wasm_in).with_context(|| format!("reading {}", wasm_in.display()))?;
    std::fs::create_dir_all(work)?;
    let main = work.join("main.wasm");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = work;
    options.main_out_path = &main;
    options.link_name = LINK_NAME;
    options.main_module = GLUE_PLACEHOLDER;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|error| anyhow::anyhow!("splitting {}: {error:?}", wasm_in.display()))?;
    let loader = std::fs::read_to_string(work.join(LINK_NAME))?;
    Ok(Split {
        main,
        chunks: split.split_modules,
        loader,
    })
}

impl Split {
    /// Writes the chunks into `site` under `dir` with hashed names and returns `glue`
    /// importing the loader under its final name; [`Split::add_loader`] writes the
    /// loader once the glue's own name is known.
    pub fn add_chunks(
        &self,
        site: &mut Site,
        dir: &str,
        glue: &str,
        first_wasm: &str,
    ) -> anyhow::Result<(String, Loader)> {
        let mut loader = self.loader.clone();
        let mut names = first_wasm.to_owned();
        for chunk in &self.chunks {
            let stem = chunk
                .file_stem()
                .and_then(|s| s.to_str())
                .context("a chunk without a name")?;
            let hashed = site.add_hashed(dir, stem, "wasm", std::fs::read(chunk)?)?;
            let file = hashed.rsplit('/').next().unwrap_or(&hashed);
            loader = loader.replace(&format!("\"./{stem}.wasm\""), &format!("\"./{file}\""));
            names.push_str(&hashed);
        }
        let name = in_dir(
            dir,
            &format!("__wasm_split-{}.js", &hex(&Sha256::digest(names))[..16]),
        );
        let file = name.rsplit('/').next().unwrap_or(&name).to_owned();
        // Only the import statement: the imports object keeps the module's own name.
        let glue = glue
            .replace(&format!("from '{LINK_NAME}'"), &format!("from './{file}'"))
            .replace(
                &format!("from \"{LINK_NAME}\""),
                &format!("from \"./{file}\""),
            );
        Ok((glue, Loader { name, text: loader }))
    }
}

/// The loader module, waiting for the glue's name.
pub struct Loader {
    name: String,
    text: String,
}

impl Loader {
    /// Writes the loader into `site`, importing the glue `js` (a site path).
    pub fn add(self, site: &mut Site, js: &str) -> anyhow::Result<()> {
        let glue_file = js.rsplit('/').next().unwrap_or(js);
        let text = self
            .text
            .replace(GLUE_PLACEHOLDER, &format!("./{glue_file}"));
        site.add(&self.name, text.into_bytes())
    }
}
