//! The yearly targets editor: rows of (regency or the whole province, programme or all
//! programmes, yearly count), saved together with `PUT /api/admin/targets`, which
//! replaces every target. The province-wide row without a programme is the headline
//! target (10,000 unless set).

use jemput_shared::domain::RegionDirectory;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin_api::{self, Target};
use crate::api::ApiFailure;
use crate::i18n::{l, Lang};
use crate::pages::admin::{note_line, report, token, Note, Submitted};
use crate::state::{use_state, AppState};

const PROGRAMMES: [(&str, &str, &str); 5] = [
    ("blk_training", "Pelatihan vokasi di BLK", "Vocational training at a BLK"),
    ("domestic_apprenticeship", "Pemagangan dalam negeri", "Domestic apprenticeship"),
    ("overseas_apprenticeship", "Pemagangan luar negeri", "Overseas apprenticeship"),
    ("new_entrepreneur", "Wirausaha baru", "New entrepreneur"),
    ("job_placement", "Penempatan kerja", "Job placement"),
];

#[component]
pub fn TargetsEditor() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let rows = RwSignal::new(Vec::<Target>::new());
    let note = RwSignal::new(None::<Note>);
    spawn_local(async move {
        if let Err(failure) = load(state, rows).await {
            note.set(Some(Note::failed(&failure)));
        }
    });
    // Add and remove keep what was typed in the other rows: they read the form first.
    let submit = move |ev: SubmitEvent| {
        let Some(form) = Submitted::read(&ev) else {
            return;
        };
        let mut current = read_rows(&form);
        if form.action == "add" {
            current.push(Target::default());
            rows.set(current);
        } else if let Some(index) = form.action.strip_prefix("remove-") {
            if let Ok(index) = index.parse::<usize>() {
                if index < current.len() {
                    current.remove(index);
                }
            }
            rows.set(current);
        } else {
            spawn_local(async move {
                let result = save(state, rows, current).await;
                report(
                    note,
                    result.map(|()| Note::done("Target disimpan.".into(), "Targets saved.".into())),
                );
            });
        }
    };
    view! {
        <form class="card admin-form" data-testid="targets" on:submit=submit>
            {move || {
                let lang = lang.get();
                let directory = state.regions.get();
                view! {
                    <h2>{l(lang, "Target tahunan", "Yearly targets")}</h2>
                    <p class="hint">
                        {l(
                            lang,
                            "Baris tanpa kabupaten/kota berlaku untuk seluruh provinsi; tanpa program, untuk semua program.",
                            "A row without a regency is for the whole province; without a programme, for all programmes.",
                        )}
                    </p>
                    <div class="admin-scroll">
                        <table class="admin-table">
                            <thead>
                                <tr>
                                    <th>{l(lang, "Kabupaten/kota", "Regency")}</th>
                                    <th>{l(lang, "Program", "Programme")}</th>
                                    <th>{l(lang, "Target per tahun", "Yearly target")}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .get()
                                    .into_iter()
                                    .enumerate()
                                    .map(|(index, target)| {
                                        view! {
                                            <tr data-testid="target-row">
                                                <td>
                                                    <select name="regency">
                                                        {regency_options(lang, directory.as_deref(), target.regency)}
                                                    </select>
                                                </td>
                                                <td>
                                                    <select name="programme">
                                                        {programme_options(lang, target.programme)}
                                                    </select>
                                                </td>
                                                <td>
                                                    <input
                                                        name="yearly"
                                                        type="number"
                                                        min="1"
                                                        max="10000000"
                                                        inputmode="numeric"
                                                        value=(target.yearly > 0).then(|| target.yearly.to_string())
                                                    />
                                                </td>
                                                <td>
                                                    <button
                                                        type="submit"
                                                        class="link"
                                                        value=format!("remove-{index}")
                                                        formnovalidate
                                                    >
                                                        {l(lang, "Hapus", "Remove")}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <div class="admin-actions">
                        <button type="submit" class="secondary" name="add_target" value="add" formnovalidate>
                            {l(lang, "Tambah baris", "Add row")}
                        </button>
                        <button type="submit" class="primary" name="save_targets" value="save">
                            {l(lang, "Simpan target", "Save targets")}
                        </button>
                    </div>
                }
            }}
            {move || note_line(lang.get(), note.get(), "targets-note")}
        </form>
    }
}

async fn load(state: AppState, rows: RwSignal<Vec<Target>>) -> Result<(), ApiFailure> {
    rows.set(admin_api::targets(&token(&state)).await?);
    Ok(())
}

async fn save(
    state: AppState,
    rows: RwSignal<Vec<Target>>,
    targets: Vec<Target>,
) -> Result<(), ApiFailure> {
    admin_api::save_targets(&token(&state), targets).await?;
    load(state, rows).await
}

/// The rows as typed; a count that is not a number becomes 0, which the server refuses
/// with its own message.
fn read_rows(form: &Submitted) -> Vec<Target> {
    let regencies = form.all("regency");
    let programmes = form.all("programme");
    let yearly = form.all("yearly");
    let chosen = |value: &String| (!value.is_empty()).then(|| value.clone());
    regencies
        .iter()
        .zip(&programmes)
        .zip(&yearly)
        .map(|((regency, programme), yearly)| Target {
            regency: chosen(regency),
            programme: chosen(programme),
            yearly: yearly.trim().replace(['.', ','], "").parse().unwrap_or(0),
        })
        .collect()
}

fn regency_options(
    lang: Lang,
    directory: Option<&RegionDirectory>,
    current: Option<String>,
) -> impl IntoView {
    let mut options = vec![(String::new(), l(lang, "Seluruh provinsi", "Whole province").to_owned())];
    if let Some(directory) = directory {
        options.extend(
            directory
                .regencies()
                .map(|(code, name)| (code.as_str().to_owned(), format!("{} {name}", code.as_str()))),
        );
    }
    let current = current.unwrap_or_default();
    if !options.iter().any(|(code, _)| *code == current) {
        options.push((current.clone(), current.clone()));
    }
    choices(options, &current)
}

fn programme_options(lang: Lang, current: Option<String>) -> impl IntoView {
    let mut options = vec![(String::new(), l(lang, "Semua program", "All programmes").to_owned())];
    options.extend(PROGRAMMES.iter().map(|(code, id, en)| ((*code).to_owned(), l(lang, *id, *en).to_owned())));
    choices(options, &current.unwrap_or_default())
}

fn choices(options: Vec<(String, String)>, current: &str) -> impl IntoView {
    options
        .into_iter()
        .map(|(code, label)| {
            let selected = code == current;
            view! { <option value=code selected=selected>{label}</option> }
        })
        .collect_view()
}
