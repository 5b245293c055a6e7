//! "Ringkasan" (the supervisor's first screen): totals, this year's progress against the
//! targets per regency and per programme, counts by review status and programme,
//! registrations per day over 90 days (an SVG bar chart), this year's outcomes (the
//! funnel from registration to work against the outcome targets, per programme with its
//! steps, per regency), officers who have not synced for N days, and citizens' requests
//! still open with their deadlines. It reloads by itself when officers sync (`live`),
//! without reloading the page. Every count links to the table filtered on it.

use jemput_app_common::format::{count, datetime};
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::overview::{
    DayCount, Outcomes, Overview as Answer, ProgrammeOutcomes, StageProgress, StaleOfficer,
};
use jemput_shared::api::registrations::TableQuery;
use jemput_shared::follow_up::Stage;
use jemput_shared::registration::{Programme, ReviewStatus};
use leptos::prelude::*;

use crate::api;
use crate::app::use_supervision;
use crate::components::answer_view;
use crate::live;
use crate::pages::privacy_requests::OpenRequests;
use crate::screen::{table_path, Screen};

/// One bar: a label linking to the table, the count and what it is measured against.
#[derive(Clone)]
struct Bar {
    label: String,
    href: String,
    count: i64,
    /// The bar is full at this value.
    of: i64,
    /// A target to show beside the count.
    target: Option<i64>,
    /// The funnel's stage the bar counts (`data-stage`), for the funnel's bars.
    stage: Option<Stage>,
    /// What `of` is, when it is not a target: the share is written beside the count
    /// ("39 (7% dari yang terdaftar)"), so a bar says what it measures.
    share_of: Option<(&'static str, &'static str)>,
}

#[component]
pub fn Overview() -> impl IntoView {
    let supervision = use_supervision();
    let lang = supervision.shell.lang;
    let stale_days = RwSignal::new(7u32);
    let reload = RwSignal::new(0u32);
    live::follow(supervision.shell, reload);
    let overview = api::resource::<Answer>(move || {
        reload.track();
        format!("/api/overview?stale_days={}", stale_days.get())
    });
    view! {
        <section class="overview" data-testid="overview">
            <h1>{move || l(lang.get(), "Ringkasan", "Overview")}</h1>
            {move || {
                let lang = lang.get();
                answer_view(lang, overview.get(), |o| figures(lang, o).into_any())
            }}
            <section class="card" data-testid="stale-officers">
                <h2>{move || l(lang.get(), "Petugas yang belum sinkron", "Officers who have not synced")}</h2>
                <label class="inline">
                    <span>{move || l(lang.get(), "Sejak (hari)", "For (days)")}</span>
                    <input type="number" name="stale_days" min="1" max="365"
                        prop:value=move || stale_days.get().to_string()
                        on:change=move |ev| {
                            if let Ok(days) = event_target_value(&ev).parse::<u32>() {
                                stale_days.set(days.clamp(1, 365));
                            }
                        }/>
                </label>
                {move || {
                    let lang = lang.get();
                    overview.get().and_then(Result::ok).map(|o| stale_officers(lang, o.stale_officers))
                }}
            </section>
            <OpenRequests />
        </section>
    }
}

