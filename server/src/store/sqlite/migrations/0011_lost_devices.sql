-- Remote wipe (issue 14): an admin marks a device lost; its next contact tells the app to
-- delete everything of its user, and the app confirms. `unsent_at_last_sync` is what the
-- app said it still had to send at its last sync (NULL: an app too old to say), so the
-- office knows what to re-register after a loss. `recovery_key_id` is the key id (see
-- server/src/recovery.rs) the device last asked a recovery key for: a key id a lost
-- device asked for is refused from then on.
ALTER TABLE devices ADD COLUMN lost_at INTEGER;
ALTER TABLE devices ADD COLUMN wipe_confirmed_at INTEGER;
ALTER TABLE devices ADD COLUMN unsent_at_last_sync INTEGER;
ALTER TABLE devices ADD COLUMN recovery_key_id TEXT;
CREATE INDEX devices_recovery_key ON devices (user_id, recovery_key_id) WHERE recovery_key_id IS NOT NULL;
