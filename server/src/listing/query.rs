//! The registrations table's query parameters (`regency`, `status`, `q`, `sort`, `page`,
//! …; see docs/supervisor-api.md), parsed and checked once for the table and the
//! exports. Every problem answers 400 naming the parameter, in both languages.
//!
//! Only supervisors and admins list registrations (`auth::SupervisorScope`); the filter always carries the
//! requester's scope, so a filter naming a region outside it finds nothing.

use jemput_shared::calendar::{self, DAY_MS};
use jemput_shared::choice::Choice;
use jemput_shared::domain::Nik;
use jemput_shared::domain::{RegionCode, RegionLevel};
use jemput_shared::registration::{Programme, ReviewStatus};

use crate::auth::Authenticated;
use crate::error::{ApiError, Message};
use crate::routes::ApiQuery;
use crate::store::listing::{PageRequest, RegistrationFilter, RegistrationOrder, Search, SortKey};

pub const DEFAULT_PER_PAGE: u64 = 50;
pub const MAX_PER_PAGE: u64 = 200;
/// Deep pages cost an ever longer skip; nobody pages this far by hand.
pub const MAX_PAGE: u64 = 100_000;
/// A name search of more words than this is not a name.
const MAX_SEARCH_WORDS: usize = 8;
const MAX_SEARCH_CHARS: usize = 100;

/// The query string as name–value pairs (a parameter given twice is refused below). A
/// query string that cannot be decoded is only reported after the caller's own checks.
pub type RawParams = Result<ApiQuery<Vec<(String, String)>>, ApiError>;

/// What the table and the exports were asked for.
#[derive(Debug, Clone)]
pub struct ListingRequest {
    pub filter: RegistrationFilter,
    pub order: RegistrationOrder,
    pub page: PageRequest,
}

/// Which parameters a caller accepts besides the filters and the sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// The table: `page` and `per_page`.
    Paging,
    /// Exports: `token` (read by the route); `page` and `per_page` are ignored, so the
    /// table's own query string works for its export link.
    Export,
}

/// The query string's pairs, or 400 when it cannot be decoded.
pub fn pairs(raw: RawParams) -> Result<Vec<(String, String)>, ApiError> {
    raw.map(|ApiQuery(pairs)| pairs)
}

/// The filter and sort of `pairs` in words, for the audit trail: every parameter but the
/// token and the paging, a search told only by its kind and length (it may be a NIK or a
/// name).
pub fn describe(pairs: &[(String, String)]) -> String {
    let kept: Vec<String> = pairs
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "token" | "page" | "per_page"))
        .map(|(name, value)| match name.as_str() {
            "q" if value.chars().all(|c| c.is_ascii_digit()) => {
                format!("q=<NIK, {} digits>", value.len())
            }
            "q" => format!("q=<name, {} characters>", value.chars().count()),
            _ => format!("{name}={}", value.chars().take(64).collect::<String>()),
        })
        .collect();
    if kept.is_empty() {
        "no filter".into()
    } else {
        kept.join("&")
    }
}

