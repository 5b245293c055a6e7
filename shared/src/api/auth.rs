//! Signing in: `POST /api/auth/login` and `GET /api/auth/me`.

use serde::{Deserialize, Serialize};

use crate::policy::Role;

/// The body of `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// What the user calls this phone or browser, shown to admins in the device list.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// A successful login: a new device with its own token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// The device's identity in sync.
    pub device_id: String,
    pub user: UserView,
}

/// `GET /api/auth/me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub device_id: String,
    pub user: UserView,
}

/// A user as the API shows them (never the password hash): at login, in `me`, in the
/// admin's user list. The browser apps keep the one of their login in local storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Region codes: regencies for a supervisor, districts or villages for an officer,
    /// none for an admin.
    pub regions: Vec<String>,
    // Sessions stored before these fields existed still read.
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub created_at: i64,
}
