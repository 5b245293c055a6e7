//! The sync status line, always visible: records waiting to be sent, the last successful
//! sync, any error in plain words, a "Sync now" button, how much space the app uses, when
//! it locks itself, and logging out (which deletes this user's data from the phone).

use leptos::prelude::*;

use crate::i18n::l;
use crate::local_db::LocalDb;
use crate::pwa::Room;
use crate::state::use_state;
use crate::{scheduler, settings};

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let waiting = move || state.pending();
    let last = move || {
        state.sync.get().last_success.map(|ms| {
            let date = js_sys::Date::new(&ms.into());
            let locale = if lang.get() == crate::i18n::Lang::Id {
                "id-ID"
            } else {
                "en-GB"
            };
            String::from(date.to_locale_string(locale, &js_sys::Object::new()))
        })
    };
    view! {
        <section class="status" aria-live="polite">
            <p class="waiting" data-waiting=move || waiting().to_string()>
                <strong>{waiting}</strong>
                " "
                {move || l(lang.get(), "data menunggu dikirim", "records waiting to be sent")}
            </p>
            <p class="last-sync">
                {move || l(lang.get(), "Sinkron terakhir: ", "Last sync: ")}
                {move || last().unwrap_or_else(|| l(lang.get(), "belum pernah", "never").to_owned())}
                {move || state.sync.get().running.then(|| l(lang.get(), " · sedang sinkron…", " · syncing…"))}
            </p>
            <Offline />
            {move || state.sync.get().error.map(|e| view! { <p class="sync-error" role="alert">{e}</p> })}
            <StorageRoom />
            <button
                type="button"
                name="sync_now"
                class="secondary"
                disabled=move || state.sync.get().running
                on:click=move |_| {
                    state.sync.update(|s| s.retry_at = 0.0);
                    scheduler::request_sync(state);
                }
            >
                {move || l(lang.get(), "Sinkronkan sekarang", "Sync now")}
            </button>
            <LockAfter />
            <LogoutButton />
        </section>
    }
}

/// No signal, said calmly: it is the normal state in the field, and nothing is lost.
#[component]
fn Offline() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    move || {
        state.sync.with(|s| s.offline).then(|| {
            let waiting = state.pending();
            let text = move || {
                if waiting == 0 {
                    l(lang.get(), "Offline — data baru disimpan di ponsel, dikirim otomatis saat ada sinyal", "Offline — new records are saved on this phone, sent automatically when there is signal").to_owned()
                } else {
                    l(
                        lang.get(),
                        format!("Offline — {waiting} data tersimpan di ponsel, dikirim otomatis saat ada sinyal"),
                        format!("Offline — {waiting} records saved on this phone, sent automatically when there is signal"),
                    )
                }
            };
            view! { <p class="offline" data-testid="offline">{text}</p> }
        })
    }
}

/// What the phone's storage means for the officer: enough room (and whether the browser
/// may clear the data), or a clear warning when space is really short
/// ([`pwa::SHORT_OF_SPACE_BYTES`]).
#[component]
fn StorageRoom() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    move || {
        state.storage.get().map(|info| match info.room() {
            Room::Enough { kept: true } => view! {
                <p class="storage" data-room="enough">
                    {move || l(lang.get(), "Ruang di ponsel cukup.", "Enough space on this phone.")}
                </p>
            }
            .into_any(),
            Room::Enough { kept: false } => view! {
                <p class="storage" data-room="enough">
                    {move || l(
                        lang.get(),
                        "Ruang di ponsel cukup. Browser bisa menghapus data aplikasi bila ponsel penuh: kirim data setiap ada sinyal.",
                        "Enough space on this phone. The browser may clear the app's data if the phone gets full: send your data whenever there is signal.",
                    )}
                </p>
            }
            .into_any(),
            Room::Short { free_mb } => view! {
                <p class="storage short" data-room="short" role="alert">
                    {move || l(
                        lang.get(),
                        format!("Ruang di ponsel hampir habis: sisa {free_mb:.0} MB. Kirim data sekarang bila bisa, lalu hapus foto atau video agar pendaftaran tetap bisa disimpan."),
                        format!("This phone is almost out of space: {free_mb:.0} MB left. Send your data now if you can, then delete photos or videos so registrations can still be saved."),
                    )}
                </p>
            }
            .into_any(),
        })
    }
}

