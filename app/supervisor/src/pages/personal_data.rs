//! "Data pribadi": serving a citizen's access request (UU PDP Pasal 32). The supervisor
//! or admin types the person's NIK and gets one printable page with everything Jemput
//! holds about them in their scope — each registration in full, its history (who
//! changed what, when) and the trail of who viewed, searched, reviewed or exported it —
//! from `GET /api/privacy/person`, which also downloads as JSON. Making the report is
//! itself recorded in the trail. Below it: "Hapus permanen" (erasure, after a
//! confirmation; it closes an open erasure request for the NIK) and the citizens'
//! requests with their deadlines (`privacy_requests`).

use jemput_app_common::format::datetime;
use jemput_app_common::history::{history_list, Names};
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::privacy::{
    mask_nik, EraseAnswer, EraseRequest, PersonRegistration, PersonReport, PrivacyRequest,
    RequestKind,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Answer};
use crate::app::use_supervision;
use crate::components::{answer_view, confirm, Note, NoteView};
use crate::pages::privacy_requests::RequestsPanel;
use crate::screen::encode;

#[component]
pub fn PersonalData() -> impl IntoView {
    let shell = use_supervision().shell;
    let lang = shell.lang;
    let nik = RwSignal::new(String::new());
    let report = RwSignal::new(None::<Answer<PersonReport>>);
    let asked = RwSignal::new(String::new());
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = nik.get_untracked().trim().to_owned();
        asked.set(typed.clone());
        report.set(None);
        spawn_local(async move {
            let path = format!("/api/privacy/person?nik={}", encode(&typed));
            report.set(Some(api::get::<PersonReport>(shell, &path).await));
        });
    };
    let json = move || {
        api::with_token(
            shell,
            &format!("/api/privacy/person?nik={}", encode(&asked.get())),
        )
    };
    let requests_changed = RwSignal::new(0u32);
    let erase_note = RwSignal::new(None::<Note>);
    let erase = move |_| {
        let nik = asked.get_untracked();
        let question = l(
            lang.get_untracked(),
            "Hapus permanen semua data warga dengan NIK ini di wilayah Anda? Data juga hilang dari ponsel petugas dan tidak bisa dikembalikan.",
            "Erase for good all data of the citizen with this NIK in your area? It also goes from the officers' phones and cannot be restored.",
        );
        if !confirm(question) {
            return;
        }
        spawn_local(async move {
            // The open erasure request for this person, if one was recorded: closed by it.
            let masked = mask_nik(&nik);
            let request_id =
                api::get::<Vec<PrivacyRequest>>(shell, "/api/privacy/requests?open=true")
                    .await
                    .ok()
                    .and_then(|open| {
                        open.into_iter()
                            .find(|r| r.kind == RequestKind::Erasure && r.nik_masked == masked)
                            .map(|r| r.id)
                    });
            let body = EraseRequest {
                nik: nik.clone(),
                request_id,
            };
            let result = api::send::<EraseAnswer>(shell, "POST", "/api/privacy/erase", &body).await;
            erase_note.set(Some(Note::of(&result, || {
                let n = result.as_ref().map_or(0, |a| a.erased);
                Note::done(
                    format!("{n} pendaftaran dihapus permanen."),
                    format!("{n} registrations erased."),
                )
            })));
            requests_changed.update(|n| *n += 1);
            let path = format!("/api/privacy/person?nik={}", encode(&nik));
            report.set(Some(api::get::<PersonReport>(shell, &path).await));
        });
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="personal-data" data-testid="personal-data">
            <h1>{move || l(lang.get(), "Permintaan data pribadi", "Personal data request")}</h1>
            <form class="filters no-print" on:submit=find>
                <label class="field">
                    <span>{move || l(lang.get(), "NIK warga", "Citizen's NIK")}</span>
                    <input name="person_nik" inputmode="numeric" autocomplete="off"
                        prop:value=move || nik.get() on:input=move |ev| nik.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary" name="person_find">
                    {move || l(lang.get(), "Cari", "Find")}
                </button>
            </form>
            <NoteView note=erase_note lang=lang testid="erase-note" />
            {move || (!asked.get().is_empty()).then(|| {
                let lang_now = lang.get();
                answer_view(lang_now, report.get(), move |report| view! {
                    <p class="no-print">
                        <button type="button" class="secondary" name="person_print" on:click=print>
                            {l(lang_now, "Cetak", "Print")}
                        </button>
                        " "
                        <a href=json download="data-pribadi.json" data-testid="person-json">
                            {l(lang_now, "Unduh JSON", "Download JSON")}
                        </a>
                        " "
                        {(!report.registrations.is_empty()).then(|| view! {
                            <button type="button" class="danger" name="person_erase" on:click=erase>
                                {l(lang_now, "Hapus permanen", "Erase for good")}
                            </button>
                        })}
                    </p>
                    {report_view(lang_now, report)}
                }.into_any())
            })}
            {move || (!asked.get().is_empty()).then(|| view! {
                <RequestsPanel nik=Signal::derive(move || asked.get()) reload=requests_changed />
            })}
        </section>
    }
}

