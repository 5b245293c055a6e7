-- Remote wipe (issue 14): an admin marks a device lost; its next contact tells the app to
-- delete everything of its user, and the app confirms. `unsent_at_last_sync` is what the
-- app said it still had to send at its last sync (NULL: an app too old to say);
-- `recovery_key_id` the recovery key id the device last asked for. The same
-- as SQLite's 0011_lost_devices.
ALTER TABLE devices ADD COLUMN lost_at BIGINT;
ALTER TABLE devices ADD COLUMN wipe_confirmed_at BIGINT;
ALTER TABLE devices ADD COLUMN unsent_at_last_sync BIGINT;
ALTER TABLE devices ADD COLUMN recovery_key_id TEXT;
CREATE INDEX devices_recovery_key ON devices (user_id, recovery_key_id) WHERE recovery_key_id IS NOT NULL;
