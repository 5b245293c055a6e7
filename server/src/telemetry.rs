//! Logging: `tracing` events to stderr, filtered by `RUST_LOG` (default `info`), as text
//! for people or as one JSON object per line for log shippers (`--log-format json`).
//! Stdout stays free for what the CLI prints for people and scripts (the listening
//! address, a generated admin password).

use tracing_subscriber::EnvFilter;

/// How log lines are written (`--log-format`, `JEMPUT_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields` (the message and the
    /// event's fields), `target` and the request's `span`.
    Json,
}

/// Installs the global subscriber; a second call (tests starting several servers) does
/// nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
