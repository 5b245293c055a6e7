-- Disabling a user now ends their sessions for good: the store revokes their devices in
-- the same transaction (UserChanges::ends_sessions), so enabling the user again brings
-- none back. Users disabled before this migration still have unrevoked devices, which
-- re-enabling them would revive: end those sessions now.
-- (Token lifetimes need no column: they follow from devices.created_at, last_seen_at and
-- the user's role; see server/src/sessions.rs.)

UPDATE devices
SET revoked_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
WHERE revoked_at IS NULL
  AND user_id IN (SELECT id FROM users WHERE disabled <> 0);
