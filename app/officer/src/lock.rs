//! The PIN lock: what stands between whoever holds the phone and the records.
//!
//! The officer's records open only with the data key, and the data key only with the
//! PIN (`vault`). So the app starts locked: the first login on a phone sets a PIN
//! ([`SetPin`], `name="pin"` and `name="pin_confirm"`), every later start asks for it
//! ([`EnterPin`]). After [`MAX_WRONG_PINS`] wrong PINs in a row no PIN is taken until the
//! same user logs in online again ([`Lock::LockedOut`]). A forgotten PIN is replaced after
//! a password login ([`ForgotPin`]): the server then gives this phone's recovery key,
//! which opens the same data key (`vault::Keyring::recover`), so no record is lost.
//! After a while without a touch ([`settings::lock_after_minutes`], default 5) the page
//! reloads, which drops every key and opened record from memory, and asks for the PIN
//! again.
//!
//! The session token is personal access to the records, so it is kept sealed in the
//! user's database (`meta`), not in local storage: unlocking fills it in.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use jemput_app_common::login::Login;
use jemput_shared::domain::Pin;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::i18n::{l, Lang};
use crate::local_db::LocalDb;
use crate::settings;
use crate::state::{now_ms, AppState};
use crate::vault::{CryptoError, Keyring, MAX_WRONG_PINS};

/// The session token's key in `meta` (sealed).
pub const TOKEN: &str = "session_token";

/// Where the signed-in officer's app stands with the PIN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lock {
    /// Opening the database and reading the keyring.
    #[default]
    Opening,
    /// No PIN on this phone for this user yet.
    SetPin,
    /// The PIN opens the records; `tries_left` before the lock-out.
    Locked {
        tries_left: u32,
    },
    /// Too many wrong PINs: the user logs in online first.
    LockedOut,
    /// The PIN is forgotten: the user logs in online...
    ForgotPin,
    /// ...then sets a new one, the data key opened with the recovery key.
    NewPin,
    Unlocked,
}

thread_local! {
    /// The database whose keyring the PIN screens work on, until it is unlocked.
    static OPENING: RefCell<Option<Rc<LocalDb>>> = const { RefCell::new(None) };
    /// When the officer last touched the screen (ms since the epoch).
    static LAST_TOUCH: Cell<f64> = const { Cell::new(0.0) };
    /// The idle lock has begun (the page reloads once the form's input is kept).
    static LOCKING: Cell<bool> = const { Cell::new(false) };
}

fn opening() -> Option<Rc<LocalDb>> {
    OPENING.with(|db| db.borrow().clone())
}

/// Closes the database the PIN screens hold, so it can be deleted (remote wipe).
pub fn close_opening() {
    if let Some(db) = OPENING.with(|o| o.borrow_mut().take()) {
        db.close();
    }
}

/// Opens `user_id`'s database and decides which PIN screen comes first. A token in the
/// session means the user has just logged in online (or comes from a version that kept
/// it in local storage): that resets a lock-out.
pub async fn open(state: AppState, user_id: String) -> Result<(), String> {
    let lang = state.lang.get_untracked();
    let db = LocalDb::open(&user_id)
        .await
        .map_err(|e| e.describe(lang))?;
    let keyring = db.keyring().await.map_err(|e| e.describe(lang))?;
    let online_login = state
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| !s.token.is_empty()));
    let next = match keyring {
        None if online_login => Lock::SetPin,
        // No keys and no token: nothing here opens; log in again.
        None => {
            settings::forget_session();
            state.session.set(None);
            return Ok(());
        }
        Some(mut keyring) => {
            if keyring.locked_out() && online_login {
                keyring.wrong_pins = 0;
                db.store_keyring(&keyring)
                    .await
                    .map_err(|e| e.describe(lang))?;
            }
            lock_of(&keyring)
        }
    };
    OPENING.with(|o| *o.borrow_mut() = Some(Rc::new(db)));
    let locked = matches!(next, Lock::Locked { .. } | Lock::LockedOut);
    state.lock.set(next);
    if locked {
        crate::remote_wipe::watch_while_locked(state);
    }
    Ok(())
}

