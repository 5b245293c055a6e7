//! The operator's command line, run against the same database as a running server.

use crate::harness::{
    expect_json, expect_wrong_credentials, serve_refused, spawn_app, spawn_app_with, DISTRICTS_CSV,
    REGENCIES_CSV, VILLAGES_CSV,
};
use reqwest::StatusCode;

/// A command line's words (none of them with a space).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that the command failed and said `reason` on stderr.
#[track_caller]
fn assert_fails_saying(output: &std::process::Output, reason: &str) {
    assert!(!output.status.success(), "it succeeded: {}", stderr(output));
    assert!(stderr(output).contains(reason), "{}", stderr(output));
}

#[tokio::test]
async fn the_first_start_without_a_configured_password_prints_a_generated_one() {
    let app = spawn_app_with(None).await;
    let prefix = "Created admin user \"admin\" with password: ";
    let line = app
        .startup_output
        .iter()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no password line in {:?}", app.startup_output));
    let password = &line[prefix.len()..];
    assert!(password.len() >= 16);
    app.login("admin", password).await;
}

#[tokio::test]
async fn a_restart_does_not_create_another_admin() {
    let mut app = spawn_app_with(None).await;
    app.restart().await;
    assert!(app.startup_output.is_empty(), "{:?}", app.startup_output);
}

#[tokio::test]
async fn a_user_added_on_the_command_line_logs_in_to_the_running_server() {
    let app = spawn_app().await;
    let output = app
        .cli(
            &[
                words("user add --username siti --role officer --regions 17.01.01,17.01.02"),
                vec!["--display-name", "Siti Aminah"],
            ]
            .concat(),
            &[("JEMPUT_PASSWORD", "kata-sandi-siti")],
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("siti"));

    let session = app.login("siti", "kata-sandi-siti").await;
    let me = app.me(&session.token).await;
    assert_eq!(
        me["user"]["regions"],
        serde_json::json!(["17.01.01", "17.01.02"])
    );
    assert_eq!(me["user"]["display_name"], "Siti Aminah");

    let list = app.cli(&["user", "list"], &[]).await;
    assert!(list.status.success());
    let listed = stdout(&list);
    assert!(
        listed.contains("admin") && listed.contains("siti") && listed.contains("17.01.01,17.01.02"),
        "{listed}"
    );
}

#[tokio::test]
async fn invalid_input_on_the_command_line_fails_with_a_reason() {
    let app = spawn_app().await;
    let output = app
        .cli(
            &words("user add --username siti --role boss --password kopi-hujan-sepeda-41"),
            &[],
        )
        .await;
    assert_fails_saying(&output, "role");

    let output = app
        .cli(&words("user add --username siti --role officer"), &[])
        .await;
    assert_fails_saying(&output, "JEMPUT_PASSWORD");

    let output = app
        .cli(
            &words("user add --username admin --role admin --password kopi-hujan-sepeda-41"),
            &[],
        )
        .await;
    assert_fails_saying(&output, "already taken");
}

#[tokio::test]
async fn set_password_and_disable_take_effect_on_the_running_server() {
    let app = spawn_app().await;
    let user = app.create_user("budi", "supervisor", &["17.01"]).await;

    let output = app
        .cli(
            &words("user set-password --username budi --password new-password-budi"),
            &[],
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    expect_wrong_credentials(app.try_login("budi", &user.password).await).await;
    let session = app.login("budi", "new-password-budi").await;

    let output = app
        .cli(&["user", "disable", "--username", "budi"], &[])
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    app.expect_token_refused(&session.token, "account_disabled")
        .await;

    let output = app
        .cli(&["user", "disable", "--username", "nobody"], &[])
        .await;
    assert!(!output.status.success());
}

#[tokio::test]
async fn set_password_on_the_command_line_ends_the_users_sessions() {
    let app = spawn_app().await;
    let (_, session) = app
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let output = app
        .cli(
            &["user", "set-password", "--username", "budi"],
            &[("JEMPUT_PASSWORD", "kopi-hujan-sepeda-41")],
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    app.expect_token_refused(&session.token, "session_revoked")
        .await;
}

#[tokio::test]
async fn a_user_disabled_on_the_command_line_and_enabled_again_must_log_in_again() {
    let app = spawn_app().await;
    let (user, session) = app
        .create_user_and_login("siti", "officer", &["17.01.01"])
        .await;
    let output = app
        .cli(&["user", "disable", "--username", "siti"], &[])
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let admin = app.admin_token().await;
    expect_json(
        app.patch_user(&admin, &user.id, &serde_json::json!({ "disabled": false }))
            .await,
        StatusCode::OK,
    )
    .await;
    app.expect_token_refused(&session.token, "session_revoked")
        .await;
    app.login("siti", &user.password).await;
}

#[tokio::test]
async fn a_weak_password_is_refused_on_the_command_line() {
    let app = spawn_app().await;
    for (password, reason) in [
        ("        ", "at least 10 characters"),
        ("            ", "only spaces"),
        ("password123", "easy to guess"),
        ("aminah-1990", "easy to guess"),
    ] {
        let output = app
            .cli(
                &[
                    words("user add --username siti"),
                    vec!["--display-name", "Siti Aminah", "--role", "officer"],
                ]
                .concat(),
                &[("JEMPUT_PASSWORD", password)],
            )
            .await;
        assert_fails_saying(&output, reason);
    }
}

#[tokio::test]
async fn a_weak_configured_admin_password_stops_the_first_start() {
    let output = serve_refused(&[], &[("JEMPUT_ADMIN_PASSWORD", "admin12345")]).await;
    assert_fails_saying(&output, "JEMPUT_ADMIN_PASSWORD");
}

#[tokio::test]
async fn regions_imported_on_the_command_line_are_served() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regencies.csv"), REGENCIES_CSV).unwrap();
    std::fs::write(dir.path().join("districts.csv"), DISTRICTS_CSV).unwrap();
    std::fs::write(dir.path().join("villages.csv"), VILLAGES_CSV).unwrap();

    let output = app
        .cli(&["regions", "import", dir.path().to_str().unwrap()], &[])
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("2 regencies, 3 districts and 3 villages"),
        "{}",
        stdout(&output)
    );

    let admin = app.admin_token().await;
    let list = expect_json(app.get("/api/regions", Some(&admin)).await, StatusCode::OK).await;
    assert_eq!(list["villages"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn importing_from_a_directory_without_the_files_fails() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let output = app
        .cli(&["regions", "import", dir.path().to_str().unwrap()], &[])
        .await;
    assert_fails_saying(&output, "regencies.csv");
}
