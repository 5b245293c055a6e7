//! Property test: several devices and the server, random edits, and a channel that loses,
//! duplicates, replays and delays messages, a server that crashes before committing and
//! is restored from an older backup. After a final round of clean syncs every replica
//! holds the same documents.
//!
//! The server and devices here are in-memory runtimes around the real sans-IO cores
//! (`plan_push`, `pull_response`, `DeviceSync`); only storage is a map. Every device edits
//! only what its user may change (an officer: their own records, on two devices for one
//! of them, and those the supervisor handed over to them), in its user's name, so the
//! server refuses nothing — including the changes phones relay back after a restore.

use std::collections::BTreeMap;

use jemput_shared::document::{ChangeAuthor, Hash, RegistrationDoc};
use jemput_shared::policy::{officer_may_change, Requester, Role, Scope};
use jemput_shared::registration::{ReviewComment, ReviewStatus};
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::{DeviceEffect, DeviceSync, SyncLimits, SyncedState};
use jemput_shared::sync::message::{Cursor, PushOutcome, SyncRequest, SyncResponse};
use jemput_shared::sync::replica::MemoryReplica;
use jemput_shared::sync::seal::{Seal, Sealer};
use jemput_shared::sync::server::{plan_push, pull_response, ChangedDocument, ChangedPage};
use jemput_shared::sync::wire;
use jemput_shared::validation::ValidationContext;
use proptest::prelude::*;

const DISTRICT: &str = "17.01.01";
const VILLAGES: &[&str] = &["17.01.01.2001", "17.01.01.2002", "17.01.01.2003"];
const CTX: ValidationContext<'static> = ValidationContext {
    today: (2026, 11, 28),
    regions: None,
};

#[derive(Clone)]
struct ServerDoc {
    bytes: Vec<u8>,
    seal: Seal,
    position: Cursor,
    last_device: Option<String>,
}

#[derive(Clone, Default)]
struct ServerState {
    docs: BTreeMap<String, ServerDoc>,
    log: Vec<Cursor>,
    next_seq: u64,
}

struct SimServer {
    state: ServerState,
    backup: Option<ServerState>,
    /// Check values come from here, outside the state a backup restores.
    checks: SampleGenerator,
    sealer: Sealer,
}

impl SimServer {
    /// Handles one request as the real server does; `crash` stops it before the commit.
    fn handle(
        &mut self,
        device_id: &str,
        requester: &Requester,
        body: &[u8],
        crash: bool,
    ) -> Option<Vec<u8>> {
        let request: SyncRequest =
            wire::decode(body, 1 << 24).expect("devices send valid messages");
        let stored = request
            .push
            .iter()
            .filter_map(|item| {
                self.state
                    .docs
                    .get(&item.doc_id)
                    .map(|d| (item.doc_id.clone(), d.bytes.clone()))
            })
            .collect();
        let mut plan = plan_push(&request.push, &stored, requester, &CTX, &self.sealer);
        for (doc_id, decision) in &plan.decisions {
            assert!(
                !matches!(decision.outcome(), PushOutcome::Rejected(_)),
                "{doc_id} rejected: {:?}",
                decision.outcome()
            );
        }
        if crash {
            return None;
        }
        let mut committed_through: Option<Cursor> = None;
        for id in plan.unchanged_ids() {
            if let Some(doc) = self.state.docs.get(id) {
                committed_through = committed_through.max(Some(doc.position));
            }
        }
        // What the device holds exactly as committed: its pull passes over them.
        let mut held = std::collections::HashMap::new();
        for merged in plan.take_writes() {
            self.state.next_seq += 1;
            let position = Cursor {
                seq: self.state.next_seq,
                check: self.checks.next_u64(),
                scope: 0,
            };
            self.state.log.push(position);
            let last_device = merged.device_is_up_to_date.then(|| device_id.to_owned());
            if merged.device_is_up_to_date {
                held.insert(merged.doc_id.clone(), position.seq);
            }
            self.state.docs.insert(
                merged.doc_id.clone(),
                ServerDoc {
                    bytes: merged.bytes,
                    seal: merged.seal,
                    position,
                    last_device,
                },
            );
            committed_through = committed_through.max(Some(position));
        }
        let pull = request.pull.map(|pull| {
            let known = |c: Option<Cursor>| c.is_none_or(|c| self.state.log.contains(&c));
            let reset = !(known(pull.cursor) && known(pull.acked));
            let (after, exclude) = match (reset, pull.cursor) {
                (false, Some(c)) => (c.seq, Some(device_id)),
                _ => (0, None),
            };
            let mut changed: Vec<_> = self
                .state
                .docs
                .iter()
                .filter(|(_, d)| d.position.seq > after)
                .collect();
            changed.sort_by_key(|(_, d)| d.position.seq);
            let page_size = 4;
            let more = changed.len() > page_size;
            let docs = changed
                .into_iter()
                .take(page_size)
                .map(|(id, d)| ChangedDocument {
                    doc_id: id.clone(),
                    seal: d.seal,
                    bytes: (d.last_device.as_deref() != exclude || exclude.is_none())
                        .then(|| d.bytes.clone()),
                    position: d.position,
                })
                .collect();
            let current = if reset { None } else { pull.cursor };
            let head = self.state.log.last().copied();
            pull_response(
                ChangedPage { docs, more, head },
                pull.max_bytes,
                current,
                reset,
                &held,
            )
        });
        Some(wire::encode(&SyncResponse {
            results: plan.results(),
            committed_through,
            pull,
        }))
    }
}

