//! Slows down password guessing without letting anyone lock the real user out.
//!
//! Wrong passwords are counted over the last [`WINDOW_MS`] (15 minutes) under three keys,
//! each with its own limit. An attempt under a key that reached its limit is refused (429,
//! before the password is even checked) until the oldest failure leaves the window:
//!
//! | key                          | limit | stops                                          |
//! |------------------------------|-------|------------------------------------------------|
//! | (username, address)          | 10    | one machine guessing one account               |
//! | address, across usernames    | 30    | one machine trying many accounts               |
//! | username, across addresses   | 30    | many machines (a botnet) guessing one account  |
//!
//! The address is the client's ([`crate::client_address`]: the TCP peer, or the trusted
//! proxy's entry). IPv6 clients count by their /64, the block one subscriber gets and can
//! otherwise walk through freely.
//!
//! **Known addresses keep the real user in.** A (username, address) pair that signed in
//! successfully within [`KNOWN_FOR_MS`] (30 days) is exempt from the address and the
//! username limits — never from its own pair limit. How that plays out:
//!
//! - *Someone guesses `admin`'s password*, from one address or a botnet of thousands: the
//!   `admin` count fills, but the admin logging in from the office they used yesterday is
//!   not held up by it. Only the pair limit could stop them, and it counts wrong passwords
//!   for `admin` from *their* address: an outsider elsewhere cannot fill it.
//! - *Office NAT*: forty supervisors behind one address share its count of 30. A
//!   colleague's typos, or an intruder on the office network spraying usernames, can fill
//!   it, but everyone who has signed in from the office before still gets in. What no
//!   scheme keyed on addresses can tell apart is an intruder behind the same NAT guessing
//!   one colleague's password: that colleague waits out their pair's window.
//! - *A phone on a carrier NAT* shares its address with thousands of strangers and often
//!   gets a new one. If it logs in from an address it has not used while that address's
//!   count is full, or while its username is under attack, it waits (at most 15 minutes
//!   after the guessing stops). Nothing is lost meanwhile: the app keeps working offline
//!   and only its sync waits for the login.
//! - *A botnet* gets 10 guesses per account per address, and 30 per account per 15
//!   minutes in all, however many addresses it has: 2,880 a day. A password the rule
//!   accepts (`accounts::Password`: zxcvbn score 3, over 10⁸ guesses) holds for about a
//!   century. Spraying common passwords over many accounts, each address gets 30 tries per
//!   15 minutes in all.
//!
//! A correct password clears only its pair's count: someone who owns an account cannot
//! wipe their address's count by signing in to it, and the username count fades by
//! itself. Refused attempts are not counted (the window does not grow while one waits).
//! Usernames that do not exist are counted like the others, so the answers reveal nothing.
//!
//! Kept per server instance, in memory: several instances on one database each allow the
//! limits, and a restart forgets the counts and the known addresses (until each user's
//! next login). Memory is bounded: each table holds at most [`MAX_TRACKED`] keys; when
//! one is full, expired entries are dropped, and if none are, the stalest one goes.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

/// Wrong passwords allowed per (username, address) within the window.
pub const PAIR_LIMIT: usize = 10;
/// Wrong passwords allowed per address, for all usernames together, within the window.
pub const ADDRESS_LIMIT: usize = 30;
/// Wrong passwords allowed per username, from all addresses together, within the window.
pub const USERNAME_LIMIT: usize = 30;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a successful login makes its (username, address) pair known.
pub const KNOWN_FOR_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Keys per table (a flood of made-up names or addresses must not grow memory).
pub const MAX_TRACKED: usize = 10_000;
/// Usernames are at most 32 characters; longer input only needs a bounded key.
const USERNAME_KEY_CHARS: usize = 64;

/// Which limit refused an attempt (for the log; the client is not told).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Pair,
    Address,
    Username,
}

/// An attempt refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub limit: Limit,
    /// Milliseconds until the refusing count falls below its limit.
    pub wait_ms: i64,
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    tables: Mutex<Tables>,
}

type Pair = (String, IpAddr);

#[derive(Debug)]
struct Tables {
    pairs: Failures<Pair>,
    addresses: Failures<IpAddr>,
    usernames: Failures<String>,
    /// Pairs that signed in, with the time of their latest success.
    known: HashMap<Pair, i64>,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            pairs: Failures::new(PAIR_LIMIT),
            addresses: Failures::new(ADDRESS_LIMIT),
            usernames: Failures::new(USERNAME_LIMIT),
            known: HashMap::new(),
        }
    }
}

