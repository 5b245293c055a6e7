//! The citizen's receipt ("Bukti pendaftaran"), shown right after a new registration is
//! saved, offline: the job seeker card's fields (AK/I, Permenaker 39/2016) with the
//! registration number and the NIK masked, and a QR code whose signed payload the
//! office verifies at `/verifikasi/…` (`jemput_shared::receipt`). The officer shows it,
//! shares it ("Bagikan", the Web Share API) or prints it ("Cetak", the print stylesheet
//! keeps the card alone).

use std::fmt::Write;

use jemput_shared::api::privacy::mask_nik;
use jemput_shared::calendar::iso_date;
use jemput_shared::domain::{RegionCode, RegionDirectory};
use jemput_shared::limits;
use jemput_shared::receipt::{self, ReceiptClaim, ReceiptNumber, VERIFY_PAGE};
use jemput_shared::registration::Registration;
use leptos::prelude::*;
use leptos::task::spawn_local;
use qrcode::{Color, EcLevel, QrCode};
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{l, label, Lang};
use crate::records;
use crate::state::{db, use_state, Screen};
use jemput_app_common::format::day;

/// What the card shows, read once from the stored record.
#[derive(Clone)]
struct Card {
    registration: Registration,
    officer: String,
    /// The QR code's address, when the record has a number and this phone a key.
    verify_url: Option<String>,
}

impl Card {
    fn masked_nik(&self) -> String {
        let nik = self.registration.nik.trim();
        if nik.is_empty() {
            "—".into()
        } else {
            mask_nik(nik)
        }
    }

    fn number(&self) -> String {
        self.registration
            .receipt_number
            .clone()
            .unwrap_or_else(|| "—".into())
    }

    /// What "Bagikan" sends: the card's public part, as the QR code holds it.
    fn share_text(&self, lang: Lang) -> String {
        let mut text = format!(
            "{}\n{}: {}\n{}: {}\nNIK: {}\n{}: {}\n{}: {}",
            l(lang, "Bukti pendaftaran", "Proof of registration"),
            l(lang, "No. pendaftaran", "Registration no."),
            self.number(),
            l(lang, "Nama", "Name"),
            self.registration.full_name.trim(),
            self.masked_nik(),
            l(lang, "Tanggal", "Date"),
            day(self.registration.created_at),
            l(lang, "Petugas", "Officer"),
            self.officer,
        );
        if let Some(url) = &self.verify_url {
            let _ = write!(text, "\n{}: {url}", l(lang, "Cek keaslian", "Check it"));
        }
        text
    }
}

async fn load_card(id: String, officer: String) -> Option<Card> {
    let db = db()?;
    let registration = records::load(&db, &id).await.ok()??;
    let key = crate::receipts::key(&db).await;
    let number = registration
        .receipt_number
        .as_deref()
        .and_then(|n| ReceiptNumber::parse(n).ok());
    // Only the phone that gave the number signs it: another phone's key would vouch
    // for a number it never gave.
    let key = key.filter(|(device_id, _)| *device_id == registration.device_id);
    let verify_url = number.zip(key).map(|(number, (device_id, key))| {
        let claim = ReceiptClaim::new(
            number,
            &registration.nik,
            &registration.full_name,
            registration.created_at,
            &device_id,
        );
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        format!("{origin}{VERIFY_PAGE}{}", claim.sign(&key))
    });
    Some(Card {
        registration,
        officer,
        verify_url,
    })
}

