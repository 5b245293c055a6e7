//! `jemput-fuzz-sync`: a fuzz harness over the sync endpoint's whole input path, on the
//! stable toolchain. Each input goes where a request body goes once read:
//! `routes::sync::decode` (inflate, decode, the request checks) and
//! `routes::sync::respond` (document admission, merge, validation against the region
//! directory, the policy for a real officer, sealing, the commit into a real SQLite store
//! in a temporary directory, the pull and the encoded answer).
//!
//! Inputs are random bytes and structure-aware mutations of the corpus of valid requests
//! in `tests/fuzz/corpus/` (see `mutate.rs`), from one seeded RNG. A counting global
//! allocator measures the peak live heap of every input. The run fails — non-zero exit,
//! the input saved under `--out` — on any panic (even one caught and answered as a
//! damaged document), any internal error, and any input whose peak passes the bound
//! (`limits::MAX_REQUEST_MEMORY`, or `--bound`). It prints a JSON summary: inputs tried,
//! counts per kind and per outcome, the peak memory seen and the slowest input.
//!
//! ```text
//! jemput-fuzz-sync [--minutes M | --inputs N] [--seed S] [--regions DIR] [--out DIR]
//!                  [--corpus DIR] [--bound BYTES] [--write-corpus] [--replay FILE]...
//! ```
//! `cargo xtask fuzz --minutes M` builds and runs it; `cargo xtask test` runs a short
//! fixed number of inputs.

mod alloc;
mod corpus;
mod mutate;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use jemput_server::accounts::{Access, DisplayName, NewUser, Username};
use jemput_server::auth::{self, Authenticated};
use jemput_server::error::ApiError;
use jemput_server::routes::sync::{decode, respond};
use jemput_server::startup::AppState;
use jemput_server::{clock, regions, store};
use jemput_shared::limits::MAX_REQUEST_MEMORY;
use jemput_shared::policy::{Requester, Role, Scope};
use jemput_shared::sync::message::{PushOutcome, SyncRequest, SyncResponse};
use jemput_shared::sync::wire;
use serde_json::json;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

static PANICKED: AtomicBool = AtomicBool::new(false);
static PANIC_MESSAGE: Mutex<String> = Mutex::new(String::new());

struct Args {
    minutes: Option<f64>,
    inputs: Option<u64>,
    seed: u64,
    regions: Option<PathBuf>,
    out: PathBuf,
    corpus: PathBuf,
    bound: usize,
    write_corpus: bool,
    /// Inputs to run once each (after the corpus), instead of generating inputs.
    replay: Vec<PathBuf>,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        minutes: None,
        inputs: None,
        seed: 1,
        regions: None,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz"),
        corpus: corpus::default_dir(),
        bound: MAX_REQUEST_MEMORY,
        write_corpus: false,
        replay: Vec::new(),
    };
    let mut rest = std::env::args().skip(1);
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--minutes" => args.minutes = Some(value()?.parse()?),
            "--inputs" => args.inputs = Some(value()?.parse()?),
            "--seed" => args.seed = value()?.parse()?,
            "--regions" => args.regions = Some(value()?.into()),
            "--out" => args.out = value()?.into(),
            "--corpus" => args.corpus = value()?.into(),
            "--bound" => args.bound = value()?.parse()?,
            "--write-corpus" => args.write_corpus = true,
            "--replay" => args.replay.push(value()?.into()),
            other => bail!("unknown option {other}"),
        }
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    if args.write_corpus {
        corpus::write(&args.corpus)?;
        println!("corpus written to {}", args.corpus.display());
        return Ok(());
    }
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        if let Ok(mut message) = PANIC_MESSAGE.lock() {
            *message = info.to_string();
        }
        report(info);
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let temp = tempfile::tempdir()?;
    let (state, auth) = runtime.block_on(setup(temp.path(), args.regions.as_deref()))?;
    let mut harness = Harness {
        runtime,
        state,
        auth,
        args,
        summary: Summary::default(),
    };
    let result = harness.run();
    let summary = harness.summary.to_json(&harness.args);
    println!("{}", serde_json::to_string_pretty(&summary)?);
    result
}

