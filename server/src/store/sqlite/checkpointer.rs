//! WAL checkpoints off the commit path. SQLite's default copies the WAL back into the
//! database file (and fsyncs it) inside whichever commit crosses 1,000 WAL pages: that
//! commit — a phone's sync — then pays for everyone's, and at 100,000 stored registrations
//! it was a sixth of the writer's time (issue 13, docs/benchmarks.md). Here the writer's
//! automatic checkpoint waits for a WAL of [`WRITER_FALLBACK_PAGES`] (a safety net), and a
//! thread of its own runs a passive checkpoint on its own connection every
//! [`EVERY`]: passive checkpoints never block the writer or the readers, and a commit is
//! as durable as before (it is in the WAL, fsynced, when it returns).

use std::path::PathBuf;
use std::sync::Weak;
use std::time::Duration;

use rusqlite::Connection;

/// How often the checkpointer looks at the WAL.
const EVERY: Duration = Duration::from_millis(250);
/// The writer checkpoints itself only if the WAL grows past this (≈ 64 MiB of 4 KiB
/// pages): the checkpointer keeps it far below, unless it cannot run.
pub(super) const WRITER_FALLBACK_PAGES: i64 = 16_384;

/// Starts the checkpointer for the database at `path`; it stops once `alive` (the
/// store's writer) is gone.
pub(super) fn start<T: Send + Sync + 'static>(path: PathBuf, alive: Weak<T>) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || run(&path, &alive));
    if let Err(error) = spawned {
        // The writer's own checkpoint still runs; slower, not unsafe.
        tracing::warn!(%error, "could not start the WAL checkpointer");
    }
}

fn run<T>(path: &PathBuf, alive: &Weak<T>) {
    let conn = match Connection::open(path).and_then(|conn| {
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "the WAL checkpointer could not open the database");
            return;
        }
    };
    while alive.strong_count() > 0 {
        std::thread::sleep(EVERY);
        // (busy, WAL pages, pages checkpointed); a busy or failed round is retried later.
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(%error, "WAL checkpoint skipped");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::store::sqlite::{SqliteStore, DATABASE_FILE};

    /// Without the checkpointer, 2,000 pages of commits stay in the WAL (the writer's
    /// own checkpoint waits for 16,384); with it, they reach the database file by
    /// themselves, with no commit doing the copying.
    #[tokio::test]
    async fn committed_pages_reach_the_database_file_without_a_commit_copying_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let file = dir.path().join(DATABASE_FILE);
        let before = std::fs::metadata(&file).unwrap().len();
        for _ in 0..20 {
            store
                .with_writer(|conn| {
                    conn.execute_batch(
                        "CREATE TABLE IF NOT EXISTS filler (bytes BLOB);
                         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
                         INSERT INTO filler SELECT randomblob(4000) FROM n;",
                    )
                    .map_err(Into::into)
                })
                .await
                .unwrap();
        }
        let started = Instant::now();
        let mut after = before;
        while after < before + 4_000_000 && started.elapsed().as_secs() < 30 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            after = std::fs::metadata(&file).unwrap().len();
        }
        assert!(
            after >= before + 4_000_000,
            "the database file grew from {before} to {after} bytes only"
        );
    }
}
