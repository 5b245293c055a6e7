//! "Teks persetujuan": the consent notice officers show citizens, in versions
//! (`/api/admin/consent`). The admin sees every version and publishes the next one in
//! both languages; officers' phones take it at their next sync, and it applies to new
//! registrations only (each keeps the version it showed).

use jemput_app_common::format::datetime;
use jemput_app_common::i18n::l;
use jemput_shared::api::consent::{ConsentText, NewConsentText, MAX_TEXT_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::Supervision;
use crate::components::{Note, NoteView};

#[component]
pub(super) fn ConsentNotice(supervision: Supervision) -> impl IntoView {
    let shell = supervision.shell;
    let lang = shell.lang;
    let reload = RwSignal::new(0u32);
    let texts = api::resource::<Vec<ConsentText>>(move || {
        reload.track();
        "/api/admin/consent".into()
    });
    let text_id = RwSignal::new(String::new());
    let text_en = RwSignal::new(String::new());
    let note = RwSignal::new(None::<Note>);
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewConsentText {
            text_id: text_id.get_untracked(),
            text_en: text_en.get_untracked(),
        };
        spawn_local(async move {
            let result = api::send::<ConsentText>(shell, "POST", "/api/admin/consent", &body).await;
            note.set(Some(Note::of(&result, || {
                let version = result.as_ref().map_or(0, |t| t.version);
                Note::done(
                    format!("Versi {version} diterbitkan; berlaku untuk pendaftaran baru."),
                    format!("Version {version} published; it applies to new registrations."),
                )
            })));
            if result.is_ok() {
                text_id.set(String::new());
                text_en.set(String::new());
                reload.update(|n| *n += 1);
            }
        });
    };
    let max = MAX_TEXT_CHARS.to_string();
    view! {
        <section class="card" data-testid="consent-notice">
            <h2>{move || l(lang.get(), "Teks persetujuan", "Consent notice")}</h2>
            {move || {
                let lang = lang.get();
                texts.get().and_then(Result::ok).map(|texts| view! {
                    <ol class="consent-versions" reversed>
                        {texts.into_iter().map(|t| view! {
                            <li data-version=t.version.to_string()>
                                <strong>{format!(
                                    "{} {} · {}{}",
                                    l(lang, "Versi", "Version"),
                                    t.version,
                                    if t.published_at > 0 { datetime(t.published_at) } else { l(lang, "bawaan", "built in").to_owned() },
                                    if t.published_by.is_empty() { String::new() } else { format!(" · {}", t.published_by) },
                                )}</strong>
                                <p>{l(lang, t.text_id, t.text_en)}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                })
            }}
            <form on:submit=publish>
                <label class="field">
                    <span>{move || l(lang.get(), "Teks baru (Bahasa Indonesia)", "New text (Bahasa Indonesia)")}</span>
                    <textarea name="consent_text_id" rows="5" maxlength=max.clone() required
                        prop:value=move || text_id.get() on:input=move |ev| text_id.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field">
                    <span>{move || l(lang.get(), "Teks baru (English)", "New text (English)")}</span>
                    <textarea name="consent_text_en" rows="5" maxlength=max required
                        prop:value=move || text_en.get() on:input=move |ev| text_en.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="primary" name="consent_publish">
                    {move || l(lang.get(), "Terbitkan versi baru", "Publish a new version")}
                </button>
            </form>
            <NoteView note=note lang=lang testid="consent-note" />
        </section>
    }
}
