//! Every size limit of the domain, defined once.
//!
//! Whatever a phone writes into a registration reaches the server, every supervisor's
//! screen and every export, so nothing a person can type is unbounded. The limits live
//! here and nowhere else: [`crate::validation`] reports a value over its limit (the phone
//! while typing, the server on every pushed document, with the same bilingual message),
//! the form puts them on its inputs as `maxlength`, and the server's own inputs that end
//! up in a document (a review comment) check them before writing.
//!
//! The second half bounds whole documents and sync requests: the server admits pushed
//! Automerge bytes against them before Automerge loads anything (see
//! [`crate::sync::admission`]), and the fuzz harness holds the server to the memory they
//! imply; the device keeps its requests inside them. Those numbers are calibrated against
//! real registration documents: a registration edited a few hundred times, with dozens of
//! review comments, uses about a tenth of each document limit.

// ───────────────────────── Fields and lists of a registration ─────────────────────────
//
// Lengths count characters: Unicode scalar values, what `str::chars` yields — not bytes
// (an "é" is one character, two bytes) and not what a reader sees as one letter (a flag
// emoji is two). A browser's `maxlength` counts UTF-16 units, which is never fewer, so a
// form input with `maxlength` from here can never hold more than validation accepts.
//
// The values follow what Indonesian records hold: Dukcapil registers names of at most 60
// characters since Permendagri 73/2022 (older KTPs, with degrees and titles, run longer,
// hence 100); a birth place is a regency or city name; a street address on a KTP can be
// long (`Jl. …, Gg. …, No. …, Komplek …, Blok …`). Ids are UUIDs (36 characters) with room
// to spare. Each limit is far above anything real and far below what would hurt a page,
// an export row or a sync batch.

/// The most characters one free-text value may hold, with the field it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    /// The field's path in the domain, as a [`FieldProblem`](crate::validation::FieldProblem)
    /// names it; `[]` stands for the index of a list item (`"work_experience[].employer"`).
    pub field: &'static str,
    /// Characters (Unicode scalar values), not bytes.
    pub max_chars: usize,
    /// The field's name to start a sentence with, in Bahasa Indonesia and English:
    /// "Tempat lahir maksimal 60 karakter." / "Place of birth can have at most 60 characters."
    pub name_id: &'static str,
    pub name_en: &'static str,
}

impl TextLimit {
    /// True when `value` has at most [`TextLimit::max_chars`] characters.
    ///
    /// Runs for every field of every pushed document, so it rarely counts: a value of at
    /// most `max_chars` bytes fits, one of more than four bytes per allowed character
    /// cannot (a character is at most four bytes), and in between it counts no further
    /// than one past the limit. No allocation, whatever the value's size.
    pub fn fits(&self, value: &str) -> bool {
        let bytes = value.len();
        bytes <= self.max_chars
            || (bytes <= 4 * self.max_chars && value.chars().nth(self.max_chars).is_none())
    }
}

/// The most items a list of a registration may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimit {
    /// The list's path in the domain (`"skills"`, `"review.comments"`).
    pub field: &'static str,
    pub max_items: usize,
    /// The list's name to start a sentence with: "Keterampilan maksimal 20 entri." /
    /// "Skills can have at most 20 entries."
    pub name_id: &'static str,
    pub name_en: &'static str,
}

impl ListLimit {
    pub fn fits(&self, len: usize) -> bool {
        len <= self.max_items
    }
}

const fn text(
    field: &'static str,
    max_chars: usize,
    name_id: &'static str,
    name_en: &'static str,
) -> TextLimit {
    TextLimit {
        field,
        max_chars,
        name_id,
        name_en,
    }
}

const fn list(
    field: &'static str,
    max_items: usize,
    name_id: &'static str,
    name_en: &'static str,
) -> ListLimit {
    ListLimit {
        field,
        max_items,
        name_id,
        name_en,
    }
}

/// Ids (of a registration, user, device, comment): UUIDs of 36 characters, with room for
/// other schemes. The server refuses a pushed document id longer than this too.
pub const ID_MAX_CHARS: usize = 64;
/// A Kemendagri region code; the longest, a village's, is `17.01.01.2001`.
pub const REGION_CODE_MAX_CHARS: usize = 13;

