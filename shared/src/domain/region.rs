//! [`RegionCode`]: a Kemendagri region code in its dotted form, and [`RegionDirectory`]:
//! the official list of codes and names, loaded from CSV text.
//!
//! Codes nest by prefix: `17.01` is a regency (kabupaten) or city (kota), `17.01.01` a
//! district (kecamatan) inside it, `17.01.01.2001` a village inside that. In a village's
//! fourth segment a leading `1` means kelurahan and `2` desa. So the shape alone tells a
//! code's level and parent; the directory is only needed to know a code really exists
//! and what it is called.
//!
//! The directory reads the CSV files described in `shared/data/regions/README.md` of the
//! repository root; it takes their text, not a path, so the browser app can fetch or
//! embed them however it likes.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::validation::FieldProblem;

/// How deep a code sits below the province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    /// Kabupaten or kota, `17.01`.
    Regency,
    /// Kecamatan, `17.01.01`.
    District,
    /// Desa or kelurahan, `17.01.01.2001`.
    Village,
}

/// A well-formed region code at regency, district or village level.
///
/// Ordering is by the dotted text, which puts every code right before the codes inside it
/// (`17.01` < `17.01.01` < `17.01.01.2001` < `17.01.02`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(String);

const FIELD: &str = "region";

/// Province codes in use run from 11 (Aceh) to 96 (Papua Barat Daya).
const PROVINCES: std::ops::RangeInclusive<u32> = 11..=96;

impl RegionCode {
    /// Parses `17.01`, `17.01.01` or `17.01.01.2001` (surrounding spaces ignored).
    /// Problems are reported on the field `"region"`; callers re-label them with
    /// [`FieldProblem::at`].
    pub fn parse(raw: &str) -> Result<RegionCode, FieldProblem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldProblem::error(
                FIELD,
                "region_required",
                "Kode wilayah wajib diisi.",
                "Region code is required.",
            ));
        }
        let format_problem = || {
            FieldProblem::error(
                FIELD,
                "region_format",
                format!(
                    "Kode wilayah {raw:?} tidak dikenal. Bentuknya seperti 17.01 (kabupaten/kota), \
                     17.01.01 (kecamatan) atau 17.01.01.2001 (desa/kelurahan)."
                ),
                format!(
                    "Region code {raw:?} is not recognised. It looks like 17.01 (regency/city), \
                     17.01.01 (district) or 17.01.01.2001 (village)."
                ),
            )
        };
        let segments: Vec<&str> = raw.split('.').collect();
        if !(2..=4).contains(&segments.len()) {
            return Err(format_problem());
        }
        for (i, segment) in segments.iter().enumerate() {
            let width = if i == 3 { 4 } else { 2 };
            let digits = segment.len() == width && segment.bytes().all(|b| b.is_ascii_digit());
            if !digits || segment.bytes().all(|b| b == b'0') {
                return Err(format_problem());
            }
        }
        let province: u32 = segments[0].parse().map_err(|_| format_problem())?;
        if !PROVINCES.contains(&province) {
            return Err(format_problem());
        }
        if let Some(village) = segments.get(3) {
            if !village.starts_with(['1', '2']) {
                return Err(FieldProblem::error(
                    FIELD,
                    "region_village_type",
                    format!(
                        "Kode desa/kelurahan {raw} salah: 4 digit terakhir harus diawali 1 \
                         (kelurahan) atau 2 (desa)."
                    ),
                    format!(
                        "Village code {raw} is wrong: the last 4 digits must start with 1 \
                         (kelurahan) or 2 (desa)."
                    ),
                ));
            }
            if &village[1..] == "000" {
                return Err(format_problem());
            }
        }
        Ok(RegionCode(raw.to_owned()))
    }

    /// The dotted form, e.g. `"17.01.01"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.matches('.').count() {
            1 => RegionLevel::Regency,
            2 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }

    /// The code one level up; `None` for a regency (provinces are not codes here).
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Regency => None,
            _ => {
                let cut = self
                    .0
                    .rfind('.')
                    .expect("a district or village code has a dot");
                Some(RegionCode(self.0[..cut].to_owned()))
            }
        }
    }

    /// True when this code is `other` or lies inside it (`17.01.01.2001` is within
    /// `17.01.01` and `17.01`).
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0
            .strip_prefix(other.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    /// The regency (or city) this code lies in; itself for a regency.
    pub fn regency(&self) -> RegionCode {
        RegionCode(self.0[..5].to_owned())
    }

    /// The district this code lies in; itself for a district, `None` for a regency.
    pub fn district(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Regency => None,
            _ => Some(RegionCode(self.0[..8].to_owned())),
        }
    }

    /// The two-digit province part, e.g. `"17"` for Bengkulu.
    pub fn province(&self) -> &str {
        &self.0[..2]
    }

    /// For a village: true for a kelurahan (urban, `1xxx`), false for a desa (`2xxx`).
    /// `None` above village level.
    pub fn is_kelurahan(&self) -> Option<bool> {
        match self.level() {
            RegionLevel::Village => Some(self.0.as_bytes()[9] == b'1'),
            _ => None,
        }
    }
}

