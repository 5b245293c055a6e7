//! What requests can make the real server allocate: a small request carrying a document
//! with a compressed column (once 1.5 GB from 993 bytes) is refused for that document
//! alone, in little memory; twenty maximum-size hostile requests at once keep the
//! server's peak RSS under 300 MB, and it answers afterwards.
//!
//! The server runs with its address space limited, so a regression makes it fail to
//! allocate (and the test fail) instead of taking the test machine's memory.

use std::io::Read;

use crate::harness::{spawn_app_with_address_space, TestApp};
use jemput_server::client::NativeDevice;
use jemput_shared::document::RegistrationDoc;
use jemput_shared::limits::MAX_INFLATED_REQUEST;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::admission::format::{
    self, column_type, write_chunk, write_sleb, write_uleb, DocumentChunk, CHUNK_DOCUMENT,
    DEFLATE_BIT,
};
use jemput_shared::sync::message::{
    PullRequest, PushItem, PushOutcome, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use jemput_shared::sync::wire;

const ADDRESS_SPACE: u64 = 4 << 30;
const MB: u64 = 1024 * 1024;

/// The most resident memory the process has had, from `/proc/<pid>/status`.
fn peak_rss(server: &TestApp) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("the server's /proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kb * 1024
}

fn deflate(reader: impl Read) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::copy(&mut { reader }, &mut encoder).expect("deflates");
    encoder.finish().expect("deflates")
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

fn request(push: Vec<PushItem>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        push,
        pull: Some(PullRequest {
            cursor: None,
            max_bytes: 4 * MB as u32,
            acked: None,
        }),
    }
}

fn registration(device: &NativeDevice, gen: &mut SampleGenerator) -> (String, RegistrationDoc) {
    let registration = gen.registration(&device.user_id, &device.device_id, "17.01.01.2001", 1);
    (
        registration.id.clone(),
        RegistrationDoc::create(&registration),
    )
}

/// A real registration whose value column is replaced by `data`, flagged deflated or not.
fn with_values(doc: &mut RegistrationDoc, data: &[u8], deflated: bool) -> Vec<u8> {
    let bytes = doc.save_uncompressed();
    let chunk = format::chunks(&bytes).next().unwrap().unwrap();
    let mut parts = DocumentChunk::parse(chunk.body).unwrap();
    let values = parts
        .op_columns
        .iter_mut()
        .find(|c| c.column_type() == column_type::VALUE)
        .expect("a value column");
    values.data = data;
    if deflated {
        values.spec |= DEFLATE_BIT;
    }
    write_chunk(CHUNK_DOCUMENT, &parts.encode())
}

/// A document whose value column inflates to 1 GiB of zeros (~1 MB deflated, which the
/// request's own deflate packs into about a kilobyte).
fn compressed_column_bomb(device: &NativeDevice, gen: &mut SampleGenerator) -> Vec<u8> {
    let (_, mut doc) = registration(device, gen);
    let zeros = deflate(std::io::repeat(0).take(1 << 30));
    with_values(&mut doc, &zeros, true)
}

/// A document whose actor column declares runs of a trillion changes.
fn run_bomb(device: &NativeDevice, gen: &mut SampleGenerator) -> Vec<u8> {
    let (_, mut doc) = registration(device, gen);
    let bytes = doc.save_uncompressed();
    let chunk = format::chunks(&bytes).next().unwrap().unwrap();
    let mut parts = DocumentChunk::parse(chunk.body).unwrap();
    let mut runs = Vec::new();
    for _ in 0..10_000 {
        write_sleb(&mut runs, 1_000_000_000_000);
        write_uleb(&mut runs, 0);
    }
    parts.change_columns[0].data = &runs;
    write_chunk(CHUNK_DOCUMENT, &parts.encode())
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    match client
        .post(format!("{url}/api/sync"))
        .bearer_auth(token)
        .header("content-type", wire::CONTENT_TYPE)
        .body(body)
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            (
                status,
                response
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default(),
            )
        }
        Err(error) => panic!("the server did not answer: {error}"),
    }
}

fn codes(answer: &[u8]) -> Vec<String> {
    let response: SyncResponse = wire::decode(answer, 64 << 20).expect("a sync answer");
    response
        .results
        .into_iter()
        .map(|r| match r.outcome {
            PushOutcome::Committed { .. } => "committed".to_owned(),
            PushOutcome::NeedsFullDocument => "needs_full_document".to_owned(),
            PushOutcome::Rejected(rejection) => {
                assert!(!rejection.message_id.is_empty() && !rejection.message_en.is_empty());
                rejection.code
            }
        })
        .collect()
}

