//! Citizens' requests (access, correction, erasure) with their 3×24-hour deadlines
//! (`/api/privacy/requests`): [`OpenRequests`], the overview's list of what is still open
//! (overdue ones marked), and [`RequestsPanel`], the "Data pribadi" page's form to record
//! a request for the NIK at hand and the list of every request with its outcome.

use jemput_app_common::format::datetime;
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::privacy::{NewPrivacyRequest, PrivacyRequest, RequestKind, RequestOutcome};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::use_supervision;
use crate::components::{Note, NoteView};
use crate::screen::Screen;

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// One request as a table row; `actions` for an open one's buttons.
fn request_row(lang: Lang, request: &PrivacyRequest, actions: AnyView) -> impl IntoView {
    let now = now_ms();
    let overdue = request.overdue(now);
    let state = match (request.outcome, request.met_deadline()) {
        (Some(outcome), Some(met)) => format!(
            "{} · {}",
            label(lang, outcome.label()),
            if met {
                l(lang, "tepat waktu", "in time")
            } else {
                l(lang, "terlambat", "late")
            }
        ),
        _ if overdue => l(lang, "Lewat batas waktu", "Overdue").to_owned(),
        _ => l(lang, "Terbuka", "Open").to_owned(),
    };
    view! {
        <tr class:overdue=overdue data-kind=request.kind.code() data-testid="privacy-request">
            <td>{label(lang, request.kind.label())}</td>
            <td>{request.nik_masked.clone()}</td>
            <td>{request.note.clone()}</td>
            <td>{format!("{} ({})", datetime(request.received_at), request.received_by)}</td>
            <td>{datetime(request.due_at)}</td>
            <td data-testid="request-state">{state}</td>
            <td>{actions}</td>
        </tr>
    }
}

fn table_head(lang: Lang) -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th>{l(lang, "Jenis", "Kind")}</th>
                <th>"NIK"</th>
                <th>{l(lang, "Catatan", "Note")}</th>
                <th>{l(lang, "Diterima", "Received")}</th>
                <th>{l(lang, "Batas waktu", "Due")}</th>
                <th>{l(lang, "Keadaan", "State")}</th>
                <th></th>
            </tr>
        </thead>
    }
}

/// The overview's card: open requests, soonest due first.
#[component]
pub fn OpenRequests() -> impl IntoView {
    let lang = use_supervision().shell.lang;
    let open = api::resource::<Vec<PrivacyRequest>>(|| "/api/privacy/requests?open=true".into());
    view! {
        <section class="card" data-testid="open-requests">
            <h2>{move || l(lang.get(), "Permintaan data pribadi yang terbuka", "Open personal data requests")}</h2>
            {move || {
                let lang = lang.get();
                open.get().and_then(Result::ok).map(|requests| {
                    if requests.is_empty() {
                        return view! { <p class="hint">{l(lang, "Tidak ada.", "None.")}</p> }.into_any();
                    }
                    let overdue = requests.iter().filter(|r| r.overdue(now_ms())).count();
                    view! {
                        {(overdue > 0).then(|| view! {
                            <p class="alert error" role="alert">
                                {format!("{overdue} {}", l(lang, "permintaan lewat batas 3×24 jam", "requests past their 3×24-hour deadline"))}
                            </p>
                        })}
                        <table class="admin-table">
                            {table_head(lang)}
                            <tbody>
                                {requests.iter().map(|r| request_row(lang, r, view! {
                                    <a href=Screen::PersonalData.path()>{l(lang, "Tangani", "Handle")}</a>
                                }.into_any())).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            }}
        </section>
    }
}

/// The "Data pribadi" page's part: record a request for `nik`, list every request, close
/// open ones. `reload` is bumped by anything that changes them (an erasure).
#[component]
pub fn RequestsPanel(nik: Signal<String>, reload: RwSignal<u32>) -> impl IntoView {
    let shell = use_supervision().shell;
    let lang = shell.lang;
    let kind = RwSignal::new(RequestKind::Access);
    let note_text = RwSignal::new(String::new());
    let note = RwSignal::new(None::<Note>);
    let requests = api::resource::<Vec<PrivacyRequest>>(move || {
        reload.track();
        "/api/privacy/requests".into()
    });
    let record = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewPrivacyRequest {
            kind: kind.get_untracked(),
            nik: nik.get_untracked(),
            note: note_text.get_untracked(),
        };
        spawn_local(async move {
            let result =
                api::send::<PrivacyRequest>(shell, "POST", "/api/privacy/requests", &body).await;
            note.set(Some(Note::of(&result, || {
                Note::done("Permintaan dicatat.", "Request recorded.")
            })));
            if result.is_ok() {
                note_text.set(String::new());
                reload.update(|n| *n += 1);
            }
        });
    };
    let close = move |id: String, outcome: RequestOutcome| {
        spawn_local(async move {
            let path = format!("/api/privacy/requests/{id}/close");
            let body = jemput_shared::api::privacy::CloseRequest { outcome };
            let result = api::send::<PrivacyRequest>(shell, "POST", &path, &body).await;
            note.set(Some(Note::of(&result, || {
                Note::done("Permintaan ditutup.", "Request closed.")
            })));
            reload.update(|n| *n += 1);
        });
    };
    view! {
        <section class="card no-print" data-testid="requests-panel">
            <h2>{move || l(lang.get(), "Catat permintaan warga", "Record a citizen's request")}</h2>
            <form class="filters" on:submit=record>
                <label class="field">
                    <span>{move || l(lang.get(), "Jenis", "Kind")}</span>
                    <select name="request_kind" on:change=move |ev| {
                        if let Some(chosen) = RequestKind::from_code(&event_target_value(&ev)) {
                            kind.set(chosen);
                        }
                    }>
                        {move || RequestKind::ALL.iter().map(|k| view! {
                            <option value=k.code() selected=move || kind.get() == *k>{label(lang.get(), k.label())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || l(lang.get(), "Catatan", "Note")}</span>
                    <input name="request_note" autocomplete="off"
                        prop:value=move || note_text.get() on:input=move |ev| note_text.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary" name="request_record">
                    {move || l(lang.get(), "Catat", "Record")}
                </button>
            </form>
            <NoteView note=note lang=lang testid="request-note" />
            <p class="hint">{move || l(lang.get(),
                "Batas waktu menjawab: 3×24 jam sejak diterima (UU PDP). Permintaan perbaikan langsung menandai data \"perlu perbaikan\" dengan catatan ini untuk petugas.",
                "Deadline: 3×24 hours from receipt (UU PDP). A correction request marks the data \"needs correction\" with this note for the officer at once.")}</p>
            <table class="admin-table" data-testid="requests">
                {move || table_head(lang.get())}
                <tbody>
                    {move || {
                        let lang = lang.get();
                        requests.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|r| {
                            let actions = if r.closed_at.is_none() {
                                let (done_id, refused_id) = (r.id.clone(), r.id.clone());
                                view! {
                                    <button type="button" class="secondary" name="request_done"
                                        on:click=move |_| close(done_id.clone(), RequestOutcome::Done)>
                                        {l(lang, "Selesai", "Done")}
                                    </button>
                                    " "
                                    <button type="button" class="secondary" name="request_refused"
                                        on:click=move |_| close(refused_id.clone(), RequestOutcome::Refused)>
                                        {l(lang, "Tolak", "Refuse")}
                                    </button>
                                }.into_any()
                            } else {
                                ().into_any()
                            };
                            request_row(lang, &r, actions)
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </section>
    }
}
