//! The region list import: the three CSV files (regencies, districts, villages, as
//! published in ../shared/data/regions) are read in the browser and sent together; the
//! server checks them and replaces the list, and the app reloads its copy.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use crate::admin_api;
use crate::api::ApiFailure;
use crate::i18n::l;
use crate::pages::admin::{load_regions, note_line, report, token, Note, Submitted};
use crate::state::{use_state, AppState};

const FILES: [(&str, &str, &str); 3] = [
    ("regencies", "Kabupaten/kota (regencies.csv)", "Regencies (regencies.csv)"),
    ("districts", "Kecamatan (districts.csv)", "Districts (districts.csv)"),
    ("villages", "Desa/kelurahan (villages.csv)", "Villages (villages.csv)"),
];

#[component]
pub fn RegionImport() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let note = RwSignal::new(None::<Note>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        let Some(form) = Submitted::read(&ev) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let files = FILES.map(|(name, ..)| form.file(name));
        busy.set(true);
        note.set(None);
        spawn_local(async move {
            let result = import(state, files).await;
            busy.set(false);
            report(note, result);
        });
    };
    view! {
        <form class="card admin-form" data-testid="regions-import" on:submit=submit>
            {move || {
                let lang = lang.get();
                view! {
                    <h2>{l(lang, "Impor daftar wilayah", "Import the region list")}</h2>
                    <p class="hint">
                        {l(
                            lang,
                            "Tiga berkas CSV resmi Kemendagri. Daftar lama diganti seluruhnya.",
                            "The three official Kemendagri CSV files. They replace the whole list.",
                        )}
                    </p>
                    {FILES
                        .iter()
                        .map(|(name, id, en)| {
                            view! {
                                <label class="field">
                                    <span>{l(lang, *id, *en)}</span>
                                    <input type="file" name=*name accept=".csv,text/csv" required />
                                </label>
                            }
                        })
                        .collect_view()}
                }
            }}
            <button type="submit" class="primary" name="import_regions" disabled=move || busy.get()>
                {move || l(lang.get(), "Impor", "Import")}
            </button>
            {move || note_line(lang.get(), note.get(), "regions-note")}
        </form>
    }
}

async fn import(state: AppState, files: [Option<File>; 3]) -> Result<Note, ApiFailure> {
    let [Some(regencies), Some(districts), Some(villages)] = files else {
        return Err(problem("Pilih ketiga berkas CSV.", "Choose all three CSV files."));
    };
    let summary = admin_api::import_regions(
        &token(&state),
        read_text(&regencies).await?,
        read_text(&districts).await?,
        read_text(&villages).await?,
    )
    .await?;
    load_regions(state).await;
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
        .ok_or_else(|| {
            problem(
                "Berkas tidak dapat dibaca.",
                "The file could not be read.",
            )
        })
}

fn problem(id: &str, en: &str) -> ApiFailure {
    ApiFailure::Server {
        status: 400,
        message_id: id.into(),
        message_en: en.into(),
    }
}
