//! "Jejak audit": the audit trail for admins — who did what to which record, when and
//! from where — filtered by person (NIK), user, action and dates, newest first, a page
//! at a time ("older"), and downloadable as CSV with the same filters
//! (`GET /api/admin/audit`, `GET /api/admin/audit.csv`).

use jemput_app_common::format::when;
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::audit::{AuditAction, AuditEntry, AuditPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AdminTable, TextField};
use crate::api;
use crate::app::Supervision;
use crate::components::{Note, NoteView};
use crate::screen::encode;

/// The filters as typed.
#[derive(Clone, Copy)]
struct Filters {
    nik: RwSignal<String>,
    user: RwSignal<String>,
    action: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl Filters {
    /// The query string of the filters that are set (`before`: the page after it).
    fn query(self, before: Option<i64>) -> String {
        let mut pairs: Vec<String> = [
            ("nik", self.nik),
            ("user", self.user),
            ("action", self.action),
            ("from", self.from),
            ("to", self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.get_untracked().trim().to_owned();
            (!value.is_empty()).then(|| format!("{name}={}", encode(&value)))
        })
        .collect();
        pairs.extend(before.map(|before| format!("before={before}")));
        pairs.join("&")
    }
}

#[component]
pub(super) fn AuditTrail(supervision: Supervision) -> impl IntoView {
    let lang = supervision.shell.lang;
    let filters = Filters {
        nik: RwSignal::new(String::new()),
        user: RwSignal::new(String::new()),
        action: RwSignal::new(String::new()),
        from: RwSignal::new(String::new()),
        to: RwSignal::new(String::new()),
    };
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next_before = RwSignal::new(None::<i64>);
    let note = RwSignal::new(None::<Note>);
    // The filters of the entries shown, which the CSV link downloads.
    let shown = RwSignal::new(String::new());
    let load = move |before: Option<i64>| {
        if before.is_none() {
            shown.set(filters.query(None));
        }
        let path = format!("/api/admin/audit?{}", filters.query(before));
        spawn_local(async move {
            match api::get::<AuditPage>(supervision.shell, &path).await {
                Ok(page) => {
                    note.set(None);
                    if before.is_some() {
                        entries.update(|e| e.extend(page.entries));
                    } else {
                        entries.set(page.entries);
                    }
                    next_before.set(page.next_before);
                }
                Err(failure) => note.set(Some(Note::failed(&failure))),
            }
        });
    };
    load(None);
    let csv = move || {
        let query = shown.get();
        let path = if query.is_empty() {
            "/api/admin/audit.csv".to_owned()
        } else {
            format!("/api/admin/audit.csv?{query}")
        };
        api::with_token(supervision.shell, &path)
    };
    view! {
        <section class="card audit" data-testid="audit">
            <h2>{move || l(lang.get(), "Jejak audit", "Audit trail")}</h2>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                load(None);
            }>
                <TextField lang=lang name="audit_nik" label=("NIK warga", "Citizen's NIK") value=filters.nik />
                <TextField lang=lang name="audit_user" label=("Pengguna", "User") value=filters.user />
                <label class="field">
                    <span>{move || l(lang.get(), "Tindakan", "Action")}</span>
                    <select name="audit_action" on:change=move |ev| filters.action.set(event_target_value(&ev))>
                        <option value="">{move || l(lang.get(), "Semua tindakan", "All actions")}</option>
                        {AuditAction::ALL.iter().map(|&action| view! {
                            <option value=action.code()>{move || label(lang.get(), action.label())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <TextField lang=lang name="audit_from" label=("Dari", "From") value=filters.from kind="date" />
                <TextField lang=lang name="audit_to" label=("Sampai", "To") value=filters.to kind="date" />
                <button type="submit" class="primary" name="audit_show">
                    {move || l(lang.get(), "Tampilkan", "Show")}
                </button>
                <a class="button secondary" href=csv download data-testid="audit-csv">"CSV"</a>
            </form>
            <NoteView lang=lang note=note />
            <AdminTable lang=lang testid="audit-entries" columns=&[("Waktu", "Time"), ("Pengguna", "User"), ("Tindakan", "Action"), ("Sasaran", "Target"), ("Keterangan", "Detail"), ("Alamat", "Address")]>
                <For each=move || entries.get() key=|e| e.seq let:entry>
                    {entry_row(lang, entry)}
                </For>
            </AdminTable>
            {move || entries.with(Vec::is_empty).then(|| view! {
                <p class="hint">{move || l(lang.get(), "Tidak ada catatan.", "No entries.")}</p>
            })}
            {move || next_before.get().map(|before| view! {
                <button type="button" class="secondary" name="audit_older" on:click=move |_| load(Some(before))>
                    {move || l(lang.get(), "Muat yang lebih lama", "Load older")}
                </button>
            })}
        </section>
    }
}

fn entry_row(lang: RwSignal<Lang>, entry: AuditEntry) -> impl IntoView {
    let action = entry.action;
    view! {
        <tr data-testid="audit-entry" data-action=action.code()>
            <td>{move || when(lang.get(), Some(entry.at))}</td>
            <td>{entry.username.clone().unwrap_or_else(|| "–".into())}</td>
            <td>{move || label(lang.get(), action.label())}</td>
            <td>{entry.target.clone().unwrap_or_default()}</td>
            <td>{entry.detail.clone()}</td>
            <td>{entry.client.clone().unwrap_or_default()}</td>
            <td></td>
        </tr>
    }
}
