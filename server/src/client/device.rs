//! A native device: registrations kept in memory, synced through the shared sans-IO
//! [`DeviceSync`] core over [`HttpConnection`]. The load generator and the integration
//! tests use it; the browser app is the same loop over IndexedDB and `fetch`.

use anyhow::{anyhow, bail, Context};
use jemput_shared::registration::Registration;
use jemput_shared::sync::device::SyncLimits;
use jemput_shared::sync::message::SyncResponse;
use jemput_shared::sync::replica::MemoryReplica;
use jemput_shared::sync::wire;
use serde_json::json;

use super::http::HttpConnection;

/// The most a sync answer may inflate to on a device.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

pub struct NativeDevice {
    pub user_id: String,
    pub device_id: String,
    token: String,
    pub connection: HttpConnection,
    /// The documents and what the server holds of them.
    pub replica: MemoryReplica,
    pub limits: SyncLimits,
}

impl NativeDevice {
    /// Logs in as `username` and becomes a new device of theirs.
    pub async fn login(base_url: &str, username: &str, password: &str) -> anyhow::Result<Self> {
        let mut connection = HttpConnection::new(base_url)?;
        let body =
            json!({ "username": username, "password": password, "device_name": "jemput-native" });
        let response = connection
            .request(
                "POST",
                "/api/auth/login",
                &[("content-type", "application/json")],
                body.to_string().as_bytes(),
            )
            .await?;
        if response.status != 200 {
            bail!(
                "login of {username} failed: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
        }
        let login: serde_json::Value = serde_json::from_slice(&response.body)?;
        let field = |v: &serde_json::Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("bad login answer"))
        };
        Ok(NativeDevice {
            user_id: field(&login["user"]["id"])?,
            device_id: field(&login["device_id"])?,
            token: field(&login["token"])?,
            connection,
            replica: MemoryReplica::default(),
            limits: SyncLimits::default(),
        })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stores a new registration as a document, as the app's "Simpan" does.
    pub fn create(&mut self, registration: &Registration) {
        self.replica.create(registration);
    }

    /// Documents whose changes the server has not acknowledged.
    pub fn pending(&mut self) -> usize {
        self.replica.pending()
    }

    /// Calls a JSON API with this device's token.
    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let response = self
            .connection
            .request(
                method,
                path,
                &[
                    ("authorization", &auth),
                    ("content-type", "application/json"),
                ],
                body.as_bytes(),
            )
            .await?;
        let value = serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
        Ok((response.status, value))
    }

    /// One sync session: push everything pending, pull everything new. Fails on the
    /// first network or server error; what was acknowledged before stays acknowledged.
    pub async fn sync(&mut self) -> anyhow::Result<()> {
        let mut sync = self.replica.start_sync(self.limits);
        let auth = format!("Bearer {}", self.token);
        while let Some(request) = sync.poll_request() {
            let body = wire::encode(&request);
            let response = self
                .connection
                .request(
                    "POST",
                    "/api/sync",
                    &[
                        ("authorization", &auth),
                        ("content-type", wire::CONTENT_TYPE),
                    ],
                    &body,
                )
                .await;
            let response = match response {
                Ok(response) if response.status == 200 => response,
                Ok(response) => {
                    sync.handle_failure();
                    bail!(
                        "sync failed: {} {}",
                        response.status,
                        String::from_utf8_lossy(&response.body)
                    );
                }
                Err(error) => {
                    sync.handle_failure();
                    return Err(error).context("sync request failed");
                }
            };
            let answer: SyncResponse = wire::decode(&response.body, MAX_RESPONSE_BYTES)?;
            tracing::debug!(
                request_bytes = body.len(),
                pushed = request.push.len(),
                response_bytes = response.body.len(),
                pulled = answer.pull.as_ref().map_or(0, |p| p.docs.len()),
                "sync round trip"
            );
            for effect in sync.handle_response(answer) {
                self.replica.apply(effect, &mut sync)?;
            }
        }
        Ok(())
    }
}