#[component]
pub fn Receipt(id: String) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let card = RwSignal::new(None::<Card>);
    let missing = RwSignal::new(false);
    let shared = RwSignal::new(None::<String>);
    let officer = state
        .session
        .get_untracked()
        .map(|s| s.user.display_name)
        .unwrap_or_default();
    spawn_local(async move {
        match load_card(id, officer).await {
            Some(loaded) => card.set(Some(loaded)),
            None => missing.set(true),
        }
    });
    let on_share = move |_| {
        let Some(card) = card.get_untracked() else {
            return;
        };
        let lang = lang.get_untracked();
        spawn_local(async move {
            let outcome = share(
                l(lang, "Bukti pendaftaran", "Proof of registration"),
                &card.share_text(lang),
                card.verify_url.as_deref(),
            )
            .await;
            shared.set(outcome.err().map(|()| {
                l(
                    lang,
                    "Tidak dapat membagikan dari ponsel ini. Tunjukkan atau cetak bukti ini.",
                    "Cannot share from this phone. Show or print the receipt instead.",
                )
                .to_owned()
            }));
        });
    };
    let on_print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="receipt" data-testid="receipt">
            <div class="form-head receipt-actions">
                <button type="button" class="link" name="back" on:click=move |_| state.go(Screen::List)>
                    {move || l(lang.get(), "← Daftar", "← List")}
                </button>
                <h1>{move || l(lang.get(), "Bukti pendaftaran", "Proof of registration")}</h1>
            </div>
            <Show when=move || missing.get()>
                <p class="alert error">{move || l(lang.get(), "Data tidak ditemukan di ponsel ini.", "Record not found on this phone.")}</p>
            </Show>
            {move || card.get().map(|card| view! { <ReceiptCard card /> })}
            <Show when=move || card.with(Option::is_some)>
                <div class="receipt-actions">
                    <button type="button" name="share" on:click=on_share>{move || l(lang.get(), "Bagikan", "Share")}</button>
                    <button type="button" name="print" on:click=on_print>{move || l(lang.get(), "Cetak", "Print")}</button>
                    <button type="button" class="secondary" name="done" on:click=move |_| state.go(Screen::List)>
                        {move || l(lang.get(), "Selesai", "Done")}
                    </button>
                </div>
                {move || shared.get().map(|message| view! { <p class="alert warn receipt-actions" role="status">{message}</p> })}
            </Show>
        </section>
    }
}

#[component]
fn ReceiptCard(card: Card) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let r = card.registration.clone();
    let regions = state.regions.get_untracked();
    let address = address_line(&r, regions.as_deref());
    let birth = format!("{}, {}", r.birth_place.trim(), r.birth_date);
    let education = r.education;
    let gender = r.gender;
    let marital = r.marital_status;
    let major = r.education_major.trim().to_owned();
    let programmes: Vec<_> = r.programmes.iter().map(|p| p.programme()).collect();
    let registered = day(r.created_at);
    let valid_until = iso_date(receipt::valid_until(r.created_at));
    let number = card.number();
    let masked = card.masked_nik();
    let name = r.full_name.trim().to_owned();
    let officer = card.officer.clone();
    let qr = card
        .verify_url
        .clone()
        .and_then(|url| qr_code(&url).map(|qr| (url, qr)));
    let row = move |id: &'static str, en: &'static str, field: &'static str, value: String| {
        view! {
            <div class="receipt-row">
                <dt>{move || l(lang.get(), id, en)}</dt>
                <dd data-field=field>{value}</dd>
            </div>
        }
    };
    view! {
        <article class="receipt-card card" data-testid="receipt-card">
            <header class="receipt-title">
                <strong>{move || l(lang.get(), "BUKTI PENDAFTARAN PENCARI KERJA", "JOB SEEKER REGISTRATION RECEIPT")}</strong>
                <span>{move || l(lang.get(), "Dasar kartu AK/I — bawa ke kantor dinas tenaga kerja", "For the AK/I card — bring it to the labour office")}</span>
            </header>
            <p class="receipt-number">
                <span>{move || l(lang.get(), "No. pendaftaran", "Registration no.")}</span>
                <strong data-testid="receipt-number">{number}</strong>
            </p>
            <dl class="receipt-fields">
                {row("NIK", "NIK", "nik", masked)}
                {row(limits::FULL_NAME.name_id, limits::FULL_NAME.name_en, "full_name", name)}
                {row("Tempat, tanggal lahir", "Place and date of birth", "birth", birth)}
                <div class="receipt-row">
                    <dt>{move || l(lang.get(), "Jenis kelamin", "Sex")}</dt>
                    <dd data-field="gender">{move || label(lang.get(), gender.label())}</dd>
                </div>
                <div class="receipt-row">
                    <dt>{move || l(lang.get(), "Status perkawinan", "Marital status")}</dt>
                    <dd data-field="marital_status">{move || label(lang.get(), marital.label())}</dd>
                </div>
                {row("Alamat", "Address", "address", address)}
                <div class="receipt-row">
                    <dt>{move || l(lang.get(), "Pendidikan terakhir", "Highest education")}</dt>
                    <dd data-field="education">
                        {move || label(lang.get(), education.label())}
                        {(!major.is_empty()).then(|| format!(" — {major}"))}
                    </dd>
                </div>
                <div class="receipt-row">
                    <dt>{move || l(lang.get(), "Minat program", "Programme interests")}</dt>
                    <dd data-field="programmes">
                        {move || programmes.iter().map(|p| label(lang.get(), p.label())).collect::<Vec<_>>().join(", ")}
                    </dd>
                </div>
                {row("Tanggal pendaftaran", "Registered on", "registered", registered)}
                {row("Berlaku sampai", "Valid until", "valid_until", valid_until)}
                {row("Petugas", "Officer", "officer", officer)}
            </dl>
            {match qr {
                Some((url, (size, path))) => view! {
                    <figure class="receipt-qr">
                        <svg viewBox=format!("0 0 {size} {size}") role="img" shape-rendering="crispEdges"
                            aria-label=move || l(lang.get(), "Kode QR untuk cek keaslian", "QR code to check it")>
                            <rect width=size.to_string() height=size.to_string() fill="#fff"></rect>
                            <path d=path fill="#000"></path>
                        </svg>
                        <figcaption>
                            {move || l(lang.get(), "Pindai untuk cek keaslian:", "Scan to check it:")}
                            <a class="verify-url" href=url.clone() data-verify-url=url.clone() target="_blank" rel="noopener">{url.clone()}</a>
                        </figcaption>
                    </figure>
                }.into_any(),
                None => view! {
                    <p class="alert info receipt-unsigned">{move || l(lang.get(),
                        "Kode QR tersedia setelah petugas masuk lagi saat ada sinyal.",
                        "The QR code appears once the officer signs in again with a signal.")}</p>
                }.into_any(),
            }}
        </article>
    }
}

