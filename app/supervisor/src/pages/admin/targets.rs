//! The yearly targets editor: rows of (regency or the whole province, programme or all
//! programmes, what is counted, yearly count), saved together with
//! `PUT /api/admin/targets`, which replaces every target. What is counted is
//! registrations, or people reaching a later stage of the funnel (an outcome target:
//! "10,000 skilled workers" is the province's "Lulus / bersertifikat"). The
//! province-wide row of registrations without a programme is the headline target
//! (10,000 unless set).

use jemput_app_common::i18n::{l, label};
use jemput_shared::api::targets::{Target, Targets as TargetList};
use jemput_shared::choice::Label;
use jemput_shared::follow_up::Stage;
use jemput_shared::registration::Programme;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AdminTable;
use crate::api;
use crate::app::Supervision;
use crate::components::{Note, NoteView};

/// One row as typed: codes ("" = all) and the count as text until saved.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    /// Tells rows apart while they are added and removed.
    key: u32,
    regency: RwSignal<String>,
    programme: RwSignal<String>,
    stage: RwSignal<Stage>,
    yearly: RwSignal<String>,
}

impl Row {
    fn new(key: u32, target: &Target) -> Row {
        Row {
            key,
            regency: RwSignal::new(target.regency.clone().unwrap_or_default()),
            programme: RwSignal::new(
                target
                    .programme
                    .map(|p| p.code().to_owned())
                    .unwrap_or_default(),
            ),
            stage: RwSignal::new(target.stage),
            yearly: RwSignal::new(if target.yearly > 0 {
                target.yearly.to_string()
            } else {
                String::new()
            }),
        }
    }

    /// The row as a target; a count that is not a number becomes 0, which the server
    /// refuses with its own message.
    fn target(&self) -> Target {
        let regency = self.regency.get_untracked();
        Target {
            regency: (!regency.is_empty()).then_some(regency),
            programme: Programme::from_code(&self.programme.get_untracked()),
            stage: self.stage.get_untracked(),
            yearly: self
                .yearly
                .get_untracked()
                .trim()
                .replace(['.', ','], "")
                .parse()
                .unwrap_or(0),
        }
    }
}

/// What a target of `stage` counts: registrations, or the people who reached the stage.
fn counted(stage: Stage) -> Label {
    match stage {
        Stage::Registered => Label::new("Pendaftaran", "Registrations"),
        reached => reached.label(),
    }
}

#[component]
pub(super) fn Targets(supervision: Supervision) -> impl IntoView {
    let shell = supervision.shell;
    let lang = shell.lang;
    let rows = RwSignal::new(Vec::<Row>::new());
    let next_key = StoredValue::new(0u32);
    let note = RwSignal::new(None::<Note>);
    let show = move |targets: Vec<Target>| {
        rows.set(
            targets
                .iter()
                .map(|target| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    Row::new(key, target)
                })
                .collect(),
        );
    };
    let reload = move || {
        spawn_local(async move {
            match api::get::<TargetList>(shell, "/api/targets").await {
                Ok(list) => show(list.targets),
                Err(failure) => note.set(Some(Note::failed(&failure))),
            }
        })
    };
    reload();
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|rows| rows.push(Row::new(key, &Target::default())));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = TargetList {
            targets: rows.with_untracked(|rows| rows.iter().map(Row::target).collect()),
        };
        spawn_local(async move {
            let result = api::send::<TargetList>(shell, "PUT", "/api/admin/targets", &body).await;
            if let Ok(saved) = &result {
                show(saved.targets.clone());
            }
            note.set(Some(Note::of(&result, || {
                Note::done("Target disimpan.", "Targets saved.")
            })));
        });
    };
    // Every regency choice: the whole province, then the list's regencies.
    let regencies = move || {
        let mut options = vec![(
            String::new(),
            l(lang.get(), "Seluruh provinsi", "Whole province").to_owned(),
        )];
        supervision.regions.with(|directory| {
            if let Some(directory) = directory {
                options.extend(
                    directory
                        .regencies()
                        .map(|(code, name)| (code.to_string(), format!("{code} {name}"))),
                );
            }
        });
        options
    };
    view! {
        <form class="card admin-form" data-testid="targets" on:submit=save>
            <h2>{move || l(lang.get(), "Target tahunan", "Yearly targets")}</h2>
            <p class="hint">
                {move || l(
                    lang.get(),
                    "Baris tanpa kabupaten/kota berlaku untuk seluruh provinsi; tanpa program, untuk semua program. \
                     Yang dihitung: pendaftaran, atau orang yang mencapai suatu tahap tahun ini (mis. lulus / bersertifikat).",
                    "A row without a regency is for the whole province; without a programme, for all programmes. \
                     What is counted: registrations, or people reaching a stage this year (e.g. completed / certified).",
                )}
            </p>
            <AdminTable lang=lang columns=&[("Kabupaten/kota", "Regency"), ("Program", "Programme"), ("Yang dihitung", "What is counted"), ("Target per tahun", "Yearly target")]>
                <For each=move || rows.get() key=|row| row.key let:row>
                    <tr data-testid="target-row">
                        <td>
                            <select name="regency" on:change=move |ev| row.regency.set(event_target_value(&ev))>
                                {move || {
                                    let current = row.regency.get();
                                    let mut options = regencies();
                                    // A code the list lacks (regions not loaded yet) is kept, not dropped.
                                    if !options.iter().any(|(code, _)| *code == current) {
                                        options.push((current.clone(), current.clone()));
                                    }
                                    options.into_iter().map(|(code, name)| {
                                        let selected = code == current;
                                        view! { <option value=code selected=selected>{name}</option> }
                                    }).collect_view()
                                }}
                            </select>
                        </td>
                        <td>
                            <select name="programme" on:change=move |ev| row.programme.set(event_target_value(&ev))>
                                <option value="" selected=move || row.programme.get().is_empty()>
                                    {move || l(lang.get(), "Semua program", "All programmes")}
                                </option>
                                {Programme::ALL.iter().map(|&programme| view! {
                                    <option value=programme.code()
                                        selected=move || row.programme.get() == programme.code()>
                                        {move || label(lang.get(), programme.label())}
                                    </option>
                                }).collect_view()}
                            </select>
                        </td>
                        <td>
                            <select name="stage"
                                on:change=move |ev| row.stage.set(Stage::from_code(&event_target_value(&ev)).unwrap_or_default())>
                                {Stage::ALL.iter().map(|&stage| view! {
                                    <option value=stage.code() selected=move || row.stage.get() == stage>
                                        {move || label(lang.get(), counted(stage))}
                                    </option>
                                }).collect_view()}
                            </select>
                        </td>
                        <td>
                            <input name="yearly" type="number" min="1" max="10000000" inputmode="numeric"
                                prop:value=move || row.yearly.get()
                                on:input=move |ev| row.yearly.set(event_target_value(&ev))/>
                        </td>
                        <td>
                            <button type="button" class="link"
                                on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != row.key))>
                                {move || l(lang.get(), "Hapus", "Remove")}
                            </button>
                        </td>
                    </tr>
                </For>
            </AdminTable>
            <div class="admin-actions">
                <button type="button" class="secondary" name="add_target" on:click=add>
                    {move || l(lang.get(), "Tambah baris", "Add row")}
                </button>
                <button type="submit" class="primary" name="save_targets">
                    {move || l(lang.get(), "Simpan target", "Save targets")}
                </button>
            </div>
        </form>
        <NoteView note=note lang=lang testid="targets-note" />
    }
}
