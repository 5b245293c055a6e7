//! One user as the admin manages them: name, role and regions, a new password,
//! disable / enable, and their devices with the last sync and a revoke button.

use jemput_app_common::api::ApiFailure;
use jemput_app_common::format::when;
use jemput_app_common::i18n::l;
use jemput_shared::api::users::{DeviceList, DeviceView, UpdateUser, UserView};
use jemput_shared::policy::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{confirm, Admin, AdminTable, TextField, UserDetails};
use crate::api;
use crate::components::{Note, NoteView};
use crate::screen::encode;

/// The chosen user's panel; hidden while nobody is chosen.
#[component]
pub(super) fn UserPanel(admin: Admin) -> impl IntoView {
    let lang = admin.lang();
    // Only a real change of the chosen user redraws their forms.
    let chosen_user = Memo::new(move |_| {
        let id = admin.chosen.get()?;
        admin
            .users
            .with(|list| list.iter().find(|u| u.id == id).cloned())
    });
    let note = RwSignal::new(None::<Note>);
    let devices = RwSignal::new(None::<Vec<DeviceView>>);
    // A newly chosen user: their devices, and no note of the previous one.
    Effect::new(move || {
        let Some(id) = admin.chosen.get() else { return };
        note.set(None);
        devices.set(None);
        spawn_local(reload_devices(admin, id, devices, note));
    });
    view! {
        <section class="card admin-user" data-testid="user-panel"
            data-username=move || chosen_user.get().map(|u| u.username)
            hidden=move || chosen_user.with(Option::is_none)>
            {move || chosen_user.get().map(|user| view! { <UserForms admin=admin user=user devices=devices note=note /> })}
            <NoteView note=note lang=lang testid="user-note" />
            {move || devices.get().map(|list| devices_table(admin, list, devices, note))}
        </section>
    }
}

/// The two forms: details (with disable / enable) and a new password.
#[component]
fn UserForms(
    admin: Admin,
    user: UserView,
    devices: RwSignal<Option<Vec<DeviceView>>>,
    note: RwSignal<Option<Note>>,
) -> impl IntoView {
    let lang = admin.lang();
    let display_name = RwSignal::new(user.display_name.clone());
    let role = RwSignal::new(user.role);
    let regions = RwSignal::new(user.regions.clone());
    let password = RwSignal::new(String::new());
    let id = user.id.clone();
    let update = move |changes: UpdateUser, done: (&'static str, &'static str)| {
        let id = id.clone();
        spawn_local(async move {
            let shell = admin.supervision.shell;
            let path = format!("/api/admin/users/{}", encode(&id));
            let result = api::send::<UserView>(shell, "PATCH", &path, &changes).await;
            if result.is_ok() {
                if changes.password.is_some() {
                    password.set(String::new());
                }
                admin.reload_users().await;
                // A new password signs the user's devices out.
                reload_devices(admin, id, devices, note).await;
            }
            note.set(Some(Note::of(&result, || Note::done(done.0, done.1))));
        });
    };
    let save = {
        let update = update.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let role = role.get_untracked();
            // An admin covers everything: no regions.
            let regions = if role == Role::Admin {
                Vec::new()
            } else {
                regions.get_untracked()
            };
            let changes = UpdateUser {
                display_name: Some(display_name.get_untracked().trim().to_owned()),
                role: Some(role.code().to_owned()),
                regions: Some(regions),
                ..UpdateUser::default()
            };
            update(changes, ("Perubahan disimpan.", "Changes saved."));
        }
    };
    let disabled = user.disabled;
    let toggle = {
        let update = update.clone();
        move |_| {
            if disabled {
                let changes = UpdateUser {
                    disabled: Some(false),
                    ..UpdateUser::default()
                };
                update(changes, ("Pengguna diaktifkan.", "User enabled."));
            } else if confirm(l(
                lang.get_untracked(),
                "Nonaktifkan pengguna ini?",
                "Disable this user?",
            )) {
                let changes = UpdateUser {
                    disabled: Some(true),
                    ..UpdateUser::default()
                };
                update(changes, ("Pengguna dinonaktifkan.", "User disabled."));
            }
        }
    };
    let reset_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changes = UpdateUser {
            password: Some(password.get_untracked()),
            ..UpdateUser::default()
        };
        update(
            changes,
            (
                "Kata sandi baru disimpan. Perangkat pengguna ini harus masuk lagi.",
                "New password saved. This user's devices must log in again.",
            ),
        );
    };
    view! {
        <h2>{move || format!("{} {}", l(lang.get(), "Kelola", "Manage"), user.username)}</h2>
        <form class="admin-form" data-testid="user-edit" on:submit=save>
            <UserDetails admin=admin display_name=display_name role=role regions=regions with_admin=true />
            <div class="admin-actions">
                <button type="submit" class="primary" value="save">
                    {move || l(lang.get(), "Simpan perubahan", "Save changes")}
                </button>
                <button type="button" class="secondary" name="toggle_disabled" on:click=toggle>
                    {move || if disabled {
                        l(lang.get(), "Aktifkan", "Enable")
                    } else {
                        l(lang.get(), "Nonaktifkan", "Disable")
                    }}
                </button>
            </div>
        </form>
        <form class="admin-form" data-testid="user-password" on:submit=reset_password>
            <TextField lang=lang name="password" label=("Kata sandi baru", "New password") value=password
                kind="password" autocomplete="new-password" required=true />
            <button type="submit" class="secondary" value="password">
                {move || l(lang.get(), "Atur ulang kata sandi", "Reset password")}
            </button>
        </form>
    }
}

