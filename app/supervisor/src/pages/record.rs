//! One registration (`pendaftaran/<id>`): every field, the review comments, the
//! document's history (who changed which fields how and when, in the form's words:
//! `jemput_app_common::history`), the
//! review actions — verify, needs correction, reject — with a comment, and handing the
//! record over to another officer of its area ("Pindahkan ke petugas"), its follow-up
//! steps and recording one (`follow_up_form.rs`), and erasing it
//! for good on the citizen's request ("Hapus permanen"). A review or a
//! handover is a change to the registration's document on the server, so it reaches the
//! officers' phones on their next sync.

use jemput_app_common::format::datetime;
use jemput_app_common::history::{history_list, Names};
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::privacy::{EraseAnswer, EraseRegistration};
use jemput_shared::api::registrations::{
    HandoverCandidates, HandoverOfficer, HandoverRequest, History, HistoryEntry, ReviewRequest,
};
use jemput_shared::choice::Label;
use jemput_shared::domain::RegionDirectory;
use jemput_shared::fields::Field;
use jemput_shared::follow_up::{newest_first, FollowUp};
use jemput_shared::limits::COMMENT_TEXT;
use jemput_shared::registration::{ProgrammeInterest, Registration, ReviewComment, ReviewStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::use_supervision;
use crate::components::{answer_view, confirm, name_of};
use crate::pages::follow_up_form::FollowUpForm;
use crate::screen::{encode, record_path, table_path};

/// The review actions: the status each sets and its button's name.
const ACTIONS: [(ReviewStatus, &str); 3] = [
    (ReviewStatus::Verified, "verify"),
    (ReviewStatus::NeedsCorrection, "needs_correction"),
    (ReviewStatus::Rejected, "reject"),
];

#[component]
pub fn RecordPage() -> impl IntoView {
    let supervision = use_supervision();
    let shell = supervision.shell;
    let lang = shell.lang;
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let reload = RwSignal::new(0u32);
    let record = api::resource::<Registration>(move || {
        reload.track();
        format!("/api/registrations/{}", encode(&id.get()))
    });
    let history = api::resource::<History>(move || {
        reload.track();
        format!("/api/registrations/{}/history", encode(&id.get()))
    });
    let candidates = api::resource::<HandoverCandidates>(move || {
        reload.track();
        format!("/api/registrations/{}/handover", encode(&id.get()))
    });
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let officer = RwSignal::new(String::new());
    let handover_outcome = RwSignal::new(None::<Result<(), String>>);
    let hand_over = move || {
        busy.set(true);
        handover_outcome.set(None);
        spawn_local(async move {
            let body = HandoverRequest {
                officer_id: officer.get_untracked(),
            };
            let path = format!(
                "/api/registrations/{}/handover",
                encode(&id.get_untracked())
            );
            let result = api::send::<Registration>(shell, "POST", &path, &body).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    handover_outcome.set(Some(Ok(())));
                    reload.update(|n| *n += 1);
                }
                Err(failure) => {
                    handover_outcome.set(Some(Err(failure.describe(lang.get_untracked()))))
                }
            }
        });
    };
    let review = move |status: ReviewStatus| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let body = ReviewRequest {
                status,
                comment: Some(comment.get_untracked()),
            };
            let path = format!("/api/registrations/{}/review", encode(&id.get_untracked()));
            let result = api::send::<Registration>(shell, "POST", &path, &body).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    comment.set(String::new());
                    outcome.set(Some(Ok(())));
                    reload.update(|n| *n += 1);
                }
                Err(failure) => outcome.set(Some(Err(failure.describe(lang.get_untracked())))),
            }
        });
    };
    let erase_failure = RwSignal::new(None::<String>);
    let erase_navigate = use_navigate();
    let erase = move || {
        let question = l(
            lang.get_untracked(),
            "Hapus permanen data ini? Data juga hilang dari ponsel petugas dan tidak bisa dikembalikan.",
            "Erase this record for good? It also goes from the officers' phones and cannot be restored.",
        );
        if !confirm(question) {
            return;
        }
        busy.set(true);
        let navigate = erase_navigate.clone();
        spawn_local(async move {
            let body = EraseRegistration {
                registration_id: id.get_untracked(),
                request_id: None,
            };
            let result =
                api::send::<EraseAnswer>(shell, "POST", "/api/privacy/erase-registration", &body)
                    .await;
            busy.set(false);
            match result {
                Ok(_) => go_back(&navigate),
                Err(failure) => erase_failure.set(Some(failure.describe(lang.get_untracked()))),
            }
        });
    };
    // Nothing to review or trace when the record could not be read.
    let missing = move || !matches!(record.get(), Some(Ok(_)));
    let navigate = use_navigate();
    let back = move |_| go_back(&navigate);
    view! {
        <section class="record-page" data-testid="record">
            <button type="button" class="link" name="back" on:click=back>
                {move || l(lang.get(), "‹ Kembali", "‹ Back")}
            </button>
            {move || {
                let lang = lang.get();
                let author = history
                    .get()
                    .and_then(Result::ok)
                    .and_then(|h| h.changes.first().and_then(registered_by));
                answer_view(lang, record.get(), |r| {
                    supervision.regions.with(|d| fields(lang, d.as_deref(), r, author)).into_any()
                })
            }}
            <section class="card review-form" hidden=missing>
                <h2>{move || l(lang.get(), "Tinjau", "Review")}</h2>
                <label class="field">
                    <span>{move || l(lang.get(), "Komentar untuk petugas", "Comment for the officer")}</span>
                    <textarea name="comment" maxlength=COMMENT_TEXT.max_chars prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                <div class="review-actions">
                    {ACTIONS.into_iter().map(|(status, name)| view! {
                        <button type="button" name=name class=format!("secondary action-{}", status.code())
                            disabled=move || busy.get() on:click=move |_| review(status)>
                            {move || label(lang.get(), action_label(status))}
                        </button>
                    }).collect_view()}
                </div>
                {move || outcome.get().map(|outcome| match outcome {
                    Ok(()) => view! {
                        <p class="alert ok" role="status">{l(lang.get(), "Tinjauan tersimpan.", "Review saved.")}</p>
                    }.into_any(),
                    Err(text) => view! { <p class="alert error" role="status">{text}</p> }.into_any(),
                })}
            </section>
            <div hidden=missing>
                <FollowUpForm id=id saved=Callback::new(move |()| reload.update(|n| *n += 1))/>
            </div>
            <section class="card handover" hidden=missing>
                <h2>{move || l(lang.get(), "Pindahkan ke petugas", "Hand over to an officer")}</h2>
                <p class="hint">{move || l(lang.get(),
                    "Untuk petugas yang berhenti atau pindah: petugas yang dipilih dapat mengubah data ini.",
                    "For an officer who left or moved: the chosen officer may change this record.")}</p>
                <label class="field">
                    <span>{move || l(lang.get(), "Petugas", "Officer")}</span>
                    <select name="handover_officer" on:change=move |ev| officer.set(event_target_value(&ev))>
                        <option value="">{move || l(lang.get(), "— pilih —", "— choose —")}</option>
                        {move || candidates.get().and_then(Result::ok).map(|c| {
                            let current = c.assigned_officer;
                            c.officers
                                .into_iter()
                                .map(|o| officer_option(o, current.as_deref()))
                                .collect_view()
                        })}
                    </select>
                </label>
                <button type="button" name="hand_over" class="secondary"
                    disabled=move || busy.get() || officer.with(String::is_empty)
                    on:click=move |_| hand_over()>
                    {move || l(lang.get(), "Pindahkan ke petugas", "Hand over")}
                </button>
                {move || handover_outcome.get().map(|outcome| match outcome {
                    Ok(()) => view! {
                        <p class="alert ok" role="status">{l(lang.get(),
                            "Data dipindahkan; petugas itu kini dapat mengubahnya.",
                            "Handed over; that officer may now change it.")}</p>
                    }.into_any(),
                    Err(text) => view! { <p class="alert error" role="status">{text}</p> }.into_any(),
                })}
            </section>
            <section class="card erase" hidden=missing>
                <h2>{move || l(lang.get(), "Hapus permanen", "Erase for good")}</h2>
                <p class="hint">{move || l(lang.get(),
                    "Atas permintaan warga (UU PDP), misalnya warga tanpa NIK: data ini dihapus dari server dan dari ponsel petugas, tanpa bisa dikembalikan. Warga dengan NIK: gunakan halaman Data pribadi.",
                    "On the citizen's request (UU PDP), e.g. someone without a NIK: this record is erased from the server and the officers' phones, for good. Citizens with a NIK: use the Personal data page.")}</p>
                <button type="button" name="erase_record" class="danger"
                    disabled=move || busy.get() on:click=move |_| erase()>
                    {move || l(lang.get(), "Hapus permanen", "Erase for good")}
                </button>
                {move || erase_failure.get().map(|text| view! { <p class="alert error" role="alert">{text}</p> })}
            </section>
            <section class="card" hidden=missing>
                <h2>{move || l(lang.get(), "Riwayat perubahan", "History of changes")}</h2>
                {move || {
                    let lang = lang.get();
                    answer_view(lang, history.get(), |h| {
                        let officers: Vec<_> = candidates
                            .get()
                            .and_then(Result::ok)
                            .map(|c| c.officers.into_iter().map(|o| (o.id, o.display_name)).collect())
                            .unwrap_or_default();
                        supervision.regions.with(|d| {
                            let names = Names { regions: d.as_deref(), officers: &officers };
                            history_list(lang, names, h.changes).into_any()
                        })
                    })
                }}
            </section>
        </section>
    }
}

