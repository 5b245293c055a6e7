//! Small pieces several screens draw: an answer that is loading, failed or arrived; a
//! result note under a form; region names; a registration row's programmes and area.

use jemput_app_common::api::ApiFailure;
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::registrations::TableRow;
use jemput_shared::domain::{RegionCode, RegionDirectory};
use leptos::prelude::*;

use crate::api::Answer;

/// `row`'s programmes in `lang`, comma-separated.
pub fn programmes_text(lang: Lang, row: &TableRow) -> String {
    row.programmes
        .iter()
        .map(|p| label(lang, p.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `row`'s village, district and regency names, comma-separated.
pub fn area_text(row: &TableRow) -> String {
    [&row.village_name, &row.district_name, &row.regency_name]
        .map(|name| name.clone().unwrap_or_default())
        .join(", ")
}

/// "Memuat…" until `answer` arrives, the failure in words, or `render(answer)`.
pub fn answer_view<T>(
    lang: Lang,
    answer: Option<Answer<T>>,
    render: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match answer {
        None => view! { <p class="loading">{l(lang, "Memuat…", "Loading…")}</p> }.into_any(),
        Some(Err(failure)) => failure_view(lang, &failure).into_any(),
        Some(Ok(value)) => render(value),
    }
}

pub fn failure_view(lang: Lang, failure: &ApiFailure) -> impl IntoView {
    view! { <p class="alert error" role="alert">{failure.describe(lang)}</p> }
}

/// The outcome of an action, in both languages, shown under its form or section.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub error: bool,
    pub id: String,
    pub en: String,
}

impl Note {
    pub fn done(id: impl Into<String>, en: impl Into<String>) -> Note {
        Note {
            error: false,
            id: id.into(),
            en: en.into(),
        }
    }

    /// The server's message, or our words for a failure without one.
    pub fn failed(failure: &ApiFailure) -> Note {
        Note {
            error: true,
            id: failure.describe(Lang::Id),
            en: failure.describe(Lang::En),
        }
    }

    /// The note for `result`: `done` when it succeeded.
    pub fn of<T>(result: &Result<T, ApiFailure>, done: impl FnOnce() -> Note) -> Note {
        match result {
            Ok(_) => done(),
            Err(failure) => Note::failed(failure),
        }
    }
}

/// The note in `note`, if any, as an alert with `testid`.
#[component]
pub fn NoteView(
    note: RwSignal<Option<Note>>,
    lang: RwSignal<Lang>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    move || {
        note.get().map(|note| {
            let (class, role) = if note.error {
                ("alert error", "alert")
            } else {
                ("alert ok", "status")
            };
            view! {
                <p class=class role=role data-testid=testid>{l(lang.get(), note.id, note.en)}</p>
            }
        })
    }
}

/// "17.01.01 Kedurang": a code with its name from the region list (the code alone when
/// the list does not know it).
pub fn code_and_name(directory: Option<&RegionDirectory>, code: &str) -> String {
    match name_of(directory, code) {
        Some(name) => format!("{code} {name}"),
        None => code.to_owned(),
    }
}

/// The region's name from the list, if the list knows the code.
pub fn name_of(directory: Option<&RegionDirectory>, code: &str) -> Option<String> {
    let code = RegionCode::parse(code).ok()?;
    directory?.name_of(&code).map(str::to_owned)
}

/// Asks before an action that cannot be undone (signing someone out, erasing data).
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