fn lock_of(keyring: &Keyring) -> Lock {
    if keyring.locked_out() {
        Lock::LockedOut
    } else {
        Lock::Locked {
            tries_left: keyring.tries_left(),
        }
    }
}

/// The database is unlocked: what an older version kept in clear is sealed and moved in,
/// the token is sealed (after a login) or read back (after a start), and the caller's
/// start-up continues.
async fn unlocked(state: AppState, db: Rc<LocalDb>) {
    let (user_id, token) = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| (s.user.id.clone(), s.token.clone())))
        .unzip();
    if let Err(error) = db.adopt_legacy(&user_id.unwrap_or_default()).await {
        state
            .db_error
            .set(Some(error.describe(state.lang.get_untracked())));
    }
    match token {
        Some(token) if !token.is_empty() => {
            // Also rewrites a session an older version kept with its token.
            if let Some(session) = state.session.get_untracked() {
                settings::store_session(&session);
            }
            if let Err(error) = db.set_meta(TOKEN, &token).await {
                state
                    .db_error
                    .set(Some(error.describe(state.lang.get_untracked())));
            }
        }
        Some(_) => {
            let sealed = db.meta(TOKEN).await.ok().flatten();
            state.session.update(|s| {
                if let Some(s) = s {
                    match sealed {
                        Some(token) => s.token = token,
                        // No token kept: entry goes on, a login brings sync back.
                        None => s.expired = true,
                    }
                }
            });
        }
        None => {}
    }
    OPENING.with(|o| o.borrow_mut().take());
    LAST_TOUCH.with(|t| t.set(now_ms()));
    state.lock.set(Lock::Unlocked);
    crate::app::after_unlock(state, db).await;
}

/// Seals a new token (a login again while unlocked).
pub fn keep_token(token: String) {
    let Some(db) = crate::state::db() else { return };
    spawn_local(async move {
        let _ = db.set_meta(TOKEN, &token).await;
    });
}

impl Lock {
    /// Tries left before the lock-out, while locked.
    fn tries_left(&self) -> u32 {
        match self {
            Lock::Locked { tries_left } => *tries_left,
            _ => 0,
        }
    }
}

/// Which PIN screen shows (a wrong PIN changes the lock's count, not the screen, so the
/// screen keeps its message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinScreen {
    Loading,
    Set,
    Enter,
    LockedOut,
    Forgot,
    Recover,
}

/// The PIN screens, by the lock's state.
#[component]
pub fn PinGate() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    let screen = Memo::new(move |_| match state.lock.get() {
        Lock::Opening | Lock::Unlocked => PinScreen::Loading,
        Lock::SetPin => PinScreen::Set,
        Lock::Locked { .. } => PinScreen::Enter,
        Lock::LockedOut => PinScreen::LockedOut,
        Lock::ForgotPin => PinScreen::Forgot,
        Lock::NewPin => PinScreen::Recover,
    });
    move || match screen.get() {
        PinScreen::Loading => {
            view! { <p class="loading">{move || l(lang.get(), "Memuat…", "Loading…")}</p> }
                .into_any()
        }
        PinScreen::Set => view! { <SetPin /> }.into_any(),
        PinScreen::Enter => view! { <EnterPin /> }.into_any(),
        PinScreen::LockedOut => view! { <LockedOut /> }.into_any(),
        PinScreen::Forgot => view! { <ForgotPin /> }.into_any(),
        PinScreen::Recover => view! { <SetPin recovering=true /> }.into_any(),
    }
}

/// The PIN rule's message for `raw`, if it breaks it.
fn pin_problem(lang: Lang, raw: &str) -> Option<String> {
    Pin::parse(raw)
        .err()
        .map(|p| l(lang, p.message_id, p.message_en))
}

