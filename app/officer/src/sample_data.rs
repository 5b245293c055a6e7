//! Realistic sample registrations on the phone, for trying the app out, for the browser
//! tests and for measuring it with thousands of records: `window.jemputAddSamples(n,
//! village, createdAt?)` stores `n` registrations by the signed-in officer (the same
//! generator the load generator uses), as if typed in — at `createdAt` (ms since the
//! epoch) when given, so a test can hold records registered months ago — and resolves to
//! the number stored.

use jemput_shared::document::{ChangeAuthor, RegistrationDoc};
use jemput_shared::sample::SampleGenerator;
use js_sys::Promise;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::local_db::{LocalDb, StoredRecord, DOCS, SUMMARIES};
use crate::state::{db, now_ms, AppState};

/// Records written per transaction.
const CHUNK: usize = 500;

pub fn expose(state: AppState) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let add = Closure::<dyn Fn(u32, String, JsValue) -> Promise>::new(
        move |count: u32, village: String, created_at: JsValue| {
            let created_at = created_at.as_f64().map(|ms| ms as i64);
            wasm_bindgen_futures::future_to_promise(async move {
                let stored = add_samples(state, count as usize, &village, created_at)
                    .await
                    .map_err(|e| JsValue::from_str(&e))?;
                Ok(JsValue::from(stored as u32))
            })
        },
    );
    let _ = js_sys::Reflect::set(
        &window,
        &"jemputAddSamples".into(),
        add.as_ref().unchecked_ref(),
    );
    add.forget();
}

async fn add_samples(
    state: AppState,
    count: usize,
    village: &str,
    created_at: Option<i64>,
) -> Result<usize, String> {
    let db = db().ok_or("not signed in")?;
    let session = state.session.get_untracked().ok_or("not signed in")?;
    let mut generator = SampleGenerator::new(now_ms() as u64);
    let mut stored = 0;
    while stored < count {
        let mut docs = Vec::new();
        for _ in 0..CHUNK.min(count - stored) {
            let registration = generator.registration(
                &session.user.id,
                &session.device_id,
                village,
                created_at.unwrap_or(now_ms() as i64),
            );
            let author =
                ChangeAuthor::new(session.user.id.clone(), session.user.display_name.clone());
            let doc = RegistrationDoc::create_by(&registration, &author, now_ms() as i64);
            docs.push((registration.id, doc));
        }
        let sealed = futures::future::try_join_all(docs.iter_mut().map(|(id, doc)| {
            let db = &db;
            async move {
                let mut record = StoredRecord::new(doc);
                db.seal_record(id, doc, &mut record).await
            }
        }))
        .await
        .map_err(|e| format!("{e:?}"))?;
        let tx = db
            .transaction(&[DOCS, SUMMARIES], true)
            .map_err(|e| format!("{e:?}"))?;
        for record in &sealed {
            record.put(&tx).await.map_err(|e| format!("{e:?}"))?;
        }
        LocalDb::commit(tx).await.map_err(|e| format!("{e:?}"))?;
        stored += sealed.len();
    }
    state.reload_summaries().await;
    Ok(stored)
}
