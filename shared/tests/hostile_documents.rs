//! Hostile documents pushed to the server core: each is refused alone, with a clear
//! reason, before Automerge can inflate or expand anything, and the rest of the batch
//! goes through. Changes cannot grow a stored document past the limits either.

use std::collections::HashMap;
use std::io::Write;

use jemput_shared::document::RegistrationDoc;
use jemput_shared::limits::MAX_DOCUMENT_CHANGES;
use jemput_shared::policy::{Requester, Role, Scope};
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::admission::format::{
    self, write_chunk, write_sleb, write_uleb, Column, DocumentChunk, CHUNK_BUNDLE,
    CHUNK_COMPRESSED_CHANGE, CHUNK_DOCUMENT, DEFLATE_BIT,
};
use jemput_shared::sync::message::{PushItem, PushOutcome};
use jemput_shared::sync::seal::Sealer;
use jemput_shared::sync::server::{plan_push, MergeDecision};
use jemput_shared::validation::ValidationContext;

const CTX: ValidationContext<'static> = ValidationContext {
    today: (2026, 11, 28),
    regions: None,
};
const OFFICER: &str = "officer-1";

fn officer() -> Requester {
    Requester {
        user_id: OFFICER.into(),
        role: Role::Officer,
        scope: Scope::Officer {
            user_id: OFFICER.into(),
            areas: vec!["17.01.01".into()],
        },
    }
}

fn whole(doc_id: &str, bytes: Vec<u8>) -> PushItem {
    PushItem {
        doc_id: doc_id.into(),
        base: vec![],
        heads: vec![],
        changes: bytes,
        vouched: vec![],
    }
}

/// A valid new registration and its id.
fn registration(gen: &mut SampleGenerator) -> (String, RegistrationDoc) {
    let registration = gen.registration(OFFICER, "device-1", "17.01.01.2001", 1_764_000_000_000);
    (
        registration.id.clone(),
        RegistrationDoc::create(&registration),
    )
}

/// A real document with one of its columns replaced.
fn with_column(
    doc: &mut RegistrationDoc,
    ops: bool,
    spec: u32,
    data: &[u8],
    extra: u32,
) -> Vec<u8> {
    let bytes = doc.save_uncompressed();
    let chunk = format::chunks(&bytes).next().unwrap().unwrap();
    let mut parts = DocumentChunk::parse(chunk.body).unwrap();
    let columns = if ops {
        &mut parts.op_columns
    } else {
        &mut parts.change_columns
    };
    let column: &mut Column<'_> = columns.iter_mut().find(|c| c.spec == spec).unwrap();
    column.spec |= extra;
    column.data = data;
    write_chunk(CHUNK_DOCUMENT, &parts.encode())
}

fn outcome_code(decision: &MergeDecision) -> &str {
    match decision {
        MergeDecision::Rejected(rejection) => &rejection.code,
        MergeDecision::Store(_) => "stored",
        MergeDecision::Unchanged { .. } => "unchanged",
        MergeDecision::NeedsFullDocument => "needs_full_document",
    }
}

#[test]
fn hostile_documents_are_refused_alone_and_the_rest_of_the_batch_goes_through() {
    let mut gen = SampleGenerator::new(5);
    let sealer = Sealer::new([7; 32]);
    let (first_id, mut first) = registration(&mut gen);
    let (last_id, mut last) = registration(&mut gen);
    let (_, mut victim) = registration(&mut gen);

    // A column of map keys, deflated: 16 MiB of zeros in 16 KB.
    let mut deflated = Vec::new();
    let mut encoder =
        flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
    encoder.write_all(&vec![0u8; 16 << 20]).unwrap();
    encoder.finish().unwrap();
    let key_strings = 1 << 4 | 5;
    let compressed_column = with_column(&mut victim, true, key_strings, &deflated, DEFLATE_BIT);
    // Ten million changes by actor 0, in five bytes.
    let mut run = Vec::new();
    write_sleb(&mut run, 10_000_000);
    write_uleb(&mut run, 0);
    let change_actors = 1; // column 0, actor indices
    let long_run = with_column(&mut victim, false, change_actors, &run, 0);
    // One change declaring operations up to counter 10^7.
    let mut max_op = Vec::new();
    write_sleb(&mut max_op, 1);
    write_sleb(&mut max_op, 10_000_000);
    let change_max_ops = 1 << 4 | 3;
    let big_max_op = with_column(&mut victim, false, change_max_ops, &max_op, 0);

    let items = vec![
        whole(&first_id, first.save_uncompressed()),
        whole("compressed-column", compressed_column),
        whole(
            "compressed-change",
            write_chunk(CHUNK_COMPRESSED_CHANGE, &deflated),
        ),
        whole("bundle", write_chunk(CHUNK_BUNDLE, &[1, 2, 3])),
        whole("long-run", long_run),
        whole("big-max-op", big_max_op),
        whole(&last_id, last.save_uncompressed()),
    ];
    let plan = plan_push(&items, &HashMap::new(), &officer(), &CTX, &sealer);
    let codes: Vec<(&str, &str)> = plan
        .decisions
        .iter()
        .map(|(id, decision)| (id.as_str(), outcome_code(decision)))
        .collect();
    assert_eq!(
        codes,
        vec![
            (first_id.as_str(), "stored"),
            ("compressed-column", "document_encoding_unsupported"),
            ("compressed-change", "document_encoding_unsupported"),
            ("bundle", "document_encoding_unsupported"),
            ("long-run", "document_too_large"),
            ("big-max-op", "document_too_large"),
            (last_id.as_str(), "stored"),
        ]
    );
    for result in plan.results() {
        if let PushOutcome::Rejected(rejection) = result.outcome {
            assert!(!rejection.message_id.is_empty() && !rejection.message_en.is_empty());
        }
    }
}

#[test]
fn changes_cannot_grow_a_stored_document_past_the_change_limit() {
    let mut gen = SampleGenerator::new(6);
    let sealer = Sealer::new([7; 32]);
    let (id, mut doc) = registration(&mut gen);
    // One change short of the limit (creating it was the first), each edit a change.
    for n in 2..MAX_DOCUMENT_CHANGES {
        doc.edit(|r| r.phone = format!("0812{n:08}")).unwrap();
    }
    let stored = HashMap::from([(id.clone(), doc.save_uncompressed())]);
    let base = doc.heads();

    let mut phone = RegistrationDoc::load(&stored[&id]).unwrap();
    phone.edit(|r| r.phone = "081211110000".into()).unwrap();
    let one_more = PushItem {
        doc_id: id.clone(),
        base: base.clone(),
        heads: phone.heads(),
        changes: phone.changes_since(&base),
        vouched: vec![],
    };
    let plan = plan_push([&one_more], &stored, &officer(), &CTX, &sealer);
    assert_eq!(
        outcome_code(&plan.decisions[0].1),
        "stored",
        "up to the limit"
    );

    phone.edit(|r| r.phone = "081211112222".into()).unwrap();
    let two_more = PushItem {
        heads: phone.heads(),
        changes: phone.changes_since(&base),
        ..one_more
    };
    let plan = plan_push([&two_more], &stored, &officer(), &CTX, &sealer);
    assert_eq!(outcome_code(&plan.decisions[0].1), "document_too_large");
}