/// Sets a PIN: the first on this phone (a new data key, also wrapped by the recovery
/// key when online), or a new one after a forgotten PIN (`recovering`: the data key
/// opened with the recovery key, every record kept).
#[component]
fn SetPin(#[prop(optional)] recovering: bool) -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    let pin = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let lang_now = lang.get_untracked();
        let parsed = match Pin::parse(&pin.get_untracked()) {
            Ok(parsed) => parsed,
            Err(problem) => {
                error.set(Some(l(lang_now, problem.message_id, problem.message_en)));
                return;
            }
        };
        if confirm.get_untracked().trim() != parsed.as_str() {
            error.set(Some(
                l(
                    lang_now,
                    "Kedua PIN tidak sama.",
                    "The two PINs are not the same.",
                )
                .into(),
            ));
            return;
        }
        let Some(db) = opening() else { return };
        busy.set(true);
        error.set(None);
        let token = state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
            .unwrap_or_default();
        spawn_local(async move {
            let result = if recovering {
                recover_keyring(&db, &token, parsed.as_str(), lang_now).await
            } else {
                new_keyring(&db, &token, parsed.as_str(), lang_now).await
            };
            busy.set(false);
            match result {
                Ok(vault) => {
                    db.unlock(vault);
                    unlocked(state, db).await;
                }
                Err(text) => error.set(Some(text)),
            }
        });
    };
    view! {
        <form class="card pin" on:submit=submit>
            <h1>
                {move || if recovering {
                    l(lang.get(), "Buat PIN baru", "Set a new PIN")
                } else {
                    l(lang.get(), "Buat PIN", "Set a PIN")
                }}
            </h1>
            <p>
                {move || l(
                    lang.get(),
                    "Data di ponsel ini dikunci dengan PIN. Pilih minimal 6 angka yang tidak mudah ditebak; PIN diminta setiap kali aplikasi dibuka.",
                    "The data on this phone is locked with a PIN. Choose at least 6 digits that are hard to guess; the app asks for it every time it opens.",
                )}
            </p>
            <PinInput name="pin" value=pin label=move || l(lang.get(), "PIN baru", "New PIN") />
            <PinInput
                name="pin_confirm"
                value=confirm
                label=move || l(lang.get(), "Ulangi PIN", "Repeat the PIN")
            />
            {move || {
                let typed = pin.get();
                (typed.len() >= Pin::MIN_DIGITS)
                    .then(|| pin_problem(lang.get(), &typed))
                    .flatten()
                    .map(|p| view! { <p class="problem error" data-field="pin">{p}</p> })
            }}
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <button type="submit" class="primary" name="set_pin" disabled=move || busy.get()>
                {move || l(lang.get(), "Simpan PIN", "Save PIN")}
            </button>
        </form>
    }
}

/// A new data key under `pin`, also wrapped by this phone's recovery key when the server
/// can be asked (without a connection the PIN alone guards it, and cannot be recovered).
async fn new_keyring(
    db: &LocalDb,
    token: &str,
    pin: &str,
    lang: Lang,
) -> Result<crate::vault::Vault, String> {
    let recovery = if token.is_empty() {
        None
    } else {
        let key_id = uuid::Uuid::new_v4().to_string();
        match crate::api::recovery_key(token, &key_id).await {
            Ok(key) => Some((key_id, key)),
            Err(failure) => {
                web_sys::console::warn_1(
                    &format!("no recovery key for this PIN: {failure:?}").into(),
                );
                None
            }
        }
    };
    let (keyring, vault) = Keyring::create(pin, recovery)
        .await
        .map_err(|e| format!("{e:?}"))?;
    db.store_keyring(&keyring)
        .await
        .map_err(|e| e.describe(lang))?;
    Ok(vault)
}

