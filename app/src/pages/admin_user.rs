//! One user as the admin manages them: name, role and regions, a new password,
//! disable / enable, and their devices with the last sync and a revoke button. Drawn as
//! HTML text and dispatched from the admin page (see `admin.rs` for why).

use std::fmt::Write as _;

use jemput_shared::domain::RegionDirectory;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin_api::{self, Device, User, UserChanges};
use crate::i18n::{l, Lang};
use crate::pages::admin::{
    esc, field, region_picker, report, role_picker, when, Admin, Note, Submitted,
};

/// The two forms: details (with disable / enable) and a new password.
pub fn forms_html(lang: Lang, user: &User, directory: Option<&RegionDirectory>) -> String {
    let mut html = format!(
        "<h2>{} {}</h2><form class=\"admin-form\" data-form=\"user\" data-testid=\"user-edit\">",
        l(lang, "Kelola", "Manage"),
        esc(&user.username)
    );
    field(
        &mut html,
        l(lang, "Nama lengkap", "Display name"),
        &format!(
            "<input name=\"display_name\" value=\"{}\">",
            esc(&user.display_name)
        ),
    );
    field(
        &mut html,
        l(lang, "Peran", "Role"),
        &role_picker(lang, &user.role, true),
    );
    field(
        &mut html,
        l(lang, "Wilayah", "Regions"),
        &region_picker(lang, directory, &user.regions),
    );
    let (toggle, toggle_label) = if user.disabled {
        ("enable", l(lang, "Aktifkan", "Enable"))
    } else {
        ("disable", l(lang, "Nonaktifkan", "Disable"))
    };
    let _ = write!(
        html,
        "<div class=\"admin-actions\"><button type=\"submit\" class=\"primary\" value=\"save\">{}</button>\
         <button type=\"submit\" class=\"secondary\" name=\"toggle_disabled\" value=\"{toggle}\">{toggle_label}</button>\
         </div></form><form class=\"admin-form\" data-form=\"password\" data-testid=\"user-password\">",
        l(lang, "Simpan perubahan", "Save changes"),
    );
    field(
        &mut html,
        l(lang, "Kata sandi baru", "New password"),
        "<input name=\"password\" type=\"password\" autocomplete=\"new-password\" required>",
    );
    let _ = write!(
        html,
        "<button type=\"submit\" class=\"secondary\" value=\"password\">{}</button></form>",
        l(lang, "Atur ulang kata sandi", "Reset password")
    );
    html
}

pub fn devices_html(lang: Lang, devices: &[Device]) -> String {
    let mut html = format!(
        "<h3>{}</h3><div class=\"admin-scroll\"><table class=\"admin-table\" data-testid=\"devices\">\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        l(lang, "Perangkat", "Devices"),
        l(lang, "Perangkat", "Device"),
        l(lang, "Masuk", "Signed in"),
        l(lang, "Sinkron terakhir", "Last sync"),
        l(lang, "Status", "Status"),
    );
    if devices.is_empty() {
        let _ = write!(
            html,
            "<tr><td colspan=\"5\" class=\"hint\">{}</td></tr>",
            l(
                lang,
                "Belum pernah masuk di perangkat mana pun.",
                "Not signed in on any device yet."
            )
        );
    }
    for device in devices {
        let status = match device.revoked_at {
            Some(at) => format!("{} {}", l(lang, "Dicabut", "Revoked"), when(lang, Some(at))),
            None => l(lang, "Aktif", "Active").to_owned(),
        };
        let _ = write!(
            html,
            "<tr data-testid=\"device-row\" data-revoked=\"{revoked}\"><td>{name}</td><td>{created}</td>\
             <td>{synced}</td><td>{status}</td><td><button type=\"button\" class=\"secondary\" name=\"revoke\" \
             data-action=\"revoke\" data-id=\"{id}\"{disabled}>{revoke}</button></td></tr>",
            revoked = device.revoked_at.is_some(),
            name = esc(&device.name),
            created = when(lang, Some(device.created_at)),
            synced = when(lang, device.last_sync_at),
            id = esc(&device.id),
            disabled = if device.revoked_at.is_some() { " disabled" } else { "" },
            revoke = l(lang, "Cabut", "Revoke"),
        );
    }
    html.push_str("</tbody></table></div>");
    html
}

/// A submitted details or password form of the chosen user.
pub fn submit(admin: Admin, form: Submitted) {
    let Some(id) = admin.chosen.get_untracked() else {
        return;
    };
    let lang = admin.state.lang.get_untracked();
    let (body, done) = match form.action.as_str() {
        "password" => (
            UserChanges {
                password: Some(form.text("password")),
                ..UserChanges::default()
            },
            (
                "Kata sandi baru disimpan. Perangkat pengguna ini harus masuk lagi.",
                "New password saved. This user's devices must log in again.",
            ),
        ),
        "disable" => {
            if !confirm(l(lang, "Nonaktifkan pengguna ini?", "Disable this user?")) {
                return;
            }
            (
                UserChanges {
                    disabled: Some(true),
                    ..UserChanges::default()
                },
                ("Pengguna dinonaktifkan.", "User disabled."),
            )
        }
        "enable" => (
            UserChanges {
                disabled: Some(false),
                ..UserChanges::default()
            },
            ("Pengguna diaktifkan.", "User enabled."),
        ),
        _ => {
            let role = form.text("role");
            let regions = if role == "admin" {
                Vec::new()
            } else {
                form.all("regions")
            };
            (
                UserChanges {
                    display_name: Some(form.text("display_name").trim().to_owned()),
                    role: Some(role),
                    regions: Some(regions),
                    ..UserChanges::default()
                },
                ("Perubahan disimpan.", "Changes saved."),
            )
        }
    };
    spawn_local(async move {
        let result = admin_api::update_user(&admin.token(), &id, &body).await;
        if result.is_ok() {
            if form.action == "password" {
                form.form.reset();
            }
            let _ = admin.reload_users().await;
            // A new password signs the user's devices out.
            reload_devices(admin, id).await;
        }
        report(
            admin.user_note,
            result.map(|()| Note::done(done.0.into(), done.1.into())),
        );
    });
}

pub fn revoke(admin: Admin, device_id: String) {
    if !confirm(l(
        admin.state.lang.get_untracked(),
        "Cabut perangkat ini? Perangkat harus masuk lagi untuk sinkron.",
        "Revoke this device? It must log in again to sync.",
    )) {
        return;
    }
    spawn_local(async move {
        let result = admin_api::revoke_device(&admin.token(), &device_id).await;
        if let Some(id) = admin.chosen.get_untracked() {
            reload_devices(admin, id).await;
        }
        report(
            admin.user_note,
            result.map(|()| Note::done("Perangkat dicabut.".into(), "Device revoked.".into())),
        );
    });
}

pub async fn reload_devices(admin: Admin, user_id: String) {
    match admin_api::devices(&admin.token(), &user_id).await {
        // Only if the admin has not chosen someone else meanwhile.
        Ok(list) if admin.chosen.get_untracked().as_deref() == Some(user_id.as_str()) => {
            admin.devices.set(Some(list))
        }
        Ok(_) => {}
        Err(failure) => admin.user_note.set(Some(Note::failed(&failure))),
    }
}

fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
