//! Calls behind the admin screens (`docs/supervisor-api.md`, "Admin" and "Targets"):
//! users, their devices, targets and the region list import. Answers are decoded into
//! the few small structs below; failures are the usual [`ApiFailure`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::api::{bad_answer, send, text_of, ApiFailure};

/// An account as the admin list shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// `officer`, `supervisor` or `admin`.
    pub role: String,
    pub regions: Vec<String>,
    pub disabled: bool,
}

/// A signed-in browser or phone of a user (times in ms since the epoch).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub created_at: f64,
    pub last_sync_at: Option<f64>,
    pub revoked_at: Option<f64>,
}

/// A yearly target: province-wide when `regency` is `None`, for every programme when
/// `programme` is `None`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Target {
    pub regency: Option<String>,
    pub programme: Option<String>,
    pub yearly: u32,
}

/// What a region list import stored.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportSummary {
    pub regencies: usize,
    pub districts: usize,
    pub villages: usize,
}

/// The body of `POST /api/admin/users`.
#[derive(Debug, Serialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
    pub role: String,
    pub regions: Vec<String>,
}

/// The body of `PATCH /api/admin/users/{id}`: what is left out stays as it is.
#[derive(Debug, Default, Serialize)]
pub struct UserChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

#[derive(Serialize)]
struct RegionFiles {
    regencies_csv: String,
    districts_csv: String,
    villages_csv: String,
}

#[derive(Deserialize)]
struct Users {
    users: Vec<User>,
}

#[derive(Deserialize)]
struct Devices {
    devices: Vec<Device>,
}

#[derive(Serialize, Deserialize)]
struct Targets {
    targets: Vec<Target>,
}

pub async fn users(token: &str) -> Result<Vec<User>, ApiFailure> {
    let list: Users = decode(&call(token, "GET", "/api/admin/users", None).await?)?;
    Ok(list.users)
}

pub async fn create_user(token: &str, user: &NewUser) -> Result<(), ApiFailure> {
    call(token, "POST", "/api/admin/users", Some(to_json(user)))
        .await
        .map(drop)
}

pub async fn update_user(token: &str, id: &str, changes: &UserChanges) -> Result<(), ApiFailure> {
    let path = format!("/api/admin/users/{id}");
    call(token, "PATCH", &path, Some(to_json(changes)))
        .await
        .map(drop)
}

pub async fn devices(token: &str, user_id: &str) -> Result<Vec<Device>, ApiFailure> {
    let path = format!("/api/admin/users/{user_id}/devices");
    let list: Devices = decode(&call(token, "GET", &path, None).await?)?;
    Ok(list.devices)
}

pub async fn revoke_device(token: &str, device_id: &str) -> Result<(), ApiFailure> {
    let path = format!("/api/admin/devices/{device_id}/revoke");
    call(token, "POST", &path, None).await.map(drop)
}

pub async fn targets(token: &str) -> Result<Vec<Target>, ApiFailure> {
    let list: Targets = decode(&call(token, "GET", "/api/targets", None).await?)?;
    Ok(list.targets)
}

/// Replaces every target.
pub async fn save_targets(token: &str, targets: Vec<Target>) -> Result<(), ApiFailure> {
    let body = to_json(&Targets { targets });
    call(token, "PUT", "/api/admin/targets", Some(body))
        .await
        .map(drop)
}

pub async fn import_regions(
    token: &str,
    regencies_csv: String,
    districts_csv: String,
    villages_csv: String,
) -> Result<ImportSummary, ApiFailure> {
    let body = to_json(&RegionFiles {
        regencies_csv,
        districts_csv,
        villages_csv,
    });
    decode(&call(token, "POST", "/api/admin/regions/import", Some(body)).await?)
}

/// One request with an optional JSON body; the answer's text.
async fn call(
    token: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<String, ApiFailure> {
    let body = body.map(|b| ("application/json", JsValue::from_str(&b)));
    let response = send(method, path, Some(token), body).await?;
    text_of(&response).await
}

fn to_json<T: Serialize>(body: &T) -> String {
    // Plain strings, numbers and lists: serializing them cannot fail.
    serde_json::to_string(body).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiFailure> {
    serde_json::from_str(text).map_err(|_| bad_answer())
}