/// After a forgotten PIN and a password login: the data key opened with the recovery
/// key, wrapped under the new `pin`.
async fn recover_keyring(
    db: &LocalDb,
    token: &str,
    pin: &str,
    lang: Lang,
) -> Result<crate::vault::Vault, String> {
    let keyring = db
        .keyring()
        .await
        .map_err(|e| e.describe(lang))?
        .ok_or_else(|| "no keyring".to_owned())?;
    let Some(recovery) = &keyring.recovery else {
        return Err(l(
            lang,
            "PIN ini dibuat tanpa sinyal, jadi tidak dapat dipulihkan.",
            "This PIN was set without a signal, so it cannot be recovered.",
        )
        .to_owned());
    };
    let key = crate::api::recovery_key(token, &recovery.key_id)
        .await
        .map_err(|failure| failure.describe(lang))?;
    let (keyring, vault) = keyring
        .recover(&key, pin)
        .await
        .map_err(|e| format!("{e:?}"))?;
    db.store_keyring(&keyring)
        .await
        .map_err(|e| e.describe(lang))?;
    Ok(vault)
}

#[component]
fn EnterPin() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    let tries_left = move || state.lock.with(Lock::tries_left);
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(db) = opening() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let typed = pin.get_untracked();
        spawn_local(async move {
            let lang_now = lang.get_untracked();
            let result = try_pin(&db, &typed).await;
            busy.set(false);
            pin.set(String::new());
            match result {
                Ok(()) => unlocked(state, db).await,
                Err(PinFailure::Wrong(next)) => {
                    error.set(Some(l(lang_now, "PIN salah.", "Wrong PIN.").to_owned()));
                    state.lock.set(next);
                }
                Err(PinFailure::Storage(text)) => error.set(Some(text)),
            }
        });
    };
    view! {
        <form class="card pin" on:submit=submit>
            <h1>{move || l(lang.get(), "Masukkan PIN", "Enter the PIN")}</h1>
            <PinInput name="pin" value=pin label=move || l(lang.get(), "PIN", "PIN") />
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <p class="tries" data-tries-left=move || tries_left().to_string()>
                {move || format!(
                    "{} {}",
                    l(lang.get(), "Sisa percobaan:", "Tries left:"),
                    tries_left(),
                )}
            </p>
            <button type="submit" class="primary" name="unlock" disabled=move || busy.get()>
                {move || if busy.get() {
                    l(lang.get(), "Memeriksa…", "Checking…")
                } else {
                    l(lang.get(), "Buka", "Unlock")
                }}
            </button>
            <button
                type="button"
                class="link"
                name="forgot_pin"
                on:click=move |_| state.lock.set(Lock::ForgotPin)
            >
                {move || l(lang.get(), "Lupa PIN?", "Forgot the PIN?")}
            </button>
            <SwitchUser />
        </form>
    }
}

/// A forgotten PIN: the password, online, then a new PIN; nothing is lost.
#[component]
fn ForgotPin() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    let user_id = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()))
        .unwrap_or_default();
    let on_login = move |session: settings::Session| {
        if session.user.id == user_id {
            state.lock.set(Lock::NewPin);
        }
    };
    let back = move |_| {
        let Some(db) = opening() else { return };
        spawn_local(async move {
            if let Ok(Some(keyring)) = db.keyring().await {
                state.lock.set(lock_of(&keyring));
            }
        });
    };
    view! {
        <div class="forgot-pin">
            <p class="alert info" data-testid="forgot-pin">
                {move || l(
                    lang.get(),
                    "Masuk dengan kata sandi Anda (perlu sinyal), lalu buat PIN baru. Semua data di ponsel ini tetap ada.",
                    "Log in with your password (needs a signal), then set a new PIN. All the data on this phone stays.",
                )}
            </p>
            <Login relogin=true on_login=on_login />
            <button type="button" class="link" name="back_to_pin" on:click=back>
                {move || l(lang.get(), "Kembali ke PIN", "Back to the PIN")}
            </button>
        </div>
    }
}

enum PinFailure {
    /// The PIN did not open the key; the lock's next state.
    Wrong(Lock),
    Storage(String),
}

