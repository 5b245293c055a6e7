//! `GET /api/regions`: the official region list, for any signed-in user. The officer's
//! app keeps it for the days without signal (address pickers, code checks); the
//! supervisor's screens name regions with it.

use serde::{Deserialize, Serialize};

use crate::domain::{RegionDataError, RegionDirectory};

/// Each level as its own list, by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionList {
    pub regencies: Vec<RegionEntry>,
    pub districts: Vec<RegionEntry>,
    pub villages: Vec<RegionEntry>,
}

/// One region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionEntry {
    /// Dotted Kemendagri code: `17.01`, `17.01.01` or `17.01.01.2001`.
    pub code: String,
    /// The code one level up; `None` for a regency or city.
    pub parent: Option<String>,
    pub name: String,
}

impl RegionList {
    /// The list as the shared [`RegionDirectory`]; `None` while no list is imported.
    pub fn directory(&self) -> Option<Result<RegionDirectory, RegionDataError>> {
        if self.regencies.is_empty() {
            return None;
        }
        // The directory reads the CSV form of the official files; write the lists so.
        let csv = |header: &str, entries: &[RegionEntry]| {
            let mut out = String::from(header);
            for entry in entries {
                out.push('\n');
                out.push_str(&entry.code);
                if let Some(parent) = &entry.parent {
                    out.push(',');
                    out.push_str(parent);
                }
                out.push(',');
                out.push_str(&quote(&entry.name));
            }
            out
        };
        Some(RegionDirectory::from_csv(
            &csv("code,name", &self.regencies),
            &csv("code,regency_code,name", &self.districts),
            &csv("code,district_code,name", &self.villages),
        ))
    }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RegionCode;

    fn entry(code: &str, parent: Option<&str>, name: &str) -> RegionEntry {
        RegionEntry {
            code: code.into(),
            parent: parent.map(Into::into),
            name: name.into(),
        }
    }

    #[test]
    fn a_list_becomes_a_directory_with_names_that_need_quoting() {
        let list = RegionList {
            regencies: vec![entry("17.01", None, "Bengkulu Selatan")],
            districts: vec![entry("17.01.01", Some("17.01"), "Kedurang, \"Ilir\"")],
            villages: vec![entry("17.01.01.2001", Some("17.01.01"), "Lawang Agung")],
        };
        let directory = list.directory().unwrap().unwrap();
        let district = RegionCode::parse("17.01.01").unwrap();
        assert_eq!(directory.name_of(&district), Some("Kedurang, \"Ilir\""));
        assert!(RegionList::default().directory().is_none());
    }
}
