//! A small, known world for the registrations table and export tests: two regencies'
//! regions, three officers, two supervisors, and eight registrations synced from the
//! officers' devices with known names, places, days, programmes and reviews (one marked
//! a duplicate by a supervisor).
#![allow(dead_code)]

use jemput_server::client::NativeDevice;
use jemput_shared::registration::{ProgrammeInterest, Registration};
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

use crate::harness::{api_ok, spawn_app, TestApp};

const REGENCIES_CSV: &str = "code,name\n17.01,Kabupaten Bengkulu Selatan\n17.71,Kota Bengkulu\n";
const DISTRICTS_CSV: &str =
    "code,regency_code,name\n17.01.01,17.01,Kedurang\n17.01.02,17.01,Seginim\n17.71.01,17.71,Selebar\n";
const VILLAGES_CSV: &str = "code,district_code,name\n\
    17.01.01.2001,17.01.01,Batu Ampar\n\
    17.01.01.2002,17.01.01,Rantau Sialang\n\
    17.01.02.2001,17.01.02,Tanjung Aur\n\
    17.71.01.1001,17.71.01,Pagar Dewa\n";

const DAY_MS: i64 = 86_400_000;

/// 10:00 WIB on 2025-11-`day`.
pub fn november_at_ten_wib(day: i64) -> i64 {
    // 2025-11-01 is day 20,393 since the epoch; 10:00 WIB is 03:00 UTC.
    (20_392 + day) * DAY_MS + 3 * 3_600_000
}

/// One seeded registration: its name, where and by whom, its day in November 2025.
pub struct Seed {
    pub name: &'static str,
    pub village: &'static str,
    pub officer: &'static str,
    pub day: i64,
    pub programmes: fn() -> Vec<ProgrammeInterest>,
    /// Set through the review API by the regency's supervisor.
    pub status: Option<&'static str>,
}

fn job() -> Vec<ProgrammeInterest> {
    vec![ProgrammeInterest::JobPlacement]
}
fn blk() -> Vec<ProgrammeInterest> {
    vec![ProgrammeInterest::BlkTraining {
        vocation: "Menjahit".into(),
    }]
}
fn business() -> Vec<ProgrammeInterest> {
    vec![
        ProgrammeInterest::NewEntrepreneur,
        ProgrammeInterest::JobPlacement,
    ]
}

/// Numbered 1–7 in the tests (index + 1); number 8 is a copy of 2 marked its duplicate.
pub const SEEDS: [Seed; 7] = [
    Seed {
        name: "Siti Rahmawati",
        village: "17.01.01.2001",
        officer: "siti",
        day: 1,
        programmes: blk,
        status: Some("verified"),
    },
    Seed {
        name: "Siti Aminah",
        village: "17.01.01.2002",
        officer: "siti",
        day: 2,
        programmes: job,
        status: None,
    },
    Seed {
        name: "Budi Santoso",
        village: "17.01.01.2001",
        officer: "siti",
        day: 3,
        programmes: business,
        status: Some("rejected"),
    },
    Seed {
        name: "Rahmat Hidayat",
        village: "17.01.02.2001",
        officer: "rudi",
        day: 4,
        programmes: job,
        status: None,
    },
    Seed {
        name: "-Rina Ayu",
        village: "17.01.02.2001",
        officer: "rudi",
        day: 5,
        programmes: job,
        status: None,
    },
    Seed {
        name: "Dewi Lestari",
        village: "17.71.01.1001",
        officer: "yanti",
        day: 6,
        programmes: job,
        status: None,
    },
    Seed {
        name: "Siti Nurhaliza",
        village: "17.71.01.1001",
        officer: "yanti",
        day: 7,
        programmes: job,
        status: None,
    },
];

/// A signed-in user calling the HTTP API.
pub struct Caller {
    pub url: String,
    pub token: String,
    pub user_id: String,
}

impl Caller {
    fn of(server: &TestApp, device: &NativeDevice) -> Caller {
        Caller {
            url: server.address.clone(),
            token: device.token().to_owned(),
            user_id: device.user_id.clone(),
        }
    }

    /// `GET path` with the bearer token: status and JSON body (`Null` if not JSON).
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    /// `GET path` with the bearer token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

pub struct World {
    pub server: TestApp,
    pub admin: Caller,
    /// Supervisor of 17.01.
    pub budi: Caller,
    /// Supervisor of 17.71.
    pub sari: Caller,
    /// An officer in 17.01.01.
    pub siti: Caller,
    pub rudi_id: String,
    /// The registrations, numbered from 1 as in the tests (`registrations[0]` is 1).
    pub registrations: Vec<Registration>,
}

impl World {
    /// Registration number `n` (from 1).
    pub fn reg(&self, n: usize) -> &Registration {
        &self.registrations[n - 1]
    }

    /// The number of the registration with this id.
    pub fn number_of(&self, id: &str) -> usize {
        self.registrations
            .iter()
            .position(|r| r.id == id)
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("unknown registration {id}"))
    }
}

pub async fn world() -> World {
    let server = spawn_app().await;
    let admin = server.admin_device().await;
    server
        .import_regions_csv(REGENCIES_CSV, DISTRICTS_CSV, VILLAGES_CSV)
        .await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut rudi = server.device("rudi", "officer", &["17.01.02"]).await;
    let mut yanti = server.device("yanti", "officer", &["17.71.01"]).await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut sari = server.device("sari", "supervisor", &["17.71"]).await;

    let mut gen = SampleGenerator::new(42);
    let mut registrations = Vec::new();
    for seed in &SEEDS {
        let officer = match seed.officer {
            "siti" => &mut siti,
            "rudi" => &mut rudi,
            _ => &mut yanti,
        };
        let mut registration = gen.registration(
            &officer.user_id.clone(),
            &officer.device_id.clone(),
            seed.village,
            november_at_ten_wib(seed.day),
        );
        registration.full_name = seed.name.into();
        registration.programmes = (seed.programmes)();
        officer.create(&registration);
        registrations.push(registration);
    }
    // 8: the same person as 2, registered again a week later.
    let mut again = registrations[1].clone();
    again.id = gen.uuid();
    again.created_at = november_at_ten_wib(8);
    siti.create(&again);
    registrations.push(again);
    for officer in [&mut siti, &mut rudi, &mut yanti] {
        officer.sync().await.unwrap();
        assert_eq!(officer.pending(), 0);
    }

    for (seed, registration) in SEEDS.iter().zip(&registrations) {
        if let Some(status) = seed.status {
            let supervisor = if registration.address.regency == "17.01" {
                &mut budi
            } else {
                &mut sari
            };
            api_ok(
                supervisor,
                "POST",
                &format!("/api/registrations/{}/review", registration.id),
                Some(json!({"status": status})),
            )
            .await;
        }
    }
    // The supervisor marks 8 a duplicate of 2, on their own device, as the queue would.
    budi.sync().await.unwrap();
    let (duplicate, original) = (registrations[7].id.clone(), registrations[1].id.clone());
    {
        let (doc, _) = budi.replica.docs.get_mut(&duplicate).unwrap();
        doc.edit(|r| r.duplicate_of = Some(original.clone()))
            .unwrap();
    }
    budi.sync().await.unwrap();
    assert_eq!(budi.pending(), 0);
    registrations[7].duplicate_of = Some(original);

    World {
        admin: Caller::of(&server, &admin),
        budi: Caller::of(&server, &budi),
        sari: Caller::of(&server, &sari),
        siti: Caller::of(&server, &siti),
        rudi_id: rudi.user_id.clone(),
        server,
        registrations,
    }
}
