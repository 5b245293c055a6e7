//! Logging: `tracing` events to stderr, filtered by `RUST_LOG` (default `info`). Stdout
//! stays free for what the CLI prints for people and scripts (the listening address,
//! a generated admin password).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests starting several servers) does
/// nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
