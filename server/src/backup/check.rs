//! Is this file a whole Jemput database that this server can open? Asked of every backup
//! before it gets its final name, and of every file before `restore` lets it in.
//!
//! The check runs on a copy the caller owns (a backup's temporary file, the restore's
//! incoming copy), never on the user's file: it turns the copy into one self-contained
//! file first (rollback-journal mode, so no `-wal` or `-shm` ever sits beside a backup).
//! The server switches it back to WAL when it opens it.

use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};

use crate::store::sqlite::SCHEMA_VERSION;

/// The tables every Jemput database has had since its first schema.
const JEMPUT_TABLES: [&str; 4] = ["documents", "change_log", "settings", "users"];

/// What a checked database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Its `PRAGMA user_version`: the migrations applied.
    pub schema_version: i64,
    /// Rows of the supervisors' table (the projection) in the copy.
    pub registrations: u64,
}

/// Checks the database file at `path`, which the caller owns and may change (see the
/// module's doc).
pub fn check_copy(path: &Path) -> anyhow::Result<Checked> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("cannot open {}", path.display()))?;
    // The first read of the file: anything that is not SQLite fails here.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))
        .map_err(|error| not_sqlite(&error).unwrap_or_else(|| error.into()))?;
    if !mode.eq_ignore_ascii_case("delete") {
        bail!("cannot make it a single file (journal mode {mode})");
    }
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
        .context("checking its pages")?;
    if verdict != "ok" {
        // SQLite's finding names pages and tables, never row contents.
        bail!("the database is damaged ({verdict})");
    }
    let schema_version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let mut tables = conn.prepare(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN (?1, ?2, ?3, ?4)",
    )?;
    let found: i64 = tables.query_row(JEMPUT_TABLES, |row| row.get(0))?;
    drop(tables);
    if schema_version < 1 || found < JEMPUT_TABLES.len() as i64 {
        bail!("not a Jemput database (no Jemput tables in it)");
    }
    if schema_version > SCHEMA_VERSION {
        bail!(
            "written by a newer jemput-server (schema version {schema_version}; this one \
             knows up to {SCHEMA_VERSION}): use that server's binary"
        );
    }
    let registrations: i64 =
        conn.query_row("SELECT count(*) FROM registrations", [], |row| row.get(0))?;
    conn.close().map_err(|(_, error)| error)?;
    Ok(Checked {
        schema_version,
        registrations: registrations.max(0) as u64,
    })
}

fn not_sqlite(error: &rusqlite::Error) -> Option<anyhow::Error> {
    (error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase))
        .then(|| anyhow::anyhow!("not a SQLite database"))
}

/// Makes `path`'s contents durable.
pub(crate) fn sync_file(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("cannot flush {} to disk", path.display()))
}

/// Makes the names in `dir` durable (a rename into it, say).
pub(crate) fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("cannot flush the directory {} to disk", dir.display()))
}

/// The directory a file is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_file_is_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.sqlite3");
        std::fs::write(&path, "not a database at all, just some text ".repeat(200)).unwrap();
        let error = check_copy(&path).unwrap_err();
        assert!(
            format!("{error:#}").contains("not a SQLite database"),
            "{error:#}"
        );
    }

    #[test]
    fn an_empty_sqlite_file_is_not_a_jemput_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (text TEXT); PRAGMA user_version = 3;")
            .unwrap();
        drop(conn);
        let error = check_copy(&path).unwrap_err();
        assert!(
            format!("{error:#}").contains("not a Jemput database"),
            "{error:#}"
        );
    }

    #[test]
    fn a_database_from_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.sqlite3");
        let conn = Connection::open(&path).unwrap();
        for table in JEMPUT_TABLES {
            conn.execute_batch(&format!("CREATE TABLE {table} (id TEXT)"))
                .unwrap();
        }
        conn.execute_batch("CREATE TABLE registrations (id TEXT)")
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let error = check_copy(&path).unwrap_err();
        assert!(
            format!("{error:#}").contains("newer jemput-server"),
            "{error:#}"
        );
    }
}
