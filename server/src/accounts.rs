//! Accounts: the people who use Jemput, the devices they sign in from, and what each may
//! see. Input about an account (username, password, display name, role and assigned
//! regions) is parsed into the types here once, so the HTTP API and the CLI accept exactly
//! the same things and the store only ever receives valid values.
//!
//! Problems are [`FieldProblem`]s, the same bilingual type the registration form uses, so
//! an admin screen can show them next to the field they concern.

use std::fmt;

use jemput_shared::domain::{RegionCode, RegionDirectory, RegionLevel};
use jemput_shared::policy::{Requester, Role, Scope};
use jemput_shared::validation::FieldProblem;

/// A user as the store holds them (without the password hash, which only login needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// A UUID; stable for the life of the account (registrations name it as their officer).
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Regency codes for a supervisor; district or village codes for an officer; empty
    /// for an admin. Sorted.
    pub regions: Vec<String>,
    pub disabled: bool,
    /// The change-log position when the user's role or regions last changed. A device
    /// cursor older than this was cut under the old scope, so sync starts that device
    /// afresh to send it the documents the new scope adds.
    pub scope_seq: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl User {
    /// The registrations this user may see and change.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::Everything,
            Role::Supervisor => Scope::Regencies(self.regions.clone()),
            Role::Officer => Scope::Officer {
                user_id: self.id.clone(),
                areas: self.regions.clone(),
            },
        }
    }

    /// The user as the sync policy sees them.
    pub fn requester(&self) -> Requester {
        Requester {
            user_id: self.id.clone(),
            role: self.role,
            scope: self.scope(),
        }
    }
}

/// A signed-in device: one login, holding one bearer token (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    /// What the user called it at login ("HP Siti"), possibly empty.
    pub name: String,
    pub created_at: i64,
    /// Last authenticated request, updated at most once a minute to spare the writer.
    pub last_seen_at: i64,
    pub last_sync_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When an admin marked it lost: its token is revoked, and its next contact tells the
    /// app to wipe everything of its user (`auth::device_wiped`).
    pub lost_at: Option<i64>,
    /// When the lost device's app confirmed it was wiping.
    pub wipe_confirmed_at: Option<i64>,
    /// Records the app had not yet sent at its last sync, as it said (`None`: never said).
    pub unsent_at_last_sync: Option<i64>,
}

/// A user to create; every part already parsed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub access: Access,
    /// The argon2 PHC string (see `auth::hash_password`).
    pub password_hash: String,
}

/// Changes to an existing user; `None` leaves that part as it is.
///
/// A new password hash or `disabled: Some(true)` also ends every session of the user for
/// good (the store revokes their devices in the same transaction, whoever asks: the admin
/// API or the CLI), so enabling the user again brings none of them back.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<DisplayName>,
    pub password_hash: Option<String>,
    /// Role and regions change together: regions only mean something for a role.
    pub access: Option<Access>,
    pub disabled: Option<bool>,
    /// The device whose session survives a password change: the one asking for it (an
    /// admin setting their own password stays signed in there). Disabling ends it too.
    pub keep_session: Option<String>,
}

impl UserChanges {
    /// True when these changes end the user's sessions (see the type's documentation).
    pub fn ends_sessions(&self) -> bool {
        self.password_hash.is_some() || self.disabled == Some(true)
    }

    /// The device spared when the sessions end, if any.
    pub fn kept_session(&self) -> Option<&str> {
        if self.disabled == Some(true) {
            None
        } else {
            self.keep_session.as_deref()
        }
    }
}

