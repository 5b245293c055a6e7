//! Users: listing, creating and changing them (role, regions, password, enabled).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::api::users::{CreateUser, UpdateUser, UserList, UserView};
use jemput_shared::policy::Role;

use crate::accounts::{parse_role, Access, DisplayName, NewUser, Password, UserChanges, Username};
use crate::audit::{self, AuditEvent};
use crate::auth::{self, Admin};
use crate::error::{ApiError, Message};
use crate::routes::ApiJson;
use crate::startup::AppState;
use crate::store::StoreError;

pub(super) async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<UserList>, ApiError> {
    let users = state.store.list_users().await?;
    Ok(Json(UserList {
        users: users.into_iter().map(UserView::from).collect(),
    }))
}

pub(super) async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let username = Username::parse(&request.username)?;
    let display_name = match &request.display_name {
        Some(name) => DisplayName::parse(name)?,
        None => DisplayName::from_username(&username),
    };
    let role = parse_role(&request.role)?;
    let directory = state.regions.directory();
    let access = Access::parse(role, &request.regions, directory.as_deref())?;
    let password = Password::parse(
        request.password,
        &[username.as_str(), display_name.as_str()],
    )?;
    let new_user = NewUser {
        username,
        display_name,
        access,
        password_hash: auth::hash_password(password).await?,
    };
    let username = new_user.username.clone();
    let user = state
        .store
        .create_user(new_user)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict(Message::new(
                "username_taken",
                format!("The username {username} is already taken."),
                format!("Nama pengguna {username} sudah dipakai."),
            )),
            other => other.into(),
        })?;
    tracing::info!(by = %admin.user.username, user = %user.username, role = user.role.code(), "user created");
    let event = AuditEvent::new(AuditAction::UserCreated)
        .target(&user.id)
        .detail(format!(
            "{} ({}; {})",
            user.username,
            user.role.code(),
            user.regions.join(" ")
        ));
    audit::record(&state, &admin, event).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

pub(super) async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateUser>,
) -> Result<Json<UserView>, ApiError> {
    let current = state
        .store
        .user_by_id(&id)
        .await?
        .ok_or_else(user_not_found)?;
    let changed = changed_fields(&request);
    let mut changes = UserChanges {
        disabled: request.disabled,
        ..Default::default()
    };
    if let Some(name) = &request.display_name {
        changes.display_name = Some(DisplayName::parse(name)?);
    }
    if request.role.is_some() || request.regions.is_some() {
        let role = match &request.role {
            Some(code) => parse_role(code)?,
            None => current.role,
        };
        // Regions left out stay as they are, except that a new admin drops them (an
        // admin covers everything); other role changes must fit the kept regions.
        let regions = match request.regions {
            Some(regions) => regions,
            None if role == Role::Admin => Vec::new(),
            None => current.regions.clone(),
        };
        let directory = state.regions.directory();
        changes.access = Some(Access::parse(role, &regions, directory.as_deref())?);
    }
    // An admin who disables or demotes themselves may leave nobody able to undo it.
    let locks_self_out = changes.disabled == Some(true)
        || changes
            .access
            .as_ref()
            .is_some_and(|access| access.role() != Role::Admin);
    if id == admin.user.id && locks_self_out {
        return Err(ApiError::Conflict(Message::new(
            "cannot_lock_self_out",
            "You cannot disable your own account or remove your own admin role.",
            "Anda tidak dapat menonaktifkan akun sendiri atau mencabut peran admin sendiri.",
        )));
    }
    // Hashed last: only once everything else is known to be valid.
    let new_password = request.password.is_some();
    if let Some(password) = request.password {
        let mut personal = vec![current.username.as_str(), current.display_name.as_str()];
        personal.extend(changes.display_name.as_ref().map(DisplayName::as_str));
        let password = Password::parse(password, &personal)?;
        changes.password_hash = Some(auth::hash_password(password).await?);
        // The store ends every other session of the user (a leaked password, a lost
        // phone: those devices sign in again, keeping what they have not sent yet); the
        // admin's own session making this request stays.
        changes.keep_session = Some(admin.device_id.clone());
    }
    let user = state
        .store
        .update_user(&id, changes)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => user_not_found(),
            other => other.into(),
        })?;
    tracing::info!(by = %admin.user.username, user = %user.username, new_password, "user updated");
    let event = AuditEvent::new(AuditAction::UserChanged)
        .target(&user.id)
        .detail(format!(
            "{}: {changed} (now {}; {}{})",
            user.username,
            user.role.code(),
            user.regions.join(" "),
            if user.disabled { "; disabled" } else { "" }
        ));
    audit::record(&state, &admin, event).await?;
    Ok(Json(user.into()))
}

/// Which fields an update sets, for the audit trail (never the password itself).
fn changed_fields(request: &UpdateUser) -> String {
    [
        ("display name", request.display_name.is_some()),
        ("password", request.password.is_some()),
        ("role", request.role.is_some()),
        ("regions", request.regions.is_some()),
        ("disabled", request.disabled.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(field, _)| *field)
    .collect::<Vec<_>>()
    .join(", ")
}

pub(super) fn user_not_found() -> ApiError {
    ApiError::not_found("User", "Pengguna")
}