// Who and where: ids written by the app and the server, not typed by a person.
pub const ID: TextLimit = text("id", ID_MAX_CHARS, "ID data", "The record's ID");
pub const REGISTERED_BY: TextLimit = text(
    "registered_by",
    ID_MAX_CHARS,
    "ID petugas pendaftar",
    "The registering officer's ID",
);
pub const DEVICE_ID: TextLimit = text("device_id", ID_MAX_CHARS, "ID perangkat", "The device ID");
pub const ASSIGNED_OFFICER: TextLimit = text(
    "assigned_officer",
    ID_MAX_CHARS,
    "ID petugas penerima",
    "The assigned officer's ID",
);

// Identity.
pub const FULL_NAME: TextLimit = text("full_name", 100, "Nama lengkap", "Full name");
/// 16 digits, with room for the spaces people type between groups.
pub const NIK: TextLimit = text("nik", 32, "NIK", "NIK");
pub const NO_NIK_REASON: TextLimit = text(
    "no_nik_reason",
    200,
    "Alasan belum punya NIK",
    "The reason for having no NIK",
);
pub const BIRTH_PLACE: TextLimit = text("birth_place", 60, "Tempat lahir", "Place of birth");
/// `YYYY-MM-DD` is 10; the rest is for stray spaces, which the date parser reports itself.
pub const BIRTH_DATE: TextLimit = text("birth_date", 20, "Tanggal lahir", "Date of birth");
/// `+62 812-3456-7890` is 17.
pub const PHONE: TextLimit = text("phone", 32, "Nomor HP", "The mobile number");

// Address.
pub const REGENCY: TextLimit = text(
    "address.regency",
    REGION_CODE_MAX_CHARS,
    "Kabupaten/kota",
    "Regency/city",
);
pub const DISTRICT: TextLimit = text(
    "address.district",
    REGION_CODE_MAX_CHARS,
    "Kecamatan",
    "District",
);
pub const VILLAGE: TextLimit = text(
    "address.village",
    REGION_CODE_MAX_CHARS,
    "Desa/kelurahan",
    "Village",
);
pub const HAMLET: TextLimit = text("address.hamlet", 60, "Dusun", "Hamlet");
/// RT and RW are numbers of at most three digits (`003`).
pub const RT: TextLimit = text("address.rt", 3, "RT", "RT");
pub const RW: TextLimit = text("address.rw", 3, "RW", "RW");
pub const STREET: TextLimit = text("address.street", 200, "Alamat jalan", "Street address");

// Education and work.
pub const EDUCATION_MAJOR: TextLimit = text("education_major", 100, "Jurusan", "Major");
pub const WORK_EXPERIENCE: ListLimit =
    list("work_experience", 20, "Pengalaman kerja", "Work experience");
pub const EMPLOYER: TextLimit = text(
    "work_experience[].employer",
    100,
    "Tempat kerja",
    "Employer",
);
pub const POSITION: TextLimit = text("work_experience[].position", 100, "Jabatan", "Position");
pub const SKILLS: ListLimit = list("skills", 20, "Keterampilan", "Skills");
pub const SKILL: TextLimit = text("skills[]", 60, "Satu keterampilan", "A skill");
pub const DISABILITY: TextLimit = text(
    "disability",
    200,
    "Jenis disabilitas",
    "The kind of disability",
);

// Programmes.
/// Five kinds of programme; a person may name one kind more than once.
pub const PROGRAMMES: ListLimit = list("programmes", 10, "Minat program", "Programme interests");
pub const VOCATION: TextLimit = text(
    "programmes[].vocation",
    100,
    "Kejuruan pelatihan",
    "The vocation",
);
pub const DESTINATION_COUNTRY: TextLimit = text(
    "programmes[].destination_country",
    60,
    "Negara tujuan",
    "The destination country",
);

// Review. A document over a list limit is refused whole, and comments cannot be removed,
// so the count is generous: fifty rounds of a supervisor's note and an officer's reply.
pub const COMMENTS: ListLimit = list(
    "review.comments",
    100,
    "Komentar verifikasi",
    "Review comments",
);
pub const COMMENT_ID: TextLimit = text(
    "review.comments[].id",
    ID_MAX_CHARS,
    "ID komentar",
    "A comment's ID",
);
pub const COMMENT_AUTHOR_ID: TextLimit = text(
    "review.comments[].author_id",
    ID_MAX_CHARS,
    "ID penulis komentar",
    "A comment's author ID",
);
/// A user's display name, which the server also holds to this length.
pub const COMMENT_AUTHOR_NAME: TextLimit = text(
    "review.comments[].author_name",
    100,
    "Nama penulis komentar",
    "A comment's author name",
);
/// `officer`, `supervisor` or `admin`.
pub const COMMENT_ROLE: TextLimit = text(
    "review.comments[].role",
    16,
    "Peran penulis komentar",
    "A comment's author role",
);
/// A review note, not a report.
pub const COMMENT_TEXT: TextLimit = text("review.comments[].text", 2_000, "Komentar", "A comment");