/// A login name: 3–32 characters of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Trims and lowercases first: phone keyboards capitalise the first letter, and
    /// "Siti" and "siti" must not become two accounts.
    pub fn parse(raw: &str) -> Result<Username, FieldProblem> {
        let name = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if (3..=32).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Username(name))
        } else {
            Err(FieldProblem::error(
                "username",
                "username_format",
                "Nama pengguna harus 3–32 karakter: huruf kecil, angka, titik (.), garis \
                 bawah (_) atau tanda hubung (-).",
                "A username must be 3–32 characters: lowercase letters, digits, '.', '_' \
                 or '-'.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: at least 10 characters, not only spaces, and not guessable. Its
/// `Debug` hides it, so it cannot end up in a log by accident.
///
/// "Not guessable" is zxcvbn's judgement (Dropbox's estimator: dictionaries of common
/// passwords, names and words, keyboard patterns, dates, repeats and sequences, l33t
/// substitutions), which beats any list we could keep by hand. A password must score at
/// least 3 of 4: more than 10⁸ guesses. Online, the login throttle allows a botnet about
/// 3,000 guesses a day per account, so that is a century; offline, from a stolen
/// database, each guess costs an argon2id hash (tens of milliseconds), so 10⁸ of them
/// cost months of CPU time per account. Score 4 (10¹⁰) would refuse most passwords a
/// field officer can type on a phone and remember; 2 (10⁶) falls to a day's offline
/// work. zxcvbn also gets the account's own names and Jemput's [`SITE_WORDS`], so
/// "siti-aminah-2024" for Siti Aminah counts as weak.
#[derive(Clone)]
pub struct Password(String);

const PASSWORD_MIN_CHARS: usize = 10;
/// Far above any real password; only bounds the work a request can ask of the hasher.
const PASSWORD_MAX_CHARS: usize = 256;
const PASSWORD_MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
/// What anyone guessing a Jemput password tries first, besides zxcvbn's own lists (which
/// are English): the system, the place, the office, the roles, and the Indonesian words
/// for "password" and "secret".
pub const SITE_WORDS: &[&str] = &[
    "jemput",
    "bengkulu",
    "disnaker",
    "naker",
    "indonesia",
    "petugas",
    "supervisor",
    "admin",
    "katasandi",
    "kata",
    "sandi",
    "rahasia",
    "masuk",
    "bismillah",
];

impl Password {
    /// `personal`: the names of the account it is for (username, display name), which
    /// must not carry it. Not trimmed: spaces are legitimate password characters.
    pub fn parse(raw: String, personal: &[&str]) -> Result<Password, FieldProblem> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(FieldProblem::error(
                "password",
                "password_too_short",
                "Kata sandi minimal 10 karakter.",
                "A password needs at least 10 characters.",
            ));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(FieldProblem::error(
                "password",
                "password_too_long",
                "Kata sandi maksimal 256 karakter.",
                "A password can have at most 256 characters.",
            ));
        }
        if raw.trim().is_empty() {
            return Err(FieldProblem::error(
                "password",
                "password_blank",
                "Kata sandi tidak boleh hanya berisi spasi.",
                "A password cannot be only spaces.",
            ));
        }
        // zxcvbn matches each input as a whole word: "Siti Aminah" also as "siti", "aminah".
        let mut words: Vec<&str> = SITE_WORDS.to_vec();
        for name in personal {
            words.push(name);
            words.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|part| part.chars().count() >= 3),
            );
        }
        if zxcvbn::zxcvbn(&raw, &words).score() < PASSWORD_MIN_SCORE {
            return Err(FieldProblem::error(
                "password",
                "password_weak",
                "Kata sandi ini mudah ditebak (kata umum, nama, tanggal, pola keyboard atau \
                 urutan). Pakai tiga atau empat kata yang tidak berhubungan, misalnya \
                 \"kopi-hujan-sepeda-41\".",
                "This password is easy to guess (a common word, a name, a date, a keyboard \
                 pattern or a sequence). Use three or four unrelated words, e.g. \
                 \"kopi-hujan-sepeda-41\".",
            ));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The name shown to other users ("Siti Aminah"): 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// A review comment carries its author's display name: the same limit.
const DISPLAY_NAME_MAX_CHARS: usize = jemput_shared::limits::COMMENT_AUTHOR_NAME.max_chars;

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, FieldProblem> {
        let name = raw.trim();
        let chars = name.chars().count();
        if (1..=DISPLAY_NAME_MAX_CHARS).contains(&chars) && !name.chars().any(char::is_control) {
            Ok(DisplayName(name.to_owned()))
        } else {
            Err(FieldProblem::error(
                "display_name",
                "display_name_format",
                format!("Nama tampilan wajib diisi, maksimal {DISPLAY_NAME_MAX_CHARS} karakter."),
                format!("A display name is required, at most {DISPLAY_NAME_MAX_CHARS} characters."),
            ))
        }
    }

    /// The username stands in when no display name is given.
    pub fn from_username(username: &Username) -> DisplayName {
        DisplayName(username.0.clone())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a role code (`admin`, `supervisor`, `officer`).
pub fn parse_role(raw: &str) -> Result<Role, FieldProblem> {
    Role::from_code(raw.trim()).ok_or_else(|| {
        FieldProblem::error(
            "role",
            "role_unknown",
            "Peran tidak dikenal; pilih admin, supervisor atau officer.",
            "Unknown role; choose admin, supervisor or officer.",
        )
    })
}

/// A role with the regions assigned to it, checked to fit each other: an admin has none
/// (they cover the province), a supervisor one or more regencies, an officer districts
/// or villages (possibly none: an officer always sees their own registrations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    role: Role,
    regions: Vec<RegionCode>,
}

impl Access {
    /// `directory`, when regions have been imported, also rejects codes that are well
    /// formed but do not exist.
    pub fn parse(
        role: Role,
        raw_regions: &[String],
        directory: Option<&RegionDirectory>,
    ) -> Result<Access, FieldProblem> {
        let mut regions = Vec::new();
        for raw in raw_regions {
            let code = RegionCode::parse(raw).map_err(|p| p.at("regions"))?;
            let fits = match role {
                Role::Admin => false,
                Role::Supervisor => code.level() == RegionLevel::Regency,
                Role::Officer => code.level() != RegionLevel::Regency,
            };
            if !fits {
                return Err(wrong_level(role, &code));
            }
            if directory.is_some_and(|d| !d.is_empty() && !d.contains(&code)) {
                return Err(FieldProblem::error(
                    "regions",
                    "region_unknown",
                    format!("Kode wilayah {code} tidak ada dalam daftar wilayah resmi."),
                    format!("Region code {code} is not in the official region list."),
                ));
            }
            regions.push(code);
        }
        regions.sort();
        regions.dedup();
        if role == Role::Supervisor && regions.is_empty() {
            return Err(FieldProblem::error(
                "regions",
                "regions_required",
                "Supervisor harus ditugaskan minimal satu kabupaten/kota.",
                "A supervisor must be assigned at least one regency or city.",
            ));
        }
        Ok(Access { role, regions })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn regions(&self) -> &[RegionCode] {
        &self.regions
    }

    /// The regions as the store keeps them: dotted codes, sorted.
    pub fn region_codes(&self) -> Vec<String> {
        self.regions.iter().map(|c| c.as_str().to_owned()).collect()
    }
}

fn wrong_level(role: Role, code: &RegionCode) -> FieldProblem {
    match role {
        Role::Admin => FieldProblem::error(
            "regions",
            "regions_not_for_admin",
            "Admin mencakup seluruh provinsi; jangan isi wilayah.",
            "An admin covers the whole province; give no regions.",
        ),
        Role::Supervisor => FieldProblem::error(
            "regions",
            "regions_supervisor_level",
            format!(
                "{code} bukan kode kabupaten/kota. Supervisor ditugaskan per kabupaten/kota, \
                 misalnya 17.01."
            ),
            format!(
                "{code} is not a regency code. Supervisors are assigned regencies, e.g. 17.01."
            ),
        ),
        Role::Officer => FieldProblem::error(
            "regions",
            "regions_officer_level",
            format!(
                "{code} adalah kabupaten/kota. Petugas ditugaskan per kecamatan atau \
                 desa/kelurahan, misalnya 17.01.01 atau 17.01.01.2001."
            ),
            format!(
                "{code} is a regency. Officers are assigned districts or villages, e.g. \
                 17.01.01 or 17.01.01.2001."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_username_is_trimmed_and_lowercased() {
        assert_eq!(Username::parse("  Siti.A ").unwrap().as_str(), "siti.a");
    }

    #[test]
    fn a_username_that_is_too_short_too_long_or_has_spaces_is_rejected() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("siti aminah").is_err());
        assert!(Username::parse("siti@kantor").is_err());
        assert!(Username::parse("budi_2-x.y").is_ok());
    }

    fn password_problem(text: &str, personal: &[&str]) -> Option<&'static str> {
        match Password::parse(text.into(), personal) {
            Ok(_) => None,
            Err(problem) => Some(match problem.code.as_ref() {
                "password_too_short" => "too short",
                "password_too_long" => "too long",
                "password_blank" => "blank",
                "password_weak" => "weak",
                other => panic!("unexpected problem {other}"),
            }),
        }
    }

    #[test]
    fn a_password_shorter_than_ten_characters_is_rejected() {
        assert_eq!(password_problem("kopi-hujn", &[]), Some("too short"));
        assert_eq!(password_problem("kopi-hujan-sepeda-41", &[]), None);
    }

    #[test]
    fn a_password_of_only_spaces_is_rejected() {
        assert_eq!(password_problem("        ", &[]), Some("too short"));
        assert_eq!(password_problem(&" ".repeat(12), &[]), Some("blank"));
        assert_eq!(
            password_problem("\t\n".repeat(6).as_str(), &[]),
            Some("blank")
        );
    }

    #[test]
    fn common_and_patterned_passwords_are_rejected() {
        for weak in [
            "password123",
            "0123456789",
            "qwertyuiop",
            "iloveyou12",
            "aaaaaaaaaaaa",
            "abcdefghijkl",
            "supersecret",
            "demo-password",
        ] {
            assert_eq!(password_problem(weak, &[]), Some("weak"), "{weak}");
        }
    }

    #[test]
    fn a_password_built_on_jemputs_own_words_is_rejected() {
        for weak in [
            "jemput123456",
            "disnaker2024",
            "petugas12345",
            "rahasia12345",
        ] {
            assert_eq!(password_problem(weak, &[]), Some("weak"), "{weak}");
        }
    }

    #[test]
    fn a_password_built_on_the_accounts_own_names_is_rejected() {
        assert_eq!(password_problem("sukarmi2024", &[]), None);
        assert_eq!(password_problem("sukarmi2024", &["sukarmi"]), Some("weak"));
        assert_eq!(password_problem("aminah-1990", &[]), None);
        assert_eq!(
            password_problem("aminah-1990", &["siti.a", "Siti Aminah"]),
            Some("weak"),
            "each word of the display name counts"
        );
    }

    #[test]
    fn unrelated_words_or_random_characters_are_accepted() {
        assert_eq!(password_problem("kopi-hujan-sepeda-41", &["siti"]), None);
        assert_eq!(password_problem("tL4x-9qPz-Wm2e", &[]), None);
        assert_eq!(
            password_problem("durian montong di pasar minggu", &[]),
            None,
            "spaces are fine inside a password"
        );
    }

    #[test]
    fn a_very_long_password_is_rejected_without_judging_it() {
        assert_eq!(
            password_problem(&"kopi-hujan".repeat(30), &[]),
            Some("too long")
        );
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("rahasia-kopi-hujan-41".into(), &[]).unwrap();
        assert!(!format!("{password:?}").contains("rahasia"));
    }

    #[test]
    fn a_blank_display_name_is_rejected() {
        assert!(DisplayName::parse("   ").is_err());
        assert_eq!(
            DisplayName::parse(" Siti ").unwrap().as_str(),
            "Siti",
            "surrounding spaces are dropped"
        );
    }

    #[test]
    fn an_unknown_role_is_rejected() {
        assert_eq!(parse_role("officer").unwrap(), Role::Officer);
        assert_eq!(parse_role("boss").unwrap_err().code, "role_unknown");
    }

    #[test]
    fn a_supervisor_is_assigned_regencies_only() {
        assert!(Access::parse(Role::Supervisor, &codes(&["17.01", "17.71"]), None).is_ok());
        let problem = Access::parse(Role::Supervisor, &codes(&["17.01.01"]), None).unwrap_err();
        assert_eq!(problem.code, "regions_supervisor_level");
    }

    #[test]
    fn a_supervisor_without_regions_is_rejected() {
        assert!(Access::parse(Role::Supervisor, &[], None).is_err());
    }

    #[test]
    fn an_officer_is_assigned_districts_or_villages_only() {
        let access =
            Access::parse(Role::Officer, &codes(&["17.01.01.2001", "17.01.02"]), None).unwrap();
        assert_eq!(access.region_codes(), codes(&["17.01.01.2001", "17.01.02"]));
        assert!(Access::parse(Role::Officer, &codes(&["17.01"]), None).is_err());
    }

    #[test]
    fn an_admin_has_no_regions() {
        assert!(Access::parse(Role::Admin, &[], None).is_ok());
        assert!(Access::parse(Role::Admin, &codes(&["17.01"]), None).is_err());
    }

    #[test]
    fn a_malformed_region_code_is_reported_on_the_regions_field() {
        let problem = Access::parse(Role::Officer, &codes(&["17-01-01"]), None).unwrap_err();
        assert_eq!(problem.field, "regions");
    }

    #[test]
    fn a_region_missing_from_the_imported_list_is_rejected() {
        let directory = RegionDirectory::from_csv(
            "code,name\n17.01,Kabupaten Bengkulu Selatan\n",
            "code,regency_code,name\n17.01.01,17.01,Kedurang\n",
            "code,district_code,name\n",
        )
        .unwrap();
        assert!(Access::parse(Role::Officer, &codes(&["17.01.01"]), Some(&directory)).is_ok());
        let problem =
            Access::parse(Role::Officer, &codes(&["17.01.02"]), Some(&directory)).unwrap_err();
        assert_eq!(problem.code, "region_unknown");
    }

    #[test]
    fn duplicate_regions_are_kept_once() {
        let access =
            Access::parse(Role::Supervisor, &codes(&["17.02", "17.01", "17.02"]), None).unwrap();
        assert_eq!(access.region_codes(), codes(&["17.01", "17.02"]));
    }

    #[test]
    fn an_officers_scope_covers_their_own_id_and_areas() {
        let user = User {
            id: "u1".into(),
            username: "siti".into(),
            display_name: "Siti".into(),
            role: Role::Officer,
            regions: codes(&["17.01.01"]),
            disabled: false,
            scope_seq: 0,
            created_at: 0,
        };
        assert_eq!(
            user.scope(),
            Scope::Officer {
                user_id: "u1".into(),
                areas: codes(&["17.01.01"])
            }
        );
    }
}
