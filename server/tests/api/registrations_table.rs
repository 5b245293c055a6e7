//! `GET /api/registrations`: the supervisors' table — filters, name and NIK search, sort,
//! paging, region and officer names, scope (a supervisor sees their regencies only, an
//! officer nothing), and 400 for bad parameters. Against a real server with registrations
//! synced from officers' devices.

use crate::harness::assert_error_messages;
use crate::harness::world::{world, Caller, World};
use serde_json::Value;

/// The registration numbers of a table page, in order, and the body.
async fn numbers(world: &World, caller: &Caller, query: &str) -> (Vec<usize>, Value) {
    let (status, body) = caller
        .get_json(&format!("/api/registrations?{query}"))
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    let numbers = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| world.number_of(row["id"].as_str().unwrap()))
        .collect();
    (numbers, body)
}

#[tokio::test]
async fn a_supervisor_filters_searches_sorts_and_pages_their_regency() {
    let w = &world().await;
    let budi = &w.budi;

    // Newest first, counted rows of 17.01 only.
    let (rows, body) = numbers(w, budi, "").await;
    assert_eq!(rows, [5, 4, 3, 2, 1]);
    assert_eq!(body["total"], 5);
    assert_eq!(body["total_is_exact"], true);
    assert_eq!(
        (body["page"].as_u64(), body["per_page"].as_u64()),
        (Some(1), Some(50))
    );

    // The row names its regions and officer.
    let first = &body["rows"][4];
    assert_eq!(first["full_name"], "Siti Rahmawati");
    assert_eq!(first["nik"], w.reg(1).nik.as_str());
    assert_eq!(first["regency_name"], "Kabupaten Bengkulu Selatan");
    assert_eq!(first["district"], "17.01.01");
    assert_eq!(first["district_name"], "Kedurang");
    assert_eq!(first["village_name"], "Batu Ampar");
    assert_eq!(first["officer_name"], "siti");
    assert_eq!(first["registered_by"], w.siti.user_id.as_str());
    assert_eq!(first["programmes"], serde_json::json!(["blk_training"]));
    assert_eq!(first["status"], "verified");
    assert_eq!(
        first["created_at"],
        crate::harness::world::november_at_ten_wib(1)
    );
    assert_eq!(first["duplicate_of"], Value::Null);

    let cases: Vec<(String, Vec<usize>)> = vec![
        ("status=verified".into(), vec![1]),
        ("status=rejected".into(), vec![3]),
        ("district=17.01.02".into(), vec![5, 4]),
        ("village=17.01.01.2002".into(), vec![2]),
        ("regency=17.01&status=submitted".into(), vec![5, 4, 2]),
        (format!("officer={}", w.rudi_id), vec![5, 4]),
        ("programme=blk_training".into(), vec![1]),
        ("programme=new_entrepreneur".into(), vec![3]),
        ("programme=job_placement".into(), vec![5, 4, 3, 2]),
        ("from=2025-11-02&to=2025-11-03".into(), vec![3, 2]),
        ("from=2025-11-04".into(), vec![5, 4]),
        ("to=2025-11-01".into(), vec![1]),
        ("duplicates=include".into(), vec![8, 5, 4, 3, 2, 1]),
        ("duplicates=exclude".into(), vec![5, 4, 3, 2, 1]),
        // Outside the scope: nothing, never someone else's rows.
        ("regency=17.71".into(), vec![]),
        ("village=17.71.01.1001".into(), vec![]),
        // Name search: every word starts a word of the name, any case.
        ("q=siti".into(), vec![2, 1]),
        ("q=SIT%20rah".into(), vec![1]),
        ("q=ami%20siti".into(), vec![2]),
        ("q=rahmat".into(), vec![4]),
        ("q=ti".into(), vec![]),
        ("q=rina".into(), vec![5]),
        ("q=siti&duplicates=include".into(), vec![8, 2, 1]),
        // NIK search: digits are a prefix of the NIK.
        ("q=170101".into(), vec![3, 2, 1]),
        (format!("q={}", w.reg(4).nik), vec![4]),
        (format!("q={}", &w.reg(4).nik[..10]), vec![4]),
        ("q=9999".into(), vec![]),
        // Empty values are unset filters, as a form sends them.
        ("status=&q=&regency=".into(), vec![5, 4, 3, 2, 1]),
    ];
    for (query, expected) in cases {
        let (rows, body) = numbers(w, budi, &query).await;
        assert_eq!(rows, expected, "{query}");
        assert_eq!(body["total"], expected.len(), "{query}");
    }

    // Sorting.
    let (rows, _) = numbers(w, budi, "district=17.01.01&sort=full_name&dir=asc").await;
    assert_eq!(rows, [3, 2, 1], "Budi, Siti Aminah, Siti Rahmawati");
    let (rows, _) = numbers(w, budi, "district=17.01.01&sort=full_name").await;
    assert_eq!(rows, [1, 2, 3]);
    let (rows, _) = numbers(w, budi, "sort=created_at&dir=asc").await;
    assert_eq!(rows, [1, 2, 3, 4, 5]);
    let (rows, _) = numbers(w, budi, "sort=nik&dir=asc").await;
    let mut by_nik = vec![1, 2, 3, 4, 5];
    by_nik.sort_by_key(|&n| (w.reg(n).nik.clone(), w.reg(n).created_at));
    assert_eq!(rows, by_nik);
    let (_, body) = numbers(w, budi, "sort=status&dir=asc").await;
    let statuses: Vec<&str> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "rejected",
            "submitted",
            "submitted",
            "submitted",
            "verified"
        ]
    );
    let (rows, _) = numbers(w, budi, "sort=updated_at").await;
    assert_eq!(rows.len(), 5);

    // Paging: the same order cut into pages, the total on each.
    let mut paged = Vec::new();
    for page in 1..=4 {
        let (rows, body) = numbers(w, budi, &format!("per_page=2&page={page}")).await;
        assert_eq!(body["total"], 5, "page {page}");
        assert_eq!(body["total_is_exact"], true);
        assert_eq!(body["per_page"], 2);
        paged.extend(rows);
    }
    assert_eq!(paged, [5, 4, 3, 2, 1]);
}

