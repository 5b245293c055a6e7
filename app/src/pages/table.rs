//! "Pendaftaran" (`#/pendaftaran?…`): the registrations in the supervisor's scope, paged,
//! sorted and filtered by the server. The filters live in the URL's hash — the same
//! query string the API takes — so a view can be bookmarked, shared and reloaded, and the
//! CSV and XLSX export links carry exactly the filter on screen.

use jemput_shared::domain::RegionCode;
use leptos::prelude::*;
use serde_json::Value;

use crate::format::{count, datetime, label, PROGRAMMES, STATUSES};
use crate::i18n::{l, Lang};
use crate::state::{use_state, AppState, Screen};
use crate::supervisor_api::{decode, encode, fetched, list, num, text, with_token};

/// Rows per page (the API's default).
const PER_PAGE: f64 = 50.0;

/// The sortable columns: (API sort key, Indonesian, English); "" cannot be sorted.
const COLUMNS: &[(&str, &str, &str)] = &[
    ("full_name", "Nama", "Name"),
    ("nik", "NIK", "NIK"),
    ("regency", "Wilayah", "Area"),
    ("", "Program", "Programme"),
    ("status", "Status", "Status"),
    ("", "Petugas", "Officer"),
    ("created_at", "Didaftarkan", "Registered"),
];

/// The query string's pairs, decoded.
fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            let value = decode(value);
            (!value.is_empty()).then(|| (key.to_owned(), value))
        })
        .collect()
}

fn get(query: &str, key: &str) -> String {
    pairs(query)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// `query` with `key` set to `value` (removed when empty). Any change but the page's goes
/// back to page 1, and a new regency or district clears the levels below it.
fn with(query: &str, key: &str, value: &str) -> String {
    let cleared: &[&str] = match key {
        "regency" => &["district", "village"],
        "district" => &["village"],
        _ => &[],
    };
    let mut pairs: Vec<(String, String)> = pairs(query)
        .into_iter()
        .filter(|(k, _)| {
            k != key && !cleared.contains(&k.as_str()) && (key == "page" || k != "page")
        })
        .collect();
    if !value.is_empty() {
        pairs.push((key.to_owned(), value.to_owned()));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
pub fn RegistrationTable() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let query = Memo::new(move |previous: Option<&String>| match state.screen.get() {
        Screen::Table(query) => query,
        _ => previous.cloned().unwrap_or_default(),
    });
    let answer = fetched(state, move || format!("/api/registrations?{}", query.get()));
    view! {
        <section class="table-page" data-testid="table">
            <h1>{move || l(lang.get(), "Pendaftaran", "Registrations")}</h1>
            {move || filters(state, lang.get(), query)}
            {move || {
                let lang = lang.get();
                answer.with(|answer| match answer {
                    None => view! { <p class="loading">{l(lang, "Memuat…", "Loading…")}</p> }.into_any(),
                    Some(Err(error)) => view! { <p class="alert error" role="alert">{error.clone()}</p> }.into_any(),
                    Some(Ok(page)) => results(state, lang, query, page).into_any(),
                })
            }}
        </section>
    }
}

fn go(state: AppState, query: Memo<String>, key: &str, value: &str) {
    state.go(Screen::Table(with(&query.get_untracked(), key, value)));
}

/// A select that sets `key`; `options` are (value, label).
fn choice(
    state: AppState,
    query: Memo<String>,
    key: &'static str,
    any: &str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let current = get(&query.get_untracked(), key);
    view! {
        <select name=key on:change=move |ev| go(state, query, key, &event_target_value(&ev))>
            <option value="">{any.to_owned()}</option>
            {options.into_iter().map(|(value, name)| {
                let selected = value == current;
                view! { <option value=value selected=selected>{name}</option> }
            }).collect_view()}
        </select>
    }
}

fn filters(state: AppState, lang: Lang, query: Memo<String>) -> impl IntoView {
    let q = query.get();
    let (regency, district) = (get(&q, "regency"), get(&q, "district"));
    let user = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.clone()));
    let in_scope = |code: &RegionCode| {
        user.as_ref()
            .is_some_and(|u| u.role == "admin" || u.regions.iter().any(|r| r == code.as_str()))
    };
    let (regencies, districts, villages) = state.regions.with(|directory| {
        let Some(directory) = directory else {
            return Default::default();
        };
        let named = |list: Vec<(&RegionCode, &str)>| {
            list.into_iter()
                .map(|(c, n)| (c.to_string(), n.to_owned()))
                .collect::<Vec<_>>()
        };
        let children = |parent: &str, level: u8| match RegionCode::parse(parent) {
            Ok(code) if level == 1 => named(directory.districts_of(&code).collect()),
            Ok(code) => named(directory.villages_of(&code).collect()),
            Err(_) => Vec::new(),
        };
        (
            named(directory.regencies().filter(|(c, _)| in_scope(c)).collect()),
            children(&regency, 1),
            children(&district, 2),
        )
    });
    let coded = |table: &[(&str, &str, &str)]| {
        table
            .iter()
            .map(|&(c, id, en)| (c.to_owned(), l(lang, id, en).to_owned()))
            .collect::<Vec<_>>()
    };
    let search = RwSignal::new(get(&q, "q"));
    let date = move |key: &'static str, caption: &'static str| {
        view! {
            <label class="inline">
                <span>{caption}</span>
                <input type="date" name=key prop:value=get(&query.get_untracked(), key)
                    on:change=move |ev| go(state, query, key, &event_target_value(&ev))/>
            </label>
        }
    };
    let officer = get(&q, "officer");
    let export = |kind: &str| {
        with_token(
            state,
            &format!("/api/registrations/export.{kind}?{}", with(&q, "page", "")),
        )
    };
    view! {
        <form class="search-bar" on:submit=move |ev| {
            ev.prevent_default();
            go(state, query, "q", search.get_untracked().trim());
        }>
            <input type="search" name="q" prop:value=search.get_untracked()
                placeholder=l(lang, "Cari nama atau NIK", "Search name or NIK")
                on:input=move |ev| search.set(event_target_value(&ev))/>
            <button type="submit" class="secondary" name="search">{l(lang, "Cari", "Search")}</button>
        </form>
        <div class="table-filters" data-testid="filters">
            {choice(state, query, "regency", l(lang, "Semua kabupaten/kota", "All regencies"), regencies)}
            {(!regency.is_empty()).then(|| choice(state, query, "district", l(lang, "Semua kecamatan", "All districts"), districts))}
            {(!district.is_empty()).then(|| choice(state, query, "village", l(lang, "Semua desa/kelurahan", "All villages"), villages))}
            {choice(state, query, "programme", l(lang, "Semua program", "All programmes"), coded(PROGRAMMES))}
            {choice(state, query, "status", l(lang, "Semua status", "Any status"), coded(STATUSES))}
            {date("from", l(lang, "Dari", "From"))}
            {date("to", l(lang, "Sampai", "To"))}
            {(!officer.is_empty()).then(|| view! {
                <button type="button" class="chip" name="clear_officer" on:click=move |_| go(state, query, "officer", "")>
                    {l(lang, "Petugas terpilih ✕", "Chosen officer ✕")}
                </button>
            })}
            <a class="clear" href="#/pendaftaran">{l(lang, "Hapus filter", "Clear filters")}</a>
        </div>
        <p class="exports">
            {l(lang, "Unduh hasil filter: ", "Download this filter: ")}
            <a href=export("csv") download data-testid="export-csv">"CSV"</a>
            " · "
            <a href=export("xlsx") download data-testid="export-xlsx">"XLSX"</a>
        </p>
    }
}

