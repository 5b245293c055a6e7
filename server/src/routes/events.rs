//! `GET /api/events`: live notices for supervisors' screens, as server-sent events. Each
//! commit of documents — through this instance or any other sharing the database — sends
//!
//! ```text
//! event: registrations
//! data: {"seq":1234,"count":5}
//! ```
//!
//! (`seq`: the change log's position after the commit; `count`: documents written). A
//! screen reloads what it shows; the notice carries no registration data, so it needs no
//! scope filtering. `event: resync` means notices were lost (the client fell behind):
//! reload once. A comment line every 15 s keeps proxies from closing an idle stream.
//!
//! Authentication is the usual bearer token, or `?token=…` because a browser's
//! `EventSource` cannot set headers. The server never logs query strings
//! (`startup::request_span`); a proxy in front must not either. Supervisors and admins
//! only: officers' phones sync instead.

use std::convert::Infallible;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::{Stream, StreamExt};
use jemput_shared::policy::Role;
use serde::Deserialize;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::{bearer_token, Authenticated};
use crate::error::{ApiError, Message};
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(events))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn events(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let token = match query.token.as_deref() {
        Some(token) if !headers.contains_key(axum::http::header::AUTHORIZATION) => token,
        _ => bearer_token(&headers)?,
    };
    let auth = Authenticated::from_token(token, &state).await?;
    if !matches!(auth.user.role, Role::Supervisor | Role::Admin) {
        return Err(ApiError::Forbidden(Message::new(
            "supervisors_only",
            "Only supervisors and admins receive live updates.",
            "Hanya supervisor dan admin yang menerima pembaruan langsung.",
        )));
    }
    let notices = BroadcastStream::new(state.store.changes().subscribe()).map(|notice| {
        Ok(match notice {
            Ok(committed) => Event::default()
                .event("registrations")
                .json_data(committed)
                .unwrap_or_else(|_| Event::default().event("resync").data("{}")),
            Err(BroadcastStreamRecvError::Lagged(_)) => Event::default().event("resync").data("{}"),
        })
    });
    // Ends when the server shuts down: an endless response would hold up the graceful
    // shutdown forever.
    let mut stopping = state.stopping.subscribe();
    let stream = notices.take_until(async move {
        let _ = stopping.wait_for(|stopping| *stopping).await;
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
