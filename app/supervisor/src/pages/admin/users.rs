//! The user list (with "Kelola" to open a user's panel) and the form that creates a user.

use jemput_app_common::i18n::{l, label};
use jemput_shared::api::users::{CreateUser as NewUser, UserView};
use jemput_shared::policy::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{region_names, Admin, AdminTable, TextField, UserDetails};
use crate::api;
use crate::components::{Note, NoteView};

#[component]
pub(super) fn UserList(admin: Admin) -> impl IntoView {
    let lang = admin.lang();
    let regions = admin.supervision.regions;
    view! {
        <h1>{move || l(lang.get(), "Administrasi", "Administration")}</h1>
        <div class="card">
            <h2>{move || l(lang.get(), "Pengguna", "Users")}</h2>
            <AdminTable lang=lang testid="users" columns=&[("Nama pengguna", "Username"), ("Nama", "Name"), ("Peran", "Role"), ("Wilayah", "Regions"), ("Status", "Status")]>
                <For
                    each=move || admin.users.get()
                    key=|u: &UserView| {
                        (u.id.clone(), u.display_name.clone(), u.role, u.regions.clone(), u.disabled)
                    }
                    let:user
                >
                    {
                        let id = user.id.clone();
                        let codes = user.regions.clone();
                        view! {
                            <tr data-testid="user-row" data-username=user.username.clone()
                                class:disabled=user.disabled>
                                <td>{user.username.clone()}</td>
                                <td>{user.display_name.clone()}</td>
                                <td>{move || label(lang.get(), user.role.label())}</td>
                                <td>{move || regions.with(|d| region_names(d.as_deref(), &codes))}</td>
                                <td>
                                    {move || if user.disabled {
                                        l(lang.get(), "Nonaktif", "Disabled")
                                    } else {
                                        l(lang.get(), "Aktif", "Active")
                                    }}
                                </td>
                                <td>
                                    <button type="button" class="secondary" name="manage"
                                        on:click=move |_| admin.chosen.set(Some(id.clone()))>
                                        {move || l(lang.get(), "Kelola", "Manage")}
                                    </button>
                                </td>
                            </tr>
                        }
                    }
                </For>
            </AdminTable>
        </div>
        <NoteView note=admin.users_note lang=lang testid="users-note" />
    }
}

#[component]
pub(super) fn CreateUser(admin: Admin) -> impl IntoView {
    let lang = admin.lang();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Officer);
    let regions = RwSignal::new(Vec::<String>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        let display = display_name.get_untracked().trim().to_owned();
        let user = NewUser {
            username: name.clone(),
            display_name: (!display.is_empty()).then_some(display),
            password: password.get_untracked(),
            role: role.get_untracked().code().to_owned(),
            regions: regions.get_untracked(),
        };
        spawn_local(async move {
            let shell = admin.supervision.shell;
            let result = api::send::<UserView>(shell, "POST", "/api/admin/users", &user).await;
            if result.is_ok() {
                username.set(String::new());
                display_name.set(String::new());
                password.set(String::new());
                role.set(Role::Officer);
                regions.set(Vec::new());
                admin.reload_users().await;
            }
            admin.users_note.set(Some(Note::of(&result, || {
                Note::done(
                    format!("Pengguna {name} dibuat."),
                    format!("User {name} created."),
                )
            })));
        });
    };
    view! {
        <form class="card admin-form" data-testid="create-user" on:submit=submit>
            <h2>{move || l(lang.get(), "Pengguna baru", "New user")}</h2>
            <TextField lang=lang name="username" label=("Nama pengguna", "Username") value=username
                autocapitalize="none" required=true />
            <TextField lang=lang name="password" label=("Kata sandi", "Password") value=password
                kind="password" autocomplete="new-password" required=true />
            <UserDetails admin=admin display_name=display_name role=role regions=regions with_admin=false />
            <button type="submit" class="primary">{move || l(lang.get(), "Buat pengguna", "Create user")}</button>
        </form>
    }
}