fn devices_table(
    admin: Admin,
    list: Vec<DeviceView>,
    devices: RwSignal<Option<Vec<DeviceView>>>,
    note: RwSignal<Option<Note>>,
) -> impl IntoView {
    let lang = admin.lang();
    let empty = list.is_empty();
    let revoke = move |device_id: String| {
        if !confirm(l(
            lang.get_untracked(),
            "Cabut perangkat ini? Perangkat harus masuk lagi untuk sinkron.",
            "Revoke this device? It must log in again to sync.",
        )) {
            return;
        }
        spawn_local(async move {
            let shell = admin.supervision.shell;
            let path = format!("/api/admin/devices/{}/revoke", encode(&device_id));
            let result = api::send_unit(shell, "POST", &path, None::<&()>).await;
            if let Some(id) = admin.chosen.get_untracked() {
                reload_devices(admin, id, devices, note).await;
            }
            note.set(Some(Note::of(&result, || {
                Note::done("Perangkat dicabut.", "Device revoked.")
            })));
        });
    };
    view! {
        <h3>{move || l(lang.get(), "Perangkat", "Devices")}</h3>
        <AdminTable lang=lang testid="devices" columns=&[("Perangkat", "Device"), ("Masuk", "Signed in"), ("Sinkron terakhir", "Last sync"), ("Status", "Status")]>
            {empty.then(|| view! {
                <tr>
                    <td colspan="5" class="hint">
                        {move || l(lang.get(), "Belum pernah masuk di perangkat mana pun.", "Not signed in on any device yet.")}
                    </td>
                </tr>
            })}
            <For each=move || list.clone() key=|d| (d.id.clone(), d.revoked_at, d.last_sync_at) let:device>
                {
                    let revoked = device.revoked_at.is_some();
                    let id = device.id.clone();
                    view! {
                        <tr data-testid="device-row" data-revoked=revoked.to_string()>
                            <td>{device.name.clone()}</td>
                            <td>{move || when(lang.get(), Some(device.created_at))}</td>
                            <td>{move || when(lang.get(), device.last_sync_at)}</td>
                            <td>
                                {move || match device.revoked_at {
                                    Some(at) => format!("{} {}", l(lang.get(), "Dicabut", "Revoked"), when(lang.get(), Some(at))),
                                    None => l(lang.get(), "Aktif", "Active").to_owned(),
                                }}
                            </td>
                            <td>
                                <button type="button" class="secondary" name="revoke" disabled=revoked
                                    on:click=move |_| revoke(id.clone())>
                                    {move || l(lang.get(), "Cabut", "Revoke")}
                                </button>
                            </td>
                        </tr>
                    }
                }
            </For>
        </AdminTable>
    }
}

/// Fetches `user_id`'s devices, unless the admin has chosen someone else meanwhile.
async fn reload_devices(
    admin: Admin,
    user_id: String,
    devices: RwSignal<Option<Vec<DeviceView>>>,
    note: RwSignal<Option<Note>>,
) {
    let path = format!("/api/admin/users/{}/devices", encode(&user_id));
    let result: Result<DeviceList, ApiFailure> = api::get(admin.supervision.shell, &path).await;
    match result {
        Ok(list) if admin.chosen.get_untracked().as_deref() == Some(user_id.as_str()) => {
            devices.set(Some(list.devices))
        }
        Ok(_) => {}
        Err(failure) => note.set(Some(Note::failed(&failure))),
    }
}
