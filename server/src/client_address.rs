//! Who is on the other end of a request, for login throttling and the login log: the TCP
//! peer (`ConnectInfo`, which `Application::run_until` serves with), or — only when the
//! operator configured a trusted reverse proxy header (`--trusted-proxy-header
//! X-Forwarded-For`, `JEMPUT_TRUSTED_PROXY_HEADER`) — the address the proxy appended to
//! that header.
//!
//! Only the right-most entry is used: a proxy appends the address it saw to whatever the
//! client sent, so every entry to its left is the client's own claim and could name
//! anyone. Without the setting the header is ignored entirely, so a client talking to the
//! server directly cannot pick its own address. With the setting but without the header
//! (a request that bypassed the proxy), or with an entry that is not an address, the TCP
//! peer stands.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};

use crate::error::ApiError;
use crate::startup::AppState;

/// The client's address, as far as the server can tell (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "the server was started without connection info; login needs the client address"
            )));
        };
        Ok(ClientAddress(client_address(
            peer.ip(),
            &parts.headers,
            state.trusted_proxy_header.as_ref(),
        )))
    }
}

/// The client's address: the right-most entry of the `trusted` header when one is
/// configured and holds an address, the TCP `peer` otherwise.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: Option<&HeaderName>) -> IpAddr {
    let appended = trusted
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(parse_entry);
    canonical(appended.unwrap_or(peer))
}

/// An address as proxies write it: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`, or
/// either with a port.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<IpAddr>().ok()
        })
}

/// An IPv4 client reached over an IPv6 socket (`::ffff:203.0.113.7`) is the IPv4 client.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &str = "192.0.2.1";

    fn address(headers: &[(&str, &str)], trusted: Option<&str>) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let trusted = trusted.map(|t| HeaderName::from_bytes(t.as_bytes()).unwrap());
        client_address(PEER.parse().unwrap(), &map, trusted.as_ref()).to_string()
    }

    #[test]
    fn without_a_trusted_header_the_peer_is_the_client_whatever_the_request_claims() {
        assert_eq!(address(&[("x-forwarded-for", "203.0.113.7")], None), PEER);
    }

    #[test]
    fn with_a_trusted_header_the_right_most_entry_is_the_client() {
        let trusted = Some("X-Forwarded-For");
        assert_eq!(
            address(&[("x-forwarded-for", "203.0.113.7")], trusted),
            "203.0.113.7"
        );
        // The left entries are what the client sent; only the proxy's own is believed.
        assert_eq!(
            address(&[("x-forwarded-for", "10.9.9.9, 203.0.113.7")], trusted),
            "203.0.113.7"
        );
        assert_eq!(
            address(
                &[
                    ("x-forwarded-for", "10.9.9.9"),
                    ("x-forwarded-for", "198.51.100.4")
                ],
                trusted
            ),
            "198.51.100.4"
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let trusted = Some("x-real-ip");
        assert_eq!(
            address(&[("x-real-ip", "203.0.113.7:5123")], trusted),
            "203.0.113.7"
        );
        assert_eq!(
            address(&[("x-real-ip", "[2001:db8::1]:443")], trusted),
            "2001:db8::1"
        );
        assert_eq!(
            address(&[("x-real-ip", "[2001:db8::1]")], trusted),
            "2001:db8::1"
        );
        assert_eq!(
            address(&[("x-real-ip", "::ffff:203.0.113.7")], trusted),
            "203.0.113.7"
        );
    }

    #[test]
    fn a_missing_or_unreadable_trusted_header_leaves_the_peer() {
        let trusted = Some("x-forwarded-for");
        assert_eq!(address(&[], trusted), PEER);
        assert_eq!(address(&[("x-forwarded-for", "unknown")], trusted), PEER);
        assert_eq!(address(&[("x-forwarded-for", "1.2.3.4, ")], trusted), PEER);
    }
}
