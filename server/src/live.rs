//! Live change notices: "documents were committed in these regencies, the change log now
//! reaches seq N". Every instance keeps one [`ChangeFeed`]; `GET /api/events`
//! (routes/supervision/events.rs) relays it to supervisors' screens as server-sent events, each
//! subscriber hearing only of the documents in its scope.
//!
//! The store publishes into it: SQLite right after its commit (one process owns the
//! file's writes), PostgreSQL through `NOTIFY jemput_changes` sent inside the commit
//! transaction and a `LISTEN` connection on each instance, so a commit made through any
//! instance reaches subscribers of all of them, and only once it is committed.
//!
//! A notice is a hint to refresh, not data: a subscriber that lags behind loses old
//! notices (the channel is bounded) and simply refreshes once; so does everyone when the
//! PostgreSQL listener had to reconnect ([`Notice::Missed`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::store::supervision::RegencyScope;

/// Notices kept for a slow subscriber before it starts losing the oldest.
const BACKLOG: usize = 256;

/// What the feed carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Committed(Committed),
    /// Commits may have gone unannounced (the PostgreSQL listener reconnected): every
    /// screen reloads once.
    Missed,
}

/// One committed sync request, or part of it: a commit touching more regencies than one
/// PostgreSQL notice holds is announced in several, with the same seq
/// ([`Committed::payloads`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// The highest change-log seq the commit wrote.
    pub seq: u64,
    /// How many documents it wrote, by the regency of their address.
    pub regencies: BTreeMap<String, u64>,
}

impl Committed {
    /// A commit up to `seq` of documents in these regencies, one item per document.
    pub fn new<'a>(seq: u64, regencies: impl IntoIterator<Item = &'a str>) -> Committed {
        let mut counts = BTreeMap::new();
        for regency in regencies {
            match counts.get_mut(regency) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(regency.to_owned(), 1);
                }
            }
        }
        Committed {
            seq,
            regencies: counts,
        }
    }

    /// How many of the commit's documents lie in `scope`; 0 means the commit is none of
    /// that subscriber's business.
    pub fn count_in(&self, scope: &RegencyScope) -> u64 {
        self.regencies
            .iter()
            .filter(|(regency, _)| scope.covers(regency))
            .map(|(_, count)| count)
            .sum()
    }

    /// The notice as JSON texts of at most `max_bytes` each (PostgreSQL refuses a
    /// `NOTIFY` payload of 8000 bytes or more): usually one; a commit touching hundreds
    /// of regencies is split by regency, each part with the same seq. None for a commit
    /// that wrote nothing.
    pub fn payloads(&self, max_bytes: usize) -> Result<Vec<String>, serde_json::Error> {
        let empty = serde_json::to_string(&Committed {
            seq: self.seq,
            regencies: BTreeMap::new(),
        })?
        .len();
        let mut payloads = Vec::new();
        let mut part = BTreeMap::new();
        let mut length = empty;
        for (regency, count) in &self.regencies {
            // `"code":count,`
            let entry = serde_json::to_string(regency)?.len() + count.to_string().len() + 2;
            if !part.is_empty() && length + entry > max_bytes {
                payloads.push(self.part(std::mem::take(&mut part))?);
                length = empty;
            }
            part.insert(regency.clone(), *count);
            length += entry;
        }
        if !part.is_empty() {
            payloads.push(self.part(part)?);
        }
        Ok(payloads)
    }

    fn part(&self, regencies: BTreeMap<String, u64>) -> Result<String, serde_json::Error> {
        serde_json::to_string(&Committed {
            seq: self.seq,
            regencies,
        })
    }
}

/// A broadcast of [`Notice`]s. Cheap to clone; clones share the channel.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Notice>,
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
    pub fn publish(&self, notice: Notice) {
        let _ = self.sender.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
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
        let notice = Notice::Committed(Committed::new(7, ["17.01", "17.71"]));
        feed.publish(notice.clone());
        assert_eq!(a.recv().await.unwrap(), notice);
        assert_eq!(b.recv().await.unwrap(), notice);
    }

    #[test]
    fn publishing_without_subscribers_is_harmless() {
        ChangeFeed::default().publish(Notice::Missed);
    }

    #[test]
    fn a_supervisor_counts_only_the_documents_of_their_regencies() {
        let committed = Committed::new(9, ["17.01", "17.71", "17.01", "17.02"]);
        assert_eq!(committed.count_in(&RegencyScope::All), 4);
        let only =
            |codes: &[&str]| RegencyScope::Only(codes.iter().map(|c| c.to_string()).collect());
        assert_eq!(committed.count_in(&only(&["17.01"])), 2);
        assert_eq!(committed.count_in(&only(&["17.02", "17.71"])), 2);
        assert_eq!(committed.count_in(&only(&["17.05"])), 0);
        assert_eq!(committed.count_in(&only(&[])), 0);
    }

    #[test]
    fn a_small_commit_is_one_payload_that_reads_back() {
        let committed = Committed::new(42, ["17.01", "17.01", "17.71"]);
        let payloads = committed.payloads(7999).unwrap();
        assert_eq!(payloads.len(), 1);
        let back: Committed = serde_json::from_str(&payloads[0]).unwrap();
        assert_eq!(back, committed);
    }

    #[test]
    fn a_commit_over_many_regencies_is_split_under_the_limit() {
        let codes: Vec<String> = (0..3000)
            .map(|i| format!("{:02}.{:02}", i / 100, i % 100))
            .collect();
        let committed = Committed::new(5, codes.iter().map(String::as_str));
        let payloads = committed.payloads(7999).unwrap();
        assert!(payloads.len() > 1);
        let mut joined = BTreeMap::new();
        for payload in &payloads {
            assert!(payload.len() <= 7999, "{} bytes", payload.len());
            let part: Committed = serde_json::from_str(payload).unwrap();
            assert_eq!(part.seq, 5);
            joined.extend(part.regencies);
        }
        assert_eq!(joined, committed.regencies);
    }

    #[test]
    fn a_commit_of_nothing_sends_nothing() {
        assert!(Committed::new(3, []).payloads(7999).unwrap().is_empty());
    }
}
