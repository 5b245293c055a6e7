//! "Pendaftaran": the registrations in the supervisor's scope, paged, sorted and
//! filtered by the server. The filters live in the URL's query — the same query the API
//! takes ([`TableQuery`]) — so a view can be bookmarked, shared and reloaded, and the CSV
//! and XLSX export links carry exactly the filter on screen.

use jemput_app_common::format::{count, datetime};
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::registrations::{RegistrationPage, SortDir, SortKey, TableQuery, TableRow};
use jemput_shared::domain::RegionCode;
use jemput_shared::follow_up::{Stage, Step};
use jemput_shared::policy::Role;
use jemput_shared::registration::{Programme, ReviewStatus};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api;
use crate::app::{use_supervision, Supervision};
use crate::components::{answer_view, area_text, programmes_text};
use crate::screen::{record_path, table_path};

/// Rows per page (the API's default).
const PER_PAGE: u64 = 50;

/// The table's columns: sortable ones by their sort key, the others by their heading.
#[derive(Clone, Copy)]
enum Column {
    Sorted(SortKey),
    Plain(&'static str, &'static str),
}

const COLUMNS: [Column; 8] = [
    Column::Sorted(SortKey::FullName),
    Column::Sorted(SortKey::Nik),
    Column::Sorted(SortKey::Regency),
    Column::Plain("Program", "Programme"),
    Column::Plain("Tahap", "Stage"),
    Column::Sorted(SortKey::Status),
    Column::Plain("Petugas", "Officer"),
    Column::Sorted(SortKey::CreatedAt),
];

/// A filter the screen changes, with what changing it clears: any change but the page's
/// goes back to page 1, and a new regency or district clears the levels below it.
#[derive(Clone, Copy)]
enum Filter {
    Regency,
    District,
    Village,
    Programme,
    Status,
    Stage,
    Step,
    Officer,
    From,
    To,
    Search,
}

/// `query` with `filter` set to `value` (unset when empty), back on page 1.
fn with_filter(query: &TableQuery, filter: Filter, value: &str) -> TableQuery {
    let text = (!value.is_empty()).then(|| value.to_owned());
    let mut next = TableQuery {
        page: None,
        ..query.clone()
    };
    match filter {
        Filter::Regency => {
            next.regency = text;
            next.district = None;
            next.village = None;
        }
        Filter::District => {
            next.district = text;
            next.village = None;
        }
        Filter::Village => next.village = text,
        Filter::Programme => next.programme = Programme::from_code(value),
        Filter::Status => next.status = ReviewStatus::from_code(value),
        Filter::Stage => next.stage = Stage::from_code(value),
        Filter::Step => next.step = Step::from_code(value),
        Filter::Officer => next.officer = text,
        Filter::From => next.from = text,
        Filter::To => next.to = text,
        Filter::Search => next.q = text,
    }
    next
}

/// `query` sorted by `key`: a second click on the current column turns the order.
fn sorted_by(query: &TableQuery, key: SortKey) -> TableQuery {
    let active = query.sort.unwrap_or_default() == key;
    let descending = query.dir.unwrap_or_default() == SortDir::Desc;
    TableQuery {
        sort: Some(key),
        dir: Some(if active && descending {
            SortDir::Asc
        } else {
            SortDir::Desc
        }),
        page: None,
        ..query.clone()
    }
}

#[component]
pub fn RegistrationTable() -> impl IntoView {
    let supervision = use_supervision();
    let lang = supervision.shell.lang;
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|map| TableQuery::from_pairs(map.latest_values().map(|(k, v)| (k.as_ref(), v))))
    });
    let page = api::resource::<RegistrationPage>(move || {
        format!("/api/registrations?{}", query.get().to_query_string())
    });
    view! {
        <section class="table-page" data-testid="table">
            <h1>{move || l(lang.get(), "Pendaftaran", "Registrations")}</h1>
            {move || filters(supervision, lang.get(), query)}
            {move || {
                let lang = lang.get();
                answer_view(lang, page.get(), |page| results(lang, &query.get_untracked(), page).into_any())
            }}
        </section>
    }
}

