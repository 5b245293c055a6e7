//! What every screen of either app reads — the language and the session, as signals in
//! the [`Shell`] context — and the header above them: the brand, who is signed in and
//! the language switch.

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::session::{self, Session};

/// The signals both apps' screens share.
#[derive(Clone, Copy)]
pub struct Shell {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Option<Session>>,
    /// The last call to the server got no answer (no network, or the server is down);
    /// the next answer clears it. The supervisor's app says so above its screens: a
    /// browser may still believe it is online (`navigator.onLine`) behind a dead link.
    pub unreachable: RwSignal<bool>,
}

impl Shell {
    /// The shell from local storage, provided as context; keeps `<html lang>` in step.
    pub fn provide() -> Shell {
        let shell = Shell {
            lang: RwSignal::new(session::lang()),
            session: RwSignal::new(session::session()),
            unreachable: RwSignal::new(false),
        };
        provide_context(shell);
        Effect::new(move || {
            let lang = shell.lang.get();
            if let Some(html) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = html.set_attribute("lang", lang.tag());
            }
        });
        shell
    }

    /// The signed-in device's token ("" when signed out).
    pub fn token(&self) -> String {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
            .unwrap_or_default()
    }

    /// The server refused the token: the login form appears again.
    pub fn expire_session(&self) {
        if let Some(mut session) = self.session.get_untracked().filter(|s| !s.expired) {
            session.expired = true;
            session::store_session(&session);
            self.session.set(Some(session));
        }
    }

    /// Signs this device out (the server is told when it can be reached) and forgets the
    /// session; the caller decides where to go next.
    pub fn sign_out(&self) {
        if let Some(session) = self.session.get_untracked() {
            leptos::task::spawn_local(async move { crate::api::logout(&session.token).await });
        }
        session::forget_session();
    }
}

pub fn use_shell() -> Shell {
    expect_context::<Shell>()
}

/// The top bar: brand, the signed-in user's name and the language switch.
#[component]
pub fn Header() -> impl IntoView {
    let shell = use_shell();
    view! {
        <header class="top">
            <span class="brand">"Jemput"</span>
            <span class="who">
                {move || shell.session.get().map(|s| s.user.display_name)}
            </span>
            <button
                type="button"
                class="lang"
                name="language"
                on:click=move |_| {
                    let next = shell.lang.get_untracked().other();
                    session::store_lang(next);
                    shell.lang.set(next);
                }
            >
                {move || shell.lang.get().other().name()}
            </button>
        </header>
    }
}
