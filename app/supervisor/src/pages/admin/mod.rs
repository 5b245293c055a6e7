//! "Admin" (admins only): the user list and the form that creates officers and
//! supervisors (`users`), the chosen user's panel with their devices (`user`), the
//! yearly targets (`targets`), the region list import (`regions`) and the audit trail
//! (`audit`). Every form keeps
//! what is typed in signals and sends one of the shared API's request structs.

mod audit;
mod consent;
mod regions;
mod targets;
mod user;
mod users;

use std::sync::Arc;

use jemput_app_common::api as common_api;
use jemput_app_common::i18n::{l, label, Lang};
use jemput_shared::api::users::{UserList, UserView};
use jemput_shared::domain::RegionDirectory;
use jemput_shared::policy::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;
use crate::app::{use_supervision, Supervision};
use crate::components::{code_and_name, Note};

/// What the admin screen's sections share.
#[derive(Clone, Copy)]
struct Admin {
    supervision: Supervision,
    users: RwSignal<Vec<UserView>>,
    /// The user whose panel is open.
    chosen: RwSignal<Option<String>>,
    users_note: RwSignal<Option<Note>>,
}

impl Admin {
    fn lang(&self) -> RwSignal<Lang> {
        self.supervision.shell.lang
    }

    /// Fetches the user list; a failure is said under it.
    async fn reload_users(self) {
        match api::get::<UserList>(self.supervision.shell, "/api/admin/users").await {
            Ok(list) => self.users.set(list.users),
            Err(failure) => self.users_note.set(Some(Note::failed(&failure))),
        }
    }

    /// Fetches the region list again (after an import).
    async fn reload_regions(self) {
        let token = self.supervision.shell.token();
        if let Some(directory) = common_api::regions(&token)
            .await
            .ok()
            .and_then(|text| common_api::parse_regions(&text))
        {
            self.supervision.regions.set(Some(Arc::new(directory)));
        }
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let supervision = use_supervision();
    let lang = supervision.shell.lang;
    if supervision.role != Role::Admin {
        return view! {
            <p class="alert error" role="alert">
                {move || l(lang.get(), "Halaman ini hanya untuk admin.", "This page is for admins only.")}
            </p>
        }
        .into_any();
    }
    let admin = Admin {
        supervision,
        users: RwSignal::new(Vec::new()),
        chosen: RwSignal::new(None),
        users_note: RwSignal::new(None),
    };
    spawn_local(admin.reload_users());
    view! {
        <section class="admin" data-testid="admin">
            <users::UserList admin=admin />
            <users::CreateUser admin=admin />
            <user::UserPanel admin=admin />
            <targets::Targets supervision=supervision />
            <regions::RegionImport admin=admin />
            <consent::ConsentNotice supervision=supervision />
            <audit::AuditTrail supervision=supervision />
        </section>
    }
    .into_any()
}

/// A labelled text input bound to `value`, named `name` (the e2e tests and password
/// managers find it by that).
#[component]
fn TextField(
    lang: RwSignal<Lang>,
    name: &'static str,
    label: (&'static str, &'static str),
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] autocapitalize: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{move || l(lang.get(), label.0, label.1)}</span>
            <input name=name type=kind autocomplete=autocomplete autocapitalize=autocapitalize
                required=required prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// An admin table: a header of `columns` in the user's language (then an empty cell
/// over the rows' buttons), the rows (`children`) in its body, scrolling sideways on a
/// narrow screen.
#[component]
fn AdminTable(
    lang: RwSignal<Lang>,
    columns: &'static [(&'static str, &'static str)],
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="admin-scroll">
            <table class="admin-table" data-testid=testid>
                <thead>
                    <tr>
                        {columns.iter().map(|&(id, en)| view! { <th>{move || l(lang.get(), id, en)}</th> }).collect_view()}
                        <th></th>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// What the "new user" form and a user's panel both edit: display name, role (an admin
/// only in the panel, `with_admin`) and regions.
#[component]
fn UserDetails(
    admin: Admin,
    display_name: RwSignal<String>,
    role: RwSignal<Role>,
    regions: RwSignal<Vec<String>>,
    with_admin: bool,
) -> impl IntoView {
    let lang = admin.lang();
    view! {
        <TextField lang=lang name="display_name" label=("Nama lengkap", "Display name") value=display_name />
        <label class="field">
            <span>{move || l(lang.get(), "Peran", "Role")}</span>
            {role_picker(lang, role, with_admin)}
        </label>
        <label class="field">
            <span>{move || l(lang.get(), "Wilayah", "Regions")}</span>
            {region_picker(lang, admin.supervision.regions, regions)}
        </label>
    }
}

/// The role choice; `with_admin` also offers making someone an admin.
fn role_picker(lang: RwSignal<Lang>, role: RwSignal<Role>, with_admin: bool) -> impl IntoView {
    let roles: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|&r| with_admin || r != Role::Admin)
        .rev()
        .collect();
    view! {
        <select name="role" on:change=move |ev| {
            if let Some(chosen) = Role::from_code(&event_target_value(&ev)) {
                role.set(chosen);
            }
        }>
            {roles.into_iter().map(|r| view! {
                <option value=r.code() selected=move || role.get() == r>
                    {move || label(lang.get(), r.label())}
                </option>
            }).collect_view()}
        </select>
    }
}

/// A multiple choice of regions: every regency, each followed by its districts (officers
/// work in districts or villages, supervisors oversee regencies; the server checks the
/// fit), plus any chosen region the list lacks, so saving never drops one.
fn region_picker(
    lang: RwSignal<Lang>,
    regions: RwSignal<Option<Arc<RegionDirectory>>>,
    chosen: RwSignal<Vec<String>>,
) -> impl IntoView {
    let options = move || {
        let mut options: Vec<(String, String)> = Vec::new();
        regions.with(|directory| {
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
            for code in chosen.get_untracked() {
                if !options.iter().any(|(c, _)| *c == code) {
                    options.push((code.clone(), code_and_name(directory.as_deref(), &code)));
                }
            }
        });
        options
    };
    view! {
        <select name="regions" multiple size="8" on:change=move |ev| chosen.set(selected_values(&ev))>
            {move || options().into_iter().map(|(code, name)| {
                let value = code.clone();
                view! {
                    <option value=code selected=move || chosen.with(|c| c.contains(&value))>{name}</option>
                }
            }).collect_view()}
        </select>
        <small class="hint">
            {move || l(
                lang.get(),
                "Petugas: kecamatan atau desa. Pengawas: kabupaten/kota. Tahan Ctrl untuk memilih beberapa.",
                "Officer: districts or villages. Supervisor: regencies. Hold Ctrl to choose several.",
            )}
        </small>
    }
}

/// The values of a `<select multiple>`'s chosen options, in order.
fn selected_values(ev: &leptos::ev::Event) -> Vec<String> {
    let Some(select) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
    else {
        return Vec::new();
    };
    let options = select.selected_options();
    (0..options.length())
        .filter_map(|i| options.item(i))
        .filter_map(|o| o.dyn_into::<web_sys::HtmlOptionElement>().ok())
        .map(|o| o.value())
        .collect()
}

/// Codes with their names, e.g. "17.01.01 Kedurang, 17.02 Kabupaten Rejang Lebong".
fn region_names(directory: Option<&RegionDirectory>, codes: &[String]) -> String {
    codes
        .iter()
        .map(|code| code_and_name(directory, code))
        .collect::<Vec<_>>()
        .join(", ")
}
