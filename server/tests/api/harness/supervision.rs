//! What the supervision tests (overview, duplicates, targets) share: a small region
//! list, registrations made on an officer's device with a chosen NIK and creation time,
//! and the overview recounted from documents an admin's device pulled — so the server's
//! aggregate tables are checked against the source of truth.
#![allow(dead_code)]

use std::collections::BTreeMap;

use jemput_server::client::NativeDevice;

use crate::harness::{api_ok, TestApp};
use jemput_shared::domain::{civil_date_at, WIB_OFFSET_MS};
use jemput_shared::registration::Registration;
use jemput_shared::sample::SampleGenerator;
use serde_json::{json, Value};

pub const DAY_MS: i64 = 86_400_000;

pub const REGENCIES_CSV: &str = "code,name\n\
    17.01,Kabupaten Bengkulu Selatan\n\
    17.71,Kota Bengkulu\n";
pub const DISTRICTS_CSV: &str = "code,regency_code,name\n\
    17.01.01,17.01,Kedurang\n\
    17.71.01,17.71,Selebar\n";
pub const VILLAGES_CSV: &str = "code,district_code,name\n\
    17.01.01.2001,17.01.01,Batu Ampar\n\
    17.71.01.1001,17.71.01,Pagar Dewa\n";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Imports the region list above.
pub async fn import_regions(app: &TestApp) {
    app.import_regions_csv(REGENCIES_CSV, DISTRICTS_CSV, VILLAGES_CSV)
        .await;
}

/// A fresh server ([`spawn_app`](crate::harness::spawn_app)) with the region list above,
/// and its first admin signed in on a device.
pub async fn spawn_app_with_regions() -> (TestApp, NativeDevice) {
    let server = crate::harness::spawn_app().await;
    let admin = server.admin_device().await;
    import_regions(&server).await;
    (server, admin)
}

/// A registration on `device` in `village`, created `created_at`, with `nik` when given.
pub fn register_one(
    device: &mut NativeDevice,
    gen: &mut SampleGenerator,
    village: &str,
    created_at: i64,
    nik: Option<&str>,
) -> Registration {
    let mut registration = gen.registration(
        &device.user_id.clone(),
        &device.device_id.clone(),
        village,
        created_at,
    );
    if let Some(nik) = nik {
        registration.nik = nik.to_owned();
    }
    device.create(&registration);
    registration
}

/// Edits a registration on the device, as the officer's app does.
pub fn edit(device: &mut NativeDevice, id: &str, change: impl FnOnce(&mut Registration)) {
    let (doc, _) = device
        .replica
        .docs
        .get_mut(id)
        .expect("the device holds it");
    doc.edit(change).unwrap();
}

/// The registration as the device holds it.
pub fn read(device: &mut NativeDevice, id: &str) -> Registration {
    let (doc, _) = device
        .replica
        .docs
        .get_mut(id)
        .expect("the device holds it");
    doc.read().unwrap()
}

/// `GET /api/overview` as `device`'s user; panics unless 200.
pub async fn overview(device: &mut NativeDevice) -> Value {
    api_ok(device, "GET", "/api/overview", None).await
}

/// The numbers of an overview recounted from `admin`'s documents (pulled first), for
/// the regencies `scope` (`None`: all) at the time `at` — the overview's `generated_at`.
/// `duplicate_groups` ignores verdicts.
pub async fn recount(admin: &mut NativeDevice, scope: Option<&[&str]>, at: i64) -> Value {
    admin.sync().await.unwrap();
    let ids: Vec<String> = admin.replica.docs.keys().cloned().collect();
    let today = (at + WIB_OFFSET_MS).div_euclid(DAY_MS);
    let (year, _, _) = civil_date_at(at, WIB_OFFSET_MS);
    let mut total = 0;
    let mut year_total = 0;
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_programme: BTreeMap<String, i64> = BTreeMap::new();
    let mut regency_year: BTreeMap<String, i64> = BTreeMap::new();
    let mut programme_year: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_day = vec![0i64; 90];
    let mut niks: BTreeMap<String, i64> = BTreeMap::new();
    for id in ids {
        let r = read(admin, &id);
        let in_scope = scope.is_none_or(|s| s.contains(&r.address.regency.as_str()));
        if !in_scope || r.deleted.is_some() || r.duplicate_of.is_some() {
            continue;
        }
        total += 1;
        *by_status.entry(r.review.status.code().into()).or_default() += 1;
        for p in &r.programmes {
            *by_programme.entry(p.code().into()).or_default() += 1;
        }
        let (created_year, _, _) = civil_date_at(r.created_at, WIB_OFFSET_MS);
        if created_year == year {
            year_total += 1;
            *regency_year.entry(r.address.regency.clone()).or_default() += 1;
            for p in &r.programmes {
                *programme_year.entry(p.code().into()).or_default() += 1;
            }
        }
        let day = (r.created_at + WIB_OFFSET_MS).div_euclid(DAY_MS);
        if (today - 89..=today).contains(&day) {
            per_day[(day - (today - 89)) as usize] += 1;
        }
        if !r.nik.is_empty() {
            *niks.entry(r.nik.clone()).or_default() += 1;
        }
    }
    json!({
        "total": total,
        "year_total": year_total,
        "by_status": by_status,
        "by_programme": by_programme,
        "regency_year": regency_year,
        "programme_year": programme_year,
        "per_day": per_day,
        "duplicate_groups": niks.values().filter(|n| **n >= 2).count(),
    })
}

/// The overview's numbers in [`recount`]'s shape (zero entries left out).
pub fn numbers_of(overview: &Value) -> Value {
    let nonzero = |map: &Value| -> BTreeMap<String, i64> {
        map.as_object()
            .unwrap()
            .iter()
            .filter(|(_, n)| n.as_i64() != Some(0))
            .map(|(k, n)| (k.clone(), n.as_i64().unwrap()))
            .collect()
    };
    let year_counts = |list: &Value| -> BTreeMap<String, i64> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["year_count"].as_i64() != Some(0))
            .map(|e| {
                (
                    e["code"].as_str().unwrap().to_owned(),
                    e["year_count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let per_day: Vec<i64> = overview["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .collect();
    json!({
        "total": overview["total"],
        "year_total": overview["year_total"],
        "by_status": nonzero(&overview["by_status"]),
        "by_programme": nonzero(&overview["by_programme"]),
        "regency_year": year_counts(&overview["regencies"]),
        "programme_year": year_counts(&overview["programmes"]),
        "per_day": per_day,
        "duplicate_groups": overview["duplicate_groups"],
    })
}

/// Asserts that `device`'s overview equals the recount from `admin`'s documents.
pub async fn assert_overview_matches_recount(
    device: &mut NativeDevice,
    admin: &mut NativeDevice,
    scope: Option<&[&str]>,
    when: &str,
) {
    let shown = overview(device).await;
    let at = shown["generated_at"].as_i64().unwrap();
    let expected = recount(admin, scope, at).await;
    assert_eq!(numbers_of(&shown), expected, "{when}");
}