/// Counts the try first (a page closed during the derivation still counts), then
/// unwraps; a right PIN clears the count.
async fn try_pin(db: &LocalDb, typed: &str) -> Result<(), PinFailure> {
    let storage = |e: crate::local_db::DbError| PinFailure::Storage(e.describe(Lang::Id));
    let mut keyring = db
        .keyring()
        .await
        .map_err(storage)?
        .ok_or_else(|| PinFailure::Storage("no keyring".into()))?;
    if keyring.locked_out() {
        return Err(PinFailure::Wrong(Lock::LockedOut));
    }
    keyring.wrong_pins += 1;
    db.store_keyring(&keyring).await.map_err(storage)?;
    match keyring.unlock(typed.trim()).await {
        Ok(vault) => {
            keyring.wrong_pins = 0;
            db.store_keyring(&keyring).await.map_err(storage)?;
            db.unlock(vault);
            Ok(())
        }
        Err(CryptoError::Rejected) => Err(PinFailure::Wrong(lock_of(&keyring))),
        Err(other) => Err(PinFailure::Storage(format!("{other:?}"))),
    }
}

#[component]
fn LockedOut() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    let user_id = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()))
        .unwrap_or_default();
    let on_login = move |session: settings::Session| {
        if session.user.id != user_id {
            return; // another officer: their own database opens
        }
        let Some(db) = opening() else { return };
        spawn_local(async move {
            if let Ok(Some(mut keyring)) = db.keyring().await {
                keyring.wrong_pins = 0;
                if db.store_keyring(&keyring).await.is_ok() {
                    state.lock.set(lock_of(&keyring));
                }
            }
        });
    };
    view! {
        <div class="locked-out">
            <p class="alert error" role="alert" data-testid="locked-out">
                {move || format!(
                    "{} {MAX_WRONG_PINS} {}",
                    l(lang.get(), "PIN salah", "Wrong PIN"),
                    l(
                        lang.get(),
                        "kali. PIN tidak diterima lagi sampai Anda masuk dengan kata sandi (perlu sinyal).",
                        "times. The PIN is not accepted until you log in with your password (needs a signal).",
                    ),
                )}
            </p>
            <Login relogin=true on_login=on_login />
        </div>
    }
}

/// Another officer on a shared phone: back to the login form (a fresh page, so nothing
/// of the first officer stays in memory). The first officer's records stay, sealed under
/// their key, for their next login.
#[component]
fn SwitchUser() -> impl IntoView {
    let state = crate::state::use_state();
    let lang = state.lang;
    view! {
        <button
            type="button"
            class="link"
            name="switch_user"
            on:click=move |_| {
                settings::forget_session();
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            }
        >
            {move || l(lang.get(), "Masuk sebagai pengguna lain", "Log in as someone else")}
        </button>
    }
}

#[component]
fn PinInput(
    name: &'static str,
    value: RwSignal<String>,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                name=name
                type="password"
                inputmode="numeric"
                pattern="[0-9]*"
                autocomplete="off"
                maxlength=Pin::MAX_DIGITS
                required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// Locks after [`settings::lock_after_minutes`] without a touch: the page reloads into
/// the PIN screen, dropping every key and opened record from memory. A save in progress
/// finishes first; the open form's unsaved input is kept sealed (`kept_draft`).
pub fn watch_idle(state: AppState) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    LAST_TOUCH.with(|t| t.set(now_ms()));
    let touched = Closure::<dyn Fn()>::new(|| LAST_TOUCH.with(|t| t.set(now_ms())));
    for event in ["pointerdown", "keydown", "input", "scroll"] {
        let _ = document.add_event_listener_with_callback(event, touched.as_ref().unchecked_ref());
    }
    touched.forget();
    let timer = gloo_timers::callback::Interval::new(5_000, move || {
        let idle_ms = now_ms() - LAST_TOUCH.with(Cell::get);
        let limit_ms = f64::from(settings::lock_after_minutes()) * 60_000.0;
        if state.lock.get_untracked() == Lock::Unlocked
            && idle_ms >= limit_ms
            && !state.saving.get_untracked()
            && !LOCKING.with(|l| l.replace(true))
        {
            // The open form's unsaved input is sealed first, for after the PIN.
            spawn_local(async move {
                if let Some(db) = crate::state::db() {
                    crate::kept_draft::keep(&db).await;
                }
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            });
        }
    });
    timer.forget();
}