impl LoginThrottle {
    /// `Err` when `username` may not try from `address` now.
    pub fn check(&self, username: &str, address: IpAddr, now_ms: i64) -> Result<(), Throttled> {
        let mut tables = self.lock();
        let pair = pair_key(username, address);
        let mut refusals = vec![(Limit::Pair, tables.pairs.wait_ms(&pair, now_ms))];
        let known = tables
            .known
            .get(&pair)
            .is_some_and(|at| now_ms - at < KNOWN_FOR_MS);
        if !known {
            refusals.push((Limit::Address, tables.addresses.wait_ms(&pair.1, now_ms)));
            refusals.push((Limit::Username, tables.usernames.wait_ms(&pair.0, now_ms)));
        }
        let longest = refusals
            .into_iter()
            .filter_map(|(limit, wait)| wait.map(|wait_ms| Throttled { limit, wait_ms }))
            .max_by_key(|t| t.wait_ms);
        longest.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, username: &str, address: IpAddr, now_ms: i64) {
        let mut tables = self.lock();
        let (name, address) = pair_key(username, address);
        tables.addresses.record(address, now_ms);
        tables.usernames.record(name.clone(), now_ms);
        tables.pairs.record((name, address), now_ms);
    }

    pub fn record_success(&self, username: &str, address: IpAddr, now_ms: i64) {
        let mut tables = self.lock();
        let pair = pair_key(username, address);
        tables.pairs.clear(&pair);
        let known = &mut tables.known;
        if known.len() >= MAX_TRACKED && !known.contains_key(&pair) {
            known.retain(|_, at| now_ms - *at < KNOWN_FOR_MS);
            if known.len() >= MAX_TRACKED {
                let oldest = known
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(key, _)| key.clone());
                if let Some(key) = oldest {
                    known.remove(&key);
                }
            }
        }
        known.insert(pair, now_ms);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // The tables stay consistent whatever panicked while holding them.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Usernames are case-insensitive at login ("Siti" is "siti"); an IPv6 address counts by
/// its /64.
fn pair_key(username: &str, address: IpAddr) -> Pair {
    let name = username
        .trim()
        .chars()
        .take(USERNAME_KEY_CHARS)
        .collect::<String>()
        .to_lowercase();
    let address = match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    };
    (name, address)
}

/// Failure times per key, within the window, at most `limit` per key.
#[derive(Debug)]
struct Failures<K> {
    limit: usize,
    times: HashMap<K, VecDeque<i64>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(limit: usize) -> Self {
        Failures {
            limit,
            times: HashMap::new(),
        }
    }

    /// `Some(ms)` to wait while `key` is at its limit.
    fn wait_ms(&mut self, key: &K, now_ms: i64) -> Option<i64> {
        let times = self.times.get_mut(key)?;
        forget_expired(times, now_ms);
        if times.len() < self.limit {
            return None;
        }
        times.front().map(|oldest| oldest + WINDOW_MS - now_ms)
    }

    fn record(&mut self, key: K, now_ms: i64) {
        if self.times.len() >= MAX_TRACKED && !self.times.contains_key(&key) {
            self.times.retain(|_, times| {
                forget_expired(times, now_ms);
                !times.is_empty()
            });
            if self.times.len() >= MAX_TRACKED {
                let stalest = self
                    .times
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(key, _)| key.clone());
                if let Some(key) = stalest {
                    self.times.remove(&key);
                }
            }
        }
        let times = self.times.entry(key).or_default();
        forget_expired(times, now_ms);
        times.push_back(now_ms);
        while times.len() > self.limit {
            times.pop_front();
        }
    }

    fn clear(&mut self, key: &K) {
        self.times.remove(key);
    }
}

