//! Backups of a SQLite deployment that restore: `jemput-server backup FILE` copies the live
//! database while the server keeps serving syncs ([`copy`]), `jemput-server restore FILE`
//! puts a copy back into a data directory no server runs on ([`restore`]), and
//! `serve --backup-dir DIR` writes one every `--backup-every` and keeps the newest
//! `--backup-keep` ([`schedule`]). Every copy is checked before it gets its final name
//! ([`check`]), so a file called `…sqlite3` by a backup is always whole and a Jemput
//! database this server can open.
//!
//! What phones do after a restore is the sync protocol's business: their cursors are from
//! a history the restored server does not have, so it answers `reset` and they offer
//! everything again, with the seals of the restored server's own key (kept in the
//! database's settings). See `docs/backup.md`; PostgreSQL deployments use `pg_dump` and
//! `pg_basebackup` instead.

pub mod check;
pub mod copy;
pub mod restore;
pub mod schedule;

pub use copy::{back_up, Backup};
pub use restore::{restore, Restored};
pub use schedule::BackupSchedule;

/// `20261204T192512Z`: a UTC time in file names (sorts as it ages, no `:` for other
/// file systems).
pub(crate) fn utc_stamp(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let (year, month, day) = jemput_shared::calendar::civil_from_days(days);
    let second_of_day = unix_seconds % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        second_of_day / 3_600,
        second_of_day % 3_600 / 60,
        second_of_day % 60
    )
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_the_utc_time_in_one_word() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        // 2026-12-04 19:25:12 UTC
        assert_eq!(utc_stamp(1_796_412_312), "20261204T192512Z");
    }
}
