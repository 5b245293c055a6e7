//! `GET /api/registrations/export.csv` and `GET /api/registrations/export.xlsx`: every
//! registration the table's filters and sort select (no paging), for supervisors and
//! admins, with region and officer names (columns in `export_format`).
//!
//! - **Memory stays flat.** The store reads the rows from one snapshot in the background
//!   and hands them over in small batches through a bounded channel. The CSV is written
//!   batch by batch into the response as the client reads it (a slow client slows the
//!   reading down). The XLSX, a zip that can only be finished at the end, is written
//!   with `rust_xlsxwriter`'s constant-memory mode into an unnamed temporary file, which
//!   is then streamed.
//! - **At most [`CONCURRENT_EXPORTS`] at once**; another answers 503 with `Retry-After`
//!   and a message in both languages. Each export holds a database reader while it runs.
//! - **Links work.** A download link cannot set headers, so besides the bearer header
//!   `?token=…` is accepted, as for `/api/events`; the server never logs query strings.
//! - A failure before the first row answers with the usual JSON error; one later can
//!   only cut the download short, which the client sees as an incomplete transfer.

use std::io::{Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use jemput_shared::api::audit::AuditAction;
use jemput_shared::calendar;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use tokio::sync::OwnedSemaphorePermit;
use tokio_stream::wrappers::ReceiverStream;

use crate::audit::{self, AuditEvent};
use crate::auth::{header_or_query_token, Authenticated, SupervisorScope};
use crate::client_address::ClientAddress;
use crate::clock;
use crate::error::{ApiError, Message};
use crate::export_members::ExportMembers;
use crate::listing::export_format::{cells, push_csv_line, COLUMNS};
use crate::listing::names::RowNames;
use crate::listing::query::{self, Accepts, RawParams};
use crate::startup::AppState;
use crate::store::listing::ExportRows;
use crate::store::projection::ProjectionRow;
use crate::store::StoreError;

/// Exports running at once on this server.
pub const CONCURRENT_EXPORTS: usize = 2;

/// The last row of a worksheet (Excel's limit is 1,048,576 rows, header included); the
/// rows go on in another sheet.
const LAST_SHEET_ROW: u32 = 1_048_575;

const SHEET_NAME: &str = "Pendaftaran";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/registrations/export.csv", get(export_csv))
        .route("/api/registrations/export.xlsx", get(export_xlsx))
}

/// A started export: the names for its rows, its slot and its audit entry, held until
/// dropped.
struct Export {
    names: Arc<RowNames>,
    slot: OwnedSemaphorePermit,
    audit: ExportAudit,
}

/// An export's audit entry: who, which format and filter, how many rows left the server
/// and whose they were (`crate::export_members`) — tallied as rows are handed to the
/// response, so the entry is written when the export ends (completely or cut short), when
/// this is dropped.
struct ExportAudit {
    state: AppState,
    by: Authenticated,
    format: &'static str,
    filter: String,
    tally: Arc<ExportTally>,
}

/// What an export has written so far; shared with the thread writing a workbook.
struct ExportTally {
    rows: AtomicU64,
    members: Mutex<ExportMembers>,
}

impl ExportTally {
    fn note(&self, rows: &[ProjectionRow]) {
        self.rows.fetch_add(rows.len() as u64, Ordering::Relaxed);
        let mut members = self
            .members
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for row in rows {
            members.note(&row.nik);
        }
    }
}

impl Drop for ExportAudit {
    fn drop(&mut self) {
        let (state, by, tally) = (self.state.clone(), self.by.clone(), self.tally.clone());
        let (format, filter) = (self.format, std::mem::take(&mut self.filter));
        tokio::spawn(async move {
            let rows = tally.rows.load(Ordering::Relaxed);
            let members = std::mem::replace(
                &mut *tally
                    .members
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
                ExportMembers::new(state.nik_keys.clone()),
            );
            // Building the filter hashes every row: off the async threads.
            let members = tokio::task::spawn_blocking(move || members.into_filter())
                .await
                .unwrap_or_default();
            let event = AuditEvent::new(AuditAction::Exported)
                .detail(format!("{format}; {rows} rows; {filter}"))
                .members(members);
            if let Err(error) = audit::record(&state, &by, event).await {
                tracing::error!(?error, "an export's audit entry could not be written");
            }
        });
    }
}

async fn start(
    state: &AppState,
    headers: &HeaderMap,
    params: RawParams,
    format: &'static str,
    address: Option<ClientAddress>,
) -> Result<(Export, ExportRows, Option<Vec<ProjectionRow>>), ApiError> {
    let pairs = query::pairs(params)?;
    let query_token = pairs
        .iter()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.as_str());
    let token = header_or_query_token(headers, query_token)?;
    let mut auth = Authenticated::from_token(token, state).await?;
    auth.client = address.map(|a| a.0);
    let SupervisorScope { auth, .. } = SupervisorScope::of(auth)?;
    let request = query::parse(&pairs, &auth, Accepts::Export)?;
    let filter = query::describe(&pairs);
    let slot = Arc::clone(&state.export_slots)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::Busy(Message::new(
                "exports_busy",
                "Other exports are running; try again in a minute.",
                "Ekspor lain sedang berjalan; coba lagi sebentar lagi.",
            ))
        })?;
    let names = Arc::new(RowNames::load(state).await?);
    let mut rows = state
        .store
        .export_registrations(request.filter, request.order)
        .await?;
    // The first batch decides between a download and an error answer.
    let first = rows.recv().await.transpose()?;
    let audit = ExportAudit {
        state: state.clone(),
        by: auth,
        format,
        filter,
        tally: Arc::new(ExportTally {
            rows: AtomicU64::new(0),
            members: Mutex::new(ExportMembers::new(state.nik_keys.clone())),
        }),
    };
    Ok((Export { names, slot, audit }, rows, first))
}