fn forget_expired(times: &mut VecDeque<i64>, now_ms: i64) {
    while times.front().is_some_and(|t| now_ms - t >= WINDOW_MS) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const HOME: &str = "203.0.113.7";
    const ATTACKER: &str = "198.51.100.66";

    fn fail(throttle: &LoginThrottle, username: &str, address: &str, times: usize, at: i64) {
        for i in 0..times {
            throttle.record_failure(username, ip(address), at + i as i64);
        }
    }

    #[test]
    fn one_address_guessing_one_account_is_refused_until_the_oldest_failure_expires() {
        let throttle = LoginThrottle::default();
        for i in 0..PAIR_LIMIT as i64 {
            assert_eq!(throttle.check("siti", ip(ATTACKER), 1_000 + i), Ok(()));
            throttle.record_failure("Siti", ip(ATTACKER), 1_000 + i);
        }
        assert_eq!(
            throttle.check("siti", ip(ATTACKER), 2_000),
            Err(Throttled {
                limit: Limit::Pair,
                wait_ms: WINDOW_MS - 1_000
            })
        );
        assert_eq!(
            throttle.check("siti", ip(ATTACKER), 1_000 + WINDOW_MS),
            Ok(())
        );
    }

    #[test]
    fn guessing_from_one_address_does_not_hold_up_the_user_elsewhere() {
        let throttle = LoginThrottle::default();
        // As the login route does: refused attempts are not counted.
        for at in 0..100 {
            if throttle.check("admin", ip(ATTACKER), at).is_ok() {
                throttle.record_failure("admin", ip(ATTACKER), at);
            }
        }
        assert!(throttle.check("admin", ip(ATTACKER), 200).is_err());
        assert_eq!(throttle.check("admin", ip(HOME), 200), Ok(()));
        assert_eq!(throttle.check("budi", ip(HOME), 200), Ok(()));
    }

    #[test]
    fn one_address_trying_many_usernames_is_refused_for_any_new_one() {
        let throttle = LoginThrottle::default();
        for i in 0..ADDRESS_LIMIT {
            throttle.record_failure(&format!("user{i}"), ip(ATTACKER), i as i64);
        }
        let refused = throttle
            .check("someone-else", ip(ATTACKER), 100)
            .unwrap_err();
        assert_eq!(refused.limit, Limit::Address);
        assert_eq!(throttle.check("someone-else", ip(HOME), 100), Ok(()));
    }

    #[test]
    fn a_botnet_guessing_one_account_is_refused_but_the_user_from_a_known_address_is_not() {
        let throttle = LoginThrottle::default();
        throttle.record_success("admin", ip(HOME), 0);
        for i in 0..USERNAME_LIMIT {
            throttle.record_failure("admin", ip(&format!("10.0.{}.{}", i / 200, i % 200)), 10);
        }
        let refused = throttle.check("admin", ip("10.9.9.9"), 20).unwrap_err();
        assert_eq!(refused.limit, Limit::Username);
        assert_eq!(throttle.check("admin", ip(HOME), 20), Ok(()));
    }

    #[test]
    fn colleagues_behind_a_busy_office_address_still_get_in() {
        let throttle = LoginThrottle::default();
        throttle.record_success("budi", ip(HOME), 0);
        fail(&throttle, "intruder-target", HOME, ADDRESS_LIMIT * 2, 10);
        assert_eq!(throttle.check("budi", ip(HOME), 100), Ok(()));
        assert_eq!(
            throttle.check("rina", ip(HOME), 100).unwrap_err().limit,
            Limit::Address,
            "a colleague who never signed in from here waits"
        );
    }

    #[test]
    fn a_known_address_still_has_its_own_pair_limit() {
        let throttle = LoginThrottle::default();
        throttle.record_success("budi", ip(HOME), 0);
        fail(&throttle, "budi", HOME, PAIR_LIMIT, 10);
        assert_eq!(
            throttle.check("budi", ip(HOME), 100).unwrap_err().limit,
            Limit::Pair
        );
    }

    #[test]
    fn an_address_is_known_for_thirty_days() {
        let throttle = LoginThrottle::default();
        throttle.record_success("admin", ip(HOME), 0);
        let later = KNOWN_FOR_MS + 1;
        fail(&throttle, "admin", ATTACKER, 1, later);
        for i in 0..USERNAME_LIMIT {
            throttle.record_failure("admin", ip(&format!("10.1.0.{i}")), later);
        }
        assert_eq!(
            throttle
                .check("admin", ip(HOME), later + 1)
                .unwrap_err()
                .limit,
            Limit::Username
        );
    }

    #[test]
    fn a_correct_password_clears_only_its_own_pair() {
        let throttle = LoginThrottle::default();
        fail(&throttle, "siti", ATTACKER, PAIR_LIMIT - 1, 5);
        fail(&throttle, "eve", ATTACKER, ADDRESS_LIMIT - PAIR_LIMIT, 5);
        throttle.record_success("siti", ip(ATTACKER), 6);
        throttle.record_failure("siti", ip(ATTACKER), 7);
        assert_eq!(throttle.check("siti", ip(ATTACKER), 8), Ok(()));
        throttle.record_failure("mallory", ip(ATTACKER), 9);
        assert_eq!(
            throttle
                .check("another", ip(ATTACKER), 10)
                .unwrap_err()
                .limit,
            Limit::Address,
            "signing in did not wipe the address's count"
        );
    }

    #[test]
    fn an_ipv6_client_counts_by_its_slash_64() {
        let throttle = LoginThrottle::default();
        for i in 0..PAIR_LIMIT {
            throttle.record_failure("admin", ip(&format!("2001:db8:1:2::{i:x}")), 0);
        }
        assert!(throttle
            .check("admin", ip("2001:db8:1:2:ffff::1"), 1)
            .is_err());
        assert_eq!(throttle.check("admin", ip("2001:db8:1:3::1"), 1), Ok(()));
    }

    #[test]
    fn memory_stays_bounded_under_made_up_usernames_and_addresses() {
        let throttle = LoginThrottle::default();
        for i in 0..(MAX_TRACKED + 50) {
            let address = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
            throttle.record_failure(&format!("user{i}"), address, i as i64);
            throttle.record_success(&format!("user{i}"), address, i as i64);
        }
        throttle.record_failure(&"x".repeat(100_000), ip(HOME), 0);
        let tables = throttle.lock();
        assert!(tables.pairs.times.len() <= MAX_TRACKED);
        assert!(tables.addresses.times.len() <= MAX_TRACKED);
        assert!(tables.usernames.times.len() <= MAX_TRACKED);
        assert!(tables.known.len() <= MAX_TRACKED);
        assert!(tables.usernames.times.keys().all(|k| k.len() <= 64));
    }
}