/// Parses the query string's pairs for `auth`'s listing.
pub fn parse(
    pairs: &[(String, String)],
    auth: &Authenticated,
    accepts: Accepts,
) -> Result<ListingRequest, ApiError> {
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in pairs {
        if seen.contains(&name.as_str()) {
            return Err(bad(
                "bad_query",
                format!("The parameter `{name}` is given twice."),
                format!("Parameter `{name}` diberikan dua kali."),
            ));
        }
        seen.push(name);
    }
    let mut request = ListingRequest {
        filter: RegistrationFilter::in_scope(auth.requester.scope.clone()),
        order: RegistrationOrder::default(),
        page: PageRequest {
            number: 1,
            per_page: DEFAULT_PER_PAGE,
        },
    };
    for (name, value) in pairs {
        let value = value.trim();
        // An empty value is an unset filter: a form submits its empty fields.
        if value.is_empty() {
            continue;
        }
        let filter = &mut request.filter;
        match name.as_str() {
            "regency" => filter.regency = Some(region(name, value, RegionLevel::Regency)?),
            "district" => filter.district = Some(region(name, value, RegionLevel::District)?),
            "village" => filter.village = Some(region(name, value, RegionLevel::Village)?),
            "programme" => filter.programme = Some(programme(value)?),
            "status" => filter.status = Some(status(value)?),
            "stage" => filter.stage = Some(one_of(name, "bad_stage", value)?),
            "step" => filter.step = Some(one_of(name, "bad_step", value)?),
            "officer" => filter.officer = Some(officer(value)?),
            "from" => filter.created_from_ms = Some(wib_day_start(name, value)?),
            "to" => filter.created_before_ms = Some(wib_day_start(name, value)? + DAY_MS),
            "q" => filter.search = search(value)?,
            "duplicates" => filter.include_duplicates = duplicates(value)?,
            "sort" => request.order.key = sort(value)?,
            "dir" => request.order.descending = direction(value)?,
            "page" | "per_page" if accepts == Accepts::Export => {}
            "page" => request.page.number = number(name, value, 1..=MAX_PAGE)?,
            "per_page" => request.page.per_page = number(name, value, 1..=MAX_PER_PAGE)?,
            "token" if accepts == Accepts::Export => {}
            _ => {
                return Err(bad(
                    "unknown_parameter",
                    format!("Unknown parameter `{name}`."),
                    format!("Parameter `{name}` tidak dikenal."),
                ))
            }
        }
    }
    if let (Some(from), Some(before)) = (
        request.filter.created_from_ms,
        request.filter.created_before_ms,
    ) {
        if from >= before {
            return Err(bad(
                "bad_date_range",
                "`from` must not be after `to`.".into(),
                "`from` tidak boleh setelah `to`.".into(),
            ));
        }
    }
    Ok(request)
}

fn bad(code: &'static str, en: String, id: String) -> ApiError {
    ApiError::BadRequest(Message::new(code, en, id))
}

fn region(name: &str, value: &str, level: RegionLevel) -> Result<String, ApiError> {
    let shape = match level {
        RegionLevel::Regency => "17.01",
        RegionLevel::District => "17.01.01",
        RegionLevel::Village => "17.01.01.2001",
    };
    match RegionCode::parse(value) {
        Ok(code) if code.level() == level => Ok(code.as_str().to_owned()),
        _ => Err(bad(
            "bad_region",
            format!("`{name}` must be a region code like {shape}."),
            format!("`{name}` harus kode wilayah seperti {shape}."),
        )),
    }
}

fn programme(value: &str) -> Result<String, ApiError> {
    one_of::<Programme>("programme", "bad_programme", value).map(|p| p.code().to_owned())
}

/// The choice `value` names, or 400 listing every code of `T`.
fn one_of<T: Choice>(name: &str, code: &'static str, value: &str) -> Result<T, ApiError> {
    T::from_code(value).ok_or_else(|| {
        let list = T::ALL
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(", ");
        bad(
            code,
            format!("`{name}` must be one of {list}."),
            format!("`{name}` harus salah satu dari {list}."),
        )
    })
}

fn status(value: &str) -> Result<String, ApiError> {
    ReviewStatus::from_code(value)
        .map(|status| status.code().to_owned())
        .ok_or_else(|| {
            bad(
                "bad_status",
                "`status` must be submitted, verified, needs_correction or rejected.".into(),
                "`status` harus submitted, verified, needs_correction atau rejected.".into(),
            )
        })
}

fn officer(value: &str) -> Result<String, ApiError> {
    if value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(value.to_owned())
    } else {
        Err(bad(
            "bad_officer",
            "`officer` must be a user id.".into(),
            "`officer` harus id pengguna.".into(),
        ))
    }
}