/// What the button setting `status` says.
fn action_label(status: ReviewStatus) -> jemput_shared::choice::Label {
    match status {
        ReviewStatus::Verified => jemput_shared::choice::Label::new("Verifikasi", "Verify"),
        ReviewStatus::Rejected => jemput_shared::choice::Label::new("Tolak", "Reject"),
        other => other.label(),
    }
}

/// Back to where the record was opened from (the filtered table), or to the table when
/// the record was opened from a shared link.
fn go_back(navigate: &impl Fn(&str, leptos_router::NavigateOptions)) {
    match web_sys::window().and_then(|w| w.history().ok()) {
        Some(history) if history.length().unwrap_or(0) > 1 => {
            let _ = history.back();
        }
        _ => navigate(&table_path(&Default::default()), Default::default()),
    }
}

/// "Name (code)" of a region, or the code alone when the list does not know it.
fn region(directory: Option<&RegionDirectory>, code: &str) -> String {
    match name_of(directory, code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_owned(),
    }
}

fn programme_text(lang: Lang, interest: &ProgrammeInterest) -> String {
    let name = label(lang, interest.programme().label());
    let detail = match interest {
        ProgrammeInterest::BlkTraining { vocation } => vocation.as_str(),
        ProgrammeInterest::OverseasApprenticeship {
            destination_country,
        } => destination_country.as_str(),
        _ => "",
    };
    if detail.is_empty() {
        name.to_owned()
    } else {
        format!("{name}: {detail}")
    }
}