/// A device: its user and its documents, held by the same [`MemoryReplica`] the native
/// client and the load generator use.
struct SimDevice {
    id: String,
    requester: Requester,
    author: ChangeAuthor,
    replica: MemoryReplica,
}

impl SimDevice {
    fn new(id: &str, user_id: &str, role: Role) -> Self {
        let scope = match role {
            Role::Officer => Scope::Officer {
                user_id: user_id.into(),
                areas: vec![DISTRICT.into()],
            },
            _ => Scope::Regencies(vec!["17.01".into()]),
        };
        SimDevice {
            id: id.into(),
            requester: Requester {
                user_id: user_id.into(),
                role,
                scope,
            },
            author: ChangeAuthor::new(user_id, user_id),
            replica: MemoryReplica::default(),
        }
    }

    /// Applies one effect; the server here refuses nothing, so a rejection is a failure.
    fn apply(&mut self, effect: DeviceEffect, sync: &mut DeviceSync) {
        self.replica.apply(effect, sync).unwrap();
        assert!(
            self.replica.rejected.is_empty(),
            "rejected: {:?}",
            self.replica.rejected
        );
    }
}

#[derive(Debug, Clone, Copy)]
enum Fate {
    Delivered,
    RequestLost,
    ResponseLost,
    Duplicated,
    CrashBeforeCommit,
}

#[derive(Debug, Clone)]
enum Action {
    Create {
        device: usize,
    },
    Edit {
        device: usize,
        doc: usize,
        value: u16,
    },
    Review {
        doc: usize,
        comment: u16,
    },
    /// The supervisor hands a record over to officer 1.
    HandOver {
        doc: usize,
    },
    Resubmit {
        device: usize,
        doc: usize,
    },
    Sync {
        device: usize,
        fates: Vec<Fate>,
    },
    ReplayOld {
        index: usize,
    },
    Backup,
    Restore,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        6 => Just(Fate::Delivered),
        1 => Just(Fate::RequestLost),
        1 => Just(Fate::ResponseLost),
        1 => Just(Fate::Duplicated),
        1 => Just(Fate::CrashBeforeCommit),
    ]
}

/// Officer devices: officer 0 on a phone and a tablet, officers 1 and 2 on one each.
const OFFICER_DEVICES: &[&str] = &["officer0", "officer0", "officer1", "officer2"];
const OFFICERS: usize = OFFICER_DEVICES.len();
const SUPERVISOR: usize = OFFICERS;

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..OFFICERS).prop_map(|device| Action::Create { device }),
        3 => (0..OFFICERS, any::<usize>(), any::<u16>()).prop_map(|(device, doc, value)| Action::Edit { device, doc, value }),
        2 => (any::<usize>(), any::<u16>()).prop_map(|(doc, comment)| Action::Review { doc, comment }),
        1 => any::<usize>().prop_map(|doc| Action::HandOver { doc }),
        1 => (0..OFFICERS, any::<usize>()).prop_map(|(device, doc)| Action::Resubmit { device, doc }),
        5 => (0..=OFFICERS, prop::collection::vec(fate(), 1..8)).prop_map(|(device, fates)| Action::Sync { device, fates }),
        1 => any::<usize>().prop_map(|index| Action::ReplayOld { index }),
        1 => Just(Action::Backup),
        1 => Just(Action::Restore),
    ]
}