fn download_headers(content_type: &'static str, extension: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let file = format!(
        "attachment; filename=\"jemput-registrations-{}.{extension}\"",
        calendar::iso_date(clock::today())
    );
    if let Ok(value) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // `Cache-Control: no-store` like every API answer (startup::security_headers).
    headers
}

fn push_csv_rows(out: &mut String, names: &RowNames, rows: &[ProjectionRow]) {
    out.reserve(rows.len() * 256);
    for row in rows {
        push_csv_line(out, &cells(names, row));
    }
}

async fn export_csv(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: HeaderMap,
    params: RawParams,
) -> Result<Response, ApiError> {
    let (export, rows, first) = start(&state, &headers, params, "csv", Some(address)).await?;
    let Export { names, slot, audit } = export;
    // A BOM, so spreadsheet programs read UTF-8.
    let mut head = String::from("\u{feff}");
    push_csv_line(&mut head, &COLUMNS);
    if let Some(first) = &first {
        push_csv_rows(&mut head, &names, first);
        audit.tally.note(first);
    }
    let rest = ReceiverStream::new(rows).map(move |batch| {
        // The slot is released and the audit entry written when the body is dropped:
        // at the end or on disconnect.
        let _slot = &slot;
        match batch {
            Ok(rows) => {
                let mut lines = String::new();
                push_csv_rows(&mut lines, &names, &rows);
                audit.tally.note(&rows);
                Ok(Bytes::from(lines))
            }
            Err(error) => {
                tracing::error!(%error, "a CSV export failed part-way");
                Err(std::io::Error::other("the export failed"))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(Bytes::from(head)) }).chain(rest);
    Ok((
        download_headers("text/csv; charset=utf-8", "csv"),
        Body::from_stream(body),
    )
        .into_response())
}

async fn export_xlsx(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: HeaderMap,
    params: RawParams,
) -> Result<Response, ApiError> {
    let (export, rows, first) = start(&state, &headers, params, "xlsx", Some(address)).await?;
    let Export { names, slot, audit } = export;
    // The slot goes with the work: a client that leaves while the workbook is written
    // does not free it for another export before that work ends.
    let tally = Arc::clone(&audit.tally);
    let (file, slot) =
        tokio::task::spawn_blocking(move || (write_workbook(&names, first, rows, &tally), slot))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("the XLSX export task failed: {e}")))?;
    let file = file?;
    let length = file
        .metadata()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the XLSX export file: {e}")))?
        .len();
    let chunks =
        tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file)).map(move |chunk| {
            let _slot = &slot;
            let _audit = &audit;
            chunk
        });
    let mut headers = download_headers(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok((headers, Body::from_stream(chunks)).into_response())
}

/// Why writing the workbook stopped.
#[derive(Debug, thiserror::Error)]
enum WorkbookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("the workbook's temporary file: {0}")]
    File(#[from] std::io::Error),
}

impl From<WorkbookError> for ApiError {
    fn from(error: WorkbookError) -> Self {
        match error {
            WorkbookError::Store(error) => ApiError::Store(error),
            other => ApiError::Internal(anyhow::anyhow!(other)),
        }
    }
}

/// Writes every row into a workbook (constant memory: each sheet's rows go to a
/// temporary file as they come) and saves it into an unnamed temporary file, rewound.
/// Runs on a blocking thread.
fn write_workbook(
    names: &RowNames,
    first: Option<Vec<ProjectionRow>>,
    mut rows: ExportRows,
    tally: &ExportTally,
) -> Result<std::fs::File, WorkbookError> {
    let mut workbook = Workbook::new();
    let mut sheets = 0;
    add_sheet(&mut workbook, &mut sheets)?;
    let mut next_row = 1;
    let batches = first
        .map(Ok)
        .into_iter()
        .chain(std::iter::from_fn(|| rows.blocking_recv()));
    for batch in batches {
        let batch = batch?;
        for row in &batch {
            if next_row > LAST_SHEET_ROW {
                add_sheet(&mut workbook, &mut sheets)?;
                next_row = 1;
            }
            let sheet = workbook.worksheet_from_index(sheets - 1)?;
            for (column, cell) in cells(names, row).iter().enumerate() {
                sheet.write_string(next_row, column as u16, cell.as_ref())?;
            }
            next_row += 1;
        }
        tally.note(&batch);
    }
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// A new constant-memory sheet with the header row.
fn add_sheet(workbook: &mut Workbook, sheets: &mut usize) -> Result<(), XlsxError> {
    *sheets += 1;
    let name = match *sheets {
        1 => SHEET_NAME.to_owned(),
        n => format!("{SHEET_NAME} {n}"),
    };
    let sheet: &mut Worksheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    for (column, title) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, column as u16, *title)?;
    }
    Ok(())
}
