//! "Catat tindak lanjut" on a registration's page: a supervisor records a follow-up step
//! the office learnt of (a certificate the BLK reported, a placement an employer
//! confirmed) — the programme, the step (`Step::of`), its date and the details the step
//! asks for (`Step::details`), sent as `POST /api/registrations/{id}/follow-ups`. The
//! server checks it with the shared rules; a refusal shows its message and nothing is
//! written.

use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::registrations::FollowUpRequest;
use jemput_shared::follow_up::{Detail, FollowUpDetails, Formality, Need, Step};
use jemput_shared::registration::{Programme, Registration};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::use_supervision;
use crate::screen::encode;

/// The form for registration `id`; `saved` runs after the server stored a step.
#[component]
pub fn FollowUpForm(id: Memo<String>, saved: Callback<()>) -> impl IntoView {
    let shell = use_supervision().shell;
    let lang = shell.lang;
    let programme = RwSignal::new(Programme::BlkTraining);
    let step = RwSignal::new(Step::TrainingEnrolled);
    let date = RwSignal::new(String::new());
    let details = RwSignal::new(FollowUpDetails::default());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let choose_programme = move |code: String| {
        if let Some(chosen) = Programme::from_code(&code) {
            programme.set(chosen);
            step.set(Step::of(chosen).next().unwrap_or(Step::TrainingEnrolled));
        }
    };
    let submit = move || {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let body = FollowUpRequest {
                programme: programme.get_untracked(),
                step: step.get_untracked(),
                date: date.get_untracked(),
                details: details.get_untracked(),
            };
            let path = format!(
                "/api/registrations/{}/follow-ups",
                encode(&id.get_untracked())
            );
            let result = api::send::<Registration>(shell, "POST", &path, &body).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    date.set(String::new());
                    details.set(FollowUpDetails::default());
                    outcome.set(Some(Ok(())));
                    saved.run(());
                }
                Err(failure) => outcome.set(Some(Err(failure.describe(lang.get_untracked())))),
            }
        });
    };
    view! {
        <section class="card follow-up-form" data-testid="follow-up-form">
            <h2>{move || l(lang.get(), "Catat tindak lanjut", "Record a follow-up")}</h2>
            <label class="field">
                <span>{move || l(lang.get(), "Program", "Programme")}</span>
                <select name="follow_up_programme" on:change=move |ev| choose_programme(event_target_value(&ev))>
                    {Programme::ALL.iter().map(|p| view! {
                        <option value=p.code() selected=move || programme.get() == *p>
                            {move || label(lang.get(), p.label())}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{move || l(lang.get(), "Langkah", "Step")}</span>
                <select name="follow_up_step"
                    on:change=move |ev| {
                        if let Some(chosen) = Step::from_code(&event_target_value(&ev)) {
                            step.set(chosen);
                        }
                    }>
                    {move || Step::of(programme.get()).map(|s| view! {
                        <option value=s.code() selected=move || step.get() == s>
                            {move || label(lang.get(), s.label())}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{move || label(lang.get(), step.get().date_label())}</span>
                <input type="date" name="follow_up_date" prop:value=move || date.get()
                    on:input=move |ev| date.set(event_target_value(&ev))/>
            </label>
            {move || {
                let lang = lang.get();
                step.get()
                    .details(programme.get())
                    .iter()
                    .map(|(detail, need)| detail_input(lang, *detail, *need, details))
                    .collect_view()
            }}
            <button type="button" name="record_follow_up" class="secondary"
                disabled=move || busy.get() || date.with(String::is_empty)
                on:click=move |_| submit()>
                {move || l(lang.get(), "Simpan tindak lanjut", "Save the follow-up")}
            </button>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(()) => view! {
                    <p class="alert ok" role="status">{l(lang.get(),
                        "Tindak lanjut tersimpan; petugas melihatnya setelah sinkron.",
                        "Follow-up saved; the officer sees it after their next sync.")}</p>
                }.into_any(),
                Err(text) => view! { <p class="alert error" role="status">{text}</p> }.into_any(),
            })}
        </section>
    }
}

/// One detail's input: a date, the two sectors of work, or text held to its limit.
fn detail_input(
    lang: Lang,
    detail: Detail,
    need: Need,
    details: RwSignal<FollowUpDetails>,
) -> impl IntoView {
    let name = format!("follow_up_{}", detail.code());
    let caption = match need {
        Need::Required => format!("{} *", label(lang, detail.label())),
        Need::Optional => label(lang, detail.label()).to_owned(),
    };
    let value = move || details.with(|d| d.get(detail).to_owned());
    let set =
        move |ev: leptos::ev::Event| details.update(|d| d.set(detail, event_target_value(&ev)));
    let input = if detail == Detail::Formality {
        view! {
            <select name=name on:change=set>
                <option value="">{l(lang, "— pilih —", "— choose —")}</option>
                {Formality::ALL.iter().map(|f| view! {
                    <option value=f.code() selected=move || value() == f.code()>{label(lang, f.label())}</option>
                }).collect_view()}
            </select>
        }
        .into_any()
    } else if detail.is_date() {
        view! { <input type="date" name=name prop:value=value on:input=set/> }.into_any()
    } else {
        let max = detail.limit().map(|limit| limit.max_chars);
        view! { <input type="text" name=name maxlength=max prop:value=value on:input=set/> }
            .into_any()
    };
    view! {
        <label class="field">
            <span>{caption}</span>
            {input}
        </label>
    }
}
