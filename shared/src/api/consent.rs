//! The consent notice an officer shows a citizen before registering them (UU PDP Pasal
//! 20–24), as versioned texts an admin publishes: `GET /api/consent` (the current one,
//! which the officer's app keeps for offline use), `GET /api/admin/consent` (every
//! version) and `POST /api/admin/consent` (a new version). Each registration records the
//! version shown, when and by whom (`registration::Consent`); a new version applies to
//! new registrations only.

use serde::{Deserialize, Serialize};

/// One published version of the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentText {
    /// 1, 2, … in publication order.
    pub version: u32,
    pub text_id: String,
    pub text_en: String,
    /// When it was published (ms since the epoch).
    pub published_at: i64,
    /// The username of the admin who published it; empty for the first, built-in text.
    pub published_by: String,
}

/// `POST /api/admin/consent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConsentText {
    pub text_id: String,
    pub text_en: String,
}

/// A notice holds at most this many characters per language.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Version 1, published by the server when it first starts; the officer's app shows it
/// until it has fetched the current one.
pub fn first_text() -> ConsentText {
    ConsentText {
        version: 1,
        text_id: "Data pribadi Anda (nama, NIK, tanggal lahir, alamat, nomor HP, pendidikan, \
                  pengalaman kerja dan minat program) dicatat oleh Dinas Tenaga Kerja dan \
                  Transmigrasi Provinsi Bengkulu untuk mendaftarkan Anda sebagai pencari kerja \
                  dan peserta program pelatihan, pemagangan dan wirausaha, sesuai UU No. 27 \
                  Tahun 2022 tentang Pelindungan Data Pribadi. Data hanya dipakai untuk tujuan \
                  itu, tidak dibagikan kepada pihak lain tanpa dasar hukum, dan disimpan selama \
                  masa retensi. Anda berhak melihat, memperbaiki dan meminta penghapusan data \
                  Anda di kantor Disnakertrans; permintaan dijawab dalam 3×24 jam."
            .into(),
        text_en: "Your personal data (name, NIK, date of birth, address, phone number, \
                  education, work experience and programme interests) is recorded by the \
                  Manpower and Transmigration Office of Bengkulu Province to register you as \
                  a job seeker and for training, apprenticeship and entrepreneurship \
                  programmes, under Law No. 27 of 2022 on Personal Data Protection. It is \
                  used for that purpose only, not shared without a legal basis, and kept for \
                  the retention period. You may see, correct and ask to erase your data at \
                  the office; requests are answered within 3×24 hours."
            .into(),
        published_at: 0,
        published_by: String::new(),
    }
}