// Follow-ups (`crate::follow_up`). A step is never removed, so the count is generous: a
// person trained, certified, placed and reported on for years stays far below it.
pub const FOLLOW_UPS: ListLimit = list("follow_ups", 40, "Tindak lanjut", "Follow-ups");
pub const FOLLOW_UP_ID: TextLimit = text(
    "follow_ups[].id",
    ID_MAX_CHARS,
    "ID tindak lanjut",
    "A follow-up's ID",
);
pub const FOLLOW_UP_RECORDED_BY: TextLimit = text(
    "follow_ups[].recorded_by",
    ID_MAX_CHARS,
    "ID pencatat tindak lanjut",
    "The ID of who recorded a follow-up",
);
/// A user's display name, as [`COMMENT_AUTHOR_NAME`].
pub const FOLLOW_UP_RECORDED_BY_NAME: TextLimit = text(
    "follow_ups[].recorded_by_name",
    100,
    "Nama pencatat tindak lanjut",
    "The name of who recorded a follow-up",
);
pub const FOLLOW_UP_DATE: TextLimit = text(
    "follow_ups[].date",
    10,
    "Tanggal tindak lanjut",
    "A follow-up's date",
);
/// A name, a number or a short phrase: every detail of a step but its note.
pub const FOLLOW_UP_DETAIL_MAX_CHARS: usize = 100;
pub const FOLLOW_UP_BLK: TextLimit = text(
    "follow_ups[].details.blk",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Nama BLK",
    "The BLK",
);
pub const FOLLOW_UP_VOCATION: TextLimit = text(
    "follow_ups[].details.vocation",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Kejuruan",
    "The vocation",
);
pub const FOLLOW_UP_BATCH: TextLimit = text(
    "follow_ups[].details.batch",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Angkatan",
    "The batch",
);
pub const FOLLOW_UP_PLANNED_END: TextLimit = text(
    "follow_ups[].details.planned_end",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Rencana selesai",
    "The planned end",
);
pub const FOLLOW_UP_CERTIFICATE_NUMBER: TextLimit = text(
    "follow_ups[].details.certificate_number",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Nomor sertifikat",
    "The certificate number",
);
pub const FOLLOW_UP_ISSUER: TextLimit = text(
    "follow_ups[].details.issuer",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Penerbit sertifikat",
    "The issuer",
);
pub const FOLLOW_UP_COMPANY: TextLimit = text(
    "follow_ups[].details.company",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Perusahaan",
    "The company",
);
pub const FOLLOW_UP_COUNTRY: TextLimit = text(
    "follow_ups[].details.country",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Negara",
    "The country",
);
pub const FOLLOW_UP_BUSINESS_NAME: TextLimit = text(
    "follow_ups[].details.business_name",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Nama usaha",
    "The business name",
);
pub const FOLLOW_UP_SECTOR: TextLimit = text(
    "follow_ups[].details.sector",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Bidang usaha",
    "The sector",
);
pub const FOLLOW_UP_SUPPORT: TextLimit = text(
    "follow_ups[].details.support",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Bantuan yang diterima",
    "The support received",
);
pub const FOLLOW_UP_EMPLOYER: TextLimit = text(
    "follow_ups[].details.employer",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Pemberi kerja",
    "The employer",
);
pub const FOLLOW_UP_POSITION: TextLimit = text(
    "follow_ups[].details.position",
    FOLLOW_UP_DETAIL_MAX_CHARS,
    "Jabatan",
    "The position",
);
pub const FOLLOW_UP_NOTE: TextLimit = text(
    "follow_ups[].details.note",
    500,
    "Catatan tindak lanjut",
    "A follow-up's note",
);

// Duplicates and deletion.
pub const DUPLICATE_OF: TextLimit = text(
    "duplicate_of",
    ID_MAX_CHARS,
    "ID data asli",
    "The original record's ID",
);
pub const DELETION_REASON: TextLimit = text(
    "deleted.reason",
    500,
    "Alasan penghapusan",
    "The reason for deleting",
);
pub const DELETED_BY: TextLimit = text(
    "deleted.by",
    ID_MAX_CHARS,
    "ID penghapus",
    "The ID of who deleted it",
);