#[tokio::test]
async fn each_sees_only_their_scope_and_officers_are_refused() {
    let w = &world().await;
    let sari = &w.sari;
    let (rows, _) = numbers(w, sari, "").await;
    assert_eq!(rows, [7, 6]);
    let (rows, _) = numbers(w, sari, "q=siti").await;
    assert_eq!(rows, [7]);
    let (rows, _) = numbers(w, sari, "regency=17.01").await;
    assert_eq!(rows, Vec::<usize>::new());
    let (rows, _) = numbers(w, sari, "q=170101").await;
    assert_eq!(rows, Vec::<usize>::new());

    let admin = &w.admin;
    let (rows, body) = numbers(w, admin, "").await;
    assert_eq!(rows, [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(body["total"], 7);
    let (rows, _) = numbers(w, admin, "regency=17.71").await;
    assert_eq!(rows, [7, 6]);
    let (rows, _) = numbers(w, admin, "sort=regency&dir=asc").await;
    assert_eq!(rows, [1, 2, 3, 4, 5, 6, 7]);
    let (_, body) = numbers(w, admin, "q=siti").await;
    assert_eq!(body["total"], 3);

    let (status, body) = w.siti.get_json("/api/registrations").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "supervisors_only");

    let response = reqwest::get(format!("{}/api/registrations", w.server.address))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bad_parameters_are_refused_in_both_languages() {
    let w = world().await;
    for query in [
        "status=bogus",
        "sort=name",
        "dir=up",
        "page=0",
        "page=-1",
        "page=abc",
        "per_page=201",
        "per_page=0",
        "from=2025-13-01",
        "to=2025-02-29",
        "from=yesterday",
        "from=2025-11-05&to=2025-11-04",
        "regency=17",
        "regency=17.01.01",
        "district=17.01",
        "village=17.01.01",
        "programme=cooking",
        "duplicates=maybe",
        "q=12345678901234567",
        "q=%2D%2D%2D",
        "officer=%3Cscript%3E",
        "status=verified&status=rejected",
        "colour=blue",
        "token=abc",
    ] {
        let (status, body) = w
            .budi
            .get_json(&format!("/api/registrations?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_error_messages(&body);
    }
}