/// A real store in `dir`, the regions imported when given, and an officer signed in on a
/// device. The officer pushes as the corpus's officer (`corpus::OFFICER`): the store
/// names users with fresh ids, the corpus's documents name a fixed one.
async fn setup(
    dir: &std::path::Path,
    region_dir: Option<&std::path::Path>,
) -> anyhow::Result<(AppState, Authenticated)> {
    let store = store::open(None, dir).await?;
    if let Some(region_dir) = region_dir {
        regions::import_dir(store.as_ref(), region_dir).await?;
    }
    let state = AppState::load(Arc::clone(&store)).await?;
    let password = auth::hash_password(
        jemput_server::accounts::Password::parse("fuzz-harness-kopi-pagi-hari".into(), &[])
            .map_err(|p| anyhow::anyhow!(p.message_en))?,
    )
    .await?;
    let user = store
        .create_user(NewUser {
            username: Username::parse("fuzz").map_err(|p| anyhow::anyhow!(p.message_en))?,
            display_name: DisplayName::parse("Fuzz").map_err(|p| anyhow::anyhow!(p.message_en))?,
            access: Access::parse(Role::Officer, &[corpus::DISTRICT.to_owned()], None)
                .map_err(|p| anyhow::anyhow!(p.message_en))?,
            password_hash: password,
        })
        .await?;
    let token = auth::new_token();
    store
        .create_device(&user.id, "fuzz", auth::token_hash(&token), clock::now_ms())
        .await?;
    let mut auth = Authenticated::from_token(&token, &state)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    auth.requester = Requester {
        user_id: corpus::OFFICER.into(),
        role: Role::Officer,
        scope: Scope::Officer {
            user_id: corpus::OFFICER.into(),
            areas: vec![corpus::DISTRICT.into()],
        },
    };
    Ok((state, auth))
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    state: AppState,
    auth: Authenticated,
    args: Args,
    summary: Summary,
}

#[derive(Default)]
struct Summary {
    inputs: u64,
    started: Option<Instant>,
    kinds: BTreeMap<&'static str, u64>,
    outcomes: BTreeMap<String, u64>,
    peak_bytes: usize,
    peak_kind: &'static str,
    slowest: Duration,
    slowest_kind: &'static str,
    failure: Option<serde_json::Value>,
}

impl Summary {
    fn to_json(&self, args: &Args) -> serde_json::Value {
        json!({
            "inputs": self.inputs,
            "seconds": self.started.map_or(0.0, |s| s.elapsed().as_secs_f64()),
            "seed": args.seed,
            "bound_bytes": args.bound,
            "peak_bytes": self.peak_bytes,
            "peak_kind": self.peak_kind,
            "slowest_ms": self.slowest.as_secs_f64() * 1000.0,
            "slowest_kind": self.slowest_kind,
            "kinds": self.kinds,
            "outcomes": self.outcomes,
            "failure": self.failure,
        })
    }
}

impl Harness {
    fn run(&mut self) -> anyhow::Result<()> {
        self.summary.started = Some(Instant::now());
        let files = corpus::load(&self.args.corpus)?;
        anyhow::ensure!(!files.is_empty(), "the corpus is empty");
        let mut requests = Vec::new();
        for (name, bytes) in &files {
            let request: SyncRequest = wire::decode(bytes, 64 << 20)
                .with_context(|| format!("corpus file {name} is not a sync request"))?;
            requests.push(request);
            // The corpus goes first, in order: later files build on earlier documents.
            self.one("corpus", bytes)?;
        }
        if !self.args.replay.is_empty() {
            for path in self.args.replay.clone() {
                let bytes = std::fs::read(&path)?;
                let result = self.one("replay", &bytes);
                eprintln!("{}: peak {} bytes", path.display(), self.summary.peak_bytes);
                result?;
            }
            return Ok(());
        }
        let deadline = self
            .args
            .minutes
            .map(|m| Instant::now() + Duration::from_secs_f64(m * 60.0));
        let mut mutator = mutate::Mutator::new(self.args.seed, requests);
        let mut last_report = Instant::now();
        loop {
            let done = match (deadline, self.args.inputs) {
                (Some(deadline), _) => Instant::now() >= deadline,
                (None, Some(inputs)) => self.summary.inputs >= inputs,
                (None, None) => self.summary.inputs >= 1_000,
            };
            if done {
                return Ok(());
            }
            let input = mutator.next_input();
            self.one(input.kind, &input.bytes)?;
            if last_report.elapsed() > Duration::from_secs(30) {
                last_report = Instant::now();
                eprintln!(
                    "fuzz: {} inputs, peak {} bytes ({})",
                    self.summary.inputs, self.summary.peak_bytes, self.summary.peak_kind
                );
            }
        }
    }

