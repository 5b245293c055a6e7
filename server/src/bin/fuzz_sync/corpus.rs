//! The harness's corpus: valid sync requests, kept in `tests/fuzz/corpus/` and run in
//! file order (later ones build on documents earlier ones stored). `--write-corpus`
//! writes them again: the same registrations and edits (fixed seed), under new random
//! Automerge actor ids.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jemput_shared::document::{ChangeAuthor, RegistrationDoc};
use jemput_shared::limits;
use jemput_shared::registration::ReviewComment;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::{push_item, SyncedState};
use jemput_shared::sync::message::{PullRequest, PushItem, SyncRequest, PROTOCOL_VERSION};
use jemput_shared::sync::wire;

/// The officer every corpus document is registered by (see `main.rs`, which pushes as
/// this officer).
pub const OFFICER: &str = "fuzz-officer";
/// The officer's area: a district of Bengkulu Selatan.
pub const DISTRICT: &str = "17.01.01";
const VILLAGE: &str = "17.01.01.2001";
const NOW: i64 = 1_764_000_000_000;

pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz/corpus")
}

/// The corpus files' bytes, in file-name order.
pub fn load(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the corpus in {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            Ok((name, std::fs::read(&path)?))
        })
        .collect()
}

pub fn write(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, request) in requests() {
        std::fs::write(dir.join(format!("{name}.bin")), wire::encode(&request))?;
    }
    Ok(())
}

fn pull(max_bytes: u32) -> Option<PullRequest> {
    Some(PullRequest {
        cursor: None,
        max_bytes,
        acked: None,
    })
}

fn request(push: Vec<PushItem>, pull: Option<PullRequest>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        push,
        pull,
    }
}

fn whole(doc: &mut RegistrationDoc) -> PushItem {
    let id = doc.read().expect("a registration").id;
    push_item(&id, doc, &SyncedState::default())
}

fn since(doc: &mut RegistrationDoc, base: &[[u8; 32]]) -> PushItem {
    let id = doc.read().expect("a registration").id;
    let synced = SyncedState {
        heads: base.to_vec(),
        vouched: vec![],
    };
    push_item(&id, doc, &synced)
}

/// A document edited in `sessions` separate sessions (each a new actor), with comments
/// of `comment_chars` characters by the officer.
fn busy(gen: &mut SampleGenerator, sessions: usize, comment_chars: usize) -> RegistrationDoc {
    let author = ChangeAuthor::new(OFFICER, "Petugas Uji");
    let registration = gen.registration(OFFICER, "fuzz-device", VILLAGE, NOW);
    let mut doc = RegistrationDoc::create_by(&registration, &author, NOW);
    for session in 0..sessions {
        let at = NOW + 60_000 * session as i64;
        let mut phone = RegistrationDoc::load(&doc.save_uncompressed()).expect("loads");
        phone
            .edit_by(&author, at, |r| match session % 4 {
                0 => r.phone = format!("0812{session:08}"),
                1 => r.address.street = format!("Jalan Merdeka No. {session}"),
                // A full comment list has its oldest comment rewritten instead.
                2 => {
                    let text = "Alamat sudah dicek ulang dengan surat keterangan desa. "
                        .repeat(comment_chars / 55 + 1)[..comment_chars]
                        .to_owned();
                    if limits::COMMENTS.fits(r.review.comments.len() + 1) {
                        r.review.comments.push(ReviewComment {
                            id: format!("c{session}"),
                            author_id: OFFICER.into(),
                            author_name: "Petugas Uji".into(),
                            role: "officer".into(),
                            at,
                            text,
                        });
                    } else {
                        let oldest = session / 4 % limits::COMMENTS.max_items;
                        r.review.comments[oldest].text =
                            format!("{session}{text}")[..comment_chars].to_owned();
                    }
                }
                // A full skill list has its oldest skill replaced, as an officer would.
                _ => {
                    let skill = format!("keahlian {session}");
                    if limits::SKILLS.fits(r.skills.len() + 1) {
                        r.skills.push(skill);
                    } else {
                        r.skills[session / 4 % limits::SKILLS.max_items] = skill;
                    }
                }
            })
            .expect("an edit");
        let base = doc.heads();
        doc.merge_bytes(&phone.changes_since(&base))
            .expect("merges");
    }
    doc
}

/// The corpus: new registrations, a busy document, changes on stored documents,
/// concurrent changes, a whole document re-sent, a pull, a full device batch, and a
/// document near the limits with a change on it.
pub fn requests() -> Vec<(&'static str, SyncRequest)> {
    let mut gen = SampleGenerator::new(2024);
    let mut docs: Vec<RegistrationDoc> = (0..6)
        .map(|_| RegistrationDoc::create(&gen.registration(OFFICER, "fuzz-device", VILLAGE, NOW)))
        .collect();
    let new = request(docs.iter_mut().map(whole).collect(), pull(256 * 1024));

    let mut busy_doc = busy(&mut gen, 240, 55);
    let busy_request = request(vec![whole(&mut busy_doc)], None);

    let base = docs[0].heads();
    docs[0]
        .edit(|r| r.phone = "081377778888".into())
        .expect("edit");
    docs[0].edit(|r| r.address.rt = "007".into()).expect("edit");
    let incremental = request(vec![since(&mut docs[0], &base)], pull(64 * 1024));

    let base = docs[1].heads();
    let mut other = RegistrationDoc::load(&docs[1].save_uncompressed()).expect("loads");
    docs[1]
        .edit(|r| r.birth_place = "Manna".into())
        .expect("edit");
    other
        .edit(|r| r.skills.push("menjahit".into()))
        .expect("edit");
    let concurrent = request(
        vec![since(&mut docs[1], &base), since(&mut other, &base)],
        None,
    );

    docs[2]
        .edit(|r| r.education_major = "Akuntansi".into())
        .expect("edit");
    let again = request(vec![whole(&mut docs[2])], pull(512 * 1024));

    let pull_only = request(vec![], pull(16 * 1024));

    let batch = request(
        (0..120)
            .map(|_| {
                let registration = gen.registration(OFFICER, "fuzz-device", VILLAGE, NOW);
                whole(&mut RegistrationDoc::create(&registration))
            })
            .collect(),
        pull(512 * 1024),
    );

    // Near the document limits: ~3,000 changes, ~900 KB; then one more change to it.
    let mut large = busy(&mut gen, 3_000, 1_000);
    let large_request = request(vec![whole(&mut large)], None);
    let base = large.heads();
    large
        .edit(|r| r.phone = "081399990000".into())
        .expect("edit");
    let on_large = request(vec![since(&mut large, &base)], pull(4 * 1024 * 1024));

    vec![
        ("01-new-registrations", new),
        ("02-busy-document", busy_request),
        ("03-incremental-changes", incremental),
        ("04-concurrent-changes", concurrent),
        ("05-whole-document-again", again),
        ("06-pull-only", pull_only),
        ("07-device-batch", batch),
        ("08-large-document", large_request),
        ("09-change-on-a-large-document", on_large),
    ]
}
