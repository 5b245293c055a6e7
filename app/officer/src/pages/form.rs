//! The registration form: every field of the domain, in short sections for a small
//! screen. The shared validation runs on every keystroke (the same code the server
//! runs): errors block "Simpan", warnings only ask for a second look. A field's problems
//! show once the field was left or a save was tried. Inputs carry `name` attributes equal
//! to the domain's field paths (`full_name`, `nik`, `address.village`, …) and a
//! `maxlength` from the same limit validation holds them to (`jemput_shared::limits`).
//!
//! An existing record shows its follow-up steps above the form, with "Catat tindak
//! lanjut" to record one more (`follow_up.rs`).
//!
//! A record the officer may not change (another officer registered it and it was not
//! handed over to them: `policy::officer_may_change`, the rule the server enforces) opens
//! read-only, with a note and no "Simpan".

use std::collections::HashSet;

use jemput_shared::calendar::{wib_date, CivilDate};
use jemput_shared::choice::Choice;
use jemput_shared::document::ChangeAuthor;
use jemput_shared::fields::Field;
use jemput_shared::limits::{self, TextLimit};
use jemput_shared::policy::{officer_may_change, NOT_THEIRS};
use jemput_shared::registration::{
    GeoLocation, Programme, ProgrammeInterest, Registration, ReviewComment, ReviewStatus,
    WorkExperience,
};
use jemput_shared::registration_id::new_registration_id;
use jemput_shared::validation::{too_long, too_many, validate, Report, ValidationContext};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::duplicate_warning::DuplicateWarning;
use crate::i18n::{l, label, Lang};
use crate::kept_draft::{self, KeptDraft};
use crate::pages::follow_up::RecordedSteps;
use crate::pages::history::RecordHistory;
use crate::records::{self, OfficerEdit};
use crate::state::{db, now_ms, use_state, AppState, Screen};

/// Everything a field needs: the draft, its report and when to show problems.
#[derive(Clone, Copy)]
struct FormCtx {
    lang: RwSignal<Lang>,
    draft: RwSignal<Registration>,
    report: Memo<Report>,
    touched: RwSignal<HashSet<&'static str>>,
    submitted: RwSignal<bool>,
}

type Label = (&'static str, &'static str);

/// A field's label, from its one home (`jemput_shared::fields`, which the record
/// history reads too).
fn form_label(field: Field) -> Label {
    let label = field.label();
    (label.id, label.en)
}

fn today() -> CivilDate {
    wib_date(now_ms() as i64)
}

fn field_matches(field: &str, prefix: &str) -> bool {
    field == prefix
        || field
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The problems of `prefix` and its sub-fields, next to the field.
fn problems(ctx: FormCtx, prefix: &'static str) -> impl IntoView {
    move || {
        let visible = ctx.submitted.get() || ctx.touched.with(|t| t.contains(prefix));
        if !visible {
            return Vec::new();
        }
        let lang = ctx.lang.get();
        ctx.report.with(|report| {
            report
                .problems
                .iter()
                .filter(|p| field_matches(&p.field, prefix))
                .map(|p| {
                    let class = if p.is_error() {
                        "problem error"
                    } else {
                        "problem warning"
                    };
                    let text = l(lang, p.message_id.clone(), p.message_en.clone());
                    view! { <p class=class data-field=p.field.to_string() role="alert">{text}</p> }
                })
                .collect::<Vec<_>>()
        })
    }
}

fn touch(ctx: FormCtx, name: &'static str) {
    ctx.touched.update(|t| {
        t.insert(name);
    });
}

/// A text input for the field `limit` bounds: named after it, as long as it allows.
fn text_field(
    ctx: FormCtx,
    limit: &'static TextLimit,
    label: Label,
    kind: &'static str,
    get: fn(&Registration) -> String,
    set: fn(&mut Registration, String),
) -> impl IntoView {
    let name = limit.field;
    let inputmode = match kind {
        "numeric" => "numeric",
        "tel" => "tel",
        _ => "text",
    };
    let input_type = match kind {
        "numeric" => "text",
        other => other,
    };
    view! {
        <label class="field">
            <span>{move || l(ctx.lang.get(), label.0, label.1)}</span>
            <input
                name=name
                type=input_type
                inputmode=inputmode
                maxlength=limit.max_chars
                prop:value=move || ctx.draft.with(get)
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    ctx.draft.update(|d| set(d, value));
                }
                on:change=move |_| touch(ctx, name)
            />
            {problems(ctx, name)}
        </label>
    }
}