/// Why region CSV text could not be loaded; names the file and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct RegionDataError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

/// The official regions: every regency, district and village code with its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionDirectory {
    /// Code → name. Sorted by code, so a code's descendants follow it directly and child
    /// lookups are a range scan; no separate child index is kept.
    names: BTreeMap<RegionCode, String>,
}

impl RegionDirectory {
    /// Loads the three CSV texts (`regencies.csv` with `code,name`, `districts.csv` with
    /// `code,regency_code,name`, `villages.csv` with `code,district_code,name`, each with
    /// its header row). Every code must be well formed, at the right level, unique, and
    /// listed under a parent that exists and matches its prefix.
    pub fn from_csv(
        regencies: &str,
        districts: &str,
        villages: &str,
    ) -> Result<Self, RegionDataError> {
        let mut directory = RegionDirectory::default();
        directory.load(
            "regencies.csv",
            regencies,
            RegionLevel::Regency,
            &["code", "name"],
        )?;
        directory.load(
            "districts.csv",
            districts,
            RegionLevel::District,
            &["code", "regency_code", "name"],
        )?;
        directory.load(
            "villages.csv",
            villages,
            RegionLevel::Village,
            &["code", "district_code", "name"],
        )?;
        Ok(directory)
    }

    fn load(
        &mut self,
        file: &'static str,
        text: &str,
        level: RegionLevel,
        header: &[&str],
    ) -> Result<(), RegionDataError> {
        let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
        let fail = |line: usize, message: String| RegionDataError {
            file,
            line,
            message,
        };

        let (_, first) = lines
            .next()
            .ok_or_else(|| fail(1, "the file is empty".into()))?;
        let found = split_csv_line(first).map_err(|m| fail(1, m))?;
        if found != header {
            return Err(fail(
                1,
                format!(
                    "expected the header {:?}, found {found:?}",
                    header.join(",")
                ),
            ));
        }

        for (line, text) in lines {
            if text.trim().is_empty() {
                continue;
            }
            let fields = split_csv_line(text).map_err(|m| fail(line, m))?;
            if fields.len() != header.len() {
                return Err(fail(
                    line,
                    format!("expected {} fields, found {}", header.len(), fields.len()),
                ));
            }
            let code = RegionCode::parse(&fields[0]).map_err(|p| fail(line, p.message_en))?;
            if code.level() != level {
                return Err(fail(line, format!("{code} is not a {level:?} code")));
            }
            if let Some(parent) = code.parent() {
                let listed = &fields[1];
                if listed != parent.as_str() {
                    return Err(fail(
                        line,
                        format!("{code} is listed under {listed}, not {parent}"),
                    ));
                }
                if !self.contains(&parent) {
                    return Err(fail(
                        line,
                        format!("{code}'s parent {parent} is not loaded"),
                    ));
                }
            }
            let name = fields.last().expect("at least two fields").trim();
            if name.is_empty() {
                return Err(fail(line, format!("{code} has no name")));
            }
            if self.names.contains_key(&code) {
                return Err(fail(line, format!("{code} appears twice")));
            }
            self.names.insert(code, name.to_owned());
        }
        Ok(())
    }

