//! SQL for users, their assigned regions and their devices (tables of migration
//! `0001_accounts`). A user is read with their regions in one query; a session (token →
//! device and user) too, since every authenticated request asks for it.

use deadpool_postgres::{Client, GenericClient};
use jemput_shared::policy::Role;
use tokio_postgres::Row;

use crate::accounts::{Device, NewUser, User, UserChanges};
use crate::clock::now_ms;
use crate::store::StoreError;

/// The columns [`user_from`] reads, from `users u`; the regions sorted as SQLite's
/// binary order sorts them.
const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.disabled, u.scope_seq,
    u.created_at, u.password_hash,
    ARRAY(SELECT code FROM user_regions r WHERE r.user_id = u.id ORDER BY code COLLATE \"C\")";

/// A user and their password hash, from [`USER_COLUMNS`] starting at column `at`.
fn user_from(row: &Row, at: usize) -> Result<(User, String), StoreError> {
    let id: String = row.try_get(at)?;
    let role: String = row.try_get(at + 3)?;
    let role = Role::from_code(&role)
        .ok_or_else(|| StoreError::Internal(format!("user {id} has unknown role {role:?}")))?;
    let scope_seq: i64 = row.try_get(at + 5)?;
    let user = User {
        id,
        username: row.try_get(at + 1)?,
        display_name: row.try_get(at + 2)?,
        role,
        regions: row.try_get(at + 8)?,
        disabled: row.try_get(at + 4)?,
        scope_seq: scope_seq.max(0) as u64,
        created_at: row.try_get(at + 6)?,
    };
    Ok((user, row.try_get(at + 7)?))
}

async fn find_user(
    client: &impl GenericClient,
    column: &str,
    value: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.{column} = $1");
    let statement = client.prepare_cached(&sql).await?;
    match client.query_opt(&statement, &[&value]).await? {
        Some(row) => Ok(Some(user_from(&row, 0)?)),
        None => Ok(None),
    }
}

/// The end of the change log now: 0 when it is empty.
async fn change_log_end(client: &impl GenericClient) -> Result<i64, StoreError> {
    let row = client
        .query_one("SELECT COALESCE(MAX(seq), 0) FROM change_log", &[])
        .await?;
    Ok(row.get(0))
}

async fn set_regions(
    client: &impl GenericClient,
    user_id: &str,
    codes: &[String],
) -> Result<(), StoreError> {
    client
        .execute("DELETE FROM user_regions WHERE user_id = $1", &[&user_id])
        .await?;
    client
        .execute(
            "INSERT INTO user_regions (user_id, code) SELECT $1, code FROM UNNEST($2::text[]) code",
            &[&user_id, &codes],
        )
        .await?;
    Ok(())
}

pub(super) async fn count_users(client: &Client) -> Result<u64, StoreError> {
    let count: i64 = client
        .query_one("SELECT COUNT(*) FROM users", &[])
        .await?
        .get(0);
    Ok(count as u64)
}

pub(super) async fn create_user(client: &mut Client, new: &NewUser) -> Result<User, StoreError> {
    let tx = client.transaction().await?;
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = tx
        .execute(
            "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
                                scope_seq, created_at)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7)
             ON CONFLICT (username) DO NOTHING",
            &[
                &id,
                &new.username.as_str(),
                &new.display_name.as_str(),
                &new.access.role().code(),
                &new.password_hash,
                &change_log_end(&tx).await?,
                &now_ms(),
            ],
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "username {} is taken",
            new.username
        )));
    }
    set_regions(&tx, &id, &new.access.region_codes()).await?;
    let (user, _) = find_user(&tx, "id", &id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn list_users(client: &Client) -> Result<Vec<User>, StoreError> {
    let rows = client
        .query(
            &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username COLLATE \"C\""),
            &[],
        )
        .await?;
    rows.iter()
        .map(|row| user_from(row, 0).map(|(user, _)| user))
        .collect()
}

pub(super) async fn user_by_id(client: &Client, id: &str) -> Result<Option<User>, StoreError> {
    Ok(find_user(client, "id", id).await?.map(|(user, _)| user))
}

pub(super) async fn credentials(
    client: &Client,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    find_user(client, "username", username).await
}

pub(super) async fn update_user(
    client: &mut Client,
    id: &str,
    changes: &UserChanges,
) -> Result<User, StoreError> {
    let tx = client.transaction().await?;
    // Locks the row: concurrent updates of one user apply one after the other.
    tx.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&id])
        .await?;
    let (current, _) = find_user(&tx, "id", id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(name) = &changes.display_name {
        tx.execute(
            "UPDATE users SET display_name = $2 WHERE id = $1",
            &[&id, &name.as_str()],
        )
        .await?;
    }
    if let Some(hash) = &changes.password_hash {
        tx.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&id, hash],
        )
        .await?;
    }
    if let Some(disabled) = changes.disabled {
        tx.execute(
            "UPDATE users SET disabled = $2 WHERE id = $1",
            &[&id, &disabled],
        )
        .await?;
    }
    if let Some(access) = &changes.access {
        let codes = access.region_codes();
        // Only a real change of scope moves scope_seq: moving it needlessly would make
        // every device of the user pull everything again.
        if access.role() != current.role || codes != current.regions {
            tx.execute(
                "UPDATE users SET role = $2, scope_seq = $3 WHERE id = $1",
                &[&id, &access.role().code(), &change_log_end(&tx).await?],
            )
            .await?;
            set_regions(&tx, id, &codes).await?;
        }
    }
    if changes.ends_sessions() {
        tx.execute(
            "UPDATE devices SET revoked_at = $2
             WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3",
            &[&id, &now_ms(), &changes.kept_session()],
        )
        .await?;
    }
    let (user, _) = find_user(&tx, "id", id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

const DEVICE_COLUMNS: &str =
    "d.id, d.user_id, d.name, d.created_at, d.last_seen_at, d.last_sync_at, d.revoked_at, \
     d.lost_at, d.wipe_confirmed_at, d.unsent_at_last_sync";

fn device_from(row: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        name: row.try_get(2)?,
        created_at: row.try_get(3)?,
        last_seen_at: row.try_get(4)?,
        last_sync_at: row.try_get(5)?,
        revoked_at: row.try_get(6)?,
        lost_at: row.try_get(7)?,
        wipe_confirmed_at: row.try_get(8)?,
        unsent_at_last_sync: row.try_get(9)?,
    })
}