#[tokio::test]
async fn a_small_request_with_a_compressed_column_is_refused_alone_in_little_memory() {
    let mut server = spawn_app_with_address_space(ADDRESS_SPACE).await;
    let siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut gen = SampleGenerator::new(3);
    let (good_id, mut good) = registration(&siti, &mut gen);
    let bomb = compressed_column_bomb(&siti, &mut gen);
    let body = wire::encode(&request(vec![
        whole("a-compressed-column", bomb),
        whole(&good_id, good.save_uncompressed()),
    ]));
    assert!(
        body.len() < 4 * 1024,
        "a small request: {} bytes",
        body.len()
    );

    let client = reqwest::Client::new();
    let before = peak_rss(&server);
    let (status, answer) = post(&client, &server.address, siti.token(), body).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let after = peak_rss(&server);
    assert!(
        after.saturating_sub(before) < 32 * MB,
        "the peak RSS grew from {} MB to {} MB",
        before / MB,
        after / MB
    );
    assert_eq!(
        codes(&answer),
        vec!["document_encoding_unsupported", "committed"]
    );
    assert!(server.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_maximum_size_requests_keep_the_server_under_300_mb() {
    let mut server = spawn_app_with_address_space(ADDRESS_SPACE).await;
    let mut siti = server.device("siti", "officer", &["17.01.01"]).await;
    let mut gen = SampleGenerator::new(4);

    // Each kind of body four times: twenty requests, all sent at once.
    let mut bodies: Vec<(&str, Vec<u8>)> = Vec::new();
    for round in 0..4 {
        // A message that inflates to just under the limit (zeros: a few KB on the wire).
        let mut zeros = whole("zeros", vec![0; MAX_INFLATED_REQUEST - 4 * 1024]);
        zeros.doc_id = format!("zeros-{round}");
        bodies.push(("inflates to the limit", wire::encode(&request(vec![zeros]))));
        // One that inflates past it, as in the report: 63 MiB from 64 KB.
        let past = whole("past", vec![0; 63 * MB as usize]);
        bodies.push((
            "inflates past the limit",
            wire::encode(&request(vec![past])),
        ));
        // Incompressible bytes up to the limit: the largest body.
        let items = (0..8)
            .map(|n| {
                let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ n ^ (round << 8);
                let noise = (0..MAX_INFLATED_REQUEST / 9)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                whole(&format!("noise-{round}-{n}"), noise)
            })
            .collect();
        bodies.push(("incompressible", wire::encode(&request(items))));
        // Documents with compressed columns (64 MiB of zeros each) and run bombs.
        let small_bomb = {
            let (_, mut doc) = registration(&siti, &mut gen);
            with_values(&mut doc, &deflate(std::io::repeat(0).take(64 << 20)), true)
        };
        let runs = run_bomb(&siti, &mut gen);
        let items = (0..20)
            .map(|n| {
                let doc = if n % 2 == 0 { &small_bomb } else { &runs };
                whole(&format!("bomb-{round}-{n}"), doc.clone())
            })
            .collect();
        bodies.push(("bombs", wire::encode(&request(items))));
        // A full batch of real registrations (~256 KB), merged and committed.
        let items = (0..110)
            .map(|_| {
                let (id, mut doc) = registration(&siti, &mut gen);
                whole(&id, doc.save_uncompressed())
            })
            .collect();
        bodies.push(("real batch", wire::encode(&request(items))));
    }
    assert_eq!(bodies.len(), 20);
    let largest = bodies.iter().map(|(_, b)| b.len()).max().unwrap();
    eprintln!("largest body {} KB", largest / 1024);

    let client = reqwest::Client::new();
    let sent: Vec<_> = bodies
        .into_iter()
        .map(|(kind, body)| {
            let (client, url, token) = (
                client.clone(),
                server.address.clone(),
                siti.token().to_owned(),
            );
            tokio::spawn(async move { (kind, post(&client, &url, &token, body).await) })
        })
        .collect();
    for task in sent {
        let (kind, (status, answer)) = task.await.expect("a request task");
        match kind {
            "inflates past the limit" => assert_eq!(status, 400, "{kind}"),
            "real batch" => {
                assert_eq!(status, 200, "{kind}");
                assert!(codes(&answer).iter().all(|c| c == "committed"), "{kind}");
            }
            _ => {
                assert_eq!(status, 200, "{kind}: {}", String::from_utf8_lossy(&answer));
                assert!(codes(&answer).iter().all(|c| c != "committed"), "{kind}");
            }
        }
    }
    let peak = peak_rss(&server);
    eprintln!("peak RSS {} MB", peak / MB);
    assert!(peak <= 300 * MB, "peak RSS {} MB", peak / MB);

    // Still answering, and still syncing.
    assert!(server.is_running());
    let health = client
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(health.status().as_u16(), 200);
    crate::harness::register(&mut siti, &mut gen, "17.01.01.2001", 3);
    siti.sync().await.expect("a normal sync after the storm");
    assert_eq!(siti.pending(), 0);
}
