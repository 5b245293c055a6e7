//! "My registrations": search by name or NIK, filter by sync state and review status,
//! open one to edit (or to view, when another officer registered it); the way to the
//! work list, with its count. Only the first rows matching are drawn (a cheap phone stays quick
//! with thousands of records); "Show more" draws the next ones.

use jemput_shared::registration::ReviewStatus;
use leptos::prelude::*;

use crate::i18n::{l, label, Lang};
use crate::local_db::Summary;
use crate::state::{use_state, Screen};

const PAGE: usize = 50;

/// The review status of a summary's code, in words.
fn status_label(lang: Lang, code: &str) -> &'static str {
    label(
        lang,
        ReviewStatus::from_code(code).unwrap_or_default().label(),
    )
}

fn matches(summary: &Summary, query: &str, sync: &str, status: &str) -> bool {
    let query_ok = query.is_empty()
        || summary.nik.contains(query)
        || summary
            .full_name
            .to_lowercase()
            .contains(&query.to_lowercase());
    let sync_ok = match sync {
        "pending" => summary.pending && summary.rejected.is_none(),
        "synced" => !summary.pending,
        "refused" => summary.rejected.is_some(),
        _ => true,
    };
    let status_ok = status.is_empty() || summary.status == status;
    query_ok && sync_ok && status_ok
}

/// The list opens at its top, where a record just saved is (not at the scroll position
/// the form had), and the "saved" note belongs to the save that opened it: leaving the
/// list clears it, so a later visit (after a refused save and "Back") shows none.
fn opens_at_the_top(state: crate::state::AppState) {
    scroll_to_top();
    on_cleanup(move || state.notice.set(None));
}

/// A screen opens at its top, not at the scroll position the one before had.
pub fn scroll_to_top() {
    Effect::new(|| {
        if let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
}

#[component]
pub fn RecordList() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let query = RwSignal::new(String::new());
    let sync_filter = RwSignal::new(String::new());
    let status_filter = RwSignal::new(String::new());
    let shown = RwSignal::new(PAGE);
    let user_id = move || {
        state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()))
            .unwrap_or_default()
    };
    let filtered = Memo::new(move |_| {
        let (q, sync, status) = (
            query.get().trim().to_owned(),
            sync_filter.get(),
            status_filter.get(),
        );
        state.summaries.with(|all| {
            all.iter()
                .filter(|s| matches(s, &q, &sync, &status))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let due = super::work_list::due_now(state);
    opens_at_the_top(state);
    view! {
        <section class="list">
            <div class="list-head">
                <h1>{move || l(lang.get(), "Pendaftaran saya", "My registrations")}</h1>
                <button type="button" class="primary" name="new_registration"
                    on:click=move |_| state.go(Screen::New)>
                    {move || l(lang.get(), "+ Daftar baru", "+ New registration")}
                </button>
            </div>
            {move || state.notice.get().map(|n| view! { <p class="alert ok" role="status">{n}</p> })}
            <button type="button" class="secondary work-list-open" name="work_list"
                data-count=move || due.with(Vec::len)
                on:click=move |_| state.go(Screen::WorkList)>
                {move || format!("{} ({})", l(lang.get(), "Perlu ditindaklanjuti", "Needs follow-up"), due.with(Vec::len))}
            </button>
            <input
                type="search"
                name="search"
                class="search"
                placeholder=move || l(lang.get(), "Cari nama atau NIK", "Search name or NIK")
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    shown.set(PAGE);
                }
            />
            <div class="filters">
                <select name="sync_filter" on:change=move |ev| sync_filter.set(event_target_value(&ev))>
                    <option value="">{move || l(lang.get(), "Semua", "All")}</option>
                    <option value="pending">{move || l(lang.get(), "Menunggu dikirim", "Waiting to send")}</option>
                    <option value="synced">{move || l(lang.get(), "Terkirim", "Sent")}</option>
                    <option value="refused">{move || l(lang.get(), "Ditolak server", "Refused by server")}</option>
                </select>
                <select name="status_filter" on:change=move |ev| status_filter.set(event_target_value(&ev))>
                    <option value="">{move || l(lang.get(), "Semua status", "Any status")}</option>
                    {["submitted", "needs_correction", "verified", "rejected"].into_iter().map(|code| {
                        view! { <option value=code>{move || status_label(lang.get(), code)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <p class="count">
                {move || {
                    let total = state.summaries.with(Vec::len);
                    let found = filtered.with(Vec::len);
                    format!("{found} / {total} {}", l(lang.get(), "data", "records"))
                }}
            </p>
            <ul class="records">
                <For
                    each=move || filtered.with(|all| all.iter().take(shown.get()).cloned().collect::<Vec<_>>())
                    key=|s| (s.id.clone(), s.pending, s.status.clone(), s.full_name.clone(), s.rejected.is_some(), s.last_comment.clone(), s.assigned_officer.clone())
                    children=move |s: Summary| {
                        let id = s.id.clone();
                        let status = s.status.clone();
                        let view_only = s.view_only_for(&user_id());
                        view! {
                            <li class="record" data-id=s.id.clone() data-status=s.status.clone()
                                data-pending=s.pending.to_string()
                                on:click=move |_| state.go(Screen::Edit(id.clone()))>
                                <div class="record-main">
                                    <strong class="name">{s.full_name.clone()}</strong>
                                    <span class="nik">{if s.nik.is_empty() { "—".to_owned() } else { s.nik.clone() }}</span>
                                </div>
                                <div class="record-tags">
                                    <span class=format!("tag status-{}", s.status)>{move || status_label(lang.get(), &status)}</span>
                                    {view_only.then(|| view! {
                                        <span class="tag view-only">{move || l(lang.get(), "Hanya lihat", "View only")}</span>
                                    })}
                                    {s.pending.then(|| view! {
                                        <span class="tag pending">{move || l(lang.get(), "Belum terkirim", "Not sent")}</span>
                                    })}
                                    {s.rejected.clone().map(|(id_text, en_text)| view! {
                                        <span class="tag refused">{move || l(lang.get(), id_text.clone(), en_text.clone())}</span>
                                    })}
                                </div>
                                {s.last_comment.clone().map(|c| view! { <p class="comment">{c}</p> })}
                            </li>
                        }
                    }
                />
            </ul>
            <Show when=move || { shown.get() < filtered.with(Vec::len) }>
                <button type="button" class="secondary" name="show_more"
                    on:click=move |_| shown.update(|n| *n += PAGE)>
                    {move || l(lang.get(), "Tampilkan lebih banyak", "Show more")}
                </button>
            </Show>
        </section>
    }
}