/// Logging out: asks first when records are not on the server yet, then [`logout`].
/// Those records are lost with the logout, so the officer must type how many they are:
/// a mis-tap cannot discard them.
#[component]
fn LogoutButton() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let asking = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let confirmed = move || typed.get().trim() == state.unsent().to_string();
    view! {
        <button
            type="button"
            name="logout"
            class="link"
            on:click=move |_| {
                if state.unsent() == 0 {
                    logout(state);
                } else {
                    typed.set(String::new());
                    asking.set(true);
                }
            }
        >
            {move || l(lang.get(), "Keluar", "Log out")}
        </button>
        <Show when=move || asking.get()>
            <div class="alert error logout-confirm" role="alert" data-unsent=move || state.unsent().to_string()>
                <p>
                    <strong>{move || state.unsent()}</strong>
                    " "
                    {move || l(
                        lang.get(),
                        "data belum terkirim ke server dan akan DIHAPUS dari ponsel ini bila Anda keluar. Sinkronkan dulu bila bisa. Untuk tetap keluar, ketik jumlahnya:",
                        "records have not reached the server and will be DELETED from this phone if you log out. Sync first if you can. To log out anyway, type how many:",
                    )}
                </p>
                <input
                    name="discard_count"
                    inputmode="numeric"
                    autocomplete="off"
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    name="confirm_logout"
                    class="danger"
                    disabled=move || !confirmed()
                    on:click=move |_| {
                        if confirmed() {
                            logout(state);
                        }
                    }
                >
                    {move || l(lang.get(), "Hapus data dan keluar", "Delete the data and log out")}
                </button>
                <button type="button" name="cancel_logout" class="secondary" on:click=move |_| asking.set(false)>
                    {move || l(lang.get(), "Batal", "Cancel")}
                </button>
            </div>
        </Show>
    }
}

/// After how long without a touch the app locks (a setting of this phone).
#[component]
fn LockAfter() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let current = settings::lock_after_minutes();
    view! {
        <label class="lock-after">
            <span>{move || l(lang.get(), "Kunci otomatis setelah ", "Lock after ")}</span>
            <select
                name="lock_after"
                on:change=move |ev| {
                    if let Ok(minutes) = event_target_value(&ev).parse() {
                        settings::store_lock_after_minutes(minutes);
                    }
                }
            >
                {settings::LOCK_AFTER_CHOICES
                    .iter()
                    .map(|&minutes| view! {
                        <option value=minutes.to_string() selected=minutes == current>
                            {move || format!("{minutes} {}", l(lang.get(), "menit", "min"))}
                        </option>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Signs out and deletes this user's database from the phone — records, summaries, the
/// sealed token and the keyring — so the next person to use the phone finds nothing of
/// theirs. The caller made sure nothing unsent is lost by mistake.
pub(crate) fn logout(state: crate::state::AppState) {
    let Some(session) = state.session.get_untracked() else {
        return;
    };
    leptos::task::spawn_local(async move {
        if !session.token.is_empty() && !session.expired {
            crate::api::logout(&session.token).await;
        }
        forget_user(&session.user.id).await;
    });
}

/// Deletes everything of `user_id` on this phone and reloads into the sign-in page.
pub(crate) async fn forget_user(user_id: &str) {
    delete_user_data(user_id).await;
    show_sign_in();
}

/// Deletes everything of `user_id` on this phone — their databases (sealed records,
/// summaries, queues, the sealed token, the keyring), the remembered sync time and
/// session. Logout and remote wipe both come here.
pub(crate) async fn delete_user_data(user_id: &str) {
    crate::lock::close_opening();
    if let Some(db) = crate::state::db() {
        db.close();
    }
    crate::state::set_db(None);
    if let Err(error) = LocalDb::delete_all(user_id).await {
        web_sys::console::warn_1(&format!("cannot delete the local data: {error:?}").into());
    }
    settings::forget_last_sync(user_id);
    settings::forget_session();
}

/// Reloads into the sign-in page, dropping from memory whatever was open.
pub(crate) fn show_sign_in() {
    if let Some(window) = web_sys::window() {
        let _ = window
            .location()
            .set_hash(&crate::state::Screen::List.hash());
        let _ = window.location().reload();
    }
}
