//! Officers change only what is theirs: a registration in their area that another officer
//! registered reaches their phone (so they see the person is registered already) but an
//! edit to it is refused, until a supervisor hands it over to them
//! (`POST /api/registrations/{id}/handover`), a change that reaches the phones by sync.

use crate::harness::{
    api_ok, edit_as, first_id, password_of, register_and_sync, spawn_app_with_siti, sync_accepted,
};
use jemput_server::client::NativeDevice;
use jemput_shared::document::ChangeAuthor;
use serde_json::json;

fn edit_phone(device: &mut NativeDevice, id: &str, phone: &str) {
    let author = ChangeAuthor::new(device.user_id.clone(), "Petugas");
    edit_as(device, id, &author, 1_764_000_000_000, |r| {
        r.phone = phone.into()
    });
}

#[tokio::test]
async fn an_officer_sees_another_officers_record_but_changes_it_only_once_handed_over() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(21).await;
    let mut rina = server.device("rina", "officer", &["17.01.01.2001"]).await;
    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);

    // Rina's phone pulls Siti's record (same village) but may not change it.
    rina.sync().await.unwrap();
    assert!(rina.replica.docs.contains_key(&id));
    edit_phone(&mut rina, &id, "081211112222");
    rina.sync().await.unwrap();
    let rejection = &rina.replica.rejected[&id];
    assert_eq!(rejection.code, "forbidden");
    assert_eq!(
        rejection.message_id,
        "Data ini didaftarkan petugas lain; Anda hanya dapat melihatnya."
    );
    let path = format!("/api/registrations/{id}");
    let (_, stored) = kepala.api("GET", &path, None).await.unwrap();
    assert_ne!(stored["phone"], "081211112222");

    // The supervisor hands it over to Rina; it reaches her phone by sync.
    let handover = format!("/api/registrations/{id}/handover");
    let body = api_ok(
        &mut kepala,
        "POST",
        &handover,
        Some(json!({"officer_id": rina.user_id})),
    )
    .await;
    assert_eq!(body["assigned_officer"], json!(rina.user_id));
    let mut rina = NativeDevice::login(&server.address, "rina", &password_of("rina"))
        .await
        .unwrap();
    rina.sync().await.unwrap();
    edit_phone(&mut rina, &id, "081233334444");
    sync_accepted(&mut rina).await;

    // Siti registered it and still may change it; the history names who did what.
    siti.sync().await.unwrap();
    edit_phone(&mut siti, &id, "081255556666");
    sync_accepted(&mut siti).await;
    let (_, stored) = kepala.api("GET", &path, None).await.unwrap();
    assert_eq!(stored["phone"], "081255556666");
    let (_, history) = kepala
        .api("GET", &format!("{path}/history"), None)
        .await
        .unwrap();
    let pushers: Vec<_> = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pushed_by_name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(pushers, ["siti", "kepala", "rina", "siti"], "{history}");
}

#[tokio::test]
async fn only_a_supervisor_in_scope_hands_over_and_only_to_an_officer_who_covers_it() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(22).await;
    let rina = server.device("rina", "officer", &["17.01.01.2001"]).await;
    let eko = server.device("eko", "officer", &["17.02.01"]).await;
    let mut kepala = server.device("kepala", "supervisor", &["17.01"]).await;
    let mut rudi = server.device("rudi", "supervisor", &["17.02"]).await;
    let gone = server.device("gone", "officer", &["17.01.01"]).await;
    let mut admin = server.admin_device().await;
    api_ok(
        &mut admin,
        "PATCH",
        &format!("/api/admin/users/{}", gone.user_id),
        Some(json!({"disabled": true})),
    )
    .await;
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    let id = first_id(&siti);
    let path = format!("/api/registrations/{id}/handover");

    // The officers it may go to: enabled, and their areas cover its address.
    let body = api_ok(&mut kepala, "GET", &path, None).await;
    let mut ids: Vec<_> = body["officers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected = vec![siti.user_id.clone(), rina.user_id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "{body}");
    assert_eq!(body["assigned_officer"], json!(null));

    let kepala_id = kepala.user_id.clone();
    for officer in [&eko.user_id, &gone.user_id, &kepala_id, "no-such-user"] {
        let (status, body) = kepala
            .api("POST", &path, Some(json!({"officer_id": officer})))
            .await
            .unwrap();
        assert_eq!(status, 400, "{officer}: {body}");
        assert_eq!(body["error"]["code"], "officer_cannot_take");
    }
    let to_rina = json!({"officer_id": rina.user_id});
    let (status, _) = siti
        .api("POST", &path, Some(to_rina.clone()))
        .await
        .unwrap();
    assert_eq!(status, 403, "an officer cannot hand over");
    let (status, _) = rudi
        .api("POST", &path, Some(to_rina.clone()))
        .await
        .unwrap();
    assert_eq!(status, 404, "another regency's supervisor does not see it");
    let (status, _) = rudi.api("GET", &path, None).await.unwrap();
    assert_eq!(status, 404);
    let (_, stored) = kepala
        .api("GET", &format!("/api/registrations/{id}"), None)
        .await
        .unwrap();
    assert_eq!(stored["assigned_officer"], json!(null), "nothing changed");

    // An officer cannot hand it over by sync either.
    let author = ChangeAuthor::new(siti.user_id.clone(), "Siti");
    let rina_id = rina.user_id.clone();
    edit_as(&mut siti, &id, &author, 1_764_000_000_000, |r| {
        r.assigned_officer = Some(rina_id)
    });
    siti.sync().await.unwrap();
    assert_eq!(siti.replica.rejected[&id].code, "forbidden");
}
