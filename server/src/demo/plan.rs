//! When each demo officer synced and how many registrations each sync brought: the
//! [`Plan`] behind the demo data's timeline.
//!
//! Every officer works through the last [`DAYS`] days and syncs now and then; each sync
//! ([`Session`]) carries the registrations made since the previous one, and is committed
//! as one store transaction from that officer's device, as a real sync would be. Some
//! officers stopped syncing more than a week ago (their phone broke, they are out of
//! signal), so the overview has stale officers to show. Sessions are ordered by sync
//! time and records numbered in that order, so the change log runs forward in time.

use jemput_shared::sample::SampleGenerator;

pub const DAYS: i64 = 90;
pub const DAY_MS: i64 = 24 * 3_600_000;
const HOUR_MS: i64 = 3_600_000;
/// At most this many registrations per sync (one commit): big enough for fast bulk
/// loading, small enough to keep a batch's documents in memory.
pub const MAX_SESSION_RECORDS: u64 = 2_000;
/// How many syncs an officer makes over [`DAYS`] when there are records enough.
const SYNCS_PER_OFFICER: u64 = 20;
/// Percent of officers who stopped syncing a while ago.
const STALE_PERCENT: u64 = 15;
/// A stale officer's last sync lies this many days back, or up to
/// [`STALE_EXTRA_DAYS`] more.
const STALE_AFTER_DAYS: i64 = 8;
const STALE_EXTRA_DAYS: u64 = 23;

/// One sync of one officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Index into the officers the plan was made for.
    pub officer: usize,
    /// The first record's number in this run; the session holds `records` consecutive ones.
    pub first_record: u64,
    pub records: u64,
    /// Its records were created after this time and up to `sync_at` (milliseconds).
    pub window_start: i64,
    pub sync_at: i64,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// By sync time; `first_record` counts up along them.
    pub sessions: Vec<Session>,
    /// Each officer's last sync, also for officers who got no records.
    pub last_sync: Vec<i64>,
    pub stale: Vec<bool>,
}

impl Plan {
    /// Spreads `records` over officers in proportion to `weights` (say, the villages each
    /// covers) and to how long each kept syncing, ending at `now`.
    pub fn new(weights: &[u64], records: u64, seed: u64, now: i64) -> Plan {
        let officers = weights.len();
        let mut rng = SampleGenerator::new(seed ^ 0x5EED_0FF1_CE25_D0C5);
        let mut stale: Vec<bool> = (0..officers)
            .map(|_| rng.below(100) < STALE_PERCENT)
            .collect();
        // A dashboard worth looking at has at least one of each.
        if officers >= 2 && !stale.contains(&true) {
            stale[rng.below(officers as u64) as usize] = true;
        }
        if officers > 0 && !stale.contains(&false) {
            stale[0] = false;
        }
        let start = now - DAYS * DAY_MS;
        let last_sync: Vec<i64> = stale
            .iter()
            .map(|&is_stale| {
                if is_stale {
                    let days = STALE_AFTER_DAYS + rng.below(STALE_EXTRA_DAYS) as i64;
                    now - days * DAY_MS - rng.below(DAY_MS as u64) as i64
                } else {
                    now - rng.below(36 * HOUR_MS as u64) as i64
                }
            })
            .collect();
        let shares: Vec<u64> = weights
            .iter()
            .zip(&last_sync)
            .map(|(&weight, &end)| weight.max(1) * ((end - start) / HOUR_MS).max(1) as u64)
            .collect();
        let per_officer = split(records, &shares);
        let session_size =
            (records / (officers.max(1) as u64 * SYNCS_PER_OFFICER)).clamp(1, MAX_SESSION_RECORDS);

        let mut sessions = Vec::new();
        for (officer, &count) in per_officer.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let syncs = count.div_ceil(session_size);
            let end = last_sync[officer];
            let spacing = (end - start) / syncs as i64;
            let mut window_start = start;
            for sync in 0..syncs {
                let sync_at = if sync + 1 == syncs {
                    end
                } else {
                    let planned = start + (sync as i64 + 1) * spacing;
                    planned - rng.below((spacing / 3).max(1) as u64) as i64
                };
                let records = count / syncs + u64::from(sync < count % syncs);
                sessions.push(Session {
                    officer,
                    first_record: 0,
                    records,
                    window_start,
                    sync_at,
                });
                window_start = sync_at;
            }
        }
        sessions.sort_by_key(|s| (s.sync_at, s.officer));
        let mut next = 0;
        for session in &mut sessions {
            session.first_record = next;
            next += session.records;
        }
        Plan {
            sessions,
            last_sync,
            stale,
        }
    }

    /// The session holding record number `record` of this run.
    pub fn session_of(&self, record: u64) -> Option<&Session> {
        let after = self.sessions.partition_point(|s| s.first_record <= record);
        let session = self.sessions.get(after.checked_sub(1)?)?;
        (record < session.first_record + session.records).then_some(session)
    }
}

