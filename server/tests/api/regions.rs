//! The region list: imported by an admin, read by everyone signed in.

use crate::harness::{expect_error, expect_json, spawn_app, REGENCIES_CSV, VILLAGES_CSV};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn imported_regions_are_listed_by_level_for_any_user() {
    let app = spawn_app().await;
    app.import_regions().await;
    let (_, officer) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;

    let list = expect_json(
        app.get("/api/regions", Some(&officer.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        list["regencies"],
        json!([
            { "code": "17.01", "parent": null, "name": "Kabupaten Bengkulu Selatan" },
            { "code": "17.71", "parent": null, "name": "Kota Bengkulu" },
        ])
    );
    assert_eq!(list["districts"].as_array().unwrap().len(), 3);
    assert_eq!(
        list["villages"][0],
        json!({ "code": "17.01.01.2001", "parent": "17.01.01", "name": "Batu Ampar" })
    );
}

#[tokio::test]
async fn the_region_list_needs_a_signed_in_user() {
    let app = spawn_app().await;
    expect_error(
        app.get("/api/regions", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn a_bad_file_is_refused_naming_file_and_line_and_the_old_list_stays() {
    let app = spawn_app().await;
    app.import_regions().await;
    let admin = app.admin_token().await;
    let body = json!({
        "regencies_csv": REGENCIES_CSV,
        "districts_csv": "code,regency_code,name\n17.09.01,17.01,Nowhere\n",
        "villages_csv": VILLAGES_CSV,
    });
    let error = expect_error(
        app.post_json("/api/admin/regions/import", Some(&admin), &body)
            .await,
        StatusCode::BAD_REQUEST,
        "regions_invalid",
    )
    .await;
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("districts.csv line 2"),
        "{error}"
    );

    let list = expect_json(app.get("/api/regions", Some(&admin)).await, StatusCode::OK).await;
    assert_eq!(list["districts"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn once_regions_are_imported_users_get_only_existing_codes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({ "username": "siti", "password": "kopi-hujan-sepeda-41", "role": "officer", "regions": ["17.01.09"] });
    // Before an import only the shape is checked…
    expect_json(
        app.post_json("/api/admin/users", Some(&admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    app.import_regions().await;
    // …afterwards the code must exist.
    let body = json!({ "username": "budi", "password": "kopi-hujan-sepeda-41", "role": "officer", "regions": ["17.01.09"] });
    expect_error(
        app.post_json("/api/admin/users", Some(&admin), &body).await,
        StatusCode::BAD_REQUEST,
        "region_unknown",
    )
    .await;
}
