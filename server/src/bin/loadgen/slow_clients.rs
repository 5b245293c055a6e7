//! `jemput-loadgen --slow-clients N`: N clients open a connection each, send the start of
//! a request and never finish it — reconnecting whenever the server drops them, as a
//! determined attacker would — while `/healthz` is asked every 100 ms on a fresh
//! connection. Prints one JSON object: how many slow clients held a connection, how
//! often the server dropped them, and `/healthz` latency percentiles.
//!
//! The goal (issue 11): with 2,000 slow clients hanging on, `/healthz` answers within a
//! second. Needs no account: nothing is written to the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use jemput_server::client::HttpConnection;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The start of a request that never ends.
const PARTIAL_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: jemput\r\nUser-Agent: slow";

/// How long a `/healthz` may take before it counts as failed.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Tally {
    /// Slow clients holding a connection right now.
    holding: AtomicU64,
    /// Connections the server closed on a slow client.
    dropped: AtomicU64,
    /// Connection attempts that failed (refused, or timed out in a full backlog).
    failed: AtomicU64,
}

pub async fn run(url: &str, clients: u64, samples: usize) -> anyhow::Result<Value> {
    let open_files = jemput_server::open_files::raise_soft_limit();
    if open_files < clients + 64 {
        bail!("this process may open only {open_files} files: too few for {clients} slow clients");
    }
    let host = url
        .strip_prefix("http://")
        .context("only http:// URLs")?
        .trim_end_matches('/');
    let address = tokio::net::lookup_host(host)
        .await?
        .next()
        .context("the server's host name resolves to nothing")?;

    let tally = Arc::new(Tally::default());
    let mut slow = JoinSet::new();
    for _ in 0..clients {
        slow.spawn(hang_on(address, Arc::clone(&tally)));
    }
    // Everyone in (or refused) before measuring.
    let settle = Instant::now();
    while tally.holding.load(Ordering::Relaxed) + tally.failed.load(Ordering::Relaxed) < clients
        && settle.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let holding_at_start = tally.holding.load(Ordering::Relaxed);

    let mut latencies_ms = Vec::with_capacity(samples);
    let mut failures = 0;
    for _ in 0..samples {
        let started = Instant::now();
        let mut connection = HttpConnection::new(url)?;
        let answer = tokio::time::timeout(
            HEALTH_TIMEOUT,
            connection.request("GET", "/healthz", &[], b""),
        )
        .await;
        match answer {
            Ok(Ok(response)) if response.status == 200 => {
                latencies_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            _ => failures += 1,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let holding_at_end = tally.holding.load(Ordering::Relaxed);
    slow.abort_all();

    latencies_ms.sort_by(f64::total_cmp);
    let percentile = |p: f64| -> Value {
        if latencies_ms.is_empty() {
            return Value::Null;
        }
        let rank = ((p / 100.0) * latencies_ms.len() as f64).ceil() as usize;
        json!(round(latencies_ms[rank.clamp(1, latencies_ms.len()) - 1]))
    };
    Ok(json!({
        "slow_clients": clients,
        "holding_at_start": holding_at_start,
        "holding_at_end": holding_at_end,
        "dropped_by_server": tally.dropped.load(Ordering::Relaxed),
        "failed_connects": tally.failed.load(Ordering::Relaxed),
        "healthz": {
            "samples": samples,
            "failures": failures,
            "p50_ms": percentile(50.0),
            "p90_ms": percentile(90.0),
            "p99_ms": percentile(99.0),
            "max_ms": latencies_ms.last().copied().map(round),
        },
    }))
}

/// One slow client, for as long as the run lasts.
async fn hang_on(address: SocketAddr, tally: Arc<Tally>) {
    loop {
        let connected =
            tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(address)).await;
        let Ok(Ok(mut stream)) = connected else {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        if stream.write_all(PARTIAL_HEAD).await.is_err() {
            tally.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        tally.holding.fetch_add(1, Ordering::Relaxed);
        // Whatever the server sends (a 408, or nothing), it ends with the connection.
        let mut sink = [0u8; 512];
        while let Ok(1..) = stream.read(&mut sink).await {}
        tally.holding.fetch_sub(1, Ordering::Relaxed);
        tally.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
