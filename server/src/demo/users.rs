//! The people behind the demo data: per regency about [`OFFICERS_PER_REGENCY`] field
//! officers (`officer-1701-1` …, each covering some of the regency's districts, with a
//! phone: a device) and one supervisor (`supervisor-1701`), plus an `admin` when there
//! is none. Users that exist already (a second run) are reused as they are, password
//! included; only missing ones are created, with the demo password.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use jemput_shared::domain::{RegionCode, RegionDirectory, RegionLevel};
use jemput_shared::policy::Role;

use crate::accounts::{Access, DisplayName, NewUser, Password, User, Username};
use crate::auth;
use crate::startup::FIRST_ADMIN_USERNAME;
use crate::store::Store;

use super::names;

pub const OFFICERS_PER_REGENCY: usize = 4;
/// The name of the phone every demo officer syncs from.
pub const DEMO_DEVICE_NAME: &str = "HP demo";

/// A field officer and the villages they register people in.
#[derive(Debug, Clone)]
pub struct Officer {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    /// The villages of the officer's districts (or the villages they were given).
    pub villages: Vec<RegionCode>,
    pub device_id: String,
}

#[derive(Debug, Clone)]
pub struct Supervisor {
    pub user_id: String,
    pub display_name: String,
}

/// One account the demo uses, for the summary.
#[derive(Debug, Clone)]
pub struct Login {
    pub username: String,
    pub role: Role,
    /// Regency codes for supervisors and officers, empty for the admin.
    pub regency: Option<String>,
    /// False when the user existed already (and keeps their own password).
    pub created: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Staff {
    pub officers: Vec<Officer>,
    /// By regency code.
    pub supervisors: BTreeMap<String, Supervisor>,
    pub logins: Vec<Login>,
}

impl Staff {
    /// Finds or creates every demo user in `directory`'s regencies, and each officer's
    /// device.
    pub async fn ensure(
        store: &dyn Store,
        directory: &RegionDirectory,
        password: &Password,
        now_ms: i64,
    ) -> anyhow::Result<Staff> {
        let mut staff = Staff::default();
        let mut accounts = Accounts {
            store,
            directory,
            password,
        };
        let admin = accounts
            .find_or_create(
                FIRST_ADMIN_USERNAME,
                "Admin Disnakertrans",
                Role::Admin,
                &[],
            )
            .await?;
        staff.logins.push(Login {
            username: admin.0.username,
            role: Role::Admin,
            regency: None,
            created: admin.1,
        });
        for (number, (regency, _)) in directory.regencies().enumerate() {
            let districts: Vec<RegionCode> = directory
                .districts_of(regency)
                .map(|(code, _)| code.clone())
                .filter(|district| directory.villages_of(district).next().is_some())
                .collect();
            if districts.is_empty() {
                continue;
            }
            let digits = regency.as_str().replace('.', "");
            let (supervisor, created) = accounts
                .find_or_create(
                    &format!("supervisor-{digits}"),
                    &staff_name(number, 0),
                    Role::Supervisor,
                    std::slice::from_ref(regency),
                )
                .await?;
            staff.logins.push(Login {
                username: supervisor.username.clone(),
                role: Role::Supervisor,
                regency: Some(regency.as_str().to_owned()),
                created,
            });
            staff.supervisors.insert(
                regency.as_str().to_owned(),
                Supervisor {
                    user_id: supervisor.id,
                    display_name: supervisor.display_name,
                },
            );
            let officers = OFFICERS_PER_REGENCY.min(districts.len());
            for n in 0..officers {
                let assigned: Vec<RegionCode> = districts
                    .iter()
                    .skip(n)
                    .step_by(officers)
                    .cloned()
                    .collect();
                let (user, created) = accounts
                    .find_or_create(
                        &format!("officer-{digits}-{}", n + 1),
                        &staff_name(number, n + 1),
                        Role::Officer,
                        &assigned,
                    )
                    .await?;
                staff.logins.push(Login {
                    username: user.username.clone(),
                    role: Role::Officer,
                    regency: Some(regency.as_str().to_owned()),
                    created,
                });
                let villages = villages_of(directory, &user.regions);
                if villages.is_empty() {
                    tracing::warn!(username = %user.username, "officer covers no village; skipped");
                    continue;
                }
                let device_id = demo_device(store, &user.id, now_ms).await?;
                staff.officers.push(Officer {
                    user_id: user.id,
                    username: user.username,
                    display_name: user.display_name,
                    villages,
                    device_id,
                });
            }
        }
        if staff.officers.is_empty() {
            bail!("the region list has no regency with districts and villages to put officers in");
        }
        Ok(staff)
    }
}

struct Accounts<'a> {
    store: &'a dyn Store,
    directory: &'a RegionDirectory,
    password: &'a Password,
}