    /// Runs one input through the endpoint and checks what it cost.
    fn one(&mut self, kind: &'static str, bytes: &[u8]) -> anyhow::Result<()> {
        let body = bytes.to_vec();
        let (state, auth) = (&self.state, &self.auth);
        let before = alloc::start();
        let started = Instant::now();
        let answer = self.runtime.block_on(async {
            let slot = state.sync_capacity.slot().await;
            let request = decode(body).await?;
            respond(state, auth, request, None, slot).await
        });
        let elapsed = started.elapsed();
        let peak = alloc::peak().saturating_sub(before);

        let summary = &mut self.summary;
        summary.inputs += 1;
        *summary.kinds.entry(kind).or_default() += 1;
        if peak > summary.peak_bytes {
            summary.peak_bytes = peak;
            summary.peak_kind = kind;
        }
        if elapsed > summary.slowest {
            summary.slowest = elapsed;
            summary.slowest_kind = kind;
        }
        let mut problem = None;
        match &answer {
            Ok(encoded) => match wire::decode::<SyncResponse>(encoded, 64 << 20) {
                Ok(response) => {
                    for result in response.results {
                        let outcome = match result.outcome {
                            PushOutcome::Committed { .. } => "committed".to_owned(),
                            PushOutcome::NeedsFullDocument => "needs_full_document".to_owned(),
                            PushOutcome::Rejected(rejection) => rejection.code,
                        };
                        *summary.outcomes.entry(outcome).or_default() += 1;
                    }
                }
                Err(e) => problem = Some(format!("the answer does not decode: {e}")),
            },
            Err(error @ (ApiError::Internal(_) | ApiError::Store(_))) => {
                problem = Some(format!("internal error: {error}"));
            }
            Err(error) => {
                let code = format!("request_{}", error.status().as_u16());
                *summary.outcomes.entry(code).or_default() += 1;
            }
        }
        // A panic comes first: printing its backtrace may cost more than the input did.
        if PANICKED.swap(false, Ordering::SeqCst) {
            let message = PANIC_MESSAGE.lock().map(|m| m.clone()).unwrap_or_default();
            problem = Some(format!("panic: {message}"));
        } else if peak > self.args.bound {
            problem = Some(format!(
                "peak heap {peak} bytes, above the bound of {} bytes",
                self.args.bound
            ));
        }
        if kind == "corpus"
            && (answer.is_err() || summary.outcomes.keys().any(|o| o != "committed"))
        {
            problem = Some("a corpus request was refused".to_owned());
        }
        if let Some(problem) = problem {
            std::fs::create_dir_all(&self.args.out)?;
            let path = self.args.out.join(format!(
                "failure-seed{}-{}.bin",
                self.args.seed, summary.inputs
            ));
            std::fs::write(&path, bytes)?;
            summary.failure = Some(json!({
                "input": summary.inputs,
                "kind": kind,
                "problem": problem,
                "peak_bytes": peak,
                "saved_to": path.display().to_string(),
            }));
            bail!(
                "{problem} (input {} of kind {kind}, saved to {})",
                summary.inputs,
                path.display()
            );
        }
        Ok(())
    }
}
