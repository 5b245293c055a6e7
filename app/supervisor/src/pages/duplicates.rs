//! "Duplikat": the queue of NIKs shared by two or more counted registrations. Each group
//! shows its registrations side by side; the supervisor keeps one ("Orang yang sama":
//! the others become its duplicates and leave the counts) or says they are different
//! people. Either verdict takes the group off the queue, and the next group moves up:
//! the screen shows the first page of the queue only. A group whose names differ says
//! so. Below the groups, the likely duplicates whose NIKs differ (a digit off, two
//! digits swapped, or no NIK with the same name, birth date and village), each with
//! why: the supervisor opens both records and, if it is one person, asks the officer to
//! correct the NIK — the pair then comes back as a group sharing a NIK.

use jemput_app_common::format::{count, datetime};
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::duplicates::{
    DuplicateGroup, DuplicateQueue, LikelyPair, ResolveRequest, Resolved, Verdict,
};
use jemput_shared::api::registrations::TableRow;
use jemput_shared::likeness::Likeness;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::use_supervision;
use crate::components::{answer_view, area_text, programmes_text};
use crate::screen::record_path;

/// Groups shown: the head of the queue.
const PER_PAGE: u32 = 20;

#[component]
pub fn Duplicates() -> impl IntoView {
    let shell = use_supervision().shell;
    let lang = shell.lang;
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let queue = api::resource::<DuplicateQueue>(move || {
        reload.track();
        format!("/api/duplicates?per_page={PER_PAGE}")
    });
    let resolve = Callback::new(move |request: ResolveRequest| {
        outcome.set(None);
        spawn_local(async move {
            let result =
                api::send::<Resolved>(shell, "POST", "/api/duplicates/resolve", &request).await;
            outcome.set(Some(
                result
                    .map(drop)
                    .map_err(|failure| failure.describe(lang.get_untracked())),
            ));
            reload.update(|n| *n += 1);
        });
    });
    view! {
        <section class="duplicates" data-testid="duplicates">
            <h1>{move || l(lang.get(), "NIK ganda", "Duplicate NIKs")}</h1>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(()) => view! { <p class="alert ok" role="status">{l(lang.get(), "Tersimpan.", "Saved.")}</p> }.into_any(),
                Err(text) => view! { <p class="alert error" role="status">{text}</p> }.into_any(),
            })}
            {move || {
                let lang = lang.get();
                answer_view(lang, queue.get(), |queue| groups(lang, queue, resolve).into_any())
            }}
        </section>
    }
}

fn groups(lang: Lang, queue: DuplicateQueue, resolve: Callback<ResolveRequest>) -> impl IntoView {
    let total = queue.total;
    let groups = queue.groups;
    view! {
        <p class="count" data-testid="duplicate-total" data-value=total.to_string()>
            {count(lang, total as i64)} " "
            {l(lang, "kelompok menunggu diperiksa", "groups waiting to be checked")}
        </p>
        <For each=move || groups.clone() key=|g| (g.nik.clone(), g.registrations.len()) let:group>
            {group_view(lang, group, resolve)}
        </For>
        {(total == 0).then(|| view! {
            <p class="hint">{l(lang, "Tidak ada NIK ganda.", "No duplicate NIKs.")}</p>
        })}
        {likely_pairs(lang, queue.likely, queue.likely_total)}
    }
}

fn likely_pairs(lang: Lang, pairs: Vec<LikelyPair>, total: usize) -> impl IntoView {
    (total > 0).then(|| {
        view! {
            <h2>{l(lang, "Kemungkinan data ganda dengan NIK berbeda", "Likely duplicates with different NIKs")}</h2>
            <p class="count" data-testid="likely-total" data-value=total.to_string()>
                {count(lang, total as i64)} " " {l(lang, "pasangan", "pairs")}
            </p>
            <p class="hint">{l(lang,
                "Buka kedua data. Jika orang yang sama, minta petugas memperbaiki NIK yang salah: pasangan ini lalu muncul di atas sebagai NIK ganda.",
                "Open both records. If it is one person, ask the officer to correct the wrong NIK: the pair then shows above as a duplicate NIK.")}</p>
            {pairs.into_iter().map(|pair| view! {
                <section class="card dup-group" data-testid="likely-pair" data-reason=pair.likeness.code()>
                    <h2 class="reason">{label(lang, pair.likeness.label())}</h2>
                    <div class="dup-cards">
                        {pair.registrations.into_iter().map(|row| card(lang, row, None)).collect_view()}
                    </div>
                </section>
            }).collect_view()}
        }
    })
}

fn group_view(
    lang: Lang,
    group: DuplicateGroup,
    resolve: Callback<ResolveRequest>,
) -> impl IntoView {
    let nik = group.nik;
    let different = {
        let nik = nik.clone();
        move |_| {
            resolve.run(ResolveRequest {
                nik: nik.clone(),
                verdict: Verdict::DifferentPeople,
                keep: None,
            })
        }
    };
    let cards = group
        .registrations
        .into_iter()
        .map(|row| {
            let keep = ResolveRequest {
                nik: nik.clone(),
                verdict: Verdict::SamePerson,
                keep: Some(row.id.clone()),
            };
            card(lang, row, Some((keep, resolve)))
        })
        .collect_view();
    let other_names = (group.likeness == Likeness::SameNikOtherName)
        .then(|| view! { <span class="tag warn">{label(lang, group.likeness.label())}</span> });
    view! {
        <section class="card dup-group" data-nik=nik.clone() data-testid="duplicate-group" data-reason=group.likeness.code()>
            <h2>{format!("NIK {nik} ")}{other_names}</h2>
            <div class="dup-cards">{cards}</div>
            <button type="button" class="secondary" name="different" on:click=different>
                {l(lang, "Orang berbeda", "Different people")}
            </button>
        </section>
    }
}

/// One registration of a group, with "keep this one" when `keep` is given.
fn card(
    lang: Lang,
    row: TableRow,
    keep: Option<(ResolveRequest, Callback<ResolveRequest>)>,
) -> impl IntoView {
    let programmes = programmes_text(lang, &row);
    let address = area_text(&row);
    let facts = [
        ("NIK", row.nik.clone()),
        (
            l(lang, "Lahir", "Born"),
            format!("{} · {}", row.birth_date, label(lang, row.gender.label())),
        ),
        (l(lang, "Alamat", "Address"), address),
        (l(lang, "Program", "Programme"), programmes),
        (
            l(lang, "Petugas", "Officer"),
            row.officer_name.clone().unwrap_or_default(),
        ),
        (
            l(lang, "Didaftarkan", "Registered"),
            datetime(row.created_at),
        ),
        ("Status", label(lang, row.status.label()).to_owned()),
    ];
    let keep = keep.map(|(keep, resolve)| view! {
        <button type="button" class="primary" name="keep" on:click=move |_| resolve.run(keep.clone())>
            {l(lang, "Orang yang sama: simpan yang ini", "Same person: keep this one")}
        </button>
    });
    view! {
        <div class="dup-card" data-id=row.id.clone()>
            <a class="name" href=record_path(&row.id)>{row.full_name}</a>
            <dl>
                {facts.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            {keep}
        </div>
    }
}