impl Accounts<'_> {
    /// The user named `username`, created with `role` and `regions` when missing; true
    /// when created now.
    async fn find_or_create(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        regions: &[RegionCode],
    ) -> anyhow::Result<(User, bool)> {
        if let Some(user) = self.store.user_by_username(username).await? {
            if user.role != role {
                bail!(
                    "the user {username} exists but is a {}, not a {}; rename or remove it \
                     before adding demo data",
                    user.role.code(),
                    role.code()
                );
            }
            return Ok((user, false));
        }
        let problem = |p: jemput_shared::validation::FieldProblem| {
            anyhow::anyhow!("{username}: {}: {}", p.field, p.message_en)
        };
        let codes: Vec<String> = regions.iter().map(|r| r.as_str().to_owned()).collect();
        let new_user = NewUser {
            username: Username::parse(username).map_err(problem)?,
            display_name: DisplayName::parse(display_name).map_err(problem)?,
            access: Access::parse(role, &codes, Some(self.directory)).map_err(problem)?,
            password_hash: auth::hash_password(self.password.clone()).await?,
        };
        let user = self
            .store
            .create_user(new_user)
            .await
            .with_context(|| format!("creating the user {username}"))?;
        Ok((user, true))
    }
}

/// The officer's demo phone, registered once and reused on later runs. Nobody holds its
/// token: it exists to carry the officer's syncs and their times.
async fn demo_device(store: &dyn Store, user_id: &str, now_ms: i64) -> anyhow::Result<String> {
    let devices = store.list_devices(user_id).await?;
    if let Some(device) = devices
        .iter()
        .find(|d| d.name == DEMO_DEVICE_NAME && d.revoked_at.is_none())
    {
        return Ok(device.id.clone());
    }
    let token_hash = auth::token_hash(&auth::new_token());
    let device = store
        .create_device(user_id, DEMO_DEVICE_NAME, token_hash, now_ms)
        .await?;
    Ok(device.id)
}

/// Every village of the given districts, and the given villages themselves.
fn villages_of(directory: &RegionDirectory, regions: &[String]) -> Vec<RegionCode> {
    let mut villages = Vec::new();
    for code in regions.iter().filter_map(|r| RegionCode::parse(r).ok()) {
        match code.level() {
            RegionLevel::District => {
                villages.extend(directory.villages_of(&code).map(|(v, _)| v.clone()))
            }
            RegionLevel::Village if directory.contains(&code) => villages.push(code),
            _ => {}
        }
    }
    villages
}

/// A fixed, plausible name for the `n`th person of the `regency`th regency's staff.
fn staff_name(regency: usize, n: usize) -> String {
    let seat = regency * (OFFICERS_PER_REGENCY + 1) + n;
    let (given, family) = if seat.is_multiple_of(2) {
        (names::MALE_GIVEN, names::MALE_FAMILY)
    } else {
        (names::FEMALE_GIVEN, names::FEMALE_FAMILY)
    };
    format!(
        "{} {}",
        given[(seat * 7) % given.len()],
        family[(seat * 13 + 5) % family.len()]
    )
}
