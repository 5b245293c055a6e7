//! The HTTP serve loop: accepting connections under a cap, HTTP/1.1 on each with time
//! limits for slow clients, and a graceful shutdown. Built on hyper directly because
//! `axum::serve` has neither a header timeout nor a connection cap: slow clients that
//! opened connections and sent a few bytes held them forever, and once the process ran
//! out of file descriptors nobody — `/healthz` included — got in.
//!
//! What bounds a client (values and reasons in [`HttpConfig::default`]):
//!
//! - **Open connections**: at most `max_connections` (from the open-file limit, see
//!   `open_files.rs`). At the cap the loop stops accepting: new connections wait in the
//!   kernel's backlog until one closes, rather than being accepted and then starved.
//! - **Request head**: hyper's header-read timeout, which runs whenever a connection waits
//!   for a request — the first, or the next on a kept-alive connection — so it is the
//!   idle timeout too. It never runs while a response is being sent: the endless
//!   `/api/events` stream is not cut.
//! - **Request body**: the whole body within `body_timeout` of the handler starting to
//!   read it, with no pause longer than `body_stall_timeout`
//!   ([`time_request_bodies`], applied in `startup::router`). Too slow answers 408 in
//!   the API's JSON error form. Bodiless requests (every `GET`, the event stream among
//!   them) are not timed.
//!
//! Handlers can take `ConnectInfo<SocketAddr>`: the peer's address is added to every
//! request.
//!
//! **Shutdown** (SIGTERM, `docs/upgrade.md`): the loop stops accepting and closes the
//! listener, so new connections are refused; idle connections close at once; endless
//! responses (the live-events stream) end on `AppState::stopping`; the requests in flight
//! get up to `grace` to finish. Whatever is still open then is dropped: its client never
//! got an answer and retries, and nothing it was told is lost, since a sync acknowledges
//! only what is committed (a commit already running on a blocking thread still finishes).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::Layer as _;

use crate::config::HttpConfig;
use crate::error::ApiError;

/// Serves `app` on `listener` until `shutdown` completes, then waits up to `grace` for the
/// requests in flight and drops the connections still open. At most `max_connections`
/// connections are open at once; each must send a request head within `head_timeout` of
/// being ready for one.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    head_timeout: Duration,
    max_connections: usize,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Drained> {
    let mut connections = http1::Builder::new();
    connections
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout);
    let slots = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    // Cancelled once the grace period is over: drops the connections still open.
    let cut = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        // A slot first: at the cap, connections stay in the kernel's backlog.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        // Answers are small and written whole: send them without waiting for more.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(Extension(ConnectInfo(peer)).layer(app.clone()));
        let connection =
            graceful.watch(connections.serve_connection(TokioIo::new(stream), service));
        let cut = cut.clone();
        let open = crate::metrics::Counted::open_connection();
        tokio::spawn(async move {
            let _open = open;
            tokio::select! {
                ended = connection => if let Err(error) = ended {
                    // Timeouts and clients that went away: routine, not worth a warning.
                    tracing::debug!(%error, "connection ended with an error");
                },
                // Dropping the connection drops its request's handler and closes the socket.
                () = cut.cancelled() => {}
            }
            drop(slot);
        });
    }
    drop(listener);
    let started = Instant::now();
    let open = graceful.count();
    tracing::info!(
        open_connections = open,
        grace_seconds = grace.as_secs_f64(),
        "shutting down: no new connections, waiting for the requests in flight"
    );
    let finished = tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok();
    let mut dropped = 0;
    if !finished {
        dropped = max_connections - slots.available_permits();
        cut.cancel();
        // Every connection task gives its slot back once its connection is dropped.
        let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
        let _ = slots.acquire_many(all).await;
    }
    Ok(Drained {
        open_connections: open,
        dropped_connections: dropped,
        started,
    })
}

/// How the connections ended at shutdown.
#[derive(Debug)]
pub struct Drained {
    /// Open when the shutdown began (busy or idle).
    pub open_connections: usize,
    /// Still busy when the grace period was over, and dropped.
    pub dropped_connections: usize,
    /// When the shutdown began.
    pub started: Instant,
}

/// A connection reset before it was accepted concerns that client only; anything else
/// (out of memory or descriptors despite the cap) gets a pause, so a persistent failure
/// does not spin the loop.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections");
    tokio::time::sleep(Duration::from_millis(250)).await;
}