/// Every text limit, in form order. The other fields of a registration are closed choices,
/// numbers, dates as numbers and booleans (gender, consent, location…): fixed in size.
pub const TEXT_FIELDS: &[TextLimit] = &[
    ID,
    REGISTERED_BY,
    DEVICE_ID,
    ASSIGNED_OFFICER,
    FULL_NAME,
    NIK,
    NO_NIK_REASON,
    BIRTH_PLACE,
    BIRTH_DATE,
    PHONE,
    REGENCY,
    DISTRICT,
    VILLAGE,
    HAMLET,
    RT,
    RW,
    STREET,
    EDUCATION_MAJOR,
    EMPLOYER,
    POSITION,
    SKILL,
    DISABILITY,
    VOCATION,
    DESTINATION_COUNTRY,
    FOLLOW_UP_ID,
    FOLLOW_UP_RECORDED_BY,
    FOLLOW_UP_RECORDED_BY_NAME,
    FOLLOW_UP_DATE,
    FOLLOW_UP_BLK,
    FOLLOW_UP_VOCATION,
    FOLLOW_UP_BATCH,
    FOLLOW_UP_PLANNED_END,
    FOLLOW_UP_CERTIFICATE_NUMBER,
    FOLLOW_UP_ISSUER,
    FOLLOW_UP_COMPANY,
    FOLLOW_UP_COUNTRY,
    FOLLOW_UP_BUSINESS_NAME,
    FOLLOW_UP_SECTOR,
    FOLLOW_UP_SUPPORT,
    FOLLOW_UP_EMPLOYER,
    FOLLOW_UP_POSITION,
    FOLLOW_UP_NOTE,
    COMMENT_ID,
    COMMENT_AUTHOR_ID,
    COMMENT_AUTHOR_NAME,
    COMMENT_ROLE,
    COMMENT_TEXT,
    DUPLICATE_OF,
    DELETION_REASON,
    DELETED_BY,
];

/// Every list limit, in form order.
pub const LISTS: &[ListLimit] = &[WORK_EXPERIENCE, SKILLS, PROGRAMMES, FOLLOW_UPS, COMMENTS];

/// The most characters all text of one valid registration can add up to (every list
/// full, every value at its limit): what a document must at least be allowed to hold,
/// before its history, for a valid registration to be storable.
pub const MAX_REGISTRATION_CHARS: usize = {
    let mut total = 0;
    let mut i = 0;
    while i < TEXT_FIELDS.len() {
        let limit = &TEXT_FIELDS[i];
        total += limit.max_chars * items_holding(limit.field);
        i += 1;
    }
    total
};

/// How many values of `field` one registration can hold: the limit of the list it sits
/// in, or one.
const fn items_holding(field: &'static str) -> usize {
    let mut i = 0;
    while i < LISTS.len() {
        if is_item_of(field.as_bytes(), LISTS[i].field.as_bytes()) {
            return LISTS[i].max_items;
        }
        i += 1;
    }
    1
}

/// True when `field` is `list[]` or `list[].…`.
const fn is_item_of(field: &[u8], list: &[u8]) -> bool {
    if field.len() < list.len() + 2 {
        return false;
    }
    let mut i = 0;
    while i < list.len() {
        if field[i] != list[i] {
            return false;
        }
        i += 1;
    }
    field[list.len()] == b'[' && field[list.len() + 1] == b']'
}

// ───────────────────────── Documents and sync requests ─────────────────────────

/// Bytes of one registration document, saved whole without column compression (the form
/// devices push and the server stores). A heavily edited registration is ~50 KB.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Changes in one document's history. Loading a document caches a vector clock over its
/// actors every 16 changes, so memory grows with changes × actors: both stay bounded.
pub const MAX_DOCUMENT_CHANGES: u64 = 4_000;

/// Automerge operations in one document (every field write, list insert and delete).
/// Also bounds the operation counters a document may declare.
pub const MAX_DOCUMENT_OPS: u64 = 60_000;

/// Distinct actors (editing sessions: each load of a document on a phone or the server
/// starts a new one) in one document; never more than its changes.
pub const MAX_DOCUMENT_ACTORS: u64 = MAX_DOCUMENT_CHANGES;

