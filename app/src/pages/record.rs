//! One registration (`#/pendaftaran/<id>`): every field, the review comments, the
//! document's history (who changed which fields when, from its Automerge changes: first
//! who the server received each from and when, then what the phone itself wrote), the
//! review actions — verify, needs correction, reject — with a comment, and handing the
//! record over to another officer of its area ("Pindahkan ke petugas"). A review or a
//! handover is a change to the registration's document on the server, so it reaches the
//! officers' phones on their next sync.

use jemput_shared::domain::RegionCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::format::{datetime, label, PROGRAMMES, STATUSES};
use crate::html::{block, cells, esc};
use crate::i18n::{l, Lang};
use crate::pages::form::{EDUCATION, EMPLOYMENT, GENDERS, MARITAL};
use crate::state::{use_state, AppState, Screen};
use crate::supervisor_api::{encode, fetched, list, num, post, text};

/// The review actions: (status, button name, Indonesian, English).
const ACTIONS: &[(&str, &str, &str, &str)] = &[
    ("verified", "verify", "Verifikasi", "Verify"),
    (
        "needs_correction",
        "needs_correction",
        "Perlu perbaikan",
        "Needs correction",
    ),
    ("rejected", "reject", "Tolak", "Reject"),
];

#[component]
pub fn RecordPage() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let id = Memo::new(move |previous: Option<&String>| match state.screen.get() {
        Screen::Record(id) => id,
        _ => previous.cloned().unwrap_or_default(),
    });
    let reload = RwSignal::new(0u32);
    let record = fetched(state, move || {
        reload.track();
        format!("/api/registrations/{}", encode(&id.get()))
    });
    let history = fetched(state, move || {
        reload.track();
        format!("/api/registrations/{}/history", encode(&id.get()))
    });
    let candidates = fetched(state, move || {
        reload.track();
        format!("/api/registrations/{}/handover", encode(&id.get()))
    });
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let officer = RwSignal::new(String::new());
    let handover_outcome = RwSignal::new(None::<Result<String, String>>);
    let hand_over = move || {
        busy.set(true);
        handover_outcome.set(None);
        spawn_local(async move {
            let body = json!({ "officer_id": officer.get_untracked() });
            let path = format!(
                "/api/registrations/{}/handover",
                encode(&id.get_untracked())
            );
            let result = post(state, &path, &body).await;
            let lang = lang.get_untracked();
            busy.set(false);
            match result {
                Ok(_) => {
                    handover_outcome.set(Some(Ok(l(
                        lang,
                        "Data dipindahkan; petugas itu kini dapat mengubahnya.",
                        "Handed over; that officer may now change it.",
                    )
                    .to_owned())));
                    reload.update(|n| *n += 1);
                }
                Err(error) => handover_outcome.set(Some(Err(error))),
            }
        });
    };
    let review = move |status: &'static str| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let body = json!({ "status": status, "comment": comment.get_untracked() });
            let path = format!("/api/registrations/{}/review", encode(&id.get_untracked()));
            let result = post(state, &path, &body).await;
            let lang = lang.get_untracked();
            busy.set(false);
            match result {
                Ok(_) => {
                    comment.set(String::new());
                    outcome.set(Some(Ok(
                        l(lang, "Tinjauan tersimpan.", "Review saved.").to_owned()
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };
    // Nothing to review or trace when the record could not be read.
    let missing = move || record.with(|r| !matches!(r, Some(Ok(_))));
    view! {
        <section class="record-page" data-testid="record">
            <button type="button" class="link" name="back" on:click=move |_| back(state)>
                {move || l(lang.get(), "‹ Kembali", "‹ Back")}
            </button>
            {move || {
                let lang = lang.get();
                let author = history.with(|h| match h {
                    Some(Ok(h)) => list(h, "changes").first().map(|c| {
                        // Whom the server received it from; else what the phone wrote.
                        match text(c, "pushed_by_name") {
                            "" => text(c, "author_name").to_owned(),
                            name => name.to_owned(),
                        }
                    }),
                    _ => None,
                });
                record.with(|record| block(lang, record, |r| fields(state, lang, r, author)))
            }}
            <section class="card review-form" hidden=missing>
                <h2>{move || l(lang.get(), "Tinjau", "Review")}</h2>
                <label class="field">
                    <span>{move || l(lang.get(), "Komentar untuk petugas", "Comment for the officer")}</span>
                    <textarea name="comment" maxlength=jemput_shared::limits::COMMENT_TEXT.max_chars prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                <div class="review-actions">
                    {ACTIONS.iter().map(|&(status, name, id, en)| view! {
                        <button type="button" name=name class=format!("secondary action-{status}")
                            disabled=move || busy.get() on:click=move |_| review(status)>
                            {move || l(lang.get(), id, en)}
                        </button>
                    }).collect_view()}
                </div>
                {move || outcome.get().map(|o| {
                    let (class, text) = match o {
                        Ok(text) => ("alert ok", text),
                        Err(text) => ("alert error", text),
                    };
                    view! { <p class=class role="status">{text}</p> }
                })}
            </section>
            <section class="card handover" hidden=missing>
                <h2>{move || l(lang.get(), "Pindahkan ke petugas", "Hand over to an officer")}</h2>
                <p class="hint">{move || l(lang.get(),
                    "Untuk petugas yang berhenti atau pindah: petugas yang dipilih dapat mengubah data ini.",
                    "For an officer who left or moved: the chosen officer may change this record.")}</p>
                <label class="field">
                    <span>{move || l(lang.get(), "Petugas", "Officer")}</span>
                    <select name="handover_officer" on:change=move |ev| officer.set(event_target_value(&ev))>
                        <option value="">{move || l(lang.get(), "— pilih —", "— choose —")}</option>
                        {move || candidates.with(|c| match c {
                            Some(Ok(c)) => {
                                let current = text(c, "assigned_officer").to_owned();
                                list(c, "officers").iter().map(|o| {
                                    let id = text(o, "id").to_owned();
                                    let mut name = format!("{} ({})", text(o, "display_name"), text(o, "username"));
                                    if id == current {
                                        name.push_str(" ✓");
                                    }
                                    view! { <option value=id>{name}</option> }
                                }).collect_view().into_any()
                            }
                            _ => ().into_any(),
                        })}
                    </select>
                </label>
                <button type="button" name="hand_over" class="secondary"
                    disabled=move || busy.get() || officer.with(String::is_empty)
                    on:click=move |_| hand_over()>
                    {move || l(lang.get(), "Pindahkan ke petugas", "Hand over")}
                </button>
                {move || handover_outcome.get().map(|o| {
                    let (class, text) = match o {
                        Ok(text) => ("alert ok", text),
                        Err(text) => ("alert error", text),
                    };
                    view! { <p class=class role="status">{text}</p> }
                })}
            </section>
            <section class="card" hidden=missing>
                <h2>{move || l(lang.get(), "Riwayat perubahan", "History of changes")}</h2>
                {move || {
                    let lang = lang.get();
                    history.with(|h| block(lang, h, |h| history_table(lang, list(h, "changes"))))
                }}
            </section>
        </section>
    }
}

/// Back to where the record was opened from (the filtered table), or to the table when
/// the record was opened from a shared link.
fn back(state: AppState) {
    match web_sys::window().and_then(|w| w.history().ok()) {
        Some(history) if history.length().unwrap_or(0) > 1 => {
            let _ = history.back();
        }
        _ => state.go(Screen::Table(String::new())),
    }
}

fn region(state: AppState, code: &str) -> String {
    let name = state.regions.with_untracked(|d| {
        let code = RegionCode::parse(code).ok()?;
        d.as_ref()?.name_of(&code).map(str::to_owned)
    });
    match name {
        Some(name) => format!("{name} ({code})"),
        None => code.to_owned(),
    }
}

/// Every field of the registration, labelled, then its comments.
fn fields(state: AppState, lang: Lang, r: &Value, author: Option<String>) -> String {
    let empty = Value::Null;
    let address = r.get("address").unwrap_or(&empty);
    let opt = |key: &str| text(r, key).to_owned();
    let experience = list(r, "work_experience")
        .iter()
        .map(|w| {
            let end = w
                .get("end_year")
                .and_then(Value::as_i64)
                .map(|y| y.to_string())
                .unwrap_or_else(|| l(lang, "sekarang", "now").to_owned());
            format!(
                "{} – {} ({}–{end})",
                text(w, "employer"),
                text(w, "position"),
                num(w, "start_year")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let programmes = list(r, "programmes")
        .iter()
        .map(|p| {
            let name = label(lang, PROGRAMMES, text(p, "kind"));
            let detail = [text(p, "vocation"), text(p, "destination_country")].concat();
            if detail.is_empty() {
                name.to_owned()
            } else {
                format!("{name}: {detail}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let consent = r.get("consent").unwrap_or(&empty);
    let consent = if consent
        .get("given")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        format!(
            "{} ({})",
            l(lang, "Ya", "Yes"),
            consent
                .get("at")
                .and_then(Value::as_f64)
                .map(datetime)
                .unwrap_or_default()
        )
    } else {
        l(lang, "Tidak", "No").to_owned()
    };
    let location = r.get("location").filter(|v| !v.is_null()).map(|g| {
        format!(
            "{:.5}, {:.5} (±{:.0} m)",
            num(g, "latitude"),
            num(g, "longitude"),
            num(g, "accuracy_m")
        )
    });
    let review = r.get("review").unwrap_or(&empty);
    let status_code = text(review, "status").to_owned();
    let rows: Vec<(&str, &str, String)> = vec![
        ("Nama lengkap", "Full name", opt("full_name")),
        ("NIK", "NIK", opt("nik")),
        (
            "Alasan tanpa NIK",
            "Reason for no NIK",
            opt("no_nik_reason"),
        ),
        ("Tempat lahir", "Place of birth", opt("birth_place")),
        ("Tanggal lahir", "Date of birth", opt("birth_date")),
        (
            "Jenis kelamin",
            "Gender",
            label(lang, GENDERS, text(r, "gender")).to_owned(),
        ),
        (
            "Status perkawinan",
            "Marital status",
            label(lang, MARITAL, text(r, "marital_status")).to_owned(),
        ),
        ("Nomor HP", "Phone", opt("phone")),
        (
            "Kabupaten/kota",
            "Regency",
            region(state, text(address, "regency")),
        ),
        (
            "Kecamatan",
            "District",
            region(state, text(address, "district")),
        ),
        (
            "Desa/kelurahan",
            "Village",
            region(state, text(address, "village")),
        ),
        ("Dusun", "Hamlet", text(address, "hamlet").to_owned()),
        (
            "RT/RW",
            "RT/RW",
            format!("{}/{}", text(address, "rt"), text(address, "rw")),
        ),
        ("Jalan", "Street", text(address, "street").to_owned()),
        (
            "Pendidikan",
            "Education",
            label(lang, EDUCATION, text(r, "education")).to_owned(),
        ),
        ("Jurusan", "Major", opt("education_major")),
        (
            "Status pekerjaan",
            "Employment",
            label(lang, EMPLOYMENT, text(r, "employment_status")).to_owned(),
        ),
        ("Pengalaman kerja", "Work experience", experience),
        (
            "Keterampilan",
            "Skills",
            list(r, "skills")
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Disabilitas", "Disability", opt("disability")),
        ("Minat program", "Programme interests", programmes),
        ("Persetujuan", "Consent", consent),
        ("Lokasi", "Location", location.unwrap_or_default()),
        (
            "Didaftarkan oleh",
            "Registered by",
            author.unwrap_or_else(|| opt("registered_by")),
        ),
        ("Didaftarkan", "Registered", datetime(num(r, "created_at"))),
        ("Perangkat", "Device", opt("device_id")),
        ("ID", "ID", opt("id")),
    ];
    let duplicate_of = text(r, "duplicate_of");
    let deleted = r.get("deleted").is_some_and(|d| !d.is_null());
    let mut html = format!(
        r#"<h1 data-testid="record-name">{}</h1><p class="record-tags"><span class="tag status-{code}" data-testid="record-status" data-value="{code}">{}</span>"#,
        esc(text(r, "full_name")),
        label(lang, STATUSES, &status_code),
        code = esc(&status_code),
    );
    if !duplicate_of.is_empty() {
        html.push_str(&format!(
            r#" <a class="tag" href="{}">{}</a>"#,
            esc(&format!("#/pendaftaran/{}", encode(duplicate_of))),
            l(
                lang,
                "Duplikat dari data lain",
                "Duplicate of another record"
            )
        ));
    }
    if deleted {
        html.push_str(&format!(
            r#" <span class="tag status-rejected">{}</span>"#,
            l(lang, "Dihapus", "Deleted")
        ));
    }
    html.push_str(r#"</p><dl class="fields card">"#);
    for (id, en, value) in rows.iter().filter(|row| !row.2.is_empty() && row.2 != "/") {
        html.push_str(&format!(
            "<div><dt>{}</dt><dd>{}</dd></div>",
            l(lang, *id, *en),
            esc(value)
        ));
    }
    html.push_str(&format!(
        r#"</dl><section class="card"><h2>{}</h2><ul class="comments" data-testid="comments">"#,
        l(lang, "Komentar", "Comments")
    ));
    let comments = list(review, "comments");
    for c in comments {
        html.push_str(&format!(
            "<li><strong>{}</strong> · {} — {}</li>",
            esc(text(c, "author_name")),
            datetime(num(c, "at")),
            esc(text(c, "text"))
        ));
    }
    html.push_str("</ul>");
    if comments.is_empty() {
        html.push_str(&format!(
            r#"<p class="hint">{}</p>"#,
            l(lang, "Belum ada komentar.", "No comments yet.")
        ));
    }
    html + "</section>"
}

/// The history, newest first: when the server received each change and from whom (what
/// the server vouches for), the fields, and then — secondary — the time and author the
/// phone wrote into the change.
fn history_table(lang: Lang, changes: &[Value]) -> String {
    let mut html = format!(
        r#"<table class="grid history" data-testid="history"><thead><tr>{}</tr></thead><tbody>"#,
        cells(
            "th",
            &[
                l(lang, "Diterima server", "Received by the server"),
                l(lang, "Dikirim oleh", "Sent by"),
                l(lang, "Isian yang berubah", "Fields changed"),
                l(lang, "Menurut ponsel", "As the phone says")
            ]
        )
    );
    let unrecorded = l(lang, "(belum dicatat)", "(not recorded)");
    for c in changes.iter().rev() {
        let received = match c.get("received_at").and_then(Value::as_f64) {
            Some(at) => datetime(at),
            None => unrecorded.to_owned(),
        };
        let sender = match (text(c, "pushed_by_name"), text(c, "pushed_from_device")) {
            ("", "") => unrecorded.to_owned(),
            (name, "") => name.to_owned(),
            (name, device) => {
                let device: String = device.chars().take(8).collect();
                format!("{name} · {} {device}", l(lang, "perangkat", "device"))
            }
        };
        let author = match text(c, "author_name") {
            "" => l(lang, "(tidak disebut)", "(not named)"),
            name => name,
        };
        let fields = list(c, "fields")
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let claim = format!("{} · {author}", datetime(num(c, "at")));
        html.push_str(&format!(
            "<tr>{}</tr>",
            cells("td", &[&received, &sender, &fields, &claim])
        ));
    }
    html + "</tbody></table>"
}
