//! The body of every error answer: `{"error": {"code", "message", "message_id",
//! "field"?}}` — `message` in English, `message_id` in Bahasa Indonesia, `field` naming
//! the input at fault when there is one.

use serde::{Deserialize, Serialize};

/// The code of the answer a device marked lost gets at its next contact (with a 401): its
/// app deletes everything of its user, confirms at `POST /api/auth/wipe-confirmed`, and
/// shows the sign-in page.
pub const DEVICE_WIPED: &str = "device_wiped";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable machine-readable code (`invalid_credentials`, `bad_query`, …).
    pub code: String,
    /// The English message.
    pub message: String,
    /// The Bahasa Indonesia message.
    pub message_id: String,
    /// The field or parameter at fault (`nik`, `role`, `targets`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
