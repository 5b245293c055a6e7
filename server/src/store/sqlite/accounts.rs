//! SQL for users, their assigned regions and their devices (tables of migration
//! `0001_accounts`). Plain functions over a connection; `SqliteStore` decides which
//! connection (writer or reader) and thread they run on.

use jemput_shared::policy::Role;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::accounts::{Device, NewUser, User, UserChanges};
use crate::clock::now_ms;
use crate::store::StoreError;

const USER_COLUMNS: &str =
    "id, username, display_name, role, disabled, scope_seq, created_at, password_hash";

/// A users row before its regions are attached.
struct UserRow {
    user: User,
    password_hash: String,
}

fn user_row(row: &Row<'_>) -> rusqlite::Result<(UserRow, String)> {
    let role: String = row.get(3)?;
    let scope_seq: i64 = row.get(5)?;
    let user = User {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        // Checked just below; the CHECK constraint keeps other values out anyway.
        role: Role::Officer,
        regions: Vec::new(),
        disabled: row.get(4)?,
        scope_seq: scope_seq.max(0) as u64,
        created_at: row.get(6)?,
    };
    Ok((
        UserRow {
            user,
            password_hash: row.get(7)?,
        },
        role,
    ))
}

/// Finishes a row read by [`user_row`]: parses the role and loads the regions.
fn complete(conn: &Connection, (mut row, role): (UserRow, String)) -> Result<UserRow, StoreError> {
    row.user.role = Role::from_code(&role).ok_or_else(|| {
        StoreError::Internal(format!("user {} has unknown role {role:?}", row.user.id))
    })?;
    row.user.regions = regions_of(conn, &row.user.id)?;
    Ok(row)
}

fn regions_of(conn: &Connection, user_id: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT code FROM user_regions WHERE user_id = ?1 ORDER BY code")?;
    let codes = stmt
        .query_map([user_id], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(codes)
}

fn find_user(conn: &Connection, column: &str, value: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1");
    let raw = conn.query_row(&sql, [value], user_row).optional()?;
    raw.map(|raw| complete(conn, raw)).transpose()
}

/// The end of the change log now: 0 when it is empty.
fn change_log_end(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })?,
    )
}

fn set_regions(tx: &Transaction<'_>, user_id: &str, codes: &[String]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM user_regions WHERE user_id = ?1", [user_id])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO user_regions (user_id, code) VALUES (?1, ?2)")?;
    for code in codes {
        insert.execute(params![user_id, code])?;
    }
    Ok(())
}

pub(super) fn count_users(conn: &mut Connection) -> Result<u64, StoreError> {
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    Ok(count as u64)
}

pub(super) fn create_user(conn: &mut Connection, new: &NewUser) -> Result<User, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = tx.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
                            scope_seq, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)
         ON CONFLICT (username) DO NOTHING",
        params![
            id,
            new.username.as_str(),
            new.display_name.as_str(),
            new.access.role().code(),
            new.password_hash,
            change_log_end(&tx)?,
            now_ms(),
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "username {} is taken",
            new.username
        )));
    }
    set_regions(&tx, &id, &new.access.region_codes())?;
    let user = find_user(&tx, "id", &id)?.ok_or(StoreError::NotFound)?.user;
    tx.commit()?;
    Ok(user)
}

pub(super) fn list_users(conn: &mut Connection) -> Result<Vec<User>, StoreError> {
    // One snapshot for the users and their regions.
    let tx = conn.transaction()?;
    let mut stmt = tx.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY username"
    ))?;
    let raws = stmt
        .query_map([], user_row)?
        .collect::<Result<Vec<_>, _>>()?;
    raws.into_iter()
        .map(|raw| complete(&tx, raw).map(|row| row.user))
        .collect()
}

pub(super) fn user_by_id(conn: &mut Connection, id: &str) -> Result<Option<User>, StoreError> {
    let tx = conn.transaction()?;
    Ok(find_user(&tx, "id", id)?.map(|row| row.user))
}

pub(super) fn credentials(
    conn: &mut Connection,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let tx = conn.transaction()?;
    Ok(find_user(&tx, "username", username)?.map(|row| (row.user, row.password_hash)))
}