/// Digits only: a NIK prefix; otherwise the words of a name.
fn search(value: &str) -> Result<Option<Search>, ApiError> {
    if value.chars().all(|c| c.is_ascii_digit()) {
        if value.len() > Nik::DIGITS {
            return Err(bad(
                "bad_search",
                "A NIK has 16 digits; search for at most 16.".into(),
                "NIK terdiri dari 16 digit; cari paling banyak 16.".into(),
            ));
        }
        return Ok(Some(Search::NikPrefix(value.to_owned())));
    }
    let words: Vec<String> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if value.chars().count() > MAX_SEARCH_CHARS || words.len() > MAX_SEARCH_WORDS {
        return Err(bad(
            "bad_search",
            "Search for a NIK or a name of at most 8 words and 100 characters.".into(),
            "Cari NIK atau nama paling banyak 8 kata dan 100 karakter.".into(),
        ));
    }
    if words.is_empty() {
        return Err(bad(
            "bad_search",
            "Search for a NIK or a name (letters or digits).".into(),
            "Cari NIK atau nama (huruf atau angka).".into(),
        ));
    }
    Ok(Some(Search::NameWords(words)))
}

fn duplicates(value: &str) -> Result<bool, ApiError> {
    match value {
        "exclude" => Ok(false),
        "include" => Ok(true),
        _ => Err(bad(
            "bad_duplicates",
            "`duplicates` must be exclude or include.".into(),
            "`duplicates` harus exclude atau include.".into(),
        )),
    }
}

fn sort(value: &str) -> Result<SortKey, ApiError> {
    SortKey::ALL
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, key)| *key)
        .ok_or_else(|| {
            let list = SortKey::ALL.map(|(name, _)| name).join(", ");
            bad(
                "bad_sort",
                format!("`sort` must be one of {list}."),
                format!("`sort` harus salah satu dari {list}."),
            )
        })
}

fn direction(value: &str) -> Result<bool, ApiError> {
    match value {
        "desc" => Ok(true),
        "asc" => Ok(false),
        _ => Err(bad(
            "bad_dir",
            "`dir` must be asc or desc.".into(),
            "`dir` harus asc atau desc.".into(),
        )),
    }
}

fn number(name: &str, value: &str, range: std::ops::RangeInclusive<u64>) -> Result<u64, ApiError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            let (low, high) = (range.start(), range.end());
            bad(
                "bad_number",
                format!("`{name}` must be a whole number from {low} to {high}."),
                format!("`{name}` harus bilangan bulat dari {low} sampai {high}."),
            )
        })
}

/// The first millisecond of a WIB calendar day written `YYYY-MM-DD`.
fn wib_day_start(name: &str, value: &str) -> Result<i64, ApiError> {
    let problem = || {
        bad(
            "bad_date",
            format!("`{name}` must be a date written YYYY-MM-DD."),
            format!("`{name}` harus tanggal dengan format YYYY-MM-DD."),
        )
    };
    let date = calendar::parse_iso_date(value).ok_or_else(problem)?;
    Ok(calendar::wib_day_start_ms(date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jemput_shared::calendar::wib_date;

    #[test]
    fn a_wib_day_starts_at_five_in_the_afternoon_utc_the_day_before() {
        let start = wib_day_start("from", "2025-11-28").unwrap();
        assert_eq!(start, 20_420 * DAY_MS - 7 * 3_600_000);
        assert_eq!(wib_date(start), (2025, 11, 28));
        assert_eq!(wib_date(start - 1), (2025, 11, 27));
        assert_eq!(
            wib_date(wib_day_start("to", "2024-02-29").unwrap()),
            (2024, 2, 29)
        );
    }

    #[test]
    fn impossible_or_malformed_dates_are_refused() {
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "x",
        ] {
            assert!(wib_day_start("from", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digits_search_a_nik_and_anything_else_searches_names() {
        assert_eq!(
            search("170101").unwrap(),
            Some(Search::NikPrefix("170101".into()))
        );
        assert!(search("12345678901234567").is_err());
        assert_eq!(
            search("Siti  Rah-mawati").unwrap(),
            Some(Search::NameWords(vec![
                "siti".into(),
                "rah".into(),
                "mawati".into()
            ]))
        );
        assert!(search("--").is_err());
        assert!(search("a b c d e f g h i").is_err());
    }
}