/// Goes to the table with a new query (a new entry in the history: "back" undoes a
/// filter). Made while the screen is drawn: the router is found then.
fn go_to_table() -> impl Fn(TableQuery) + Clone {
    let navigate = use_navigate();
    move |query| navigate(&table_path(&query), NavigateOptions::default())
}

/// A select that sets `filter`: "any" first, then `options` as (value, label).
fn choice(
    query: Memo<TableQuery>,
    name: &'static str,
    filter: Filter,
    current: Option<String>,
    any: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let go = go_to_table();
    let current = current.unwrap_or_default();
    view! {
        <select name=name on:change=move |ev| {
            go(with_filter(&query.get_untracked(), filter, &event_target_value(&ev)));
        }>
            <option value="">{any}</option>
            {options
                .into_iter()
                .map(|(value, name)| {
                    let selected = value == current;
                    view! { <option value=value selected=selected>{name}</option> }
                })
                .collect_view()}
        </select>
    }
}

fn filters(supervision: Supervision, lang: Lang, query: Memo<TableQuery>) -> impl IntoView {
    let q = query.get();
    let is_admin = supervision.role == Role::Admin;
    let own = supervision
        .shell
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.regions.clone()))
        .unwrap_or_default();
    let in_scope = |code: &RegionCode| is_admin || own.iter().any(|r| r == code.as_str());
    let (regencies, districts, villages) = supervision.regions.with(|directory| {
        let Some(directory) = directory else {
            return Default::default();
        };
        let named = |list: Vec<(&RegionCode, &str)>| {
            list.into_iter()
                .map(|(code, name)| (code.to_string(), format!("{code} {name}")))
                .collect::<Vec<_>>()
        };
        let parent =
            |code: &Option<String>| code.as_deref().and_then(|c| RegionCode::parse(c).ok());
        let regencies = named(directory.regencies().filter(|(c, _)| in_scope(c)).collect());
        let districts = parent(&q.regency)
            .map(|r| named(directory.districts_of(&r).collect()))
            .unwrap_or_default();
        let villages = parent(&q.district)
            .map(|d| named(directory.villages_of(&d).collect()))
            .unwrap_or_default();
        (regencies, districts, villages)
    });
    let coded = |all: Vec<(String, &'static str)>| -> Vec<(String, String)> {
        all.into_iter()
            .map(|(code, name)| (code, name.to_owned()))
            .collect()
    };
    let programmes = coded(
        Programme::ALL
            .iter()
            .map(|p| (p.code().to_owned(), label(lang, p.label())))
            .collect(),
    );
    let statuses = coded(
        ReviewStatus::ALL
            .iter()
            .map(|s| (s.code().to_owned(), label(lang, s.label())))
            .collect(),
    );
    // Everyone reached "Terdaftar": the filter offers the stages after it.
    let stages = coded(
        Stage::ALL
            .iter()
            .filter(|s| **s != Stage::Registered)
            .map(|s| (s.code().to_owned(), label(lang, s.label())))
            .collect(),
    );
    let steps = coded(
        Step::ALL
            .iter()
            .map(|s| (s.code().to_owned(), label(lang, s.label())))
            .collect(),
    );
    let search = RwSignal::new(q.q.clone().unwrap_or_default());
    let go = go_to_table();
    let go_date = go.clone();
    let date = move |name: &'static str,
                     filter: Filter,
                     value: Option<String>,
                     caption: &'static str| {
        view! {
            <label class="inline">
                <span>{caption}</span>
                <input type="date" name=name prop:value=value.unwrap_or_default()
                    on:change={
                        let go = go_date.clone();
                        move |ev| go(with_filter(&query.get_untracked(), filter, &event_target_value(&ev)))
                    }/>
            </label>
        }
    };
    let export = move |kind: &str| {
        let filter = TableQuery {
            page: None,
            ..query.get_untracked()
        };
        api::with_token(
            supervision.shell,
            &format!(
                "/api/registrations/export.{kind}?{}",
                filter.to_query_string()
            ),
        )
    };
    let officer_chosen = q.officer.is_some();
    let without_officer = table_path(&with_filter(&q, Filter::Officer, ""));
    view! {
        <form class="search-bar" on:submit=move |ev| {
            ev.prevent_default();
            go(with_filter(&query.get_untracked(), Filter::Search, search.get_untracked().trim()));
        }>
            <input type="search" name="q" prop:value=search.get_untracked()
                placeholder=l(lang, "Cari nama atau NIK", "Search name or NIK")
                on:input=move |ev| search.set(event_target_value(&ev))/>
            <button type="submit" class="secondary" name="search">{l(lang, "Cari", "Search")}</button>
        </form>
        <div class="table-filters" data-testid="filters">
            {choice(query, "regency", Filter::Regency, q.regency.clone(),
                l(lang, "Semua kabupaten/kota", "All regencies"), regencies)}
            {q.regency.is_some().then(|| choice(query, "district", Filter::District, q.district.clone(),
                l(lang, "Semua kecamatan", "All districts"), districts))}
            {q.district.is_some().then(|| choice(query, "village", Filter::Village, q.village.clone(),
                l(lang, "Semua desa/kelurahan", "All villages"), villages))}
            {choice(query, "programme", Filter::Programme, q.programme.map(|p| p.code().to_owned()),
                l(lang, "Semua program", "All programmes"), programmes)}
            {choice(query, "status", Filter::Status, q.status.map(|s| s.code().to_owned()),
                l(lang, "Semua status", "Any status"), statuses)}
            {choice(query, "stage", Filter::Stage, q.stage.map(|s| s.code().to_owned()),
                l(lang, "Tahap: semua", "Stage: any"), stages)}
            {choice(query, "step", Filter::Step, q.step.map(|s| s.code().to_owned()),
                l(lang, "Langkah tindak lanjut: semua", "Follow-up step: any"), steps)}
            {date("from", Filter::From, q.from.clone(), l(lang, "Dari", "From"))}
            {date("to", Filter::To, q.to.clone(), l(lang, "Sampai", "To"))}
        </div>
        <p class="exports">
            {officer_chosen.then(|| view! {
                <a class="chip" data-testid="clear-officer" href=without_officer>
                    {l(lang, "Petugas terpilih ✕", "Chosen officer ✕")}
                </a>
                " "
            })}
            <a class="clear" href=table_path(&TableQuery::default())>{l(lang, "Hapus filter", "Clear filters")}</a>
            " · " {l(lang, "Unduh hasil filter:", "Download this filter:")} " "
            <a href=export("csv") download data-testid="export-csv">"CSV"</a>
            " · "
            <a href=export("xlsx") download data-testid="export-xlsx">"XLSX"</a>
        </p>
    }
}

