//! Prints how many bytes a batch of 100 new realistic registrations takes on the wire
//! (the push body, before HTTP headers): `cargo run --release --example wire_size`.
use jemput_shared::document::RegistrationDoc;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::{push_item, SyncedState};
use jemput_shared::sync::message::{SyncRequest, PROTOCOL_VERSION};
use jemput_shared::sync::wire;

fn main() {
    let mut gen = SampleGenerator::new(1);
    let mut items = Vec::new();
    let mut raw = 0;
    for _ in 0..100 {
        let officer = "4b0e7c1e-1111-4000-8000-000000000001";
        let device = "5c0e7c1e-2222-4000-8000-000000000002";
        let r = gen.registration(officer, device, "17.01.01.2001", 1_764_000_000_000);
        let mut doc = RegistrationDoc::create(&r);
        let item = push_item(&r.id, &mut doc, &SyncedState::default());
        raw += item.changes.len();
        items.push(item);
    }
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        push: items,
        pull: None,
    };
    let encoded = wire::encode(&request);
    println!(
        "document avg {} bytes uncompressed; batch of 100 on the wire {} bytes = {} per record",
        raw / 100,
        encoded.len(),
        encoded.len() / 100
    );
}
