//! "Ringkasan" (`#/ringkasan`, the supervisor's first screen): totals, this year's
//! progress against the targets per regency and per programme, counts by review status
//! and programme, registrations per day over 90 days (an SVG bar chart), and officers who
//! have not synced for N days. It reloads by itself when officers sync (`live`), without
//! reloading the page. Every count links to the table filtered on it.

use leptos::prelude::*;
use serde_json::Value;

use crate::format::{count, label, PROGRAMMES, STATUSES};
use crate::i18n::{l, Lang};
use crate::live;
use crate::state::use_state;
use crate::supervisor_api::{fetched, list, num, text};

/// One bar: a label linking to the table, the count and what it is measured against.
struct Bar {
    label: String,
    href: String,
    count: f64,
    /// The bar is full at this value.
    of: f64,
    /// A target to show beside the count.
    target: Option<f64>,
}

#[component]
pub fn Overview() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let stale_days = RwSignal::new(7u32);
    let reload = RwSignal::new(0u32);
    live::follow(state, reload);
    let answer = fetched(state, move || {
        reload.track();
        format!("/api/overview?stale_days={}", stale_days.get())
    });
    move || {
        let lang = lang.get();
        answer.with(|answer| match answer {
            None => view! { <p class="loading">{l(lang, "Memuat…", "Loading…")}</p> }.into_any(),
            Some(Err(error)) => {
                view! { <p class="alert error" role="alert">{error.clone()}</p> }.into_any()
            }
            Some(Ok(overview)) => page(lang, overview, stale_days).into_any(),
        })
    }
}

