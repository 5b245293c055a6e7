//! The yearly targets editor: rows of (regency or the whole province, programme or all
//! programmes, yearly count), saved together with `PUT /api/admin/targets`, which
//! replaces every target. The province-wide row without a programme is the headline
//! target (10,000 unless set). Drawn as HTML text and dispatched from the admin page
//! (see `admin.rs` for why).

use std::fmt::Write as _;

use jemput_shared::domain::RegionDirectory;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin_api::{self, Target};
use crate::i18n::{l, Lang};
use crate::pages::admin::{report, select, Admin, Note, Submitted};

use crate::format::PROGRAMMES;

pub fn form_html(lang: Lang, targets: &[Target], directory: Option<&RegionDirectory>) -> String {
    let mut html = format!(
        "<form class=\"card admin-form\" data-form=\"targets\" data-testid=\"targets\"><h2>{}</h2>\
         <p class=\"hint\">{}</p><div class=\"admin-scroll\"><table class=\"admin-table\"><thead><tr>\
         <th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        l(lang, "Target tahunan", "Yearly targets"),
        l(
            lang,
            "Baris tanpa kabupaten/kota berlaku untuk seluruh provinsi; tanpa program, untuk semua program.",
            "A row without a regency is for the whole province; without a programme, for all programmes.",
        ),
        l(lang, "Kabupaten/kota", "Regency"),
        l(lang, "Program", "Programme"),
        l(lang, "Target per tahun", "Yearly target"),
    );
    let mut regencies = vec![(
        String::new(),
        l(lang, "Seluruh provinsi", "Whole province").to_owned(),
    )];
    if let Some(directory) = directory {
        regencies.extend(
            directory
                .regencies()
                .map(|(code, name)| (code.to_string(), format!("{code} {name}"))),
        );
    }
    let mut programmes = vec![(
        String::new(),
        l(lang, "Semua program", "All programmes").to_owned(),
    )];
    programmes.extend(
        PROGRAMMES
            .iter()
            .map(|(code, id, en)| ((*code).to_owned(), l(lang, *id, *en).to_owned())),
    );
    for (index, target) in targets.iter().enumerate() {
        let regency = target.regency.clone().unwrap_or_default();
        let mut own_regencies = regencies.clone();
        // A code the list lacks (regions not loaded yet) is kept, not silently dropped.
        if !own_regencies.iter().any(|(code, _)| *code == regency) {
            own_regencies.push((regency.clone(), regency.clone()));
        }
        let yearly = if target.yearly > 0 {
            target.yearly.to_string()
        } else {
            String::new()
        };
        let _ = write!(
            html,
            "<tr data-testid=\"target-row\"><td>{}</td><td>{}</td><td><input name=\"yearly\" type=\"number\" \
             min=\"1\" max=\"10000000\" inputmode=\"numeric\" value=\"{yearly}\"></td><td><button type=\"submit\" \
             class=\"link\" value=\"remove-{index}\" formnovalidate>{}</button></td></tr>",
            select("regency", "", own_regencies, &[regency]),
            select("programme", "", programmes.clone(), &[target.programme.clone().unwrap_or_default()]),
            l(lang, "Hapus", "Remove"),
        );
    }
    let _ = write!(
        html,
        "</tbody></table></div><div class=\"admin-actions\"><button type=\"submit\" class=\"secondary\" \
         name=\"add_target\" value=\"add\" formnovalidate>{}</button><button type=\"submit\" class=\"primary\" \
         name=\"save_targets\" value=\"save\">{}</button></div></form>",
        l(lang, "Tambah baris", "Add row"),
        l(lang, "Simpan target", "Save targets"),
    );
    html
}

/// Add and remove keep what was typed in the other rows: they read the form first.
pub fn submit(admin: Admin, form: Submitted) {
    let mut rows = read_rows(&form);
    if form.action == "add" {
        rows.push(Target::default());
        admin.targets.set(rows);
    } else if let Some(index) = form.action.strip_prefix("remove-") {
        if let Ok(index) = index.parse::<usize>() {
            if index < rows.len() {
                rows.remove(index);
            }
        }
        admin.targets.set(rows);
    } else {
        spawn_local(async move {
            let result = admin_api::save_targets(&admin.token(), rows).await;
            if result.is_ok() {
                reload(admin).await;
            }
            report(
                admin.targets_note,
                result.map(|()| Note::done("Target disimpan.".into(), "Targets saved.".into())),
            );
        });
    }
}

pub async fn reload(admin: Admin) {
    match admin_api::targets(&admin.token()).await {
        Ok(targets) => admin.targets.set(targets),
        Err(failure) => admin.targets_note.set(Some(Note::failed(&failure))),
    }
}

/// The rows as typed; a count that is not a number becomes 0, which the server refuses
/// with its own message.
fn read_rows(form: &Submitted) -> Vec<Target> {
    let regencies = form.all("regency");
    let programmes = form.all("programme");
    let yearly = form.all("yearly");
    let chosen = |value: &String| (!value.is_empty()).then(|| value.clone());
    regencies
        .iter()
        .zip(&programmes)
        .zip(&yearly)
        .map(|((regency, programme), yearly)| Target {
            regency: chosen(regency),
            programme: chosen(programme),
            yearly: yearly.trim().replace(['.', ','], "").parse().unwrap_or(0),
        })
        .collect()
}
