//! One user as the admin manages them: name, role and regions, a new password,
//! disable / enable, and their devices with the last sync and a revoke button.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::admin_api::{self, Device, User};
use crate::i18n::l;
use crate::pages::admin::{
    note_line, region_picker, reload_users, report, role_picker, token, when, Note, Submitted,
};
use crate::state::{use_state, AppState};

#[component]
pub fn UserPanel(
    user: User,
    users: RwSignal<Vec<User>>,
    note: RwSignal<Option<Note>>,
) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let devices = RwSignal::new(None::<Vec<Device>>);
    let user_id = StoredValue::new(user.id.clone());
    spawn_local(load_devices(state, user_id.get_value(), devices, note));
    // One handler for both forms; the button that submitted says what to change.
    let submit = move |ev: SubmitEvent| {
        let Some(form) = Submitted::read(&ev) else {
            return;
        };
        let lang = lang.get_untracked();
        let (body, done) = match form.action.as_str() {
            "password" => (
                json!({ "password": form.text("password") }),
                (
                    "Kata sandi baru disimpan. Perangkat pengguna ini harus masuk lagi.",
                    "New password saved. This user's devices must log in again.",
                ),
            ),
            "disable" => {
                if !confirm(l(lang, "Nonaktifkan pengguna ini?", "Disable this user?")) {
                    return;
                }
                (json!({ "disabled": true }), ("Pengguna dinonaktifkan.", "User disabled."))
            }
            "enable" => (json!({ "disabled": false }), ("Pengguna diaktifkan.", "User enabled.")),
            _ => {
                let role = form.text("role");
                let regions = if role == "admin" { Vec::new() } else { form.all("regions") };
                (
                    json!({ "display_name": form.text("display_name").trim(), "role": role, "regions": regions }),
                    ("Perubahan disimpan.", "Changes saved."),
                )
            }
        };
        spawn_local(async move {
            let id = user_id.get_value();
            let result = admin_api::update_user(&token(&state), &id, body).await;
            if result.is_ok() {
                if form.action == "password" {
                    form.form.reset();
                }
                let _ = reload_users(state, users).await;
                load_devices(state, id, devices, note).await;
            }
            report(note, result.map(|()| Note::done(done.0.into(), done.1.into())));
        });
    };
    let revoke = move |device_id: String| {
        if !confirm(l(
            lang.get_untracked(),
            "Cabut perangkat ini? Perangkat harus masuk lagi untuk sinkron.",
            "Revoke this device? It must log in again to sync.",
        )) {
            return;
        }
        spawn_local(async move {
            let result = admin_api::revoke_device(&token(&state), &device_id).await;
            load_devices(state, user_id.get_value(), devices, note).await;
            report(
                note,
                result.map(|()| Note::done("Perangkat dicabut.".into(), "Device revoked.".into())),
            );
        });
    };
    let username = user.username.clone();
    view! {
        <section class="card admin-user" data-testid="user-panel" data-username=username>
            {move || {
                let lang = lang.get();
                let directory = state.regions.get();
                let user = user.clone();
                view! {
                    <h2>{format!("{} {}", l(lang, "Kelola", "Manage"), user.username)}</h2>
                    <form class="admin-form" data-testid="user-edit" on:submit=submit>
                        <label class="field">
                            <span>{l(lang, "Nama lengkap", "Display name")}</span>
                            <input name="display_name" value=user.display_name.clone() />
                        </label>
                        <label class="field">
                            <span>{l(lang, "Peran", "Role")}</span>
                            {role_picker(lang, &user.role, true)}
                        </label>
                        <label class="field">
                            <span>{l(lang, "Wilayah", "Regions")}</span>
                            {region_picker(lang, directory.as_deref(), &user.regions)}
                        </label>
                        <div class="admin-actions">
                            <button type="submit" class="primary" value="save">
                                {l(lang, "Simpan perubahan", "Save changes")}
                            </button>
                            <button
                                type="submit"
                                class="secondary"
                                name="toggle_disabled"
                                value=if user.disabled { "enable" } else { "disable" }
                            >
                                {if user.disabled {
                                    l(lang, "Aktifkan", "Enable")
                                } else {
                                    l(lang, "Nonaktifkan", "Disable")
                                }}
                            </button>
                        </div>
                    </form>
                    <form class="admin-form" data-testid="user-password" on:submit=submit>
                        <label class="field">
                            <span>{l(lang, "Kata sandi baru", "New password")}</span>
                            <input name="password" type="password" autocomplete="new-password" required />
                        </label>
                        <button type="submit" class="secondary" value="password">
                            {l(lang, "Atur ulang kata sandi", "Reset password")}
                        </button>
                    </form>
                }
            }}
            {move || note_line(lang.get(), note.get(), "user-note")}
            {move || {
                let lang = lang.get();
                devices
                    .get()
                    .map(|list| {
                        view! {
                            <h3>{l(lang, "Perangkat", "Devices")}</h3>
                            <div class="admin-scroll">
                                <table class="admin-table" data-testid="devices">
                                    <thead>
                                        <tr>
                                            <th>{l(lang, "Perangkat", "Device")}</th>
                                            <th>{l(lang, "Masuk", "Signed in")}</th>
                                            <th>{l(lang, "Sinkron terakhir", "Last sync")}</th>
                                            <th>{l(lang, "Status", "Status")}</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|device| {
                                                let revoked = device.revoked_at.is_some();
                                                let id = device.id.clone();
                                                view! {
                                                    <tr data-testid="device-row" data-revoked=revoked.to_string()>
                                                        <td>{device.name}</td>
                                                        <td>{when(lang, Some(device.created_at))}</td>
                                                        <td>{when(lang, device.last_sync_at)}</td>
                                                        <td>
                                                            {match device.revoked_at {
                                                                Some(at) => format!("{} {}", l(lang, "Dicabut", "Revoked"), when(lang, Some(at))),
                                                                None => l(lang, "Aktif", "Active").to_owned(),
                                                            }}
                                                        </td>
                                                        <td>
                                                            <button
                                                                type="button"
                                                                class="secondary"
                                                                name="revoke"
                                                                disabled=revoked
                                                                on:click=move |_| revoke(id.clone())
                                                            >
                                                                {l(lang, "Cabut", "Revoke")}
                                                            </button>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                    })
            }}
        </section>
    }
}

async fn load_devices(
    state: AppState,
    user_id: String,
    devices: RwSignal<Option<Vec<Device>>>,
    note: RwSignal<Option<Note>>,
) {
    match admin_api::devices(&token(&state), &user_id).await {
        Ok(list) => devices.set(Some(list)),
        Err(failure) => note.set(Some(Note::failed(&failure))),
    }
}

fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
