//! The admin screen (`#/admin`): the user list and the form that creates officers and
//! supervisors, the chosen user's panel with their devices (`admin_user`), the yearly
//! targets (`admin_targets`) and the region list import (`admin_regions`).
//!
//! Why it is built this way: the admin screens ride in the officer's app shell, which must
//! stay small on a phone's connection (docs/benchmarks.md), and every distinct Leptos view
//! costs WASM code. So each part of the page is plain HTML text drawn from plain data by a
//! function (`*_html`, every value escaped with [`esc`]) and set as one element's
//! `inner_html`; forms are read once on submit (`FormData`); and the page listens for
//! `submit` and `click` once, at its root, and dispatches on the form's `data-form` or
//! the button's `data-action`.

use std::fmt::Write as _;
use std::sync::Arc;

use jemput_shared::domain::{RegionCode, RegionDirectory};
use leptos::ev::{MouseEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Element, File, FormData, HtmlFormElement};

use crate::admin_api::{self, Device, NewUser, Target, User};
use crate::api::{self, ApiFailure};
use crate::i18n::{l, Lang};
use crate::pages::{admin_regions, admin_targets, admin_user};
use crate::regions;
use crate::state::{use_state, AppState};

/// Everything the admin screen shows, as signals of plain data.
#[derive(Clone, Copy)]
pub struct Admin {
    pub state: AppState,
    pub users: RwSignal<Vec<User>>,
    pub chosen: RwSignal<Option<String>>,
    pub devices: RwSignal<Option<Vec<Device>>>,
    pub targets: RwSignal<Vec<Target>>,
    pub busy: RwSignal<bool>,
    pub users_note: RwSignal<Option<Note>>,
    pub user_note: RwSignal<Option<Note>>,
    pub targets_note: RwSignal<Option<Note>>,
    pub regions_note: RwSignal<Option<Note>>,
}

impl Admin {
    pub fn lang(&self) -> Lang {
        self.state.lang.get()
    }

    pub fn token(&self) -> String {
        self.state
            .session
            .get_untracked()
            .map(|s| s.token)
            .unwrap_or_default()
    }

    pub fn chosen_user(&self) -> Option<User> {
        let id = self.chosen.get()?;
        self.users
            .with(|list| list.iter().find(|u| u.id == id).cloned())
    }

    /// Fetches the user list.
    pub async fn reload_users(self) -> Result<(), ApiFailure> {
        self.users.set(admin_api::users(&self.token()).await?);
        Ok(())
    }

    /// Fetches the region list (and caches it when the user's database is open).
    pub async fn reload_regions(self) {
        let token = self.token();
        let directory = match crate::state::db() {
            Some(db) => regions::refresh(&db, &token).await,
            None => match api::regions(&token).await {
                Ok(text) => regions::parse(&text),
                Err(_) => None,
            },
        };
        if let Some(directory) = directory {
            self.state.regions.set(Some(Arc::new(directory)));
        }
    }
}

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
    let admin = Admin {
        state,
        users: RwSignal::new(Vec::new()),
        chosen: RwSignal::new(None),
        devices: RwSignal::new(None),
        targets: RwSignal::new(Vec::new()),
        busy: RwSignal::new(false),
        users_note: RwSignal::new(None),
        user_note: RwSignal::new(None),
        targets_note: RwSignal::new(None),
        regions_note: RwSignal::new(None),
    };
    spawn_local(async move {
        if let Err(failure) = admin.reload_users().await {
            admin.users_note.set(Some(Note::failed(&failure)));
        }
    });
    spawn_local(admin_targets::reload(admin));
    if state.regions.get_untracked().is_none() {
        spawn_local(admin.reload_regions());
    }
    // Only a real change of the chosen user redraws their forms.
    let chosen_user = Memo::new(move |_| admin.chosen_user());
    view! {
        <section
            class="admin"
            data-testid="admin"
            on:submit=move |ev| on_submit(admin, ev)
            on:click=move |ev| on_click(admin, ev)
        >
            <div inner_html=move || users_html(admin)></div>
            <div inner_html=move || note_html(lang.get(), admin.users_note.get(), "users-note")></div>
            <div inner_html=move || create_form_html(lang.get(), state.regions.get().as_deref())></div>
            <section
                class="card admin-user"
                data-testid="user-panel"
                data-username=move || chosen_user.get().map(|u| u.username)
                hidden=move || chosen_user.with(Option::is_none)
            >
                <div inner_html=move || {
                    chosen_user
                        .get()
                        .map(|user| admin_user::forms_html(lang.get(), &user, state.regions.get().as_deref()))
                }></div>
                <div inner_html=move || note_html(lang.get(), admin.user_note.get(), "user-note")></div>
                <div inner_html=move || admin.devices.get().map(|list| admin_user::devices_html(lang.get(), &list))></div>
            </section>
            <div inner_html=move || admin_targets::form_html(lang.get(), &admin.targets.get(), state.regions.get().as_deref())></div>
            <div inner_html=move || note_html(lang.get(), admin.targets_note.get(), "targets-note")></div>
            <div inner_html=move || admin_regions::form_html(lang.get(), admin.busy.get())></div>
            <div inner_html=move || note_html(lang.get(), admin.regions_note.get(), "regions-note")></div>
        </section>
    }
    .into_any()
}