    /// True when `code` is an official region.
    pub fn contains(&self, code: &RegionCode) -> bool {
        self.names.contains_key(code)
    }

    /// The official name, e.g. `"Kabupaten Bengkulu Selatan"`, `"Kedurang"`.
    pub fn name_of(&self, code: &RegionCode) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// All regencies and cities, by code.
    pub fn regencies(&self) -> impl Iterator<Item = (&RegionCode, &str)> {
        self.names
            .iter()
            .filter(|(code, _)| code.level() == RegionLevel::Regency)
            .map(|(code, name)| (code, name.as_str()))
    }

    /// The districts in `regency`, by code; empty if it is unknown or not a regency.
    pub fn districts_of<'a>(
        &'a self,
        regency: &'a RegionCode,
    ) -> impl Iterator<Item = (&'a RegionCode, &'a str)> {
        self.children_of(regency, RegionLevel::Regency)
    }

    /// The villages in `district`, by code; empty if it is unknown or not a district.
    pub fn villages_of<'a>(
        &'a self,
        district: &'a RegionCode,
    ) -> impl Iterator<Item = (&'a RegionCode, &'a str)> {
        self.children_of(district, RegionLevel::District)
    }

    fn children_of<'a>(
        &'a self,
        parent: &'a RegionCode,
        parent_level: RegionLevel,
    ) -> impl Iterator<Item = (&'a RegionCode, &'a str)> {
        let right_level = parent.level() == parent_level;
        // Descendants sort right after their parent (whether or not the parent is listed),
        // so scan from there while codes stay inside it and keep the next level down.
        self.names
            .range((Bound::Excluded(parent), Bound::Unbounded))
            .take_while(move |(code, _)| right_level && code.is_within(parent))
            // Within and not equal, so the rest starts with '.'; one more segment only.
            .filter(move |(code, _)| !code.as_str()[parent.as_str().len() + 1..].contains('.'))
            .map(|(code, name)| (code, name.as_str()))
    }

    /// Number of codes at all levels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Splits one CSV line into fields. A field may be quoted (`"a, b"`, with `""` for a
