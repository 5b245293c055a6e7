//! The official region list on the server: importing it from the CSV files described in
//! `shared/data/regions/README.md` (the CLI and the admin API share [`import`]), and the
//! in-memory [`RegionCatalog`] that sync validation and account checks read.
//!
//! Parsing is `jemput_shared::domain::RegionDirectory`'s, the same the app uses, so the
//! server accepts exactly the list the form knows. The store keeps the list as rows; the
//! catalog rebuilds a directory from them at start.

use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use jemput_shared::domain::{RegionDataError, RegionDirectory};

use crate::error::{ApiError, Message};
use crate::store::{Region, Store, StoreError};

/// The region list the running server validates against. Cheap to clone; an import
/// swaps the whole list at once, so a reader sees the old list or the new, never a mix.
#[derive(Clone, Default)]
pub struct RegionCatalog {
    current: Arc<RwLock<Arc<RegionDirectory>>>,
}

impl RegionCatalog {
    /// Loads what the store holds (possibly nothing yet).
    pub async fn load(store: &dyn Store) -> anyhow::Result<RegionCatalog> {
        let rows = store.list_regions().await?;
        let directory = directory_from_rows(&rows)?;
        Ok(RegionCatalog {
            current: Arc::new(RwLock::new(Arc::new(directory))),
        })
    }

    /// The imported list, or `None` before any import (validation then checks region
    /// codes for shape only).
    pub fn directory(&self) -> Option<Arc<RegionDirectory>> {
        let current = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (!current.is_empty()).then(|| Arc::clone(&current))
    }

    fn replace(&self, directory: RegionDirectory) {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = Arc::new(directory);
    }
}

/// How many regions of each level an import stored (the API's answer to an import).
pub use jemput_shared::api::users::ImportSummary;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Invalid(#[from] RegionDataError),
    #[error("the files list no regency")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Invalid(e) => ApiError::BadRequest(Message::new(
                "regions_invalid",
                e.to_string(),
                format!("Berkas {} baris {} salah: {}", e.file, e.line, e.message),
            )),
            ImportError::Empty => ApiError::BadRequest(Message::new(
                "regions_empty",
                "The files list no regency.",
                "Berkas tidak berisi satu pun kabupaten/kota.",
            )),
            ImportError::Store(e) => ApiError::Store(e),
        }
    }
}

/// Checks the three CSV texts and replaces the stored list with them (all or nothing),
/// then the catalog's, when given one (the CLI has no running catalog).
pub async fn import(
    store: &dyn Store,
    catalog: Option<&RegionCatalog>,
    regencies_csv: &str,
    districts_csv: &str,
    villages_csv: &str,
) -> Result<ImportSummary, ImportError> {
    let directory = RegionDirectory::from_csv(regencies_csv, districts_csv, villages_csv)?;
    let rows = rows_of(&directory);
    let summary = ImportSummary {
        regencies: rows.iter().filter(|r| depth(r) == 1).count(),
        districts: rows.iter().filter(|r| depth(r) == 2).count(),
        villages: rows.iter().filter(|r| depth(r) == 3).count(),
    };
    if summary.regencies == 0 {
        return Err(ImportError::Empty);
    }
    store.replace_regions(rows).await?;
    if let Some(catalog) = catalog {
        catalog.replace(directory);
    }
    Ok(summary)
}

/// [`import`] from `DIR/regencies.csv`, `districts.csv` and `villages.csv` (the CLI's
/// `regions import DIR`, and demo data).
pub async fn import_dir(store: &dyn Store, dir: &Path) -> anyhow::Result<ImportSummary> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let (regencies, districts, villages) = (
        read("regencies.csv")?,
        read("districts.csv")?,
        read("villages.csv")?,
    );
    Ok(import(store, None, &regencies, &districts, &villages).await?)
}

/// Every region of the directory as a row, parents before children.
fn rows_of(directory: &RegionDirectory) -> Vec<Region> {
    let mut rows = Vec::with_capacity(directory.len());
    for (regency, name) in directory.regencies() {
        rows.push(row(regency.as_str(), None, name));
        for (district, name) in directory.districts_of(regency) {
            rows.push(row(district.as_str(), Some(regency.as_str()), name));
            for (village, name) in directory.villages_of(district) {
                rows.push(row(village.as_str(), Some(district.as_str()), name));
            }
        }
    }
    rows
}

fn row(code: &str, parent: Option<&str>, name: &str) -> Region {
    Region {
        code: code.to_owned(),
        parent: parent.map(str::to_owned),
        name: name.to_owned(),
    }
}

/// Rebuilds the directory from stored rows by writing them back as the CSV it reads, so
/// one parser decides what a valid list is.
fn directory_from_rows(rows: &[Region]) -> Result<RegionDirectory, RegionDataError> {
    let mut regencies = String::from("code,name\n");
    let mut districts = String::from("code,regency_code,name\n");
    let mut villages = String::from("code,district_code,name\n");
    for region in rows {
        let name = quoted(&region.name);
        match depth(region) {
            1 => regencies.push_str(&format!("{},{name}\n", region.code)),
            2 => districts.push_str(&format!(
                "{},{},{name}\n",
                region.code,
                region.parent.as_deref().unwrap_or_default()
            )),
            _ => villages.push_str(&format!(
                "{},{},{name}\n",
                region.code,
                region.parent.as_deref().unwrap_or_default()
            )),
        }
    }
    RegionDirectory::from_csv(&regencies, &districts, &villages)
}

/// 1 for a regency, 2 for a district, 3 for a village: the dots in its code.
fn depth(region: &Region) -> usize {
    region.code.matches('.').count()
}

/// A CSV field in quotes, so commas and quotes in a name survive.
fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGENCIES: &str = "code,name\n17.01,Kabupaten Bengkulu Selatan\n17.71,Kota Bengkulu\n";
    const DISTRICTS: &str =
        "code,regency_code,name\n17.01.01,17.01,Kedurang\n17.71.01,17.71,\"Selebar, Kota\"\n";
    const VILLAGES: &str =
        "code,district_code,name\n17.01.01.2001,17.01.01,Batu Ampar\n17.71.01.1001,17.71.01,Pasar Jum'at\n";

    #[test]
    fn rows_come_out_parents_first_and_rebuild_the_same_directory() {
        let directory = RegionDirectory::from_csv(REGENCIES, DISTRICTS, VILLAGES).unwrap();
        let rows = rows_of(&directory);
        let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "17.01",
                "17.01.01",
                "17.01.01.2001",
                "17.71",
                "17.71.01",
                "17.71.01.1001"
            ]
        );
        assert_eq!(rows[1].parent.as_deref(), Some("17.01"));
        assert_eq!(directory_from_rows(&rows).unwrap(), directory);
    }

    #[test]
    fn no_rows_make_an_empty_directory() {
        assert!(directory_from_rows(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_bad_file_is_reported_with_its_name_and_line_in_both_languages() {
        let error = RegionDirectory::from_csv(
            REGENCIES,
            "code,regency_code,name\n17.09.01,17.01,X\n",
            VILLAGES,
        )
        .unwrap_err();
        let api: ApiError = ImportError::Invalid(error).into();
        let ApiError::BadRequest(message) = api else {
            panic!("expected a bad request");
        };
        assert!(message.message_en.contains("districts.csv line 2"));
        assert!(message.message_id.contains("districts.csv baris 2"));
    }
}
