//! Live change notices: "documents were committed, the change log now reaches seq N".
//! Every instance keeps one [`ChangeFeed`]; `GET /api/events` (routes/events.rs) relays
//! it to supervisors' screens as server-sent events.
//!
//! The store publishes into it: SQLite right after its commit (one process owns the
//! file's writes), PostgreSQL through `NOTIFY jemput_changes` sent inside the commit
//! transaction and a `LISTEN` connection on each instance, so a commit made through any
//! instance reaches subscribers of all of them, and only once it is committed.
//!
//! A notice is a hint to refresh, not data: a subscriber that lags behind loses old
//! notices (the channel is bounded) and simply refreshes once.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Notices kept for a slow subscriber before it starts losing the oldest.
const BACKLOG: usize = 256;

/// One committed sync request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// The highest change-log seq the commit wrote.
    pub seq: u64,
    /// How many documents it wrote.
    pub count: u64,
}

/// A broadcast of [`Committed`] notices. Cheap to clone; clones share the channel.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Committed>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl ChangeFeed {
    /// Tells every current subscriber; nobody listening is fine.
    pub fn publish(&self, committed: Committed) {
        let _ = self.sender.send(committed);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_subscriber_gets_each_notice() {
        let feed = ChangeFeed::default();
        let (mut a, mut b) = (feed.subscribe(), feed.subscribe());
        let notice = Committed { seq: 7, count: 2 };
        feed.publish(notice);
        assert_eq!(a.recv().await.unwrap(), notice);
        assert_eq!(b.recv().await.unwrap(), notice);
    }

    #[test]
    fn publishing_without_subscribers_is_harmless() {
        ChangeFeed::default().publish(Committed { seq: 1, count: 1 });
    }
}
