//! Prints how many bytes a batch of realistic registrations takes on the wire.
use jemput_shared::document::RegistrationDoc;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::push_item;
use jemput_shared::sync::message::{SyncRequest, PROTOCOL_VERSION};
use jemput_shared::sync::wire;

fn main() {
    let mut gen = SampleGenerator::new(1);
    let mut items = Vec::new();
    let mut raw = 0;
    for _ in 0..100 {
        let r = gen.registration(
            "4b0e7c1e-1111-4000-8000-000000000001",
            "5c0e7c1e-2222-4000-8000-000000000002",
            "17.01.01.2001",
            1_764_000_000_000,
        );
        let mut doc = RegistrationDoc::create(&r);
        let mut item = push_item(&r.id, &mut doc, &[]);
        match std::env::var("MODE").as_deref() {
            Ok("nocompress") => item.changes = doc.automerge().save_nocompress(),
            Ok("changes") => item.changes = doc.automerge().save_after(&[]),
            _ => {}
        }
        if std::env::var("NOHEADS").is_ok() {
            item.heads.clear();
        }
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
        "doc save avg {} bytes; batch of 100 on the wire {} bytes = {} per record",
        raw / 100,
        encoded.len(),
        encoded.len() / 100
    );
}