/// Street, RT/RW and the region names (their codes while the region list is not loaded).
fn address_line(r: &Registration, regions: Option<&RegionDirectory>) -> String {
    let name = |code: &str| {
        RegionCode::parse(code)
            .ok()
            .and_then(|c| regions.and_then(|d| d.name_of(&c)).map(str::to_owned))
            .unwrap_or_else(|| code.to_owned())
    };
    let a = &r.address;
    let mut parts = vec![a.street.trim().to_owned()];
    if !a.rt.trim().is_empty() || !a.rw.trim().is_empty() {
        parts.push(format!("RT {}/RW {}", a.rt.trim(), a.rw.trim()));
    }
    parts.extend([&a.village, &a.district, &a.regency].map(|code| name(code)));
    parts.retain(|p| !p.is_empty());
    parts.join(", ")
}

/// Modules of quiet zone around the QR code, as the standard asks.
const QUIET_ZONE: usize = 4;

/// The QR code of `text` as one SVG path of its dark modules, and the side of the
/// square it is drawn in (with the quiet zone).
fn qr_code(text: &str) -> Option<(usize, String)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            let _ = write!(path, "M{x} {y}h1v1h-1z");
        }
    }
    Some((width + 2 * QUIET_ZONE, path))
}

/// Shares through the Web Share API (WhatsApp and the like, as the phone offers);
/// `Err` when the browser cannot share this. (`web-sys` has `Navigator::share` only
/// behind its unstable APIs, so it is called by name.)
async fn share(title: &str, text: &str, url: Option<&str>) -> Result<(), ()> {
    let navigator = web_sys::window().ok_or(())?.navigator();
    let data = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&data, &key.into(), &value.into());
    };
    set("title", title);
    set("text", text);
    if let Some(url) = url {
        set("url", url);
    }
    let method = |name: &str| {
        js_sys::Reflect::get(&navigator, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    };
    if let Some(can_share) = method("canShare") {
        let can = can_share.call1(&navigator, &data).map_err(|_| ())?;
        if !can.is_truthy() {
            return Err(());
        }
    }
    let promise = method("share")
        .ok_or(())?
        .call1(&navigator, &data)
        .map_err(|_| ())?;
    let promise: js_sys::Promise = promise.dyn_into().map_err(|_: JsValue| ())?;
    // The person closing the share sheet is no failure.
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    Ok(())
}