fn results(state: AppState, lang: Lang, query: Memo<String>, page: &Value) -> impl IntoView {
    let q = query.get_untracked();
    let (sort, dir) = (get(&q, "sort"), get(&q, "dir"));
    let sort = if sort.is_empty() {
        "created_at".to_owned()
    } else {
        sort
    };
    let total = num(page, "total");
    let current = num(page, "page").max(1.0);
    let pages = (total / PER_PAGE).ceil().max(1.0);
    let exact = page
        .get("total_is_exact")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let rows = list(page, "rows");
    view! {
        <p class="count" data-testid="table-total" data-value=total.to_string()>
            {format!("{}{} {}", if exact { "" } else { "≥ " }, count(lang, total), l(lang, "pendaftaran", "registrations"))}
        </p>
        <div class="table-wrap">
            <table class="grid registrations">
                <thead><tr>
                    {COLUMNS.iter().map(|&(key, id, en)| {
                        let name = l(lang, id, en);
                        if key.is_empty() {
                            return view! { <th>{name}</th> }.into_any();
                        }
                        let active = key == sort;
                        let ascending = dir == "asc";
                        let arrow = match (active, ascending) {
                            (false, _) => "",
                            (true, true) => " ▲",
                            (true, false) => " ▼",
                        };
                        let next = if active && !ascending { "asc" } else { "desc" };
                        view! {
                            <th aria-sort=if active { if ascending { "ascending" } else { "descending" } } else { "none" }>
                                <button type="button" class="sort" data-sort=key on:click=move |_| {
                                    let sorted = with(&with(&query.get_untracked(), "sort", key), "dir", next);
                                    state.go(Screen::Table(sorted));
                                }>{format!("{name}{arrow}")}</button>
                            </th>
                        }.into_any()
                    }).collect_view()}
                </tr></thead>
                <tbody>
                    {rows.iter().map(|row| {
                        let id = text(row, "id").to_owned();
                        let officer = text(row, "registered_by").to_owned();
                        let programmes = list(row, "programmes").iter()
                            .filter_map(Value::as_str)
                            .map(|code| label(lang, PROGRAMMES, code))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let status = text(row, "status");
                        view! {
                            <tr data-id=id.clone() data-testid="row">
                                <td><a href=format!("#/pendaftaran/{id}") class="name">{text(row, "full_name").to_owned()}</a></td>
                                <td class="nik">{text(row, "nik").to_owned()}</td>
                                <td>{format!("{}, {}, {}", text(row, "village_name"), text(row, "district_name"), text(row, "regency_name"))}</td>
                                <td>{programmes}</td>
                                <td><span class=format!("tag status-{status}")>{label(lang, STATUSES, status).to_owned()}</span></td>
                                <td>
                                    <button type="button" class="link" name="officer" title=l(lang, "Saring petugas ini", "Filter this officer")
                                        on:click=move |_| go(state, query, "officer", &officer)>
                                        {text(row, "officer_name").to_owned()}
                                    </button>
                                </td>
                                <td>{datetime(num(row, "created_at"))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {rows.is_empty().then(|| view! { <p class="hint">{l(lang, "Tidak ada pendaftaran yang cocok.", "No registrations match.")}</p> })}
        <div class="pager">
            <button type="button" class="secondary" name="previous" disabled=current <= 1.0
                on:click=move |_| go(state, query, "page", &(current - 1.0).to_string())>
                {l(lang, "‹ Sebelumnya", "‹ Previous")}
            </button>
            <span data-testid="page">{format!("{} {current} / {pages}", l(lang, "Halaman", "Page"))}</span>
            <button type="button" class="secondary" name="next" disabled=current >= pages
                on:click=move |_| go(state, query, "page", &(current + 1.0).to_string())>
                {l(lang, "Berikutnya ›", "Next ›")}
            </button>
        </div>
    }
}
