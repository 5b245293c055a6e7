//! "Ringkasan" (`#/ringkasan`, the supervisor's first screen): totals, this year's
//! progress against the targets per regency and per programme, counts by review status
//! and programme, registrations per day over 90 days (an SVG bar chart), and officers who
//! have not synced for N days. It reloads by itself when officers sync (`live`), without
//! reloading the page. Every count links to the table filtered on it.

use leptos::prelude::*;
use serde_json::Value;

use crate::format::{count, datetime, label, PROGRAMMES, STATUSES};
use crate::html::{block, cells, esc};
use crate::i18n::{l, Lang};
use crate::live;
use crate::state::use_state;
use crate::supervisor_api::{encode, fetched, list, num, text};

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
            Some(Ok(overview)) => page(lang, overview, stale_days).into_any(),
            other => block(lang, other, |_| String::new()),
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
                href: format!("#/pendaftaran?regency={}", encode(text(r, "code"))),
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
                href: format!("#/pendaftaran?programme={}", encode(text(p, "code"))),
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
    let duplicates = num(o, "duplicate_groups");
    let mut html = String::new();
    let stat = |html: &mut String, href: &str, testid: &str, value: f64, caption: &str| {
        html.push_str(&format!(
            r#"<a class="stat" href="{href}" data-testid="{testid}" data-value="{value}"><strong>{}</strong><span>{}</span></a>"#,
            count(lang, value),
            esc(caption)
        ));
    };
    html.push_str(r#"<div class="stats">"#);
    stat(
        &mut html,
        "#/pendaftaran",
        "total",
        total,
        l(
            lang,
            "pendaftaran (semua waktu)",
            "registrations (all time)",
        ),
    );
    let caption = format!(
        "{} {year} · target {}",
        l(lang, "tahun", "in"),
        count(lang, province_target)
    );
    stat(
        &mut html,
        "#/pendaftaran",
        "year-total",
        year_total,
        &caption,
    );
    stat(
        &mut html,
        "#/duplikat",
        "duplicate-groups",
        duplicates,
        l(lang, "kelompok NIK ganda", "duplicate NIK groups"),
    );
    html.push_str(r#"</div><div class="panels">"#);
    panel(
        &mut html,
        lang,
        l(lang, "Target per kabupaten/kota", "Target per regency"),
        &regencies,
        "regencies",
    );
    panel(
        &mut html,
        lang,
        l(lang, "Target per program", "Target per programme"),
        &programmes,
        "programmes",
    );
    panel(
        &mut html,
        lang,
        l(lang, "Status tinjauan", "Review status"),
        &counts("by_status", STATUSES, "status"),
        "by-status",
    );
    panel(
        &mut html,
        lang,
        l(lang, "Minat program", "Programme interests"),
        &counts("by_programme", PROGRAMMES, "programme"),
        "by-programme",
    );
    html.push_str(&format!(
        r#"</div><section class="card"><h2>{}</h2>{}</section>"#,
        l(
            lang,
            "Pendaftaran per hari (90 hari)",
            "Registrations per day (90 days)"
        ),
        per_day_chart(lang, list(o, "per_day"))
    ));
    let stale = list(o, "stale_officers");
    let mut rows = String::new();
    for s in stale {
        let name = format!("{} ({})", text(s, "display_name"), text(s, "username"));
        let regions = list(s, "regions")
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let last = s
            .get("last_sync_at")
            .and_then(Value::as_f64)
            .map(datetime)
            .unwrap_or_else(|| l(lang, "belum pernah", "never").to_owned());
        rows.push_str(&format!(
            "<tr>{}</tr>",
            cells("td", &[&name, &regions, &last])
        ));
    }
    let stale_html = if stale.is_empty() {
        format!(
            r#"<p class="hint">{}</p>"#,
            l(
                lang,
                "Semua petugas sudah sinkron.",
                "Every officer has synced."
            )
        )
    } else {
        format!(
            r#"<table class="grid"><thead><tr>{}</tr></thead><tbody>{rows}</tbody></table>"#,
            cells(
                "th",
                &[
                    l(lang, "Petugas", "Officer"),
                    l(lang, "Wilayah", "Areas"),
                    l(lang, "Sinkron terakhir", "Last sync")
                ]
            )
        )
    };
    view! {
        <section class="overview" data-testid="overview">
            <h1>{l(lang, "Ringkasan", "Overview")}</h1>
            <div inner_html=html></div>
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
                <div inner_html=stale_html></div>
            </section>
        </section>
    }
}

/// A card of labelled bars (`<progress>`), each linking to the table filtered on it.
fn panel(html: &mut String, lang: Lang, title: &str, bars: &[Bar], testid: &str) {
    html.push_str(&format!(
        r#"<section class="card" data-testid="{testid}"><h2>{}</h2><ul class="bars">"#,
        esc(title)
    ));
    for bar in bars {
        let share = (bar.count / bar.of.max(1.0) * 100.0).min(100.0);
        let figure = match bar.target {
            Some(target) => format!(
                "{} / {} ({share:.0}%)",
                count(lang, bar.count),
                count(lang, target)
            ),
            None => count(lang, bar.count),
        };
        html.push_str(&format!(
            r#"<li><a href="{}" data-value="{}"><span class="bar-label">{}</span><span class="bar-figure">{figure}</span><progress max="100" value="{share:.1}"></progress></a></li>"#,
            esc(&bar.href),
            bar.count,
            esc(&bar.label)
        ));
    }
    html.push_str("</ul></section>");
}

/// The last 90 days as one SVG path of bars, with the highest day and the first and last
/// dates written beside it.
fn per_day_chart(lang: Lang, days: &[Value]) -> String {
    const WIDTH: f64 = 900.0;
    const HEIGHT: f64 = 160.0;
    let step = WIDTH / days.len().max(1) as f64;
    let max = days.iter().map(|d| num(d, "count")).fold(1.0, f64::max);
    let sum: f64 = days.iter().map(|d| num(d, "count")).sum();
    let mut path = String::new();
    for (i, d) in days.iter().enumerate() {
        let h = num(d, "count") / max * HEIGHT;
        if h > 0.0 {
            let (x, w) = (i as f64 * step, step * 0.8);
            path.push_str(&format!(
                "M{x:.1} {:.1}h{w:.1}v{h:.1}h-{w:.1}z",
                20.0 + HEIGHT - h
            ));
        }
    }
    let day = |d: Option<&Value>| esc(d.map(|d| text(d, "day")).unwrap_or(""));
    let summary = format!(
        "{} {} · {} {}",
        count(lang, sum),
        l(lang, "pendaftaran", "registrations"),
        l(lang, "tertinggi", "highest"),
        count(lang, max)
    );
    format!(
        r#"<svg class="chart" viewBox="0 0 900 200" role="img" aria-label="{summary}" data-testid="per-day" data-sum="{sum}"><title>{summary}</title><line x1="0" y1="180.5" x2="900" y2="180.5" class="axis"/><path d="{path}" class="bars"/><text x="0" y="197">{}</text><text x="900" y="197" text-anchor="end">{}</text><text x="900" y="12" text-anchor="end">{summary}</text></svg>"#,
        day(days.first()),
        day(days.last())
    )
}