struct World {
    server: SimServer,
    devices: Vec<SimDevice>,
    sent: Vec<(usize, Vec<u8>)>,
    gen: SampleGenerator,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut devices: Vec<_> = OFFICER_DEVICES
            .iter()
            .enumerate()
            .map(|(i, user)| SimDevice::new(&format!("device{i}"), user, Role::Officer))
            .collect();
        devices.push(SimDevice::new("supervisor", "supervisor", Role::Supervisor));
        World {
            server: SimServer {
                state: ServerState::default(),
                backup: None,
                checks: SampleGenerator::new(seed ^ 1),
                sealer: Sealer::new([seed as u8; 32]),
            },
            devices,
            sent: Vec::new(),
            gen: SampleGenerator::new(seed),
        }
    }

    fn nth_doc(&mut self, device: usize, n: usize) -> Option<&mut RegistrationDoc> {
        let docs = &mut self.devices[device].replica.docs;
        if docs.is_empty() {
            return None;
        }
        let len = docs.len();
        docs.values_mut().nth(n % len).map(|(doc, _)| doc)
    }

    /// The `n`th of the documents the device's officer may change (as the phone's form
    /// decides, with the shared policy), with the officer's name for the change.
    fn nth_changeable(
        &mut self,
        device: usize,
        n: usize,
    ) -> Option<(&mut RegistrationDoc, ChangeAuthor)> {
        let dev = &mut self.devices[device];
        let user = dev.requester.user_id.clone();
        let mut changeable: Vec<&mut RegistrationDoc> = dev
            .replica
            .docs
            .values_mut()
            .map(|(doc, _)| doc)
            .filter(|doc| {
                let r = doc.read().unwrap();
                officer_may_change(&user, &r.registered_by, r.assigned_officer.as_deref())
            })
            .collect();
        if changeable.is_empty() {
            return None;
        }
        let len = changeable.len();
        Some((changeable.swap_remove(n % len), dev.author.clone()))
    }

    /// One sync session of `device`; each request meets the next fate (then delivery).
    fn sync(&mut self, device: usize, fates: &[Fate]) {
        let dev = &mut self.devices[device];
        let mut sync = dev.replica.start_sync(SyncLimits {
            max_push_bytes: 3000,
            max_pull_bytes: 3000,
        });
        let mut fates = fates.iter().copied();
        for _ in 0..100_000 {
            let Some(request) = sync.poll_request() else {
                return;
            };
            let body = wire::encode(&request);
            self.sent.push((device, body.clone()));
            let fate = fates.next().unwrap_or(Fate::Delivered);
            let dev = &mut self.devices[device];
            let response = match fate {
                Fate::RequestLost => None,
                Fate::CrashBeforeCommit => self.server.handle(&dev.id, &dev.requester, &body, true),
                Fate::Delivered | Fate::ResponseLost => {
                    self.server.handle(&dev.id, &dev.requester, &body, false)
                }
                Fate::Duplicated => {
                    self.server.handle(&dev.id, &dev.requester, &body, false);
                    self.server.handle(&dev.id, &dev.requester, &body, false)
                }
            };
            match (fate, response) {
                (Fate::ResponseLost, _) | (_, None) => sync.handle_failure(),
                (_, Some(body)) => {
                    let response: SyncResponse = wire::decode(&body, 1 << 24).unwrap();
                    for effect in sync.handle_response(response) {
                        dev.apply(effect, &mut sync);
                    }
                }
            }
        }
        panic!("sync of device {device} did not finish");
    }

    fn run(&mut self, action: &Action) {
        match action {
            Action::Create { device } => {
                let village = *self.gen.pick(VILLAGES);
                let dev = &mut self.devices[*device];
                let registration = self.gen.registration(
                    &dev.requester.user_id,
                    &dev.id,
                    village,
                    1_700_000_000_000,
                );
                let doc = RegistrationDoc::create_by(&registration, &dev.author, 1_700_000_000_000);
                dev.replica
                    .docs
                    .insert(registration.id.clone(), (doc, SyncedState::default()));
            }
            Action::Edit { device, doc, value } => {
                if let Some((doc, author)) = self.nth_changeable(*device, *doc) {
                    let value = *value;
                    doc.edit_by(&author, 1_700_000_000_000, |r| match value % 3 {
                        0 => r.phone = format!("0812{:08}", value),
                        1 => r.address.hamlet = format!("Dusun {value}"),
                        _ => r.skills.push(format!("Keahlian {value}")),
                    })
                    .unwrap();
                }
            }
            Action::Review { doc, comment } => {
                if let Some(d) = self.nth_doc(SUPERVISOR, *doc) {
                    let id = format!("c{comment}-{}", d.heads().len());
                    let author = ChangeAuthor::new("supervisor", "Supervisor");
                    d.edit_by(&author, 1_700_000_000_000, |r| {
                        r.review.status = ReviewStatus::NeedsCorrection;
                        r.review.comments.push(ReviewComment {
                            id: id.clone(),
                            author_id: "supervisor".into(),
                            author_name: "Supervisor".into(),
                            role: "supervisor".into(),
                            at: 1,
                            text: format!("Periksa {comment}"),
                        });
                    })
                    .unwrap();
                }
            }
            Action::HandOver { doc } => {
                if let Some(d) = self.nth_doc(SUPERVISOR, *doc) {
                    let author = ChangeAuthor::new("supervisor", "Supervisor");
                    d.edit_by(&author, 1_700_000_000_000, |r| {
                        r.assigned_officer = Some("officer1".into())
                    })
                    .unwrap();
                }
            }
            Action::Resubmit { device, doc } => {
                if let Some((doc, author)) = self.nth_changeable(*device, *doc) {
                    doc.edit_by(&author, 1_700_000_000_000, |r| {
                        if r.review.status == ReviewStatus::NeedsCorrection {
                            r.review.status = ReviewStatus::Submitted;
                        }
                    })
                    .unwrap();
                }
            }
            Action::Sync { device, fates } => self.sync(*device, fates),
            Action::ReplayOld { index } => {
                if !self.sent.is_empty() {
                    let (device, body) = self.sent[index % self.sent.len()].clone();
                    let dev = &self.devices[device];
                    self.server.handle(&dev.id, &dev.requester, &body, false);
                }
            }
            Action::Backup => self.server.backup = Some(self.server.state.clone()),
            Action::Restore => {
                if let Some(backup) = self.server.backup.clone() {
                    self.server.state = backup;
                }
            }
        }
    }

    fn assert_converged(&mut self) {
        for _round in 0..3 {
            for device in 0..self.devices.len() {
                self.sync(device, &[]);
            }
        }
        let server: BTreeMap<String, Vec<Hash>> = self
            .server
            .state
            .docs
            .iter()
            .map(|(id, d)| {
                let mut heads = RegistrationDoc::load(&d.bytes).unwrap().heads();
                heads.sort();
                (id.clone(), heads)
            })
            .collect();
        for device in &mut self.devices {
            let held: BTreeMap<String, Vec<Hash>> = device
                .replica
                .docs
                .iter_mut()
                .map(|(id, (doc, _))| {
                    let mut heads = doc.heads();
                    heads.sort();
                    (id.clone(), heads)
                })
                .collect();
            assert_eq!(held, server, "device {} differs from the server", device.id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=5000 for a longer hunt.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_replica_converges_whatever_the_channel_does(
        seed in any::<u64>(),
        actions in prop::collection::vec(action(), 1..60),
    ) {
        let mut world = World::new(seed);
        for action in &actions {
            world.run(action);
        }
        world.assert_converged();
    }
}

#[test]
fn a_noop_sync_of_a_device_with_many_documents_is_one_small_round_trip() {
    let mut world = World::new(1);
    for _ in 0..2000 {
        world.run(&Action::Create { device: 0 });
    }
    world.sync(0, &[]);
    world.sync(1, &[]);
    let dev = &mut world.devices[0];
    let mut sync = dev.replica.start_sync(SyncLimits::default());
    let request = wire::encode(&sync.poll_request().expect("a pull is always sent"));
    let response = world
        .server
        .handle(&dev.id, &dev.requester, &request, false)
        .unwrap();
    let effects = sync.handle_response(wire::decode(&response, 1 << 20).unwrap());
    assert!(effects.is_empty(), "{effects:?}");
    assert!(sync.poll_request().is_none(), "one round trip is enough");
    assert!(
        request.len() + response.len() < 200,
        "{} + {} bytes",
        request.len(),
        response.len()
    );
}
