//! A record's history on the phone, read from its Automerge document: who changed which
//! field from what to what, in the form's words (`jemput_app_common::history`, the same
//! view as the supervisor's record page).

use jemput_app_common::history::{history_list, Names};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::l;
use crate::records;
use crate::state::{db, use_state};

#[component]
pub fn RecordHistory(id: String) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let changes = RwSignal::new(Vec::new());
    spawn_local(async move {
        let Some(db) = db() else { return };
        if let Ok(history) = records::history(&db, &id).await {
            changes.set(history);
        }
    });
    view! {
        <section class="card record-history" hidden=move || changes.with(Vec::is_empty)>
            <h2>{move || l(lang.get(), "Riwayat perubahan", "History of changes")}</h2>
            {move || {
                let lang = lang.get();
                let list = changes.get();
                state.regions.with(|regions| {
                    let names = Names { regions: regions.as_deref(), officers: &[] };
                    history_list(lang, names, list).into_any()
                })
            }}
        </section>
    }
}