/// quote inside); the region files never need it, but a spreadsheet re-saving them might
/// add quotes, and reading that wrongly would shift every name. Quoted line breaks are
/// not supported: no region name has one.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("a quoted field is not closed".into()),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => {}
                Some(c) => return Err(format!("unexpected {c:?} after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
        }
        fields.push(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_refused;

    fn code(raw: &str) -> RegionCode {
        RegionCode::parse(raw).unwrap()
    }

    const REGENCIES: &str = "code,name\n17.01,Kabupaten Bengkulu Selatan\n17.71,Kota Bengkulu\n";
    const DISTRICTS: &str = "code,regency_code,name\n\
        17.01.01,17.01,Kedurang\n\
        17.01.02,17.01,Seginim\n\
        17.71.01,17.71,Selebar\n";
    const VILLAGES: &str = "code,district_code,name\n\
        17.01.01.2001,17.01.01,Batu Ampar\n\
        17.01.01.2002,17.01.01,\"Pasar Jum'at, Lama\"\n\
        17.01.02.2001,17.01.02,Padang Kapuk\n\
        17.71.01.1001,17.71.01,Betungan\n";

    fn directory() -> RegionDirectory {
        RegionDirectory::from_csv(REGENCIES, DISTRICTS, VILLAGES).unwrap()
    }

    #[test]
    fn each_level_of_code_is_recognised() {
        assert_eq!(code("17.01").level(), RegionLevel::Regency);
        assert_eq!(code("17.01.01").level(), RegionLevel::District);
        assert_eq!(code(" 17.01.01.2001 ").level(), RegionLevel::Village);
        assert_eq!(code(" 17.01.01.2001 ").as_str(), "17.01.01.2001");
    }

    #[test]
    fn a_code_without_dots_or_with_wrong_widths_is_rejected() {
        assert_refused(
            RegionCode::parse,
            &[
                "17",
                "1701",
                "17.1",
                "17.01.1",
                "17.01.01.201",
                "17.01.01.20011",
                "17.01.01.2001.1",
                "17.0a",
            ],
            "region_format",
        );
        assert_refused(RegionCode::parse, &[""], "region_required");
    }

    #[test]
    fn zero_segments_and_unknown_provinces_are_rejected() {
        assert_refused(
            RegionCode::parse,
            &[
                "17.00",
                "17.01.00",
                "17.01.01.2000",
                "10.01",
                "97.01",
                "00.01",
            ],
            "region_format",
        );
    }

    #[test]
    fn a_village_segment_must_start_with_1_for_kelurahan_or_2_for_desa() {
        assert_refused(RegionCode::parse, &["17.01.01.3001"], "region_village_type");
        assert_eq!(code("17.71.01.1001").is_kelurahan(), Some(true));
        assert_eq!(code("17.01.01.2001").is_kelurahan(), Some(false));
        assert_eq!(code("17.01.01").is_kelurahan(), None);
    }

    #[test]
    fn a_parent_is_the_code_without_its_last_segment() {
        assert_eq!(code("17.01.01.2001").parent(), Some(code("17.01.01")));
        assert_eq!(code("17.01.01").parent(), Some(code("17.01")));
        assert_eq!(code("17.01").parent(), None);
    }

    #[test]
    fn the_regency_and_district_of_a_village_are_its_prefixes() {
        let village = code("17.71.01.1001");
        assert_eq!(village.regency(), code("17.71"));
        assert_eq!(village.district(), Some(code("17.71.01")));
        assert_eq!(code("17.71").regency(), code("17.71"));
        assert_eq!(code("17.71").district(), None);
        assert_eq!(village.province(), "17");
    }

    #[test]
    fn a_code_is_within_its_ancestors_and_itself_only() {
        let village = code("17.01.01.2001");
        assert!(village.is_within(&code("17.01.01")));
        assert!(village.is_within(&code("17.01")));
        assert!(village.is_within(&village));
        assert!(!village.is_within(&code("17.01.02")));
        assert!(!code("17.01").is_within(&village));
    }

    #[test]
    fn the_directory_names_codes_at_every_level() {
        let dir = directory();
        assert_eq!(dir.len(), 9);
        assert_eq!(dir.name_of(&code("17.71")), Some("Kota Bengkulu"));
        assert_eq!(dir.name_of(&code("17.01.02")), Some("Seginim"));
        assert_eq!(
            dir.name_of(&code("17.01.01.2002")),
            Some("Pasar Jum'at, Lama")
        );
        assert!(dir.contains(&code("17.01.01.2001")));
        assert!(!dir.contains(&code("17.01.01.2003")));
    }

    #[test]
    fn children_are_listed_by_code_one_level_down() {
        let dir = directory();
        let names = |it: Box<dyn Iterator<Item = (&RegionCode, &str)> + '_>| {
            it.map(|(_, n)| n.to_owned()).collect::<Vec<_>>()
        };
        assert_eq!(
            names(Box::new(dir.regencies())),
            ["Kabupaten Bengkulu Selatan", "Kota Bengkulu"]
        );
        let selatan = code("17.01");
        assert_eq!(
            names(Box::new(dir.districts_of(&selatan))),
            ["Kedurang", "Seginim"]
        );
        let kedurang = code("17.01.01");
        assert_eq!(
            names(Box::new(dir.villages_of(&kedurang))),
            ["Batu Ampar", "Pasar Jum'at, Lama"]
        );
        // Asking a regency for villages, or an unknown code for children, gives nothing.
        assert_eq!(dir.villages_of(&selatan).count(), 0);
        assert_eq!(dir.districts_of(&code("17.02")).count(), 0);
    }

    #[test]
    fn windows_line_endings_and_blank_lines_are_tolerated() {
        let regencies = "code,name\r\n17.01,Kabupaten Bengkulu Selatan\r\n\r\n";
        let dir = RegionDirectory::from_csv(
            regencies,
            "code,regency_code,name\n",
            "code,district_code,name\n",
        )
        .unwrap();
        assert_eq!(
            dir.name_of(&code("17.01")),
            Some("Kabupaten Bengkulu Selatan")
        );
    }

    #[test]
    fn a_district_listed_under_the_wrong_regency_is_rejected() {
        let districts = "code,regency_code,name\n17.01.01,17.71,Kedurang\n";
        let err = RegionDirectory::from_csv(REGENCIES, districts, "code,district_code,name\n")
            .unwrap_err();
        assert_eq!((err.file, err.line), ("districts.csv", 2));
    }

    #[test]
    fn a_village_whose_district_is_missing_is_rejected() {
        let villages = "code,district_code,name\n17.01.03.2001,17.01.03,Nowhere\n";
        let err = RegionDirectory::from_csv(REGENCIES, DISTRICTS, villages).unwrap_err();
        assert_eq!((err.file, err.line), ("villages.csv", 2));
        assert!(err.to_string().contains("17.01.03"), "{err}");
    }

    #[test]
    fn a_wrong_header_duplicate_or_wrong_level_is_rejected() {
        let load = |r: &str| {
            RegionDirectory::from_csv(r, "code,regency_code,name\n", "code,district_code,name\n")
        };
        assert_eq!(load("kode,nama\n").unwrap_err().line, 1);
        assert_eq!(load("code,name\n17.01,A\n17.01,B\n").unwrap_err().line, 3);
        assert_eq!(load("code,name\n17.01.01,A\n").unwrap_err().line, 2);
        assert_eq!(load("code,name\n17.01\n").unwrap_err().line, 2);
    }

    #[test]
    fn quoted_csv_fields_may_hold_commas_and_quotes() {
        assert_eq!(
            split_csv_line(r#"a,"b, ""c""",d"#).unwrap(),
            ["a", r#"b, "c""#, "d"]
        );
        assert_eq!(split_csv_line("a,,").unwrap(), ["a", "", ""]);
        assert_eq!(split_csv_line(r#""x""#).unwrap(), ["x"]);
        assert!(split_csv_line(r#""open"#).is_err());
        assert!(split_csv_line(r#""a"b"#).is_err());
    }

    /// The one test that reads the real Bengkulu lists, which live outside the crate.
    #[test]
    fn the_official_bengkulu_lists_load_completely() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/regions/");
        let read = |file: &str| std::fs::read_to_string(format!("{dir}{file}"));
        let (Ok(regencies), Ok(districts), Ok(villages)) = (
            read("regencies.csv"),
            read("districts.csv"),
            read("villages.csv"),
        ) else {
            println!("note: region lists not found under {dir}; skipping");
            return;
        };
        let dir = RegionDirectory::from_csv(&regencies, &districts, &villages).unwrap();
        // Counts from the data README.
        assert_eq!(dir.regencies().count(), 10);
        assert_eq!(dir.len(), 10 + 129 + 1513);
        assert_eq!(dir.name_of(&code("17.71")), Some("Kota Bengkulu"));
        assert_eq!(dir.districts_of(&code("17.03")).count(), 19);
        let villages_in_kota: usize = dir
            .districts_of(&code("17.71"))
            .map(|(district, _)| dir.villages_of(district).count())
            .sum();
        assert_eq!(villages_in_kota, 67);
    }
}
