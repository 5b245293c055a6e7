//! The official region list on the phone: fetched from `/api/regions` when online, kept
//! in IndexedDB for the days without signal, and turned into the shared
//! [`RegionDirectory`] that fills the address pickers and validates codes.

use jemput_shared::domain::RegionDirectory;

use crate::api;
use crate::local_db::LocalDb;

const KEY: &str = "regions";

/// The cached list, if any.
pub async fn cached(db: &LocalDb) -> Option<RegionDirectory> {
    let text = db.meta(KEY).await.ok()??;
    api::parse_regions(&text)
}

/// Fetches the list, caches it and returns it; `None` when offline or refused.
pub async fn refresh(db: &LocalDb, token: &str) -> Option<RegionDirectory> {
    let text = api::regions(token).await.ok()?;
    let directory = api::parse_regions(&text)?;
    let _ = db.set_meta(KEY, &text).await;
    Some(directory)
}
