//! Follow-ups on a record (issue 17): the steps recorded so far, newest first, on the
//! record's page ([`RecordedSteps`]), and the form that records one more
//! ([`FollowUpForm`]). The form offers the steps of the chosen programme and the details
//! each step asks for, all from `jemput_shared::follow_up`; on "Simpan" the new step is
//! checked with the shared validation (the same the server runs) as one more item of the
//! record's `follow_ups`, and only then stored on the phone as its own change, offline.

use jemput_shared::calendar::{iso_date, wib_date};
use jemput_shared::document::ChangeAuthor;
use jemput_shared::follow_up::{
    newest_first, Detail, FollowUp, FollowUpDetails, Formality, Need, Step,
};
use jemput_shared::policy::officer_may_change;
use jemput_shared::registration::{Programme, ProgrammeInterest, Registration};
use jemput_shared::validation::{validate, Report, ValidationContext};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::not_saved;
use crate::i18n::{l, label, Lang};
use crate::records;
use crate::state::{db, now_ms, use_state, Screen};

/// The steps of a record, newest first: date, step, the details given, who recorded it.
#[component]
pub fn RecordedSteps(
    follow_ups: Vec<FollowUp>,
    /// The signed-in officer, whose own steps say so.
    user_id: String,
    user_name: String,
) -> impl IntoView {
    let lang = use_state().lang;
    let empty = follow_ups.is_empty();
    let steps: Vec<FollowUp> = newest_first(&follow_ups).into_iter().cloned().collect();
    view! {
        {empty.then(|| view! {
            <p class="hint">{move || l(lang.get(), "Belum ada tindak lanjut.", "No follow-up recorded yet.")}</p>
        })}
        <ol class="follow-ups">
            {steps.into_iter().map(|f| {
                let by = if f.recorded_by == user_id {
                    user_name.clone()
                } else if !f.recorded_by_name.is_empty() {
                    f.recorded_by_name.clone()
                } else {
                    f.recorded_by.clone()
                };
                let given: Vec<(Detail, String)> = f
                    .shown_details()
                    .into_iter()
                    .map(|(detail, value)| (detail, value.to_owned()))
                    .collect();
                view! {
                    <li class="follow-up" data-step=f.step.code() data-id=f.id.clone()>
                        <p class="follow-up-head">
                            <span class="date">{f.date.clone()}</span>" "
                            <strong class="step">{move || label(lang.get(), f.step.label())}</strong>
                        </p>
                        <p class="hint">{move || label(lang.get(), f.programme.label())}</p>
                        <dl class="details">
                            {given.into_iter().map(|(detail, value)| view! {
                                <div class="detail" data-detail=detail.code()>
                                    <dt>{move || label(lang.get(), detail.label())}</dt>
                                    <dd>{move || detail_value(lang.get(), detail, &value)}</dd>
                                </div>
                            }).collect_view()}
                        </dl>
                        <p class="hint recorded-by">{move || l(lang.get(), "Dicatat oleh ", "Recorded by ")}{by.clone()}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// A detail's value for people: a choice's name, a text as given.
fn detail_value(lang: Lang, detail: Detail, value: &str) -> String {
    match detail.shown(value) {
        Ok(name) => label(lang, name).to_owned(),
        Err(text) => text.to_owned(),
    }
}

fn today_iso() -> String {
    iso_date(wib_date(now_ms() as i64))
}

/// The person's programmes first (what they registered for), then every other one: a
/// step may belong to a programme they came to later.
fn programmes_for(registration: &Registration) -> Vec<Programme> {
    let mut list: Vec<Programme> = registration
        .programmes
        .iter()
        .map(ProgrammeInterest::programme)
        .collect();
    let others: Vec<Programme> = Programme::ALL
        .iter()
        .copied()
        .filter(|p| !list.contains(p))
        .collect();
    list.extend(others);
    list
}

fn first_step(programme: Programme) -> Step {
    Step::of(programme)
        .next()
        .expect("every programme has steps")
}

/// What the registration already says that a step asks again (the vocation of a BLK
/// interest, the country of an overseas one), as a start for the details.
fn known_details(registration: &Registration) -> FollowUpDetails {
    let mut details = FollowUpDetails::default();
    for interest in &registration.programmes {
        match interest {
            ProgrammeInterest::BlkTraining { vocation } => {
                details.set(Detail::Vocation, vocation.clone())
            }
            ProgrammeInterest::OverseasApprenticeship {
                destination_country,
            } => details.set(Detail::Country, destination_country.clone()),
            _ => {}
        }
    }
    details
}

#[component]
pub fn FollowUpForm(id: String) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let session = state.session.get_untracked();
    let user_id = session
        .as_ref()
        .map(|s| s.user.id.clone())
        .unwrap_or_default();
    let author = session
        .as_ref()
        .map(|s| ChangeAuthor::new(s.user.id.clone(), s.user.display_name.clone()))
        .unwrap_or_else(|| ChangeAuthor::new(user_id.clone(), ""));
    super::list::scroll_to_top();
    let stored = RwSignal::new(None::<Registration>);
    let failure = RwSignal::new(None::<String>);
    let submitted = RwSignal::new(false);
    let programme = RwSignal::new(Programme::ALL[0]);
    let step = RwSignal::new(first_step(Programme::ALL[0]));
    let date = RwSignal::new(today_iso());
    let details = RwSignal::new(FollowUpDetails::default());
    // One id for this step, however often "Simpan" is tried.
    let step_id = uuid::Uuid::new_v4().to_string();
    {
        let id = id.clone();
        let user_id = user_id.clone();
        spawn_local(async move {
            let Some(db) = db() else { return };
            match records::load(&db, &id).await {
                Ok(Some(registration)) => {
                    let may_change = officer_may_change(
                        &user_id,
                        &registration.registered_by,
                        registration.assigned_officer.as_deref(),
                    );
                    if !may_change {
                        state.go(Screen::Edit(id));
                        return;
                    }
                    let first = programmes_for(&registration)[0];
                    programme.set(first);
                    step.set(first_step(first));
                    details.set(known_details(&registration));
                    stored.set(Some(registration));
                }
                Ok(None) => state.go(Screen::List),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    }
    let recorder_name = author.name.clone();
    let draft = Memo::new(move |_| {
        let (programme, step) = (programme.get(), step.get());
        let mut given = details.get();
        given.keep_only(step, programme);
        FollowUp {
            id: step_id.clone(),
            programme,
            step,
            date: date.get(),
            details: given,
            recorded_by: user_id.clone(),
            recorded_by_name: recorder_name.clone(),
            recorded_at: 0,
        }
    });
    // The new step's place in the record's list, which its problems are reported at.
    let index = Memo::new(move |_| stored.with(|r| r.as_ref().map_or(0, |r| r.follow_ups.len())));
    let report = Memo::new(move |_| {
        let Some(mut registration) = stored.get() else {
            return Report::default();
        };
        registration.follow_ups.push(draft.get());
        state.regions.with(|regions| {
            validate(
                &registration,
                &ValidationContext {
                    today: wib_date(now_ms() as i64),
                    regions: regions.as_deref(),
                },
            )
        })
    });
    // Whether a problem is this step's (the record's older fields are not this form's).
    let ours = move |field: &str| {
        let prefix = format!("follow_ups[{}]", index.get_untracked());
        field == "follow_ups" || field.starts_with(&prefix)
    };
    // The problems of the new step's field `suffix` (`.date`, `.details.blk`; the empty
    // suffix takes the list's own), once "Simpan" was tried.
    let problems =
        move |suffix: String| {
            move || {
                if !submitted.get() {
                    return Vec::new();
                }
                let field = format!("follow_ups[{}]{suffix}", index.get());
                let lang = lang.get();
                report.with(|report| {
                    report
                    .problems
                    .iter()
                    .filter(|p| p.field == field || (suffix.is_empty() && p.field == "follow_ups"))
                    .map(|p| {
                        let class = if p.is_error() { "problem error" } else { "problem warning" };
                        let text = l(lang, p.message_id.clone(), p.message_en.clone());
                        view! { <p class=class data-field=p.field.clone() role="alert">{text}</p> }
                    })
                    .collect::<Vec<_>>()
                })
            }
        };
    let record_id = id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.saving.get_untracked() || stored.with_untracked(Option::is_none) {
            return;
        }
        submitted.set(true);
        failure.set(None);
        let blocked = report.with_untracked(|r| r.errors().any(|p| ours(&p.field)));
        if blocked {
            failure.set(Some(not_saved(lang.get_untracked())));
            return;
        }
        let mut follow_up = draft.get_untracked();
        follow_up.recorded_at = now_ms() as i64;
        let id = record_id.clone();
        let author = author.clone();
        state.saving.set(true);
        spawn_local(async move {
            let Some(db) = db() else { return };
            let result = records::save_follow_up(&db, &id, &author, follow_up).await;
            state.saving.set(false);
            match result {
                Ok(summary) => {
                    state.put_summary(summary);
                    state.go(Screen::Edit(id));
                    crate::scheduler::request_sync(state);
                }
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    };
    let back_to = id.clone();
    let programme_options = move || {
        stored
            .with(|r| r.as_ref().map(programmes_for))
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                view! {
                    <option value=p.code() prop:selected=move || programme.get() == p>
                        {move || label(lang.get(), p.label())}
                    </option>
                }
            })
            .collect_view()
    };
    let step_options = move || {
        Step::of(programme.get())
            .map(|s| {
                view! {
                    <option value=s.code() prop:selected=move || step.get() == s>
                        {move || label(lang.get(), s.label())}
                    </option>
                }
            })
            .collect_view()
    };
    let detail_fields = move || {
        let (chosen_step, chosen_programme) = (step.get(), programme.get());
        chosen_step
            .details(chosen_programme)
            .iter()
            .map(|&(detail, need)| {
                detail_field(
                    lang,
                    details,
                    detail,
                    need,
                    problems(format!(".details.{}", detail.code())),
                )
            })
            .collect_view()
    };
    view! {
        <form class="follow-up" on:submit=save novalidate>
            <div class="form-head">
                <button type="button" class="link" name="back" on:click=move |_| state.go(Screen::Edit(back_to.clone()))>
                    {move || l(lang.get(), "← Kembali", "← Back")}
                </button>
                <h1>{move || l(lang.get(), "Catat tindak lanjut", "Record a follow-up")}</h1>
                <p class="person">{move || stored.with(|r| r.as_ref().map(|r| r.full_name.clone()))}</p>
            </div>
            <section class="card">
                <label class="field">
                    <span>{move || l(lang.get(), "Program", "Programme")}</span>
                    <select name="programme" on:change=move |ev| {
                        if let Some(p) = Programme::from_code(&event_target_value(&ev)) {
                            programme.set(p);
                            step.set(first_step(p));
                        }
                    }>
                        {programme_options}
                    </select>
                </label>
                <label class="field">
                    <span>{move || l(lang.get(), "Langkah", "Step")}</span>
                    <select name="step" on:change=move |ev| {
                        if let Some(s) = Step::from_code(&event_target_value(&ev)) {
                            step.set(s);
                        }
                    }>
                        {step_options}
                    </select>
                    {problems(".step".into())}
                </label>
                <label class="field">
                    <span>{move || label(lang.get(), step.get().date_label())}<span class="required">" *"</span></span>
                    <input type="date" name="date" required=true max=today_iso()
                        prop:value=move || date.get()
                        on:input=move |ev| date.set(event_target_value(&ev))/>
                    {problems(".date".into())}
                </label>
                {detail_fields}
                {problems("".into())}
                {problems(".id".into())}
                {problems(".recorded_by".into())}
            </section>
            {move || failure.get().map(|f| view! { <p class="alert error save-error" role="alert">{f}</p> })}
            <div class="actions">
                <button type="submit" class="primary" name="save" disabled=move || state.saving.get() || stored.with(Option::is_none)>
                    {move || if state.saving.get() { l(lang.get(), "Menyimpan…", "Saving…") } else { l(lang.get(), "Simpan", "Save") }}
                </button>
            </div>
        </form>
    }
}

/// One detail's input: a date, two radio buttons for the sector of work, a note's text
/// area or a line of text, named after the detail's code, as long as its limit allows.
fn detail_field(
    lang: RwSignal<Lang>,
    details: RwSignal<FollowUpDetails>,
    detail: Detail,
    need: Need,
    problems: impl IntoView + 'static,
) -> impl IntoView {
    let name = detail.code();
    let required = need == Need::Required;
    let caption = move || {
        view! {
            <span>
                {move || label(lang.get(), detail.label())}
                {required.then(|| view! { <span class="required">" *"</span> })}
            </span>
        }
    };
    let max = detail.limit().map(|limit| limit.max_chars);
    let value = move || details.with(|d| d.get(detail).to_owned());
    let set = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        details.update(|d| d.set(detail, value));
    };
    match detail {
        Detail::Formality => view! {
            <div class="field choices" data-detail=name>
                {caption()}
                {Formality::ALL.iter().map(|&choice| view! {
                    <label class="check">
                        <input type="radio" name=name value=choice.code()
                            prop:checked=move || details.with(|d| d.formality == Some(choice))
                            on:change=set/>
                        <span>{move || label(lang.get(), choice.label())}</span>
                    </label>
                }).collect_view()}
                {problems}
            </div>
        }
        .into_any(),
        Detail::Note => view! {
            <label class="field">
                {caption()}
                <textarea name=name maxlength=max prop:value=value on:input=set></textarea>
                {problems}
            </label>
        }
        .into_any(),
        _ => view! {
            <label class="field">
                {caption()}
                <input type=if detail.is_date() { "date" } else { "text" } name=name maxlength=max
                    required=required prop:value=value on:input=set/>
                {problems}
            </label>
        }
        .into_any(),
    }
}
