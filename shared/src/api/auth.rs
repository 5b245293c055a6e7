//! Signing in: `POST /api/auth/login` and `GET /api/auth/me`; a phone's PIN recovery key:
//! `POST /api/auth/recovery-key`; a locked phone asking whether it was marked lost:
//! `POST /api/auth/device-check`.

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
    /// The device this login replaces on the same phone (a new login after a PIN
    /// lock-out or a refused token): its token, sealed on the phone and out of reach, is
    /// revoked. Ignored unless the proof is right and the device is the same user's.
    #[serde(default)]
    pub replaces: Option<DeviceCheck>,
}

/// A successful login: a new device with its own token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// The device's identity in sync.
    pub device_id: String,
    pub user: UserView,
    /// The device's check ([`DeviceCheck::check`]): kept in clear on the phone, it lets a
    /// locked app ask whether the device was marked lost, and a later login replace it.
    #[serde(default)]
    pub device_check: String,
    /// An officer's device's receipt key (`crate::receipt::ReceiptKey`, encoded): signs
    /// the receipts it gives citizens offline. The phone keeps it sealed; other roles get
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_key: Option<String>,
}

/// A device's proof of itself that needs no token: the device's id and a check the
/// server derived from it at login (an HMAC only the server can make). It opens no
/// record and no session: it only asks whether the device was marked lost, confirms its
/// wipe, or names the device a new login on the same phone replaces. So the app keeps it
/// in clear and can use it while locked. The body of `POST /api/auth/device-check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCheck {
    pub device_id: String,
    pub check: String,
}

impl DeviceCheck {
    /// Longest id or check accepted (ids are UUIDs, checks 43 characters).
    pub const MAX_LENGTH: usize = 64;
}

/// The answer to `POST /api/auth/device-check`: whether an admin marked the device lost
/// (then the app deletes everything of its user and confirms with
/// `POST /api/auth/wipe-confirmed`, sending the same check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCheckAnswer {
    pub lost: bool,
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

/// The body of `POST /api/auth/recovery-key`: the id of a phone's recovery key, chosen at
/// random by the phone when its officer sets a PIN and kept only there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryKeyRequest {
    pub key_id: String,
}

impl RecoveryKeyRequest {
    /// Characters an id may have (a UUID's, or any URL-safe token's).
    pub const ID_LENGTH: std::ops::RangeInclusive<usize> = 16..=64;

    /// True when `key_id` has 16–64 URL-safe characters.
    pub fn is_well_formed(&self) -> bool {
        Self::ID_LENGTH.contains(&self.key_id.len())
            && self
                .key_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

/// The answer: the 256-bit key (URL-safe base64, no padding) that wraps the phone's data
/// key beside the PIN. The same user and id always get the same key; it is released only
/// to a signed-in session of that user, i.e. after a password login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryKey {
    pub key: String,
}
