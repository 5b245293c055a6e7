//! Outcomes (issue 17): a person's follow-ups count on the overview's funnel, per
//! programme and per regency, this year and against the outcome targets (the province's
//! "10,000 skilled workers" by default); the table filters by stage and step; the export
//! says each person's stage and steps; a supervisor sees only their regencies' outcomes.

use crate::harness::supervision::{edit, read};
use crate::harness::{api_ok, first_id, register_and_sync, spawn_app_with_siti};
use jemput_shared::calendar::{iso_date, wib_date};
use jemput_shared::follow_up::{FollowUp, FollowUpDetails, Step};
use jemput_shared::registration::Programme;
use serde_json::{json, Value};

fn step(step: Step, date: &str, recorded_by: &str, details: FollowUpDetails) -> FollowUp {
    FollowUp {
        id: uuid::Uuid::new_v4().to_string(),
        programme: Programme::BlkTraining,
        step,
        date: date.into(),
        details,
        recorded_by: recorded_by.into(),
        recorded_by_name: String::new(),
        recorded_at: 1,
    }
}

/// The funnel's counts, stage by stage.
fn funnel(stages: &Value) -> Vec<(String, i64)> {
    stages
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_owned(),
                s["year_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The item of a JSON array whose `key` is `value`.
fn item<'a>(array: &'a Value, key: &str, value: &str) -> &'a Value {
    array
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {array}"))
}

fn counts(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

#[tokio::test]
async fn a_certified_trainee_counts_on_the_funnel_the_table_and_the_export() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(41).await;
    let mut admin = server.admin_device().await;
    let mut budi = server.device("budi", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.02"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 2).await;
    let id = first_id(&siti);

    // Enrolled, completed and certified, all today (a step may share its
    // predecessor's date), so this year whatever the day.
    let today = iso_date(wib_date(jemput_server::clock::now_ms()));
    let siti_id = siti.user_id.clone();
    edit(&mut siti, &id, |r| {
        let enrolled = FollowUpDetails {
            blk: "BLK Bengkulu".into(),
            vocation: "Teknik Las".into(),
            planned_end: today.clone(),
            ..Default::default()
        };
        let certificate = FollowUpDetails {
            certificate_number: "LSP-0042".into(),
            issuer: "LSP Las Bengkulu".into(),
            ..Default::default()
        };
        r.follow_ups = vec![
            step(Step::TrainingEnrolled, &today, &siti_id, enrolled),
            step(
                Step::TrainingCompleted,
                &today,
                &siti_id,
                Default::default(),
            ),
            step(Step::Certified, &today, &siti_id, certificate),
        ];
    });
    siti.sync().await.unwrap();
    assert!(
        siti.replica.rejected.is_empty(),
        "{:?}",
        siti.replica.rejected
    );
    assert_eq!(read(&mut siti, &id).follow_ups.len(), 3);

    let overview = api_ok(&mut budi, "GET", "/api/overview", None).await;
    let outcomes = &overview["outcomes"];
    let registered = overview["year_total"].as_i64().unwrap();
    assert_eq!(
        funnel(&outcomes["funnel"]),
        counts(&[
            ("registered", registered),
            ("enrolled", 1),
            ("qualified", 1),
            ("working", 0)
        ]),
        "the funnel starts from this year's registrations"
    );
    assert_eq!(
        outcomes["funnel"][2]["target"], 10_000,
        "the province's skilled workers by default"
    );
    let blk = item(&outcomes["programmes"], "programme", "blk_training");
    let certified = item(&blk["steps"], "step", "certified");
    assert_eq!(certified["year_count"], 1);
    assert_eq!(blk["stages"][2]["year_count"], 1);
    let regency = item(&outcomes["regencies"], "code", "17.01");
    assert_eq!(regency["stages"][1]["year_count"], 1);

    let other = api_ok(&mut rudi, "GET", "/api/overview", None).await;
    assert_eq!(
        funnel(&other["outcomes"]["funnel"]),
        counts(&[
            ("registered", 0),
            ("enrolled", 0),
            ("qualified", 0),
            ("working", 0)
        ]),
        "another regency's supervisor sees none of it"
    );

    // The table's filters.
    let listed = |body: &Value| -> Vec<String> {
        body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = api_ok(&mut budi, "GET", "/api/registrations?stage=qualified", None).await;
    assert_eq!(listed(&page), [id.as_str()]);
    assert_eq!(page["rows"][0]["stage"], "qualified");
    let page = api_ok(&mut budi, "GET", "/api/registrations?step=certified", None).await;
    assert_eq!(listed(&page), [id.as_str()]);
    let page = api_ok(&mut budi, "GET", "/api/registrations?stage=working", None).await;
    assert!(listed(&page).is_empty());
    let page = api_ok(
        &mut budi,
        "GET",
        "/api/registrations?stage=registered",
        None,
    )
    .await;
    assert_eq!(listed(&page).len(), 2, "everyone is at least registered");
    for bad in ["stage=hired", "step=graduated"] {
        let (status, body) = budi
            .api("GET", &format!("/api/registrations?{bad}"), None)
            .await
            .unwrap();
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // The export says the stage and the steps.
    let response = reqwest::Client::new()
        .get(server.url("/api/registrations/export.csv?step=certified"))
        .bearer_auth(budi.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(lines.next().is_none());
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("id"), id);
    assert_eq!(cell("stage"), "qualified");
    assert_eq!(
        cell("follow_ups"),
        format!(
            "blk_training:training_enrolled:{today};blk_training:training_completed:{today};\
             blk_training:certified:{today}"
        )
    );

    // Outcome targets: a regency's own, beside the province's registrations.
    let targets = json!({"targets": [
        {"regency": "17.01", "programme": null, "stage": "qualified", "yearly": 40},
        {"regency": "17.01", "programme": null, "yearly": 400},
        {"regency": null, "programme": "blk_training", "stage": "enrolled", "yearly": 90},
    ]});
    api_ok(&mut admin, "PUT", "/api/admin/targets", Some(targets)).await;
    let overview = api_ok(&mut budi, "GET", "/api/overview", None).await;
    let outcomes = &overview["outcomes"];
    let regency = item(&outcomes["regencies"], "code", "17.01");
    assert_eq!(regency["stages"][2]["target"], 40);
    assert_eq!(regency["stages"][0]["target"], 400);
    let blk = item(&outcomes["programmes"], "programme", "blk_training");
    assert_eq!(blk["stages"][1]["target"], 90);
    let same_twice = json!({"targets": [
        {"regency": "17.01", "programme": null, "stage": "qualified", "yearly": 40},
        {"regency": "17.01", "programme": null, "stage": "qualified", "yearly": 50},
    ]});
    let (status, body) = admin
        .api("PUT", "/api/admin/targets", Some(same_twice))
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
}