fn report_view(lang: Lang, report: PersonReport) -> impl IntoView {
    let found = report.registrations.len();
    view! {
        <article class="person-report" data-testid="person-report" data-registrations=found.to_string()>
            <p>
                {format!(
                    "NIK {} · {} {} · {} {}",
                    report.nik,
                    l(lang, "dibuat", "made"),
                    datetime(report.made_at),
                    found,
                    l(lang, "pendaftaran", "registrations"),
                )}
            </p>
            {(found == 0).then(|| view! {
                <p class="hint">{l(lang, "Tidak ada data dengan NIK ini di wilayah Anda.", "No data with this NIK in your area.")}</p>
            })}
            {report.registrations.into_iter().map(|held| registration_view(lang, held)).collect_view()}
            <h2>{l(lang, "Ekspor yang memuat data ini", "Exports that contained this data")}</h2>
            <p class="hint">{l(lang,
                "Berkas ekspor berada di luar Jemput; daftar ini menyebut siapa mengekspor apa, kapan.",
                "Exported files are outside Jemput; this list says who exported what, when.")}</p>
            <table class="admin-table" data-testid="person-exports">
                <thead>
                    <tr>
                        <th>{l(lang, "Waktu", "Time")}</th>
                        <th>{l(lang, "Pengguna", "User")}</th>
                        <th>{l(lang, "Ekspor", "Export")}</th>
                    </tr>
                </thead>
                <tbody>
                    {report.exports.into_iter().map(|entry| view! {
                        <tr>
                            <td>{datetime(entry.at)}</td>
                            <td>{entry.username.unwrap_or_else(|| "–".into())}</td>
                            <td>{entry.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h2>{l(lang, "Jejak pemrosesan", "Processing trail")}</h2>
            <table class="admin-table" data-testid="person-trail">
                <thead>
                    <tr>
                        <th>{l(lang, "Waktu", "Time")}</th>
                        <th>{l(lang, "Pengguna", "User")}</th>
                        <th>{l(lang, "Tindakan", "Action")}</th>
                        <th>{l(lang, "Keterangan", "Detail")}</th>
                    </tr>
                </thead>
                <tbody>
                    {report.trail.into_iter().map(|entry| view! {
                        <tr data-action=entry.action.code()>
                            <td>{datetime(entry.at)}</td>
                            <td>{entry.username.unwrap_or_else(|| "–".into())}</td>
                            <td>{label(lang, entry.action.label())}</td>
                            <td>{entry.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </article>
    }
}

fn registration_view(lang: Lang, held: PersonRegistration) -> impl IntoView {
    let registration = held.registration;
    // Everything the record holds, as stored: the person's own words and codes.
    let all_fields = serde_json::to_string_pretty(&registration).unwrap_or_default();
    // The same readable history as the record page: who, when, each field by its label.
    let history = use_supervision().regions.with_untracked(|regions| {
        let names = Names {
            regions: regions.as_deref(),
            officers: &[],
        };
        history_list(lang, names, held.history)
    });
    view! {
        <section class="card" data-testid="person-registration">
            <h2>{format!("{} · {}", registration.full_name, registration.id)}</h2>
            <p>
                {format!(
                    "{} {} · {} {}",
                    l(lang, "Didaftarkan", "Registered"),
                    datetime(registration.created_at),
                    l(lang, "status", "status"),
                    label(lang, registration.review.status.label()),
                )}
            </p>
            <pre class="record-json">{all_fields}</pre>
            <h3>{l(lang, "Riwayat perubahan", "Change history")}</h3>
            {history}
        </section>
    }
}
