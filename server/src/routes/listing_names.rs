//! Names beside codes for listed registrations: region names from the official list the
//! server holds, officers' usernames and display names from the users. Looked up in
//! memory per request (a province has a few thousand regions and a few hundred users),
//! so the store's listing queries stay single-table. [`TableRow`] is a registration as
//! the table (and the duplicates queue) shows it.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::listing::ListedRegistration;

/// Code → name of every region, and user id → (username, display name).
pub struct RowNames {
    regions: HashMap<String, String>,
    officers: HashMap<String, (String, String)>,
}

impl RowNames {
    pub async fn load(state: &AppState) -> Result<RowNames, ApiError> {
        let mut regions = HashMap::new();
        if let Some(directory) = state.regions.directory() {
            for (regency, name) in directory.regencies() {
                regions.insert(regency.as_str().to_owned(), name.to_owned());
                for (district, name) in directory.districts_of(regency) {
                    regions.insert(district.as_str().to_owned(), name.to_owned());
                    for (village, name) in directory.villages_of(district) {
                        regions.insert(village.as_str().to_owned(), name.to_owned());
                    }
                }
            }
        }
        let officers = state
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|user| (user.id, (user.username, user.display_name)))
            .collect();
        Ok(RowNames { regions, officers })
    }

    /// The region's official name; `None` for a code not (or no longer) in the list.
    pub fn region(&self, code: &str) -> Option<&str> {
        self.regions.get(code).map(String::as_str)
    }

    /// The officer's username and display name; `None` for an unknown user id.
    pub fn officer(&self, user_id: &str) -> Option<(&str, &str)> {
        self.officers
            .get(user_id)
            .map(|(username, display)| (username.as_str(), display.as_str()))
    }

    pub fn table_row<'a>(&'a self, row: &'a ListedRegistration) -> TableRow<'a> {
        TableRow {
            id: &row.id,
            full_name: &row.full_name,
            nik: &row.nik,
            gender: &row.gender,
            birth_date: &row.birth_date,
            regency: &row.regency,
            regency_name: self.region(&row.regency),
            district: &row.district,
            district_name: self.region(&row.district),
            village: &row.village,
            village_name: self.region(&row.village),
            programmes: &row.programmes,
            status: &row.status,
            registered_by: &row.registered_by,
            officer_name: self.officer(&row.registered_by).map(|(_, name)| name),
            created_at: row.created_at,
            updated_at: row.updated_at,
            duplicate_of: row.duplicate_of.as_deref(),
        }
    }
}

/// One row of the registrations table, as JSON.
#[derive(Debug, Serialize)]
pub struct TableRow<'a> {
    pub id: &'a str,
    pub full_name: &'a str,
    pub nik: &'a str,
    pub gender: &'a str,
    pub birth_date: &'a str,
    pub regency: &'a str,
    pub regency_name: Option<&'a str>,
    pub district: &'a str,
    pub district_name: Option<&'a str>,
    pub village: &'a str,
    pub village_name: Option<&'a str>,
    pub programmes: &'a [String],
    pub status: &'a str,
    pub registered_by: &'a str,
    pub officer_name: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
    pub duplicate_of: Option<&'a str>,
}