fn on_submit(admin: Admin, ev: SubmitEvent) {
    let Some(form) = Submitted::read(&ev) else {
        return;
    };
    match form.name.as_str() {
        "create" => create_user(admin, form),
        "user" | "password" => admin_user::submit(admin, form),
        "targets" => admin_targets::submit(admin, form),
        "regions" => admin_regions::submit(admin, form),
        _ => {}
    }
}

fn on_click(admin: Admin, ev: MouseEvent) {
    let Some(button) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest("button[data-action]").ok().flatten())
    else {
        return;
    };
    let id = button.get_attribute("data-id").unwrap_or_default();
    match button.get_attribute("data-action").as_deref() {
        Some("manage") => {
            admin.user_note.set(None);
            admin.devices.set(None);
            admin.chosen.set(Some(id.clone()));
            spawn_local(admin_user::reload_devices(admin, id));
        }
        Some("revoke") => admin_user::revoke(admin, id),
        _ => {}
    }
}

fn create_user(admin: Admin, form: Submitted) {
    let username = form.text("username").trim().to_owned();
    let display_name = form.text("display_name").trim().to_owned();
    let user = NewUser {
        username: username.clone(),
        display_name: (!display_name.is_empty()).then_some(display_name),
        password: form.text("password"),
        role: form.text("role"),
        regions: form.all("regions"),
    };
    spawn_local(async move {
        let result = admin_api::create_user(&admin.token(), &user).await;
        if result.is_ok() {
            form.form.reset();
            let _ = admin.reload_users().await;
        }
        report(
            admin.users_note,
            result.map(|()| {
                Note::done(
                    format!("Pengguna {username} dibuat."),
                    format!("User {username} created."),
                )
            }),
        );
    });
}

fn users_html(admin: Admin) -> String {
    let lang = admin.lang();
    let directory = admin.state.regions.get();
    let mut html = format!(
        "<h1>{}</h1><div class=\"card\"><h2>{}</h2><div class=\"admin-scroll\">\
         <table class=\"admin-table\" data-testid=\"users\"><thead><tr>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        l(lang, "Administrasi", "Administration"),
        l(lang, "Pengguna", "Users"),
        l(lang, "Nama pengguna", "Username"),
        l(lang, "Nama", "Name"),
        l(lang, "Peran", "Role"),
        l(lang, "Wilayah", "Regions"),
        l(lang, "Status", "Status"),
    );
    admin.users.with(|users| {
        for user in users {
            let _ = write!(
                html,
                "<tr data-testid=\"user-row\" data-username=\"{username}\"{class}>\
                 <td>{username}</td><td>{name}</td><td>{role}</td><td>{regions}</td><td>{status}</td>\
                 <td><button type=\"button\" class=\"secondary\" name=\"manage\" data-action=\"manage\" \
                 data-id=\"{id}\">{manage}</button></td></tr>",
                username = esc(&user.username),
                class = if user.disabled { " class=\"disabled\"" } else { "" },
                name = esc(&user.display_name),
                role = role_name(lang, &user.role),
                regions = esc(&region_names(directory.as_deref(), &user.regions)),
                status = if user.disabled {
                    l(lang, "Nonaktif", "Disabled")
                } else {
                    l(lang, "Aktif", "Active")
                },
                id = esc(&user.id),
                manage = l(lang, "Kelola", "Manage"),
            );
        }
    });
    html.push_str("</tbody></table></div></div>");
    html
}

