//! The official region list on the phone: fetched from `/api/regions` when online, kept
//! in IndexedDB for the days without signal, and turned into the shared
//! [`RegionDirectory`] that fills the address pickers and validates codes.

use jemput_shared::domain::RegionDirectory;
use serde::Deserialize;

use crate::api;
use crate::local_db::LocalDb;

const KEY: &str = "regions";

#[derive(Debug, Deserialize)]
struct Entry {
    code: String,
    parent: Option<String>,
    name: String,
}

#[derive(Debug, Deserialize)]
struct RegionList {
    regencies: Vec<Entry>,
    districts: Vec<Entry>,
    villages: Vec<Entry>,
}

/// The cached list, if any.
pub async fn cached(db: &LocalDb) -> Option<RegionDirectory> {
    let text = db.meta(KEY).await.ok()??;
    parse(&text)
}

/// Fetches the list, caches it and returns it; `None` when offline or refused.
pub async fn refresh(db: &LocalDb, token: &str) -> Option<RegionDirectory> {
    let text = api::regions(token).await.ok()?;
    let directory = parse(&text)?;
    let _ = db.set_meta(KEY, &text).await;
    Some(directory)
}

pub(crate) fn parse(text: &str) -> Option<RegionDirectory> {
    let list: RegionList = serde_json::from_str(text).ok()?;
    if list.regencies.is_empty() {
        return None;
    }
    // The directory reads the CSV form of ../shared/data/regions; build it from the JSON.
    let csv = |header: &str, entries: &[Entry]| {
        let mut out = String::from(header);
        for entry in entries {
            out.push('\n');
            out.push_str(&entry.code);
            if let Some(parent) = &entry.parent {
                out.push(',');
                out.push_str(parent);
            }
            out.push(',');
            out.push_str(&quote(&entry.name));
        }
        out
    };
    RegionDirectory::from_csv(
        &csv("code,name", &list.regencies),
        &csv("code,regency_code,name", &list.districts),
        &csv("code,district_code,name", &list.villages),
    )
    .ok()
}

fn quote(field: &str) -> String {
    if field.contains([',', '"']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