/// Bytes of one actor id. Automerge makes 16-byte ids; each change a document expands to
/// repeats the ids it uses, so a long one would be multiplied.
pub const MAX_ACTOR_ID_BYTES: usize = 32;

/// Bytes of text (map keys, change messages, mark names) a document's run-length encoded
/// columns expand to. A key written by many operations is stored once and repeated by a
/// run; loading repeats it per operation.
pub const MAX_DOCUMENT_EXPANDED_TEXT: u64 = 4 * MAX_DOCUMENT_BYTES as u64;

/// Pushed bytes a device puts in one sync request before starting another (one document
/// larger than this still goes alone).
pub const DEVICE_BATCH_BYTES: usize = 256 * 1024;

/// Items (documents) in one sync request; a device sends far fewer.
pub const MAX_PUSH_ITEMS: usize = 5_000;

/// Heads (and base heads) one pushed item may name: a document has a handful.
pub const MAX_ITEM_HEADS: usize = 64;

/// Sealed states one pushed item may show; a device keeps four.
pub const MAX_ITEM_VOUCHED: usize = 8;

/// A sync request's message once inflated: a device batch plus one whole document at the
/// limit, and room for ids, heads and seals.
pub const MAX_INFLATED_REQUEST: usize = DEVICE_BATCH_BYTES + MAX_DOCUMENT_BYTES + 768 * 1024;

/// A sync request's body as sent (deflated). Deflate adds at most a few bytes per 64 KB
/// block to data it cannot compress.
pub const MAX_SYNC_BODY: usize = MAX_INFLATED_REQUEST + 64 * 1024;

/// Stored document bytes one sync request may bring into memory to merge into. A request
/// naming more leaves the rest unanswered; the device sends them again in its next
/// request.
pub const MAX_REQUEST_STORED_BYTES: usize = 8 * 1024 * 1024;

/// Document bytes in one pull answer, whatever the device asks.
pub const MAX_PULL_BYTES: u32 = 4 * 1024 * 1024;

/// Heap one sync request may use while it is merged and answered, whatever it contains:
/// its inflated message, the stored documents it loads, Automerge's working memory for
/// one document at a time, the merged documents to commit, and its pull answer. The fuzz
/// harness (`cargo xtask fuzz`) fails on any input that makes the server pass it; the
/// server runs as many merges at once as its merge memory holds.
pub const MAX_REQUEST_MEMORY: usize = 64 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_counts_characters_not_bytes() {
        // Five characters, ten bytes.
        let limit = text("f", 5, "F", "F");
        assert!(limit.fits("ééééé"));
        assert!(!limit.fits("éééééé"));
        assert!(
            limit.fits("🇮🇩🇮🇩") && !limit.fits("🇮🇩🇮🇩🇮🇩"),
            "a flag is two characters"
        );
        assert!(limit.fits("") && limit.fits("abcde") && !limit.fits("abcdef"));
    }

    #[test]
    fn a_huge_value_does_not_fit_whatever_its_characters() {
        assert!(!BIRTH_PLACE.fits(&"a".repeat(50_000_000)));
        assert!(!BIRTH_PLACE.fits(&"é".repeat(61)));
        assert!(
            BIRTH_PLACE.fits(&"𝔞".repeat(60)),
            "four bytes each, sixty characters"
        );
    }

    #[test]
    fn each_field_and_list_has_one_limit() {
        let mut fields: Vec<&str> = TEXT_FIELDS.iter().map(|l| l.field).collect();
        fields.extend(LISTS.iter().map(|l| l.field));
        let count = fields.len();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields.len(), count, "a field is named twice");
        assert!(TEXT_FIELDS.iter().all(|l| l.max_chars > 0));
        assert!(LISTS.iter().all(|l| l.max_items > 0));
    }

    #[test]
    fn list_items_count_as_often_as_the_list_allows() {
        assert_eq!(items_holding("skills[]"), SKILLS.max_items);
        assert_eq!(items_holding("review.comments[].text"), COMMENTS.max_items);
        assert_eq!(items_holding("review.comments"), 1);
        assert_eq!(items_holding("birth_place"), 1);
        let by_hand: usize = TEXT_FIELDS
            .iter()
            .map(|text| {
                let list = LISTS
                    .iter()
                    .find(|list| text.field.starts_with(&format!("{}[]", list.field)));
                text.max_chars * list.map_or(1, |list| list.max_items)
            })
            .sum();
        assert_eq!(MAX_REGISTRATION_CHARS, by_hand);
    }
}
