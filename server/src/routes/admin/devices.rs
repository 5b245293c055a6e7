//! A user's signed-in devices, revoking one (a phone replaced), and marking one lost (a
//! phone lost or stolen: its app wipes itself at its next contact, see `auth`).

use axum::extract::{Path, State};
use axum::Json;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::users::{DeviceList, DeviceView};

use super::users::user_not_found;
use crate::accounts::Device;
use crate::audit::{self, AuditEvent};
use crate::auth::{Admin, Authenticated};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::StoreError;

/// A signed-in device as admins see it.
impl From<Device> for DeviceView {
    fn from(device: Device) -> Self {
        DeviceView {
            id: device.id,
            user_id: device.user_id,
            name: device.name,
            created_at: device.created_at,
            last_seen_at: device.last_seen_at,
            last_sync_at: device.last_sync_at,
            revoked_at: device.revoked_at,
            lost_at: device.lost_at,
            wipe_confirmed_at: device.wipe_confirmed_at,
            unsent_at_last_sync: device.unsent_at_last_sync,
        }
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    Path(user_id): Path<String>,
) -> Result<Json<DeviceList>, ApiError> {
    if state.store.user_by_id(&user_id).await?.is_none() {
        return Err(user_not_found());
    }
    let devices = state.store.list_devices(&user_id).await?;
    Ok(Json(DeviceList {
        devices: devices.into_iter().map(DeviceView::from).collect(),
    }))
}

/// Signs a device out for good (a phone replaced: unsent records wait for a new login).
/// Revoking twice is harmless.
pub(super) async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(device_id): Path<String>,
) -> Result<Json<DeviceView>, ApiError> {
    let revoked = state.store.revoke_device(&device_id, now_ms()).await;
    changed(&state, &admin, revoked, AuditAction::DeviceRevoked).await
}

/// Marks a device lost: its token stops working, and its next contact answers
/// `device_wiped`, on which the app deletes everything of its user. Twice is harmless.
pub(super) async fn mark_lost(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(device_id): Path<String>,
) -> Result<Json<DeviceView>, ApiError> {
    let lost = state.store.mark_device_lost(&device_id, now_ms()).await;
    changed(&state, &admin, lost, AuditAction::DeviceMarkedLost).await
}

/// The device an admin's `action` changed, once the change is logged and in the audit
/// trail; an unknown id answers 404.
async fn changed(
    state: &AppState,
    admin: &Authenticated,
    device: Result<Device, StoreError>,
    action: AuditAction,
) -> Result<Json<DeviceView>, ApiError> {
    let device = device.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("Device", "Perangkat"),
        other => other.into(),
    })?;
    tracing::info!(by = %admin.user.username, device = %device.id, action = action.code(), "device changed");
    let event = AuditEvent::new(action)
        .target(&device.id)
        .detail(format!("of user {}", device.user_id));
    audit::record(state, admin, event).await?;
    Ok(Json(device.into()))
}