pub(super) fn update_user(
    conn: &mut Connection,
    id: &str,
    changes: &UserChanges,
) -> Result<User, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = find_user(&tx, "id", id)?.ok_or(StoreError::NotFound)?.user;
    if let Some(name) = &changes.display_name {
        tx.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![id, name.as_str()],
        )?;
    }
    if let Some(hash) = &changes.password_hash {
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
    }
    if let Some(disabled) = changes.disabled {
        tx.execute(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )?;
    }
    if let Some(access) = &changes.access {
        let codes = access.region_codes();
        // Only a real change of scope moves scope_seq: moving it needlessly would make
        // every device of the user pull everything again.
        if access.role() != current.role || codes != current.regions {
            tx.execute(
                "UPDATE users SET role = ?2, scope_seq = ?3 WHERE id = ?1",
                params![id, access.role().code(), change_log_end(&tx)?],
            )?;
            set_regions(&tx, id, &codes)?;
        }
    }
    if changes.ends_sessions() {
        tx.execute(
            "UPDATE devices SET revoked_at = ?2
             WHERE user_id = ?1 AND revoked_at IS NULL AND id IS NOT ?3",
            params![id, now_ms(), changes.kept_session()],
        )?;
    }
    let user = find_user(&tx, "id", id)?.ok_or(StoreError::NotFound)?.user;
    tx.commit()?;
    Ok(user)
}

const DEVICE_COLUMNS: &str =
    "d.id, d.user_id, d.name, d.created_at, d.last_seen_at, d.last_sync_at, d.revoked_at, \
     d.lost_at, d.wipe_confirmed_at, d.unsent_at_last_sync";

fn device_row(row: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        created_at: row.get(3)?,
        last_seen_at: row.get(4)?,
        last_sync_at: row.get(5)?,
        revoked_at: row.get(6)?,
        lost_at: row.get(7)?,
        wipe_confirmed_at: row.get(8)?,
        unsent_at_last_sync: row.get(9)?,
    })
}

fn device_by_id(conn: &Connection, id: &str) -> Result<Device, StoreError> {
    Ok(conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = ?1"),
        [id],
        device_row,
    )?)
}

pub(super) fn create_device(
    conn: &mut Connection,
    user_id: &str,
    name: &str,
    token_hash: &[u8; 32],
    now_ms: i64,
) -> Result<Device, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, user_id, name, token_hash.as_slice(), now_ms],
    )?;
    device_by_id(conn, &id)
}

pub(super) fn session(
    conn: &mut Connection,
    token_hash: &[u8; 32],
) -> Result<Option<(Device, User)>, StoreError> {
    let tx = conn.transaction()?;
    let device = tx
        .query_row(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.token_hash = ?1"),
            [token_hash.as_slice()],
            device_row,
        )
        .optional()?;
    let Some(device) = device else {
        return Ok(None);
    };
    let user = find_user(&tx, "id", &device.user_id)?
        .ok_or_else(|| StoreError::Internal(format!("device {} has no user", device.id)))?
        .user;
    Ok(Some((device, user)))
}

pub(super) fn touch_device(
    conn: &mut Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND last_seen_at < ?2",
        params![device_id, now_ms],
    )?;
    Ok(())
}

pub(super) fn record_sync(
    conn: &Connection,
    device_id: &str,
    now_ms: i64,
    unsent: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE devices SET last_sync_at = ?2, last_seen_at = MAX(last_seen_at, ?2),
                unsent_at_last_sync = ?3
         WHERE id = ?1",
        params![device_id, now_ms, unsent],
    )?;
    Ok(())
}

pub(super) fn device(conn: &mut Connection, id: &str) -> Result<Option<Device>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.id = ?1"),
            [id],
            device_row,
        )
        .optional()?)
}

pub(super) fn list_devices(
    conn: &mut Connection,
    user_id: &str,
) -> Result<Vec<Device>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.user_id = ?1
         ORDER BY d.created_at DESC, d.id"
    ))?;
    let devices = stmt
        .query_map([user_id], device_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(devices)
}

pub(super) fn revoke_device(
    conn: &mut Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<Device, StoreError> {
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![device_id, now_ms],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    device_by_id(conn, device_id)
}

/// Marks the device lost and revokes its token (both idempotent: the first times stay).
pub(super) fn mark_device_lost(
    conn: &mut Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<Device, StoreError> {
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2), lost_at = COALESCE(lost_at, ?2)
         WHERE id = ?1",
        params![device_id, now_ms],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    device_by_id(conn, device_id)
}

/// Records that a lost device confirmed its wipe (the first confirmation stays).
pub(super) fn confirm_wipe(
    conn: &mut Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE devices SET wipe_confirmed_at = COALESCE(wipe_confirmed_at, ?2)
         WHERE id = ?1 AND lost_at IS NOT NULL",
        params![device_id, now_ms],
    )?;
    Ok(())
}