/// `total` split in proportion to `shares` (largest remainders), summing to `total`.
fn split(total: u64, shares: &[u64]) -> Vec<u64> {
    let sum: u128 = shares.iter().map(|&s| u128::from(s)).sum();
    if sum == 0 {
        return vec![0; shares.len()];
    }
    let exact: Vec<(u64, u128)> = shares
        .iter()
        .map(|&share| {
            let scaled = u128::from(total) * u128::from(share);
            ((scaled / sum) as u64, scaled % sum)
        })
        .collect();
    let mut parts: Vec<u64> = exact.iter().map(|(whole, _)| *whole).collect();
    let missing = total - parts.iter().sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
    by_remainder.sort_by_key(|&i| (std::cmp::Reverse(exact[i].1), i));
    for &i in by_remainder.iter().take(missing as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000_000;

    #[test]
    fn every_record_lands_in_exactly_one_session_in_time_order() {
        let plan = Plan::new(&[3, 5, 1, 8, 2], 10_007, 1, NOW);
        let total: u64 = plan.sessions.iter().map(|s| s.records).sum();
        assert_eq!(total, 10_007);
        for pair in plan.sessions.windows(2) {
            assert!(pair[0].sync_at <= pair[1].sync_at);
            assert_eq!(pair[0].first_record + pair[0].records, pair[1].first_record);
        }
        for record in [0, 1, 5_000, 10_006] {
            let session = plan.session_of(record).unwrap();
            assert!(session.first_record <= record);
        }
        assert!(plan.session_of(10_007).is_none());
    }

    #[test]
    fn sessions_stay_within_the_last_90_days_and_officer_windows() {
        let plan = Plan::new(&[1; 12], 5_000, 7, NOW);
        for session in &plan.sessions {
            assert!(session.window_start >= NOW - DAYS * DAY_MS);
            assert!(session.window_start < session.sync_at);
            assert!(session.sync_at <= plan.last_sync[session.officer]);
            assert!(session.records <= MAX_SESSION_RECORDS);
        }
    }

    #[test]
    fn some_officers_are_stale_and_some_are_not() {
        let plan = Plan::new(&[1; 8], 100, 2, NOW);
        assert!(plan.stale.contains(&true) && plan.stale.contains(&false));
        for (officer, &stale) in plan.stale.iter().enumerate() {
            let idle = NOW - plan.last_sync[officer];
            assert_eq!(stale, idle > 7 * DAY_MS, "officer {officer}");
        }
    }

    #[test]
    fn a_split_keeps_the_total_and_the_proportions() {
        assert_eq!(split(10, &[1, 1, 2]), vec![3, 2, 5]);
        assert_eq!(split(0, &[1, 2]), vec![0, 0]);
        assert_eq!(split(7, &[0, 0]), vec![0, 0]);
    }

    #[test]
    fn the_same_seed_makes_the_same_plan() {
        let one = Plan::new(&[2, 3, 4], 999, 11, NOW);
        let two = Plan::new(&[2, 3, 4], 999, 11, NOW);
        assert_eq!(one.sessions, two.sessions);
    }
}
