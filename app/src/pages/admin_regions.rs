//! The region list import: the three CSV files (regencies, districts, villages, as
//! published in ../shared/data/regions) are read in the browser and sent together; the
//! server checks them and replaces the list, and the app reloads its copy. Drawn as HTML
//! text and dispatched from the admin page (see `admin.rs` for why).

use std::fmt::Write as _;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use crate::admin_api;
use crate::api::ApiFailure;
use crate::i18n::{l, Lang};
use crate::pages::admin::{field, report, Admin, Note, Submitted};

const FILES: [(&str, &str, &str); 3] = [
    (
        "regencies",
        "Kabupaten/kota (regencies.csv)",
        "Regencies (regencies.csv)",
    ),
    (
        "districts",
        "Kecamatan (districts.csv)",
        "Districts (districts.csv)",
    ),
    (
        "villages",
        "Desa/kelurahan (villages.csv)",
        "Villages (villages.csv)",
    ),
];

pub fn form_html(lang: Lang, busy: bool) -> String {
    let mut html = format!(
        "<form class=\"card admin-form\" data-form=\"regions\" data-testid=\"regions-import\"><h2>{}</h2>\
         <p class=\"hint\">{}</p>",
        l(lang, "Impor daftar wilayah", "Import the region list"),
        l(
            lang,
            "Tiga berkas CSV resmi Kemendagri. Daftar lama diganti seluruhnya.",
            "The three official Kemendagri CSV files. They replace the whole list.",
        ),
    );
    for (name, id, en) in FILES {
        field(
            &mut html,
            l(lang, id, en),
            &format!("<input type=\"file\" name=\"{name}\" accept=\".csv,text/csv\" required>"),
        );
    }
    let _ = write!(
        html,
        "<button type=\"submit\" class=\"primary\" name=\"import_regions\"{}>{}</button></form>",
        if busy { " disabled" } else { "" },
        l(lang, "Impor", "Import"),
    );
    html
}

pub fn submit(admin: Admin, form: Submitted) {
    if admin.busy.get_untracked() {
        return;
    }
    let files = FILES.map(|(name, ..)| form.file(name));
    admin.busy.set(true);
    admin.regions_note.set(None);
    spawn_local(async move {
        let result = import(admin, files).await;
        admin.busy.set(false);
        report(admin.regions_note, result);
    });
}

async fn import(admin: Admin, files: [Option<File>; 3]) -> Result<Note, ApiFailure> {
    let [Some(regencies), Some(districts), Some(villages)] = files else {
        return Err(problem(
            "Pilih ketiga berkas CSV.",
            "Choose all three CSV files.",
        ));
    };
    let summary = admin_api::import_regions(
        &admin.token(),
        read_text(&regencies).await?,
        read_text(&districts).await?,
        read_text(&villages).await?,
    )
    .await?;
    admin.reload_regions().await;
    Ok(Note::done(
        format!(
            "Daftar wilayah diimpor: {} kabupaten/kota, {} kecamatan, {} desa/kelurahan.",
            summary.regencies, summary.districts, summary.villages
        ),
        format!(
            "Region list imported: {} regencies, {} districts, {} villages.",
            summary.regencies, summary.districts, summary.villages
        ),
    ))
}

async fn read_text(file: &File) -> Result<String, ApiFailure> {
    JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| problem("Berkas tidak dapat dibaca.", "The file could not be read."))
}

fn problem(id: &str, en: &str) -> ApiFailure {
    ApiFailure::Server {
        status: 400,
        message_id: id.into(),
        message_en: en.into(),
    }
}