fn page(lang: Lang, o: &Value, stale_days: RwSignal<u32>) -> impl IntoView {
    let year = num(o, "year");
    let year_total = num(o, "year_total");
    let province_target = num(o, "province_target").max(1.0);
    let regencies: Vec<Bar> = list(o, "regencies")
        .iter()
        .map(|r| {
            let target = r.get("target").and_then(Value::as_f64);
            Bar {
                label: text(r, "name").to_owned(),
                href: format!("#/pendaftaran?regency={}", text(r, "code")),
                count: num(r, "year_count"),
                of: target.unwrap_or(province_target),
                target,
            }
        })
        .collect();
    let programmes: Vec<Bar> = list(o, "programmes")
        .iter()
        .map(|p| {
            let target = p.get("target").and_then(Value::as_f64);
            Bar {
                label: label(lang, PROGRAMMES, text(p, "code")).to_owned(),
                href: format!("#/pendaftaran?programme={}", text(p, "code")),
                count: num(p, "year_count"),
                of: target.unwrap_or(year_total.max(1.0)),
                target,
            }
        })
        .collect();
    let total = num(o, "total");
    let counts = |key: &str, table: &[(&str, &str, &str)], filter: &str| -> Vec<Bar> {
        table
            .iter()
            .map(|&(code, id, en)| Bar {
                label: l(lang, id, en).to_owned(),
                href: format!("#/pendaftaran?{filter}={code}"),
                count: o.get(key).map(|m| num(m, code)).unwrap_or(0.0),
                of: total.max(1.0),
                target: None,
            })
            .collect()
    };
    let by_status = counts("by_status", STATUSES, "status");
    let by_programme = counts("by_programme", PROGRAMMES, "programme");
    let stale = list(o, "stale_officers");
    view! {
        <section class="overview" data-testid="overview">
            <h1>{l(lang, "Ringkasan", "Overview")}</h1>
            <div class="stats">
                <a class="stat" href="#/pendaftaran" data-testid="total" data-value=total.to_string()>
                    <strong>{count(lang, total)}</strong>
                    <span>{l(lang, "pendaftaran (semua waktu)", "registrations (all time)")}</span>
                </a>
                <div class="stat" data-testid="year-total" data-value=year_total.to_string()>
                    <strong>{count(lang, year_total)}</strong>
                    <span>
                        {format!("{} {year} · {} {}", l(lang, "tahun", "in"),
                            l(lang, "target", "target"), count(lang, province_target))}
                    </span>
                </div>
                <a class="stat" href="#/duplikat" data-testid="duplicate-groups"
                    data-value=num(o, "duplicate_groups").to_string()>
                    <strong>{count(lang, num(o, "duplicate_groups"))}</strong>
                    <span>{l(lang, "kelompok NIK ganda", "duplicate NIK groups")}</span>
                </a>
            </div>
            <div class="panels">
                {panel(lang, ("Target per kabupaten/kota", "Target per regency"), regencies, "regencies")}
                {panel(lang, ("Target per program", "Target per programme"), programmes, "programmes")}
                {panel(lang, ("Status tinjauan", "Review status"), by_status, "by-status")}
                {panel(lang, ("Minat program", "Programme interests"), by_programme, "by-programme")}
            </div>
            <section class="card">
                <h2>{l(lang, "Pendaftaran per hari (90 hari)", "Registrations per day (90 days)")}</h2>
                {per_day_chart(lang, list(o, "per_day"))}
            </section>
            <section class="card" data-testid="stale-officers">
                <h2>{l(lang, "Petugas yang belum sinkron", "Officers who have not synced")}</h2>
                <label class="inline">
                    <span>{l(lang, "Sejak (hari)", "For (days)")}</span>
                    <input type="number" name="stale_days" min="1" max="365"
                        prop:value=stale_days.get_untracked().to_string()
                        on:change=move |ev| {
                            if let Ok(days) = event_target_value(&ev).parse::<u32>() {
                                stale_days.set(days.clamp(1, 365));
                            }
                        }/>
                </label>
                <table class="grid">
                    <thead><tr>
                        <th>{l(lang, "Petugas", "Officer")}</th>
                        <th>{l(lang, "Wilayah", "Areas")}</th>
                        <th>{l(lang, "Sinkron terakhir", "Last sync")}</th>
                    </tr></thead>
                    <tbody>
                        {stale.iter().map(|s| view! {
                            <tr>
                                <td>{format!("{} ({})", text(s, "display_name"), text(s, "username"))}</td>
                                <td>{list(s, "regions").iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")}</td>
                                <td>{s.get("last_sync_at").and_then(Value::as_f64)
                                    .map(crate::format::datetime)
                                    .unwrap_or_else(|| l(lang, "belum pernah", "never").to_owned())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {stale.is_empty().then(|| view! { <p class="hint">{l(lang, "Semua petugas sudah sinkron.", "Every officer has synced.")}</p> })}
            </section>
        </section>
    }
}

/// A card of labelled bars, each linking to the table filtered on it.
fn panel(lang: Lang, title: (&str, &str), bars: Vec<Bar>, testid: &'static str) -> impl IntoView {
    view! {
        <section class="card" data-testid=testid>
            <h2>{l(lang, title.0, title.1).to_owned()}</h2>
            <ul class="bars">
                {bars.into_iter().map(|bar| {
                    let share = (bar.count / bar.of.max(1.0) * 100.0).min(100.0);
                    let figure = match bar.target {
                        Some(target) => format!("{} / {} ({share:.0}%)", count(lang, bar.count), count(lang, target)),
                        None => count(lang, bar.count),
                    };
                    view! {
                        <li>
                            <a href=bar.href data-value=bar.count.to_string()>
                                <span class="bar-label">{bar.label}</span>
                                <span class="bar-figure">{figure}</span>
                                <span class="bar"><span style:width=format!("{share:.1}%")></span></span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The last 90 days as one SVG path of bars, with the highest day and the first and last
/// dates written beside it.
fn per_day_chart(lang: Lang, days: &[Value]) -> impl IntoView {
    const WIDTH: f64 = 900.0;
    const HEIGHT: f64 = 160.0;
    let step = WIDTH / days.len().max(1) as f64;
    let max = days.iter().map(|d| num(d, "count")).fold(1.0, f64::max);
    let sum: f64 = days.iter().map(|d| num(d, "count")).sum();
    let mut path = String::new();
    for (i, d) in days.iter().enumerate() {
        let h = num(d, "count") / max * HEIGHT;
        if h > 0.0 {
            path.push_str(&format!(
                "M{:.1} {:.1}h{:.1}v{h:.1}h-{:.1}z",
                i as f64 * step,
                20.0 + HEIGHT - h,
                step * 0.8,
                step * 0.8
            ));
        }
    }
    let first = days
        .first()
        .map(|d| text(d, "day"))
        .unwrap_or("")
        .to_owned();
    let last = days.last().map(|d| text(d, "day")).unwrap_or("").to_owned();
    let summary = format!(
        "{} {} · {} {}",
        count(lang, sum),
        l(lang, "pendaftaran", "registrations"),
        l(lang, "tertinggi", "highest"),
        count(lang, max)
    );
    view! {
        <svg class="chart" viewBox="0 0 900 200" role="img" aria-label=summary.clone()
            data-testid="per-day" data-sum=sum.to_string()>
            <title>{summary.clone()}</title>
            <line x1="0" y1="180.5" x2="900" y2="180.5" class="axis"/>
            <path d=path class="bars"/>
            <text x="0" y="197">{first}</text>
            <text x="900" y="197" text-anchor="end">{last}</text>
            <text x="900" y="12" text-anchor="end">{summary.clone()}</text>
        </svg>
    }
}
