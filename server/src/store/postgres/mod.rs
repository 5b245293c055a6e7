//! [`PostgresStore`]: the [`Store`] in a PostgreSQL database, for several server instances
//! behind a load balancer sharing one database (`jemput-server --database postgres://…`).
//!
//! - A connection pool (`deadpool-postgres`); statements are prepared once per connection.
//! - Migrations run at connect, under an advisory lock ([`migrations`]).
//! - Document commits take one transaction-level advisory lock, which gives both "no lost
//!   update" and "change-log seqs in commit order" across instances ([`documents`]).
//! - A sync's commit writes the documents and the change log; the projection the
//!   supervisor views read is written right after by one instance's [`projector`] at a
//!   time, and those views first wait until it holds every earlier commit.
//! - Each instance keeps one extra connection that `LISTEN`s for the `NOTIFY` every
//!   commit sends, and feeds [`ChangeFeed`], so live updates reach subscribers of every
//!   instance ([`listen`]).
//!
//! The SQL lives beside this file, one file per concern: [`accounts`], [`regions`],
//! [`settings`], [`documents`], and for the supervisor views [`listing`], [`overview`] and
//! [`duplicates`].

mod accounts;
mod audit;
mod documents;
mod duplicates;
mod erasure;
mod listing;
mod migrations;
mod overview;
mod projector;
mod regions;
mod settings;

use crate::store::audit::{AuditQuery, NewAuditEntry};
use jemput_shared::api::audit::AuditEntry;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{
    Client, GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Transaction,
};
use futures_util::StreamExt;
use jemput_shared::policy::Scope;
use jemput_shared::sync::message::Cursor;
use jemput_shared::sync::server::{is_tombstone, ChangedPage};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, IsolationLevel, NoTls};

use crate::accounts::{Device, NewUser, User, UserChanges};
use crate::live::{ChangeFeed, Committed, Notice};
use crate::store::consent;
use crate::store::erasure::{Erasure, Expired};
use crate::store::listing::{
    ExportRows, ListingPage, PageRequest, RegistrationFilter, RegistrationOrder,
    EXPORT_CHANNEL_BATCHES,
};
use crate::store::privacy_requests::{self, Closing, NewRequest};
use crate::store::projection::ProjectionRow;
use crate::store::sql::{Columns, Dialect, SqlValue, Statement};
use crate::store::supervision::{
    DeviceSyncAges, DuplicateVerdict, PersonRow, RegencyScope, SharedNikHolder, Tallies, Target,
};
use crate::store::{
    DocumentWrite, LoadedDocuments, PullQuery, PushedBy, ReceivedChanges, Region, Store,
    StoreError, StoredDocument,
};
use jemput_shared::api::consent::ConsentText;
use jemput_shared::api::privacy::PrivacyRequest;

/// Connections per instance. Sync requests merge at most one per core, plus one, at a
/// time; the rest are short queries (sessions, pulls).
const POOL_SIZE: usize = 16;

/// How long to wait for a pooled connection (or a new one) before answering 503.
const POOL_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    changes: ChangeFeed,
    /// What this instance's commits hand its projector.
    projection: Arc<projector::Projection>,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        let Some(code) = error.code() else {
            // No SQLSTATE: the connection broke or could not be made.
            return StoreError::Unavailable(error.to_string());
        };
        if *code == SqlState::UNIQUE_VIOLATION {
            StoreError::Conflict(error.to_string())
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::DISK_FULL
            || *code == SqlState::QUERY_CANCELED
            // Reached a node that takes no writes (a standby): a 503, retried. A primary
            // becomes a standby only through a restart, which closes the pool's
            // connections; new ones find the new primary through the multi-host URL.
            || *code == SqlState::READ_ONLY_SQL_TRANSACTION
            || code.code().starts_with("08")
        {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Internal(error.to_string())
        }
    }
}

