//! "Pendaftaran" (`#/pendaftaran?…`): the registrations in the supervisor's scope, paged,
//! sorted and filtered by the server. The filters live in the URL's hash — the same
//! query string the API takes — so a view can be bookmarked, shared and reloaded, and the
//! CSV and XLSX export links carry exactly the filter on screen.

use jemput_shared::domain::RegionCode;
use leptos::prelude::*;
use serde_json::Value;

use crate::format::{count, datetime, label, PROGRAMMES, STATUSES};
use crate::html::{block, cells, esc};
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
                answer.with(|answer| block(lang, answer, |page| results(lang, &query.get_untracked(), page)))
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
    let mut html = format!(r#"<option value="">{}</option>"#, esc(any));
    for (value, name) in options {
        let selected = if value == current { " selected" } else { "" };
        html.push_str(&format!(
            r#"<option value="{}"{selected}>{}</option>"#,
            esc(&value),
            esc(&name)
        ));
    }
    view! {
        <select name=key inner_html=html on:change=move |ev| go(state, query, key, &event_target_value(&ev))></select>
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
    // The links: the officer filter off, all filters off, and the exports of this filter.
    let mut links = String::new();
    if !get(&q, "officer").is_empty() {
        links.push_str(&format!(
            r#"<a class="chip" data-testid="clear-officer" href="{}">{}</a> "#,
            esc(&format!("#/pendaftaran?{}", with(&q, "officer", ""))),
            l(lang, "Petugas terpilih ✕", "Chosen officer ✕")
        ));
    }
    let export = |kind: &str| {
        esc(&with_token(
            state,
            &format!("/api/registrations/export.{kind}?{}", with(&q, "page", "")),
        ))
    };
    links.push_str(&format!(
        r##"<a class="clear" href="#/pendaftaran">{}</a> · {} <a href="{}" download data-testid="export-csv">CSV</a> · <a href="{}" download data-testid="export-xlsx">XLSX</a>"##,
        l(lang, "Hapus filter", "Clear filters"),
        l(lang, "Unduh hasil filter:", "Download this filter:"),
        export("csv"),
        export("xlsx")
    ));
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
        </div>
        <p class="exports" inner_html=links></p>
    }
}

fn results(lang: Lang, query: &str, page: &Value) -> String {
    let (sort, dir) = (get(query, "sort"), get(query, "dir"));
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
    let link = |q: String| format!("#/pendaftaran?{q}");
    let mut html = format!(
        r#"<p class="count" data-testid="table-total" data-value="{total}">{}{} {}</p><div class="table-wrap"><table class="grid registrations"><thead><tr>"#,
        if exact { "" } else { "≥ " },
        count(lang, total),
        l(lang, "pendaftaran", "registrations")
    );
    for &(key, id, en) in COLUMNS {
        let name = l(lang, id, en);
        if key.is_empty() {
            html.push_str(&cells("th", &[name]));
            continue;
        }
        let (active, ascending) = (key == sort, dir == "asc");
        let (arrow, aria) = match (active, ascending) {
            (false, _) => ("", "none"),
            (true, true) => (" ▲", "ascending"),
            (true, false) => (" ▼", "descending"),
        };
        let next = if active && !ascending { "asc" } else { "desc" };
        let href = link(with(&with(query, "sort", key), "dir", next));
        html.push_str(&format!(r#"<th aria-sort="{aria}"><a class="sort" data-sort="{key}" href="{}">{name}{arrow}</a></th>"#, esc(&href)));
    }
    html.push_str("</tr></thead><tbody>");
    for row in rows {
        let id = esc(text(row, "id"));
        let programmes = list(row, "programmes")
            .iter()
            .filter_map(Value::as_str)
            .map(|code| label(lang, PROGRAMMES, code))
            .collect::<Vec<_>>()
            .join(", ");
        let area = format!(
            "{}, {}, {}",
            text(row, "village_name"),
            text(row, "district_name"),
            text(row, "regency_name")
        );
        let status = text(row, "status");
        html.push_str(&format!(
            r#"<tr data-id="{id}" data-testid="row"><td><a class="name" href="{}">{}</a></td><td class="nik">{}</td>{}<td><span class="tag status-{}">{}</span></td><td><a class="officer" title="{}" href="{}">{}</a></td>{}</tr>"#,
            esc(&format!("#/pendaftaran/{}", encode(text(row, "id")))),
            esc(text(row, "full_name")),
            esc(text(row, "nik")),
            cells("td", &[&area, &programmes]),
            esc(status),
            label(lang, STATUSES, status),
            l(lang, "Saring petugas ini", "Filter this officer"),
            esc(&link(with(query, "officer", text(row, "registered_by")))),
            esc(text(row, "officer_name")),
            cells("td", &[&datetime(num(row, "created_at"))]),
        ));
    }
    html.push_str("</tbody></table></div>");
    if rows.is_empty() {
        html.push_str(&format!(
            r#"<p class="hint">{}</p>"#,
            l(
                lang,
                "Tidak ada pendaftaran yang cocok.",
                "No registrations match."
            )
        ));
    }
    let step = |to: f64, caption: &str, name: &str| {
        if to < 1.0 || to > pages {
            format!(r#"<span class="disabled">{caption}</span>"#)
        } else {
            format!(
                r#"<a class="button secondary" data-testid="{name}" href="{}">{caption}</a>"#,
                esc(&link(with(query, "page", &to.to_string())))
            )
        }
    };
    html.push_str(&format!(
        r#"<div class="pager">{}<span data-testid="page">{} {current} / {pages}</span>{}</div>"#,
        step(
            current - 1.0,
            l(lang, "‹ Sebelumnya", "‹ Previous"),
            "previous"
        ),
        l(lang, "Halaman", "Page"),
        step(current + 1.0, l(lang, "Berikutnya ›", "Next ›"), "next"),
    ));
    html
}