fn results(lang: Lang, query: &TableQuery, page: RegistrationPage) -> impl IntoView {
    let sort = query.sort.unwrap_or_default();
    let ascending = query.dir.unwrap_or_default() == SortDir::Asc;
    let current = page.page.max(1);
    let pages = page.total.div_ceil(PER_PAGE).max(1);
    let headings = COLUMNS
        .into_iter()
        .map(|column| match column {
            Column::Plain(id, en) => view! { <th>{l(lang, id, en)}</th> }.into_any(),
            Column::Sorted(key) => {
                let active = key == sort;
                let (arrow, aria) = match (active, ascending) {
                    (false, _) => ("", "none"),
                    (true, true) => (" ▲", "ascending"),
                    (true, false) => (" ▼", "descending"),
                };
                view! {
                    <th aria-sort=aria>
                        <a class="sort" data-sort=key.code() href=table_path(&sorted_by(query, key))>
                            {label(lang, key.label())}{arrow}
                        </a>
                    </th>
                }
                .into_any()
            }
        })
        .collect_view();
    let empty = page.rows.is_empty();
    let rows = page.rows;
    let officer_link = {
        let query = query.clone();
        move |officer: &str| table_path(&with_filter(&query, Filter::Officer, officer))
    };
    let step = |to: u64, caption: &'static str, testid: &'static str| {
        if to < 1 || to > pages {
            view! { <span class="disabled">{caption}</span> }.into_any()
        } else {
            let href = table_path(&TableQuery {
                page: Some(to),
                ..query.clone()
            });
            view! { <a class="button secondary" data-testid=testid href=href>{caption}</a> }
                .into_any()
        }
    };
    view! {
        <p class="count" data-testid="table-total" data-value=page.total.to_string()>
            {if page.total_is_exact { "" } else { "≥ " }}
            {count(lang, page.total as i64)} " " {l(lang, "pendaftaran", "registrations")}
        </p>
        <div class="table-wrap">
            <table class="grid registrations">
                <thead><tr>{headings}</tr></thead>
                <tbody>
                    <For each=move || rows.clone() key=|row| row.id.clone() let:row>
                        {row_view(lang, row, officer_link.clone())}
                    </For>
                </tbody>
            </table>
        </div>
        {empty.then(|| view! {
            <p class="hint">{l(lang, "Tidak ada pendaftaran yang cocok.", "No registrations match.")}</p>
        })}
        <div class="pager">
            {step(current.saturating_sub(1), l(lang, "‹ Sebelumnya", "‹ Previous"), "previous")}
            <span data-testid="page">{format!("{} {current} / {pages}", l(lang, "Halaman", "Page"))}</span>
            {step(current + 1, l(lang, "Berikutnya ›", "Next ›"), "next")}
        </div>
    }
}