impl From<PoolError> for StoreError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Backend(error) => error.into(),
            other => StoreError::Unavailable(format!("no database connection: {other}")),
        }
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`, or with
    /// `?host=/run/postgresql` for a unix socket), migrates it to the current schema and
    /// starts listening for commits made by any instance.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Internal(format!("the database URL is not valid: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Internal(format!("building the connection pool: {e}")))?;
        migrations::migrate(&pool).await?;
        let changes = ChangeFeed::default();
        listen(config, changes.clone()).await?;
        let projection = Arc::new(projector::Projection::default());
        projector::start(pool.clone(), Arc::clone(&projection), &changes);
        Ok(PostgresStore {
            pool,
            changes,
            projection,
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// A connection for reading the projection, once it holds every commit made before
    /// this call (see [`projector::caught_up`]).
    async fn projection_reader(&self) -> Result<deadpool_postgres::Client, StoreError> {
        let client = self.client().await?;
        projector::caught_up(&self.projection, &client).await?;
        Ok(client)
    }
}

/// Opens the `LISTEN` connection, then keeps it open on a background task: a broken one
/// is replaced (after a pause), and subscribers are told [`Notice::Missed`] then, since
/// commits made meanwhile went unheard. Returns once the first one listens, so a
/// server accepts requests only when it hears every later commit.
async fn listen(config: tokio_postgres::Config, feed: ChangeFeed) -> Result<(), StoreError> {
    let mut listening = listen_once(&config, feed.clone()).await?;
    tokio::spawn(async move {
        loop {
            let (client, connection) = listening;
            let _ = connection.await;
            drop(client);
            tracing::warn!("lost the database connection listening for changes; reconnecting");
            listening = loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                match listen_once(&config, feed.clone()).await {
                    Ok(listening) => break listening,
                    Err(error) => tracing::warn!(%error, "cannot listen for changes yet"),
                }
            };
            feed.publish(Notice::Missed);
        }
    });
    Ok(())
}

/// One listening connection: the client (dropping it closes the connection) and the task
/// driving the connection, which ends when it breaks.
async fn listen_once(
    config: &tokio_postgres::Config,
    feed: ChangeFeed,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), StoreError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notice)) => {
                    match serde_json::from_str::<Committed>(notice.payload()) {
                        Ok(committed) => feed.publish(Notice::Committed(committed)),
                        Err(error) => tracing::warn!(%error, "unreadable change notice"),
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the change listener's connection failed");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {}", documents::CHANGES_CHANNEL))
        .await?;
    Ok((client, driver))
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.simple_query("SELECT 1").await?;
        Ok(())
    }

    async fn close(&self) {
        // Idle connections close now, busy ones when they are handed back; a transaction
        // a background job still has open rolls back when the process exits.
        self.pool.close();
    }

    async fn setting_or_insert(&self, key: &str, initial: String) -> Result<String, StoreError> {
        settings::get_or_insert(&self.client().await?, key, &initial).await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        accounts::count_users(&self.client().await?).await
    }

    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        accounts::create_user(&mut self.client().await?, &user).await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        accounts::list_users(&self.client().await?).await
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        accounts::user_by_id(&self.client().await?, id).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(accounts::credentials(&self.client().await?, username)
            .await?
            .map(|(user, _)| user))
    }

    async fn credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        accounts::credentials(&self.client().await?, username).await
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        accounts::update_user(&mut self.client().await?, id, &changes).await
    }

    async fn create_device(
        &self,
        user_id: &str,
        name: &str,
        token_hash: [u8; 32],
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        accounts::create_device(&self.client().await?, user_id, name, &token_hash, now_ms).await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<(Device, User)>, StoreError> {
        accounts::session(&self.client().await?, &token_hash).await
    }

    async fn touch_device(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        accounts::touch_device(&self.client().await?, device_id, now_ms).await
    }

    async fn record_sync(
        &self,
        device_id: &str,
        now_ms: i64,
        unsent: Option<i64>,
    ) -> Result<(), StoreError> {
        accounts::record_sync(&self.client().await?, device_id, now_ms, unsent).await
    }

    async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        accounts::device(&self.client().await?, device_id).await
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        audit::append(&self.client().await?, &entry).await
    }

    async fn audit_entries(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        audit::entries(&self.client().await?, &query).await
    }

    async fn exports_holding(&self, digest: u64) -> Result<Vec<AuditEntry>, StoreError> {
        audit::exports_holding(&self.client().await?, digest).await
    }

    async fn prune_audit(&self, before_ms: i64) -> Result<u64, StoreError> {
        audit::prune(&self.client().await?, before_ms).await
    }

    async fn list_devices(&self, user_id: &str) -> Result<Vec<Device>, StoreError> {
        accounts::list_devices(&self.client().await?, user_id).await
    }

    async fn revoke_device(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError> {
        accounts::revoke_device(&self.client().await?, device_id, now_ms).await
    }

    async fn mark_device_lost(&self, device_id: &str, now_ms: i64) -> Result<Device, StoreError> {
        accounts::mark_device_lost(&self.client().await?, device_id, now_ms).await
    }

    async fn confirm_wipe(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        accounts::confirm_wipe(&self.client().await?, device_id, now_ms).await
    }

    async fn claim_recovery_key(
        &self,
        user_id: &str,
        device_id: &str,
        key_id: &str,
    ) -> Result<bool, StoreError> {
        accounts::claim_recovery_key(&self.client().await?, user_id, device_id, key_id).await
    }

    async fn replace_regions(&self, list: Vec<Region>) -> Result<(), StoreError> {
        regions::replace(&mut self.client().await?, &list).await
    }

    async fn list_regions(&self) -> Result<Vec<Region>, StoreError> {
        regions::list(&self.client().await?).await
    }

    async fn load_documents(
        &self,
        ids: Vec<String>,
    ) -> Result<HashMap<String, StoredDocument>, StoreError> {
        let mut found = documents::load_documents_within(&self.client().await?, &ids, usize::MAX)
            .await?
            .found;
        found.retain(|_, doc| !is_tombstone(&doc.bytes));
        Ok(found)
    }

    async fn load_documents_within(
        &self,
        ids: Vec<String>,
        max_bytes: usize,
    ) -> Result<LoadedDocuments, StoreError> {
        documents::load_documents_within(&self.client().await?, &ids, max_bytes).await
    }

    async fn commit_documents(
        &self,
        pushed_by: PushedBy,
        writes: Vec<DocumentWrite>,
        now_ms: i64,
    ) -> Result<Vec<Cursor>, StoreError> {
        // Announced through NOTIFY and this instance's listener, like anyone else's.
        let positions =
            documents::commit_documents(&mut self.client().await?, &pushed_by, &writes, now_ms)
                .await?;
        self.projection
            .committed(writes.into_iter().zip(&positions).map(|(write, position)| {
                let merged = write.merged;
                (merged.doc_id, position.seq, merged.registration)
            }));
        Ok(positions)
    }

    async fn received_changes(&self, doc_id: String) -> Result<Vec<ReceivedChanges>, StoreError> {
        documents::received_changes(&self.client().await?, &doc_id).await
    }

    async fn cursor_is_known(&self, cursor: Cursor) -> Result<bool, StoreError> {
        documents::cursor_is_known(&self.client().await?, cursor).await
    }

    async fn changed_documents(&self, query: PullQuery) -> Result<ChangedPage, StoreError> {
        documents::changed_documents(&mut self.client().await?, &query).await
    }

    async fn registration_count(&self) -> Result<u64, StoreError> {
        documents::registration_count(&self.projection_reader().await?).await
    }

    fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    async fn erase_documents(
        &self,
        order: Erasure,
        now_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        erasure::erase(&mut self.client().await?, &order, now_ms).await
    }

    async fn registrations_with_nik(
        &self,
        scope: Scope,
        nik: String,
    ) -> Result<Vec<String>, StoreError> {
        erasure::holders(&self.projection_reader().await?, &scope, &nik).await
    }

    async fn expired_registrations(
        &self,
        before_ms: i64,
        limit: usize,
    ) -> Result<Vec<Expired>, StoreError> {
        erasure::expired(&self.projection_reader().await?, before_ms, limit).await
    }

    async fn consent_texts(&self) -> Result<Vec<ConsentText>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(consent::LIST).await?;
        client
            .query(&statement, &[])
            .await?
            .iter()
            .map(consent::read_text)
            .collect()
    }

    async fn publish_consent_text(
        &self,
        text_id: String,
        text_en: String,
        at: i64,
        by: Option<String>,
    ) -> Result<u32, StoreError> {
        let statement =
            consent::publish_statement(Dialect::Postgres, &text_id, &text_en, at, by.as_deref());
        let version: i64 = self
            .client()
            .await?
            .query_one(&statement.sql, &params(&statement))
            .await?
            .try_get(0)?;
        Ok(version as u32)
    }

    async fn create_privacy_request(&self, request: NewRequest) -> Result<(), StoreError> {
        let statement = privacy_requests::insert_statement(Dialect::Postgres, &request);
        self.client()
            .await?
            .execute(&statement.sql, &params(&statement))
            .await?;
        Ok(())
    }

    async fn close_privacy_request(&self, closing: Closing) -> Result<(), StoreError> {
        let statement = privacy_requests::close_statement(Dialect::Postgres, &closing);
        match self
            .client()
            .await?
            .execute(&statement.sql, &params(&statement))
            .await?
        {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    async fn privacy_requests(
        &self,
        open_only: bool,
        id: Option<String>,
        limit: usize,
    ) -> Result<Vec<PrivacyRequest>, StoreError> {
        let statement =
            privacy_requests::list_statement(Dialect::Postgres, open_only, id.as_deref(), limit);
        read_rows(
            &self.client().await?,
            &statement,
            privacy_requests::read_request,
        )
        .await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        erasure::compact(&self.client().await?).await
    }

    async fn list_registrations(
        &self,
        filter: RegistrationFilter,
        order: RegistrationOrder,
        page: PageRequest,
    ) -> Result<ListingPage, StoreError> {
        listing::list(&mut self.projection_reader().await?, &filter, order, page).await
    }

    async fn export_registrations(
        &self,
        filter: RegistrationFilter,
        order: RegistrationOrder,
    ) -> Result<ExportRows, StoreError> {
        drop(self.projection_reader().await?);
        let (sender, receiver) = tokio::sync::mpsc::channel(EXPORT_CHANNEL_BATCHES);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            if let Err(error) = listing::export(&pool, &filter, order, &sender).await {
                let _ = sender.send(Err(error)).await;
            }
        });
        Ok(receiver)
    }

    async fn registration_tallies(
        &self,
        scope: RegencyScope,
        from_day: i64,
    ) -> Result<Tallies, StoreError> {
        overview::tallies(&mut self.projection_reader().await?, &scope, from_day).await
    }

    async fn officer_last_syncs(&self) -> Result<Vec<(String, Option<i64>)>, StoreError> {
        overview::officer_last_syncs(&self.client().await?).await
    }

    async fn device_sync_ages(&self, cutoffs: [i64; 4]) -> Result<DeviceSyncAges, StoreError> {
        overview::device_sync_ages(&self.client().await?, cutoffs).await
    }

    async fn database_size(&self) -> Result<u64, StoreError> {
        overview::database_size(&self.client().await?).await
    }

    async fn list_targets(&self) -> Result<Vec<Target>, StoreError> {
        overview::list_targets(&self.client().await?).await
    }

    async fn replace_targets(&self, targets: Vec<Target>) -> Result<(), StoreError> {
        overview::replace_targets(&mut self.client().await?, &targets).await
    }

    async fn shared_nik_holders(
        &self,
        scope: RegencyScope,
        nik: Option<String>,
    ) -> Result<Vec<SharedNikHolder>, StoreError> {
        duplicates::shared_nik_holders(&self.projection_reader().await?, &scope, nik.as_deref())
            .await
    }

    async fn duplicate_verdicts(
        &self,
        nik: Option<String>,
    ) -> Result<Vec<DuplicateVerdict>, StoreError> {
        duplicates::duplicate_verdicts(&self.client().await?, nik.as_deref()).await
    }

    async fn record_duplicate_verdict(&self, verdict: DuplicateVerdict) -> Result<(), StoreError> {
        duplicates::record_duplicate_verdict(&self.client().await?, &verdict).await
    }

    async fn registration_rows(&self, ids: Vec<String>) -> Result<Vec<ProjectionRow>, StoreError> {
        duplicates::registration_rows(&self.projection_reader().await?, &ids).await
    }

    async fn people_after(
        &self,
        after: String,
        limit: usize,
    ) -> Result<Vec<PersonRow>, StoreError> {
        duplicates::people_after(&self.projection_reader().await?, &after, limit).await
    }
}

/// A [`Statement`]'s parameters for tokio-postgres, in placeholder order.
fn params(statement: &Statement) -> Vec<&(dyn ToSql + Sync)> {
    statement
        .params
        .iter()
        .map(|param| match param {
            SqlValue::Text(text) => text as &(dyn ToSql + Sync),
            SqlValue::Integer(number) => number as &(dyn ToSql + Sync),
            SqlValue::TextList(list) => list as &(dyn ToSql + Sync),
        })
        .collect()
}

/// Runs a [`Statement`] (prepared once per connection) and reads every row with `read`.
async fn read_rows<T>(
    client: &impl GenericClient,
    statement: &Statement,
    read: impl FnMut(&tokio_postgres::Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let prepared = client.prepare_cached(&statement.sql).await?;
    client
        .query(&prepared, &params(statement))
        .await?
        .iter()
        .map(read)
        .collect()
}

impl Columns for tokio_postgres::Row {
    type Error = StoreError;

    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn integer(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn optional_integer(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(index)?)
    }
}

/// A read-only transaction on one snapshot (repeatable read), for reads that must agree
/// with each other: a page and its count, a pull and the log's head, both tallies.
async fn read_snapshot(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    Ok(client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}
