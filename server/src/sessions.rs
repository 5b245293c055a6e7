//! How long a sign-in lasts: every device token has an idle lifetime (it ends after that
//! long without an authenticated request) and an absolute lifetime (it ends that long
//! after the login, however busy), both per role and configurable (`Config::sessions`,
//! `jemput-server serve --officer-session-idle …`).
//!
//! Nothing is stored for this: a token's end follows from its device's `created_at` and
//! `last_seen_at` and its user's role, all read by the one session query every request
//! makes anyway, so changing a lifetime applies to existing tokens too and the sync path
//! gains no write. `last_seen_at` is refreshed at most once a minute
//! ([`SessionLifetimes::touch_after_ms`]), which is also how precise idle expiry is.
//!
//! The defaults ([`DEFAULT_LIFETIMES`]) follow how each role works:
//!
//! - **Officers** register people on phones that may have no signal for weeks. Expiry
//!   never stops their work: the app keeps every record and keeps taking new ones, and
//!   only asks for a login before its next sync (a refused token marks the session
//!   expired in `app/src/scheduler.rs`). So the idle lifetime is long — 30 days, longer
//!   than a field trip — and the absolute one is 90 days: a token copied off a phone, or
//!   a phone lost without anyone telling the admin, stops working within a quarter, and
//!   the officer proves the password once a quarter.
//! - **Supervisors** work online on office laptops and read every registration of their
//!   regencies (names, NIKs, exports). A laptop left open must not stay signed in
//!   overnight: 2 hours idle (a long meeting), 12 hours in all (one working day; they log
//!   in each morning).
//! - **Admins** can do everything, including resetting passwords and creating admins:
//!   1 hour idle, 12 hours in all.

use std::time::Duration;

use jemput_shared::policy::Role;

use crate::accounts::Device;

/// How long one role's sign-ins last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    /// The sign-in ends after this long without an authenticated request.
    pub idle: Duration,
    /// The sign-in ends this long after the login, however active.
    pub absolute: Duration,
}

/// [`Lifetime`]s per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub officer: Lifetime,
    pub supervisor: Lifetime,
    pub admin: Lifetime,
}

const HOUR: u64 = 60 * 60;
const DAY: u64 = 24 * HOUR;

/// The defaults; the reasons are in the module documentation.
pub const DEFAULT_LIFETIMES: SessionLifetimes = SessionLifetimes {
    officer: Lifetime {
        idle: Duration::from_secs(30 * DAY),
        absolute: Duration::from_secs(90 * DAY),
    },
    supervisor: Lifetime {
        idle: Duration::from_secs(2 * HOUR),
        absolute: Duration::from_secs(12 * HOUR),
    },
    admin: Lifetime {
        idle: Duration::from_secs(HOUR),
        absolute: Duration::from_secs(12 * HOUR),
    },
};

/// `last_seen_at` is written at most this often: a write per request would queue behind
/// syncs on the database's single writer.
const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;

impl Default for SessionLifetimes {
    fn default() -> Self {
        DEFAULT_LIFETIMES
    }
}

impl SessionLifetimes {
    pub fn of(&self, role: Role) -> Lifetime {
        match role {
            Role::Officer => self.officer,
            Role::Supervisor => self.supervisor,
            Role::Admin => self.admin,
        }
    }

    /// True when the sign-in of `device`, held by a user with `role`, has ended by
    /// `now_ms`: idle for too long, or too old.
    pub fn expired(&self, role: Role, device: &Device, now_ms: i64) -> bool {
        let lifetime = self.of(role);
        now_ms - device.last_seen_at >= millis(lifetime.idle)
            || now_ms - device.created_at >= millis(lifetime.absolute)
    }

    /// How old `last_seen_at` may get before a request refreshes it: once a minute, or
    /// more often for an idle lifetime under a few minutes, so that a session in use never
    /// looks idle.
    pub fn touch_after_ms(&self, role: Role) -> i64 {
        LAST_SEEN_GRANULARITY_MS.min(millis(self.of(role).idle) / 4)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_MS: i64 = 60_000;
    const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

    fn device(created_at: i64, last_seen_at: i64) -> Device {
        Device {
            id: "d".into(),
            user_id: "u".into(),
            name: String::new(),
            created_at,
            last_seen_at,
            last_sync_at: None,
            revoked_at: None,
            lost_at: None,
            wipe_confirmed_at: None,
            unsent_at_last_sync: None,
        }
    }

    #[test]
    fn an_officer_offline_for_four_weeks_is_still_signed_in() {
        let lifetimes = SessionLifetimes::default();
        let phone = device(0, DAY_MS);
        assert!(!lifetimes.expired(Role::Officer, &phone, 29 * DAY_MS));
        assert!(lifetimes.expired(Role::Officer, &phone, 31 * DAY_MS));
    }

    #[test]
    fn an_officer_in_daily_use_signs_in_again_after_ninety_days() {
        let lifetimes = SessionLifetimes::default();
        assert!(!lifetimes.expired(Role::Officer, &device(0, 89 * DAY_MS), 89 * DAY_MS + 1));
        assert!(lifetimes.expired(Role::Officer, &device(0, 90 * DAY_MS), 90 * DAY_MS));
    }

    #[test]
    fn a_supervisor_laptop_left_open_overnight_is_signed_out() {
        let lifetimes = SessionLifetimes::default();
        let laptop = device(0, 0);
        assert!(!lifetimes.expired(Role::Supervisor, &laptop, 119 * MINUTE_MS));
        assert!(lifetimes.expired(Role::Supervisor, &laptop, 120 * MINUTE_MS));
        let busy = device(0, 12 * 60 * MINUTE_MS - 1);
        assert!(lifetimes.expired(Role::Supervisor, &busy, 12 * 60 * MINUTE_MS));
    }

    #[test]
    fn admins_are_signed_out_sooner_than_supervisors_when_idle() {
        let lifetimes = SessionLifetimes::default();
        let laptop = device(0, 0);
        assert!(lifetimes.expired(Role::Admin, &laptop, 61 * MINUTE_MS));
        assert!(!lifetimes.expired(Role::Supervisor, &laptop, 61 * MINUTE_MS));
    }

    #[test]
    fn activity_is_recorded_often_enough_for_short_idle_lifetimes() {
        let mut lifetimes = SessionLifetimes::default();
        assert_eq!(lifetimes.touch_after_ms(Role::Officer), MINUTE_MS);
        lifetimes.officer.idle = Duration::from_secs(8);
        assert_eq!(lifetimes.touch_after_ms(Role::Officer), 2_000);
    }
}