/// A select of every value of a closed choice (`jemput_shared::choice`).
fn choice_field<T: Choice>(
    ctx: FormCtx,
    name: &'static str,
    label: Label,
    get: fn(&Registration) -> T,
    set: fn(&mut Registration, T),
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{move || l(ctx.lang.get(), label.0, label.1)}</span>
            <select
                name=name
                on:change=move |ev| {
                    if let Some(value) = T::from_code(&event_target_value(&ev)) {
                        ctx.draft.update(|d| set(d, value));
                    }
                    touch(ctx, name);
                }
            >
                {T::ALL
                    .iter()
                    .map(|&value| {
                        view! {
                            <option
                                value=value.code()
                                selected=move || ctx.draft.with(|d| get(d) == value)
                            >
                                {move || crate::i18n::label(ctx.lang.get(), value.label())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            {problems(ctx, name)}
        </label>
    }
}

/// The skills input holds every skill, separated by ", ".
const SKILLS_TEXT_MAX_CHARS: usize = limits::SKILLS.max_items * (limits::SKILL.max_chars + 2);

/// One of the three address levels, as a select filled from the region list (or a text
/// box for the code while the list has not reached this phone yet).
fn region_field(
    ctx: FormCtx,
    state: AppState,
    limit: &'static TextLimit,
    label: Label,
    level: usize,
) -> impl IntoView {
    let name = limit.field;
    let get = move |d: &Registration| match level {
        0 => d.address.regency.clone(),
        1 => d.address.district.clone(),
        _ => d.address.village.clone(),
    };
    let set = move |d: &mut Registration, value: String| match level {
        0 => {
            d.address.regency = value;
            d.address.district.clear();
            d.address.village.clear();
        }
        1 => {
            d.address.district = value;
            d.address.village.clear();
        }
        _ => d.address.village = value,
    };
    let options = move || {
        let parent = ctx.draft.with(|d| match level {
            0 => String::new(),
            1 => d.address.regency.clone(),
            _ => d.address.district.clone(),
        });
        state.regions.with(|regions| {
            let directory = regions.as_ref()?;
            let list: Vec<(String, String)> = match level {
                0 => directory
                    .regencies()
                    .map(|(c, n)| (c.to_string(), n.to_owned()))
                    .collect(),
                _ => {
                    let parent = jemput_shared::domain::RegionCode::parse(&parent).ok()?;
                    let children: Vec<_> = if level == 1 {
                        directory.districts_of(&parent).collect()
                    } else {
                        directory.villages_of(&parent).collect()
                    };
                    children
                        .into_iter()
                        .map(|(c, n)| (c.to_string(), n.to_owned()))
                        .collect()
                }
            };
            Some(list)
        })
    };
    view! {
        <label class="field">
            <span>{move || l(ctx.lang.get(), label.0, label.1)}</span>
            {move || match options() {
                Some(list) => view! {
                    <select
                        name=name
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            ctx.draft.update(|d| set(d, value));
                            touch(ctx, name);
                        }
                    >
                        <option value="">{move || l(ctx.lang.get(), "— pilih —", "— choose —")}</option>
                        {list.into_iter().map(|(code, region_name)| {
                            let selected_code = code.clone();
                            view! {
                                <option value=code.clone()
                                    selected=move || ctx.draft.with(|d| get(d) == selected_code)>
                                    {region_name}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                }.into_any(),
                None => view! {
                    <input
                        name=name
                        placeholder="17.01.01.2001"
                        maxlength=limit.max_chars
                        prop:value=move || ctx.draft.with(get)
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            ctx.draft.update(|d| set(d, value));
                        }
                        on:change=move |_| touch(ctx, name)
                    />
                }.into_any(),
            }}
            {problems(ctx, name)}
        </label>
    }
}

fn has_programme(d: &Registration, programme: Programme) -> bool {
    d.programmes.iter().any(|p| p.programme() == programme)
}

fn programme_field(ctx: FormCtx, programme: Programme) -> impl IntoView {
    let code = programme.code();
    let toggle = move |on: bool| {
        ctx.draft.update(|d| {
            d.programmes.retain(|p| p.programme() != programme);
            if on {
                d.programmes.push(programme.interest());
            }
        });
        touch(ctx, "programmes");
    };
    let detail = match programme {
        Programme::BlkTraining => Some((
            "programmes.vocation",
            ("Kejuruan pelatihan", "Vocation"),
            &limits::VOCATION,
        )),
        Programme::OverseasApprenticeship => Some((
            "programmes.destination_country",
            ("Negara tujuan", "Destination country"),
            &limits::DESTINATION_COUNTRY,
        )),
        _ => None,
    };
    view! {
        <div class="programme">
            <label class="check">
                <input
                    type="checkbox"
                    name="programmes"
                    value=code
                    prop:checked=move || ctx.draft.with(|d| has_programme(d, programme))
                    on:change=move |ev| toggle(event_target_checked(&ev))
                />
                <span>{move || label(ctx.lang.get(), programme.label())}</span>
            </label>
            {detail.map(|(name, detail_label, limit)| view! {
                <Show when=move || ctx.draft.with(|d| has_programme(d, programme))>
                    <label class="field sub">
                        <span>{move || l(ctx.lang.get(), detail_label.0, detail_label.1)}</span>
                        <input
                            name=name
                            maxlength=limit.max_chars
                            prop:value=move || ctx.draft.with(|d| programme_detail(d, programme))
                            on:input=move |ev| {
                                let value = event_target_value(&ev);
                                ctx.draft.update(|d| set_programme_detail(d, programme, value));
                            }
                            on:change=move |_| touch(ctx, "programmes")
                        />
                    </label>
                </Show>
            })}
        </div>
    }
}

/// The vocation or destination country of the interest in `programme`.
fn programme_detail(d: &Registration, programme: Programme) -> String {
    d.programmes
        .iter()
        .find_map(|p| match p {
            ProgrammeInterest::BlkTraining { vocation } if programme == p.programme() => {
                Some(vocation.clone())
            }
            ProgrammeInterest::OverseasApprenticeship {
                destination_country,
            } if programme == p.programme() => Some(destination_country.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn set_programme_detail(d: &mut Registration, programme: Programme, value: String) {
    for p in &mut d.programmes {
        if p.programme() != programme {
            continue;
        }
        match p {
            ProgrammeInterest::BlkTraining { vocation } => *vocation = value.clone(),
            ProgrammeInterest::OverseasApprenticeship {
                destination_country,
            } => *destination_country = value.clone(),
            _ => {}
        }
    }
}

/// One input of a work-experience row: its name after the field, its limit, its
/// placeholder, and how it reads and writes the row (plain fns: one body for all four).
struct ExperiencePart {
    field: &'static str,
    max_chars: Option<usize>,
    placeholder: Label,
    year: bool,
    get: fn(&WorkExperience) -> String,
    set: fn(&mut WorkExperience, &str),
}

const EMPLOYER: ExperiencePart = ExperiencePart {
    field: "employer",
    max_chars: Some(limits::EMPLOYER.max_chars),
    placeholder: ("Tempat kerja", "Employer"),
    year: false,
    get: |w| w.employer.clone(),
    set: |w, v| w.employer = v.to_owned(),
};

const POSITION: ExperiencePart = ExperiencePart {
    field: "position",
    max_chars: Some(limits::POSITION.max_chars),
    placeholder: ("Jabatan", "Position"),
    year: false,
    get: |w| w.position.clone(),
    set: |w, v| w.position = v.to_owned(),
};

const START_YEAR: ExperiencePart = ExperiencePart {
    field: "start_year",
    max_chars: None,
    placeholder: ("Tahun mulai", "Start year"),
    year: true,
    get: |w| w.start_year.to_string(),
    set: |w, v| w.start_year = v.trim().parse().unwrap_or(0),
};

const END_YEAR: ExperiencePart = ExperiencePart {
    field: "end_year",
    max_chars: None,
    placeholder: ("Tahun selesai (kosong: masih)", "End year (empty: current)"),
    year: true,
    get: |w| w.end_year.map(|y| y.to_string()).unwrap_or_default(),
    set: |w, v| w.end_year = v.trim().parse().ok(),
};

/// Row `i`'s input for `part`; a year is checked once it was left.
fn experience_input(ctx: FormCtx, i: usize, part: ExperiencePart) -> impl IntoView {
    let ExperiencePart {
        field,
        max_chars,
        placeholder,
        year,
        get,
        set,
    } = part;
    view! {
        <input
            name=format!("work_experience[{i}].{field}")
            maxlength=max_chars
            inputmode=year.then_some("numeric")
            placeholder=move || l(ctx.lang.get(), placeholder.0, placeholder.1)
            prop:value=move || ctx.draft.with(|d| d.work_experience.get(i).map(get).unwrap_or_default())
            on:input=move |ev| {
                let v = event_target_value(&ev);
                ctx.draft.update(|d| if let Some(w) = d.work_experience.get_mut(i) { set(w, &v) });
            }
            on:change=move |_| if year { touch(ctx, "work_experience") }
        />
    }
}

fn work_experience_field(ctx: FormCtx) -> impl IntoView {
    let rows = move || ctx.draft.with(|d| d.work_experience.len());
    let row = move |i: usize| {
        let input = |part: ExperiencePart| experience_input(ctx, i, part);
        view! {
            <fieldset class="experience">
                {input(EMPLOYER)}
                {input(POSITION)}
                {input(START_YEAR)}
                {input(END_YEAR)}
                <button type="button" class="link"
                    on:click=move |_| ctx.draft.update(|d| { if i < d.work_experience.len() { d.work_experience.remove(i); } })>
                    {move || l(ctx.lang.get(), "Hapus", "Remove")}
                </button>
            </fieldset>
        }
    };
    view! {
        <div class="field">
            <span>{move || label(ctx.lang.get(), Field::WorkExperience.label())}</span>
            {move || (0..rows()).map(row).collect_view()}
            <button type="button" class="secondary" name="add_work_experience"
                disabled=move || ctx.draft.with(|d| !limits::WORK_EXPERIENCE.fits(d.work_experience.len() + 1))
                on:click=move |_| ctx.draft.update(|d| d.work_experience.push(WorkExperience::default()))>
                {move || l(ctx.lang.get(), "+ Tambah pengalaman", "+ Add experience")}
            </button>
            {problems(ctx, "work_experience")}
        </div>
    }
}

fn capture_location(ctx: FormCtx, status: RwSignal<Option<String>>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(geo) = window.navigator().geolocation() else {
        status.set(Some(
            l(
                ctx.lang.get_untracked(),
                "GPS tidak tersedia.",
                "GPS is not available.",
            )
            .into(),
        ));
        return;
    };
    status.set(Some(
        l(
            ctx.lang.get_untracked(),
            "Mencari lokasi…",
            "Finding location…",
        )
        .into(),
    ));
    let success = Closure::once_into_js(move |position: JsValue| {
        let get = |target: &JsValue, key: &str| {
            js_sys::Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
        };
        let coords = get(&position, "coords");
        let location = GeoLocation {
            latitude: get(&coords, "latitude").as_f64().unwrap_or(0.0),
            longitude: get(&coords, "longitude").as_f64().unwrap_or(0.0),
            accuracy_m: get(&coords, "accuracy").as_f64().unwrap_or(0.0),
            captured_at: now_ms() as i64,
        };
        ctx.draft.update(|d| d.location = Some(location));
        status.set(None);
    });
    let failure = Closure::once_into_js(move |_error: JsValue| {
        status.set(Some(l(ctx.lang.get_untracked(),
            "Lokasi tidak didapat (izin ditolak atau tidak ada sinyal GPS). Lokasi tidak wajib.",
            "No location (permission denied or no GPS fix). Location is optional.").into()));
    });
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(30_000);
    let _ = geo.get_current_position_with_error_callback_and_options(
        success.unchecked_ref(),
        Some(failure.unchecked_ref()),
        &options,
    );
}

fn blank_registration(state: AppState) -> Registration {
    let session = state.session.get_untracked();
    let created_at = now_ms() as i64;
    let mut random = [0; 10];
    random.copy_from_slice(&crate::vault::random_bytes(10));
    Registration {
        id: new_registration_id(created_at, &random),
        registered_by: session
            .as_ref()
            .map(|s| s.user.id.clone())
            .unwrap_or_default(),
        device_id: session
            .as_ref()
            .map(|s| s.device_id.clone())
            .unwrap_or_default(),
        created_at,
        ..Registration::default()
    }
}

/// Lets the idle lock keep this form's unsaved input (`kept_draft`), and for a new
/// registration takes back what it kept.
fn keep_across_the_lock(
    id: Option<String>,
    draft: RwSignal<Registration>,
    stored: RwSignal<Option<Registration>>,
    show: impl Fn(Registration) + 'static,
) {
    let blank = draft.get_untracked();
    let record = id.clone();
    let number = kept_draft::form_opened(move || {
        let now = draft.try_get_untracked()?;
        let unchanged = match stored.try_get_untracked()? {
            Some(saved) => now == saved,
            // An edit whose record is not loaded yet has nothing typed.
            None => record.is_some() || now == blank,
        };
        (!unchanged).then(|| KeptDraft {
            record: record.clone(),
            registration: now,
        })
    });
    on_cleanup(move || kept_draft::form_closed(number));
    if id.is_none() {
        spawn_local(async move {
            let Some(db) = db() else { return };
            if let Some(kept) = kept_draft::take(&db, None).await {
                show(kept);
            }
        });
    }
}

#[component]
pub fn RegistrationForm(id: Option<String>) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let is_new = id.is_none();
    // The consent notice this form shows (and a new registration records).
    let notice = crate::settings::consent_text();
    let consent_version = notice.version;
    let notice = StoredValue::new((notice.text_id, notice.text_en));
    let draft = RwSignal::new(blank_registration(state));
    let loaded = RwSignal::new(is_new);
    let stored = RwSignal::new(None::<Registration>);
    let read_only = Memo::new(move |_| {
        let user_id = state
            .session
            .with(|s| s.as_ref().map(|s| s.user.id.clone()))
            .unwrap_or_default();
        stored.with(|r| {
            r.as_ref().is_some_and(|r| {
                !officer_may_change(&user_id, &r.registered_by, r.assigned_officer.as_deref())
            })
        })
    });
    let report = Memo::new(move |_| {
        let registration = draft.get();
        state.regions.with(|regions| {
            validate(
                &registration,
                &ValidationContext {
                    today: today(),
                    regions: regions.as_deref(),
                },
            )
        })
    });
    let ctx = FormCtx {
        lang,
        draft,
        report,
        touched: RwSignal::new(HashSet::new()),
        submitted: RwSignal::new(false),
    };
    let failure = RwSignal::new(None::<String>);
    let gps_status = RwSignal::new(None::<String>);
    let reply = RwSignal::new(String::new());
    let skills_text = RwSignal::new(String::new());
    let has_disability = RwSignal::new(false);
    let show = move |registration: Registration| {
        skills_text.set(registration.skills.join(", "));
        has_disability.set(registration.disability.is_some());
        draft.set(registration);
    };
    keep_across_the_lock(id.clone(), draft, stored, show);
    if let Some(id) = id.clone() {
        spawn_local(async move {
            let Some(db) = db() else { return };
            match records::load(&db, &id).await {
                Ok(Some(registration)) => {
                    stored.set(Some(registration.clone()));
                    let kept = kept_draft::take(&db, Some(&id)).await;
                    show(kept.unwrap_or(registration));
                    loaded.set(true);
                }
                Ok(None) => state.go(Screen::List),
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    }
    let own_id = id.clone();
    let id_for_history = id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.saving.get_untracked() || read_only.get_untracked() {
            return;
        }
        ctx.submitted.set(true);
        failure.set(None);
        if !report.with_untracked(Report::is_valid) {
            failure.set(Some(not_saved(lang.get_untracked())));
            return;
        }
        let mut registration = draft.get_untracked();
        let reply_text = reply.get_untracked().trim().to_owned();
        // The reply becomes one more comment of the document, held to the same limits.
        let reply_problem = if reply_text.is_empty() {
            None
        } else if !limits::COMMENT_TEXT.fits(&reply_text) {
            Some(too_long(&limits::COMMENT_TEXT, "reply"))
        } else if !limits::COMMENTS.fits(registration.review.comments.len() + 1) {
            Some(too_many(&limits::COMMENTS))
        } else {
            None
        };
        if let Some(problem) = reply_problem {
            failure.set(Some(l(
                lang.get_untracked(),
                problem.message_id,
                problem.message_en,
            )));
            return;
        }
        if registration.consent.given && registration.consent.at.is_none() {
            registration.consent.at = Some(now_ms() as i64);
        }
        if is_new && registration.consent.given && registration.consent.version.is_none() {
            // The notice the form showed, and who showed it.
            registration.consent.version = Some(consent_version);
            registration.consent.by = state.session.get_untracked().map(|s| s.user.id);
        }
        let id = id.clone();
        state.saving.set(true);
        let started = now_ms();
        spawn_local(async move {
            let Some(db) = db() else { return };
            let session = state.session.get_untracked();
            let author = session
                .as_ref()
                .map(|s| ChangeAuthor::new(s.user.id.clone(), s.user.display_name.clone()))
                .unwrap_or_else(|| ChangeAuthor::new(registration.registered_by.clone(), ""));
            let result = match &id {
                // A new record gets its receipt's number first (`receipts.rs`).
                None => match crate::receipts::next_number(&db, &registration.device_id).await {
                    Ok(number) => {
                        registration.receipt_number = Some(number.to_string());
                        records::save_new(&db, &registration, &author).await
                    }
                    Err(error) => Err(error),
                },
                Some(id) => {
                    let comment = (!reply_text.is_empty()).then(|| ReviewComment {
                        id: uuid::Uuid::new_v4().to_string(),
                        author_id: session
                            .as_ref()
                            .map(|s| s.user.id.clone())
                            .unwrap_or_default(),
                        author_name: session
                            .as_ref()
                            .map(|s| s.user.display_name.clone())
                            .unwrap_or_default(),
                        role: "officer".into(),
                        at: now_ms() as i64,
                        text: reply_text.clone(),
                    });
                    records::save_edit(
                        &db,
                        id,
                        OfficerEdit {
                            author,
                            form: registration,
                            reply: comment,
                            resubmit: true,
                        },
                    )
                    .await
                }
            };
            state.saving.set(false);
            match result {
                Ok(summary) => {
                    // How long "Simpan" took to reach disk, for the benchmarks.
                    if let Some(window) = web_sys::window() {
                        let _ = js_sys::Reflect::set(
                            &window,
                            &"jemputLastSaveMs".into(),
                            &(now_ms() - started).into(),
                        );
                    }
                    state.notice.set(Some(
                        l(
                            lang.get_untracked(),
                            "Tersimpan di ponsel.",
                            "Saved on this phone.",
                        )
                        .into(),
                    ));
                    // A new registration shows the citizen's receipt at once.
                    let next = if is_new {
                        Screen::Receipt(summary.id.clone())
                    } else {
                        Screen::List
                    };
                    state.put_summary(summary);
                    state.go(next);
                    crate::scheduler::request_sync(state);
                }
                Err(error) => failure.set(Some(error.describe(lang.get_untracked()))),
            }
        });
    };
    let review = move || {
        stored.get().map(|r| {
            let status = r.review.status;
            let comments = r.review.comments.clone();
            view! {
                <section class=format!("card review status-{}", status.code())>
                    <h2>{move || l(lang.get(), "Verifikasi", "Review")}": "
                        <span class="review-status">{move || label(lang.get(), status.label())}</span>
                    </h2>
                    <ul class="comments">
                        {comments.into_iter().map(|c| view! {
                            <li class="comment"><strong>{c.author_name}</strong>" ("{c.role}"): "<span class="text">{c.text}</span></li>
                        }).collect_view()}
                    </ul>
                    {(status == ReviewStatus::NeedsCorrection).then(|| view! {
                        <p class="alert warn">{move || l(lang.get(),
                            "Supervisor meminta perbaikan. Perbaiki data lalu simpan: data dikirim ulang untuk diverifikasi.",
                            "The supervisor asked for a correction. Fix the record and save: it goes back for review.")}</p>
                    })}
                    <label class="field">
                        <span>{move || l(lang.get(), "Balasan untuk supervisor (opsional)", "Reply to the supervisor (optional)")}</span>
                        <textarea name="reply" maxlength=limits::COMMENT_TEXT.max_chars prop:value=move || reply.get()
                            on:input=move |ev| reply.set(event_target_value(&ev))></textarea>
                    </label>
                </section>
            }
        })
    };
    // The record's follow-up steps, and the way to record one more where it is theirs.
    let follow_ups = move || {
        let session = state.session.get()?;
        stored.get().map(|r| {
            let record = r.id.clone();
            view! {
                <section class="card follow-up-list">
                    <h2>{move || l(lang.get(), "Tindak lanjut", "Follow-ups")}</h2>
                    <RecordedSteps follow_ups=r.follow_ups user_id=session.user.id user_name=session.user.display_name />
                    <Show when=move || !read_only.get()>
                        <button type="button" class="secondary" name="record_follow_up"
                            on:click={
                                let record = record.clone();
                                move |_| state.go(Screen::FollowUp(record.clone()))
                            }>
                            {move || l(lang.get(), "Catat tindak lanjut", "Record a follow-up")}
                        </button>
                    </Show>
                </section>
            }
        })
    };
    // A record registered on this phone has its receipt here to show again (another
    // phone's receipt is signed by that phone).
    let receipt_here = Memo::new(move |_| {
        let device_id = state
            .session
            .with(|s| s.as_ref().map(|s| s.device_id.clone()))?;
        stored.with(|r| {
            r.as_ref()
                .filter(|r| r.receipt_number.is_some() && r.device_id == device_id)
                .map(|r| r.id.clone())
        })
    });
    view! {
        <Show when=move || loaded.get() fallback=move || view! { <p class="loading">{move || l(lang.get(), "Memuat…", "Loading…")}</p> }>
        <form class="registration" on:submit=save.clone() novalidate>
            <div class="form-head">
                <button type="button" class="link" name="back" on:click=move |_| state.go(Screen::List)>
                    {move || l(lang.get(), "← Kembali", "← Back")}
                </button>
                <h1>{move || if is_new { l(lang.get(), "Pendaftaran baru", "New registration") } else if read_only.get() { l(lang.get(), "Lihat data", "View record") } else { l(lang.get(), "Ubah data", "Edit record") }}</h1>
            </div>
            {move || receipt_here.get().map(|id| view! {
                <button type="button" class="secondary" name="open_receipt" on:click=move |_| state.go(Screen::Receipt(id.clone()))>
                    {move || l(lang.get(), "Lihat bukti pendaftaran", "Show the proof of registration")}
                </button>
            })}
            <Show when=move || read_only.get()>
                <p class="alert info" data-testid="view-only">{move || l(lang.get(), NOT_THEIRS.message_id, NOT_THEIRS.message_en)}</p>
            </Show>
            {follow_ups}
            <fieldset class="form-body" disabled=move || read_only.get()>
            {review}
            <section class="card">
                <h2>{move || l(lang.get(), "Identitas", "Identity")}</h2>
                {text_field(ctx, &limits::FULL_NAME, form_label(Field::FullName), "text", |d| d.full_name.clone(), |d, v| d.full_name = v)}
                <Show when=move || draft.with(|d| d.no_nik_reason.is_none())>
                    {text_field(ctx, &limits::NIK, form_label(Field::Nik), "numeric", |d| d.nik.clone(), |d, v| d.nik = v)}
                </Show>
                <DuplicateWarning draft=draft own_id=own_id.clone() />
                <label class="check">
                    <input type="checkbox" name="no_nik"
                        prop:checked=move || draft.with(|d| d.no_nik_reason.is_some())
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            draft.update(|d| {
                                d.no_nik_reason = on.then(String::new);
                                if on { d.nik.clear(); }
                            });
                        }/>
                    <span>{move || l(lang.get(), "Belum punya NIK", "No NIK yet")}</span>
                </label>
                <Show when=move || draft.with(|d| d.no_nik_reason.is_some())>
                    {text_field(ctx, &limits::NO_NIK_REASON, form_label(Field::NoNikReason), "text",
                        |d| d.no_nik_reason.clone().unwrap_or_default(), |d, v| d.no_nik_reason = Some(v))}
                </Show>
                {text_field(ctx, &limits::BIRTH_PLACE, form_label(Field::BirthPlace), "text", |d| d.birth_place.clone(), |d, v| d.birth_place = v)}
                {text_field(ctx, &limits::BIRTH_DATE, form_label(Field::BirthDate), "date", |d| d.birth_date.clone(), |d, v| d.birth_date = v)}
                {choice_field(ctx, "gender", form_label(Field::Gender), |d| d.gender, |d, v| d.gender = v)}
                {choice_field(ctx, "marital_status", form_label(Field::MaritalStatus), |d| d.marital_status, |d, v| d.marital_status = v)}
                {text_field(ctx, &limits::PHONE, form_label(Field::Phone), "tel", |d| d.phone.clone(), |d, v| d.phone = v)}
            </section>
            <section class="card">
                <h2>{move || l(lang.get(), "Alamat", "Address")}</h2>
                {move || state.regions.with(Option::is_none).then(|| view! {
                    <p class="hint">{move || l(lang.get(),
                        "Daftar wilayah belum ada di ponsel ini; sambungkan internet sekali untuk mengunduhnya, atau ketik kodenya.",
                        "The region list is not on this phone yet; connect once to download it, or type the codes.")}</p>
                })}
                {region_field(ctx, state, &limits::REGENCY, form_label(Field::Regency), 0)}
                {region_field(ctx, state, &limits::DISTRICT, form_label(Field::District), 1)}
                {region_field(ctx, state, &limits::VILLAGE, form_label(Field::Village), 2)}
                <DuplicateWarning draft=draft own_id=own_id.clone() at_village=true />
                {text_field(ctx, &limits::HAMLET, form_label(Field::Hamlet), "text", |d| d.address.hamlet.clone(), |d, v| d.address.hamlet = v)}
                <div class="row">
                    {text_field(ctx, &limits::RT, form_label(Field::Rt), "numeric", |d| d.address.rt.clone(), |d, v| d.address.rt = v)}
                    {text_field(ctx, &limits::RW, form_label(Field::Rw), "numeric", |d| d.address.rw.clone(), |d, v| d.address.rw = v)}
                </div>
                {text_field(ctx, &limits::STREET, form_label(Field::Street), "text", |d| d.address.street.clone(), |d, v| d.address.street = v)}
                {problems(ctx, "address")}
            </section>
            <section class="card">
                <h2>{move || l(lang.get(), "Pendidikan & pekerjaan", "Education & work")}</h2>
                {choice_field(ctx, "education", form_label(Field::Education), |d| d.education, |d, v| d.education = v)}
                {text_field(ctx, &limits::EDUCATION_MAJOR, form_label(Field::EducationMajor), "text", |d| d.education_major.clone(), |d, v| d.education_major = v)}
                {choice_field(ctx, "employment_status", form_label(Field::EmploymentStatus), |d| d.employment_status, |d, v| d.employment_status = v)}
                {work_experience_field(ctx)}
                <label class="field">
                    <span>{move || label(lang.get(), Field::Skills.label())}{move || l(lang.get(), " (pisahkan dengan koma)", " (separate with commas)")}</span>
                    <input name="skills" prop:value=move || skills_text.get()
                        maxlength=SKILLS_TEXT_MAX_CHARS
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            let skills = text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
                            skills_text.set(text);
                            draft.update(|d| d.skills = skills);
                        }
                        on:change=move |_| touch(ctx, "skills")/>
                    {problems(ctx, "skills")}
                </label>
                <label class="check">
                    <input type="checkbox" name="has_disability" prop:checked=move || has_disability.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            has_disability.set(on);
                            draft.update(|d| d.disability = on.then(String::new));
                        }/>
                    <span>{move || l(lang.get(), "Penyandang disabilitas", "Has a disability")}</span>
                </label>
                <Show when=move || has_disability.get()>
                    {text_field(ctx, &limits::DISABILITY, form_label(Field::Disability), "text",
                        |d| d.disability.clone().unwrap_or_default(), |d, v| d.disability = Some(v))}
                </Show>
            </section>
            <section class="card">
                <h2>{move || label(lang.get(), Field::Programmes.label())}</h2>
                {Programme::ALL.iter().map(|&programme| programme_field(ctx, programme)).collect_view()}
                {problems(ctx, "programmes")}
            </section>
            <section class="card">
                <h2>{move || l(lang.get(), "Persetujuan & lokasi", "Consent & location")}</h2>
                <label class="check consent">
                    <input type="checkbox" name="consent"
                        prop:checked=move || draft.with(|d| d.consent.given)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            // Given now, under the notice this form shows, by this officer.
                            let by = state.session.get_untracked().map(|s| s.user.id);
                            draft.update(|d| {
                                d.consent.given = on;
                                d.consent.at = on.then(|| now_ms() as i64);
                                d.consent.version = on.then_some(consent_version);
                                d.consent.by = if on { by } else { None };
                            });
                            touch(ctx, "consent");
                        }/>
                    <span>{move || l(lang.get(),
                        "Yang bersangkutan menyetujui pengolahan data pribadinya untuk program ketenagakerjaan (UU 27/2022).",
                        "The person consents to the processing of their personal data for labour programmes (Law 27/2022).")}</span>
                </label>
                <details class="consent-text" data-testid="consent-text" data-version=consent_version.to_string()>
                    <summary>{move || format!("{} {consent_version}", l(lang.get(), "Baca teks persetujuan, versi", "Read the consent notice, version"))}</summary>
                    <p>{move || notice.with_value(|(id, en)| l(lang.get(), id.clone(), en.clone()))}</p>
                </details>
                {problems(ctx, "consent")}
                <button type="button" class="secondary" name="capture_location" on:click=move |_| capture_location(ctx, gps_status)>
                    {move || l(lang.get(), "Ambil lokasi GPS", "Capture GPS location")}
                </button>
                {move || draft.with(|d| d.location.clone()).map(|loc| view! {
                    <p class="hint">{format!("{:.5}, {:.5} (±{:.0} m)", loc.latitude, loc.longitude, loc.accuracy_m)}</p>
                })}
                {move || gps_status.get().map(|s| view! { <p class="hint">{s}</p> })}
                {problems(ctx, "location")}
            </section>
            </fieldset>
            {id_for_history.clone().map(|id| view! { <RecordHistory id /> })}
            {move || failure.get().map(|f| view! { <p class="alert error save-error" role="alert">{f}</p> })}
            <Show when=move || !read_only.get()>
            <div class="actions">
                <button type="submit" class="primary" name="save" disabled=move || state.saving.get()>
                    {move || if state.saving.get() { l(lang.get(), "Menyimpan…", "Saving…") } else { l(lang.get(), "Simpan", "Save") }}
                </button>
            </div>
            </Show>
        </form>
        </Show>
    }
}

/// What a form says when "Simpan" finds problems: the registration's and a follow-up's.
pub(super) fn not_saved(lang: Lang) -> String {
    l(
        lang,
        "Belum tersimpan: perbaiki isian yang ditandai merah.",
        "Not saved: fix the fields marked in red.",
    )
    .into()
}
