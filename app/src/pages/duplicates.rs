//! "Duplikat" (`#/duplikat`): the queue of NIKs shared by two or more counted
//! registrations. Each group shows its registrations side by side; the supervisor keeps
//! one ("Orang yang sama": the others become its duplicates and leave the counts) or says
//! they are different people. Either verdict takes the group off the queue.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::format::{count, datetime, label, PROGRAMMES, STATUSES};
use crate::i18n::{l, Lang};
use crate::pages::form::GENDERS;
use crate::state::use_state;
use crate::supervisor_api::{fetched, list, num, post, text};

const PER_PAGE: u32 = 20;

#[component]
pub fn Duplicates() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let page = RwSignal::new(1u32);
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let answer = fetched(state, move || {
        reload.track();
        format!("/api/duplicates?page={}&per_page={PER_PAGE}", page.get())
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
    view! {
        <section class="duplicates" data-testid="duplicates">
            <h1>{move || l(lang.get(), "NIK ganda", "Duplicate NIKs")}</h1>
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="alert ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="alert error" role="alert">{text}</p> }.into_any(),
            })}
            {move || {
                let lang = lang.get();
                answer.with(|answer| match answer {
                    None => view! { <p class="loading">{l(lang, "Memuat…", "Loading…")}</p> }.into_any(),
                    Some(Err(error)) => view! { <p class="alert error" role="alert">{error.clone()}</p> }.into_any(),
                    Some(Ok(queue)) => groups(lang, queue, page, resolve).into_any(),
                })
            }}
        </section>
    }
}

fn groups(
    lang: Lang,
    queue: &Value,
    page: RwSignal<u32>,
    resolve: impl Fn(Value) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let total = num(queue, "total");
    let pages = (total / f64::from(PER_PAGE)).ceil().max(1.0) as u32;
    let current = page.get_untracked();
    view! {
        <p class="count" data-testid="duplicate-total" data-value=total.to_string()>
            {format!("{} {}", count(lang, total), l(lang, "kelompok menunggu diperiksa", "groups waiting to be checked"))}
        </p>
        {list(queue, "groups").iter().map(|group| {
            let nik = text(group, "nik").to_owned();
            let apart = nik.clone();
            view! {
                <section class="card dup-group" data-nik=nik.clone() data-testid="duplicate-group">
                    <h2>{format!("NIK {nik}")}</h2>
                    <div class="dup-cards">
                        {list(group, "registrations").iter().map(|row| {
                            let id = text(row, "id").to_owned();
                            let body = json!({ "nik": nik, "verdict": "same_person", "keep": id });
                            let status = text(row, "status");
                            let programmes = list(row, "programmes").iter().filter_map(Value::as_str)
                                .map(|code| label(lang, PROGRAMMES, code)).collect::<Vec<_>>().join(", ");
                            view! {
                                <div class="dup-card" data-id=id.clone()>
                                    <a href=format!("#/pendaftaran/{id}") class="name">{text(row, "full_name").to_owned()}</a>
                                    <dl>
                                        <dt>{l(lang, "Lahir", "Born")}</dt>
                                        <dd>{format!("{} · {}", text(row, "birth_date"), label(lang, GENDERS, text(row, "gender")))}</dd>
                                        <dt>{l(lang, "Alamat", "Address")}</dt>
                                        <dd>{format!("{}, {}, {}", text(row, "village_name"), text(row, "district_name"), text(row, "regency_name"))}</dd>
                                        <dt>{l(lang, "Program", "Programme")}</dt>
                                        <dd>{programmes}</dd>
                                        <dt>{l(lang, "Petugas", "Officer")}</dt>
                                        <dd>{text(row, "officer_name").to_owned()}</dd>
                                        <dt>{l(lang, "Didaftarkan", "Registered")}</dt>
                                        <dd>{datetime(num(row, "created_at"))}</dd>
                                        <dt>{l(lang, "Status", "Status")}</dt>
                                        <dd>{label(lang, STATUSES, status).to_owned()}</dd>
                                    </dl>
                                    <button type="button" class="primary" name="keep"
                                        on:click=move |_| resolve(body.clone())>
                                        {l(lang, "Orang yang sama: simpan yang ini", "Same person: keep this one")}
                                    </button>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                    <button type="button" class="secondary" name="different"
                        on:click=move |_| resolve(json!({ "nik": apart, "verdict": "different_people" }))>
                        {l(lang, "Orang berbeda", "Different people")}
                    </button>
                </section>
            }
        }).collect_view()}
        {(total == 0.0).then(|| view! { <p class="hint">{l(lang, "Tidak ada NIK ganda. 🎉", "No duplicate NIKs.")}</p> })}
        {(pages > 1).then(|| view! {
            <div class="pager">
                <button type="button" class="secondary" name="previous" disabled=current <= 1
                    on:click=move |_| page.set(current - 1)>{l(lang, "‹ Sebelumnya", "‹ Previous")}</button>
                <span>{format!("{current} / {pages}")}</span>
                <button type="button" class="secondary" name="next" disabled=current >= pages
                    on:click=move |_| page.set(current + 1)>{l(lang, "Berikutnya ›", "Next ›")}</button>
            </div>
        })}
    }
}