/// Everything above the stale officers.
fn figures(lang: Lang, o: Answer) -> impl IntoView {
    let province_target = o.province_target.max(1);
    let filtered = |query: TableQuery| table_path(&query);
    let regencies: Vec<Bar> = o
        .regencies
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            href: filtered(TableQuery {
                regency: Some(r.code.clone()),
                ..TableQuery::default()
            }),
            count: r.year_count,
            of: r.target.unwrap_or(province_target),
            target: r.target,
            stage: None,
            share_of: None,
        })
        .collect();
    let programmes: Vec<Bar> = o
        .programmes
        .iter()
        .map(|p| Bar {
            label: label(lang, p.programme.label()).to_owned(),
            href: programme_path(p.programme),
            count: p.year_count,
            of: p.target.unwrap_or(o.year_total.max(1)),
            target: p.target,
            stage: None,
            share_of: None,
        })
        .collect();
    let total = o.total;
    let by_status: Vec<Bar> = ReviewStatus::ALL
        .iter()
        .map(|&status| Bar {
            label: label(lang, status.label()).to_owned(),
            href: filtered(TableQuery {
                status: Some(status),
                ..TableQuery::default()
            }),
            count: o.by_status.get(&status).copied().unwrap_or(0),
            of: total.max(1),
            target: None,
            stage: None,
            share_of: None,
        })
        .collect();
    let by_programme: Vec<Bar> = Programme::ALL
        .iter()
        .map(|&programme| Bar {
            label: label(lang, programme.label()).to_owned(),
            href: programme_path(programme),
            count: o.by_programme.get(&programme).copied().unwrap_or(0),
            of: total.max(1),
            target: None,
            stage: None,
            share_of: None,
        })
        .collect();
    let year_caption = format!(
        "{} {} · target {}",
        l(lang, "tahun", "in"),
        o.year,
        count(lang, o.province_target)
    );
    view! {
        <div class="stats">
            {stat(lang, Screen::Registrations.path(), "total", total,
                l(lang, "pendaftaran (semua waktu)", "registrations (all time)").to_owned())}
            {stat(lang, Screen::Registrations.path(), "year-total", o.year_total, year_caption)}
            {stat(lang, Screen::Duplicates.path(), "duplicate-groups", o.duplicate_groups as i64,
                l(lang, "kelompok NIK ganda", "duplicate NIK groups").to_owned())}
        </div>
        <div class="panels">
            {panel(lang, l(lang, "Target per kabupaten/kota", "Target per regency"), regencies, "regencies")}
            {panel(lang, l(lang, "Target per program", "Target per programme"), programmes, "programmes")}
            {panel(lang, l(lang, "Status tinjauan", "Review status"), by_status, "by-status")}
            {panel(lang, l(lang, "Minat program", "Programme interests"), by_programme, "by-programme")}
        </div>
        <section class="card">
            <h2>{l(lang, "Pendaftaran per hari (90 hari)", "Registrations per day (90 days)")}</h2>
            {per_day_chart(lang, &o.per_day)}
        </section>
        {outcomes(lang, o.year, o.outcomes)}
    }
}

fn programme_path(programme: Programme) -> String {
    table_path(&TableQuery {
        programme: Some(programme),
        ..TableQuery::default()
    })
}

/// A headline figure linking to where it is counted.
fn stat(
    lang: Lang,
    href: String,
    testid: &'static str,
    value: i64,
    caption: String,
) -> impl IntoView {
    view! {
        <a class="stat" href=href data-testid=testid data-value=value.to_string()>
            <strong>{count(lang, value)}</strong>
            <span>{caption}</span>
        </a>
    }
}

/// A card of labelled bars, each linking to the table filtered on it.
fn panel(lang: Lang, title: &'static str, bars: Vec<Bar>, testid: &'static str) -> impl IntoView {
    view! {
        <section class="card" data-testid=testid>
            <h2>{title}</h2>
            {bar_list(lang, bars, "bars")}
        </section>
    }
}

