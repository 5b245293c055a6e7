//! `GET /api/events` (server-sent events) in tests: [`Events::open`] reads the stream in
//! the background from the start, so no notice is missed while the test does other
//! things, and hands the events out one at a time.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

/// An open event stream.
pub struct Events {
    received: mpsc::UnboundedReceiver<(String, Value)>,
}

impl Events {
    /// Opens the stream of the server at `url` (no trailing slash) for `token`.
    pub async fn open(url: &str, token: &str) -> Events {
        let mut response = reqwest::Client::new()
            .get(format!("{url}/api/events"))
            .bearer_auth(token)
            .send()
            .await
            .expect("the event stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let (sender, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let field = |name: &str| block.lines().find_map(|line| line.strip_prefix(name));
                    // Comments (keep-alives) have no event name.
                    if let Some(event) = field("event: ") {
                        let data = field("data: ")
                            .map(|data| serde_json::from_str(data).expect("JSON data"))
                            .unwrap_or(Value::Null);
                        let _ = sender.send((event.to_owned(), data));
                    }
                }
            }
        });
        Events { received }
    }

    /// The next event's name and data (`Null` without data), or `None` once the server
    /// ended the stream. A generous timeout only guards against a hang.
    pub async fn next(&mut self) -> Option<(String, Value)> {
        tokio::time::timeout(Duration::from_secs(30), self.received.recv())
            .await
            .expect("an event or the end of the stream within 30 s")
    }

    /// The data of the next event called `name`, skipping others; panics when the stream
    /// ends or none comes within `patience`.
    pub async fn wait_for(&mut self, name: &str, patience: Duration) -> Value {
        tokio::time::timeout(patience, async {
            while let Some((event, data)) = self.received.recv().await {
                if event == name {
                    return data;
                }
            }
            panic!("the event stream ended before a `{name}` event");
        })
        .await
        .unwrap_or_else(|_| panic!("no `{name}` event within {patience:?}"))
    }
}
