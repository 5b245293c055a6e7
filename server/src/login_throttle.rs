//! Slows down password guessing: after [`MAX_FAILURES`] wrong passwords for one username
//! within [`WINDOW_MS`], logins for that username are refused until the oldest failure
//! leaves the window. A correct password clears the count.
//!
//! Kept per server instance, in memory: several instances on one database each allow the
//! limit (still a few dozen guesses per quarter hour, not millions). The map is bounded:
//! when full, expired entries are dropped, and if none are, the stalest one goes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Wrong passwords allowed per username within the window.
pub const MAX_FAILURES: usize = 10;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Usernames tracked at once (a flood of made-up names must not grow memory).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl LoginThrottle {
    /// `Some(ms)` to wait before `username` may try again; `None` when it may try now.
    pub fn wait_ms(&self, username: &str, now_ms: i64) -> Option<i64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let times = failures.get_mut(&key(username))?;
        forget_expired(times, now_ms);
        if times.len() < MAX_FAILURES {
            return None;
        }
        times.front().map(|oldest| oldest + WINDOW_MS - now_ms)
    }

    pub fn record_failure(&self, username: &str, now_ms: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_TRACKED && !failures.contains_key(&key(username)) {
            failures.retain(|_, times| {
                forget_expired(times, now_ms);
                !times.is_empty()
            });
            if failures.len() >= MAX_TRACKED {
                let stalest = failures
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(name, _)| name.clone());
                if let Some(name) = stalest {
                    failures.remove(&name);
                }
            }
        }
        let times = failures.entry(key(username)).or_default();
        forget_expired(times, now_ms);
        times.push_back(now_ms);
        while times.len() > MAX_FAILURES {
            times.pop_front();
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&key(username));
    }
}

/// Usernames are case-insensitive at login ("Siti" is "siti").
fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn forget_expired(times: &mut VecDeque<i64>, now_ms: i64) {
    while times.front().is_some_and(|t| now_ms - t >= WINDOW_MS) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_the_oldest_failure_expires() {
        let throttle = LoginThrottle::default();
        for i in 0..MAX_FAILURES as i64 {
            assert_eq!(throttle.wait_ms("siti", 1_000 + i), None);
            throttle.record_failure("Siti", 1_000 + i);
        }
        assert_eq!(throttle.wait_ms("siti", 2_000), Some(WINDOW_MS - 1_000));
        assert_eq!(
            throttle.wait_ms("budi", 2_000),
            None,
            "others are not affected"
        );
        assert_eq!(throttle.wait_ms("siti", 1_000 + WINDOW_MS), None);
    }

    #[test]
    fn a_correct_password_clears_the_count() {
        let throttle = LoginThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.record_failure("siti", 5);
        }
        throttle.record_success("siti");
        throttle.record_failure("siti", 6);
        assert_eq!(throttle.wait_ms("siti", 7), None);
    }

    #[test]
    fn memory_stays_bounded_under_made_up_usernames() {
        let throttle = LoginThrottle::default();
        for i in 0..(MAX_TRACKED + 50) {
            throttle.record_failure(&format!("user{i}"), i as i64);
        }
        assert!(throttle.failures.lock().unwrap().len() <= MAX_TRACKED);
    }
}
