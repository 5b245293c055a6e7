//! The process's open-file budget, and the connection cap derived from it.
//!
//! Every connection is a file descriptor. When the process runs out of them, `accept`
//! fails and nobody — `/healthz` included — gets in until some connection closes; SQLite
//! cannot open its files either. Most systems start a process with a soft limit of 1024
//! and allow raising it to a much higher hard limit, so the server raises its soft limit
//! to the hard one at start ([`raise_soft_limit`]) and accepts at most
//! [`connection_cap`] connections, which leaves descriptors for everything else.

/// Open connections at most unless configured: far more than a province's devices and
/// supervisor screens use at once (a few hundred), enough for 2,000 slow clients to hang
/// on while others are served, and little memory (a waiting connection holds a few KB).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Descriptors kept for what is not a connection: the database (SQLite's file, WAL and
/// shared memory for the writer and each reader, or PostgreSQL's pooled connections and
/// its listener), the log, exports' temporary files, the runtime's own, with room to spare.
pub const RESERVED_FILES: u64 = 256;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, and returns the soft limit in
/// force afterwards (unchanged when raising it fails, which is logged).
pub fn raise_soft_limit() -> u64 {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot read the open-file limit");
            return RESERVED_FILES * 4;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: setrlimit only reads the struct it is given.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit.rlim_cur = limit.rlim_max;
            } else {
                tracing::warn!(
                    error = %std::io::Error::last_os_error(),
                    soft = limit.rlim_cur,
                    hard = limit.rlim_max,
                    "cannot raise the open-file limit"
                );
            }
        }
        // RLIM_INFINITY is u64::MAX (rlim_t is u64 on the systems we run on).
        limit.rlim_cur
    }
    #[cfg(not(unix))]
    {
        RESERVED_FILES * 4
    }
}

/// Open connections at most, for a process allowed `open_files` descriptors: the
/// configured number, or [`DEFAULT_MAX_CONNECTIONS`], but never more than half of what
/// is left after [`RESERVED_FILES`] — a connection downloading a file of the browser app
/// holds that file open too. At least 1.
pub fn connection_cap(open_files: u64, configured: Option<usize>) -> usize {
    let affordable = open_files.saturating_sub(RESERVED_FILES) / 2;
    let affordable = usize::try_from(affordable).unwrap_or(usize::MAX).max(1);
    configured
        .unwrap_or(DEFAULT_MAX_CONNECTIONS)
        .clamp(1, affordable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_the_database_and_a_file_per_connection() {
        assert_eq!(connection_cap(1024, None), 384);
        assert_eq!(connection_cap(1024, Some(100)), 100);
        assert_eq!(connection_cap(1024, Some(5000)), 384);
        assert_eq!(connection_cap(20_000, None), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(connection_cap(1_048_576, Some(20_000)), 20_000);
        assert_eq!(connection_cap(u64::MAX, None), DEFAULT_MAX_CONNECTIONS);
    }

    #[test]
    fn a_tiny_budget_still_lets_one_connection_in() {
        assert_eq!(connection_cap(10, None), 1);
        assert_eq!(connection_cap(1024, Some(0)), 1);
    }

    #[test]
    fn the_soft_limit_ends_at_the_hard_one() {
        let soft = raise_soft_limit();
        #[cfg(unix)]
        {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: as above.
            assert_eq!(
                unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
                0
            );
            assert_eq!(soft, limit.rlim_cur);
            assert_eq!(limit.rlim_cur, limit.rlim_max);
        }
        assert!(soft > 0);
    }
}