/// Labelled bars (`<progress>`) in a list of `class`, each linking to the table filtered
/// on it.
fn bar_list(lang: Lang, bars: Vec<Bar>, class: &'static str) -> impl IntoView {
    view! {
        <ul class=class>
            <For each=move || bars.clone() key=|bar| bar.href.clone() let:bar>
                {
                    let share = (bar.count as f64 / bar.of.max(1) as f64 * 100.0).min(100.0);
                    let figure = bar_figure(lang, &bar);
                    view! {
                        <li data-stage=bar.stage.map(Stage::code)>
                            <a href=bar.href data-value=bar.count.to_string()>
                                <span class="bar-label">{bar.label}</span>
                                <span class="bar-figure">{figure}</span>
                                <progress max="100" value=format!("{share:.1}")></progress>
                            </a>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// A bar's count, against its target or with its share of what it measures.
fn bar_figure(lang: Lang, bar: &Bar) -> String {
    match (bar.target, bar.share_of) {
        (None, Some((id, en))) => format!(
            "{} ({:.0}% {})",
            count(lang, bar.count),
            bar.count as f64 / bar.of.max(1) as f64 * 100.0,
            l(lang, id, en)
        ),
        _ => figure(lang, bar.count, bar.target),
    }
}

/// A count, against its target when one is set: "1.250 / 10.000 (13%)".
fn figure(lang: Lang, value: i64, target: Option<i64>) -> String {
    match target {
        Some(target) => format!(
            "{} / {} ({:.0}%)",
            count(lang, value),
            count(lang, target),
            value as f64 / target.max(1) as f64 * 100.0
        ),
        None => count(lang, value),
    }
}

/// "Hasil tahun ini": the funnel over every programme (a bar per stage, full at its
/// target, or else at this year's registrations, its share of them written beside it), then each programme's stages and
/// steps, then each regency's stages. Each count links to the table of the people who
/// reached the stage (the table is not limited to this year).
fn outcomes(lang: Lang, year: i32, outcomes: Outcomes) -> impl IntoView {
    let registered = outcomes
        .funnel
        .iter()
        .find(|s| s.stage == Stage::Registered)
        .map_or(0, |s| s.year_count);
    let funnel: Vec<Bar> = outcomes
        .funnel
        .iter()
        .map(|s| Bar {
            label: label(lang, s.stage.label()).to_owned(),
            href: stage_path(TableQuery::default(), s.stage),
            count: s.year_count,
            of: s.target.unwrap_or(registered),
            target: s.target,
            stage: Some(s.stage),
            share_of: (s.stage != Stage::Registered)
                .then_some(("dari yang terdaftar", "of those registered")),
        })
        .collect();
    let stage_headings = || {
        Stage::ALL
            .iter()
            .map(|s| view! { <th class="number">{label(lang, s.label())}</th> })
            .collect_view()
    };
    let programmes = outcomes.programmes;
    let regencies = outcomes.regencies;
    view! {
        <section class="card outcomes" data-testid="outcomes">
            <h2>{format!("{} ({year})", l(lang, "Hasil tahun ini", "This year's outcomes"))}</h2>
            <p class="hint">
                {l(
                    lang,
                    "Orang yang tahun ini pertama kali mencapai tiap tahap, di semua program; yang sudah lebih jauh ikut terhitung di tahap sebelumnya.",
                    "People who first reached each stage this year, over all programmes; those further along count at the earlier stages too.",
                )}
            </p>
            {bar_list(lang, funnel, "bars funnel")}
            <h3>{l(lang, "Per program", "Per programme")}</h3>
            <div class="table-wrap">
                <table class="grid outcomes-table" data-testid="programme-outcomes">
                    <thead>
                        <tr>
                            <th>{l(lang, "Program", "Programme")}</th>
                            {stage_headings()}
                            <th>{l(lang, "Langkah tindak lanjut", "Follow-up steps")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {programmes.into_iter().map(|p| programme_row(lang, p)).collect_view()}
                    </tbody>
                </table>
            </div>
            <h3>{l(lang, "Per kabupaten/kota", "Per regency")}</h3>
            <div class="table-wrap">
                <table class="grid outcomes-table" data-testid="regency-outcomes">
                    <thead>
                        <tr>
                            <th>{l(lang, "Kabupaten/kota", "Regency")}</th>
                            {stage_headings()}
                        </tr>
                    </thead>
                    <tbody>
                        {regencies.into_iter().map(|r| {
                            let query = TableQuery {
                                regency: Some(r.code.clone()),
                                ..TableQuery::default()
                            };
                            view! {
                                <tr data-regency=r.code.clone()>
                                    <td><a href=table_path(&query)>{r.name}</a></td>
                                    {stage_cells(lang, query, r.stages)}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A programme's row: its stages, then each of its steps with its count.
fn programme_row(lang: Lang, p: ProgrammeOutcomes) -> impl IntoView {
    let query = TableQuery {
        programme: Some(p.programme),
        ..TableQuery::default()
    };
    let steps = p
        .steps
        .into_iter()
        .map(|s| {
            let href = table_path(&TableQuery {
                step: Some(s.step),
                ..query.clone()
            });
            view! {
                <li data-step=s.step.code()>
                    <a href=href data-value=s.year_count.to_string()>
                        {label(lang, s.step.label())} " " <strong>{count(lang, s.year_count)}</strong>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <tr data-programme=p.programme.code()>
            <td><a href=table_path(&query)>{label(lang, p.programme.label())}</a></td>
            {stage_cells(lang, query, p.stages)}
            <td><ul class="steps">{steps}</ul></td>
        </tr>
    }
}

/// One cell per stage: its count (against its target, if set), linking to `query`'s
/// table of the people who reached it.
fn stage_cells(lang: Lang, query: TableQuery, stages: Vec<StageProgress>) -> impl IntoView {
    stages
        .into_iter()
        .map(|s| {
            view! {
                <td class="number" data-stage=s.stage.code()>
                    <a href=stage_path(query.clone(), s.stage) data-value=s.year_count.to_string()>
                        {figure(lang, s.year_count, s.target)}
                    </a>
                </td>
            }
        })
        .collect_view()
}

/// The table of `query`'s people who reached `stage` (everyone, for registrations).
fn stage_path(query: TableQuery, stage: Stage) -> String {
    table_path(&TableQuery {
        stage: (stage != Stage::Registered).then_some(stage),
        ..query
    })
}

/// The last 90 days as one SVG path of bars, with the highest day and the first and last
/// dates written beside it.
fn per_day_chart(lang: Lang, days: &[DayCount]) -> impl IntoView {
    const WIDTH: f64 = 900.0;
    const HEIGHT: f64 = 160.0;
    let step = WIDTH / days.len().max(1) as f64;
    let max = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let sum: i64 = days.iter().map(|d| d.count).sum();
    let mut path = String::new();
    for (i, d) in days.iter().enumerate() {
        let h = d.count as f64 / max as f64 * HEIGHT;
        if h > 0.0 {
            let (x, w) = (i as f64 * step, step * 0.8);
            path.push_str(&format!(
                "M{x:.1} {:.1}h{w:.1}v{h:.1}h-{w:.1}z",
                20.0 + HEIGHT - h
            ));
        }
    }
    let summary = format!(
        "{} {} · {} {}",
        count(lang, sum),
        l(lang, "pendaftaran", "registrations"),
        l(lang, "tertinggi", "highest"),
        count(lang, max)
    );
    let aria = summary.clone();
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    view! {
        <svg class="chart" viewBox="0 0 900 200" role="img" aria-label=aria
            data-testid="per-day" data-sum=sum.to_string()>
            <line x1="0" y1="180.5" x2="900" y2="180.5" class="axis"></line>
            <path d=path class="bars"></path>
            <text x="0" y="197">{first}</text>
            <text x="900" y="197" text-anchor="end">{last}</text>
            <text x="900" y="12" text-anchor="end">{summary}</text>
        </svg>
    }
}

fn stale_officers(lang: Lang, stale: Vec<StaleOfficer>) -> AnyView {
    if stale.is_empty() {
        return view! {
            <p class="hint">{l(lang, "Semua petugas sudah sinkron.", "Every officer has synced.")}</p>
        }
        .into_any();
    }
    view! {
        <table class="grid">
            <thead>
                <tr>
                    <th>{l(lang, "Petugas", "Officer")}</th>
                    <th>{l(lang, "Wilayah", "Areas")}</th>
                    <th>{l(lang, "Sinkron terakhir", "Last sync")}</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || stale.clone() key=|s| s.user_id.clone() let:s>
                    <tr>
                        <td>{format!("{} ({})", s.display_name, s.username)}</td>
                        <td>{s.regions.join(", ")}</td>
                        <td>
                            {s.last_sync_at
                                .map(datetime)
                                .unwrap_or_else(|| l(lang, "belum pernah", "never").to_owned())}
                        </td>
                    </tr>
                </For>
            </tbody>
        </table>
    }
    .into_any()
}
