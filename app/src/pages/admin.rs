//! The admin screen (`#/admin`): the user list and the form that creates officers and
//! supervisors, the chosen user's panel (`admin_user`), the yearly targets
//! (`admin_targets`) and the region list import (`admin_regions`). Also the small pieces
//! those share: reading a submitted form, the role and region pickers, dates, and the
//! bilingual message under each section.
//!
//! Forms are read once, on submit (`FormData`), instead of keeping a signal per input:
//! the admin screens ride in the officer's app shell, which must stay small
//! (docs/benchmarks.md). Each section is drawn by one closure from plain data.

use std::sync::Arc;

use jemput_shared::domain::{RegionCode, RegionDirectory};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use wasm_bindgen::JsCast;
use web_sys::{File, FormData, HtmlFormElement};

use crate::admin_api::{self, User};
use crate::api::{self, ApiFailure};
use crate::i18n::{l, Lang};
use crate::pages::admin_regions::RegionImport;
use crate::pages::admin_targets::TargetsEditor;
use crate::pages::admin_user::UserPanel;
use crate::regions;
use crate::state::{use_state, AppState};

#[component]
pub fn AdminPage() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    if state
        .session
        .get_untracked()
        .is_none_or(|s| s.user.role != "admin")
    {
        return view! {
            <p class="alert error" role="alert">
                {move || l(lang.get(), "Halaman ini hanya untuk admin.", "This page is for admins only.")}
            </p>
        }
        .into_any();
    }
    let users = RwSignal::new(Vec::<User>::new());
    let chosen = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<Note>);
    let user_note = RwSignal::new(None::<Note>);
    // Only a real change of the chosen user redraws (and reloads) their panel.
    let chosen_user = Memo::new(move |_| {
        let id = chosen.get()?;
        users.with(|list| list.iter().find(|u| u.id == id).cloned())
    });
    spawn_local(async move {
        if let Err(failure) = reload_users(state, users).await {
            note.set(Some(Note::failed(&failure)));
        }
    });
    if state.regions.get_untracked().is_none() {
        spawn_local(load_regions(state));
    }
    let create = move |ev: SubmitEvent| {
        let Some(form) = Submitted::read(&ev) else {
            return;
        };
        let username = form.text("username").trim().to_owned();
        let display_name = form.text("display_name").trim().to_owned();
        let body = json!({
            "username": username,
            "display_name": (!display_name.is_empty()).then_some(display_name),
            "password": form.text("password"),
            "role": form.text("role"),
            "regions": form.all("regions"),
        });
        spawn_local(async move {
            let result = admin_api::create_user(&token(&state), body).await;
            if result.is_ok() {
                form.form.reset();
                let _ = reload_users(state, users).await;
            }
            report(
                note,
                result.map(|()| {
                    Note::done(
                        format!("Pengguna {username} dibuat."),
                        format!("User {username} created."),
                    )
                }),
            );
        });
    };
    view! {
        <section class="admin" data-testid="admin">
            {move || {
                let lang = lang.get();
                let directory = state.regions.get();
                view! {
                    <h1>{l(lang, "Administrasi", "Administration")}</h1>
                    <div class="card">
                        <h2>{l(lang, "Pengguna", "Users")}</h2>
                        <div class="admin-scroll">
                            <table class="admin-table" data-testid="users">
                                <thead>
                                    <tr>
                                        <th>{l(lang, "Nama pengguna", "Username")}</th>
                                        <th>{l(lang, "Nama", "Name")}</th>
                                        <th>{l(lang, "Peran", "Role")}</th>
                                        <th>{l(lang, "Wilayah", "Regions")}</th>
                                        <th>{l(lang, "Status", "Status")}</th>
                                        <th></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {users
                                        .get()
                                        .into_iter()
                                        .map(|user| {
                                            let id = user.id.clone();
                                            let username = user.username.clone();
                                            view! {
                                                <tr
                                                    data-testid="user-row"
                                                    data-username=username
                                                    class=if user.disabled { "disabled" } else { "" }
                                                >
                                                    <td>{user.username}</td>
                                                    <td>{user.display_name}</td>
                                                    <td>{role_name(lang, &user.role)}</td>
                                                    <td>{region_names(directory.as_deref(), &user.regions)}</td>
                                                    <td>
                                                        {if user.disabled {
                                                            l(lang, "Nonaktif", "Disabled")
                                                        } else {
                                                            l(lang, "Aktif", "Active")
                                                        }}
                                                    </td>
                                                    <td>
                                                        <button
                                                            type="button"
                                                            class="secondary"
                                                            name="manage"
                                                            on:click=move |_| {
                                                                user_note.set(None);
                                                                chosen.set(Some(id.clone()));
                                                            }
                                                        >
                                                            {l(lang, "Kelola", "Manage")}
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </div>
                    <form class="card admin-form" data-testid="create-user" on:submit=create>
                        <h2>{l(lang, "Pengguna baru", "New user")}</h2>
                        <label class="field">
                            <span>{l(lang, "Nama pengguna", "Username")}</span>
                            <input name="username" autocomplete="off" autocapitalize="none" required />
                        </label>
                        <label class="field">
                            <span>{l(lang, "Nama lengkap", "Display name")}</span>
                            <input name="display_name" autocomplete="off" />
                        </label>
                        <label class="field">
                            <span>{l(lang, "Kata sandi", "Password")}</span>
                            <input name="password" type="password" autocomplete="new-password" required />
                        </label>
                        <label class="field">
                            <span>{l(lang, "Peran", "Role")}</span>
                            {role_picker(lang, "officer", false)}
                        </label>
                        <label class="field">
                            <span>{l(lang, "Wilayah", "Regions")}</span>
                            {region_picker(lang, directory.as_deref(), &[])}
                        </label>
                        <button type="submit" class="primary">
                            {l(lang, "Buat pengguna", "Create user")}
                        </button>
                    </form>
                }
            }}
            {move || note_line(lang.get(), note.get(), "users-note")}
            {move || chosen_user.get().map(|user| view! { <UserPanel user users note=user_note /> })}
            <TargetsEditor />
            <RegionImport />
        </section>
    }
    .into_any()
}

/// Fetches the user list into `users`.
pub async fn reload_users(state: AppState, users: RwSignal<Vec<User>>) -> Result<(), ApiFailure> {
    let list = admin_api::users(&token(&state)).await?;
    users.set(list);
    Ok(())
}

/// Fetches the region list (and caches it when the user's database is open).
pub async fn load_regions(state: AppState) {
    let token = token(&state);
    let directory = match crate::state::db() {
        Some(db) => regions::refresh(&db, &token).await,
        None => match api::regions(&token).await {
            Ok(text) => regions::parse(&text),
            Err(_) => None,
        },
    };
    if let Some(directory) = directory {
        state.regions.set(Some(Arc::new(directory)));
    }
}

pub fn token(state: &AppState) -> String {
    state
        .session
        .get_untracked()
        .map(|s| s.token)
        .unwrap_or_default()
}

/// A result shown under a section, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub error: bool,
    pub id: String,
    pub en: String,
}

impl Note {
    pub fn done(id: String, en: String) -> Note {
        Note {
            error: false,
            id,
            en,
        }
    }

    /// The server's `message_id` and `message`, or our words for a failure without one.
    pub fn failed(failure: &ApiFailure) -> Note {
        Note {
            error: true,
            id: failure.describe(Lang::Id),
            en: failure.describe(Lang::En),
        }
    }
}

pub fn report(note: RwSignal<Option<Note>>, result: Result<Note, ApiFailure>) {
    note.set(Some(result.unwrap_or_else(|failure| Note::failed(&failure))));
}

pub fn note_line(lang: Lang, note: Option<Note>, testid: &'static str) -> impl IntoView {
    note.map(|note| {
        view! {
            <p
                class=if note.error { "alert error" } else { "alert ok" }
                role=if note.error { "alert" } else { "status" }
                data-testid=testid
            >
                {l(lang, note.id, note.en)}
            </p>
        }
    })
}

/// A submitted form's fields; the browser's own submission is cancelled. `action` is the
/// `value` of the button that submitted it, so one handler serves a form's buttons.
pub struct Submitted {
    pub form: HtmlFormElement,
    pub action: String,
    data: FormData,
}

impl Submitted {
    pub fn read(ev: &SubmitEvent) -> Option<Submitted> {
        ev.prevent_default();
        let form: HtmlFormElement = ev.target()?.dyn_into().ok()?;
        let data = FormData::new_with_form(&form).ok()?;
        let action = ev
            .submitter()
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        Some(Submitted { form, action, data })
    }

    pub fn text(&self, name: &str) -> String {
        self.data.get(name).as_string().unwrap_or_default()
    }

    /// Every value of `name`, in the form's order (a multiple choice, repeated rows).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.data
            .get_all(name)
            .iter()
            .filter_map(|value| value.as_string())
            .collect()
    }

    /// The chosen file of a file input, if one was chosen.
    pub fn file(&self, name: &str) -> Option<File> {
        let file: File = self.data.get(name).dyn_into().ok()?;
        (!file.name().is_empty()).then_some(file)
    }
}

const ROLES: [(&str, &str, &str); 3] = [
    ("officer", "Petugas", "Officer"),
    ("supervisor", "Pengawas", "Supervisor"),
    ("admin", "Admin", "Admin"),
];

pub fn role_name(lang: Lang, code: &str) -> &'static str {
    ROLES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or("?", |(_, id, en)| l(lang, id, en))
}