pub(super) async fn create_device(
    client: &Client,
    user_id: &str,
    name: &str,
    token_hash: &[u8; 32],
    now_ms: i64,
) -> Result<Device, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let row = client
        .query_one(
            &format!(
                "INSERT INTO devices AS d (id, user_id, name, token_hash, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING {DEVICE_COLUMNS}"
            ),
            &[&id, &user_id, &name, &token_hash.as_slice(), &now_ms],
        )
        .await?;
    device_from(&row)
}

pub(super) async fn session(
    client: &Client,
    token_hash: &[u8; 32],
) -> Result<Option<(Device, User)>, StoreError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS}, {USER_COLUMNS}
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1"
    );
    let statement = client.prepare_cached(&sql).await?;
    let Some(row) = client
        .query_opt(&statement, &[&token_hash.as_slice()])
        .await?
    else {
        return Ok(None);
    };
    let device = device_from(&row)?;
    let (user, _) = user_from(&row, 10)?;
    Ok(Some((device, user)))
}

pub(super) async fn touch_device(
    client: &Client,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let statement = client
        .prepare_cached("UPDATE devices SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
        .await?;
    client.execute(&statement, &[&device_id, &now_ms]).await?;
    Ok(())
}

pub(super) async fn record_sync(
    client: &impl GenericClient,
    device_id: &str,
    now_ms: i64,
    unsent: Option<i64>,
) -> Result<(), StoreError> {
    let statement = client
        .prepare_cached(
            "UPDATE devices SET last_sync_at = $2, last_seen_at = GREATEST(last_seen_at, $2),
                    unsent_at_last_sync = $3
             WHERE id = $1",
        )
        .await?;
    client
        .execute(&statement, &[&device_id, &now_ms, &unsent])
        .await?;
    Ok(())
}

pub(super) async fn device(client: &Client, id: &str) -> Result<Option<Device>, StoreError> {
    let row = client
        .query_opt(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = $1"),
            &[&id],
        )
        .await?;
    row.as_ref().map(device_from).transpose()
}

pub(super) async fn list_devices(
    client: &Client,
    user_id: &str,
) -> Result<Vec<Device>, StoreError> {
    let rows = client
        .query(
            &format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.user_id = $1
                 ORDER BY d.created_at DESC, d.id COLLATE \"C\""
            ),
            &[&user_id],
        )
        .await?;
    rows.iter().map(device_from).collect()
}

pub(super) async fn revoke_device(
    client: &Client,
    device_id: &str,
    now_ms: i64,
) -> Result<Device, StoreError> {
    let row = client
        .query_opt(
            &format!(
                "UPDATE devices AS d SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1
                 RETURNING {DEVICE_COLUMNS}"
            ),
            &[&device_id, &now_ms],
        )
        .await?;
    match row {
        Some(row) => device_from(&row),
        None => Err(StoreError::NotFound),
    }
}

/// Marks the device lost and revokes its token (both idempotent: the first times stay).
pub(super) async fn mark_device_lost(
    client: &Client,
    device_id: &str,
    now_ms: i64,
) -> Result<Device, StoreError> {
    let row = client
        .query_opt(
            &format!(
                "UPDATE devices AS d SET revoked_at = COALESCE(revoked_at, $2),
                        lost_at = COALESCE(lost_at, $2)
                 WHERE id = $1 RETURNING {DEVICE_COLUMNS}"
            ),
            &[&device_id, &now_ms],
        )
        .await?;
    match row {
        Some(row) => device_from(&row),
        None => Err(StoreError::NotFound),
    }
}

/// Records that a lost device confirmed its wipe (the first confirmation stays).
pub(super) async fn confirm_wipe(
    client: &Client,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    client
        .execute(
            "UPDATE devices SET wipe_confirmed_at = COALESCE(wipe_confirmed_at, $2)
             WHERE id = $1 AND lost_at IS NOT NULL",
            &[&device_id, &now_ms],
        )
        .await?;
    Ok(())
}

/// Records that `device_id` asked for the recovery key of `key_id`; false, recording
/// nothing, when a lost device of `user_id` asked for that id (its key is refused).
pub(super) async fn claim_recovery_key(
    client: &Client,
    user_id: &str,
    device_id: &str,
    key_id: &str,
) -> Result<bool, StoreError> {
    // One statement: the update happens only when no lost device holds the id.
    let changed = client
        .execute(
            "UPDATE devices SET recovery_key_id = $3
             WHERE id = $2 AND NOT EXISTS (
                 SELECT 1 FROM devices l
                 WHERE l.user_id = $1 AND l.recovery_key_id = $3 AND l.lost_at IS NOT NULL)",
            &[&user_id, &device_id, &key_id],
        )
        .await?;
    if changed > 0 {
        return Ok(true);
    }
    let lost = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM devices
                            WHERE user_id = $1 AND recovery_key_id = $2 AND lost_at IS NOT NULL)",
            &[&user_id, &key_id],
        )
        .await?;
    Ok(!lost.try_get::<_, bool>(0)?)
}
