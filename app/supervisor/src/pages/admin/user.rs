//! One user as the admin manages them: name, role and regions, a new password,
//! disable / enable, and their devices with the last sync, the records unsent then, and
//! buttons to revoke one or mark it lost (remote wipe).

use jemput_app_common::api::ApiFailure;
use jemput_app_common::format::when;
use jemput_app_common::i18n::{l, Lang};
use jemput_shared::api::users::{DeviceList, DeviceView, UpdateUser, UserView};
use jemput_shared::policy::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Admin, AdminTable, TextField, UserDetails};
use crate::api;
use crate::components::confirm;
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
    let act = move |action: DeviceAction, device_id: String| {
        let (question_id, question_en) = action.question();
        if !confirm(l(lang.get_untracked(), question_id, question_en)) {
            return;
        }
        spawn_local(async move {
            let shell = admin.supervision.shell;
            let path = format!(
                "/api/admin/devices/{}/{}",
                encode(&device_id),
                action.path()
            );
            let result = api::send_unit(shell, "POST", &path, None::<&()>).await;
            if let Some(id) = admin.chosen.get_untracked() {
                reload_devices(admin, id, devices, note).await;
            }
            let (done_id, done_en) = action.done();
            note.set(Some(Note::of(&result, || Note::done(done_id, done_en))));
        });
    };
    view! {
        <h3>{move || l(lang.get(), "Perangkat", "Devices")}</h3>
        <AdminTable lang=lang testid="devices" columns=&[("Perangkat", "Device"), ("Masuk", "Signed in"), ("Sinkron terakhir", "Last sync"), ("Belum terkirim saat sinkron terakhir", "Unsent at last sync"), ("Status", "Status")]>
            {empty.then(|| view! {
                <tr>
                    <td colspan="6" class="hint">
                        {move || l(lang.get(), "Belum pernah masuk di perangkat mana pun.", "Not signed in on any device yet.")}
                    </td>
                </tr>
            })}
            <For each=move || list.clone() key=|d| (d.id.clone(), d.revoked_at, d.last_sync_at, d.lost_at, d.wipe_confirmed_at) let:device>
                {
                    let revoked = device.revoked_at.is_some();
                    let lost = device.lost_at.is_some();
                    let wiped = device.wipe_confirmed_at.is_some();
                    let revoke_id = device.id.clone();
                    let lost_id = device.id.clone();
                    let unsent = device.unsent_at_last_sync.map_or_else(|| "–".to_owned(), |n| n.to_string());
                    view! {
                        <tr data-testid="device-row" data-revoked=revoked.to_string()
                            data-lost=lost.to_string() data-wiped=wiped.to_string()>
                            <td>{device.name.clone()}</td>
                            <td>{move || when(lang.get(), Some(device.created_at))}</td>
                            <td>{move || when(lang.get(), device.last_sync_at)}</td>
                            <td data-testid="device-unsent">{unsent}</td>
                            <td data-testid="device-status">{move || device_status(lang.get(), &device)}</td>
                            <td>
                                <button type="button" class="secondary" name="revoke" disabled=revoked
                                    on:click=move |_| act(DeviceAction::Revoke, revoke_id.clone())>
                                    {move || l(lang.get(), "Cabut", "Revoke")}
                                </button>
                                <button type="button" class="secondary" name="lost" disabled=lost
                                    on:click=move |_| act(DeviceAction::MarkLost, lost_id.clone())>
                                    {move || l(lang.get(), "Tandai hilang", "Mark lost")}
                                </button>
                            </td>
                        </tr>
                    }
                }
            </For>
        </AdminTable>
    }
}

/// What an admin can do to a device: revoke it (a phone replaced: unsent records wait for
/// a new login) or mark it lost (its app deletes everything of its user at its next
/// contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceAction {
    Revoke,
    MarkLost,
}

impl DeviceAction {
    /// The last segment of `POST /api/admin/devices/{id}/…`.
    fn path(self) -> &'static str {
        match self {
            DeviceAction::Revoke => "revoke",
            DeviceAction::MarkLost => "lost",
        }
    }

    fn question(self) -> (&'static str, &'static str) {
        match self {
            DeviceAction::Revoke => (
                "Cabut perangkat ini? Perangkat harus masuk lagi untuk sinkron.",
                "Revoke this device? It must log in again to sync.",
            ),
            DeviceAction::MarkLost => (
                "Tandai perangkat ini hilang? Saat berikutnya terhubung, semua data pengguna ini \
                 di perangkat itu dihapus, termasuk data yang belum terkirim.",
                "Mark this device lost? At its next contact every record of this user on it is \
                 deleted, unsent records included.",
            ),
        }
    }

    fn done(self) -> (&'static str, &'static str) {
        match self {
            DeviceAction::Revoke => ("Perangkat dicabut.", "Device revoked."),
            DeviceAction::MarkLost => (
                "Perangkat ditandai hilang; datanya dihapus saat berikutnya terhubung.",
                "Device marked lost; its data is deleted at its next contact.",
            ),
        }
    }
}

/// A device's state in words: lost (and whether its wipe is confirmed), revoked, active.
fn device_status(lang: Lang, device: &DeviceView) -> String {
    match (device.lost_at, device.wipe_confirmed_at, device.revoked_at) {
        (Some(_), Some(wiped), _) => format!(
            "{} {}",
            l(lang, "Hilang; data dihapus", "Lost; wiped"),
            when(lang, Some(wiped))
        ),
        (Some(lost), None, _) => format!(
            "{} {}",
            l(
                lang,
                "Hilang, menunggu penghapusan sejak",
                "Lost, wipe pending since"
            ),
            when(lang, Some(lost))
        ),
        (None, _, Some(at)) => {
            format!("{} {}", l(lang, "Dicabut", "Revoked"), when(lang, Some(at)))
        }
        (None, _, None) => l(lang, "Aktif", "Active").to_owned(),
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