/// The role choice; `with_admin` also offers making someone an admin.
pub fn role_picker(lang: Lang, current: &str, with_admin: bool) -> impl IntoView {
    let roles = if with_admin { &ROLES[..] } else { &ROLES[..2] };
    view! {
        <select name="role" data-testid="role">
            {roles
                .iter()
                .map(|(code, id, en)| {
                    view! { <option value=*code selected=*code == current>{l(lang, *id, *en)}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// A multiple choice of regions: every regency, each followed by its districts (officers
/// work in districts or villages, supervisors oversee regencies; the server checks the
/// fit), plus any chosen region the list lacks, so saving never drops one.
pub fn region_picker(lang: Lang, directory: Option<&RegionDirectory>, chosen: &[String]) -> impl IntoView {
    let mut options: Vec<(String, String)> = Vec::new();
    if let Some(directory) = directory {
        for (regency, name) in directory.regencies() {
            options.push((regency.as_str().to_owned(), format!("{} {name}", regency.as_str())));
            for (district, name) in directory.districts_of(regency) {
                options.push((district.as_str().to_owned(), format!("\u{a0}\u{a0}\u{a0}{} {name}", district.as_str())));
            }
        }
    }
    for code in chosen {
        if !options.iter().any(|(c, _)| c == code) {
            options.push((code.clone(), region_names(directory, std::slice::from_ref(code))));
        }
    }
    view! {
        <select name="regions" multiple size="8" data-testid="regions">
            {options
                .into_iter()
                .map(|(code, label)| {
                    let selected = chosen.contains(&code);
                    view! { <option value=code selected=selected>{label}</option> }
                })
                .collect_view()}
        </select>
        <small class="hint">
            {l(
                lang,
                "Petugas: kecamatan atau desa. Pengawas: kabupaten/kota. Tahan Ctrl untuk memilih beberapa.",
                "Officer: districts or villages. Supervisor: regencies. Hold Ctrl to choose several.",
            )}
        </small>
    }
}

/// Codes with their names, e.g. "17.01.01 Kedurang, 17.02 Kabupaten Rejang Lebong".
pub fn region_names(directory: Option<&RegionDirectory>, codes: &[String]) -> String {
    codes
        .iter()
        .map(|code| {
            let name = RegionCode::parse(code)
                .ok()
                .and_then(|parsed| directory?.name_of(&parsed).map(str::to_owned));
            match name {
                Some(name) => format!("{code} {name}"),
                None => code.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date and time in the user's language, or "never".
pub fn when(lang: Lang, ms: Option<f64>) -> String {
    match ms {
        Some(ms) => {
            let date = js_sys::Date::new(&ms.into());
            String::from(date.to_locale_string(l(lang, "id-ID", "en-GB"), &js_sys::Object::new()))
        }
        None => l(lang, "belum pernah", "never").to_owned(),
    }
}