/// `router` with its request bodies timed (see the module docs).
pub fn time_request_bodies<S>(router: Router<S>, http: &HttpConfig) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(middleware::from_fn_with_state(
        BodyTimeouts {
            whole: http.body_timeout,
            stall: http.body_stall_timeout,
        },
        read_body_in_time,
    ))
}

#[derive(Debug, Clone, Copy)]
struct BodyTimeouts {
    whole: Duration,
    stall: Duration,
}

/// Times the request body (see the module docs); a body that came too slowly answers
/// 408, whatever the handler made of the failed read, and the connection closes.
async fn read_body_in_time(
    State(timeouts): State<BodyTimeouts>,
    request: Request,
    next: Next,
) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let timed_out = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&timed_out);
    let request = request.map(|body| {
        Body::new(TimedBody {
            inner: body,
            timeouts,
            whole_deadline: None,
            timer: None,
            timed_out: flag,
        })
    });
    let response = next.run(request).await;
    if !timed_out.load(Ordering::Relaxed) {
        return response;
    }
    let mut response = ApiError::RequestTimeout.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that fails once its time is up; the clocks start at the first read.
struct TimedBody {
    inner: Body,
    timeouts: BodyTimeouts,
    whole_deadline: Option<Instant>,
    /// Fires at the earlier of the whole deadline and the end of the allowed pause.
    timer: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly")]
struct BodyTooSlow;

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.timed_out.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTooSlow))));
        }
        let now = Instant::now();
        let whole = *this.whole_deadline.get_or_insert(now + this.timeouts.whole);
        let timer = this.timer.get_or_insert_with(|| {
            Box::pin(tokio::time::sleep_until(
                whole.min(now + this.timeouts.stall),
            ))
        });
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            // Progress: the allowed pause starts again.
            timer
                .as_mut()
                .reset(whole.min(Instant::now() + this.timeouts.stall));
            return Poll::Ready(frame);
        }
        if timer.as_mut().poll(cx).is_ready() {
            this.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(BodyTooSlow))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    use axum::routing::{get, post};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn start(app: Router, http: HttpConfig) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = time_request_bodies(app, &http);
        tokio::spawn(async move {
            serve(
                listener,
                app,
                http.head_timeout,
                16,
                http.shutdown_grace,
                std::future::pending(),
            )
            .await
        });
        address
    }

    /// Everything the server sends until it closes the connection (or resets it, as it
    /// may when it leaves bytes unread).
    async fn until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> String {
        let mut answer = Vec::new();
        let read = async {
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buffer).await {
                answer.extend_from_slice(&buffer[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("the server closes the connection");
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn handlers_learn_the_peer_address() {
        let app = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
        let address = start(app, HttpConfig::default()).await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let local = stream.local_addr().unwrap();
        stream
            .write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with(&local.to_string()), "{answer}");
    }

    #[tokio::test]
    async fn a_body_that_stalls_is_answered_408_in_json() {
        let app = Router::new().route("/echo", post(|body: Bytes| async move { body }));
        let http = HttpConfig {
            body_stall_timeout: Duration::from_millis(300),
            ..HttpConfig::default()
        };
        let address = start(app, http).await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf")
            .await
            .unwrap();
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    }

    #[tokio::test]
    async fn a_body_that_trickles_past_the_whole_deadline_is_answered_408() {
        let app = Router::new().route("/echo", post(|body: Bytes| async move { body }));
        let http = HttpConfig {
            body_timeout: Duration::from_millis(500),
            ..HttpConfig::default()
        };
        let address = start(app, http).await;
        let (mut reader, mut writer) = tokio::net::TcpStream::connect(address)
            .await
            .unwrap()
            .into_split();
        writer
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            .await
            .unwrap();
        // A byte every 100 ms: never a long pause, never done.
        let trickle = tokio::spawn(async move {
            while writer.write_all(b"x").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let answer = until_closed(&mut reader).await;
        trickle.abort();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let app = Router::new().route("/echo", post(|body: Bytes| async move { body }));
        let address = start(app, HttpConfig::default()).await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhel")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stream.write_all(b"lo").await.unwrap();
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hello"), "{answer}");
    }
}