/// Records that `device_id` asked for the recovery key of `key_id`; false, recording
/// nothing, when a lost device of `user_id` asked for that id (its key is refused).
pub(super) fn claim_recovery_key(
    conn: &mut Connection,
    user_id: &str,
    device_id: &str,
    key_id: &str,
) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let lost: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE user_id = ?1 AND recovery_key_id = ?2
                        AND lost_at IS NOT NULL)",
        params![user_id, key_id],
        |row| row.get(0),
    )?;
    if lost {
        return Ok(false);
    }
    tx.execute(
        "UPDATE devices SET recovery_key_id = ?2 WHERE id = ?1",
        params![device_id, key_id],
    )?;
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Access, DisplayName, Username};
    use crate::store::sqlite::migrations::migrate;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn
    }

    fn new_user(name: &str, role: Role, regions: &[&str]) -> NewUser {
        let username = Username::parse(name).unwrap();
        let regions: Vec<String> = regions.iter().map(|s| s.to_string()).collect();
        NewUser {
            display_name: DisplayName::from_username(&username),
            username,
            access: Access::parse(role, &regions, None).unwrap(),
            password_hash: "hash".into(),
        }
    }

    fn log_change(conn: &Connection, seq: i64) {
        conn.execute(
            "INSERT INTO change_log (seq, check_value, doc_id, at) VALUES (?1, 7, 'd', 0)",
            [seq],
        )
        .unwrap();
    }

    #[test]
    fn a_created_user_reads_back_with_their_regions() {
        let mut conn = db();
        let created = create_user(
            &mut conn,
            &new_user("siti", Role::Officer, &["17.01.02", "17.01.01"]),
        )
        .unwrap();
        let read = user_by_id(&mut conn, &created.id).unwrap().unwrap();
        assert_eq!(read, created);
        assert_eq!(read.regions, vec!["17.01.01", "17.01.02"]);
        let (_, hash) = credentials(&mut conn, "siti").unwrap().unwrap();
        assert_eq!(hash, "hash");
    }

    #[test]
    fn a_taken_username_is_a_conflict() {
        let mut conn = db();
        create_user(&mut conn, &new_user("siti", Role::Admin, &[])).unwrap();
        let again = create_user(&mut conn, &new_user("siti", Role::Admin, &[]));
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        assert_eq!(count_users(&mut conn).unwrap(), 1);
    }

    #[test]
    fn changing_regions_moves_scope_seq_to_the_end_of_the_change_log() {
        let mut conn = db();
        let user = create_user(&mut conn, &new_user("budi", Role::Supervisor, &["17.01"])).unwrap();
        assert_eq!(user.scope_seq, 0);
        log_change(&conn, 41);
        let regions = vec!["17.01".to_string(), "17.02".to_string()];
        let changes = UserChanges {
            access: Some(Access::parse(Role::Supervisor, &regions, None).unwrap()),
            ..Default::default()
        };
        let updated = update_user(&mut conn, &user.id, &changes).unwrap();
        assert_eq!(updated.scope_seq, 41);
        assert_eq!(updated.regions, regions);
    }

    #[test]
    fn restating_the_same_access_leaves_scope_seq_alone() {
        let mut conn = db();
        let user = create_user(&mut conn, &new_user("budi", Role::Supervisor, &["17.01"])).unwrap();
        log_change(&conn, 5);
        let changes = UserChanges {
            access: Some(Access::parse(Role::Supervisor, &["17.01".into()], None).unwrap()),
            display_name: Some(DisplayName::parse("Budi S").unwrap()),
            ..Default::default()
        };
        let updated = update_user(&mut conn, &user.id, &changes).unwrap();
        assert_eq!(updated.scope_seq, 0);
        assert_eq!(updated.display_name, "Budi S");
    }

    #[test]
    fn updating_an_unknown_user_is_not_found() {
        let mut conn = db();
        let result = update_user(&mut conn, "nobody", &UserChanges::default());
        assert!(matches!(result, Err(StoreError::NotFound)));
    }

    #[test]
    fn a_token_finds_its_device_and_user_until_and_after_revocation() {
        let mut conn = db();
        let user = create_user(&mut conn, &new_user("siti", Role::Admin, &[])).unwrap();
        let device = create_device(&mut conn, &user.id, "HP Siti", &[1; 32], 100).unwrap();
        let (found, owner) = session(&mut conn, &[1; 32]).unwrap().unwrap();
        assert_eq!(
            (found.id.as_str(), owner.id.as_str()),
            (device.id.as_str(), user.id.as_str())
        );
        assert!(session(&mut conn, &[2; 32]).unwrap().is_none());

        let revoked = revoke_device(&mut conn, &device.id, 200).unwrap();
        assert_eq!(revoked.revoked_at, Some(200));
        let again = revoke_device(&mut conn, &device.id, 300).unwrap();
        assert_eq!(
            again.revoked_at,
            Some(200),
            "the first revocation time is kept"
        );
        let (found, _) = session(&mut conn, &[1; 32]).unwrap().unwrap();
        assert_eq!(found.revoked_at, Some(200));
    }

    /// Siti, with `role`, signed in on one device (token hash all ones, at 100 ms).
    fn siti_signed_in(conn: &mut Connection, role: Role) -> (User, Device) {
        let user = create_user(conn, &new_user("siti", role, &[])).unwrap();
        let device = create_device(conn, &user.id, "", &[1; 32], 100).unwrap();
        (user, device)
    }

    fn live_devices(conn: &mut Connection, user_id: &str) -> Vec<String> {
        let mut ids: Vec<String> = list_devices(conn, user_id)
            .unwrap()
            .into_iter()
            .filter(|d| d.revoked_at.is_none())
            .map(|d| d.id)
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_new_password_ends_every_session_but_the_kept_one() {
        let mut conn = db();
        let (user, phone) = siti_signed_in(&mut conn, Role::Admin);
        let laptop = create_device(&mut conn, &user.id, "", &[2; 32], 100).unwrap();
        let other = create_user(&mut conn, &new_user("budi", Role::Admin, &[])).unwrap();
        let theirs = create_device(&mut conn, &other.id, "", &[3; 32], 100).unwrap();
        let changes = UserChanges {
            password_hash: Some("new hash".into()),
            keep_session: Some(laptop.id.clone()),
            ..Default::default()
        };
        update_user(&mut conn, &user.id, &changes).unwrap();
        assert_eq!(live_devices(&mut conn, &user.id), vec![laptop.id.clone()]);
        assert_eq!(live_devices(&mut conn, &other.id), vec![theirs.id]);
        let (found, _) = session(&mut conn, &[1; 32]).unwrap().unwrap();
        assert_eq!(found.id, phone.id);
        assert!(found.revoked_at.is_some());

        let changes = UserChanges {
            password_hash: Some("newer hash".into()),
            ..Default::default()
        };
        update_user(&mut conn, &user.id, &changes).unwrap();
        assert!(live_devices(&mut conn, &user.id).is_empty());
    }

    #[test]
    fn disabling_ends_every_session_for_good() {
        let mut conn = db();
        let (user, phone) = siti_signed_in(&mut conn, Role::Officer);
        let disable = UserChanges {
            disabled: Some(true),
            keep_session: Some(phone.id.clone()),
            ..Default::default()
        };
        update_user(&mut conn, &user.id, &disable).unwrap();
        let enable = UserChanges {
            disabled: Some(false),
            ..Default::default()
        };
        update_user(&mut conn, &user.id, &enable).unwrap();
        assert!(live_devices(&mut conn, &user.id).is_empty());
    }

    #[test]
    fn other_changes_leave_sessions_alone() {
        let mut conn = db();
        let (user, phone) = siti_signed_in(&mut conn, Role::Officer);
        let changes = UserChanges {
            display_name: Some(DisplayName::parse("Siti A").unwrap()),
            disabled: Some(false),
            ..Default::default()
        };
        update_user(&mut conn, &user.id, &changes).unwrap();
        assert_eq!(live_devices(&mut conn, &user.id), vec![phone.id]);
    }

    #[test]
    fn sync_and_activity_times_are_recorded() {
        let mut conn = db();
        let (user, device) = siti_signed_in(&mut conn, Role::Admin);
        touch_device(&mut conn, &device.id, 50).unwrap();
        record_sync(&conn, &device.id, 500, None).unwrap();
        let listed = list_devices(&mut conn, &user.id).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].last_seen_at, 500);
        assert_eq!(listed[0].last_sync_at, Some(500));
    }
}
