//! "Duplikat" (`#/duplikat`): the queue of NIKs shared by two or more counted
//! registrations. Each group shows its registrations side by side; the supervisor keeps
//! one ("Orang yang sama": the others become its duplicates and leave the counts) or says
//! they are different people. Either verdict takes the group off the queue, and the next
//! group moves up: the screen shows the first page of the queue only.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;

use crate::format::{count, datetime, label, PROGRAMMES, STATUSES};
use crate::html::{block, esc};
use crate::i18n::{l, Lang};
use crate::pages::form::GENDERS;
use crate::state::use_state;
use crate::supervisor_api::{encode, fetched, list, num, post, text};

/// Groups shown: the head of the queue.
const PER_PAGE: u32 = 20;

#[component]
pub fn Duplicates() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let answer = fetched(state, move || {
        reload.track();
        format!("/api/duplicates?per_page={PER_PAGE}")
    });
    let resolve = move |body: Value| {
        outcome.set(None);
        spawn_local(async move {
            let result = post(state, "/api/duplicates/resolve", &body).await;
            let lang = lang.get_untracked();
            outcome.set(Some(
                result.map(|_| l(lang, "Tersimpan.", "Saved.").to_owned()),
            ));
            reload.update(|n| *n += 1);
        });
    };
    // One listener for every button of the queue: they say what they do in data attributes.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("button[data-nik]").ok().flatten())
        else {
            return;
        };
        let nik = button.get_attribute("data-nik").unwrap_or_default();
        match button.get_attribute("data-keep") {
            Some(keep) => resolve(json!({ "nik": nik, "verdict": "same_person", "keep": keep })),
            None => resolve(json!({ "nik": nik, "verdict": "different_people" })),
        }
    };
    view! {
        <section class="duplicates" data-testid="duplicates">
            <h1>{move || l(lang.get(), "NIK ganda", "Duplicate NIKs")}</h1>
            {move || outcome.get().map(|o| {
                let (class, text) = match o {
                    Ok(text) => ("alert ok", text),
                    Err(text) => ("alert error", text),
                };
                view! { <p class=class role="status">{text}</p> }
            })}
            <div on:click=on_click>
                {move || {
                    let lang = lang.get();
                    answer.with(|answer| block(lang, answer, |queue| groups(lang, queue)))
                }}
            </div>
        </section>
    }
}

fn groups(lang: Lang, queue: &Value) -> String {
    let total = num(queue, "total");
    let mut html = format!(
        r#"<p class="count" data-testid="duplicate-total" data-value="{total}">{} {}</p>"#,
        count(lang, total),
        l(
            lang,
            "kelompok menunggu diperiksa",
            "groups waiting to be checked"
        )
    );
    for group in list(queue, "groups") {
        let nik = esc(text(group, "nik"));
        html.push_str(&format!(
            r#"<section class="card dup-group" data-nik="{nik}" data-testid="duplicate-group"><h2>NIK {nik}</h2><div class="dup-cards">"#
        ));
        for row in list(group, "registrations") {
            let id = esc(text(row, "id"));
            let programmes = list(row, "programmes")
                .iter()
                .filter_map(Value::as_str)
                .map(|code| label(lang, PROGRAMMES, code))
                .collect::<Vec<_>>()
                .join(", ");
            let facts = [
                (
                    l(lang, "Lahir", "Born"),
                    format!(
                        "{} · {}",
                        text(row, "birth_date"),
                        label(lang, GENDERS, text(row, "gender"))
                    ),
                ),
                (
                    l(lang, "Alamat", "Address"),
                    format!(
                        "{}, {}, {}",
                        text(row, "village_name"),
                        text(row, "district_name"),
                        text(row, "regency_name")
                    ),
                ),
                (l(lang, "Program", "Programme"), programmes),
                (
                    l(lang, "Petugas", "Officer"),
                    text(row, "officer_name").to_owned(),
                ),
                (
                    l(lang, "Didaftarkan", "Registered"),
                    datetime(num(row, "created_at")),
                ),
                (
                    "Status",
                    label(lang, STATUSES, text(row, "status")).to_owned(),
                ),
            ];
            html.push_str(&format!(
                r#"<div class="dup-card" data-id="{id}"><a class="name" href="{}">{}</a><dl>"#,
                esc(&format!("#/pendaftaran/{}", encode(text(row, "id")))),
                esc(text(row, "full_name"))
            ));
            for (term, value) in facts {
                html.push_str(&format!("<dt>{term}</dt><dd>{}</dd>", esc(&value)));
            }
            html.push_str(&format!(
                r#"</dl><button type="button" class="primary" name="keep" data-nik="{nik}" data-keep="{id}">{}</button></div>"#,
                l(lang, "Orang yang sama: simpan yang ini", "Same person: keep this one")
            ));
        }
        html.push_str(&format!(
            r#"</div><button type="button" class="secondary" name="different" data-nik="{nik}">{}</button></section>"#,
            l(lang, "Orang berbeda", "Different people")
        ));
    }
    if total == 0.0 {
        html.push_str(&format!(
            r#"<p class="hint">{}</p>"#,
            l(lang, "Tidak ada NIK ganda.", "No duplicate NIKs.")
        ));
    }
    html
}
