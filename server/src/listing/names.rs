//! Names beside codes for listed registrations: region names from the official list the
//! server holds, officers' usernames and display names from the users. Looked up in
//! memory per request (a province has a few thousand regions and a few hundred users),
//! so the store's listing queries stay single-table. The rows themselves are the shared
//! API's [`TableRow`], built here from the projection for the table and the duplicates
//! queue alike.

use std::collections::HashMap;

use jemput_shared::api::registrations::TableRow;
use jemput_shared::registration::{Gender, Programme, ReviewStatus};

use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::projection::ProjectionRow;

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

    pub fn table_row(&self, row: &ProjectionRow) -> TableRow {
        TableRow {
            id: row.id.clone(),
            full_name: row.full_name.clone(),
            nik: row.nik.clone(),
            gender: gender(&row.gender),
            birth_date: row.birth_date.clone(),
            regency: row.regency.clone(),
            regency_name: self.region(&row.regency).map(str::to_owned),
            district: row.district.clone(),
            district_name: self.region(&row.district).map(str::to_owned),
            village: row.village.clone(),
            village_name: self.region(&row.village).map(str::to_owned),
            programmes: programmes(&row.programmes),
            status: status(&row.status),
            registered_by: row.registered_by.clone(),
            officer_name: self
                .officer(&row.registered_by)
                .map(|(_, name)| name.to_owned()),
            created_at: row.created_at,
            updated_at: row.updated_at,
            duplicate_of: row.duplicate_of.clone(),
            stage: row.stage(),
        }
    }
}

// The projection holds the codes the documents' enums wrote, so each one reads back;
// the fallbacks only guard against a row written by hand.

/// The projection's gender code as the enum.
pub fn gender(code: &str) -> Gender {
    Gender::from_code(code).unwrap_or_default()
}

/// The projection's review status code as the enum.
pub fn status(code: &str) -> ReviewStatus {
    ReviewStatus::from_code(code).unwrap_or_default()
}

/// The projection's programme codes as the enum.
pub fn programmes(codes: &[String]) -> Vec<Programme> {
    codes
        .iter()
        .filter_map(|c| Programme::from_code(c))
        .collect()
}
