//! `GET /api/registrations/export.csv` and `.xlsx`: every filtered row, with region and
//! officer names, times in WIB; the CSV parsed back (BOM, header, rows, formula guard),
//! the XLSX opened as the zip it is; a token in the query works as the header does;
//! without one, or as an officer, nothing is exported; a supervisor never exports
//! another regency's rows.

use std::io::Read;

use crate::harness::world::{world, Caller, World};

const COLUMNS: [&str; 22] = [
    "id",
    "full_name",
    "nik",
    "gender",
    "birth_place",
    "birth_date",
    "phone",
    "regency",
    "regency_name",
    "district",
    "district_name",
    "village",
    "village_name",
    "programmes",
    "status",
    "officer_username",
    "officer_name",
    "created_at",
    "updated_at",
    "duplicate_of",
    "stage",
    "follow_ups",
];

/// RFC 4180 fields, quotes and all.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the CSV ends with a line break"
    );
    records
}

/// The export's CSV records (header first), after checking the download's headers.
async fn csv(caller: &Caller, query: &str) -> Vec<Vec<String>> {
    let response = caller
        .get(&format!("/api/registrations/export.csv?{query}"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    check_download_headers(&response, "csv", "text/csv; charset=utf-8");
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark");
    let records = parse_csv(text);
    assert_eq!(records[0], COLUMNS);
    records
}

fn check_download_headers(response: &reqwest::Response, extension: &str, content_type: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), content_type);
    let disposition = header("content-disposition");
    let name = disposition
        .strip_prefix("attachment; filename=\"jemput-registrations-")
        .and_then(|rest| rest.strip_suffix(&format!(".{extension}\"")))
        .unwrap_or_else(|| panic!("unexpected Content-Disposition: {disposition}"));
    let date: Vec<&str> = name.split('-').collect();
    assert!(
        date.len() == 3 && date.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
        "{disposition}"
    );
}

/// The registration numbers of the CSV's rows, in order.
fn numbers(world: &World, records: &[Vec<String>]) -> Vec<usize> {
    records[1..]
        .iter()
        .map(|r| world.number_of(&r[0]))
        .collect()
}

#[tokio::test]
async fn a_csv_export_holds_every_filtered_row_with_names_and_wib_times() {
    let w = &world().await;
    let records = csv(&w.budi, "").await;
    assert_eq!(numbers(w, &records), [5, 4, 3, 2, 1], "the table's order");

    let first = records.iter().find(|r| r[1] == "Siti Rahmawati").unwrap();
    let field = |name: &str| first[COLUMNS.iter().position(|c| *c == name).unwrap()].as_str();
    let registration = w.reg(1);
    assert_eq!(field("nik"), registration.nik);
    assert_eq!(field("birth_place"), registration.birth_place);
    assert_eq!(field("birth_date"), registration.birth_date);
    assert_eq!(field("phone"), registration.phone);
    assert_eq!(field("regency"), "17.01");
    assert_eq!(field("regency_name"), "Kabupaten Bengkulu Selatan");
    assert_eq!(field("district_name"), "Kedurang");
    assert_eq!(field("village"), "17.01.01.2001");
    assert_eq!(field("village_name"), "Batu Ampar");
    assert_eq!(field("programmes"), "blk_training");
    assert_eq!(field("status"), "verified");
    assert_eq!(field("officer_username"), "siti");
    assert_eq!(field("officer_name"), "siti");
    assert_eq!(field("created_at"), "2025-11-01 10:00");
    assert_eq!(field("duplicate_of"), "");
    assert_eq!(field("stage"), "registered");
    assert_eq!(field("follow_ups"), "");
    let business = records.iter().find(|r| r[1] == "Budi Santoso").unwrap();
    assert_eq!(business[13], "new_entrepreneur;job_placement");

    // A name a spreadsheet would read as a formula is defused.
    assert!(records.iter().any(|r| r[1] == "'-Rina Ayu"), "{records:?}");

    // The table's filters and sort apply.
    let records = csv(
        &w.budi,
        "status=submitted&sort=full_name&dir=asc&district=17.01.01",
    )
    .await;
    assert_eq!(numbers(w, &records), [2]);
    let records = csv(&w.budi, "q=siti&duplicates=include&sort=created_at&dir=asc").await;
    assert_eq!(numbers(w, &records), [1, 2, 8]);
    let duplicate = &records[3];
    assert_eq!(duplicate[19], w.reg(2).id);
    // The table's own query string, paging included, works for its export link.
    let records = csv(&w.budi, "page=2&per_page=2&q=170101").await;
    assert_eq!(numbers(w, &records), [3, 2, 1]);
}