fn row_view(lang: Lang, row: TableRow, officer_link: impl Fn(&str) -> String) -> impl IntoView {
    let area = area_text(&row);
    let programmes = programmes_text(lang, &row);
    view! {
        <tr data-id=row.id.clone() data-testid="row">
            <td><a class="name" href=record_path(&row.id)>{row.full_name}</a></td>
            <td class="nik">{row.nik}</td>
            <td>{area}</td>
            <td>{programmes}</td>
            <td class="stage" data-stage=row.stage.code()>{label(lang, row.stage.label())}</td>
            <td>
                <span class=format!("tag status-{}", row.status.code())>{label(lang, row.status.label())}</span>
            </td>
            <td>
                <a class="officer" title=l(lang, "Saring petugas ini", "Filter this officer")
                    href=officer_link(&row.registered_by)>
                    {row.officer_name.unwrap_or_default()}
                </a>
            </td>
            <td>{datetime(row.created_at)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> TableQuery {
        TableQuery::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn a_new_regency_clears_the_levels_below_it_and_the_page() {
        let q = query(&[
            ("regency", "17.01"),
            ("district", "17.01.01"),
            ("village", "17.01.01.2001"),
            ("status", "verified"),
            ("page", "3"),
        ]);
        let next = with_filter(&q, Filter::Regency, "17.02");
        assert_eq!(next, query(&[("regency", "17.02"), ("status", "verified")]));
        let next = with_filter(&q, Filter::District, "");
        assert_eq!(next, query(&[("regency", "17.01"), ("status", "verified")]));
    }

    #[test]
    fn a_stage_or_a_step_is_kept_beside_the_other_filters_back_on_page_1() {
        let q = query(&[("programme", "blk_training"), ("page", "2")]);
        let next = with_filter(&q, Filter::Stage, "qualified");
        assert_eq!(
            next,
            query(&[("programme", "blk_training"), ("stage", "qualified")])
        );
        let next = with_filter(&next, Filter::Step, "certified");
        assert_eq!(next.step, Some(Step::Certified));
        assert_eq!(with_filter(&next, Filter::Stage, "").stage, None);
    }

    #[test]
    fn a_second_click_on_the_sorted_column_turns_the_order() {
        let first = sorted_by(&TableQuery::default(), SortKey::FullName);
        assert_eq!(
            (first.sort, first.dir),
            (Some(SortKey::FullName), Some(SortDir::Desc))
        );
        let second = sorted_by(&first, SortKey::FullName);
        assert_eq!(second.dir, Some(SortDir::Asc));
        let other = sorted_by(&second, SortKey::Nik);
        assert_eq!(other.dir, Some(SortDir::Desc));
    }
}
