//! The region list import: the three CSV files (regencies, districts, villages, as
//! published in ../shared/data/regions) are read in the browser and sent together; the
//! server checks them and replaces the list, and the app reloads its copy.

use jemput_app_common::api::ApiFailure;
use jemput_app_common::i18n::l;
use jemput_shared::api::users::{ImportRegions, ImportSummary};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use super::Admin;
use crate::api;
use crate::components::{Note, NoteView};

/// The three files: (input name, Indonesian, English).
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

#[component]
pub(super) fn RegionImport(admin: Admin) -> impl IntoView {
    let lang = admin.lang();
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<Note>);
    let inputs: [NodeRef<Input>; 3] = [NodeRef::new(), NodeRef::new(), NodeRef::new()];
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let files = inputs.map(|input| {
            input
                .get_untracked()
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
        });
        busy.set(true);
        note.set(None);
        spawn_local(async move {
            let result = import(admin, files).await;
            busy.set(false);
            note.set(Some(
                result.unwrap_or_else(|failure| Note::failed(&failure)),
            ));
        });
    };
    view! {
        <form class="card admin-form" data-testid="regions-import" on:submit=submit>
            <h2>{move || l(lang.get(), "Impor daftar wilayah", "Import the region list")}</h2>
            <p class="hint">
                {move || l(
                    lang.get(),
                    "Tiga berkas CSV resmi Kemendagri. Daftar lama diganti seluruhnya.",
                    "The three official Kemendagri CSV files. They replace the whole list.",
                )}
            </p>
            {FILES.into_iter().zip(inputs).map(|((name, id, en), input)| view! {
                <label class="field">
                    <span>{move || l(lang.get(), id, en)}</span>
                    <input type="file" name=name accept=".csv,text/csv" required node_ref=input/>
                </label>
            }).collect_view()}
            <button type="submit" class="primary" name="import_regions" disabled=move || busy.get()>
                {move || l(lang.get(), "Impor", "Import")}
            </button>
        </form>
        <NoteView note=note lang=lang testid="regions-note" />
    }
}

async fn import(admin: Admin, files: [Option<File>; 3]) -> Result<Note, ApiFailure> {
    let [Some(regencies), Some(districts), Some(villages)] = files else {
        return Err(ApiFailure::local(
            "Pilih ketiga berkas CSV.",
            "Choose all three CSV files.",
        ));
    };
    let body = ImportRegions {
        regencies_csv: read_text(&regencies).await?,
        districts_csv: read_text(&districts).await?,
        villages_csv: read_text(&villages).await?,
    };
    let shell = admin.supervision.shell;
    let summary: ImportSummary =
        api::send(shell, "POST", "/api/admin/regions/import", &body).await?;
    admin.reload_regions().await;
    let ImportSummary {
        regencies,
        districts,
        villages,
    } = summary;
    Ok(Note::done(
        format!(
            "Daftar wilayah diimpor: {regencies} kabupaten/kota, {districts} kecamatan, {villages} desa/kelurahan."
        ),
        format!("Region list imported: {regencies} regencies, {districts} districts, {villages} villages."),
    ))
}

async fn read_text(file: &File) -> Result<String, ApiFailure> {
    JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| {
            ApiFailure::local("Berkas tidak dapat dibaca.", "The file could not be read.")
        })
}
