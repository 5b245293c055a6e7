//! `GET /api/events`: live notices for supervisors' screens, as server-sent events. Each
//! commit of documents in the subscriber's scope — through this instance or any other
//! sharing the database — sends
//!
//! ```text
//! event: registrations
//! data: {"seq":1234,"count":5}
//! ```
//!
//! (`seq`: the change log's position after the commit; `count`: documents written in the
//! subscriber's scope). A screen reloads what it shows. A supervisor hears only of
//! commits that wrote a document in one of their regencies, and counts only those; an
//! admin hears of every commit. `event: resync` means notices were lost (the client fell
//! behind, or commits went unannounced): reload once. A comment line every 15 s keeps
//! proxies from closing an idle stream.
//!
//! The stream lives as long as its session: before each notice, and every
//! `stream_session_check` (config) even when nothing happens, the token is checked
//! again, and the stream ends once the device is signed out, the user disabled or no
//! longer a supervisor; a change of regions applies from the next notice.
//!
//! Authentication is the usual bearer token, or `?token=…` because a browser's
//! `EventSource` cannot set headers. The server never logs query strings
//! (`startup::request_span`); a proxy in front must not either. Supervisors and admins
//! only: officers' phones sync instead.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::auth::{header_or_query_token, Authenticated, SupervisorScope};
use crate::error::ApiError;
use crate::live::Notice;
use crate::routes::ApiQuery;
use crate::startup::AppState;
use crate::store::supervision::RegencyScope;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(events))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn events(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let token = header_or_query_token(&headers, query.token.as_deref())?.to_owned();
    // What a session may hear of; officers (no supervision scope) are refused.
    let scope = SupervisorScope::of(Authenticated::from_token(&token, &state).await?)?.regencies;
    let period = state.http.stream_session_check;
    let mut check = tokio::time::interval_at(Instant::now() + period, period);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let subscription = Subscription {
        notices: state.store.changes().subscribe(),
        // Ends when the server shuts down: an endless response would hold up the
        // graceful shutdown forever.
        stopping: state.stopping.subscribe(),
        state,
        token,
        scope,
        check,
    };
    let stream = futures_util::stream::unfold(subscription, Subscription::next).map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The `data` of a `registrations` event.
#[derive(Debug, Serialize)]
struct Update {
    seq: u64,
    count: u64,
}

/// One open stream.
struct Subscription {
    state: AppState,
    token: String,
    scope: RegencyScope,
    notices: broadcast::Receiver<Notice>,
    stopping: watch::Receiver<bool>,
    check: Interval,
}

/// What woke a subscription up.
enum Wake {
    Stopping,
    Check,
    Notice(Result<Notice, RecvError>),
}

impl Subscription {
    /// The next event to send, or `None` to end the stream.
    async fn next(mut self) -> Option<(Event, Subscription)> {
        loop {
            let wake = tokio::select! {
                _ = self.stopping.wait_for(|stopping| *stopping) => Wake::Stopping,
                _ = self.check.tick() => Wake::Check,
                notice = self.notices.recv() => Wake::Notice(notice),
            };
            let event = match wake {
                Wake::Stopping | Wake::Notice(Err(RecvError::Closed)) => return None,
                Wake::Check => {
                    self.still_signed_in().await?;
                    continue;
                }
                Wake::Notice(Ok(Notice::Committed(committed))) => {
                    if committed.count_in(&self.scope) == 0 {
                        continue;
                    }
                    // The scope may have changed too: count in the current one.
                    self.still_signed_in().await?;
                    let count = committed.count_in(&self.scope);
                    if count == 0 {
                        continue;
                    }
                    let update = Update {
                        seq: committed.seq,
                        count,
                    };
                    Event::default()
                        .event("registrations")
                        .json_data(update)
                        .unwrap_or_else(|_| resync())
                }
                Wake::Notice(Ok(Notice::Missed) | Err(RecvError::Lagged(_))) => {
                    self.still_signed_in().await?;
                    resync()
                }
            };
            self.check.reset();
            return Some((event, self));
        }
    }

    /// Checks the token as a new request would, and takes the user's current scope;
    /// `None` once the session is over. A store that cannot answer right now keeps the
    /// stream open until the next check: ending it would make the browser give up.
    async fn still_signed_in(&mut self) -> Option<()> {
        match Authenticated::from_token(&self.token, &self.state).await {
            Ok(auth) => {
                self.scope = SupervisorScope::of(auth).ok()?.regencies;
                Some(())
            }
            Err(ApiError::Store(error)) => {
                tracing::warn!(%error, "cannot check a live stream's session; trying later");
                Some(())
            }
            Err(_) => None,
        }
    }
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}