fn create_form_html(lang: Lang, directory: Option<&RegionDirectory>) -> String {
    let mut html = format!(
        "<form class=\"card admin-form\" data-form=\"create\" data-testid=\"create-user\"><h2>{}</h2>",
        l(lang, "Pengguna baru", "New user")
    );
    field(
        &mut html,
        l(lang, "Nama pengguna", "Username"),
        "<input name=\"username\" autocomplete=\"off\" autocapitalize=\"none\" required>",
    );
    field(
        &mut html,
        l(lang, "Nama lengkap", "Display name"),
        "<input name=\"display_name\" autocomplete=\"off\">",
    );
    field(
        &mut html,
        l(lang, "Kata sandi", "Password"),
        "<input name=\"password\" type=\"password\" autocomplete=\"new-password\" required>",
    );
    field(
        &mut html,
        l(lang, "Peran", "Role"),
        &role_picker(lang, "officer", false),
    );
    field(
        &mut html,
        l(lang, "Wilayah", "Regions"),
        &region_picker(lang, directory, &[]),
    );
    let _ = write!(
        html,
        "<button type=\"submit\" class=\"primary\">{}</button></form>",
        l(lang, "Buat pengguna", "Create user")
    );
    html
}

/// A labelled input: `label` is our own text, `input` already HTML.
pub fn field(html: &mut String, label: &str, input: &str) {
    let _ = write!(
        html,
        "<label class=\"field\"><span>{label}</span>{input}</label>"
    );
}

/// Escaping is the supervisor screens' own (one function for every HTML text we build).
pub use crate::html::esc;

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
    note.set(Some(
        result.unwrap_or_else(|failure| Note::failed(&failure)),
    ));
}

fn note_html(lang: Lang, note: Option<Note>, testid: &str) -> String {
    note.map(|note| {
        let (class, role) = if note.error {
            ("alert error", "alert")
        } else {
            ("alert ok", "status")
        };
        format!(
            "<p class=\"{class}\" role=\"{role}\" data-testid=\"{testid}\">{}</p>",
            esc(l(lang, &note.id, &note.en))
        )
    })
    .unwrap_or_default()
}

/// A submitted form's fields; the browser's own submission is cancelled. `name` is the
/// form's `data-form`; `action` the `value` of the button that submitted it, so one
/// handler serves all of a form's buttons.
pub struct Submitted {
    pub form: HtmlFormElement,
    pub name: String,
    pub action: String,
    data: FormData,
}

impl Submitted {
    fn read(ev: &SubmitEvent) -> Option<Submitted> {
        ev.prevent_default();
        let form: HtmlFormElement = ev.target()?.dyn_into().ok()?;
        let data = FormData::new_with_form(&form).ok()?;
        let action = ev
            .submitter()
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        let name = form.get_attribute("data-form").unwrap_or_default();
        Some(Submitted {
            form,
            name,
            action,
            data,
        })
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
pub fn role_picker(lang: Lang, current: &str, with_admin: bool) -> String {
    let roles = if with_admin { &ROLES[..] } else { &ROLES[..2] };
    let options = roles
        .iter()
        .map(|(code, id, en)| ((*code).to_owned(), l(lang, *id, *en).to_owned()))
        .collect();
    select("role", "", options, &[current.to_owned()])
}

/// A multiple choice of regions: every regency, each followed by its districts (officers
/// work in districts or villages, supervisors oversee regencies; the server checks the
/// fit), plus any chosen region the list lacks, so saving never drops one.
pub fn region_picker(lang: Lang, directory: Option<&RegionDirectory>, chosen: &[String]) -> String {
    let mut options: Vec<(String, String)> = Vec::new();
    if let Some(directory) = directory {
        for (regency, name) in directory.regencies() {
            options.push((regency.to_string(), format!("{regency} {name}")));
            for (district, name) in directory.districts_of(regency) {
                options.push((
                    district.to_string(),
                    format!("\u{a0}\u{a0}\u{a0}{district} {name}"),
                ));
            }
        }
    }
    for code in chosen {
        if !options.iter().any(|(c, _)| c == code) {
            options.push((
                code.clone(),
                region_names(directory, std::slice::from_ref(code)),
            ));
        }
    }
    let mut html = select("regions", " multiple size=\"8\"", options, chosen);
    let _ = write!(
        html,
        "<small class=\"hint\">{}</small>",
        l(
            lang,
            "Petugas: kecamatan atau desa. Pengawas: kabupaten/kota. Tahan Ctrl untuk memilih beberapa.",
            "Officer: districts or villages. Supervisor: regencies. Hold Ctrl to choose several.",
        )
    );
    html
}

/// A `<select>` of (value, label) options with those in `chosen` selected.
pub fn select(
    name: &str,
    extra: &str,
    options: Vec<(String, String)>,
    chosen: &[String],
) -> String {
    let mut html = format!("<select name=\"{name}\"{extra}>");
    for (value, label) in options {
        let selected = if chosen.contains(&value) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            html,
            "<option value=\"{}\"{selected}>{}</option>",
            esc(&value),
            esc(&label)
        );
    }
    html.push_str("</select>");
    html
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
