//! A registration's history as people read it (the supervisor's record page, the
//! officer's record on the phone): per change who and when, then what
//! it did in the form's words — "Didaftarkan" for the registration itself, otherwise
//! each changed field by its form label (`jemput_shared::fields`) with its old and new
//! value. What the server vouches for and the phone claims, the device, the change's id
//! and the internal field paths sit behind "detail teknis".

use jemput_shared::api::registrations::HistoryEntry;
use jemput_shared::domain::{RegionCode, RegionDirectory};
use jemput_shared::fields::{Field, FieldChange, Shown};
use leptos::prelude::*;

use crate::format::datetime;
use crate::i18n::{l, label, Lang};

/// What the history names by code or id: regions from the region list, officers (a
/// handover) by the names the page knows (none on the phone).
#[derive(Clone, Copy)]
pub struct Names<'a> {
    pub regions: Option<&'a RegionDirectory>,
    /// (user id, display name).
    pub officers: &'a [(String, String)],
}

/// The history, newest first.
pub fn history_list(lang: Lang, names: Names<'_>, changes: Vec<HistoryEntry>) -> impl IntoView {
    let items: Vec<_> = changes
        .into_iter()
        .rev()
        .map(|change| entry(lang, names, change))
        .collect();
    view! { <ol class="history" data-testid="history">{items}</ol> }
}

fn entry(lang: Lang, names: Names<'_>, c: HistoryEntry) -> impl IntoView {
    let unrecorded = l(lang, "(belum dicatat)", "(not recorded)");
    // Whom the server received it from, else whom the phone names.
    let who = c
        .pushed_by_name
        .clone()
        .filter(|name| !name.is_empty())
        .or_else(|| c.author_name.clone().filter(|name| !name.is_empty()))
        .unwrap_or_else(|| l(lang, "(tidak disebut)", "(not named)").to_owned());
    let when = datetime(c.received_at.unwrap_or(c.at));
    let what = if c.created {
        view! { <p class="what created">{l(lang, "Didaftarkan", "Registered")}</p> }.into_any()
    } else if c.changed.is_empty() {
        view! {
            <p class="what hint">{l(lang, "Tanpa perubahan isian formulir", "No change to the form's fields")}</p>
        }
        .into_any()
    } else {
        let rows: Vec<_> = c
            .changed
            .iter()
            .map(|change| field_row(lang, names, change))
            .collect();
        view! { <ul class="what changed">{rows}</ul> }.into_any()
    };
    let received = c
        .received_at
        .map(datetime)
        .unwrap_or_else(|| unrecorded.to_owned());
    let sent_by = c
        .pushed_by_name
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| unrecorded.to_owned());
    let device = c
        .pushed_from_device
        .unwrap_or_else(|| unrecorded.to_owned());
    let claim = format!(
        "{} · {}",
        datetime(c.at),
        c.author_name
            .unwrap_or_else(|| l(lang, "(tidak disebut)", "(not named)").to_owned())
    );
    // The phone's history has none (`jemput_shared::history::readable_history`).
    let paths = (!c.fields.is_empty()).then(|| {
        view! {
            <dt>{l(lang, "Isian (internal)", "Fields (internal)")}</dt>
            <dd class="paths">{c.fields.join(", ")}</dd>
        }
    });
    view! {
        <li class="change" data-created=c.created.to_string()>
            <p class="who"><strong>{who}</strong>" · "{when}</p>
            {what}
            <details class="technical">
                <summary>{l(lang, "detail teknis", "technical details")}</summary>
                <dl>
                    <dt>{l(lang, "Diterima server", "Received by the server")}</dt><dd>{received}</dd>
                    <dt>{l(lang, "Dikirim oleh", "Sent by")}</dt><dd>{sent_by}</dd>
                    <dt>{l(lang, "Perangkat", "Device")}</dt><dd>{device}</dd>
                    <dt>{l(lang, "Menurut ponsel", "As the phone says")}</dt><dd>{claim}</dd>
                    <dt>{l(lang, "Perubahan", "Change")}</dt><dd class="hash">{c.hash}</dd>
                    {paths}
                </dl>
            </details>
        </li>
    }
}

/// "Desa/kelurahan: Manna → Padang Kuas".
fn field_row(lang: Lang, names: Names<'_>, change: &FieldChange) -> impl IntoView {
    let field = change.field;
    view! {
        <li data-field=field.code()>
            <span class="field">{label(lang, field.label())}</span>": "
            <span class="before">{value(lang, names, field, &change.before)}</span>
            " → "
            <span class="after">{value(lang, names, field, &change.after)}</span>
        </li>
    }
}

/// A raw value in words: choices, regions, programmes and officers by name.
fn value(lang: Lang, names: Names<'_>, field: Field, raw: &str) -> String {
    if field == Field::AssignedOfficer {
        if let Some((_, name)) = names.officers.iter().find(|(id, _)| id == raw) {
            return name.clone();
        }
    }
    if field == Field::Programmes {
        let names: Vec<_> = Field::programmes(raw)
            .map(|p| label(lang, p.label()))
            .collect();
        if !names.is_empty() {
            return names.join(", ");
        }
    }
    match field.show(raw) {
        Shown::Empty => "—".to_owned(),
        Shown::Text(text) => text.to_owned(),
        Shown::Named(name) => label(lang, name).to_owned(),
        Shown::Region(code) => RegionCode::parse(code)
            .ok()
            .and_then(|code| names.regions?.name_of(&code).map(str::to_owned))
            .unwrap_or_else(|| code.to_owned()),
    }
}