#[tokio::test]
async fn a_supervisor_exports_only_their_regency_and_others_are_refused() {
    let w = &world().await;
    let records = csv(&w.sari, "").await;
    assert_eq!(numbers(w, &records), [7, 6]);
    let records = csv(&w.sari, "regency=17.01").await;
    assert_eq!(records.len(), 1, "only the header: {records:?}");
    let records = csv(&w.admin, "").await;
    assert_eq!(numbers(w, &records), [7, 6, 5, 4, 3, 2, 1]);

    let client = reqwest::Client::new();
    let status_of = |url: String| {
        let request = client.get(url).send();
        async move { request.await.unwrap().status() }
    };
    for extension in ["csv", "xlsx"] {
        let url = format!("{}/api/registrations/export.{extension}", w.server.address);
        // The token in the query, as a download link carries it.
        let with_budis = format!("{url}?token={}&status=verified", w.budi.token);
        assert_eq!(status_of(with_budis).await, 200, "{extension}");
        let without = url.clone();
        assert_eq!(status_of(without).await, 401, "{extension} without a token");
        let wrong = format!("{url}?token=not-a-token");
        assert_eq!(
            status_of(wrong).await,
            401,
            "{extension} with a wrong token"
        );
        let sitis = format!("{url}?token={}", w.siti.token);
        assert_eq!(status_of(sitis).await, 403, "{extension} for an officer");
        let response = w
            .budi
            .get(&format!(
                "/api/registrations/export.{extension}?status=maybe"
            ))
            .await;
        assert_eq!(response.status(), 400, "{extension} with a bad filter");
    }
    let response = client
        .get(format!(
            "{}/api/registrations/export.csv?token={}",
            w.server.address, w.budi.token
        ))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    assert_eq!(numbers(w, &records), [5, 4, 3, 2, 1]);
}

/// The text of every cell of the workbook's first sheet, row by row.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut read = |name: &str| -> Option<String> {
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        Some(text)
    };
    let sheet = read("xl/worksheets/sheet1.xml").expect("a first sheet");
    let shared: Vec<String> = read("xl/sharedStrings.xml")
        .map(|xml| xml.split("<si>").skip(1).map(text_of).collect())
        .unwrap_or_default();
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|cell| {
                    if cell.contains("t=\"s\"") {
                        let index = between(cell, "<v>", "</v>").parse::<usize>().unwrap();
                        shared[index].clone()
                    } else {
                        text_of(cell)
                    }
                })
                .collect()
        })
        .collect()
}

/// The text of the first `<t>` element (XML entities undone).
fn text_of(xml: &str) -> String {
    let start = xml.find("<t").map(|i| i + xml[i..].find('>').unwrap() + 1);
    let Some(start) = start else {
        return String::new();
    };
    let end = start + xml[start..].find("</t>").unwrap();
    xml[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap() + open.len();
    &text[start..start + text[start..].find(close).unwrap()]
}

#[tokio::test]
async fn an_xlsx_export_is_a_workbook_of_the_filtered_rows() {
    let w = &world().await;
    let response = w
        .budi
        .get("/api/registrations/export.xlsx?district=17.01.01&sort=full_name&dir=asc")
        .await;
    assert_eq!(response.status(), 200);
    check_download_headers(
        &response,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    let bytes = response.bytes().await.unwrap();
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0], COLUMNS);
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["Budi Santoso", "Siti Aminah", "Siti Rahmawati"]);
    let last = &rows[3];
    assert_eq!(last[0], w.reg(1).id);
    assert_eq!(last[2], w.reg(1).nik, "the NIK stays text, all 16 digits");
    assert_eq!(last[10], "Kedurang");
    assert_eq!(last[12], "Batu Ampar");
    assert_eq!(last[17], "2025-11-01 10:00");

    // Nothing matches: a workbook with the header alone.
    let response = w
        .sari
        .get("/api/registrations/export.xlsx?regency=17.01")
        .await;
    assert_eq!(response.status(), 200);
    let rows = sheet_rows(&response.bytes().await.unwrap());
    assert_eq!(rows.len(), 1);
}
