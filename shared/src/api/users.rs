//! Administration (admins only): `GET`/`POST /api/admin/users`,
//! `PATCH /api/admin/users/{id}`, `GET /api/admin/users/{id}/devices`,
//! `POST /api/admin/devices/{id}/revoke`, `POST /api/admin/regions/import`,
//! `GET /api/admin/stats`.
//!
//! Roles in request bodies are codes (`String`), not [`crate::policy::Role`]: the server
//! parses them itself so that an unknown role is refused naming the field `role`, like
//! every other bad field of the form.

use serde::{Deserialize, Serialize};

pub use super::auth::UserView;

/// `GET /api/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserView>,
}

/// The body of `POST /api/admin/users`. Unknown fields are refused: a misspelt
/// "display-name" silently ignored would look like a change that did not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    /// `officer`, `supervisor` or `admin`.
    pub role: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// The body of `PATCH /api/admin/users/{id}`: what is left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A new password ends every other session of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// A signed-in phone or browser of a user, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: String,
    pub user_id: String,
    /// What the user called it at login, possibly empty.
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub last_sync_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When an admin marked it lost (its app wipes at its next contact).
    #[serde(default)]
    pub lost_at: Option<i64>,
    /// When the lost device's app confirmed the wipe.
    #[serde(default)]
    pub wipe_confirmed_at: Option<i64>,
    /// Records it had not yet sent at its last sync, as it said (`None`: never said).
    #[serde(default)]
    pub unsent_at_last_sync: Option<i64>,
}

/// `GET /api/admin/users/{id}/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
}

/// The body of `POST /api/admin/regions/import`: the three official CSV files' text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRegions {
    pub regencies_csv: String,
    pub districts_csv: String,
    pub villages_csv: String,
}

/// What a region list import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub regencies: usize,
    pub districts: usize,
    pub villages: usize,
}

/// `GET /api/admin/stats`: totals for operators and the load generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub registrations: u64,
}