/// Every field of the registration, labelled, then its comments.
fn fields(
    lang: Lang,
    directory: Option<&RegionDirectory>,
    r: Registration,
    author: Option<String>,
) -> impl IntoView {
    let a = &r.address;
    let experience = r
        .work_experience
        .iter()
        .map(|w| {
            let end = w
                .end_year
                .map(|y| y.to_string())
                .unwrap_or_else(|| l(lang, "sekarang", "now").to_owned());
            format!("{} – {} ({}–{end})", w.employer, w.position, w.start_year)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let programmes = r
        .programmes
        .iter()
        .map(|p| programme_text(lang, p))
        .collect::<Vec<_>>()
        .join("; ");
    let consent = if r.consent.given {
        let version = r
            .consent
            .version
            .map(|v| format!(" · {} {v}", l(lang, "teks versi", "notice version")))
            .unwrap_or_default();
        format!(
            "{} ({}){version}",
            l(lang, "Ya", "Yes"),
            r.consent.at.map(datetime).unwrap_or_default()
        )
    } else {
        l(lang, "Tidak", "No").to_owned()
    };
    let location = r
        .location
        .as_ref()
        .map(|g| {
            format!(
                "{:.5}, {:.5} (±{:.0} m)",
                g.latitude, g.longitude, g.accuracy_m
            )
        })
        .unwrap_or_default();
    // The form's fields under the form's labels (`jemput_shared::fields::Field`), then
    // what the record keeps beside them.
    let rows: Vec<(Label, String)> = vec![
        (Field::FullName.label(), r.full_name.clone()),
        (Field::Nik.label(), r.nik.clone()),
        (
            Field::NoNikReason.label(),
            r.no_nik_reason.clone().unwrap_or_default(),
        ),
        (Field::BirthPlace.label(), r.birth_place.clone()),
        (Field::BirthDate.label(), r.birth_date.clone()),
        (
            Field::Gender.label(),
            label(lang, r.gender.label()).to_owned(),
        ),
        (
            Field::MaritalStatus.label(),
            label(lang, r.marital_status.label()).to_owned(),
        ),
        (Field::Phone.label(), r.phone.clone()),
        (Field::Regency.label(), region(directory, &a.regency)),
        (Field::District.label(), region(directory, &a.district)),
        (Field::Village.label(), region(directory, &a.village)),
        (Field::Hamlet.label(), a.hamlet.clone()),
        (Label::new("RT/RW", "RT/RW"), format!("{}/{}", a.rt, a.rw)),
        (Field::Street.label(), a.street.clone()),
        (
            Field::Education.label(),
            label(lang, r.education.label()).to_owned(),
        ),
        (Field::EducationMajor.label(), r.education_major.clone()),
        (
            Field::EmploymentStatus.label(),
            label(lang, r.employment_status.label()).to_owned(),
        ),
        (Field::WorkExperience.label(), experience),
        (Field::Skills.label(), r.skills.join(", ")),
        (
            Field::Disability.label(),
            r.disability.clone().unwrap_or_default(),
        ),
        (Field::Programmes.label(), programmes),
        (Field::Consent.label(), consent),
        (Field::Location.label(), location),
        (
            Label::new("Didaftarkan oleh", "Registered by"),
            author.unwrap_or_else(|| r.registered_by.clone()),
        ),
        (
            Label::new("Didaftarkan", "Registered"),
            datetime(r.created_at),
        ),
        (
            Label::new("No. pendaftaran (bukti)", "Registration no. (receipt)"),
            r.receipt_number.clone().unwrap_or_default(),
        ),
        (Label::new("Perangkat", "Device"), r.device_id.clone()),
        (Label::new("ID", "ID"), r.id.clone()),
    ];
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, value)| !value.is_empty() && value != "/")
        .collect();
    let status = r.review.status;
    let comments = r.review.comments;
    let no_comments = comments.is_empty();
    view! {
        <h1 data-testid="record-name">{r.full_name}</h1>
        <p class="record-tags">
            <span class=format!("tag status-{}", status.code()) data-testid="record-status"
                data-value=status.code()>
                {label(lang, status.label())}
            </span>
            {r.duplicate_of.map(|original| view! {
                " "
                <a class="tag" href=record_path(&original)>
                    {l(lang, "Duplikat dari data lain", "Duplicate of another record")}
                </a>
            })}
            {r.deleted.map(|_| view! {
                " "
                <span class="tag status-rejected">{l(lang, "Dihapus", "Deleted")}</span>
            })}
        </p>
        <dl class="fields card">
            {rows.into_iter().map(|(name, value)| view! {
                <div><dt>{label(lang, name)}</dt><dd>{value}</dd></div>
            }).collect_view()}
        </dl>
        {follow_ups_view(lang, &r.follow_ups)}
        <section class="card">
            <h2>{l(lang, "Komentar", "Comments")}</h2>
            <ul class="comments" data-testid="comments">
                <For each=move || comments.clone() key=|c| c.id.clone() let:c>
                    {comment_view(c)}
                </For>
            </ul>
            {no_comments.then(|| view! {
                <p class="hint">{l(lang, "Belum ada komentar.", "No comments yet.")}</p>
            })}
        </section>
    }
}

/// The person's follow-up steps, newest first, each with the details it gave.
fn follow_ups_view(lang: Lang, follow_ups: &[FollowUp]) -> impl IntoView {
    let none = follow_ups.is_empty();
    let items = newest_first(follow_ups)
        .into_iter()
        .map(|f| {
            let details = f
                .shown_details()
                .into_iter()
                .map(|(detail, value)| {
                    let value = detail.shown(value).map_or(value, |name| label(lang, name));
                    format!("{}: {value}", label(lang, detail.label()))
                })
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <li data-step=f.step.code()>
                    <strong>{label(lang, f.step.label())}</strong>
                    " · " {f.date.clone()} " · " {label(lang, f.programme.label())}
                    <br/>
                    <span class="hint">{details}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="follow-ups">
            <h2>{l(lang, "Tindak lanjut", "Follow-ups")}</h2>
            <ul class="comments">{items}</ul>
            {none.then(|| view! {
                <p class="hint">{l(lang, "Belum ada tindak lanjut.", "No follow-ups yet.")}</p>
            })}
        </section>
    }
}

fn comment_view(c: ReviewComment) -> impl IntoView {
    view! {
        <li><strong>{c.author_name}</strong> " · " {datetime(c.at)} " — " {c.text}</li>
    }
}

/// Who registered the record, from its first change: whom the server received it from,
/// else the author the phone wrote into it.
fn registered_by(first: &HistoryEntry) -> Option<String> {
    first
        .pushed_by_name
        .clone()
        .filter(|name| !name.is_empty())
        .or_else(|| first.author_name.clone())
}

/// An officer to hand the record over to: "Name (username)", ticked when it is already
/// handed over to them.
fn officer_option(officer: HandoverOfficer, current: Option<&str>) -> impl IntoView {
    let mut name = format!("{} ({})", officer.display_name, officer.username);
    if current == Some(officer.id.as_str()) {
        name.push_str(" ✓");
    }
    view! { <option value=officer.id>{name}</option> }
}
